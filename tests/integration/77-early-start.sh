#!/usr/bin/env bash
# A consumer started before anything else waits instead of giving up: with
# the broker stopped, `dndtrack consume` on a topic that does not exist yet
# must keep running and say that no broker answers; once the broker is
# started it must say that it waits for the topic; and once kcat writes
# 500 original-format events to the topic, the page must reach exactly 500
# messages with every player's counts and d20 histogram as the generator
# wrote them.
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
out="${TEST_OUT:?}/early-start"
rm -rf "$out"
mkdir -p "$out"
export DND_STATE_DIR="$out/state"

TOTAL=500
SEED=77

needs_own_broker

# Starts the broker again, its output kept with the test's.
start_broker() {
    start_own_broker "$out/broker.log"
}

# Waits until the consumer's log has a line matching REGEX, for at most
# SECONDS, failing if the consumer exits: wait_log REGEX SECONDS
wait_log() {
    local i
    for ((i = 0; i < $2 * 5; i++)); do
        grep -qE "$1" "$out/consume.err" && return 0
        kill -0 "$consumer" 2>/dev/null ||
            fail "the consumer exited: $(tail -5 "$out/consume.err")"
        sleep 0.2
    done
    return 1
}

# The page's figures, one line: "MESSAGES BROKER", or nothing.
page_state() {
    curl -fsS --max-time 2 "http://127.0.0.1:$port/api/players" 2>/dev/null |
        python3 -c 'import json, sys
d = json.load(sys.stdin)
print(d["messages"], d["status"]["broker"])' 2>/dev/null
}

python3 "$here/gen_original.py" "$TOTAL" "$SEED" "$out/events.jsonl" \
    "$out/expect.json" || fail "generator failed"
topic=$(unique_topic early)
group=$topic
port=$(free_port)
t0=$SECONDS

at_exit 'start_broker || echo "could not restart the broker" >&2'
"$root/stop-kafka.sh" >>"$out/broker.log" 2>&1 || fail "stop-kafka.sh failed"
if broker_answers; then
    skip "a broker still answers on $KAFKA_BROKERS after ./stop-kafka.sh:" \
        "it is not the one this checkout's scripts manage"
fi
note "broker stopped at t=$((SECONDS - t0)) s"

"$DNDTRACK" consume -v -b "$KAFKA_BROKERS" -t "$topic" -G "$group" \
    --dashboard "127.0.0.1:$port" >/dev/null 2>"$out/consume.err" &
consumer=$!
kill_on_exit "$consumer"

wait_log "no Kafka broker answers at $KAFKA_BROKERS" 20 ||
    fail "no 'no Kafka broker answers' line within 20 s:" \
        "$(tail -5 "$out/consume.err")"
note "consumer says no broker answers at t=$((SECONDS - t0)) s"
wait_for_http "http://127.0.0.1:$port/healthz" 10 ||
    fail "the consumer's page does not answer while the broker is down"
# It keeps waiting, and the page says why.
end=$((SECONDS + 10))
for ((i = 0; i < 40 && SECONDS < end; i++)); do
    state=$(page_state)
    [ "$state" = "0 unreachable" ] && break
    sleep 0.25
done
assert_eq "$state" "0 unreachable" "the page while no broker answers"
sleep 5
kill -0 "$consumer" 2>/dev/null ||
    fail "the consumer gave up without a broker: $(tail -5 "$out/consume.err")"

start_broker || fail "start-kafka.sh could not start the broker"
note "broker started at t=$((SECONDS - t0)) s"
wait_log "waiting for the topic" 30 ||
    fail "no 'waiting for the topic' line within 30 s of the broker's start:" \
        "$(tail -5 "$out/consume.err")"
note "consumer waits for the topic at t=$((SECONDS - t0)) s"

timeout 60 kcat -b "$KAFKA_BROKERS" -t "$topic" -P -l "$out/events.jsonl" \
    2>"$out/kcat.err" ||
    fail "kcat could not produce: $(tail -3 "$out/kcat.err")"
sent_at=$SECONDS
note "kcat wrote $TOTAL events at t=$((SECONDS - t0)) s"

got=""
end=$((SECONDS + 60))
for ((i = 0; i < 60 * 4 && SECONDS < end; i++)); do
    state=$(page_state)
    got=${state%% *}
    [ "$got" = "$TOTAL" ] && break
    if [ -n "$got" ] && [ "$got" -gt "$TOTAL" ]; then
        fail "the page counts $got messages, more than the $TOTAL sent"
    fi
    kill -0 "$consumer" 2>/dev/null ||
        fail "the consumer exited: $(tail -5 "$out/consume.err")"
    sleep 0.25
done
assert_eq "$got" "$TOTAL" "messages on the page within 60 s of kcat's end"
note "page at $TOTAL messages $((SECONDS - sent_at)) s after kcat's end"
curl -fsS --max-time 5 "http://127.0.0.1:$port/api/players" \
    >"$out/page.json" || fail "cannot read the page's figures"
python3 "$here/compare_counts.py" "$out/page.json" "$out/expect.json" \
    "$TOTAL" >"$out/page.diff" ||
    fail "page figures differ: $(head -20 "$out/page.diff")"
state=$(page_state)
assert_eq "${state#* }" up "the page's broker status at the end"
note "done at t=$((SECONDS - t0)) s"
