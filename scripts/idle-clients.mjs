// Many idle clients at once: how many the node closes, and under which reason.
//
// Opens N idle STOMP 1.2 clients with `ws` from 16 loopback source addresses, CONNECTs each as user idle<i>,
// subscribes each to /topic/room.r<floor(i/roomSize)> and then just reads. Counts connections the server closed
// (close code and reason), with the last frames each one received, then prints the node's disconnect metrics.
//
//   node scripts/idle-repro.mjs [--n 15000] [--room-size 10] [--single-room] [--hold 20]
//        [--url ws://127.0.0.1:18080/ws] [--metrics http://127.0.0.1:18080/metrics] [--addrs 16]
//        [--batch 0] [--heart-beat 0,0]
//
// --single-room puts every client in room r0 (the "1000 subscribers of one room" variant).
// --batch K opens K connections per event-loop turn (0: all at once). The `ws` package is resolved from
// server/src/it/js/node_modules (run `npm ci` there first).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../server/src/it/js/package.json'));
const WebSocket = require('ws');

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']);
    return acc;
}, []));
const N = Number(args.n ?? 15000);
const ROOM_SIZE = Number(args['room-size'] ?? 10);
const SINGLE_ROOM = args['single-room'] === 'true';
const HOLD = Number(args.hold ?? 20) * 1000;
const URL = args.url ?? 'ws://127.0.0.1:18080/ws';
const METRICS = args.metrics ?? 'http://127.0.0.1:18080/metrics';
const ADDRS = Number(args.addrs ?? 16);
const BATCH = Number(args.batch ?? 0);
const HEART_BEAT = args['heart-beat'] ?? '0,0';
// --drop-every K: every K-th client (i % K == K-1) destroys its own socket right after SUBSCRIBE, as a crashed or
// reset client would; it is left out of the "healthy" counts. 0: none.
const DROP_EVERY = Number(args['drop-every'] ?? 0);

const t0 = Date.now();
console.log(`start at ${new Date(t0).toISOString()}`);
const conns = [];
let opened = 0, connected = 0, subscribedJoins = 0, clientErrors = 0;

function summarizeFrame(data) {
    const s = data.toString();
    if (s === '\n') return 'HEARTBEAT';
    const [head] = s.split('\n\n');
    const lines = head.split('\n');
    const h = Object.fromEntries(lines.slice(1).map(l => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
    return [lines[0], h.event && `event=${h.event}`, h.user && `user=${h.user}`, h.message && `message=${h.message}`]
        .filter(Boolean).join(' ');
}

function open(i) {
    const c = { i, user: `idle${i}`, frames: 0, joins: 0, last: [], close: null, openAt: 0, error: null };
    conns[i] = c;
    const room = SINGLE_ROOM ? 'r0' : `r${Math.floor(i / ROOM_SIZE)}`;
    const ws = new WebSocket(URL, 'v12.stomp', { localAddress: `127.0.0.${2 + (i % ADDRS)}`, perMessageDeflate: false });
    c.ws = ws;
    ws.on('open', () => {
        opened++;
        c.openAt = Date.now() - t0;
        ws.send(`CONNECT\naccept-version:1.2\nhost:127.0.0.1\nlogin:${c.user}\nheart-beat:${HEART_BEAT}\n\n\0`);
    });
    ws.on('message', data => {
        c.frames++;
        const f = summarizeFrame(data);
        c.last.push(f);
        if (c.last.length > 4) c.last.shift();
        if (f.startsWith('CONNECTED')) {
            connected++;
            ws.send(`SUBSCRIBE\nid:sub-0\ndestination:/topic/room.${room}\n\n\0`);
            if (DROP_EVERY > 0 && i % DROP_EVERY === DROP_EVERY - 1) {
                c.dropped = true;
                setImmediate(() => ws.terminate());
            }
        } else if (f.includes('event=join')) {
            c.joins++;
            subscribedJoins++;
        }
    });
    ws.on('error', e => { c.error = e.code || e.message; clientErrors++; });
    ws.on('close', (code, reason) => {
        c.close = { code, reason: reason.toString(), at: Date.now() - t0 };
    });
}

async function main() {
    if (BATCH <= 0) {
        for (let i = 0; i < N; i++) open(i);
    } else {
        for (let i = 0; i < N; i += BATCH) {
            for (let j = i; j < Math.min(N, i + BATCH); j++) open(j);
            await new Promise(r => setImmediate(r));
        }
    }
    const progress = setInterval(() => {
        const closed = conns.filter(c => c && c.close).length;
        console.log(`t=${((Date.now() - t0) / 1000).toFixed(1)}s opened=${opened} connected=${connected} `
            + `joins=${subscribedJoins} closed=${closed} errors=${clientErrors}`);
    }, 2000);
    await new Promise(r => setTimeout(r, HOLD));
    clearInterval(progress);

    const closed = conns.filter(c => c.close && !c.dropped);
    const dropped = conns.filter(c => c.dropped).length;
    const byCode = {};
    for (const c of closed) {
        const k = `${c.close.code} ${c.close.reason}`;
        byCode[k] = (byCode[k] || 0) + 1;
    }
    const neverOpened = conns.filter(c => !c.openAt && !c.close).length;
    console.log(`\n=== N=${N} roomSize=${SINGLE_ROOM ? 'all in r0' : ROOM_SIZE} opened=${opened} connected=${connected}`
        + ` dropped-by-this-script=${dropped} healthy-closed-by-server-or-network=${closed.length} client-errors=${clientErrors} still-connecting=${neverOpened}`);
    console.log('close code/reason counts:', JSON.stringify(byCode, null, 1));
    const sample = closed.sort((a, b) => a.close.at - b.close.at).slice(0, 12);
    for (const c of sample) {
        console.log(`  ${c.user} closed at ${c.close.at} ms (opened ${c.openAt} ms) code=${c.close.code}`
            + ` frames=${c.frames} joins=${c.joins} err=${c.error} last=${JSON.stringify(c.last)}`);
    }
    const errs = {};
    for (const c of conns) if (c.error) errs[c.error] = (errs[c.error] || 0) + 1;
    console.log('client errors:', JSON.stringify(errs));
    try {
        const m = await (await fetch(METRICS)).text();
        console.log(m.split('\n').filter(l => /roomcast_disconnects_total|roomcast_connections|dropped/.test(l)
            && !l.startsWith('#')).join('\n'));
    } catch (e) {
        console.log('metrics unavailable:', e.message);
    }
    console.log(`terminating all client sockets at ${new Date().toISOString()}`);
    for (const c of conns) c.ws.terminate();
    setTimeout(() => process.exit(0), 500);
}

main();
