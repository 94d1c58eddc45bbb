// Shared by the browser tests: Debian's Chromium driven by playwright-core, one browser context per person,
// and small helpers that act the way a person would (type, click) and read what a person would see (the DOM).

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const TIMEOUT_MS = 15000;
const people = [];

export async function launch() {
  // launch() gives Chromium a fresh, empty user-data directory of its own each time (launchPersistentContext
  // would too, but allows only one context, and each person needs their own). No background networking:
  // this machine's network is closed, and the test must depend on nothing but the node.
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-gpu', '--disable-quic'],
  });
}

/** Separate contexts: separate storage, as two people on two machines. */
export async function person(browser, name, baseUrl) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 760 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  const errors = [];
  page.on('pageerror', e => errors.push(e.message));
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(baseUrl);
  const p = { name, page, context, errors };
  people.push(p);
  return p;
}

export async function signIn(p, room) {
  await p.page.getByLabel('Your name').fill(p.name);
  await p.page.getByLabel('Room', { exact: true }).fill(room);
  await p.page.getByRole('button', { name: 'Connect' }).click();
  await p.page.locator('#status[data-state="connected"]').waitFor();
  await memberShows(p, p.name);
}

export async function say(p, text) {
  await p.page.getByRole('textbox', { name: /^Message #/ }).fill(text);
  await p.page.keyboard.press('Enter');
}

export async function whisper(p, to, text) {
  await p.page.getByRole('button', { name: `Whisper to ${to}` }).click();
  await p.page.getByRole('textbox', { name: `Whisper to ${to}` }).fill(text);
  await p.page.keyboard.press('Enter');
  await p.page.locator('#messages li[data-kind="whisper-out"]', { hasText: text }).waitFor();
  await p.page.keyboard.press('Escape');
}

export async function memberShows(p, user) {
  await p.page.locator(`#member-list button[data-user="${user}"]`).waitFor();
}

export async function memberGone(p, user) {
  await p.page.locator(`#member-list button[data-user="${user}"]`).waitFor({ state: 'detached' });
}

export async function messageShows(p, text, kind = 'message') {
  await p.page.locator(`#messages li[data-kind="${kind}"]`, { hasText: text }).first().waitFor();
}

/** The texts of the messages of one kind in the current room, in order. */
export async function messages(p, kind = 'message') {
  return p.page.locator(`#messages li[data-kind="${kind}"] .text`).allTextContents();
}

export async function status(p) {
  return p.page.locator('#status').evaluate(el => ({
    state: el.dataset.state, node: el.dataset.node, recovery: el.dataset.recovery ?? null,
    text: el.textContent.replace(/\s+/g, ' ').trim(),
  }));
}

export async function screenshot(p, dir, file) {
  mkdirSync(dir, { recursive: true });
  await p.page.screenshot({ path: join(dir, file) });
}

/** Assertions print one line each, so that the Java side can show what passed. */
export function check(condition, what) {
  if (!condition) throw new Error(`FAILED: ${what}`);
  console.log(`ok: ${what}`);
}

export function sameList(actual, expected) {
  return actual.length === expected.length && actual.every((v, i) => v === expected[i]);
}

/** On a failure: what each page showed, so that the log tells what went wrong without a rerun. */
async function describePeople() {
  for (const p of people) {
    try {
      const seen = await p.page.evaluate(() => ({
        status: document.getElementById('status')?.textContent.replace(/\s+/g, ' ').trim(),
        members: [...document.querySelectorAll('#member-list button')].map(b => b.dataset.user),
        messages: [...document.querySelectorAll('#messages li')].map(li => `${li.dataset.kind}: ${li.textContent}`),
      }));
      console.log(`${p.name}'s page: ${JSON.stringify(seen)} errors: ${JSON.stringify(p.errors)}`);
    } catch (e) {
      console.log(`${p.name}'s page: unreadable (${e.message})`);
    }
  }
}

/** Runs a scenario and turns its outcome into an exit code and a last line: PASS or FAIL. */
export async function run(name, scenario) {
  const browser = await launch();
  try {
    await scenario(browser);
    console.log(`PASS ${name}`);
  } catch (e) {
    console.log(e.stack ?? String(e));
    await describePeople();
    console.log(`FAIL ${name}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}
