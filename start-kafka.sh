#!/usr/bin/env bash
# Starts a single-node Apache Kafka 4.4.0 (KRaft: broker and controller in one
# JVM, no ZooKeeper) on 127.0.0.1 for development and tests, and returns once
# it answers. It is not a production setup: one replica, plain text, loopback.
#
# The jars come from Maven Central through kafka/pom.xml into
# .cache/kafka/libs, fetched once. The broker runs in the background; stop it
# with ./stop-kafka.sh. If a broker already answers on the port, nothing is
# started. Environment (defaults in brackets):
#   KAFKA_PORT              client port [9092]
#   KAFKA_CONTROLLER_PORT   controller port [9093]
#   KAFKA_RUN_DIR           pid file, log and server.properties [.cache/kafka]
#   KAFKA_DATA_DIR          log.dirs, formatted on first use
#                           [$KAFKA_RUN_DIR/data]
#   KAFKA_START_TIMEOUT     seconds to wait for the broker [90]
# Exit status: 0 when a broker answers, 1 otherwise, 2 for a bad argument.
set -eu

PROG=start-kafka.sh
ROOT=$(cd "$(dirname "$0")" && pwd)
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
KAFKA_RUN_DIR=${KAFKA_RUN_DIR:-$ROOT/.cache/kafka}
KAFKA_DATA_DIR=${KAFKA_DATA_DIR:-$KAFKA_RUN_DIR/data}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}

LIBS=$ROOT/.cache/kafka/libs
LIBS_MARKER=$LIBS/.complete
POM=$ROOT/kafka/pom.xml
LOG4J=$ROOT/kafka/log4j2.yaml
PROPS=$KAFKA_RUN_DIR/server.properties
LOG=$KAFKA_RUN_DIR/broker.log
PIDFILE=$KAFKA_RUN_DIR/broker.pid
BROKER=127.0.0.1:$KAFKA_PORT
PROBE_TOPIC=start-kafka.probe


usage() {
    cat <<EOF
Usage: ./$PROG [-h | --help]

Starts a single-node Apache Kafka (KRaft, plain text) on 127.0.0.1 in the
background for development and tests, and returns once it takes messages.
Nothing is started when a broker already answers on the port. The first
run fetches the broker's jars with Maven. ./stop-kafka.sh stops it.

Environment (default in brackets):
  KAFKA_PORT              client port [9092]
  KAFKA_CONTROLLER_PORT   controller port [9093]
  KAFKA_RUN_DIR           pid file, log, server.properties [.cache/kafka]
  KAFKA_DATA_DIR          broker data, formatted on first use
                          [\$KAFKA_RUN_DIR/data]
  KAFKA_START_TIMEOUT     seconds to wait for the broker [90]

Exit status: 0 a broker answers, 1 it could not be started, 2 bad argument.
EOF
}

# shellcheck source=kafka/script-lib.sh
. "$ROOT/kafka/script-lib.sh"


die() {
    say "$@"
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 ||
        die "$1 not found; run scripts/install-deps.sh"
}

broker_answers() {
    kcat -b "$BROKER" -L -m 3 >/dev/null 2>&1
}

# An idempotent produce needs the broker to hand out producer ids and to
# create the probe topic, which a bare metadata answer does not prove.
broker_accepts_produce() {
    echo "probe $(date +%s)" |
        timeout 20 kcat -b "$BROKER" -P -t "$PROBE_TOPIC" \
            -X enable.idempotence=true -X message.timeout.ms=10000 \
            >/dev/null 2>&1
}

# True when the pid is a running Kafka broker, so that a stale pid file
# whose number now belongs to another process is not mistaken for one.
pid_alive() {
    [ -n "$1" ] && kill -0 "$1" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

check_port() {
    case "$1" in
    '' | *[!0-9]*) die "$2 is not a port number: '$1'" ;;
    esac
}

# Copies the broker's jars from Maven Central (or ~/.m2) once. The marker
# records which pom the jars came from, so editing the pom fetches again.
fetch_libs() {
    local want
    want=$(cksum <"$POM")
    if [ -f "$LIBS_MARKER" ] && [ "$(cat "$LIBS_MARKER")" = "$want" ]; then
        return 0
    fi
    need mvn
    say "fetching Kafka jars with Maven into .cache/kafka/libs"
    rm -rf "$LIBS"
    mkdir -p "$LIBS"
    if ! mvn -q -B -f "$POM" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$LIBS" \
        >"$ROOT/.cache/kafka/mvn.log" 2>&1; then
        tail -n 40 "$ROOT/.cache/kafka/mvn.log" >&2
        die "Maven could not fetch the Kafka jars (see .cache/kafka/mvn.log)"
    fi
    ls "$LIBS"/kafka_2.13-*.jar >/dev/null 2>&1 ||
        die "Maven finished but no kafka_2.13 jar is in $LIBS"
    echo "$want" >"$LIBS_MARKER"
}

