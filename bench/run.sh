#!/usr/bin/env bash
# The benchmark's one command: builds dndtrack (unless DNDTRACK names a
# binary), makes sure the local Kafka broker answers on
# 127.0.0.1:${KAFKA_PORT:-9092} (starting it with ./start-kafka.sh, and
# stopping it at the end, when none did), then runs bench/bench.py, which
# compares dndtrack with kcat and writes bench/results/<time>.json.
#
#   bench/run.sh [--events N] [--quick] [--runs R] [--help] ...
#
# bench/README.md says what is measured and how. Exit status: 0 every step
# ran (whatever the figures), 1 a step or the set-up failed, 2 bad option.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
KAFKA_PORT=${KAFKA_PORT:-9092}
BROKER=127.0.0.1:$KAFKA_PORT

say() {
    echo "bench/run.sh: $*" >&2
}

for arg in "$@"; do
    case "$arg" in
    -h | --help) exec python3 bench/bench.py --help ;;
    esac
done

for tool in python3 kcat java; do
    command -v "$tool" >/dev/null 2>&1 ||
        {
            say "$tool not found; run scripts/install-deps.sh"
            exit 1
        }
done

if [ -n "${DNDTRACK:-}" ]; then
    dndtrack=$DNDTRACK
else
    if ! make -s -j"$(nproc 2>/dev/null || echo 2)" >&2; then
        say "make failed"
        exit 1
    fi
    dndtrack=$ROOT/build/dndtrack
fi

started=no
if ! timeout 20 kcat -b "$BROKER" -L -m 3 >/dev/null 2>&1; then
    say "no broker answers on $BROKER; starting one"
    if ! KAFKA_PORT=$KAFKA_PORT ./start-kafka.sh; then
        say "could not start the broker"
        exit 1
    fi
    started=yes
fi

stop_ours() {
    if [ "$started" = yes ]; then
        ./stop-kafka.sh || true
    fi
}
trap stop_ours EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

KAFKA_PORT=$KAFKA_PORT python3 bench/bench.py --broker "$BROKER" \
    --dndtrack "$dndtrack" "$@"
