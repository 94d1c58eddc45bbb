// Three nodes behind nginx. Alice's page and Bob's page sit on different nodes; the node under Alice's page
// is killed with SIGKILL. Her page must reconnect to another node, resume, and show every message Bob sent
// meanwhile exactly once, in order.
// Usage: node browser/cluster.mjs <nginx base url> <screenshot dir> <{"node id": pid, ...}>

import { run, person, signIn, say, whisper, memberShows, messageShows, status, screenshot, check }
  from './harness.mjs';

const [baseUrl, shots, pidsJson] = process.argv.slice(2);
const pids = JSON.parse(pidsJson);
const ROOM = 'stage';

/** Bob's page, signed in on a node other than {@code avoid}: nginx balances, so sign in again until so. */
async function bobElsewhere(browser, avoid) {
  for (let tries = 1; tries <= 10; tries++) {
    const bob = await person(browser, 'bob', baseUrl);
    await signIn(bob, ROOM);
    const s = await status(bob);
    if (s.node !== avoid) return bob;
    await bob.context.close();
    // A page load makes the same number of requests each time, so plain round-robin would put every try
    // on the same node: one extra request moves nginx's turn along.
    await fetch(new URL('/health/live', baseUrl));
  }
  throw new Error(`bob's page landed on ${avoid} ten times in a row`);
}

async function bobsMessagesOn(p) {
  return p.page.locator('#messages li[data-kind="message"][data-from="bob"] .text').allTextContents();
}

await run('cluster', async browser => {
  const alice = await person(browser, 'alice', baseUrl);
  await signIn(alice, ROOM);
  const before = await status(alice);
  check(before.node in pids, `alice's page is on node ${before.node}`);
  const bob = await bobElsewhere(browser, before.node);
  const bobNode = (await status(bob)).node;
  check(bobNode !== before.node, `bob's page is on another node, ${bobNode}`);
  await memberShows(alice, 'bob');
  await memberShows(bob, 'alice');
  check(true, 'each sees the other in the member list across nodes');

  await say(bob, 'before the crash');
  await messageShows(alice, 'before the crash');

  // Alice's browser goes offline with the kill, so that she can't come back before Bob has spoken: the
  // messages below are certainly sent while her page has no connection.
  await alice.context.setOffline(true);
  process.kill(pids[before.node], 'SIGKILL');
  console.log(`killed ${before.node} (pid ${pids[before.node]}) with SIGKILL`);
  await alice.page.locator('#status[data-state="reconnecting"]').waitFor();

  // Bob whispers to Alice and keeps talking while she is cut off.
  await whisper(bob, 'alice', 'did you miss me?');
  const during = [];
  for (let i = 1; i <= 5; i++) {
    during.push(`while alice was away ${i}`);
    await say(bob, during.at(-1));
    await messageShows(bob, during.at(-1));
  }
  check((await status(alice)).state !== 'connected', 'all of that happened while alice\'s page was cut off');
  await alice.context.setOffline(false);

  await alice.page.locator('#status[data-state="connected"][data-recovery]').waitFor({ timeout: 30000 });
  const after = await status(alice);
  check(after.node !== before.node && after.node in pids,
    `alice's page reconnected to another node: ${before.node} -> ${after.node}`);
  check(after.recovery === 'resumed' && after.text.includes('resumed, nothing missed'),
    `alice's status line says so: "${after.text}"`);

  const later = ['after the resume 1', 'after the resume 2'];
  for (const text of later) await say(bob, text);
  await messageShows(alice, later.at(-1));
  await messageShows(alice, 'did you miss me?', 'whisper-in');

  const seen = await bobsMessagesOn(alice);
  const expected = ['before the crash', ...during, ...later];
  check(JSON.stringify(seen) === JSON.stringify(expected),
    `alice saw each of bob's ${expected.length} messages exactly once, in order: ${JSON.stringify(seen)}`);
  check((await alice.page.locator('#messages li[data-kind="whisper-in"]').count()) === 1,
    'the whisper sent while she was away arrived exactly once');
  await memberShows(alice, 'bob');
  await screenshot(alice, shots, 'cluster-alice-resumed.png');
  await screenshot(bob, shots, 'cluster-bob.png');

  check(alice.errors.length === 0 || alice.errors.every(e => /WebSocket|ERR_CONNECTION|net::/.test(e)),
    `alice's page logged nothing but the dropped connection ${JSON.stringify(alice.errors)}`);
  check(bob.errors.length === 0, `bob's page logged no errors ${JSON.stringify(bob.errors)}`);
});
