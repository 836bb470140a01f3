#!/bin/sh
# The producer on the real broker: a seeded simulation sends exactly
# --count events, each keyed by its player; a JSON-lines import from
# standard input skips bad lines by number and sends the rest unchanged;
# SIGINT in the middle of a burst leaves every event delivered or counted
# failed, and the last line says which.
. "$(dirname "$0")/../lib.sh"
needs_kafka
needs_dndtrack

out="${TEST_OUT:?}/produce"
mkdir -p "$out"

# Simulation: 300 events, each keyed by the player it names.
topic=$(unique_topic sim)
"$DNDTRACK" produce -b "$KAFKA_BROKERS" -t "$topic" --rate max \
    --count 300 --seed 5 2>"$out/sim.err" || fail "simulation failed"
assert_eq "$(tail -1 "$out/sim.err")" \
    "dndtrack: produced 300 events to $topic: 300 delivered, 0 failed" \
    "simulation's last line"
timeout 60 kcat -b "$KAFKA_BROKERS" -t "$topic" -C -e -q -f '%k\t%s\n' \
    >"$out/sim.tsv" || fail "kcat could not read $topic"
python3 - "$out/sim.tsv" <<'PY' || fail "simulated events are wrong"
import json, sys
rows = [l.rstrip("\n").split("\t", 1) for l in open(sys.argv[1]) if l.strip()]
assert len(rows) == 300, len(rows)
for key, value in rows:
    e = json.loads(value)
    assert key == e["player"], (key, e)
    assert e["player"] in ("Stravos", "Ya", "Sylas", "Wurs"), e
PY

# Import from standard input: lines 2 and 4 are bad, line 5 is blank.
topic=$(unique_topic jsonl)
printf '%s\n' \
    '{"player": "Ya", "event_type": "spell_cast", "spell_name": "Shield"}' \
    '{"player": "", "event_type": "dice_roll"}' \
    '{"player": "Wurs", "event_type": "encounter", "monster_type": "Orc"}' \
    '{"player": "Wurs", "event_ty' \
    '' \
    '{"player": "Sylas", "event_type": "dice_roll", "dice_type": "d20", "roll_result": 3}' |
    "$DNDTRACK" produce -b "$KAFKA_BROKERS" -t "$topic" --import - \
        2>"$out/jsonl.err"
assert_eq "$?" 0 "exit status with skipped lines (all sent were delivered)"
grep -q "line 2: skipped" "$out/jsonl.err" || fail "line 2 not reported"
grep -q "line 4: skipped" "$out/jsonl.err" || fail "line 4 not reported"
assert_eq "$(tail -1 "$out/jsonl.err")" \
    "dndtrack: produced 3 events to $topic: 3 delivered, 0 failed" \
    "import's last line"
timeout 60 kcat -b "$KAFKA_BROKERS" -t "$topic" -C -e -q -f '%s\n' |
    sort >"$out/jsonl.got"
sort >"$out/jsonl.want" <<'EOF2'
{"player": "Ya", "event_type": "spell_cast", "spell_name": "Shield"}
{"player": "Wurs", "event_type": "encounter", "monster_type": "Orc"}
{"player": "Sylas", "event_type": "dice_roll", "dice_type": "d20", "roll_result": 3}
EOF2
cmp -s "$out/jsonl.got" "$out/jsonl.want" || fail "imported bytes differ"

# SIGINT mid-burst with a long linger: delivered + failed = sent, and the
# topic holds exactly the delivered ones.
topic=$(unique_topic sigint)
"$DNDTRACK" produce -b "$KAFKA_BROKERS" -t "$topic" --rate 2000 \
    -X linger.ms=2000 2>"$out/sigint.err" &
pid=$!
kill_on_exit $pid
sleep 3
kill -INT $pid
wait $pid
rc=$?
last=$(tail -1 "$out/sigint.err")
note "after SIGINT: $last (exit $rc)"
sent=$(echo "$last" | sed -n 's/.*produced \([0-9]*\) events.*/\1/p')
delivered=$(echo "$last" | sed -n 's/.*: \([0-9]*\) delivered.*/\1/p')
failed=$(echo "$last" | sed -n 's/.*, \([0-9]*\) failed$/\1/p')
[ -n "$sent" ] && [ -n "$delivered" ] && [ -n "$failed" ] ||
    fail "no counts in the last line: $last"
[ "$sent" -gt 0 ] || fail "nothing was sent before SIGINT"
assert_eq "$((delivered + failed))" "$sent" "delivered + failed"
if [ "$failed" -gt 0 ]; then
    assert_eq "$rc" 1 "exit status with failures"
else
    assert_eq "$rc" 0 "exit status with none failed"
fi
on_topic=$(timeout 60 kcat -b "$KAFKA_BROKERS" -t "$topic" -C -e -q | wc -l)
assert_eq "$on_topic" "$delivered" "events on the topic"
