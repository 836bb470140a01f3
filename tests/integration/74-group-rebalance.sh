#!/usr/bin/env bash
# A consumer group keeps exact figures while partitions move between two
# live members. Member A reads a new topic of six partitions while kcat
# sends keyed events of 24 players at a steady pace; member B joins the
# group and leaves it (SIGTERM) twice while the events flow, so that A
# loses partitions and gets them back each time. Each member has its own
# state directory and its own dashboard.
#
# Each time B is in the group the stream pauses once: the two pages
# together must then count every message sent so far exactly once,
# player by player (a member that keeps showing partitions it gave away
# counts them twice). Once the stream is over, A owns every partition
# again and its page must show exactly the messages sent, and for every
# player the count of each event type and the d20 histogram that an
# independent reading of the sent lines gives. A's log must show that it
# lost partitions and took them all back, and both members must exit 0
# on SIGTERM.
#
# REBALANCE_SEED picks the events (random when unset; the log names it).
. "$(dirname "$0")/../lib.sh"
needs_kafka
needs_dndtrack
case "$KAFKA_BROKERS" in
127.*:[0-9]* | localhost:[0-9]*) ;;
*) skip "kafka/create-topic.sh needs one loopback broker, not $KAFKA_BROKERS" ;;
esac

out="${TEST_OUT:?}/group-rebalance"
rm -rf "$out"
mkdir -p "$out/chunks"

PARTITIONS=6
CHUNK=300        # events per kcat run
PAUSE=0.1        # seconds between kcat runs
MAX_CHUNKS=400   # more than the joins and leaves need
CYCLES=2         # times B joins and leaves
tab=$'\t'

