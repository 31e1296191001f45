// The web console in a real browser (playwright-core driving Debian's chromium, headless, a fresh
// profile): sign in with the admin key, the overview drawn from the requests made here, the
// session cookie out of the page's reach, changes refused without the CSRF token, sign out.
// Screenshots of each page go to SLUICE_ARTIFACTS (the build dir's browser-artifacts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startSluice, eventually, tempDir } from '../support/sluice.mjs';

const ADMIN = 'admin-key-for-console-tests-0123';
const SEED = 'seed-key-for-console-tests-0123456';
const A_ADMIN = 'team-a-admin-key-for-console-tests';
const KEY_B = 'team-b-key-for-console-tests-01234';
const ANSWER = 'one two three four five six seven eight';

function chat(key, model, content, extra = {}) {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }], ...extra }),
  });
}

async function signIn(context, key) {
  const page = await context.newPage();
  page.on('dialog', (d) => d.accept());
  await page.goto(`${gw.url}/ui`);
  await page.fill('#key', key);
  await page.click('button[type=submit]');
  await page.waitForSelector('header nav');
  return page;
}
const artifacts = process.env.SLUICE_ARTIFACTS ?? tempDir('sluice-console-');
mkdirSync(artifacts, { recursive: true });

let gw, browser;
before(async () => {
  gw = await startSluice(`
auth:
  mode: keys
  admin_key: ${ADMIN}
  pepper: \${{ secrets.PEPPER }}
  keys:
    - {id: key-seed, name: seed, key: "\${{ secrets.SEED }}"}
    - {id: key-a-admin, name: a-admin, key: "\${{ secrets.A_ADMIN }}", workspace: team-a, role: admin}
    - {id: key-b, name: b-app, key: "\${{ secrets.KEY_B }}", workspace: team-b}
stores: {sqlite: ${join(tempDir(), 'gw.db')}}
request_log: {sink: store, capture: [prompt, answer]}
pricing:
  mock: {m: {input: 1000, output: 2000}}
budgets:
  - {scope: team, match: apps, usd: 500, per: month}
endpoints:
  - {name: chat, endpoint_type: llm/v1/chat, model: {provider: mock, name: m, config: {text: "${ANSWER}", chunk_delay_ms: 30}}}
  - {name: chat2, endpoint_type: llm/v1/chat, model: {provider: mock, name: m2}}
  - {name: a-chat, workspace: team-a, endpoint_type: llm/v1/chat, model: {provider: mock, name: m}}
  - {name: b-chat, workspace: team-b, endpoint_type: llm/v1/chat, model: {provider: mock, name: m}}
routes:
  - {name: both, task_type: llm/v1/chat, destinations: [{name: chat, weight: 3}, {name: chat2, weight: 1}]}
`, { env: { PEPPER: 'pepper-for-console-tests-0123456', SEED: SEED, A_ADMIN: A_ADMIN, KEY_B: KEY_B } });
  for (let i = 0; i < 5; i++) {
    const r = await chat(SEED, 'chat', `hello ${i}`);
    assert.equal(r.status, 200);
    await r.arrayBuffer();
  }
  // One of team-b's, which team-a's admin must not see.
  const b = await chat(KEY_B, 'b-chat', 'team b only');
  assert.equal(b.status, 200);
  await b.arrayBuffer();
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
    if ((await page.textContent('[data-testid=requests]')) === '6') return true;
    await page.reload();
    await page.waitForSelector('[data-testid=requests]');
    return false;
  }, 10000, 'the overview to count the six requests');
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
  const head = await fetch(`${gw.url}/ui/`, { method: 'HEAD' });
  assert.equal(head.status, 405);
  assert.equal(head.headers.get('allow'), 'GET');
  // The console's API is the session alone: anything else under it is a JSON 404, not the app.
  const api = await fetch(`${gw.url}/ui/api/nope`);
  assert.equal(api.status, 404);
  assert.match(api.headers.get('content-type'), /json/);
});

