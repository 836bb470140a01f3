#!/usr/bin/env bash
# The broker goes away for 30 s in the middle of a run and comes back:
# `dndtrack produce --rate 200 --count 12000` and a live `dndtrack consume`
# both ride it out on their own. While the broker is down the page must say
# status.broker "unreachable" (within 15 s), and "up" again within 15 s of
# the broker answering again; the producer must end with all 12,000
# delivered and none failed; and the live consumer's figures must equal
# both the producer's delivered count and what a fresh group reads from the
# topic with `consume -e`.
#
# It stops and starts the broker with the project's ./stop-kafka.sh and
# ./start-kafka.sh, so it is skipped when the broker it was given is not
# the one those scripts manage; whatever happens, the broker is started
# again when the test exits.
. "$(dirname "$0")/../lib.sh"
needs_kafka
needs_dndtrack

here=$(dirname "$0")
root=$(cd "$here/../.." && pwd)
out="${TEST_OUT:?}/broker-outage"
rm -rf "$out"
mkdir -p "$out"
export DND_STATE_DIR="$out/state"

COUNT=12000
RATE=200
SEED=75
UP_BEFORE=10    # seconds of producing before the broker stops
DOWN_FOR=30     # seconds the broker stays down
NOTICE=15       # seconds for the page to say the broker is unreachable
RECOVER=90      # seconds for the consumer to catch up once it is back

needs_own_broker

# Starts the broker again, its output kept with the test's.
start_broker() {
    start_own_broker "$out/broker.log"
}

# The figures on the page, one line: "MESSAGES BROKER", or nothing.
page_state() {
    curl -fsS --max-time 2 "http://127.0.0.1:$port/api/players" 2>/dev/null |
        python3 -c 'import json, sys
d = json.load(sys.stdin)
print(d["messages"], d["status"]["broker"])' 2>/dev/null
}

# Waits until the page's broker status is WANT: wait_status WANT SECONDS.
# Sets $state to the last state read.
wait_status() {
    local i end=$((SECONDS + $2))
    for ((i = 0; i < $2 * 4 && SECONDS < end; i++)); do
        state=$(page_state)
        [ "${state#* }" = "$1" ] && return 0
        sleep 0.25
    done
    return 1
}

topic=$(unique_topic outage)
group=$topic
port=$(free_port)
t0=$SECONDS

"$DNDTRACK" produce -b "$KAFKA_BROKERS" -t "$topic" --rate "$RATE" \
    --count "$COUNT" --seed "$SEED" 2>"$out/produce.err" &
producer=$!
kill_on_exit "$producer"

# The consumer starts once the producer has made the topic.
end=$((SECONDS + 20))
for ((i = 0; i < 80 && SECONDS < end; i++)); do
    timeout 5 kcat -b "$KAFKA_BROKERS" -L -t "$topic" 2>/dev/null |
        grep -q 'partition 0' && break
    sleep 0.25
done
"$DNDTRACK" consume -v -b "$KAFKA_BROKERS" -t "$topic" -G "$group" \
    --dashboard "127.0.0.1:$port" >/dev/null 2>"$out/consume.err" &
consumer=$!
kill_on_exit "$consumer"
wait_for_http "http://127.0.0.1:$port/healthz" 20 ||
    fail "the consumer's page does not answer: $(tail -5 "$out/consume.err")"

# A record of the page, for the log: seconds since the start, then state.
(
    for ((i = 0; i < 600 && SECONDS - t0 < 300; i++)); do
        echo "$((SECONDS - t0)) $(page_state)"
        sleep 0.5
    done
) >"$out/page.log" 2>/dev/null &
kill_on_exit $!

sleep $((UP_BEFORE - (SECONDS - t0) > 0 ? UP_BEFORE - (SECONDS - t0) : 0))
state=$(page_state)
note "before the outage (t=$((SECONDS - t0)) s): page says '$state'"
case "$state" in
"0 "* | "") fail "the consumer has read nothing before the outage: '$state'" ;;
esac

# From here on the broker must be running again when the test exits.
at_exit 'start_broker || echo "could not restart the broker" >&2'
"$root/stop-kafka.sh" >>"$out/broker.log" 2>&1 || fail "stop-kafka.sh failed"
down_at=$SECONDS
if broker_answers; then
    skip "a broker still answers on $KAFKA_BROKERS after ./stop-kafka.sh:" \
        "it is not the one this checkout's scripts manage"
fi
note "broker stopped at t=$((SECONDS - t0)) s"

wait_status unreachable "$NOTICE" ||
    fail "the page still says '$state' $NOTICE s after the broker stopped"
note "page says '$state' after $((SECONDS - down_at)) s"

# Both clients must live through the outage.
for ((i = 0; i < DOWN_FOR * 2 && SECONDS - down_at < DOWN_FOR; i++)); do
    kill -0 "$consumer" 2>/dev/null ||
        fail "the consumer died during the outage:" \
            "$(tail -5 "$out/consume.err")"
    kill -0 "$producer" 2>/dev/null ||
        fail "the producer died during the outage:" \
            "$(tail -5 "$out/produce.err")"
    sleep 1
