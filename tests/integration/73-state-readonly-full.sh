#!/bin/sh
# A state folder that cannot be written: on a read-only mount the
# consumer refuses to start with a clear error; on a full disk it stops
# with a clear error once a checkpoint cannot be written. Either way the
# state on disk stays readable and, once there is room again, a run
# restores it and ends with exact figures. Mounts are made in a private
# mount namespace (unshare -m), so nothing outside the test sees them.
. "$(dirname "$0")/../lib.sh"
needs_kafka
needs_dndtrack
unshare -m sh -c 'mount -t tmpfs -o size=64k tmpfs /mnt' 2>/dev/null ||
    skip "cannot make a private tmpfs mount here"

here=$(dirname "$0")
out="${TEST_OUT:?}/state-readonly-full"
rm -rf "$out"
mkdir -p "$out/disk"
topic=$(unique_topic stfull)
python3 "$here/gen_original.py" 3000 33 "$out/events.jsonl" \
    "$out/expect.json" || fail "generator failed"
head -n 1000 "$out/events.jsonl" >"$out/first.jsonl"
tail -n 2000 "$out/events.jsonl" >"$out/rest.jsonl"
send() {
    timeout 60 kcat -b "$KAFKA_BROKERS" -t "$topic" -P -l "$1" ||
        fail "kcat could not produce $1"
}

# Runs one consume -e with the state on a 256 KiB tmpfs mounted at
# $out/disk, after running the shell command $1 inside the namespace.
# The tmpfs keeps its files between runs by living in a file: it is
# copied in and out of $out/image.
run_on_small_disk() {
    unshare -m sh -c '
        set -e
        disk=$1; image=$2; prepare=$3; shift 3
        mount -t tmpfs -o size=256k tmpfs "$disk"
        [ ! -d "$image" ] || cp -a "$image/." "$disk/"
        sh -c "$prepare"
        set +e
        DND_STATE_DIR="$disk/state" "$@"
        rc=$?
        rm -f "$disk/filler"
        mount -o remount,rw "$disk" 2>/dev/null
        rm -rf "$image"; mkdir -p "$image"; cp -a "$disk/." "$image/"
        exit $rc' sh "$out/disk" "$out/image" "$1" \
        timeout 120 "$DNDTRACK" consume -b "$KAFKA_BROKERS" -t "$topic" \
        -G "$topic" -e -q
}

send "$out/first.jsonl"
run_on_small_disk true >"$out/run1.json" 2>"$out/run1.err" ||
    fail "first run failed: $(cat "$out/run1.err")"
db=$(find "$out/image/state" -name '*.db' | head -1)
[ -n "$db" ] || fail "no state file was written"

# Read-only: refused at start, file unchanged.
sum=$(md5sum <"$db")
run_on_small_disk "mount -o remount,ro '$out/disk'" >"$out/ro.json" \
    2>"$out/ro.err"
assert_eq "$?" 1 "exit status on a read-only state folder"
grep -q "writable" "$out/ro.err" ||
    fail "no word that the folder is not writable: $(cat "$out/ro.err")"
[ ! -s "$out/ro.json" ] || fail "figures printed after a refusal"
assert_eq "$(md5sum <"$db")" "$sum" "state file after the read-only run"

# Full: more events than the disk takes checkpoints for.
send "$out/rest.jsonl"
fill="dd if=/dev/zero of='$out/disk/filler' bs=1k 2>/dev/null; true"
run_on_small_disk "$fill" \
    >"$out/full.json" 2>"$out/full.err"
assert_eq "$?" 1 "exit status on a full state folder"
# The disk may fill before the file opens or at a checkpoint.
grep -q "cannot save the state\|with room left" "$out/full.err" ||
    fail "no clear error on a full disk: $(cat "$out/full.err")"
sqlite3 "$db" "PRAGMA quick_check" >"$out/check.txt" 2>&1
assert_eq "$(cat "$out/check.txt")" "ok" "state file after the full disk"

# With room again, the saved state is restored and the end is exact.
run_on_small_disk true >"$out/after.json" 2>"$out/after.err" ||
    fail "run after the full disk failed: $(cat "$out/after.err")"
python3 - "$out/after.json" "$out/expect.json" <<'PY' || fail "figures wrong"
import json, sys
api, expect = (json.load(open(f)) for f in sys.argv[1:3])
assert api["messages"] == 3000 and api["invalid"] == 0, api["messages"]
got = {p["player"]: p for p in api["players"]}
for name, want in expect.items():
    for kind in ("dice_roll", "encounter", "spell_cast"):
        assert got[name]["events"][kind] == want[kind], (name, kind)
    assert got[name]["d20"]["histogram"] == want["histogram"], name
PY
