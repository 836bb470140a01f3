# Helpers for the integration and end-to-end test scripts, sourced with
#   . "$(dirname "$0")/../lib.sh"
# POSIX sh, so that both sh and bash scripts can use it. It gives failing
# and skipping with the exit codes tests/run.sh reads (1 fail, 77 skip),
# unique topic names, free loopback ports, waiting for a local HTTP server,
# and killing a test's background processes when it exits. It does not set
# `set -e`; each script chooses its own shell options.

# Exit code that tests/run.sh reports as SKIP.
TEST_SKIP=77

# Consumers keep their saved state with the test's output, not in the
# user's home; each group and topic has its own file there.
DND_STATE_DIR=${DND_STATE_DIR:-${TEST_OUT:-/tmp}/state}
export DND_STATE_DIR

# Fails the test with a message: fail "what went wrong"
fail() {
    echo "FAIL: $(basename "$0"): $*" >&2
    exit 1
}

# Skips the test with a reason: skip "why"
skip() {
    echo "SKIP: $(basename "$0"): $*" >&2
    exit "$TEST_SKIP"
}

# Prints a progress line to stderr, which lands in the test's log.
note() {
    echo "$(basename "$0"): $*" >&2
}

# Fails unless the two values are equal: assert_eq ACTUAL EXPECTED "what"
assert_eq() {
    if [ "$1" != "$2" ]; then
        fail "$3: got '$1', expected '$2'"
    fi
}

# Prints a name unique to this run and process, for topics and groups:
# unique_topic PREFIX -> PREFIX-20250224203000-1234-3141592653
# Only characters Kafka accepts in topic names are used.
unique_topic() {
    printf '%s-%s-%s-%s\n' "$1" "$(date +%Y%m%d%H%M%S)" "$$" \
        "$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')"
}

# Prints a TCP port that is free on 127.0.0.1 right now. Another process
# may take it before the caller binds it, which is rare enough for tests.
free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Waits until URL answers with a 2xx status: wait_for_http URL SECONDS
# Returns 1 when it has not within SECONDS. Only loopback URLs are allowed,
# since tests must never send traffic anywhere else.
wait_for_http() {
    case "$1" in
    http://127.* | http://localhost[:/]* | http://\[::1\]*) ;;
    *)
        echo "wait_for_http: not a loopback URL: $1" >&2
        return 1
        ;;
    esac
    _wfh_end=$(($(date +%s) + $2))
    while [ "$(date +%s)" -lt "$_wfh_end" ]; do
        if curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}

# Skips the test when no broker was given (tests/run.sh --fast), and fails
# it when the given one does not answer.
needs_kafka() {
    if [ -z "${KAFKA_BROKERS:-}" ]; then
        skip "KAFKA_BROKERS is not set"
    fi
    if ! timeout 20 kcat -b "$KAFKA_BROKERS" -L -m 5 >/dev/null 2>&1; then
        fail "no Kafka broker answers on $KAFKA_BROKERS"
    fi
}

# For tests that stop and start the broker with the project's scripts:
# skips unless KAFKA_BROKERS is one loopback address, and sets KAFKA_PORT
# for start-kafka.sh and stop-kafka.sh.
needs_own_broker() {
    case "$KAFKA_BROKERS" in
    127.*:[0-9]* | localhost:[0-9]*) ;;
    *) skip "the broker $KAFKA_BROKERS is not a single loopback address" ;;
    esac
    KAFKA_PORT=${KAFKA_BROKERS##*:}
    export KAFKA_PORT
}

# Whether the broker answers a metadata request within 10 s.
broker_answers() {
    timeout 10 kcat -b "$KAFKA_BROKERS" -L -m 3 >/dev/null 2>&1
}

# Starts the project's broker (start-kafka.sh), appending its output to $1.
start_own_broker() {
    timeout 150 "${REPO_ROOT:?}/start-kafka.sh" >>"$1" 2>&1
}

# Fails the test when the dndtrack binary is missing.
needs_dndtrack() {
    if [ -z "${DNDTRACK:-}" ] || [ ! -x "$DNDTRACK" ]; then
        fail "no dndtrack binary at '${DNDTRACK:-}' (run make first)"
    fi
}

# Background processes to end, and commands to run, when the test exits.
_lib_pids=""
_lib_cmds=""
_lib_trap_set=""

_lib_cleanup() {
    for _p in $_lib_pids; do
        kill -TERM "$_p" 2>/dev/null
    done
    # Give them up to 5 seconds to exit cleanly, then force them.
    _n=0
    for _p in $_lib_pids; do
        while kill -0 "$_p" 2>/dev/null && [ "$_n" -lt 25 ]; do
            sleep 0.2
            _n=$((_n + 1))
        done
        kill -KILL "$_p" 2>/dev/null
    done
    _lib_pids=""
    if [ -n "$_lib_cmds" ]; then
        eval "$_lib_cmds"
    fi
    _lib_cmds=""
}

_lib_set_trap() {
    if [ -z "$_lib_trap_set" ]; then
        trap '_lib_cleanup' EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
        _lib_trap_set=1
    fi
}

# Waits until FILE exists and holds a line matching REGEX: wait_grep REGEX
# FILE SECONDS. Returns 1 when the time runs out.
wait_grep() {
    _wait_tries=0
    while [ "$_wait_tries" -lt $(($3 * 5)) ]; do
        grep -qE "$1" "$2" 2>/dev/null && return 0
        sleep 0.2
        _wait_tries=$((_wait_tries + 1))
    done
    return 1
}

# Prints the message count of the page on loopback PORT, or nothing when
# it does not answer: api_messages PORT.
api_messages() {
    curl -fsS --max-time 2 "http://127.0.0.1:$1/api/players" 2>/dev/null |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["messages"])' \
            2>/dev/null
}

# Sends PID SIGTERM; it must exit 0 within SECONDS: stop_gracefully PID
# NAME SECONDS. PID must be a child of the calling shell.
stop_gracefully() {
    _stop_tries=0
    kill -TERM "$1"
    while [ "$_stop_tries" -lt $(($3 * 5)) ]; do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.2
        _stop_tries=$((_stop_tries + 1))
    done
    kill -0 "$1" 2>/dev/null && fail "$2 ignored SIGTERM for $3 s"
    wait "$1"
    assert_eq "$?" 0 "exit status of $2 after SIGTERM"
}

# Waits up to SECONDS for the page on loopback PORT to count exactly TOTAL
# messages, and fails at once if it counts more: wait_count PORT TOTAL
# SECONDS WHOSE (for the messages, e.g. "A's page").
wait_count() {
    _count=""
    _count_tries=0
    while [ "$_count_tries" -lt $(($3 * 5)) ]; do
        _count=$(api_messages "$1")
        if [ -n "$_count" ] && [ "$_count" -gt "$2" ]; then
            fail "$4 counts $_count messages, more than the $2 sent"
        fi
        [ "$_count" = "$2" ] && return 0
        sleep 0.2
        _count_tries=$((_count_tries + 1))
    done
    assert_eq "$_count" "$2" "messages on $4 within $3 s"
}

# Kills these pids (TERM, then KILL after 5 s) when the test exits:
#   some_server & kill_on_exit $!
kill_on_exit() {
    _lib_set_trap
    _lib_pids="$_lib_pids $*"
}

# Runs a shell command when the test exits: at_exit 'rm -rf "$dir"'
at_exit() {
    _lib_set_trap
    _lib_cmds="$_lib_cmds
$1"
}
