#!/bin/sh
# The benchmark still runs: `bench/run.sh --quick` against the test broker
# must finish every step and write its JSON with every metric present.
# The figures themselves are not judged here (no thresholds): a loaded test
# machine says nothing about speed.
. "$(dirname "$0")/../lib.sh"
needs_kafka
needs_dndtrack
cd "${REPO_ROOT:?}" || fail "no repository root"

case "$KAFKA_BROKERS" in
127.0.0.1:*) port=${KAFKA_BROKERS#127.0.0.1:} ;;
*) skip "the benchmark runs on a 127.0.0.1 broker, not $KAFKA_BROKERS" ;;
esac

out="${TEST_OUT:?}/bench-smoke"
rm -rf "$out"
mkdir -p "$out/results"

rc=0
KAFKA_PORT=$port DNDTRACK=$DNDTRACK timeout 540 bench/run.sh --quick \
    --results-dir "$out/results" >"$out/run.log" 2>&1 || rc=$?
cat "$out/run.log" >&2
[ "$rc" -eq 0 ] || fail "bench/run.sh --quick exited $rc"

python3 - "$out/results" <<'PY' || fail "the results are incomplete"
import json, math, os, sys
folder = sys.argv[1]
files = [f for f in os.listdir(folder) if f.endswith(".json")]
if len(files) != 1:
    sys.exit(f"expected one JSON file in the results, found {files}")
doc = json.load(open(os.path.join(folder, files[0])))
want = [
    "consumer_events_per_s_dndtrack", "consumer_events_per_s_kcat",
    "consumer_ratio", "producer_events_per_s_dndtrack",
    "producer_events_per_s_kcat", "producer_ratio",
    "latency_p50_ms_refresh_1", "latency_p99_ms_refresh_1",
    "latency_p50_ms_refresh_5", "latency_p99_ms_refresh_5",
    "rss_kb_small", "rss_kb_medium", "rss_kb_large", "bytes_per_player",
    "cpu_s_per_million_dndtrack", "cpu_s_per_million_kcat",
]
metrics = doc.get("metrics", {})
bad = [k for k in want if not isinstance(metrics.get(k), (int, float))
       or not math.isfinite(metrics[k])]
if bad:
    sys.exit(f"metrics missing or not numbers: {bad}")
if doc.get("errors"):
    sys.exit(f"steps failed: {doc['errors']}")
if len(doc.get("targets", [])) != 5:
    sys.exit("the five targets are not all listed")
print(f"{files[0]}: {len(want)} metrics present")
PY
