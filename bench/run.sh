#!/usr/bin/env bash
# Builds the jars and runs the benchmark: every scenario against Roomcast, the ceiling (both flush modes) and
# the Spring baseline, side by side. Results: bench/results/<date>/results.json and report.html.
#   bench/run.sh                                   # everything, about 25 minutes on 2 cores
#   bench/run.sh --scenarios fanout                # one scenario (idle, fanout, chat, cluster, storm)
#   bench/run.sh --scenarios idle --targets roomcast,spring --idle-levels 5000,10000,15000,19000
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q package -DskipTests
out="bench/results/$(date +%F)"
exec java -jar bench/target/roomcast-bench.jar run --out "$out" "$@"
