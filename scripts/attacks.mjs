// Attack figures against one Roomcast node, for comparing builds side by side. Usage:
//   node scripts/attacks.mjs <attack> <port> [jwt-secret]
// Attacks: subscribe-flood, presence-flood, send-190, user-16-connections, xff, token-no-exp, token-expiry,
// header-spoof, big-header-block, one-long-header (token-* need a node with --auth jwt --jwt-secret <secret>).
// Start the node first (java -Xmx256m -jar roomcast.jar --host 127.0.0.1 --port <port> --api-key
// test-api-key-0123456789); run `npm ci` in server/src/it/js once. Prints one JSON line of results on stdout.
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const require = createRequire(new URL('../server/src/it/js/package.json', import.meta.url));
const WebSocket = require('ws');
const { Client } = require('@stomp/stompjs');

const [, , attack, portArg, secret] = process.argv;
const PORT = Number(portArg);
const URL = `ws://127.0.0.1:${PORT}/ws`;
const HTTP = `http://127.0.0.1:${PORT}`;
const API_KEY = 'test-api-key-0123456789';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const r3 = (x) => Math.round(x * 1000) / 1000;

// ---------- JWT ----------
const b64u = (b) => Buffer.from(b).toString('base64url');
function jwt(claims) {
  const h = b64u(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const p = b64u(JSON.stringify(claims));
  const s = crypto.createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${s}`;
}

// ---------- raw STOMP over ws ----------
function frame(command, headers = {}, body = '') {
  let s = command + '\n';
  for (const [k, v] of Object.entries(headers)) s += `${k}:${v}\n`;
  return s + '\n' + body + '\0';
}

function parseFrame(buf) {
  const text = buf.toString('utf8');
  const hdrEnd = text.indexOf('\n\n');
  const head = hdrEnd < 0 ? text : text.slice(0, hdrEnd);
  const lines = head.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const command = lines[0];
  const raw = [];
  const h = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    const k = line.slice(0, i);
    const v = line.slice(i + 1);
    raw.push([k, v]);
    if (!(k in h)) h[k] = v;
  }
  return { command, headers: h, raw, body: hdrEnd < 0 ? '' : text.slice(hdrEnd + 2), bytes: buf.length + 1 };
}

// A raw STOMP connection. c.onFrame(f) is called for every frame after CONNECTED.
function connectRaw({ login, passcode, t0 = now(), localAddress, wsHeaders } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(URL, ['v12.stomp'], { perMessageDeflate: false, localAddress, headers: wsHeaders });
    const c = { ws, t0, errorFrame: null, close: null, connected: null, onFrame: () => {}, rxFrames: 0, rxBytes: 0 };
    let buf = null;
    let settled = false;
    c.send = (data, cb) => ws.send(data, cb);
    c.closedAt = () => (c.close ? c.close.at : null);
    ws.on('open', () => {
      const h = { 'accept-version': '1.2', host: '127.0.0.1', 'heart-beat': '0,0' };
      if (login) h.login = login;
      if (passcode) h.passcode = passcode;
      ws.send(frame('CONNECT', h));
    });
    ws.on('message', (data) => {
      buf = buf && buf.length ? Buffer.concat([buf, data]) : data;
      for (;;) {
        let s = 0;
        while (s < buf.length && (buf[s] === 10 || buf[s] === 13)) s++;
        const nul = buf.indexOf(0, s);
        if (nul < 0) { buf = buf.subarray(s); break; }
        const f = parseFrame(buf.subarray(s, nul));
        buf = buf.subarray(nul + 1);
        c.rxFrames++;
        c.rxBytes += f.bytes;
        if (f.command === 'CONNECTED') { c.connected = f; settled = true; resolve(c); continue; }
        if (f.command === 'ERROR') {
          c.errorFrame = { at: r3((now() - c.t0) / 1000), message: f.headers.message, error: f.headers.error, body: f.body.slice(0, 300) };
          if (!settled) { settled = true; resolve(c); }
          continue;
        }
        c.onFrame(f);
      }
    });
    ws.on('close', (code, reason) => {
      c.close = { at: r3((now() - c.t0) / 1000), code, reason: reason.toString() };
      if (!settled) { settled = true; resolve(c); }
    });
    ws.on('error', (e) => { c.wsError = e.message; if (!settled) { settled = true; reject(e); } });
  });
}

// SUBSCRIBE with a receipt and wait for it (or for a refusal naming the receipt).
function subscribe(c, id, destination, extra = {}) {
  return new Promise((resolve) => {
    const receipt = 'r-' + id;
    const prev = c.onFrame;
    const timer = setTimeout(() => { c.onFrame = prev; resolve({ timeout: true }); }, 5000);
    c.onFrame = (f) => {
      if (f.headers['receipt-id'] === receipt) {
        clearTimeout(timer);
        c.onFrame = prev;
        resolve(f.command === 'RECEIPT' ? { ok: true } : { refused: f.headers.error, message: f.headers.message });
      } else prev(f);
    };
    c.send(frame('SUBSCRIBE', { id, destination, receipt, ...extra }));
  });
}

function closeInfo(c) {
  return { closed: c.close, error: c.errorFrame };
}

function perSecond(arr) { return arr.map((x) => x || 0); }

function bucket(arr, t0) {
  const i = Math.floor((now() - t0) / 1000);
  arr[i] = (arr[i] || 0) + 1;
}

// Pumps batches into the socket as fast as it takes them (keeps at most 256 KiB queued in ws).
function pump(c, makeBatch, perBatch, seconds, t0, onWritten) {
  return new Promise((resolve) => {
    let queued = 0;
    let written = 0;
    const end = t0 + seconds * 1000;
    const step = () => {
      let n = 0;
      while (n++ < 8 && now() < end && c.ws.readyState === 1 && c.ws.bufferedAmount < 256 * 1024) {
        queued += perBatch;
        c.ws.send(makeBatch(), (err) => { if (!err) { written += perBatch; onWritten && onWritten(perBatch); } });
      }
      if (now() >= end || c.ws.readyState !== 1) {
        resolve({ queued, written: () => written });
        return;
      }
      if (c.ws.bufferedAmount >= 256 * 1024) setTimeout(step, 1); else setImmediate(step);
    };
    step();
  });
}

// A room member in its own process (so the attacker's loop doesn't slow its reading): counts MESSAGEs by
// event per second from GO until `seconds` later.
function spawnWatcher(user, destination, seconds) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '_watch', String(PORT), user, destination, String(seconds)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let ready = false;
    const result = new Promise((res) => child.on('exit', () => res(JSON.parse(out.slice(out.indexOf('{'))))));
    child.stdout.on('data', (d) => {
      out += d;
      if (!ready && out.includes('READY\n')) { ready = true; resolve({ go: () => child.stdin.write('GO\n'), result }); }
    });
  });
}

// A refusal's key: its code and the setting its message names, e.g. "rate-limited --max-presence-rate".
function refusalKey(f) {
  const m = /\(--[a-z-]+\)/.exec(f.headers.message || '');
  return f.headers.error + (m ? ' ' + m[0].slice(1, -1) : '');
}

function finish(result) {
  console.log(JSON.stringify(result));
  setTimeout(() => process.exit(0), 100);
}

// ---------- attacks ----------
const attacks = {
  async _watch() {
    const [, , , , user, destination, secs] = process.argv;
    const c = await connectRaw({ login: user });
    await subscribe(c, 'w', destination);
    const byEvent = {};
    const perSec = [];
    let t0 = null;
    c.onFrame = (f) => {
      if (t0 === null) return;
      const ev = f.headers.event || f.command;
      byEvent[ev] = (byEvent[ev] || 0) + 1;
      bucket(perSec, t0);
    };
    process.stdout.write('READY\n');
    process.stdin.once('data', async () => {
      t0 = now();
      c.t0 = t0;
      await sleep(Number(secs) * 1000);
      finish({ byEvent, perSecBuckets: perSecond(perSec), ...closeInfo(c) });
    });
  },

  async 'subscribe-flood'() {
    const member = await spawnWatcher('member', '/topic/room.flood', 12);
    const attacker = await connectRaw({ login: 'attacker' });
    const refusals = {};
    let attackerRx = 0;
    attacker.onFrame = (f) => {
      attackerRx++;
      if (f.headers.event === 'error') refusals[refusalKey(f)] = (refusals[refusalKey(f)] || 0) + 1;
    };
    const t0 = now();
    attacker.t0 = t0;
    member.go();
    let k = 0;
    const sentPerSec = [];
    const batch = () => {
      let s = '';
      for (let i = 0; i < 100; i++, k++) {
        s += `SUBSCRIBE\nid:f${k}\ndestination:/topic/room.flood\n\n\0UNSUBSCRIBE\nid:f${k}\n\n\0`;
      }
      return s;
    };
    const p = await pump(attacker, batch, 100, 10, t0, (n) => { const i = Math.floor((now() - t0) / 1000); sentPerSec[i] = (sentPerSec[i] || 0) + n; });
    const stopAt = now();
    // the member counts for 12 s from the start (10 s of attack, 2 s for what is in flight)
    const m = await member.result;
    const dur = (stopAt - t0) / 1000;
    const total = (m.byEvent.join || 0) + (m.byEvent.leave || 0);
    finish({
      attack: 'subscribe-flood',
      pairsQueued: p.queued, pairsWritten: p.written(), attackSeconds: r3(dur),
      pairsWrittenPerSec: Math.round(p.written() / dur), pairsWrittenPerSecBuckets: perSecond(sentPerSec),
      memberEvents: m.byEvent, memberEventsTotal: total, memberEventsPerSecFirst10s: Math.round(m.perSecBuckets.slice(0, 10).reduce((a, b) => a + b, 0) / 10), memberEventsPerSecBuckets: m.perSecBuckets,
      attackerFramesReceived: attackerRx, attackerRefusals: refusals,
      attacker: closeInfo(attacker), member: { closed: m.closed, error: m.error },
    });
  },

  async 'presence-flood'() {
    const a = await connectRaw({ login: 'pflood' });
    const sub = await subscribe(a, 'room', '/topic/room.p');
    const answers = [];
    const answerBytes = [];
    let nAnswers = 0, nBytes = 0;
    const refusals = {};
    let t0 = now();
    a.onFrame = (f) => {
      if (f.headers.event === 'presence') {
        nAnswers++; nBytes += f.bytes; bucket(answers, t0);
        const i = Math.floor((now() - t0) / 1000); answerBytes[i] = (answerBytes[i] || 0) + f.bytes;
      } else if (f.headers.event === 'error') refusals[refusalKey(f)] = (refusals[refusalKey(f)] || 0) + 1;
    };
    t0 = now();
    a.t0 = t0;
    let q = 0;
    const batch = () => {
      let s = '';
      for (let i = 0; i < 100; i++) s += `SUBSCRIBE\nid:q${q++}\ndestination:/app/presence.p\n\n\0`;
      return s;
    };
    const p = await pump(a, batch, 100, 10, t0);
    const stopAt = now();
    await sleep(Math.max(0, t0 + 10000 - now()) + 1000);
    const dur = (stopAt - t0) / 1000;
    finish({
      attack: 'presence-flood', join: sub,
      queriesQueued: p.queued, queriesWritten: p.written(), attackSeconds: r3(dur),
      answers: nAnswers, answersPerSec: Math.round(nAnswers / 10), answerBytes: nBytes,
      answerBytesPerSec: Math.round(nBytes / 10), answersPerSecBuckets: perSecond(answers),
      refusals, attacker: closeInfo(a),
    });
  },

  async 'send-190'() {
    const a = await connectRaw({ login: 'sender' });
    const sub = await subscribe(a, 'room', '/topic/room.s');
    const refusals = {};
    let delivered = 0;
    let firstRefusalAt = null;
    let t0 = now();
    a.onFrame = (f) => {
      if (f.headers.event === 'error') {
        refusals[f.headers.error] = (refusals[f.headers.error] || 0) + 1;
        if (firstRefusalAt === null) firstRefusalAt = r3((now() - t0) / 1000);
      } else if (f.headers.event === 'message') delivered++;
    };
    t0 = now();
    a.t0 = t0;
    let sent = 0;
    await new Promise((resolve) => {
      const iv = setInterval(() => {
        const el = now() - t0;
        if (el >= 10000 || a.ws.readyState !== 1) { clearInterval(iv); resolve(); return; }
        const target = Math.floor(el * 0.19) + 1;
        while (sent < target) { a.send(frame('SEND', { destination: '/app/room.s', 'content-type': 'text/plain' }, 'm' + sent)); sent++; }
      }, 5);
    });
    const stopAt = now();
    await sleep(Math.max(0, t0 + 10000 - now()) + 1000);
    finish({
      attack: 'send-190', join: sub, sent, sendSeconds: r3((stopAt - t0) / 1000),
      sentPerSec: Math.round(sent / ((stopAt - t0) / 1000)),
      deliveredBackToSender: delivered, refusals, firstRefusalAt, sender: closeInfo(a),
    });
  },

  async 'user-16-connections'() {
    const watch = await connectRaw({ login: 'watcher' });
    await subscribe(watch, 'room', '/topic/room.u');
    const got = [];
    let gotTotal = 0;
    let t0 = now();
    watch.onFrame = (f) => { if (f.headers.event === 'message') { gotTotal++; bucket(got, t0); } };
    const conns = [];
    for (let i = 0; i < 16; i++) {
      const c = await connectRaw({ login: 'u16' });
      if (c.errorFrame || c.close) { conns.push(c); continue; }
      c.join = await subscribe(c, 'room', '/topic/room.u');
      c.refusals = {};
      c.onFrame = (f) => { if (f.headers.event === 'error') c.refusals[f.headers.error] = (c.refusals[f.headers.error] || 0) + 1; };
      conns.push(c);
    }
    t0 = now();
    for (const c of conns) c.t0 = t0;
    watch.t0 = t0;
    let sent = 0;
    await new Promise((resolve) => {
      const counts = conns.map(() => 0);
      const iv = setInterval(() => {
        const el = now() - t0;
        if (el >= 10000) { clearInterval(iv); resolve(); return; }
        const target = Math.floor(el * 0.02) + 1;
        conns.forEach((c, i) => {
          while (counts[i] < target) {
            if (c.ws.readyState === 1) { c.send(frame('SEND', { destination: '/app/room.u' }, `c${i}-${counts[i]}`)); sent++; }
            counts[i]++;
          }
        });
      }, 5);
    });
    await sleep(1000);
    const refusals = {};
    for (const c of conns) for (const [k, v] of Object.entries(c.refusals || {})) refusals[k] = (refusals[k] || 0) + v;
    const closes = conns.filter((c) => c.close).map((c) => ({ at: c.close.at, code: c.close.code, error: c.errorFrame && c.errorFrame.error, message: c.errorFrame && c.errorFrame.message }));
    finish({
      attack: 'user-16-connections', connections: conns.length,
      connectedOk: conns.filter((c) => c.connected).length,
      sendsWritten: sent, roomMessagesReceived: gotTotal, roomMessagesPerSec: Math.round(gotTotal / 10),
      roomMessagesPerSecBuckets: perSecond(got), refusals,
      closedConnections: closes.length, closes: closes.sort((a, b) => a.at - b.at),
      watcher: closeInfo(watch),
    });
  },

  async xff() {
    const N = 1500;
    const t0 = now();
    const statuses = {};
    let accepted = 0, refused = 0, errors = 0, lastAt = 0;
    const open = [];
    let inflight = 0, next = 0;
    await new Promise((resolve) => {
      const done = () => {
        inflight--;
        lastAt = now();
        if (accepted + refused + errors === N) resolve(); else launch();
      };
      const launch = () => {
        while (inflight < 64 && next < N) {
          const i = next++;
          inflight++;
          const xff = `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`;
          const ws = new WebSocket(URL, ['v12.stomp'], { perMessageDeflate: false, headers: { 'X-Forwarded-For': xff } });
          let settled = false;
          ws.on('open', () => { if (settled) return; settled = true; accepted++; open.push(ws); statuses[101] = (statuses[101] || 0) + 1; done(); });
          ws.on('unexpected-response', (req, res) => {
            if (settled) return; settled = true; refused++;
            statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
            let body = '';
            res.on('data', (d) => { body += d; });
            res.on('end', () => { if (!statuses.firstRefusalBody) statuses.firstRefusalBody = body.slice(0, 200); req.destroy(); });
            done();
          });
          ws.on('error', (e) => { if (settled) return; settled = true; errors++; statuses[e.code || e.message] = (statuses[e.code || e.message] || 0) + 1; done(); });
        }
      };
      launch();
    });
    const seconds = r3((lastAt - t0) / 1000);
    await sleep(300);
    for (const ws of open) ws.terminate();
    finish({ attack: 'xff', upgrades: N, accepted, refused, errors, seconds, statuses, concurrency: 64 });
  },

  async 'token-no-exp'() {
    const token = jwt({ sub: 'noexp', rooms: ['*'] });
    const c = await connectRaw({ passcode: token });
    const res = { attack: 'token-no-exp', accepted: !!c.connected };
    if (c.connected) {
      res.connected = c.connected.headers;
      res.join = await subscribe(c, 'room', '/topic/room.t');
      c.ws.close();
    } else Object.assign(res, closeInfo(c));
    await sleep(300);
    finish(res);
  },

  async 'token-expiry'() {
    const expSec = Math.floor(Date.now() / 1000) + 2;
    const expMs = expSec * 1000;
    const token = jwt({ sub: 'expiring', exp: expSec, rooms: ['*'] });
    const c = await connectRaw({ passcode: token });
    if (!c.connected) { finish({ attack: 'token-expiry', accepted: false, ...closeInfo(c) }); return; }
    const sub = await subscribe(c, 'me', '/user/queue/messages');
    const rx = [];
    c.onFrame = (f) => { if (f.headers.event === 'direct') rx.push(Date.now() - expMs); };
    let closeWall = null;
    c.ws.on('close', () => { closeWall = Date.now() - expMs; });
    const start = Date.now();
    const posts = { ok: 0, failed: 0, statuses: {} };
    while (Date.now() - start < 15000) {
      try {
        const r = await fetch(`${HTTP}/api/users/expiring/messages`, {
          method: 'POST', headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ data: 'x' }),
        });
        await r.text();
        posts.statuses[r.status] = (posts.statuses[r.status] || 0) + 1;
        if (r.ok) posts.ok++; else posts.failed++;
      } catch (e) { posts.failed++; }
      await sleep(500);
    }
    const after = rx.filter((t) => t > 0);
    finish({
      attack: 'token-expiry', postsStartMsBeforeExp: expMs - start, subscribe: sub, posts,
      received: rx.length, receivedAfterExp: after.length,
      lastReceivedMsAfterExp: rx.length ? rx[rx.length - 1] : null,
      closedMsAfterExp: closeWall, close: c.close, error: c.errorFrame,
      stillOpenAtEnd: c.ws.readyState === 1,
    });
  },

  async 'header-spoof'() {
    Object.assign(globalThis, { WebSocket });
    const received = [];
    const stomp = await new Promise((resolve, reject) => {
      const client = new Client({
        brokerURL: URL, connectHeaders: { login: 'hreader' }, reconnectDelay: 0,
        heartbeatIncoming: 0, heartbeatOutgoing: 0,
        onConnect: () => resolve(client), onStompError: (f) => reject(new Error(f.headers.message)),
      });
      client.activate();
    });
    await new Promise((resolve) => {
      stomp.watchForReceipt('rr', resolve);
      stomp.subscribe('/topic/room.h', (m) => received.push({ body: m.body, user: m.headers.user, 'receipt-id': m.headers['receipt-id'], from: m.headers.from, event: m.headers.event, headerNames: Object.keys(m.headers) }), { receipt: 'rr' });
    });
    const s = await connectRaw({ login: 'hsender' });
    await subscribe(s, 'room', '/topic/room.h');
    await subscribe(s, 'err', '/user/queue/errors');
    const senderGot = [];
    s.onFrame = (f) => senderGot.push({ command: f.command, event: f.headers.event, error: f.headers.error, message: f.headers.message, body: f.body.slice(0, 60), rawHeaders: f.raw.filter(([k]) => !['message-id', 'subscription', 'position', 'destination', 'content-type', 'content-length'].includes(k)) });
    s.send('SEND\ndestination:/app/room.h\nuser :x\n\nspoof-user\0');
    s.send('SEND\ndestination:/app/room.h\nreceipt-id:x\n\nspoof-receipt-id\0');
    s.send('SEND\ndestination:/app/room.h\n\nplain\0');
    await sleep(2000);
    finish({
      attack: 'header-spoof',
      stompjsReaderReceived: received.filter((m) => m.event === 'message'),
      senderReceived: senderGot, sender: closeInfo(s),
    });
  },

  async 'big-header-block'() {
    const other = await connectRaw({ login: 'bother' });
    await subscribe(other, 'room', '/topic/room.b');
    const otherGot = [];
    other.onFrame = (f) => { if (f.headers.event === 'message') otherGot.push({ body: f.body, frameBytes: f.bytes, headers: f.raw.length }); };
    const results = {};
    // A: 30 headers of 4096-byte lines (each under --max-header-length 4096); B: one 120 KiB header
    const variants = {
      manyHeaders: () => { let h = 'SEND\ndestination:/app/room.b\n'; for (let i = 0; i < 30; i++) { const n = `x-pad-${String(i).padStart(2, '0')}:`; h += n + 'a'.repeat(4096 - n.length) + '\n'; } return h + '\nbig-many\0'; },
      oneLongHeader: () => 'SEND\ndestination:/app/room.b\nx-pad:' + 'a'.repeat(120 * 1024) + '\n\nbig-one\0',
    };
    for (const [name, make] of Object.entries(variants)) {
      const s = await connectRaw({ login: 'bsender-' + name });
      await subscribe(s, 'room', '/topic/room.b');
      await subscribe(s, 'err', '/user/queue/errors');
      const got = [];
      s.onFrame = (f) => got.push({ command: f.command, event: f.headers.event, error: f.headers.error, message: f.headers.message, frameBytes: f.bytes });
      const data = make();
      const before = otherGot.length;
      s.t0 = now();
      s.send(data);
      await sleep(2000);
      results[name] = {
        wsMessageBytes: Buffer.byteLength(data), otherReceived: otherGot.slice(before).map((m) => ({ body: m.body, frameBytes: m.frameBytes, headers: m.headers })),
        senderGot: got, sender: closeInfo(s),
      };
      if (s.ws.readyState === 1) s.ws.close();
    }
    finish({ attack: 'big-header-block', ...results, other: closeInfo(other) });
  },
};

if (!attacks[attack]) { console.error('attacks: ' + Object.keys(attacks).join(', ')); process.exit(2); }
const watchdog = setTimeout(() => { console.log(JSON.stringify({ attack, error: 'watchdog: 40 s' })); process.exit(1); }, 40000);
watchdog.unref();
attacks[attack]().catch((e) => { console.log(JSON.stringify({ attack, error: String(e && e.stack || e) })); process.exit(1); });
