// The crash drill's clients and verdict. N stompjs clients connect through the load balancer, each in one of
// R rooms and on its own user queue; messages are published steadily through node A's HTTP API; after a
// while the node named by --kill-pid gets SIGKILL. Clients follow the client contract: keep the last
// position per subscription, reconnect with backoff and jitter, resubscribe with `since`.
// The verdict counts, per client, what was published, received, lost, duplicated and out of order, and the
// time from the kill until each affected client had resumed. Exit code 0 only if nothing was lost.
//
// Usage: node scripts/drill.mjs --lb ws://127.0.0.1:8080/ws --api http://127.0.0.1:8081 --key KEY
//          --kill-pid PID --kill-node NODE_ID [--clients 300] [--rooms 6] [--seconds 12] [--kill-after 4]
import { createRequire } from 'node:module';

const require = createRequire(new URL('../server/src/it/js/package.json', import.meta.url));
const { Client } = require('@stomp/stompjs');
Object.assign(globalThis, { WebSocket: require('ws') });

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, v, i, all) =>
  (v.startsWith('--') ? [...pairs, [v.slice(2), all[i + 1]]] : pairs), []));
const clients = Number(args.clients ?? 300);
const rooms = Number(args.rooms ?? 6);
const seconds = Number(args.seconds ?? 12);
const killAfter = Number(args['kill-after'] ?? 4);
const run = 'drill' + Date.now().toString(36);

const sentRooms = Array.from({ length: rooms }, () => []);
const sentUsers = new Map();
let killedAt = null;

function makeClient(i) {
  const user = `${run}-u${i}`;
  const state = { user, room: i % rooms, last: {}, got: { room: [], me: [] }, node: null, nodes: [],
    resumedAt: null, dropped: false, notRecovered: 0, attempt: 0 };
  const client = new Client({
    brokerURL: args.lb,
    connectHeaders: { login: user },
    heartbeatIncoming: 10000,
    heartbeatOutgoing: 10000,
    reconnectDelay: 500,
    beforeConnect: () => {
      // exponential backoff with jitter: 0.5 s, 1 s, 2 s ... capped at 8 s, each +-50 %
      const base = Math.min(8000, 500 * 2 ** state.attempt);
      client.reconnectDelay = Math.round(base * (0.5 + Math.random()));
      state.attempt++;
    },
    onConnect: (frame) => {
      state.attempt = 0;
      state.node = frame.headers.node;
      state.nodes.push(state.node);
      subscribe(client, state, 'room', `/topic/room.${run}-r${state.room}`);
      subscribe(client, state, 'me', '/user/queue/messages');
    },
    onWebSocketClose: () => { if (killedAt) state.dropped = true; },
  });
  client.activate();
  state.client = client;
  return state;
}

function subscribe(client, state, key, destination) {
  const headers = { id: key, receipt: `${key}-${Date.now()}` };
  if (state.last[key]) headers.since = state.last[key];
  client.watchForReceipt(headers.receipt, (r) => { if (!state.last[key]) state.last[key] = r.headers.position; });
  client.subscribe(destination, (m) => {
    if (m.headers.event === 'recovery') {
      if (m.headers.recovered !== 'true') state.notRecovered++;
      if (state.dropped && !state.resumedAt) state.resumedAt = Date.now();
      return;
    }
    state.last[key] = m.headers.position;
    if (m.headers.event === 'message' || m.headers.event === 'direct') state.got[key].push(m.body);
  }, headers);
}

async function post(path, data) {
  const r = await fetch(args.api + path, { method: 'POST', body: JSON.stringify({ data }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${args.key}` } });
  return r.status === 200;
}

function check(got, sent) {
  const seen = new Map();
  let dup = 0;
  let order = 0;
  let lastIndex = -1;
  const index = new Map(sent.map((s, i) => [s, i]));
  for (const b of got) {
    if (seen.has(b)) dup++;
    seen.set(b, true);
    const i = index.get(b);
    if (i !== undefined) { if (i < lastIndex) order++; lastIndex = Math.max(lastIndex, i); }
  }
  const lost = sent.filter((s) => !seen.has(s)).length;
  return { lost, dup, order };
}

const states = Array.from({ length: clients }, (_, i) => makeClient(i));
const deadline = Date.now() + 30000;
while (states.some((s) => !s.last.room || !s.last.me) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
console.log(`${clients} clients connected and subscribed; ${states.filter((s) => s.node === args['kill-node']).length} on ${args['kill-node']}`);

const start = Date.now();
let n = 0;
while (Date.now() - start < seconds * 1000) {
  if (!killedAt && Date.now() - start > killAfter * 1000) {
    process.kill(Number(args['kill-pid']), 'SIGKILL');
    killedAt = Date.now();
    console.log(`kill -9 ${args['kill-pid']} (${args['kill-node']}) at ${((killedAt - start) / 1000).toFixed(1)} s`);
  }
  const room = n % rooms;
  if (await post(`/api/rooms/${run}-r${room}/messages`, `m${n}`)) sentRooms[room].push(`m${n}`);
  if (n % 3 === 0) {
    const user = `${run}-u${(n / 3) % clients}`;
    if (await post(`/api/users/${user}/messages`, `d${n}`)) {
      if (!sentUsers.has(user)) sentUsers.set(user, []);
      sentUsers.get(user).push(`d${n}`);
    }
  }
  n++;
  await new Promise((r) => setTimeout(r, 5));
}
const settle = Date.now() + 20000;
const complete = (s) => s.got.room.length >= sentRooms[s.room].length && s.got.me.length >= (sentUsers.get(s.user) ?? []).length;
while (!states.every(complete) && Date.now() < settle) await new Promise((r) => setTimeout(r, 100));

let published = 0;
let received = 0;
let lost = 0;
let dup = 0;
let order = 0;
let notRecovered = 0;
for (const s of states) {
  const expectRoom = sentRooms[s.room];
  const expectMe = sentUsers.get(s.user) ?? [];
  const a = check(s.got.room, expectRoom);
  const b = check(s.got.me, expectMe);
  published += expectRoom.length + expectMe.length;
  received += s.got.room.length + s.got.me.length;
  lost += a.lost + b.lost;
  dup += a.dup + b.dup;
  order += a.order + b.order;
  notRecovered += s.notRecovered;
  if (a.lost + b.lost + a.dup + b.dup + a.order + b.order > 0) {
    console.log(`  ${s.user} on ${s.nodes.join(' -> ')}: lost ${a.lost + b.lost}, duplicated ${a.dup + b.dup}, out of order ${a.order + b.order}`);
  }
}
const affected = states.filter((s) => s.nodes[0] === args['kill-node']);
const times = affected.filter((s) => s.resumedAt).map((s) => s.resumedAt - killedAt).sort((x, y) => x - y);
const q = (p) => (times.length ? times[Math.min(times.length - 1, Math.floor(p * times.length))] : NaN);
console.log(`verdict: ${clients} clients, ${published} deliveries expected, ${received} received, `
  + `${lost} lost, ${dup} duplicated, ${order} out of order, ${notRecovered} resumes not recovered`);
console.log(`resume after kill -9: ${times.length}/${affected.length} affected clients resumed; `
  + `p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${times.length ? times[times.length - 1] : NaN} ms`);
const ok = lost === 0 && dup === 0 && order === 0 && notRecovered === 0 && times.length === affected.length;
console.log(ok ? 'PASS: no message lost, duplicated or out of order' : 'FAIL');
states.forEach((s) => s.client.deactivate());
process.exit(ok ? 0 : 1);
