#!/bin/sh
# Bad messages between good ones, on the real broker: each kind is sent by
# kcat to one partition in order; the consumer must count every valid
# event, count each bad one as invalid, write each bad one once to
# TOPIC.dlq with its exact bytes, reason and source offset, and stay up.
. "$(dirname "$0")/../lib.sh"
needs_kafka
needs_dndtrack

here=$(dirname "$0")
out="${TEST_OUT:?}/dead-letters"
rm -rf "$out"
mkdir -p "$out/msgs"
topic=$(unique_topic dlq)
python3 "$here/make_bad_messages.py" "$out/msgs" || fail "generator failed"

offset=0
: >"$out/bad-offsets"
for f in "$out"/msgs/[0-9]*; do
    if [ -s "$f" ]; then
        timeout 30 kcat -b "$KAFKA_BROKERS" -t "$topic" -p 0 -P \
            -X message.max.bytes=8000000 "$f"
    else
        # kcat skips an empty file and empty lines; a keyed line with an
        # empty value and -Z is a null value.
        echo "k:" | timeout 30 kcat -b "$KAFKA_BROKERS" -t "$topic" -p 0 \
            -P -Z -K:
    fi || fail "kcat could not send $(basename "$f")"
    case "$f" in
    *-bad) echo "$offset $(wc -c <"$f")" >>"$out/bad-offsets" ;;
    esac
    offset=$((offset + 1))
done

timeout 120 "$DNDTRACK" consume -b "$KAFKA_BROKERS" -t "$topic" -G "$topic" \
    -e >"$out/summary.json" 2>"$out/consume.err" ||
    fail "consume -e failed: $(tail -5 "$out/consume.err")"

# Each dead letter: source offset, size and reason, from its headers.
timeout 60 kcat -b "$KAFKA_BROKERS" -t "$topic.dlq" -C -e -q \
    -f '%h|%S\n' >"$out/dlq.txt" || fail "cannot read $topic.dlq"

python3 - "$out" <<'PY' || fail "dead letters or counts are wrong"
import json, sys
out = sys.argv[1]
expect = json.load(open(f"{out}/msgs/expect.json"))
api = json.load(open(f"{out}/summary.json"))
bad = []
if api["messages"] != expect["total"]:
    bad.append(f"messages {api['messages']} != {expect['total']}")
if api["invalid"] != expect["bad"]:
    bad.append(f"invalid {api['invalid']} != {expect['bad']}")
got = {p["player"]: p["events"] for p in api["players"]}
if got != expect["players"]:
    bad.append(f"players differ: {sorted(got)} vs {sorted(expect['players'])}")
want = sorted(tuple(map(int, l.split())) for l in open(f"{out}/bad-offsets"))
letters = []
for line in open(f"{out}/dlq.txt"):
    line = line.rstrip("\n")
    if not line:
        continue
    headers, size = line.rsplit("|", 1)
    h = dict(kv.split("=", 1) for kv in headers.split(",") if "=" in kv)
    if not h.get("dndtrack.reason"):
        bad.append(f"no reason header in {headers[:200]}")
    if h.get("dndtrack.source.partition") != "0":
        bad.append(f"wrong source partition in {headers[:200]}")
    # A null value arrives with size -1 from kcat; the file was empty.
    letters.append((int(h.get("dndtrack.source.offset", -1)),
                    max(int(size), 0)))
if sorted(letters) != want:
    bad.append(f"dead letters {sorted(letters)} != {want}")
print("\n".join(bad) or "all dead letters and counts as expected")
sys.exit(1 if bad else 0)
PY
grep -c 'dead letter' "$out/consume.err" >/dev/null ||
    fail "the consumer logged no dead letter line"

# A restart of the same group replays the topic: the figures come out the
# same, and the dead letters already written are not written again.
timeout 120 "$DNDTRACK" consume -b "$KAFKA_BROKERS" -t "$topic" -G "$topic" \
    -e >"$out/summary2.json" 2>"$out/consume2.err" ||
    fail "second consume -e failed: $(tail -5 "$out/consume2.err")"
python3 - "$out/summary.json" "$out/summary2.json" <<'PY' ||
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
keys = ("messages", "invalid", "players")
sys.exit(0 if all(a[k] == b[k] for k in keys) else 1)
PY
    fail "the restart gave other figures"
again=$(timeout 60 kcat -b "$KAFKA_BROKERS" -t "$topic.dlq" -C -e -q \
    -f '%o\n' | wc -l)
want=$(wc -l <"$out/bad-offsets")
assert_eq "$again" "$want" "dead letters after a restart of the group"