seed=${REBALANCE_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
note "seed $seed"
topic=$(unique_topic rebalance)
group=$topic
t0=$SECONDS

timeout 180 "${REPO_ROOT:?}/kafka/create-topic.sh" --broker "$KAFKA_BROKERS" \
    --partitions "$PARTITIONS" "$topic" >"$out/create-topic.log" 2>&1 ||
    fail "cannot create $topic: $(tail -5 "$out/create-topic.log")"
at_exit "timeout 60 \"\$REPO_ROOT/kafka/create-topic.sh\" \
--broker \"\$KAFKA_BROKERS\" --delete $topic >/dev/null 2>&1"

# The events, as MAX_CHUNKS files of CHUNK lines "player TAB event".
# Unknown event types count as "other"; the field "n" is ignored.
python3 - "$out/chunks" "$MAX_CHUNKS" "$CHUNK" "$seed" <<'PY' ||
import json, random, sys
outdir, chunks, size, rng = (sys.argv[1], int(sys.argv[2]),
                             int(sys.argv[3]), random.Random(int(sys.argv[4])))
players = ["Aelar", "Bryn", "Caelynn", "Dorn", "Eldeth", "Faral", "Gimble",
           "Halia", "Ivellios", "Jhessail", "Kethra", "Lia", "Mialee",
           "Nackle", "Orsik", "Perra", "Quarion", "Riardon", "Shava",
           "Thokk", "Umbra", "Vadania", "Wellby", "Zook"]
kinds = ["dice_roll"] * 5 + ["encounter"] * 2 + ["spell_cast"] * 2 + [
    "rest", "loot"]
dice = ["d4", "d6", "d8", "d10", "d12", "d20", "d20", "d20"]
n = 0
for c in range(chunks):
    with open(f"{outdir}/{c:03d}", "w", encoding="utf-8") as f:
        for _ in range(size):
            player, kind = rng.choice(players), rng.choice(kinds)
            ev = {"timestamp": f"2025-02-24T20:{n // 60 % 60:02d}:"
                  f"{n % 60:02d}Z", "player": player, "event_type": kind,
                  "n": n}
            if kind == "dice_roll":
                die = rng.choice(dice)
                ev.update(dice_type=die, roll_result=rng.randint(
                    1, int(die[1:])), context=rng.choice(
                    ["attack_roll", "saving_throw", "damage"]))
            elif kind == "encounter":
                ev.update(monster_type=rng.choice(["Goblin", "Orc"]),
                          location="cave")
            elif kind == "spell_cast":
                ev.update(spell_name=rng.choice(["Fireball", "Shield"]),
                          target="enemy", effect="damage")
            f.write(player + "\t" + json.dumps(ev) + "\n")
            n += 1
PY
    fail "generator failed"

# expect N FILE: counts the first N chunk files, line by line, into FILE:
# {"messages": M, "players": {NAME: {"events": {...}, "d20": [20]}}}.
# Only the sent lines are read, with the counting rules of docs/events.md
# (none of the lines carries natural, modifier or total).
expect() {
    python3 - "$out/chunks" "$1" "$2" <<'PY'
import json, sys
outdir, n, dest = sys.argv[1], int(sys.argv[2]), sys.argv[3]
kinds = ("dice_roll", "encounter", "spell_cast")
players, total = {}, 0
for c in range(n):
    for line in open(f"{outdir}/{c:03d}", encoding="utf-8"):
        key, value = line.rstrip("\n").split("\t", 1)
        ev = json.loads(value)
        assert ev["player"] == key, line
        p = players.setdefault(key, {
            "events": dict.fromkeys(kinds + ("other",), 0), "d20": [0] * 20})
        kind = ev["event_type"]
        p["events"][kind if kind in kinds else "other"] += 1
        roll = ev.get("roll_result")
        if kind == "dice_roll" and ev.get("dice_type") == "d20" and \
                isinstance(roll, int) and 1 <= roll <= 20:
            p["d20"][roll - 1] += 1
        total += 1
with open(dest, "w", encoding="utf-8") as f:
    json.dump({"messages": total, "players": players}, f)
PY
}

# compare EXPECT PAGE...: the pages' figures added up must equal EXPECT;
# prints each difference, or one line saying all are equal.
compare() {
    python3 - "$@" <<'PY'
import json, sys
want = json.load(open(sys.argv[1], encoding="utf-8"))
messages, invalid, got = 0, 0, {}
for name in sys.argv[2:]:
    page = json.load(open(name, encoding="utf-8"))
    messages += page["messages"]
    invalid += page["invalid"]
    for p in page["players"]:
        mine = got.setdefault(p["player"], {"events": {}, "d20": [0] * 20})
        for kind, n in p["events"].items():
            mine["events"][kind] = mine["events"].get(kind, 0) + n
        for i, n in enumerate(p["d20"]["histogram"]):
            mine["d20"][i] += n
bad = []
if messages != want["messages"]:
    bad.append(f"messages {messages} != {want['messages']}")
if invalid != 0:
    bad.append(f"invalid {invalid} != 0")
if set(got) != set(want["players"]):
    bad.append(f"players {sorted(got)} != {sorted(want['players'])}")
for name, mine in sorted(want["players"].items()):
    have = got.get(name, {"events": {}, "d20": None})
    for kind, n in mine["events"].items():
        if have["events"].get(kind) != n:
            bad.append(f"{name} {kind}: {have['events'].get(kind)} != {n}")
    if have["d20"] != mine["d20"]:
        bad.append(f"{name} d20 histogram: {have['d20']} != {mine['d20']}")
print("\n".join(bad) if bad else "all counts equal")
sys.exit(1 if bad else 0)
PY
}

# The stream: one kcat run per chunk file, split into key and value at the
# tab. While $out/pause exists it waits, touching $out/idle; it stops
# before the next chunk once $out/stop exists. stream.sent holds how many
# chunks went out; stream.state gets stopped, all, late or failed.
stream() {
    local c n=0 end=$((SECONDS + 150))
    for c in "$out"/chunks/*; do
        while [ -e "$out/pause" ] && [ "$SECONDS" -lt "$end" ]; do
            touch "$out/idle"
            sleep 0.1
        done
        if [ -e "$out/stop" ]; then
            echo stopped >"$out/stream.state"
            return 0
        fi
        if [ "$SECONDS" -ge "$end" ]; then
            echo late >"$out/stream.state"
            return 1
        fi
        if ! timeout 30 kcat -b "$KAFKA_BROKERS" -t "$topic" -P -K "$tab" \
            -l "$c" 2>>"$out/kcat.err"; then
            echo failed >"$out/stream.state"
            return 1
        fi
        n=$((n + 1))
        echo "$n" >"$out/stream.sent.new"
        mv -f "$out/stream.sent.new" "$out/stream.sent"
        sleep "$PAUSE"
    done
    echo all >"$out/stream.state"
}

# Prints, from a member's -v log, how many partitions it held after each
# assignment, e.g. "6 3 6": a run of "assigned" lines ends at the next
# "revoked" line or at the end of the log.
holdings() {
    awk '
    function part(s) { sub(/.*\[/, "", s); sub(/\].*/, "", s); return s }
    / assigned .* \[[0-9]+\] from offset / {
        p = part($0)
        if (!(p in held)) { held[p] = 1; n++ }
        assigning = 1
        next
    }
    / revoked .* \[[0-9]+\]/ {
        if (assigning) printf "%d ", n
        assigning = 0
        p = part($0)
        if (p in held) { delete held[p]; n-- }
    }
    END { if (assigning) printf "%d", n; print "" }' "$1"
}

