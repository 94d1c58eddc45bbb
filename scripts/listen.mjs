// A tiny STOMP listener for the README tour: joins a room as a user and prints everything it receives.
// Usage: node scripts/listen.mjs [room] [user] [url]   (defaults: lobby alice ws://localhost:8080/ws)
import { createRequire } from 'node:module';

// Uses the test tree's npm packages (cd server/src/it/js && npm ci).
const require = createRequire(new URL('../server/src/it/js/package.json', import.meta.url));
const { Client } = require('@stomp/stompjs');
Object.assign(globalThis, { WebSocket: require('ws') });

const [room = 'lobby', user = 'alice', url = 'ws://localhost:8080/ws'] = process.argv.slice(2);
const show = (m) => console.log(`${m.headers.destination} event=${m.headers.event}`
  + (m.headers.from ? ` from=${m.headers.from}` : '') + (m.headers.user ? ` user=${m.headers.user}` : '')
  + ` position=${m.headers.position}${m.body ? ': ' + m.body : ''}`);

const client = new Client({
  brokerURL: url,
  connectHeaders: { login: user },
  onConnect: (frame) => {
    console.log(`connected as ${frame.headers['user-name']} to node ${frame.headers.node}`);
    client.subscribe(`/topic/room.${room}`, show);
    client.subscribe('/user/queue/messages', show);
    client.subscribe('/topic/broadcast', show);
    client.subscribe('/user/queue/errors', (m) => console.log(`refused: ${m.body}`));
  },
  onStompError: (frame) => console.log(`error: ${frame.headers.message}`),
});
client.activate();
