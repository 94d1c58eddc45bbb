// Opens N idle STOMP connections to a Roomcast node, each subscribed to one of 100 rooms, and keeps them
// open until it is killed. Prints "ready N" once all are subscribed. Usage: node idle-memory.mjs URL N
import { createRequire } from 'node:module';

// Uses the test tree's npm packages (cd server/src/it/js && npm ci).
const require = createRequire(new URL('../server/src/it/js/package.json', import.meta.url));
const WebSocket = require('ws');

const [url, countArg] = process.argv.slice(2);
const count = Number(countArg);
let ready = 0;
let failed = 0;
const sockets = [];

function open(i) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ['v12.stomp'], { perMessageDeflate: false });
    sockets.push(ws);
    ws.on('open', () => ws.send(`CONNECT\naccept-version:1.2\nhost:x\nlogin:idle${i}\nheart-beat:0,0\n\n\0`));
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('CONNECTED')) {
        ws.send(`SUBSCRIBE\nid:1\ndestination:/topic/room.idle${i % 100}\nreceipt:r\n\n\0`);
      } else if (text.startsWith('RECEIPT')) {
        ready++;
        resolve();
      }
    });
    ws.on('error', () => { failed++; resolve(); });
  });
}

// Open in batches of 200 so the accept queue never overflows.
for (let i = 0; i < count; i += 200) {
  await Promise.all(Array.from({ length: Math.min(200, count - i) }, (_, k) => open(i + k)));
}
console.log(`ready ${ready} failed ${failed}`);
setInterval(() => {}, 1 << 30);
