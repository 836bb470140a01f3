#!/usr/bin/env bash
# Checks that the machine's librdkafka (used through kcat, as dndtrack uses
# it) works with the local Kafka broker: idempotent produce with every
# compression codec, reading back exactly what was sent, and a consumer
# group that commits its offsets so that a second run resumes after them.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

needs_kafka
command -v kcat >/dev/null 2>&1 || fail "kcat not found"

B=$KAFKA_BROKERS
N=1000
# Every kcat call is bounded; a healthy broker answers in a few seconds.
T=60

scratch=$(mktemp -d)
# shellcheck disable=SC2016 # expanded when the test exits
at_exit 'rm -rf "$scratch"'

# produce TOPIC CODEC < lines
produce() {
    timeout "$T" kcat -b "$B" -P -t "$1" -z "$2" \
        -X enable.idempotence=true -X message.timeout.ms=30000
}

# Reads the whole topic from the beginning and stops at its end.
read_all() {
    timeout "$T" kcat -b "$B" -C -t "$1" -o beginning -e -q
}

# Reads what GROUP has not consumed yet, from the earliest offset when it
# has committed none, and stops when every assigned partition is at its end.
read_group() {
    timeout "$T" kcat -b "$B" -G "$1" -X auto.offset.reset=earliest \
        -e -q "$2"
}

# same_lines FILE EXPECTED-FILE WHAT: same lines, order aside.
same_lines() {
    sort "$1" >"$1.sorted"
    sort "$2" >"$2.sorted"
    if ! cmp -s "$1.sorted" "$2.sorted"; then
        diff "$2.sorted" "$1.sorted" | head -20 >&2
        fail "$3: read back differs from what was sent (diff above)"
    fi
}

seq 1 "$N" >"$scratch/expected"

for codec in none gzip snappy lz4 zstd; do
    topic=$(unique_topic "compat-$codec")
    produce "$topic" "$codec" <"$scratch/expected" ||
        fail "$codec: producing $N messages to $topic failed"
    read_all "$topic" >"$scratch/got-$codec" ||
        fail "$codec: reading $topic back failed"
    assert_eq "$(wc -l <"$scratch/got-$codec" | tr -d ' ')" "$N" \
        "$codec: messages read back"
    same_lines "$scratch/got-$codec" "$scratch/expected" "$codec"
    note "$codec: $N messages produced and read back"
done

# A consumer group reads everything once, then nothing, then only what is new.
topic=$(unique_topic compat-group)
group=$(unique_topic compat-grp)
produce "$topic" lz4 <"$scratch/expected" || fail "group: producing failed"

read_group "$group" "$topic" >"$scratch/group1" ||
    fail "group: first run failed"
assert_eq "$(wc -l <"$scratch/group1" | tr -d ' ')" "$N" "group: first run"
same_lines "$scratch/group1" "$scratch/expected" "group: first run"

read_group "$group" "$topic" >"$scratch/group2" ||
    fail "group: second run failed"
assert_eq "$(wc -l <"$scratch/group2" | tr -d ' ')" 0 \
    "group: second run (offsets should have been committed)"

seq $((N + 1)) $((N + 10)) >"$scratch/more"
produce "$topic" lz4 <"$scratch/more" || fail "group: producing 10 more failed"
read_group "$group" "$topic" >"$scratch/group3" ||
    fail "group: third run failed"
assert_eq "$(wc -l <"$scratch/group3" | tr -d ' ')" 10 "group: third run"
same_lines "$scratch/group3" "$scratch/more" "group: third run"
note "group: read $N, then 0, then the 10 new messages"
