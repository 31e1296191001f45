// CORS (server.cors) with the real binary and a real browser (Chromium): a page on an allowed
// origin calls sluice with a gateway key (preflighted), reads the answer, an exposed header, a
// stream and an error; a page on another origin is refused by the browser; credentials only when
// allowed. Then the wire itself: preflight grants and refusals, Vary, 204 without a body, OPTIONS
// with CORS off, and config errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEcho } from '../support/echo_upstream.mjs';
import { startSluice, runSluice, writeConfig } from '../support/sluice.mjs';
import { launchBrowser, startPageServer } from '../support/browser.mjs';
import { stopCleanly } from './helpers.mjs';

const KEY = 'sk-gateway-cors-key-0123456789abcdef';
let echo, allowedPage, otherPage, browser;
before(async () => {
  echo = await startEcho();
  allowedPage = await startPageServer('127.0.0.1');
  otherPage = await startPageServer('localhost');
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await allowedPage.close();
  await otherPage.close();
  await echo.close();
});

const config = (cors) => `
server:
  cors: ${cors}
auth:
  mode: keys
  pepper: \${{ secrets.PEPPER }}
  keys: [{name: app, key: "\${{ secrets.KEY }}"}]
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: echo, config: {openai_api_key: sk-echo, openai_api_base: "${echo.base}"}}
`;
const start = (cors) => startSluice(config(cors), { env: { PEPPER: 'pepper-for-cors-tests-0123456789', KEY } });

// Runs in the page: a fetch the browser checks, reporting what a script could read.
async function callFromPage(page, url, { body, stream = false, credentials = 'same-origin' }) {
  return page.evaluate(async ({ url, key, body, stream, credentials }) => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        credentials,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      return { ok: true, status: res.status, text, requestId: res.headers.get('x-request-id'), stream };
    } catch (e) {
      return { ok: false, error: String(e) };
    }
  }, { url, key: KEY, body, stream, credentials });
}

test('a browser page on an allowed origin calls sluice; another origin is refused by the browser', async () => {
  const gw = await start(`{allow_origins: ["${allowedPage.origin}"]}`);
  try {
    const page = await browser.page(allowedPage.origin);
    const url = `${gw.url}/v1/chat/completions`;
    const ask = (content, extra = {}) => ({ model: 'chat', messages: [{ role: 'user', content }], ...extra });

    const plain = await callFromPage(page, url, { body: ask('hello from a page') });
    assert.equal(plain.ok, true, plain.error);
    assert.equal(plain.status, 200);
    assert.equal(JSON.parse(plain.text).choices[0].message.content, 'hello from a page');
    assert.match(plain.requestId ?? '', /.+/, 'x-request-id is exposed to the script');

    const streamed = await callFromPage(page, url, { body: ask('streamed to a page', { stream: true }) });
    assert.equal(streamed.ok, true, streamed.error);
    assert.equal(streamed.status, 200);
    assert.match(streamed.text, /data: \[DONE\]/);
    const said = streamed.text.split('\n').filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)).choices[0]?.delta?.content ?? '').join('');
    assert.equal(said, 'streamed to a page');

    // An error is readable too, in OpenAI's shape.
    const missing = await callFromPage(page, url, { body: { model: 'nope', messages: [{ role: 'user', content: 'x' }] } });
    assert.equal(missing.ok, true, missing.error);
    assert.equal(missing.status, 404);
    assert.ok(JSON.parse(missing.text).error.message);

    // Credentials were not allowed: the browser refuses a request that includes them.
    const withCookies = await callFromPage(page, url, { body: ask('x'), credentials: 'include' });
    assert.equal(withCookies.ok, false);
    await page.close();

    const other = await browser.page(otherPage.origin);
    const refused = await callFromPage(other, url, { body: ask('from elsewhere') });
    assert.equal(refused.ok, false, 'the browser must block another origin');
    assert.match(refused.error, /TypeError/);
    await other.close();
  } finally {
    await stopCleanly(gw);
  }
});

test('allow_credentials: a page may send credentials; the origin is named, never "*"', async () => {
  const gw = await start(`{allow_origins: ["${allowedPage.origin}"], allow_credentials: true}`);
  try {
    const page = await browser.page(allowedPage.origin);
    const r = await callFromPage(page, `${gw.url}/v1/chat/completions`, {
      body: { model: 'chat', messages: [{ role: 'user', content: 'with credentials' }] }, credentials: 'include',
    });
    assert.equal(r.ok, true, r.error);
    assert.equal(r.status, 200);
    await page.close();
    const res = await fetch(`${gw.url}/health`, { headers: { origin: allowedPage.origin } });
    assert.equal(res.headers.get('access-control-allow-origin'), allowedPage.origin);
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    assert.match(res.headers.get('vary') ?? '', /Origin/);
  } finally {
    await stopCleanly(gw);
  }
});

