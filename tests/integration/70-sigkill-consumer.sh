#!/usr/bin/env bash
# A consumer killed with SIGKILL loses nothing and counts nothing twice:
# kcat streams 50,000 original-format events into a new topic over about
# 35 s while `dndtrack consume` reads them; the consumer is killed five
# times at random moments and restarted with the same group and state
# directory. Once the stream is over, the page must show exactly 50,000
# messages, and both the page and `consume -e` of the same group must give
# every player the counts and d20 histogram the generator wrote.
#
# The live consumers are one static member of the group (group.instance.id),
# so that a restarted consumer takes its partitions back at once: without
# it, each restart would wait out the killed member's 45 s session, and the
# kills would land on consumers that have nothing assigned yet.
#
# KILL_SEED picks the generator's seed and the kill delays (random when
# unset; the log names it, to replay a failure).
. "$(dirname "$0")/../lib.sh"
needs_kafka
needs_dndtrack

here=$(dirname "$0")
out="${TEST_OUT:?}/sigkill-consumer"
rm -rf "$out"
mkdir -p "$out"
export DND_STATE_DIR="$out/state"

TOTAL=50000
CHUNK=1000    # events per kcat run
PAUSE=0.6     # seconds between kcat runs: 50 runs over about 35 s
KILLS=5

seed=${KILL_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
RANDOM=$seed
note "seed $seed"
topic=$(unique_topic sigkill)
group=$topic
member=$group-live

python3 "$here/gen_original.py" "$TOTAL" "$seed" "$out/events.jsonl" \
    "$out/expect.json" || fail "generator failed"
split -l "$CHUNK" -d -a 3 "$out/events.jsonl" "$out/chunk." ||
    fail "cannot split the events"

# The stream: one kcat run per chunk, each message to a random partition.
# It writes how many chunks went out, and "failed" or "done" at the end.
stream() {
    local c n=0 end=$((SECONDS + 120))
    for c in "$out"/chunk.*; do
        if [ "$SECONDS" -ge "$end" ]; then
            echo "late" >"$out/stream.state"
            return 1
        fi
        if ! timeout 30 kcat -b "$KAFKA_BROKERS" -t "$topic" -P \
            -X sticky.partitioning.linger.ms=0 -l "$c" 2>>"$out/kcat.err"; then
            echo failed >"$out/stream.state"
            return 1
        fi
        n=$((n + 1))
        echo "$n" >"$out/stream.sent"
        sleep "$PAUSE"
    done
    echo "done" >"$out/stream.state"
}

runs=0
pid=""
port=""
# Starts a live consumer on a free port; its log is consume.N.err.
start_consumer() {
    runs=$((runs + 1))
    port=$(free_port)
    "$DNDTRACK" consume -v -b "$KAFKA_BROKERS" -t "$topic" -G "$group" \
        -X group.instance.id="$member" --dashboard "127.0.0.1:$port" \
        >/dev/null 2>"$out/consume.$runs.err" &
    pid=$!
    kill_on_exit "$pid"
    wait_grep 'assigned .* from offset' "$out/consume.$runs.err" 30 ||
        fail "consumer run $runs got no partitions within 30 s:" \
            "$(tail -5 "$out/consume.$runs.err")"
}

t0=$SECONDS
stream &
streamer=$!
kill_on_exit "$streamer"
wait_grep . "$out/stream.sent" 30 || fail "kcat could not send the first chunk"

start_consumer
for ((k = 1; k <= KILLS; k++)); do
    # 2.0 to 6.0 s, in tenths.
    delay=$((20 + RANDOM % 41))
    sleep "$((delay / 10)).$((delay % 10))"
    kill -0 "$pid" 2>/dev/null ||
        fail "consumer run $runs died by itself:" \
            "$(tail -5 "$out/consume.$runs.err")"
    seen=$(api_messages "$port")
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    note "kill $k after $((delay / 10)).$((delay % 10)) s of run $runs" \
        "(page at ${seen:-?} messages, $(cat "$out/stream.sent") chunks sent," \
        "t=$((SECONDS - t0)) s)"
    start_consumer
done

# At least one restart must have started from saved figures, or the kills
# tested a consumer that reads everything again.
grep -q 'restored:' "$out"/consume.[2-9].err ||
    fail "no restarted consumer restored saved figures"

# The stream writes its end state last; the check below reads it.
wait_grep . "$out/stream.state" 75 || true
wait "$streamer"
assert_eq "$(cat "$out/stream.state" 2>/dev/null)" "done" \
    "the stream (see kcat.err)"
note "stream over after $((SECONDS - t0)) s"

# The last consumer catches up: exactly TOTAL, never more.
wait_count "$port" "$TOTAL" 60 "the page"
curl -fsS --max-time 5 "http://127.0.0.1:$port/api/players" \
    >"$out/page.json" || fail "cannot read the page's figures"
python3 "$here/compare_counts.py" "$out/page.json" "$out/expect.json" \
    "$TOTAL" >"$out/page.diff" ||
    fail "page figures differ: $(head -20 "$out/page.diff")"

stop_gracefully "$pid" "the live consumer" 15

# The same group and member, from the saved state to the end of the topic.
timeout 60 "$DNDTRACK" consume -v -b "$KAFKA_BROKERS" -t "$topic" -G "$group" \
    -X group.instance.id="$member" -e >"$out/final.json" \
    2>"$out/final.err" || fail "consume -e failed: $(tail -5 "$out/final.err")"
python3 "$here/compare_counts.py" "$out/final.json" "$out/expect.json" \
    "$TOTAL" >"$out/final.diff" ||
    fail "consume -e figures differ: $(head -20 "$out/final.diff")"
note "all counts equal after $KILLS kills, $((SECONDS - t0)) s"