# The partitions held after the last assignment; how many assignments.
last_held() { holdings "$1" | awk '{ print $NF + 0 }'; }
times_held() { holdings "$1" | awk '{ print NF }'; }

# page PORT FILE: saves a member's /api/players in FILE.
page() {
    curl -fsS --max-time 5 "http://127.0.0.1:$1/api/players" >"$2" ||
        fail "the page on port $1 does not answer"
}

# start_member NAME LOG: a group member with its own state directory and
# dashboard; sets member_pid and member_port.
start_member() {
    member_port=$(free_port)
    DND_STATE_DIR="$out/state-$1" "$DNDTRACK" consume -v \
        -b "$KAFKA_BROKERS" -t "$topic" -G "$group" \
        --dashboard "127.0.0.1:$member_port" >/dev/null 2>"$2" &
    member_pid=$!
    kill_on_exit "$member_pid"
}

# Stream paused, the two pages together must count every message sent so
# far once: the same total within 30 s, then the same figures per player.
check_both() {
    local i sent want a b end
    rm -f "$out/idle"
    touch "$out/pause"
    for ((i = 0; i < 100; i++)); do
        [ -e "$out/idle" ] && break
        sleep 0.1
    done
    [ -e "$out/idle" ] || fail "the stream did not pause within 10 s"
    sent=$(cat "$out/stream.sent")
    want=$((sent * CHUNK))
    end=$((SECONDS + 30))
    for ((i = 0; i < 150 && SECONDS < end; i++)); do
        a=$(api_messages "$a_port")
        b=$(api_messages "$b_port")
        [ $((${a:-0} + ${b:-0})) -eq "$want" ] && break
        sleep 0.2
    done
    if [ $((${a:-0} + ${b:-0})) -ne "$want" ]; then
        fail "with B in the group, A counts ${a:-?} and B ${b:-?}" \
            "messages, not the $want sent"
    fi
    [ "$b" -gt 0 ] || fail "B counted nothing of its partitions"
    expect "$sent" "$out/expect.$1.json" || fail "cannot count the events"
    page "$a_port" "$out/a.$1.json"
    page "$b_port" "$out/b.$1.json"
    compare "$out/expect.$1.json" "$out/a.$1.json" "$out/b.$1.json" \
        >"$out/both.$1.diff" ||
        fail "A and B together differ: $(head -20 "$out/both.$1.diff")"
    note "cycle $1: A counts $a, B $b of $want messages sent"
    rm -f "$out/pause"
}

a_log=$out/a.err
start_member a "$a_log"
a_pid=$member_pid
a_port=$member_port
wait_grep 'assigned .* from offset' "$a_log" 30 ||
    fail "A got no partitions within 30 s: $(tail -5 "$a_log")"
wait_for_http "http://127.0.0.1:$a_port/api/players" 10 ||
    fail "A's page does not answer"

stream &
streamer=$!
kill_on_exit "$streamer"
for ((i = 0; i < 150; i++)); do
    [ "$(cat "$out/stream.sent" 2>/dev/null)" -ge 5 ] 2>/dev/null && break
    [ -s "$out/stream.state" ] && break
    sleep 0.1
