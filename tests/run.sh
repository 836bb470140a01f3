#!/usr/bin/env bash
# Runs the whole test suite: builds with warnings as errors, runs the unit
# tests, starts the local Kafka broker (./start-kafka.sh) unless one already
# answers, then runs every executable tests/integration/*.sh and
# tests/e2e/*.sh in name order. Its last line is "N passed, M failed" (and
# ", K skipped"), counting each unit test case; it exits 1 if any failed.
#
#   tests/run.sh [--fast] [--san] [PATTERN...]
#     --fast     skip the tests that need Kafka (scripts that mention
#                KAFKA_BROKERS or needs_kafka) and start no broker
#     --san      build with ASan and UBSan into build/san/ (make SAN=1),
#                run the unit tests and DNDTRACK from there with leak
#                checks on and every sanitizer report fatal, and skip the
#                style, fuzz, valgrind and browser tests, which the
#                normal pass covers; logs go to tests/out/san/
#     PATTERN    run only the scripts whose name contains one of them
#
# A test script exits 0 to pass, 77 to be skipped, anything else to fail.
# It gets DNDTRACK, KAFKA_BROKERS, TEST_OUT, SHARED_DATA and REPO_ROOT in
# its environment and its output goes to tests/out/<dir>/<name>.log.
# TEST_TIMEOUT (seconds, default 600) bounds each script; KAFKA_PORT picks
# the broker's port (default 9092). A broker that this run started is
# stopped at the end; one that was already running is left alone.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1

TEST_TIMEOUT=${TEST_TIMEOUT:-600}
KAFKA_PORT=${KAFKA_PORT:-9092}
OUT=$ROOT/tests/out
KAFKA_PIDFILE=${KAFKA_RUN_DIR:-$ROOT/.cache/kafka}/broker.pid

fast=no
san=no
patterns=()
for arg in "$@"; do
    case "$arg" in
    --fast) fast=yes ;;
    --san) san=yes ;;
    -h | --help)
        sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
        exit 0
        ;;
    -*)
        echo "run.sh: unknown option $arg (see --help)" >&2
        exit 2
        ;;
    *) patterns+=("$arg") ;;
    esac
done

# Where the build goes: build/, or build/san/ for --san (both ignored by
# git, and apart, so neither pass rebuilds the other's objects).
BUILD=build
MAKE_ARGS=(WERROR=1)
if [ "$san" = yes ]; then
    BUILD=build/san
    MAKE_ARGS+=(B="$BUILD" SAN=1)
    OUT=$OUT/san
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

passed=0
failed=0
skipped=0
started_kafka=no

# Shows the end of a log after a failure.
show_tail() {
    echo "---- last 60 lines of ${1#"$ROOT"/} ----"
    tail -n 60 "$1"
    echo "----"
}

stop_our_kafka() {
    if [ "$started_kafka" = yes ]; then
        ./stop-kafka.sh || true
        started_kafka=no
    fi
}

trap stop_our_kafka EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

finish() {
    local line="$passed passed, $failed failed"
    if [ "$skipped" -gt 0 ]; then
        line="$line, $skipped skipped"
    fi
    stop_our_kafka
    echo "$line"
    if [ "$failed" -eq 0 ]; then
        exit 0
    fi
    exit 1
}

# True while the pid file names a running broker of start-kafka.sh.
pid_running() {
    local pid
    pid=$(cat "$KAFKA_PIDFILE" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

# True for the scripts that --san leaves to the normal pass: they do not
# run DNDTRACK, or cannot run it when it is built with sanitizers.
san_skips() {
    case "$(basename "$1")" in
    *style* | *fuzz* | *valgrind* | *browser*) return 0 ;;
    esac
    return 1
}

uses_kafka() {
    grep -qE 'KAFKA_BROKERS|needs_kafka' "$1"
}

selected() {
    local p
    [ "${#patterns[@]}" -eq 0 ] && return 0
    for p in "${patterns[@]}"; do
        case "$1" in *"$p"*) return 0 ;; esac
    done
    return 1
}

build() {
    local t0=$SECONDS
    if make -j"$(nproc 2>/dev/null || echo 2)" "${MAKE_ARGS[@]}" \
        >"$OUT/build.log" 2>&1; then
        echo "PASS build ($((SECONDS - t0))s)"
        return 0
    fi
    echo "FAIL build"
    show_tail "$OUT/build.log"
    failed=$((failed + 1))
    finish
}