done

start_broker || fail "start-kafka.sh could not start the broker again"
back_at=$SECONDS
note "broker back at t=$((SECONDS - t0)) s"

# The producer: every event delivered, none failed, in the time left.
for ((i = 0; i < 240; i++)); do
    kill -0 "$producer" 2>/dev/null || break
    sleep 0.5
done
kill -0 "$producer" 2>/dev/null &&
    fail "the producer still runs 120 s after the broker came back"
wait "$producer"
rc=$?
# Its progress line ends in a carriage return; the last line is the count.
last=$(tr '\r' '\n' <"$out/produce.err" | sed '/^$/d' | tail -1)
note "producer exited $rc at t=$((SECONDS - t0)) s: $last"
assert_eq "$last" \
    "dndtrack: produced $COUNT events to $topic: $COUNT delivered, 0 failed" \
    "the producer's last line"
assert_eq "$rc" 0 "the producer's exit status"
delivered=$COUNT

# The consumer: every delivered event and no more, and the broker "up".
# After a restart the broker still remembers the group's member from
# before, and the group waits out that member's session (librdkafka's
# default session.timeout.ms, 45 s) before the consumer gets its
# partitions back; RECOVER bounds the whole wait.
for ((i = 0; i < RECOVER * 4 && SECONDS < back_at + RECOVER; i++)); do
    state=$(page_state)
    [ "$state" = "$delivered up" ] && break
    if [ -n "$state" ] && [ "${state%% *}" -gt "$delivered" ]; then
        fail "the page counts ${state%% *} messages, more than the" \
            "$delivered delivered"
    fi
    kill -0 "$consumer" 2>/dev/null ||
        fail "the consumer exited: $(tail -5 "$out/consume.err")"
    sleep 0.25
done
assert_eq "$state" "$delivered up" \
    "the page (messages, broker) $RECOVER s after the broker came back"
note "page at '$state' $((SECONDS - back_at)) s after the broker came back"
curl -fsS --max-time 5 "http://127.0.0.1:$port/api/players" \
    >"$out/page.json" || fail "cannot read the page's figures"

# A fresh group reading the whole topic must see the same figures.
timeout 60 "$DNDTRACK" consume -b "$KAFKA_BROKERS" -t "$topic" \
    -G "$group-other" -e >"$out/fresh.json" 2>"$out/fresh.err" ||
    fail "consume -e failed: $(tail -5 "$out/fresh.err")"
python3 - "$out/page.json" "$out/fresh.json" "$delivered" <<'PY' \
    >"$out/compare.txt" || fail "figures differ: $(head -20 "$out/compare.txt")"
import json, sys
page, fresh = (json.load(open(p)) for p in sys.argv[1:3])
# "seq" in the recent events only orders them within one process.
for doc in (page, fresh):
    for p in doc["players"]:
        for r in p.get("recent", []):
            r.pop("seq", None)
delivered = int(sys.argv[3])
bad = []
for doc, name in ((page, "page"), (fresh, "consume -e")):
    if doc["messages"] != delivered or doc["invalid"] != 0:
        bad.append(f"{name}: messages {doc['messages']} invalid "
                   f"{doc['invalid']}, expected {delivered} and 0")
if not page["players"]:
    bad.append("no players on the page")
if page["players"] != fresh["players"]:
    a = {p["player"]: p for p in page["players"]}
    b = {p["player"]: p for p in fresh["players"]}
    for name in sorted(set(a) | set(b)):
        if a.get(name) != b.get(name):
            bad.append(f"{name}: page {json.dumps(a.get(name))[:300]} "
                       f"!= consume -e {json.dumps(b.get(name))[:300]}")
print("\n".join(bad) or "page and consume -e agree")
sys.exit(1 if bad else 0)
PY

kill -TERM "$consumer"

# The page must say "up" again soon after the broker answers (start-kafka.sh
# returns once it takes an idempotent produce), whatever the group is
# doing meanwhile. The record of the page tells when it did, and how low
# the count fell on the way.
back_rel=$((back_at - t0))
first_up=$(awk -v t="$back_rel" '$1 >= t && $3 == "up" { print $1; exit }' \
    "$out/page.log")
lowest=$(awk -v t="$((down_at - t0))" \
    '$1 >= t && $2 != "" && (m == "" || $2 + 0 < m) { m = $2 + 0 }
     END { print m }' "$out/page.log")
note "the page said 'up' ${first_up:+$((first_up - back_rel)) s }after the" \
    "broker came back; its lowest count since the outage began: $lowest"
if [ -z "$first_up" ] || [ $((first_up - back_rel)) -gt "$NOTICE" ]; then
    fail "the page said 'unreachable' for more than $NOTICE s after the" \
        "broker answered again (see page.log: seconds, messages, broker)"
fi
note "done at t=$((SECONDS - t0)) s"
