#!/bin/sh
# The house style of the C sources, as CI checks it: clang-format has
# nothing to change, no line is over 80 columns, and no banned function
# (sprintf, strcpy, strcat, strtok, atoi, gets) is called.
. "$(dirname "$0")/../lib.sh"
cd "${REPO_ROOT:?}" || fail "no repository root"
command -v clang-format >/dev/null || fail "clang-format is not installed"

files=$(git ls-files '*.c' '*.h')
[ -n "$files" ] || fail "no C files found"
bad=""
for f in $files; do
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
[ -z "$bad" ] || fail "clang-format would change:$bad"

# $files is a list of paths without blanks, split on purpose.
# shellcheck disable=SC2086
wide=$(awk 'length($0) > 80 { print FILENAME ":" FNR }' $files)
[ -z "$wide" ] || fail "lines over 80 columns: $wide"
# shellcheck disable=SC2086
banned=$(grep -nE '\b(sprintf|strcpy|strcat|strtok|atoi|gets)[[:space:]]*\(' \
    $files)
[ -z "$banned" ] || fail "banned functions: $banned"
note "$(echo "$files" | wc -w) files checked"