test('create a key, call an endpoint with it from the playground (streamed), find the request in the log, revoke the key', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signIn(context, ADMIN);
  await page.click('nav >> text=Keys');
  await page.waitForSelector('table[aria-label="Keys"]');
  // The file's keys are read-only here; this gateway requires keys, so no notice says otherwise.
  assert.match(await page.textContent('tr[data-key="key-seed"]'), /in the config file/);
  assert.equal(await page.$('[data-testid=keys-not-required]'), null);
  await page.fill('form[aria-label="Create a key"] input[name=name]', 'playground-app');
  await page.fill('form[aria-label="Create a key"] input[name=team]', 'apps');
  await page.click('text=Create key');
  const secret = (await page.textContent('[data-testid=secret]')).trim();
  assert.match(secret, /^sk-sluice-[0-9A-Za-z]{43}$/);
  await page.screenshot({ path: join(artifacts, 'keys.png'), fullPage: true });

  await page.click('text=Use in the playground');
  await page.waitForSelector('form[aria-label="Chat request"]');
  assert.equal(await page.inputValue('input[name=key]'), secret, 'the new key, from memory');
  await page.selectOption('select[name=model]', 'chat');
  await page.fill('textarea[name=prompt]', 'count to eight please');
  assert.ok(await page.isChecked('input[name=stream]'));
  // Every change of the answer's text, as the page draws it.
  await page.evaluate(() => {
    window.answerChanges = [];
    const el = document.querySelector('[data-testid=answer]');
    new MutationObserver(() => window.answerChanges.push(el.textContent))
      .observe(el, { childList: true, characterData: true, subtree: true });
  });
  await page.click('button[type=submit]');
  await page.waitForFunction((text) => document.querySelector('[data-testid=answer]').textContent === text, ANSWER);
  const changes = await page.evaluate(() => window.answerChanges);
  assert.ok(changes.length >= 3, `the answer arrived in pieces: ${JSON.stringify(changes)}`);
  assert.ok(changes[0].length < ANSWER.length);
  assert.match(await page.textContent('[data-testid=status]'), /200/);
  const headers = await page.textContent('table[aria-label="Response headers"]');
  assert.match(headers, /x-sluice-destination\s*chat/);
  const requestId = await page.textContent('table[aria-label="Response headers"] tr:has-text("x-request-id") td');
  await page.screenshot({ path: join(artifacts, 'playground.png'), fullPage: true });

  // The request in the log, with the prompt typed and the answer streamed.
  await page.click('text=This request in the log');
  await eventually(async () => {
    await page.waitForSelector('[data-testid=prompt], [role=alert]');
    if (await page.$('[data-testid=prompt]')) return true;
    await page.reload();
    return false;
  }, 10000, 'the request to be logged');
  assert.match(await page.textContent('[data-testid=prompt]'), /count to eight please/);
  assert.equal((await page.textContent('[data-testid=logged-answer]')).trim(), ANSWER);
  assert.match(await page.textContent('article[aria-label^="Request"]'), new RegExp(requestId.trim().slice(0, 8)));
  await page.screenshot({ path: join(artifacts, 'request.png'), fullPage: true });
  // And in the list, searched by endpoint.
  await page.click('text=Back to the log');
  await page.fill('form[aria-label="Search requests"] input[name=endpoint]', 'chat');
  await page.click('text=Search');
  await page.waitForSelector('table[aria-label="Requests"]');
  const rows = await page.$$eval('table[aria-label="Requests"] tbody tr', (trs) => trs.map((t) => t.textContent));
  assert.equal(rows.length, 6, rows.join('\n'));
  assert.ok(rows.every((r) => r.includes('chat')));

  // The team budget shows what the key spent against it.
  await page.click('nav >> text=Budgets');
  await page.waitForSelector('table[aria-label="Budgets"] [role=meter]');
  assert.match(await page.getAttribute('table[aria-label="Budgets"] [role=meter]', 'aria-label'), /of \$500\.00/);
  await page.screenshot({ path: join(artifacts, 'budgets.png'), fullPage: true });

  // Revoked: the key is refused at once.
  assert.equal((await chat(secret, 'chat', 'still here?')).status, 200);
  await page.click('nav >> text=Keys');
  const row = await page.waitForSelector('tr:has-text("playground-app")');
  await (await row.$('text=Revoke')).click();
  await page.waitForSelector('tr:has-text("playground-app")', { state: 'detached' });
  const refused = await chat(secret, 'chat', 'and now?');
  assert.equal(refused.status, 401);
  assert.equal((await refused.json()).error.code, 'invalid_api_key');
  await context.close();
});

