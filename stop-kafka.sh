#!/usr/bin/env bash
# Stops the local Kafka broker that start-kafka.sh started, found through its
# pid file: SIGTERM first, SIGKILL if it is still running after 30 seconds.
# It never touches a broker that start-kafka.sh did not start; with no such
# broker running it only removes a stale pid file and exits 0.
# Environment: KAFKA_RUN_DIR [.cache/kafka], as for start-kafka.sh;
# KAFKA_STOP_TIMEOUT seconds before SIGKILL [30].
# Exit status: 0 when no broker of ours runs any more, 2 for a bad argument.
set -eu

PROG=stop-kafka.sh
ROOT=$(cd "$(dirname "$0")" && pwd)
KAFKA_RUN_DIR=${KAFKA_RUN_DIR:-$ROOT/.cache/kafka}
KAFKA_STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}
PIDFILE=$KAFKA_RUN_DIR/broker.pid


usage() {
    cat <<EOF
Usage: ./$PROG [-h | --help]

Stops the Kafka broker that this checkout's ./start-kafka.sh started, found
through the pid file it wrote (broker.pid under .cache/kafka): SIGTERM
first, then SIGKILL if it still runs after KAFKA_STOP_TIMEOUT seconds. Any
other broker, such as one started by hand or by another checkout, is left
alone. With none of ours running it only removes a stale pid file.

Environment (default in brackets):
  KAFKA_RUN_DIR        where start-kafka.sh keeps the pid file [.cache/kafka]
  KAFKA_STOP_TIMEOUT   seconds from SIGTERM to SIGKILL [30]

Exit status: 0 no broker of ours runs any more (or none did), 2 bad
argument, another non-zero value if a step failed unexpectedly.
EOF
}

# shellcheck source=kafka/script-lib.sh
. "$ROOT/kafka/script-lib.sh"


# True while the pid is a running Kafka broker (not a reused pid number).
is_broker() {
    kill -0 "$1" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

main() {
    local pid waited=0
    parse_args "$@"
    if [ ! -f "$PIDFILE" ]; then
        say "no pid file; no broker of ours is running"
        exit 0
    fi
    pid=$(cat "$PIDFILE")
    case "$pid" in
    '' | *[!0-9]*)
        say "pid file holds no pid; removing it"
        rm -f "$PIDFILE"
        exit 0
        ;;
    esac
    if ! is_broker "$pid"; then
        say "broker pid $pid is not running; removing the stale pid file"
        rm -f "$PIDFILE"
        exit 0
    fi

    kill -TERM "$pid" 2>/dev/null || true
    while is_broker "$pid" && [ "$waited" -lt "$KAFKA_STOP_TIMEOUT" ]; do
        sleep 1
        waited=$((waited + 1))
    done
    if is_broker "$pid"; then
        say "broker pid $pid still runs ${KAFKA_STOP_TIMEOUT}s after SIGTERM;" \
            "killing it"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 1
    fi
    rm -f "$PIDFILE"
    say "stopped broker pid $pid after ${waited}s"
}

main "$@"
