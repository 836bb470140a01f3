#!/bin/sh
# Settings and options as a user meets them: every bad value is refused
# with exit status 2 and a message naming the key and the value; .env is
# read from the working directory, the environment overrides it, and
# options override both; --help answers for every command.
. "$(dirname "$0")/../lib.sh"
needs_dndtrack

dir=$(mktemp -d)
at_exit "rm -rf '$dir'"
cd "$dir" || fail "no temp dir"

# expect_usage_error "what must appear in the message" command...
expect_usage_error() {
    want=$1
    shift
    "$@" >"$dir/out" 2>"$dir/err"
    rc=$?
    [ "$rc" = 2 ] || fail "'$*' exited $rc, expected 2: $(cat "$dir/err")"
    grep -qF -- "$want" "$dir/err" ||
        fail "'$*' did not say '$want': $(cat "$dir/err")"
}

for cmd in produce consume demo; do
    "$DNDTRACK" $cmd --help >"$dir/help" || fail "$cmd --help failed"
    grep -q "Usage: dndtrack $cmd" "$dir/help" || fail "$cmd --help is empty"
done
"$DNDTRACK" --help | grep -q "Commands:" || fail "dndtrack --help"
expect_usage_error "unknown command 'frobnicate'" "$DNDTRACK" frobnicate

VIZ_REFRESH_MESSAGES=0 expect_usage_error "VIZ_REFRESH_MESSAGES=0" \
    "$DNDTRACK" consume -e
MESSAGE_INTERVAL_SECONDS=soon expect_usage_error \
    "MESSAGE_INTERVAL_SECONDS=soon" "$DNDTRACK" produce --count 1
DASHBOARD_ADDRESS=8080 expect_usage_error "DASHBOARD_ADDRESS=8080" \
    "$DNDTRACK" consume
TRACKED_PLAYERS=, expect_usage_error "TRACKED_PLAYERS" "$DNDTRACK" consume
expect_usage_error "--rate fast" "$DNDTRACK" produce --rate fast
expect_usage_error "--format xml" "$DNDTRACK" produce --format xml
expect_usage_error "-X nonsense.property=1" \
    "$DNDTRACK" produce -X nonsense.property=1 --count 1

printf 'DND_TOPIC=from_env_file\nVIZ_REFRESH_MESSAGES=many\n' >.env
expect_usage_error ".env:2" "$DNDTRACK" consume -e

# Order: .env < environment < options. A simulated run against a port
# where nothing listens fails, but its last line names the topic in use.
printf 'DND_TOPIC=from_env_file\n' >.env
run_topic() {
    "$DNDTRACK" produce -b 127.0.0.1:1 --count 0 "$@" 2>&1 | tail -1
}
case $(run_topic) in *"to from_env_file:"*) ;;
*) fail ".env was not read: $(run_topic)" ;; esac
case $(DND_TOPIC=from_environment run_topic) in
*"to from_environment:"*) ;;
*) fail "the environment did not win over .env" ;; esac
case $(DND_TOPIC=from_environment run_topic -t from_option) in
*"to from_option:"*) ;;
*) fail "the option did not win over the environment" ;; esac

# No broker at the address: -e gives up with a hint instead of hanging,
# and prints nothing on stdout that could pass for figures.
timeout 60 "$DNDTRACK" consume -b 127.0.0.1:1 -t nowhere -e \
    >"$dir/out" 2>"$dir/err"
assert_eq "$?" 1 "exit status of consume -e with no broker"
grep -q "no Kafka broker answers at 127.0.0.1:1" "$dir/err" ||
    fail "no hint about the missing broker: $(cat "$dir/err")"
[ ! -s "$dir/out" ] || fail "figures printed after a failure"

# An import in which nothing can be read is a failure, not a success.
printf 'RollID,Campaign\n1,2\n' >"$dir/not-events.jsonl"
"$DNDTRACK" produce -b 127.0.0.1:1 --import "$dir/not-events.jsonl" \
    >/dev/null 2>"$dir/err"
assert_eq "$?" 1 "exit status when every row is skipped"
grep -q "nothing was sent" "$dir/err" || fail "no word that nothing was sent"
