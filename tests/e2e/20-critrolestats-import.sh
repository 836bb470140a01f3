#!/bin/sh
# End to end on the real broker: the Vox Machina CritRoleStats file is
# imported by `dndtrack produce`, consumed by `dndtrack consume`, and every
# character's figures on /api/players are checked against an independent
# Python reader of the same CSV.
. "$(dirname "$0")/../lib.sh"
needs_kafka
needs_dndtrack

csv="${SHARED_DATA:?}/critrolestats-vox-machina.csv"
[ -r "$csv" ] || fail "cannot read $csv"
out="${TEST_OUT:?}/critrolestats"
mkdir -p "$out"
topic=$(unique_topic crs)
port=$(free_port)
here=$(dirname "$0")

python3 "$here/crs_expect.py" "$csv" >"$out/expect.json" ||
    fail "the independent reader failed"
rows=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"])' \
    <"$out/expect.json")
note "file has $rows rows; topic $topic"

"$DNDTRACK" produce -b "$KAFKA_BROKERS" -t "$topic" \
    --import "$csv" --format critrolestats 2>"$out/produce.err" ||
    fail "import failed: $(tail -3 "$out/produce.err")"
last=$(tail -1 "$out/produce.err")
assert_eq "$last" \
    "dndtrack: produced $rows events to $topic: $rows delivered, 0 failed" \
    "producer's last line"

"$DNDTRACK" consume -b "$KAFKA_BROKERS" -t "$topic" -G "$topic" \
    --dashboard "127.0.0.1:$port" 2>"$out/consume.err" &
kill_on_exit $!
wait_for_http "http://127.0.0.1:$port/api/players" 30 ||
    fail "dashboard did not answer: $(tail -5 "$out/consume.err")"

# Poll until every row has been read, for at most 60 seconds.
n=0
while [ $n -lt 300 ]; do
    curl -fsS "http://127.0.0.1:$port/api/players" >"$out/api.json"
    got=$(python3 -c \
        'import json, sys; print(json.load(sys.stdin)["messages"])' \
        <"$out/api.json")
    [ "$got" = "$rows" ] && break
    sleep 0.2
    n=$((n + 1))
done
assert_eq "$got" "$rows" "messages on /api/players"
invalid=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["invalid"])' \
    <"$out/api.json")
assert_eq "$invalid" 0 "invalid on /api/players"

python3 "$here/compare_players.py" "$out/api.json" "$out/expect.json" ||
    fail "figures differ from the independent reader"

# The same counts in Prometheus' format, label escaping included.
curl -fsS "http://127.0.0.1:$port/metrics" >"$out/metrics.txt" ||
    fail "no /metrics"
python3 - "$out/metrics.txt" "$out/expect.json" "$rows" <<'PY' ||
import json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
expect = json.load(open(sys.argv[2]))["characters"]
rows = int(sys.argv[3])
line = re.compile(r'^dndtrack_player_events_total\{player="((?:[^"\\]|\\.)*)",'
                  r'type="dice_roll"\} (\d+)$', re.M)
got = {m.group(1).replace('\\"', '"').replace("\\\\", "\\"): int(m.group(2))
       for m in line.finditer(text)}
want = {name: c["dice_roll"] for name, c in expect.items()}
assert got == want, (sorted(got.items())[:5], sorted(want.items())[:5])
assert re.search(r"^dndtrack_messages_total %d$" % rows, text, re.M)
assert re.search(r"^dndtrack_invalid_total 0$", text, re.M)
assert re.search(r"^dndtrack_players %d$" % len(want), text, re.M)
PY
    fail "/metrics differs from the independent reader"

# The same figures from a scripted run with -e, from a fresh group.
"$DNDTRACK" consume -q -b "$KAFKA_BROKERS" -t "$topic" -G "$topic-e" -e \
    >"$out/summary.json" || fail "consume -e failed"
python3 "$here/compare_players.py" "$out/summary.json" "$out/expect.json" ||
    fail "consume -e figures differ from the independent reader"
