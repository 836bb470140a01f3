#!/bin/sh
# The producer and the consumer under valgrind's memcheck, on the real
# broker: 200 simulated events, then a few bad messages so that the dead
# letter path runs, read back with consume -e. Any invalid read or write,
# use of uninitialised memory, or definitely lost block fails the test;
# memory librdkafka still holds at exit is not a leak of ours.
. "$(dirname "$0")/../lib.sh"
needs_kafka
needs_dndtrack
command -v valgrind >/dev/null 2>&1 || skip "valgrind is not installed"
# A sanitizer build maps its shadow memory in a way valgrind cannot run.
if grep -q __asan_init "$DNDTRACK"; then
    skip "$DNDTRACK is built with sanitizers"
fi

out="${TEST_OUT:?}/valgrind"
rm -rf "$out"
mkdir -p "$out"
topic=$(unique_topic valgrind)
# Reports that come from libraries alone may be suppressed in this file,
# each entry with a comment saying why; without it nothing is suppressed.
supp="${REPO_ROOT:?}/tests/valgrind.supp"
[ -f "$supp" ] || supp=/dev/null

# memcheck LOGNAME COMMAND...: runs COMMAND under memcheck, its report in
# $out/LOGNAME.vg; valgrind exits 99 when it found an error.
memcheck() {
    _name=$1
    shift
    timeout -k 10 240 valgrind --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite --track-fds=no \
        --suppressions="$supp" --num-callers=30 \
        --log-file="$out/$_name.vg" "$@"
}

# memcheck_verdict LOGNAME STATUS: fails with the first error report.
memcheck_verdict() {
    grep -q 'ERROR SUMMARY: 0 errors' "$out/$1.vg" && [ "$2" -ne 99 ] &&
        return 0
    grep -m 1 -A 25 -E 'Invalid|uninitialised|definitely lost in' \
        "$out/$1.vg" >&2
    fail "memcheck found errors in $1 (exit $2): see $out/$1.vg"
}

# Run from the scratch folder, so that no .env of the checkout applies.
cd "$out" || fail "cannot enter $out"

memcheck produce "$DNDTRACK" produce -b "$KAFKA_BROKERS" -t "$topic" \
    --count 200 --rate max --seed 9 2>"$out/produce.err"
rc=$?
memcheck_verdict produce "$rc"
assert_eq "$rc" 0 "producer's exit status"
assert_eq "$(tail -1 "$out/produce.err")" \
    "dndtrack: produced 200 events to $topic: 200 delivered, 0 failed" \
    "producer's last line"

# Five bad messages: four lines of kcat's input, one value over the size
# limit of 64 KiB sent as a whole file.
printf '%s\n' 'not json at all' '{"player": "", "event_type": "dice_roll"}' \
    '{"player": "Ya", "event_type": "dice_roll", "roll_result": "six"}' \
    '{"player": "Sylas", "event_ty' >"$out/bad.txt"
printf '{"player": "Y\377", "event_type": "dice_roll"}\n' >>"$out/bad.txt"
python3 -c 'print("{\"player\": \"" + "W" * 70000 + "\"}", end="")' \
    >"$out/big.json"
timeout 30 kcat -b "$KAFKA_BROKERS" -t "$topic" -P -l "$out/bad.txt" ||
    fail "kcat could not send the bad lines"
timeout 30 kcat -b "$KAFKA_BROKERS" -t "$topic" -P \
    -X message.max.bytes=1000000 "$out/big.json" ||
    fail "kcat could not send the big message"

memcheck consume "$DNDTRACK" consume -b "$KAFKA_BROKERS" -t "$topic" \
    -G "$topic" -e >"$out/summary.json" 2>"$out/consume.err"
rc=$?
memcheck_verdict consume "$rc"
assert_eq "$rc" 0 "consumer's exit status"

python3 - "$out/summary.json" <<'PY' || fail "the consumer's counts are wrong"
import json, sys
api = json.load(open(sys.argv[1]))
assert api["messages"] == 206, api["messages"]
assert api["invalid"] == 6, api["invalid"]
assert sum(sum(p["events"].values()) for p in api["players"]) == 200, api
PY
letters=$(timeout 60 kcat -b "$KAFKA_BROKERS" -t "$topic.dlq" -C -e -q \
    -f '%o\n' | wc -l)
assert_eq "$letters" 6 "dead letters written"
grep -h 'ERROR SUMMARY' "$out"/*.vg >&2
