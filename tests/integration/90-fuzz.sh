#!/bin/sh
# The libFuzzer targets of tests/fuzz/ against the pure core: each one
# runs FUZZ_SECONDS (default 30) on a scratch copy of its seed corpus,
# and every input in tests/fuzz/regressions/ is replayed. Any crash,
# leak, time-out or failed check fails the test and names the input.
. "$(dirname "$0")/../lib.sh"
command -v clang >/dev/null 2>&1 || skip "clang is not installed"

out="${TEST_OUT:?}/fuzz"
rm -rf "$out"
"${REPO_ROOT:?}/tests/fuzz/run.sh" -t "${FUZZ_SECONDS:-30}" -o "$out"
rc=$?
[ "$rc" -eq 0 ] || fail "fuzzing found a crash or could not run (exit $rc)"
