// Publish-to-deliver latency. A publisher on the first node posts COUNT messages at RATE/s into one room
// (after a warm-up of the same length at the same rate); a listener on each given node records how long each
// message took (the body carries its send time). Prints p50/p90/p99/max per listener.
// Usage: node scripts/latency.mjs COUNT RATE LABEL=WS_URL [LABEL=WS_URL ...]   (the first URL publishes)
import { createRequire } from 'node:module';

const require = createRequire(new URL('../server/src/it/js/package.json', import.meta.url));
const { Client } = require('@stomp/stompjs');
Object.assign(globalThis, { WebSocket: require('ws') });

const [countArg, rateArg, ...targets] = process.argv.slice(2);
const count = Number(countArg);
const rate = Number(rateArg);
const room = 'latency-' + Date.now();
const listeners = targets.map((t) => ({ label: t.split('=')[0], url: t.slice(t.indexOf('=') + 1) }));
const now = () => performance.timeOrigin + performance.now();

function connect(url, user) {
  return new Promise((resolve, reject) => {
    let connected = false;
    const client = new Client({ brokerURL: url, connectHeaders: { login: user }, reconnectDelay: 0,
      onConnect: () => { connected = true; resolve(client); },
      onStompError: (f) => {
        if (!connected) return reject(new Error(f.headers.message));
        console.error(`${user} got an ERROR frame: ${f.headers.message}`); // e.g. a send limit: say so, don't hang
        process.exit(1);
      } });
    client.activate();
  });
}

function listen(client) {
  const samples = [];
  return new Promise((resolve) => {
    client.subscribe('/topic/room.' + room, (m) => {
      if (m.headers.event !== 'message' || m.body.startsWith('w')) return;
      samples.push(now() - Number(m.body));
      if (samples.length === count) resolve(samples);
    });
  });
}

function summary(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(2);
  return `p50 ${q(0.5)} ms  p90 ${q(0.9)} ms  p99 ${q(0.99)} ms  max ${s[s.length - 1].toFixed(2)} ms`;
}

async function publishAtRate(client, n, body) {
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    client.publish({ destination: '/app/room.' + room, body: body() });
  }
}

const publisher = await connect(listeners[0].url, 'latency-publisher');
publisher.subscribe('/topic/room.' + room, () => {});
const results = [];
for (const l of listeners) {
  results.push(listen(await connect(l.url, 'listener-' + l.label)));
}
await new Promise((r) => setTimeout(r, 2000)); // joins and presence settle
await publishAtRate(publisher, count, () => 'w'); // warm-up: JIT, connections, consumer pulls
await publishAtRate(publisher, count, () => String(now()));
const deadline = setTimeout(() => { // bounded: never wait forever on messages that won't come
  console.error('not every message arrived within 30 s of the last send');
  process.exit(1);
}, 30_000);
const samples = await Promise.all(results);
clearTimeout(deadline);
console.log(`${count} messages at ${rate}/s into one room (after as many for warm-up), published on ${listeners[0].label}`);
listeners.forEach((l, i) => console.log(`  delivered on ${l.label.padEnd(22)} ${summary(samples[i])}`));
process.exit(0);
