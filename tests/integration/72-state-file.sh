#!/bin/sh
# The saved state as a user meets it on the real broker: a second run
# restores the figures and reads only what is new; a file of the older
# format 1 is upgraded; a state file that is from a newer version, another
# topic's, damaged or locked stops the consumer with a clear error and is
# left as it was; --reset-state starts over on purpose. Expected figures
# come from the generator's own counts.
. "$(dirname "$0")/../lib.sh"
needs_kafka
needs_dndtrack
command -v sqlite3 >/dev/null || skip "the sqlite3 command is not installed"

here=$(dirname "$0")
out="${TEST_OUT:?}/state-file"
rm -rf "$out"
mkdir -p "$out"
export DND_STATE_DIR="$out/state"
topic=$(unique_topic state)
group=$topic
file="$DND_STATE_DIR/$group/$topic.db"

python3 "$here/gen_original.py" 150 21 "$out/events.jsonl" \
    "$out/expect.json" || fail "generator failed"
head -n 100 "$out/events.jsonl" >"$out/first.jsonl"
tail -n 50 "$out/events.jsonl" >"$out/second.jsonl"

consume() {
    timeout 120 "$DNDTRACK" consume -b "$KAFKA_BROKERS" -t "$topic" \
        -G "$group" -e "$@"
}
send() {
    timeout 60 kcat -b "$KAFKA_BROKERS" -t "$topic" -P -l "$1" ||
        fail "kcat could not produce $1"
}
# Compares a summary with the generator's counts for all 150 events.
check_all() {
    python3 - "$1" "$out/expect.json" <<'PY' || fail "$2"
import json, sys
api, expect = (json.load(open(f)) for f in sys.argv[1:3])
assert api["messages"] == 150 and api["invalid"] == 0, api["messages"]
got = {p["player"]: p for p in api["players"]}
assert set(got) == set(expect), sorted(got)
for name, want in expect.items():
    for kind in ("dice_roll", "encounter", "spell_cast"):
        assert got[name]["events"][kind] == want[kind], (name, kind)
    assert got[name]["d20"]["histogram"] == want["histogram"], name
PY
}
# expect_refusal WORDS...: consume -e must exit 1, say WORDS, print
# nothing on stdout, and leave the state file as it was.
expect_refusal() {
    before=$(md5sum <"$file")
    consume >"$out/refused.json" 2>"$out/refused.err"
    rc=$?
    assert_eq "$rc" 1 "exit status for a state file that $*"
    grep -q "$1" "$out/refused.err" ||
        fail "no '$1' in: $(cat "$out/refused.err")"
    [ ! -s "$out/refused.json" ] || fail "figures printed after a refusal"
    assert_eq "$(md5sum <"$file")" "$before" "state file after a refusal"
}

# Messages a -v run's log says it restored, over all partitions.
restored() {
    sed -n 's/.*restored: \([0-9]*\) messages.*/\1/p' "$1" |
        awk '{ n += $1 } END { print n + 0 }'
}

send "$out/first.jsonl"
consume -q >"$out/run1.json" 2>"$out/run1.err" ||
    fail "first run failed: $(cat "$out/run1.err")"
[ -f "$file" ] || fail "no state file at $file"
send "$out/second.jsonl"
consume -v >"$out/run2.json" 2>"$out/run2.err" ||
    fail "second run failed: $(tail -5 "$out/run2.err")"
assert_eq "$(restored "$out/run2.err")" 100 \
    "messages restored over all partitions"
check_all "$out/run2.json" "restored figures plus new events are wrong"

# Rewrites the format 2 file $1 as format 1 had it: one text of all its
# players per partition, in a column of the partition's row.
to_v1() {
    sqlite3 "$1" <<'SQL' || fail "could not rewrite $1 as format 1"
BEGIN;
CREATE TABLE old(partition INTEGER PRIMARY KEY, next_offset INTEGER NOT NULL,
    messages INTEGER NOT NULL, invalid INTEGER NOT NULL,
    stats TEXT NOT NULL, saved_at TEXT NOT NULL);
INSERT INTO old SELECT p.partition, p.next_offset, p.messages, p.invalid,
    json_object('v', 1, 'players', (SELECT json_group_array(json(figures))
        FROM players WHERE players.partition = p.partition)),
    p.saved_at FROM partitions p;
DROP TABLE partitions;
DROP TABLE players;
ALTER TABLE old RENAME TO partitions;
UPDATE meta SET value = '1' WHERE key = 'schema';
COMMIT;
SQL
}

# A format 1 file is upgraded when opened: every figure comes back, and
# the file is format 2, one row per player, from then on.
cp "$file" "$out/v2.db"
to_v1 "$file"
consume -v >"$out/upgraded.json" 2>"$out/upgraded.err" ||
    fail "run on a format 1 file failed: $(tail -5 "$out/upgraded.err")"
assert_eq "$(restored "$out/upgraded.err")" 150 \
    "messages restored from a format 1 file"
check_all "$out/upgraded.json" "figures of an upgraded file are wrong"
assert_eq "$(sqlite3 "$file" "SELECT value FROM meta WHERE key = 'schema'")" \
    2 "format of an upgraded file"
assert_eq "$(sqlite3 "$file" "SELECT count(*) FROM pragma_table_info(
    'partitions') WHERE name = 'stats'")" 0 "format 1 column left over"

# A format 1 file whose text is damaged is refused and left as it was.
cp "$out/v2.db" "$file"
to_v1 "$file"
sqlite3 "$file" "UPDATE partitions SET stats = '{\"v\":1,\"players\":[{'
    WHERE partition = (SELECT min(partition) FROM partitions)"
expect_refusal "format 1 figures is damaged"
cp "$out/v2.db" "$file"

# A newer format.
cp "$file" "$out/good.db"
sqlite3 "$file" "UPDATE meta SET value = '99' WHERE key = 'schema'"
expect_refusal "newer dndtrack"

# Another topic's file under this topic's name.
cp "$out/good.db" "$file"
sqlite3 "$file" "UPDATE meta SET value = 'someone-else' WHERE key = 'topic'"
expect_refusal "holds topic 'someone-else'"

# Damaged pages: overwrite 4 KiB after the header.
cp "$out/good.db" "$file"
dd if=/dev/urandom of="$file" bs=4096 seek=1 count=1 conv=notrunc \
    2>/dev/null
expect_refusal "damaged\|not a database\|malformed"

# Locked: another process holds an exclusive lock longer than we wait.
cp "$out/good.db" "$file"
python3 - "$file" 14 <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
PY
locker=$!
kill_on_exit $locker
sleep 1
expect_refusal "locked\|busy"
wait $locker

# Starting over on purpose reads everything again.
sqlite3 "$file" "UPDATE meta SET value = '99' WHERE key = 'schema'"
consume -q --reset-state >"$out/reset.json" 2>"$out/reset.err" ||
    fail "--reset-state failed: $(cat "$out/reset.err")"
check_all "$out/reset.json" "figures after --reset-state are wrong"