test('a gateway key holder sees the developer view: what it may call, how, its spend and budgets', async () => {
  const made = await fetch(`${gw.url}/admin/keys`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'dev', team: 'apps', endpoints: ['chat', 'both'], limits: [{ requests: 100, per: 'minute' }] }),
  });
  assert.equal(made.status, 201);
  const { key } = await made.json();
  const spent = await chat(key, 'chat', 'something to count');
  assert.equal(spent.status, 200);
  await spent.arrayBuffer();

  // The same facts through the API with the key itself.
  const own = await (await fetch(`${gw.url}/v1/key`, { headers: { authorization: `Bearer ${key}` } })).json();
  assert.equal(own.name, 'dev');
  assert.deepEqual(own.callable.map((c) => c.name).sort(), ['both', 'chat']);
  assert.equal(own.metadata, undefined);
  assert.ok(own.budgets.some((b) => b.scope === 'team' && b.match === 'apps' && b.usd === 500));

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signIn(context, key);
  await page.waitForSelector('#developer-title');
  assert.match(await page.textContent('#developer-title'), /dev/);
  const nav = await page.textContent('header nav');
  assert.doesNotMatch(nav, /Keys|Budgets|Request log/, 'no admin pages');
  assert.ok(await page.$('[aria-label="Endpoint chat"]'));
  assert.ok(await page.$('[aria-label="Endpoint both"]'));
  assert.equal(await page.$('[aria-label="Endpoint chat2"]'), null, 'only what the key may call');
  const snippet = await page.textContent('[aria-label="Endpoint chat"] pre');
  assert.match(snippet, new RegExp(`curl ${gw.url}/v1/chat/completions`));
  assert.doesNotMatch(snippet, new RegExp(key), 'the key is read from the environment, not written in');
  await page.click('[aria-label="Endpoint chat"] >> text=OpenAI SDK (Python)');
  assert.match(await page.textContent('[aria-label="Endpoint chat"] pre'), /base_url="http:\/\/127\.0\.0\.1:\d+\/v1"/);
  await eventually(async () => {
    await page.reload();
    await page.waitForSelector('[data-testid=spent-day]');
    return !(await page.textContent('[data-testid=spent-day]')).startsWith('$0 ');
  }, 10000, 'the day\'s spend to show');
  assert.match(await page.getAttribute('table[aria-label="Your budgets"] [role=meter]', 'aria-label'), /of \$500\.00/);
  assert.match(await page.textContent('section'), /100 requests per minute/);
  await page.screenshot({ path: join(artifacts, 'developer.png'), fullPage: true });

  // The admin API stays closed to the key's session; /v1/key takes it.
  const [cookie] = (await context.cookies()).filter((c) => c.name === 'sluice_session');
  const asCookie = { cookie: `sluice_session=${cookie.value}` };
  assert.equal((await fetch(`${gw.url}/admin/keys`, { headers: asCookie })).status, 403);
  assert.equal((await (await fetch(`${gw.url}/v1/key`, { headers: asCookie })).json()).id, own.id);

  // The playground offers only what the key may call; the key from the sign-in was in the page's
  // memory only, so after the reloads above it is typed again.
  await page.click('nav >> text=Playground');
  await page.waitForSelector('select[name=model] option', { state: 'attached' });
  assert.deepEqual(await page.$$eval('select[name=model] option', (o) => o.map((x) => x.value).sort()), ['both', 'chat']);
  assert.equal(await page.inputValue('input[name=key]'), '');
  await page.fill('input[name=key]', key);
  await page.selectOption('select[name=model]', 'chat');
  await page.fill('textarea[name=prompt]', 'from the developer view');
  await page.click('button[type=submit]');
  await page.waitForFunction((text) => document.querySelector('[data-testid=answer]').textContent === text, ANSWER);
  assert.match(await page.textContent('[data-testid=status]'), /200/);
  // Revoked, the session ends with the key.
  assert.equal((await fetch(`${gw.url}/admin/keys/${own.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } })).status, 200);
  assert.equal((await fetch(`${gw.url}/v1/key`, { headers: asCookie })).status, 401);
  // The page notices at its next call and asks to sign in again.
  await page.click('nav >> text=Your key');
  await page.waitForSelector('#key');
  assert.match(await page.textContent('[role=status]'), /Your session ended/);
  await context.close();
});

test('a workspace admin sees its own workspace only', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signIn(context, A_ADMIN);
  assert.match(await page.textContent('.who'), /team-a/);
  await page.click('nav >> text=Endpoints');
  await page.waitForSelector('table[aria-label="Endpoints"]');
  const endpoints = await page.textContent('table[aria-label="Endpoints"]');
  assert.match(endpoints, /a-chat/);
  assert.doesNotMatch(endpoints, /b-chat/);
  await page.click('nav >> text=Keys');
  await page.waitForSelector('table[aria-label="Keys"] tbody tr');
  const keys = await page.$$eval('table[aria-label="Keys"] tbody tr', (trs) => trs.map((t) => t.getAttribute('data-key')));
  assert.deepEqual(keys, ['key-a-admin']);
  // Team-a's admin made no request: the log answers (a table, no error) and holds nothing of
  // team-b's.
  await page.click('nav >> text=Request log');
  await page.waitForSelector('table[aria-label="Requests"]');
  assert.equal(await page.$('main [role=alert]'), null);
  assert.doesNotMatch(await page.textContent('main'), /b-chat/);
  assert.match(await page.textContent('main'), /No requests logged in this range/);
  await page.screenshot({ path: join(artifacts, 'workspace-admin.png'), fullPage: true });
  // Straight to another workspace's request: answered as one nobody made.
  const list = await (await fetch(`${gw.url}/admin/requests?workspace=team-b`, { headers: { authorization: `Bearer ${ADMIN}` } })).json();
  const other = list.data[0].request_id;
  await page.goto(`${gw.url}/ui/#/requests/${encodeURIComponent(other)}`);
  await page.waitForSelector('[role=alert]');
  assert.match(await page.textContent('[role=alert]'), /No such request in the request log/);
  await context.close();
});

test('the quick start: sign in with the admin key README names, see its endpoints and their traffic', async () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const named = readme.match(/sign in with the admin key `([^`]+)`/)?.[1];
  assert.ok(named, 'README names the quick start\'s admin key');
  const yaml = readFileSync(new URL('../../examples/quickstart.yaml', import.meta.url), 'utf8')
    .replace('sqlite: quickstart.db', `sqlite: ${join(tempDir(), 'quickstart.db')}`);
  assert.match(yaml, new RegExp(`admin_key: ${named}\\n`));
  const qs = await startSluice(yaml);
  try {
    for (const [path, body] of [
      ['chat/completions', { model: 'chat', messages: [{ role: 'user', content: 'Hello!' }] }],
      ['chat/completions', { model: 'chat', stream: true, messages: [{ role: 'user', content: 'Hello again!' }] }],
      ['embeddings', { model: 'embeddings', input: 'Hello!' }],
    ]) {
      const r = await fetch(`${qs.url}/v1/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(r.status, 200);
      await r.arrayBuffer();
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${qs.url}/ui`);
    await page.waitForSelector('#key');
    // By keyboard alone: the key field is the focus's first stop, Enter signs in.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'key');
    await page.keyboard.type(named);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=requests]');
    await eventually(async () => {
      if ((await page.textContent('[data-testid=requests]')) === '3') return true;
      await page.reload();
      await page.waitForSelector('[data-testid=requests]');
      return false;
    }, 10000, 'the overview to count the three requests');
    // The quick start does not require keys: the Keys page says what that means.
    await page.click('nav >> text=Keys');
    await page.waitForSelector('[data-testid=keys-not-required]');
    await page.click('nav >> text=Overview');
    await page.waitForSelector('table[aria-label="Top endpoints"]');
    const top = await page.textContent('table[aria-label="Top endpoints"]');
    assert.match(top, /chat/);
    assert.match(top, /embeddings/);
    await page.screenshot({ path: join(artifacts, 'quickstart-overview.png') });
    await page.click('nav >> text=Endpoints');
    await page.waitForSelector('table[aria-label="Endpoints"]');
    const endpoints = await page.textContent('table[aria-label="Endpoints"]');
    for (const name of ['chat', 'completions', 'embeddings']) assert.match(endpoints, new RegExp(name));
    await context.close();

    // Dark, when the system asks for it.
    const dark = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    const night = await dark.newPage();
    await night.goto(`${qs.url}/ui`);
    await night.fill('#key', named);
    await night.click('button[type=submit]');
    await night.waitForSelector('[data-testid=requests]');
    const [bg, fg] = await night.evaluate(() => {
      const style = getComputedStyle(document.body);
      return [style.backgroundColor, style.color];
    });
    assert.equal(bg, 'rgb(20, 23, 27)');
    assert.equal(fg, 'rgb(230, 233, 238)');
    await night.screenshot({ path: join(artifacts, 'overview-dark.png') });
    await dark.close();
  } finally {
    await qs.stop();
  }
});

test('stored endpoints: made, edited and deleted in the console; the file\'s are read-only', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signIn(context, ADMIN);
  await page.click('nav >> text=Endpoints');
  await page.waitForSelector('table[aria-label="Endpoints"]');
  assert.equal(await page.$('table[aria-label="Endpoints"] tr:has-text("chat2") >> text=Edit'), null, 'the file\'s are read-only');
  await page.click('text=New endpoint or route');
  // A broken definition: the loader's own words, nothing made.
  await page.fill('textarea[name=definition]', '{"name": "made-here", "endpoint_type": "llm/v1/chat", "model": {"provider": "nope", "name": "x"}}');
  await page.click('form.editor >> text=Save');
  await page.waitForSelector('form.editor [role=alert]');
  assert.match(await page.textContent('form.editor [role=alert]'), /nope/);
  await page.fill('textarea[name=definition]', '{"name": "made-here", "endpoint_type": "llm/v1/chat", "model": {"provider": "mock", "name": "first", "config": {"text": "from the store"}}}');
  await page.click('form.editor >> text=Save');
  const row = await page.waitForSelector('table[aria-label="Endpoints"] tr:has-text("made-here")');
  assert.match(await row.textContent(), /first/);
  assert.match(await row.textContent(), /store/);
  let r = await chat(SEED, 'made-here', 'hi');
  assert.equal((await r.json()).choices[0].message.content, 'from the store');

  // Edited: the change goes as a merge patch (the removed "text" becomes null).
  await (await row.$('text=Edit')).click();
  const text = await page.inputValue('textarea[name=definition]');
  const definition = JSON.parse(text);
  definition.model.name = 'second';
  delete definition.model.config.text;
  await page.fill('textarea[name=definition]', JSON.stringify(definition, null, 2));
  await page.click('form.editor >> text=Save');
  await page.waitForSelector('table[aria-label="Endpoints"] tr:has-text("made-here"):has-text("second")');
  const stored = await (await fetch(`${gw.url}/admin/endpoints/made-here`, { headers: { authorization: `Bearer ${ADMIN}` } })).json();
  assert.equal(stored.definition.model.name, 'second');
  assert.equal(stored.definition.model.config?.text, undefined);
  await page.screenshot({ path: join(artifacts, 'endpoints-stored.png'), fullPage: true });

  await (await page.$('table[aria-label="Endpoints"] tr:has-text("made-here") >> text=Delete')).click();
  await page.waitForSelector('table[aria-label="Endpoints"] tr:has-text("made-here")', { state: 'detached' });
  r = await chat(SEED, 'made-here', 'hi');
  assert.equal(r.status, 404);
  // A file route cannot be edited here: said so.
  await page.click('[aria-label="Route both"] >> text=Edit');
  await page.waitForSelector('section > [role=alert]');
  assert.match(await page.textContent('section > [role=alert]'), /config file/);
  await context.close();
});
