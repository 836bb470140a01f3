#!/bin/sh
# The demo as a new user sees it: it prints the page's URL and the embedded
# broker's address and says nothing is kept; the page's figures grow; and
# an independent Kafka client (kcat) reads the same events from the
# printed address, each a valid event of one of the simulated players.
. "$(dirname "$0")/../lib.sh"
needs_dndtrack

out="${TEST_OUT:?}/demo"
mkdir -p "$out"
port=$(free_port)
"$DNDTRACK" demo --dashboard "127.0.0.1:$port" --rate 20 \
    >"$out/demo.out" 2>"$out/demo.err" &
demo=$!
kill_on_exit $demo
wait_for_http "http://127.0.0.1:$port/api/players" 30 ||
    fail "the page did not answer: $(tail -5 "$out/demo.err")"

grep -q "nothing is kept" "$out/demo.err" || fail "no word that nothing is kept"
grep -q "http://127.0.0.1:$port/" "$out/demo.err" || fail "no page URL"
broker=$(sed -n 's/.*embedded in-memory broker at \([0-9.:]*\),.*/\1/p' \
    "$out/demo.err")
[ -n "$broker" ] || fail "no broker address printed: $(cat "$out/demo.err")"

timeout 30 kcat -b "$broker" -t dnd_events -C -o beginning -c 20 -q \
    >"$out/events.jsonl" || fail "kcat could not read from $broker"
python3 - "$out/events.jsonl" <<'PY' || fail "kcat read unexpected events"
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert len(lines) == 20, len(lines)
for l in lines:
    e = json.loads(l)
    assert e["player"] in ("Stravos", "Ya", "Sylas", "Wurs"), e
    assert e["event_type"] in ("dice_roll", "encounter", "spell_cast"), e
PY

# The embedded broker's group coordinator takes a few seconds to assign.
n=0
while [ $n -lt 150 ]; do
    curl -fsS "http://127.0.0.1:$port/api/players" >"$out/api.json" ||
        fail "no /api/players"
    got=$(python3 -c \
        'import json, sys; print(json.load(sys.stdin)["messages"])' \
        <"$out/api.json")
    [ "$got" -ge 20 ] && break
    sleep 0.2
    n=$((n + 1))
done
python3 - "$out/api.json" <<'PY' || fail "the figures do not add up"
import json, sys
d = json.load(open(sys.argv[1]))
total = sum(sum(p["events"].values()) for p in d["players"])
assert d["messages"] >= 20, d["messages"]
assert d["invalid"] == 0
# Each valid message counts once for exactly one player.
assert total == d["messages"], (total, d["messages"])
PY
curl -fsS "http://127.0.0.1:$port/" | grep -qi "<html" || fail "no page at /"

# Ctrl-C ends the demo cleanly: it says what it sent, exits 0.
kill -INT $demo
n=0
while kill -0 $demo 2>/dev/null && [ $n -lt 100 ]; do
    sleep 0.2
    n=$((n + 1))
done
wait $demo
assert_eq "$?" 0 "the demo's exit status after Ctrl-C"
grep -q "delivered, 0 failed" "$out/demo.err" ||
    fail "no closing count: $(tail -3 "$out/demo.err")"