done
[ "$(cat "$out/stream.sent" 2>/dev/null)" -ge 5 ] 2>/dev/null ||
    fail "kcat did not send the first chunks: $(tail -5 "$out/kcat.err")"

for ((k = 1; k <= CYCLES; k++)); do
    # B joins while the events flow: A must give some partitions up.
    b_log=$out/b.$k.err
    start_member b "$b_log"
    b_pid=$member_pid
    b_port=$member_port
    for ((i = 0; i < 150; i++)); do
        a=$(last_held "$a_log")
        b=$(last_held "$b_log")
        [ "$b" -gt 0 ] && [ $((a + b)) -eq "$PARTITIONS" ] && break
        sleep 0.2
    done
    if [ "$b" -eq 0 ] || [ $((a + b)) -ne "$PARTITIONS" ]; then
        fail "B's join $k did not split the partitions within 30 s" \
            "(A holds $a, B $b)"
    fi
    note "join $k: A holds $a partitions, B $b, t=$((SECONDS - t0)) s"
    wait_for_http "http://127.0.0.1:$b_port/api/players" 10 ||
        fail "B's page does not answer"
    sleep 1.5
    check_both "$k"
    sleep 1

    # B leaves while the events flow: A must take everything back.
    [ -s "$out/stream.state" ] &&
        fail "the stream ended ($(cat "$out/stream.state")) before B left"
    before=$(times_held "$a_log")
    stop_gracefully "$b_pid" B 20
    for ((i = 0; i < 150; i++)); do
        [ "$(times_held "$a_log")" -gt "$before" ] &&
            [ "$(last_held "$a_log")" -eq "$PARTITIONS" ] && break
        sleep 0.2
    done
    [ "$(last_held "$a_log")" -eq "$PARTITIONS" ] ||
        fail "A did not get all partitions back within 30 s of B leaving"
    note "leave $k: A holds all again, t=$((SECONDS - t0)) s"
    sleep 1
done

touch "$out/stop"
# The stream writes its end state last; the check below reads it.
wait_grep . "$out/stream.state" 30 || true
wait "$streamer"
assert_eq "$(cat "$out/stream.state" 2>/dev/null)" stopped \
    "the stream's end (see kcat.err)"
sent=$(cat "$out/stream.sent")
total=$((sent * CHUNK))
note "stream over after $sent chunks, $total events, t=$((SECONDS - t0)) s"

# A owns every partition again: exactly what was sent, never more.
wait_count "$a_port" "$total" 60 "A's page"
expect "$sent" "$out/expect.json" || fail "cannot count the events"
page "$a_port" "$out/a.json"
compare "$out/expect.json" "$out/a.json" >"$out/a.diff" ||
    fail "A's figures differ: $(head -20 "$out/a.diff")"

# The figures were worth moving: every partition holds events, and A
# really lost partitions and got them back, restoring its own state.
used=$(timeout 60 kcat -b "$KAFKA_BROKERS" -t "$topic" -C -e -q -f '%p\n' |
    sort -u | wc -l)
assert_eq "$used" "$PARTITIONS" "partitions holding events"
held=$(holdings "$a_log")
lost=$(echo "$held" | awk -v all="$PARTITIONS" '
    { for (i = 2; i <= NF; i++) if ($i < all && $(i - 1) == all) n++ }
    END { print n + 0 }')
if [ "$lost" -lt "$CYCLES" ] ||
    [ "$(last_held "$a_log")" -ne "$PARTITIONS" ]; then
    fail "A's log does not show $CYCLES rebalances that took partitions" \
        "away and gave them back; partitions held after each assignment:" \
        "${held:-none}"
fi
grep -q 'restored:' "$a_log" ||
    fail "A never restored its own saved figures of a returning partition"
if grep -h 'dndtrack: error:' "$a_log" "$out"/b.*.err >"$out/errors"; then
    fail "a member logged errors: $(head -5 "$out/errors")"
fi

stop_gracefully "$a_pid" A 20
note "A held $held partitions; all counts equal after $((SECONDS - t0)) s"
