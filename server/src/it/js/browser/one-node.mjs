// One node: Alice and Bob join a room, chat and whisper; Carol, in another room, sees neither; an HTTP
// broadcast shows on all three pages. Usage: node browser/one-node.mjs <base url> <api key> <screenshot dir>

import { run, person, signIn, say, whisper, memberShows, messageShows, messages, status, screenshot, check,
  sameList } from './harness.mjs';

const [baseUrl, apiKey, shots] = process.argv.slice(2);

await run('one-node', async browser => {
  const alice = await person(browser, 'alice', baseUrl);
  const bob = await person(browser, 'bob', baseUrl);
  const carol = await person(browser, 'carol', baseUrl);

  await signIn(alice, 'lounge');
  await signIn(bob, 'lounge');
  await signIn(carol, 'attic');
  await memberShows(alice, 'bob');
  check(sameList(await alice.page.locator('#member-list button').evaluateAll(b => b.map(x => x.dataset.user)),
    ['alice', 'bob']), 'alice sees alice and bob in the lounge');
  check(sameList(await carol.page.locator('#member-list button').evaluateAll(b => b.map(x => x.dataset.user)),
    ['carol']), 'carol sees only herself in the attic');
  await messageShows(alice, 'bob joined', 'system');

  await say(alice, 'hi bob');
  await say(bob, 'hello alice');
  await messageShows(bob, 'hi bob');
  await messageShows(alice, 'hello alice');
  check(sameList(await alice.page.locator('#messages li[data-kind="message"]').evaluateAll(
    els => els.map(e => `${e.dataset.from}: ${e.querySelector('.text').textContent}`)),
  ['alice: hi bob', 'bob: hello alice']), 'alice sees both messages, in order, with their senders');

  await whisper(alice, 'bob', 'psst, just you');
  await messageShows(bob, 'psst, just you', 'whisper-in');
  check((await bob.page.locator('#messages li[data-kind="whisper-in"] strong').first().textContent())
    === 'whisper from alice', 'bob sees the whisper marked as one, from alice');
  check((await messages(alice, 'whisper-in')).length === 0, 'alice does not receive her own whisper back');

  await screenshot(bob, shots, 'one-node-bob.png');

  const response = await fetch(new URL('/api/broadcast', baseUrl), {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ data: 'Maintenance at noon' }),
  });
  check(response.ok, `the HTTP broadcast is accepted (${response.status})`);
  for (const p of [alice, bob, carol]) {
    await p.page.locator('#broadcast:not([hidden])', { hasText: 'Maintenance at noon' }).waitFor();
  }
  check(true, 'the broadcast banner shows on all three pages');

  check((await messages(carol)).length === 0 && (await messages(carol, 'whisper-in')).length === 0,
    'carol sees neither the lounge chat nor the whisper');
  const s = await status(alice);
  check(s.state === 'connected' && /position \w+\.\d+\.-?\d+/.test(s.text),
    `alice's status line shows the node and the last position: "${s.text}"`);
  await screenshot(alice, shots, 'one-node-alice.png');
  await screenshot(carol, shots, 'one-node-carol.png');

  // The admin view: nodes with connection counts, rooms with member counts, and a form to message a user.
  const admin = await person(browser, 'admin', new URL('/admin', baseUrl).href);
  await admin.page.getByRole('textbox', { name: 'API key' }).fill('not-the-key');
  await admin.page.keyboard.press('Enter');
  await admin.page.locator('#key-error', { hasText: 'not valid' }).waitFor();
  check(true, 'the admin view refuses a wrong API key and says why');
  await admin.page.getByRole('textbox', { name: 'API key' }).fill(apiKey);
  await admin.page.keyboard.press('Enter');
  const nodeRow = admin.page.locator('#nodes tr');
  await nodeRow.first().waitFor();
  const connections = await admin.page.locator('#nodes tr td.num').first().textContent();
  check(Number(connections) === 3, `the admin view lists the node with its 3 connections (${connections})`);
  await admin.page.locator('#rooms tr[data-room="lounge"] td.num', { hasText: /^2$/ }).waitFor();
  await admin.page.locator('#rooms tr[data-room="attic"] td.num', { hasText: /^1$/ }).waitFor();
  check(true, 'the admin view lists the lounge with 2 members and the attic with 1');
  await admin.page.getByLabel('One user').check();
  await admin.page.getByLabel('User', { exact: true }).fill('carol');
  await admin.page.getByRole('textbox', { name: 'Message' }).fill('Carol, your table is ready');
  await admin.page.getByRole('button', { name: 'Send' }).click();
  await admin.page.locator('#send-result', { hasText: 'Sent at position' }).waitFor();
  await messageShows(carol, 'Carol, your table is ready', 'direct');
  check((await messages(alice, 'direct')).length === 0, 'a message to carol from the admin view reaches only carol');
  await screenshot(admin, shots, 'admin.png');

  // Presence follows a leave.
  await bob.page.getByRole('button', { name: 'Leave room' }).click();
  await alice.page.locator('#member-list button[data-user="bob"]').waitFor({ state: 'detached' });
  await messageShows(alice, 'bob left', 'system');
  check(true, 'bob leaving removes him from alice\'s member list');

  for (const p of [alice, bob, carol]) {
    check(p.errors.length === 0, `${p.name}'s page logged no errors ${JSON.stringify(p.errors)}`);
  }
});