# Escapes a value for the right-hand side of a sed s|...|...| command.
sed_escape() {
    printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'
}

write_properties() {
    sed -e "s|@DATA_DIR@|$(sed_escape "$KAFKA_DATA_DIR")|g" \
        -e "s|@PORT@|$KAFKA_PORT|g" \
        -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
        "$ROOT/kafka/server.properties.in" >"$PROPS.tmp"
    mv "$PROPS.tmp" "$PROPS"
}

java_run() {
    java -Dlog4j2.configurationFile="$LOG4J" -cp "$LIBS/*" "$@"
}

# Formats the data directory the first time only; later starts keep topics,
# offsets and the cluster id.
format_storage() {
    local id
    if [ -f "$KAFKA_DATA_DIR/meta.properties" ]; then
        return 0
    fi
    mkdir -p "$KAFKA_DATA_DIR"
    # The tool's own log lines share stdout with the id, which comes last.
    id=$(java_run kafka.tools.StorageTool random-uuid 2>>"$LOG" | tail -n 1)
    case "$id" in
    '' | *[!A-Za-z0-9_-]*) die "could not make a cluster id (got '$id')" ;;
    esac
    if ! java_run kafka.tools.StorageTool format -t "$id" -c "$PROPS" \
        >>"$LOG" 2>&1; then
        tail -n 40 "$LOG" >&2
        die "could not format $KAFKA_DATA_DIR"
    fi
    say "formatted $KAFKA_DATA_DIR (cluster id $id)"
}

launch() {
    if [ -f "$LOG" ]; then
        mv -f "$LOG" "$LOG.1"
    fi
    write_properties
    format_storage
    nohup java -Xmx1g -Dlog4j2.configurationFile="$LOG4J" \
        -cp "$LIBS/*" kafka.Kafka "$PROPS" >>"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    say "started broker (pid $!) on $BROKER, log in $LOG"
}

# Shows the end of the broker log, and its first errors, which a stack
# trace or later shutdown lines often push out of those last 40 lines.
show_log() {
    tail -n 40 "$LOG" >&2
    if grep -q ' ERROR ' "$LOG"; then
        echo "$PROG: first errors in $LOG:" >&2
        grep -m 3 ' ERROR ' "$LOG" | cut -c1-400 >&2
    fi
}

# Waits until the broker answers metadata and takes an idempotent produce,
# or gives up when the process dies or the time is over. A broker that this
# run launched is stopped on time-out rather than left half started.
wait_ready() {
    local pid=$1 launched=$2 deadline
    deadline=$(($(date +%s) + KAFKA_START_TIMEOUT))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        if ! pid_alive "$pid"; then
            show_log
            rm -f "$PIDFILE"
            die "broker exited during start-up (log above)"
        fi
        if broker_answers && broker_accepts_produce; then
            return 0
        fi
        sleep 1
    done
    show_log
    if [ "$launched" = yes ]; then
        KAFKA_RUN_DIR=$KAFKA_RUN_DIR "$ROOT/stop-kafka.sh" || true
    fi
    die "broker did not answer on $BROKER within ${KAFKA_START_TIMEOUT}s" \
        "(log above)"
}

main() {
    local pid="" launched=no t0
    parse_args "$@"
    check_port "$KAFKA_PORT" KAFKA_PORT
    check_port "$KAFKA_CONTROLLER_PORT" KAFKA_CONTROLLER_PORT
    need kcat
    need java

    if broker_answers; then
        say "a broker already answers on $BROKER; not starting another"
        exit 0
    fi

    mkdir -p "$KAFKA_RUN_DIR" "$ROOT/.cache/kafka"
    if [ -f "$PIDFILE" ]; then
        pid=$(cat "$PIDFILE")
    fi
    t0=$(date +%s)
    if pid_alive "$pid"; then
        # Started earlier and still coming up: wait for it, do not start
        # a second one that would fail to bind the same ports.
        say "broker pid $pid is running but not answering yet; waiting"
    else
        fetch_libs
        launch
        launched=yes
        pid=$(cat "$PIDFILE")
    fi
    wait_ready "$pid" "$launched"
    say "broker ready on $BROKER after $(($(date +%s) - t0))s"
}

main "$@"
