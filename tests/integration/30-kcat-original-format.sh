#!/bin/sh
# An independent client writes: kcat sends 5,000 events in the original
# project's format, unkeyed, to the real broker; `dndtrack consume -e`
# must count every event type and every d20 face per player exactly as
# the generator counted them.
. "$(dirname "$0")/../lib.sh"
needs_kafka
needs_dndtrack

here=$(dirname "$0")
out="${TEST_OUT:?}/kcat-original"
mkdir -p "$out"
topic=$(unique_topic kcat)

python3 "$here/gen_original.py" 5000 11 "$out/events.jsonl" \
    "$out/expect.json" || fail "generator failed"
timeout 60 kcat -b "$KAFKA_BROKERS" -t "$topic" -P -l "$out/events.jsonl" ||
    fail "kcat could not produce"

timeout 120 "$DNDTRACK" consume -q -b "$KAFKA_BROKERS" -t "$topic" \
    -G "$topic" -e >"$out/summary.json" 2>"$out/consume.err" ||
    fail "consume -e failed: $(tail -5 "$out/consume.err")"

python3 - "$out/summary.json" "$out/expect.json" <<'PY' || fail "counts differ"
import json, sys
api = json.load(open(sys.argv[1]))
expect = json.load(open(sys.argv[2]))
bad = []
if api["messages"] != 5000 or api["invalid"] != 0:
    bad.append(f"messages {api['messages']} invalid {api['invalid']}")
got = {p["player"]: p for p in api["players"]}
if set(got) != set(expect):
    bad.append(f"players {sorted(got)} != {sorted(expect)}")
for name, want in expect.items():
    p = got.get(name, {"events": {}, "d20": {}})
    for kind in ("dice_roll", "encounter", "spell_cast"):
        if p["events"].get(kind) != want[kind]:
            bad.append(f"{name} {kind}: {p['events'].get(kind)}"
                       f" != {want[kind]}")
    if p["d20"].get("histogram") != want["histogram"]:
        bad.append(f"{name} d20: {p['d20'].get('histogram')}"
                   f" != {want['histogram']}")
print("\n".join(bad) or "all counts equal")
sys.exit(1 if bad else 0)
PY
