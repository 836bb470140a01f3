#!/bin/sh
# The dashboard in a real browser: Debian's chromium, driven by
# playwright-core (tests/browser/package.json), against `dndtrack consume`
# on the real broker and `dndtrack demo`. It checks the panels and charts,
# the figures against /api/players and against the events written with
# kcat, how soon an update shows, hostile player names, reconnecting after
# a restart, the player chooser, the page's memory over a minute, and takes
# screenshots into $TEST_OUT/screenshots/ (demo.png among them).
#
# BROWSER_TESTS=NAME[,NAME] runs only tests/browser/NAME.test.mjs.
. "$(dirname "$0")/../lib.sh"
needs_kafka
needs_dndtrack

browser_dir="${REPO_ROOT:?}/tests/browser"
[ -x /usr/bin/chromium ] ||
    fail "no /usr/bin/chromium (run scripts/install-deps.sh)"
command -v node >/dev/null 2>&1 || fail "no node (run scripts/install-deps.sh)"
command -v npm >/dev/null 2>&1 || fail "no npm (run scripts/install-deps.sh)"
command -v kcat >/dev/null 2>&1 || fail "no kcat (run scripts/install-deps.sh)"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)' ||
    fail "node $(node --version) is older than 18"
mkdir -p "${TEST_OUT:?}/browser" "$TEST_OUT/screenshots"

# npm ci when node_modules is missing or older than the lock file.
stamp="$browser_dir/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ ! -d "$browser_dir/node_modules/playwright-core" ] ||
    [ -n "$(find "$browser_dir/package-lock.json" -newer "$stamp")" ]; then
    note "installing playwright-core with npm ci"
    (cd "$browser_dir" && timeout 300 npm ci --no-audit --no-fund) ||
        fail "npm ci failed in tests/browser"
fi

files=""
if [ -n "${BROWSER_TESTS:-}" ]; then
    for name in $(echo "$BROWSER_TESTS" | tr ',' ' '); do
        [ -f "$browser_dir/$name.test.mjs" ] ||
            fail "no tests/browser/$name.test.mjs"
        files="$files $name.test.mjs"
    done
else
    files=$(cd "$browser_dir" && ls ./*.test.mjs)
fi

note "node $(node --version), $(/usr/bin/chromium --version 2>/dev/null)"
cd "$browser_dir" || fail "cannot enter tests/browser"
# $files is a list of file names without spaces, split on purpose.
# shellcheck disable=SC2086
timeout -k 10 360 node --test --test-concurrency=1 --test-reporter=spec \
    $files ||
    fail "browser tests failed (logs in $TEST_OUT/browser)"
