#!/usr/bin/env bash
# Creates a topic with a chosen number of partitions on the local broker
# that start-kafka.sh runs, with Kafka's own TopicCommand, since producing
# to a missing topic only ever gives the broker's default of 3 partitions.
# The benchmark (bench/run.sh) uses it, and deletes its topics with it
# afterwards; so can tests and people.
#
# TopicCommand comes from org.apache.kafka:kafka-tools, which kafka/pom.xml
# lists, so start-kafka.sh copies it into .cache/kafka/libs. Jars fetched
# before the pom listed it lack the class; then the pom's class path is
# resolved by Maven (into ~/.m2, once) and used instead, which leaves the
# jars of a running broker untouched. The next start of the broker fetches
# the whole list again anyway.
set -eu

PROG=create-topic.sh
ROOT=$(cd "$(dirname "$0")/.." && pwd)
POM=$ROOT/kafka/pom.xml
LIBS=$ROOT/.cache/kafka/libs
TOOLS_CP=$ROOT/.cache/kafka/tools.classpath
TOOL=org.apache.kafka.tools.TopicCommand

usage() {
    cat <<EOF
Usage: kafka/$PROG [--partitions N] [--broker HOST:PORT] TOPIC
       kafka/$PROG [--broker HOST:PORT] --delete TOPIC...

Creates TOPIC with N partitions (default 6) and one replica on the local
broker, and returns once the broker lists it with that many partitions.
--delete deletes the named topics instead (by exact name). The broker
must be on a loopback address (default 127.0.0.1:\${KAFKA_PORT:-9092}).

Exit status: 0 done, 1 it failed, 2 bad argument.
EOF
}

say() {
    echo "$PROG: $*" >&2
}

die() {
    say "$@"
    exit 1
}

bad_arg() {
    say "$*"
    echo "Try 'kafka/$PROG --help' for more." >&2
    exit 2
}

partitions=6
broker=127.0.0.1:${KAFKA_PORT:-9092}
delete=no
topics=()
while [ $# -gt 0 ]; do
    case "$1" in
    -h | --help)
        usage
        exit 0
        ;;
    --partitions)
        [ $# -ge 2 ] || bad_arg "--partitions needs a number"
        partitions=$2
        shift 2
        ;;
    --broker)
        [ $# -ge 2 ] || bad_arg "--broker needs HOST:PORT"
        broker=$2
        shift 2
        ;;
    --delete)
        delete=yes
        shift
        ;;
    -*) bad_arg "unknown option '$1'" ;;
    *)
        topics+=("$1")
        shift
        ;;
    esac
done

[ "${#topics[@]}" -gt 0 ] || bad_arg "no topic given"
[ "${#topics[@]}" -le 1000 ] || bad_arg "at most 1000 topics at once"
[ "$delete" = yes ] || [ "${#topics[@]}" -eq 1 ] ||
    bad_arg "one topic to create at a time"
for t in "${topics[@]}"; do
    case "$t" in
    '' | *[!A-Za-z0-9._-]* | . | ..) bad_arg "not a valid topic name: '$t'" ;;
    esac
    [ "${#t}" -le 249 ] || bad_arg "topic name longer than 249 characters"
done
topic=${topics[0]}
case "$partitions" in
'' | *[!0-9]* | 0*) bad_arg "--partitions must be a positive number" ;;
esac
[ "$partitions" -le 10000 ] || bad_arg "--partitions at most 10000"
# The local broker only: never send anything past this machine.
case "$broker" in
127.*:[0-9]* | localhost:[0-9]* | \[::1\]:[0-9]*) ;;
*) bad_arg "--broker must be a loopback HOST:PORT, not '$broker'" ;;
esac

command -v java >/dev/null 2>&1 || die "java not found"
command -v kcat >/dev/null 2>&1 || die "kcat not found"

# Prints the class path that holds TopicCommand.
class_path() {
    local want
    if ls "$LIBS"/kafka-tools-[0-9]*.jar >/dev/null 2>&1; then
        printf '%s/*\n' "$LIBS"
        return 0
    fi
    want=$(cksum <"$POM")
    if [ ! -f "$TOOLS_CP" ] || [ "$(head -n 1 "$TOOLS_CP")" != "$want" ]; then
        command -v mvn >/dev/null 2>&1 ||
            die "no kafka-tools jar in .cache/kafka/libs and no mvn;" \
                "restart the broker with ./stop-kafka.sh && ./start-kafka.sh"
        say "resolving the Kafka tools' class path with Maven (once)"
        mkdir -p "$(dirname "$TOOLS_CP")"
        if ! timeout 600 mvn -q -B -f "$POM" dependency:build-classpath \
            -DincludeScope=runtime -Dmdep.outputFile="$TOOLS_CP.tmp" \
            >"$TOOLS_CP.log" 2>&1; then
            tail -n 20 "$TOOLS_CP.log" >&2
            die "Maven could not resolve the tools (log: .cache/kafka/)"
        fi
        { echo "$want" && cat "$TOOLS_CP.tmp"; } >"$TOOLS_CP.new"
        rm -f "$TOOLS_CP.tmp"
        mv -f "$TOOLS_CP.new" "$TOOLS_CP"
    fi
    sed -n 2p "$TOOLS_CP"
}

# Prints the number of partitions the broker lists for the topic, or
# nothing when it lists none.
listed_partitions() {
    timeout 10 kcat -b "$broker" -L -t "$topic" -m 5 2>/dev/null |
        sed -n "s/^ *topic \"$topic\" with \([0-9]*\) partitions:.*/\1/p"
}

cp=$(class_path)
if [ "$delete" = yes ]; then
    # TopicCommand reads the name as a regular expression that must match
    # a whole topic name: escape the dots (the only special character a
    # topic name may hold) and join the names into one alternation.
    pattern=""
    for t in "${topics[@]}"; do
        pattern="$pattern${pattern:+|}${t//./\\.}"
    done
    timeout 120 java -cp "$cp" "$TOOL" --bootstrap-server "$broker" \
        --delete --topic "$pattern" >/dev/null ||
        die "could not delete ${topics[*]}"
    exit 0
fi

timeout 120 java -cp "$cp" "$TOOL" --bootstrap-server "$broker" \
    --create --topic "$topic" --partitions "$partitions" \
    --replication-factor 1 >/dev/null ||
    die "could not create topic $topic"

# Creation returns before every listener's metadata may show it; wait at
# most 20 s for the broker to list all the partitions.
for _ in $(seq 1 40); do
    if [ "$(listed_partitions)" = "$partitions" ]; then
        exit 0
    fi
    sleep 0.5
done
die "topic $topic was created but is not listed with $partitions partitions"
