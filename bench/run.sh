#!/usr/bin/env bash
# Builds the jars and runs the benchmark: every scenario against Roomcast, the ceiling (both flush modes) and
# the Spring baseline, side by side. Results: bench/results/<date>/results.json and report.html (or --out DIR).
#   bench/run.sh                                   # everything, about 25 minutes on 2 cores
#   bench/run.sh --scenarios fanout                # one scenario (idle, fanout, chat, cluster, storm)
#   bench/run.sh --scenarios idle --targets roomcast,spring --idle-levels 5000,10000,15000,19000
#   bench/run.sh --scenarios abuse --targets roomcast   # opt-in: a benign client's round trip beside abusers
#
# This build against another one (the previous commit, say): build that one's jar in a worktree of its own,
# then run both as targets; the report gives roomcast / roomcast-baseline for fan-out and chat, with MET/MISS
# for "CPU per delivery within 10 % of the baseline" and "max fan-out rate at least 90 % of the baseline".
#   git worktree add /tmp/prev HEAD~1 && (cd /tmp/prev && mvn -B -q package -DskipTests)
#   bench/run.sh --scenarios fanout,chat --targets roomcast,roomcast-baseline \
#       --baseline-jar /tmp/prev/server/target/roomcast.jar
#   git worktree remove /tmp/prev
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q package -DskipTests
out="bench/results/$(date +%F)"
for arg in "$@"; do
  case "$arg" in --out|--out=*) out="" ;; esac
done
exec java -jar bench/target/roomcast-bench.jar run ${out:+--out "$out"} "$@"
