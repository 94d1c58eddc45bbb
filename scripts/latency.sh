#!/usr/bin/env bash
# Starts a local RocketMQ, two clustered nodes and one memory-bus node, and measures publish-to-deliver
# latency (scripts/latency.mjs): on one node with the memory bus, and on two nodes through RocketMQ, both on
# the publisher's node and across nodes. Then stops everything. Usage: scripts/latency.sh [COUNT] [RATE]
# Needs: mvn -B -q package -DskipTests, and (cd server/src/it/js && npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-2000}
RATE=${2:-100}
WORK=$(mktemp -d)
JAR=server/target/roomcast.jar
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

java -jar "$JAR" broker --dir "$WORK/broker" --namesrv-port 19876 --broker-port 20911 >"$WORK/broker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do grep -q "RocketMQ is ready" "$WORK/broker.log" && break; sleep 0.5; done
# One publisher posts at RATE/s: lift the per-connection send limit (default 20/s) that would refuse it.
LIMITS=(--max-send-rate 0)
java -Xmx512m -jar "$JAR" --host 127.0.0.1 --port 18093 --node-id solo --api-key latency-api-key-123456 "${LIMITS[@]}" \
  >"$WORK/solo.log" 2>&1 &
pids+=($!)
for n in a:18091 b:18092; do
  id=${n%%:*}; port=${n##*:}
  java -Xmx512m -jar "$JAR" --host 127.0.0.1 --port "$port" --node-id "$id" --bus rocketmq \
    --namesrv 127.0.0.1:19876 --data-dir "$WORK/$id" --api-key latency-api-key-123456 "${LIMITS[@]}" >"$WORK/$id.log" 2>&1 &
  pids+=($!)
done
for port in 18091 18092 18093; do
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
  curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || {
    echo "the node on port $port is not ready after 60 s; logs in $WORK (a port still held by an earlier run?)" >&2
    exit 1
  }
done
echo "One node, memory bus:"
node scripts/latency.mjs "$COUNT" "$RATE" solo=ws://127.0.0.1:18093/ws
echo "Two nodes, RocketMQ bus:"
node scripts/latency.mjs "$COUNT" "$RATE" "node-a(same-node)=ws://127.0.0.1:18091/ws" "node-b(cross-node)=ws://127.0.0.1:18092/ws"
