// The web console in a real browser (playwright-core driving Debian's chromium, headless, a fresh
// profile): sign in with the admin key, the overview drawn from the requests made here, the
// session cookie out of the page's reach, changes refused without the CSRF token, sign out.
// Screenshots of each page go to SLUICE_ARTIFACTS (the build dir's browser-artifacts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startSluice, eventually, tempDir } from '../support/sluice.mjs';

const ADMIN = 'admin-key-for-console-tests-0123';
const artifacts = process.env.SLUICE_ARTIFACTS ?? tempDir('sluice-console-');
mkdirSync(artifacts, { recursive: true });

let gw, browser;
before(async () => {
  gw = await startSluice(`
auth:
  admin_key: ${ADMIN}
  pepper: \${{ secrets.PEPPER }}
stores: {sqlite: ${join(tempDir(), 'gw.db')}}
endpoints:
  - {name: chat, endpoint_type: llm/v1/chat, model: {provider: mock, name: m}}
  - {name: chat2, endpoint_type: llm/v1/chat, model: {provider: mock, name: m2}}
routes:
  - {name: both, task_type: llm/v1/chat, destinations: [{name: chat, weight: 3}, {name: chat2, weight: 1}]}
`, { env: { PEPPER: 'pepper-for-console-tests-0123456' } });
  for (let i = 0; i < 5; i++) {
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: `hello ${i}` }] }),
    });
    assert.equal(r.status, 200);
    await r.arrayBuffer();
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking'],
  });
});

after(async () => {
  await browser?.close();
  await gw?.stop();
});

test('sign in with the admin key, see the overview of the requests made, sign out', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const elsewhere = [];
  page.on('request', (r) => { if (!r.url().startsWith(gw.url)) elsewhere.push(r.url()); });
  const response = await page.goto(`${gw.url}/ui`);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-security-policy'], /default-src 'none'/);
  await page.screenshot({ path: join(artifacts, 'sign-in.png') });

  // A wrong key: said so, and nothing else happens.
  await page.fill('#key', 'not-the-key-0000000000');
  await page.click('button[type=submit]');
  await page.waitForSelector('[role=alert]');
  assert.match(await page.textContent('[role=alert]'), /not valid/);

  await page.fill('#key', ADMIN);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=requests]');
  // The ledger is written from a queue: the overview is read again until it has all five.
  await eventually(async () => {
    if ((await page.textContent('[data-testid=requests]')) === '5') return true;
    await page.reload();
    await page.waitForSelector('[data-testid=requests]');
    return false;
  }, 10000, 'the overview to count the five requests');
  assert.ok(await page.$('figure.chart canvas'), 'the charts are drawn');
  assert.match(await page.textContent('table[aria-label="Top endpoints"]'), /chat/);
  await page.screenshot({ path: join(artifacts, 'overview.png'), fullPage: true });

  // Endpoints: the file's endpoint with its provider and model; the route's split drawn.
  await page.click('nav >> text=Endpoints');
  await page.waitForSelector('table[aria-label="Endpoints"]');
  const row = await page.textContent('table[aria-label="Endpoints"] tbody tr');
  assert.match(row, /chat/);
  assert.match(row, /mock/);
  assert.match(row, /file/);
  assert.match(await page.getAttribute('[aria-label="Route both"] .split', 'aria-label'), /chat 75%, chat2 25%/);
  await page.screenshot({ path: join(artifacts, 'endpoints.png'), fullPage: true });

  // The session is a cookie the page cannot read; the key is nowhere in the browser's storage.
  const [cookie] = (await context.cookies()).filter((c) => c.name === 'sluice_session');
  assert.ok(cookie, 'a session cookie');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  const visible = await page.evaluate(() => [document.cookie, JSON.stringify(localStorage), JSON.stringify(sessionStorage)].join(' '));
  assert.ok(!visible.includes('sluice_session') && !visible.includes(ADMIN), visible);

  // The admin API takes the session, and refuses a change without its CSRF token.
  const asCookie = { cookie: `sluice_session=${cookie.value}`, 'content-type': 'application/json' };
  let r = await fetch(`${gw.url}/admin/keys`, { method: 'POST', headers: asCookie, body: JSON.stringify({ name: 'forged' }) });
  assert.equal(r.status, 403);
  const session = await (await fetch(`${gw.url}/ui/api/session`, { headers: asCookie })).json();
  r = await fetch(`${gw.url}/admin/keys`, { method: 'POST', headers: { ...asCookie, 'x-csrf-token': session.csrf_token }, body: JSON.stringify({ name: 'made-in-console' }) });
  assert.equal(r.status, 201, await r.clone().text());

  await page.click('text=Sign out');
  await page.waitForSelector('#key');
  r = await fetch(`${gw.url}/ui/api/session`, { headers: asCookie });
  assert.equal(r.status, 401, 'the session is gone');
  assert.deepEqual(elsewhere, [], 'no request left for another origin');
  await context.close();
});

test('the files are served with their cache rules; unknown assets are 404', async () => {
  const index = await fetch(`${gw.url}/ui/`);
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  const html = await index.text();
  const [asset] = html.match(/\/ui\/assets\/[^"]+\.js/);
  const js = await fetch(gw.url + asset);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('cache-control'), /immutable/);
  assert.match(js.headers.get('content-type'), /javascript/);
  assert.equal((await fetch(`${gw.url}/ui/assets/nope.js`)).status, 404);
  // A deep link is the app too.
  assert.match(await (await fetch(`${gw.url}/ui/overview`)).text(), /<div id="app">/);
  assert.equal((await fetch(`${gw.url}/ui/`, { method: 'POST' })).status, 405);
});
