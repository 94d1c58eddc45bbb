// Two users chat and whisper in a room through a real Roomcast node, using @stomp/stompjs as any
// JavaScript app would. Usage: node chat.mjs ws://127.0.0.1:PORT/ws
// Prints one line per check and exits non-zero on the first failure or after 20 s.
import { Client } from '@stomp/stompjs';
import WebSocket from 'ws';

Object.assign(globalThis, { WebSocket });

const url = process.argv[2];
const room = 'js-' + Date.now();
const deadline = setTimeout(() => fail('timed out after 20 s'), 20000);

function fail(why) {
  console.error('FAIL: ' + why);
  process.exit(1);
}

function check(cond, what) {
  if (!cond) fail(what);
  console.log('ok - ' + what);
}

function connect(user) {
  return new Promise((resolve, reject) => {
    const client = new Client({
      brokerURL: url,
      connectHeaders: { login: user },
      reconnectDelay: 0,
      heartbeatIncoming: 10000,
      heartbeatOutgoing: 10000,
      onConnect: (frame) => resolve({ client, frame }),
      onStompError: (frame) => reject(new Error(frame.headers.message)),
      onWebSocketError: (e) => reject(new Error('websocket error ' + e.message)),
    });
    client.activate();
  });
}

// Subscribes and waits for the server's RECEIPT, so that what happens next is seen by this subscription.
async function inbox(client, destination, headers = {}) {
  const messages = [];
  const waiters = [];
  const receipt = 'r-' + Math.random().toString(36).slice(2);
  const subscribed = new Promise((resolve) => client.watchForReceipt(receipt, resolve));
  const sub = client.subscribe(destination, (m) => {
    messages.push(m);
    waiters.splice(0).forEach((w) => w());
  }, { ...headers, receipt });
  await subscribed;
  return {
    messages,
    sub,
    async waitFor(pred, what) {
      for (let i = 0; i < 200; i++) {
        const found = messages.find(pred);
        if (found) return found;
        await new Promise((r) => { waiters.push(r); setTimeout(r, 100); });
      }
      fail('never received ' + what);
    },
  };
}

const alice = await connect('alice');
const bob = await connect('bob');
check(alice.frame.headers['user-name'] === 'alice', 'CONNECTED names the user');
check(alice.frame.headers.session && alice.frame.headers.node, 'CONNECTED carries session and node');

const aliceRoom = await inbox(alice.client, '/topic/room.' + room);
const bobRoom = await inbox(bob.client, '/topic/room.' + room);
const bobMe = await inbox(bob.client, '/user/queue/messages');
const aliceErrors = await inbox(alice.client, '/user/queue/errors');

await aliceRoom.waitFor((m) => m.headers.event === 'join' && m.headers.user === 'bob', 'bob joining');

alice.client.publish({ destination: '/app/room.' + room, body: 'hello from alice' });
const got = await bobRoom.waitFor((m) => m.headers.event === 'message', 'alice\'s room message');
check(got.body === 'hello from alice' && got.headers.from === 'alice', 'bob gets alice\'s room message');
check(typeof got.headers.position === 'string' && got.headers.position.length > 0, 'room message has a position');

alice.client.publish({ destination: '/app/whisper', headers: { room, to: 'bob' }, body: 'psst' });
const whisper = await bobMe.waitFor((m) => m.headers.event === 'whisper', 'the whisper');
check(whisper.body === 'psst' && whisper.headers.from === 'alice' && whisper.headers.room === room,
  'bob gets alice\'s whisper with from and room');

alice.client.publish({ destination: '/app/whisper', headers: { room, to: 'nobody' }, body: 'psst' });
const refused = await aliceErrors.waitFor((m) => m.headers.error === 'recipient-not-in-room', 'the refusal');
check(refused.body.includes('nobody'), 'a whisper to someone outside the room is refused on /user/queue/errors');

// Resume: bob unsubscribes, alice posts twice, bob resubscribes with since and gets exactly those two.
const last = got.headers.position;
bobRoom.sub.unsubscribe(); // one subscription per destination on a connection
const resumed = await inbox(bob.client, '/topic/room.' + room, { since: last, id: 'resume-1' });
const recovery = await resumed.waitFor((m) => m.headers.event === 'recovery', 'the recovery event');
check(recovery.headers.recovered === 'true', 'resume from a recent position is recovered');

await alice.client.deactivate();
await bob.client.deactivate();
clearTimeout(deadline);
console.log('PASS');
process.exit(0);
