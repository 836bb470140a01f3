#!/bin/sh
# Builds the libFuzzer targets (make fuzz) and runs each one for a while
# on a scratch copy of its seed corpus, then replays every input that once
# crashed a target. Exits 0 when nothing crashed, 1 when something did
# (each crash input's path is printed), 2 on a usage or build error.
#
#   tests/fuzz/run.sh [-t SECONDS] [-o DIR] [TARGET...]
#     -t SECONDS  fuzzing time per target (default: FUZZ_SECONDS or 30)
#     -o DIR      where logs, corpora and crash inputs go (default: a new
#                 temporary folder, printed at the end)
#     TARGET      event, csv, config or state (default: all of them)
#
# The committed corpus in tests/fuzz/corpus/ is only read. New inputs
# the fuzzer finds stay in DIR; copy the useful ones back by hand.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${FUZZ_SECONDS:-30}
out=""

usage() {
    sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

while getopts t:o:h opt; do
    case "$opt" in
    t) seconds=$OPTARG ;;
    o) out=$OPTARG ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
case "$seconds" in
'' | *[!0-9]*) echo "run.sh: -t wants whole seconds, not '$seconds'" >&2
    exit 2 ;;
esac

targets=${*:-event csv config state}
for t in $targets; do
    [ -f "$root/tests/fuzz/fuzz_$t.c" ] ||
        { echo "run.sh: no target '$t' (see -h)" >&2; exit 2; }
done

if [ -z "$out" ]; then
    out=$(mktemp -d "${TMPDIR:-/tmp}/dndtrack-fuzz.XXXXXX") || exit 2
fi
mkdir -p "$out" || exit 2
bin="$root/build/fuzz"

jobs=$(nproc 2>/dev/null || echo 1)
echo "building the fuzz targets"
if ! make -C "$root" -j"$jobs" fuzz >"$out/build.log" 2>&1; then
    tail -n 30 "$out/build.log"
    echo "run.sh: make fuzz failed; see $out/build.log" >&2
    exit 2
fi

# fuzz_one TARGET: one bounded fuzzing run; its status is in TARGET.rc.
# libFuzzer's own exit codes are set apart from 0 and from the 77 that
# tests/run.sh reads as a skip; `timeout` is a backstop should libFuzzer
# not stop by itself.
fuzz_one() {
    t=$1
    rm -rf "$out/corpus/$t" "$out/artifacts/$t"
    mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
    cp "$root/tests/fuzz/corpus/$t"/* "$out/corpus/$t/"
    timeout -k 10 $((seconds + 120)) "$bin/fuzz_$t" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -error_exitcode=3 -timeout_exitcode=4 -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$t/" "$out/corpus/$t" \
        >"$out/$t.log" 2>&1
    echo $? >"$out/$t.rc"
}

# Runs up to one target per processor at a time.
running=0
for t in $targets; do
    echo "fuzzing $t for ${seconds}s"
    fuzz_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait
        running=0
    fi
done
wait

status=0
for t in $targets; do
    rc=$(cat "$out/$t.rc" 2>/dev/null || echo lost)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
    if [ "$rc" = 0 ]; then
        echo "ok $t: ${runs:-?} runs"
        continue
    fi
    status=1
    echo "CRASH $t (exit $rc); log: $out/$t.log"
    grep -m 3 -E '^(==[0-9]+==ERROR|SUMMARY|fuzz check failed)' \
        "$out/$t.log"
    for f in "$out/artifacts/$t"/*; do
        [ -f "$f" ] && echo "  input: $f"
    done
done

# Inputs that crashed once are replayed as they are, one plain run each.
for t in $targets; do
    dir="$root/tests/fuzz/regressions/$t"
    set --
    for f in "$dir"/*; do
        [ -f "$f" ] && set -- "$@" "$f"
    done
    [ "$#" -gt 0 ] || continue
    if timeout -k 10 300 "$bin/fuzz_$t" -timeout=10 -rss_limit_mb=2048 \
        -error_exitcode=3 -timeout_exitcode=4 "$@" \
        >"$out/$t-regressions.log" 2>&1; then
        echo "ok $t: $# regression inputs"
    else
        status=1
        echo "CRASH $t on a regression input; log: $out/$t-regressions.log"
        # The input libFuzzer ran last is the one that failed.
        grep -E '^Running: ' "$out/$t-regressions.log" | tail -n 1
    fi
done

echo "output in $out"
exit "$status"