# Runs the unit tests and adds the cases from each "N passed, M failed"
# line they print. A binary that crashes prints no such line, so a failing
# make with no failed case counted is one more failure.
unit() {
    local rc=0 log=$OUT/unit.log line file p f before=$failed
    make "${MAKE_ARGS[@]}" unit >"$log" 2>&1 || rc=$?
    while IFS= read -r line; do
        if [[ $line =~ ^(.*:\ )?([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
            file=${BASH_REMATCH[1]%: }
            p=${BASH_REMATCH[2]}
            f=${BASH_REMATCH[3]}
            passed=$((passed + p))
            failed=$((failed + f))
            file=$(basename "${file:-unit}" .c)
            if [ "$f" -eq 0 ]; then
                echo "PASS unit/$file ($p case$([ "$p" -eq 1 ] || echo s))"
            else
                echo "FAIL unit/$file ($f of $((p + f)) cases)"
            fi
        fi
    done <"$log"
    if [ "$rc" -ne 0 ] && [ "$failed" -eq "$before" ]; then
        echo "FAIL unit (make unit exited $rc)"
        failed=$((failed + 1))
    fi
    if [ "$failed" -ne "$before" ]; then
        show_tail "$log"
    fi
}

start_kafka() {
    local had_ours=no
    pid_running && had_ours=yes
    if ! KAFKA_PORT=$KAFKA_PORT ./start-kafka.sh; then
        echo "FAIL start-kafka"
        failed=$((failed + 1))
        return 1
    fi
    if [ "$had_ours" = no ] && pid_running; then
        started_kafka=yes
    fi
    return 0
}

# run_one SCRIPT: runs one test script under the time limit.
run_one() {
    local script=$1 name log rc t0=$SECONDS
    name=$(basename "$(dirname "$script")")/$(basename "$script" .sh)
    log=$OUT/$name.log
    mkdir -p "$(dirname "$log")"
    timeout -k 10 "$TEST_TIMEOUT" "$script" >"$log" 2>&1 </dev/null
    rc=$?
    case "$rc" in
    0)
        echo "PASS $name ($((SECONDS - t0))s)"
        passed=$((passed + 1))
        ;;
    77)
        echo "SKIP $name"
        skipped=$((skipped + 1))
        ;;
    *)
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            echo "FAIL $name (timed out after ${TEST_TIMEOUT}s)"
        else
            echo "FAIL $name (exit $rc, $((SECONDS - t0))s)"
        fi
        failed=$((failed + 1))
        show_tail "$log"
        ;;
    esac
}

main() {
    local scripts=() s need_kafka=no kafka_ok=yes
    rm -rf "$OUT"
    mkdir -p "$OUT"

    build
    unit

    for s in tests/integration/*.sh tests/e2e/*.sh; do
        [ -f "$s" ] && [ -x "$s" ] && selected "$s" && scripts+=("$s")
    done
    for s in "${scripts[@]}"; do
        if [ "$san" = yes ] && san_skips "$s"; then
            continue
        fi
        uses_kafka "$s" && need_kafka=yes
    done
    if [ "$need_kafka" = yes ] && [ "$fast" = no ]; then
        start_kafka || kafka_ok=no
    fi

    export DNDTRACK=$ROOT/$BUILD/dndtrack
    export TEST_OUT=$OUT
    export REPO_ROOT=$ROOT
    if [ -z "${SHARED_DATA:-}" ] && [ -d "$ROOT/../shared/data" ]; then
        SHARED_DATA=$(cd "$ROOT/../shared/data" && pwd)
    fi
    export SHARED_DATA=${SHARED_DATA:-}
    if [ "$fast" = yes ]; then
        export KAFKA_BROKERS=""
    else
        export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
    fi

    for s in "${scripts[@]}"; do
        if [ "$san" = yes ] && san_skips "$s"; then
            echo "SKIP $(basename "$(dirname "$s")")/$(basename "$s" .sh)" \
                "(normal pass only)"
            skipped=$((skipped + 1))
        elif [ "$fast" = yes ] && uses_kafka "$s"; then
            echo "SKIP $(basename "$(dirname "$s")")/$(basename "$s" .sh)"
            skipped=$((skipped + 1))
        elif [ "$kafka_ok" = no ] && uses_kafka "$s"; then
            echo "FAIL $(basename "$(dirname "$s")")/$(basename "$s" .sh)" \
                "(no broker)"
            failed=$((failed + 1))
        else
            run_one "$s"
        fi
    done
    finish
}

main