test('preflight on the wire: grants, refusals in the API\'s error shape, 204 without a body', async () => {
  const gw = await start(`{allow_origins: ["${allowedPage.origin}", "https://*.example.com"], allow_methods: [GET, POST], allow_headers: [authorization, content-type], max_age_s: 120}`);
  try {
    const preflight = (path, headers) => fetch(gw.url + path, { method: 'OPTIONS', headers });
    const ok = await preflight('/v1/chat/completions', {
      origin: 'https://app.example.com', 'access-control-request-method': 'POST',
      'access-control-request-headers': 'Authorization, content-type',
    });
    assert.equal(ok.status, 204);
    assert.equal(await ok.text(), '');
    assert.equal(ok.headers.get('content-length'), null);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.equal(ok.headers.get('access-control-allow-methods'), 'GET, POST');
    assert.equal(ok.headers.get('access-control-allow-headers'), 'authorization, content-type');
    assert.equal(ok.headers.get('access-control-max-age'), '120');
    assert.match(ok.headers.get('vary'), /Origin/);
    assert.ok(ok.headers.get('x-request-id'));

    // The suffix itself and a look-alike are not subdomains.
    for (const origin of ['https://example.com', 'https://evilexample.com', 'http://app.example.com', 'null']) {
      const r = await preflight('/v1/chat/completions', { origin, 'access-control-request-method': 'POST' });
      assert.equal(r.status, 403, origin);
      assert.equal(r.headers.get('access-control-allow-origin'), null);
      const body = await r.json();
      assert.match(body.error.message, /origin is not in server\.cors\.allow_origins/);
    }
    const refusedVary = await preflight('/v1/chat/completions', { origin: 'https://other.test', 'access-control-request-method': 'POST' });
    assert.match(refusedVary.headers.get('vary') ?? '', /Origin/);
    // An answer sluice gives a request it could not read whole (413) is readable by the page.
    const big = await fetch(gw.url + '/v1/chat/completions', {
      method: 'POST', headers: { origin: allowedPage.origin, 'content-type': 'application/json' },
      body: 'x'.repeat(11 * 1024 * 1024),
    }).catch((e) => e);
    if (!(big instanceof Error)) {
      assert.equal(big.status, 413);
      assert.equal(big.headers.get('access-control-allow-origin'), allowedPage.origin);
    }
    const badMethod = await preflight('/v1/chat/completions', { origin: allowedPage.origin, 'access-control-request-method': 'DELETE' });
    assert.equal(badMethod.status, 403);
    assert.match((await badMethod.json()).error.message, /method/);
    const badHeader = await preflight('/v1/chat/completions', {
      origin: allowedPage.origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-other',
    });
    assert.equal(badHeader.status, 403);
    assert.match((await badHeader.json()).error.message, /headers/);
    // MLflow's paths answer refusals in MLflow's shape.
    const mlflow = await preflight('/endpoints/chat/invocations', { origin: 'https://other.test', 'access-control-request-method': 'POST' });
    assert.equal(mlflow.status, 403);
    const mbody = await mlflow.json();
    assert.ok(mbody.error_code ?? mbody.message ?? mbody.detail, JSON.stringify(mbody));

    // Not a preflight (no Access-Control-Request-Method): OPTIONS stays a 405.
    const plainOptions = await fetch(gw.url + '/v1/chat/completions', { method: 'OPTIONS', headers: { origin: allowedPage.origin } });
    assert.equal(plainOptions.status, 405);
    assert.equal(plainOptions.headers.get('access-control-allow-origin'), allowedPage.origin);

    // A request from an origin that is not allowed gets no grant, and Vary tells caches why.
    const other = await fetch(gw.url + '/health', { headers: { origin: 'https://other.test' } });
    assert.equal(other.status, 200);
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    assert.match(other.headers.get('vary') ?? '', /Origin/);
    const exposed = await fetch(gw.url + '/health', { headers: { origin: allowedPage.origin } });
    assert.match(exposed.headers.get('access-control-expose-headers'), /x-request-id/);
  } finally {
    await stopCleanly(gw);
  }
});

test('CORS off (the default): OPTIONS is a 405 and answers carry no grant', async () => {
  const gw = await startSluice(config('null').replace('server:\n  cors: null\n', ''), {
    env: { PEPPER: 'pepper-for-cors-tests-0123456789', KEY },
  });
  try {
    const r = await fetch(gw.url + '/v1/chat/completions', {
      method: 'OPTIONS', headers: { origin: allowedPage.origin, 'access-control-request-method': 'POST' },
    });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('access-control-allow-origin'), null);
  } finally {
    await stopCleanly(gw);
  }
});

test('config errors name the field', async () => {
  const cases = [
    ['{allow_origins: ["*"], allow_credentials: true}', /server\.cors\.allow_credentials: cannot be true with allow_origins "\*"/],
    ['{allow_origins: ["https://app.example.com/"]}', /server\.cors\.allow_origins\[0\]: 'https:\/\/app\.example\.com\/' is not an origin/],
    ['{allow_origins: []}', /server\.cors\.allow_origins: must not be empty/],
    ['{allow_headers: [authorization]}', /server\.cors: allow_origins is required/],
    ['{allow_origins: ["*"], allow_methods: ["GET POST"]}', /server\.cors\.allow_methods\[0\]: 'GET POST' is not a method name/],
    ['{allow_origins: ["*"], max_age_s: -1}', /server\.cors\.max_age_s: must be between 0 and 86400/],
    ['{allow_origins: ["*"], origins: ["x"]}', /server\.cors: unknown key 'origins'/],
  ];
  for (const [cors, expected] of cases) {
    const path = writeConfig(config(cors));
    const r = await runSluice(['check-config', path], { PEPPER: 'pepper-for-cors-tests-0123456789', KEY });
    assert.notEqual(r.code, 0, cors);
    assert.match(r.stderr + r.stdout, expected, cors);
  }
});
