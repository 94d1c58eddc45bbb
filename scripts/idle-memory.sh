#!/usr/bin/env bash
# Measures a node's memory per idle, subscribed connection: RSS and heap-after-GC with 0 and with N
# connections, and the difference divided by N. Usage: scripts/idle-memory.sh [N] (default 10000).
# Needs the jar (mvn -B package -DskipTests) and the test npm packages (cd server/src/it/js && npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
PORT=${PORT:-18181}
JAR=server/target/roomcast.jar
ulimit -n 20000 2>/dev/null || true

java -Xmx1g -XX:+UseSerialGC -jar "$JAR" --host 127.0.0.1 --port "$PORT" --heartbeat-send 0 --heartbeat-receive 0 \
  --max-connections-per-user 1 >/tmp/idle-memory-node.log 2>&1 &
NODE_PID=$!
trap 'kill $NODE_PID $CLIENT_PID 2>/dev/null || true' EXIT
CLIENT_PID=
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null && break; sleep 0.2; done

measure() { # prints "rss_kib heap_kib"
  jcmd "$NODE_PID" GC.run >/dev/null
  sleep 1
  local rss heap
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$NODE_PID/status")
  heap=$(jcmd "$NODE_PID" GC.heap_info | awk '/used/ {for (i=1;i<=NF;i++) if ($i=="used") {gsub("K","",$(i+1)); s+=$(i+1)}} END {print s}')
  echo "$rss $heap"
}

# Warm up the code paths with a few connections so class loading isn't counted per connection.
node scripts/idle-memory.mjs "ws://127.0.0.1:$PORT/ws" 200 >/tmp/idle-warm.log &
WARM=$!
for _ in $(seq 1 100); do grep -q ready /tmp/idle-warm.log 2>/dev/null && break; sleep 0.2; done
kill $WARM; sleep 2
read -r RSS0 HEAP0 < <(measure)

node scripts/idle-memory.mjs "ws://127.0.0.1:$PORT/ws" "$N" >/tmp/idle-client.log &
CLIENT_PID=$!
for _ in $(seq 1 600); do grep -q ready /tmp/idle-client.log 2>/dev/null && break; sleep 0.5; done
cat /tmp/idle-client.log
sleep 2
read -r RSS1 HEAP1 < <(measure)
CONN=$(curl -s -H "Authorization: Bearer $(grep -o 'API key.*: [0-9a-f]*' /tmp/idle-memory-node.log | awk '{print $NF}')" \
  "http://127.0.0.1:$PORT/api/nodes" | grep -o '"connections":[0-9]*' | cut -d: -f2)
echo "connections: $CONN"
echo "RSS:  $RSS0 KiB -> $RSS1 KiB  = $(( (RSS1 - RSS0) * 1024 / N )) bytes per connection"
echo "heap: $HEAP0 KiB -> $HEAP1 KiB = $(( (HEAP1 - HEAP0) * 1024 / N )) bytes per connection (after GC)"
