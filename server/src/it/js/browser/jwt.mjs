// A node in jwt mode: the page asks for a token instead of a name, signs in with a valid one as the user the
// token names, and says why a bad one is refused. Usage: node browser/jwt.mjs <base url> <token> <screenshot dir>

import { run, person, status, screenshot, check } from './harness.mjs';

const [baseUrl, token, shots] = process.argv.slice(2);

await run('jwt', async browser => {
  const dana = await person(browser, 'dana', baseUrl);
  await dana.page.getByLabel('Token (JWT)').waitFor();
  check(await dana.page.getByLabel('Your name').isHidden(), 'in jwt mode the page asks for a token, not a name');

  await dana.page.getByLabel('Token (JWT)').fill('not.a.token');
  await dana.page.getByRole('button', { name: 'Connect' }).click();
  await dana.page.locator('#login-error', { hasText: /authentication failed/ }).waitFor();
  const why = await dana.page.locator('#login-error').textContent();
  check(why.startsWith('authentication failed: ') && !why.includes('\\c'),
    `a bad token is refused and the page says why, readably: "${why}"`);

  await dana.page.getByLabel('Token (JWT)').fill(token);
  await dana.page.getByRole('button', { name: 'Connect' }).click();
  await dana.page.locator('#status[data-state="connected"]').waitFor();
  check((await dana.page.locator('#me-name').textContent()) === 'dana', 'signed in as the user the token names');
  await dana.page.locator('#member-list button[data-user="dana"]').waitFor();
  check((await status(dana)).state === 'connected', 'connected, and in the room');
  await screenshot(dana, shots, 'jwt-dana.png');
});
