#!/usr/bin/env bash
# The crash drill: a local RocketMQ, three nodes and nginx (deploy/nginx/roomcast.conf) on loopback, N
# stompjs clients through nginx in a few rooms, steady publishing, then kill -9 of one node. Prints the
# verdict (lost / duplicated / out of order per client, resume time after the kill) and exits non-zero if
# anything was lost. Usage: scripts/crash-drill.sh [CLIENTS=300]
# Needs: mvn -B -q package -DskipTests, (cd server/src/it/js && npm ci), and nginx (apt-get install nginx).
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${1:-300}
WORK=$(mktemp -d)
JAR=server/target/roomcast.jar
KEY=drill-api-key-0123456789
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
pids=()
cleanup() {
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

echo "drill: work directory $WORK"
java -jar "$JAR" broker --dir "$WORK/broker" --namesrv-port 19886 --broker-port 20931 >"$WORK/broker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do grep -q "RocketMQ is ready" "$WORK/broker.log" && break; sleep 0.5; done
declare -A NODE_PID
for n in a:18101 b:18102 c:18103; do
  id=drill-${n%%:*}; port=${n##*:}
  java -Xmx512m -jar "$JAR" --host 127.0.0.1 --port "$port" --node-id "$id" --bus rocketmq \
    --namesrv 127.0.0.1:19886 --data-dir "$WORK/$id" --api-key "$KEY" --node-timeout 3s \
    --trusted-proxies 127.0.0.1/32 >"$WORK/$id.log" 2>&1 &
  NODE_PID[$id]=$!
  pids+=($!)
done
for port in 18101 18102 18103; do
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
done

# nginx with the shipped configuration; only the upstream servers and the port differ.
sed -e '/server 127\.0\.0\.1:808[12]/d' \
    -e 's|    keepalive 32;|    server 127.0.0.1:18101 max_fails=1 fail_timeout=10s;\n    server 127.0.0.1:18102 max_fails=1 fail_timeout=10s;\n    server 127.0.0.1:18103 max_fails=1 fail_timeout=10s;\n    keepalive 32;|' \
    -e 's|listen 8080;|listen 127.0.0.1:18100;|' deploy/nginx/roomcast.conf >"$WORK/roomcast.conf"
mkdir -p "$WORK/nginx-logs"
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
error_log $WORK/nginx-logs/error.log warn;
pid $WORK/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx-body; proxy_temp_path $WORK/nginx-proxy;
  fastcgi_temp_path $WORK/nginx-fcgi; uwsgi_temp_path $WORK/nginx-uwsgi; scgi_temp_path $WORK/nginx-scgi;
  include $WORK/roomcast.conf;
}
CONF
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf"
for _ in $(seq 1 40); do curl -sf http://127.0.0.1:18100/health/live >/dev/null && break; sleep 0.25; done

node scripts/drill.mjs --lb ws://127.0.0.1:18100/ws --api http://127.0.0.1:18101 --key "$KEY" \
  --kill-pid "${NODE_PID[drill-c]}" --kill-node drill-c --clients "$CLIENTS"
