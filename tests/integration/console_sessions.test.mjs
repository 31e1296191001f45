// The console's sessions against the real binary: a session lives only while its key is what it
// was at sign-in (rotated, moved, demoted, revoked keys and a changed admin key end it); a
// browser's cross-site request never signs in nor rides on the cookie; one key's sign-ins
// cannot push out everyone else's; the cookie's attributes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { startSluice, tempDir } from '../support/sluice.mjs';

const ADMIN = 'admin-key-for-console-session-tests';
const NEW_ADMIN = 'the-next-admin-key-for-session-tests';
let gw;

before(async () => {
  gw = await startSluice(`
auth:
  mode: keys
  admin_key: ${ADMIN}
  pepper: pepper-for-console-session-tests-0123
stores: {sqlite: ${join(tempDir(), 'gw.db')}}
endpoints:
  - {name: chat, endpoint_type: llm/v1/chat, model: {provider: mock, name: m}}
`);
});

after(async () => { await gw?.stop(); });

const asAdmin = (path, method = 'GET', body) => fetch(`${gw.url}${path}`, {
  method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body),
});

async function signIn(key, headers = {}) {
  const r = await fetch(`${gw.url}/ui/api/session`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ key }),
  });
  const body = await r.json();
  return { status: r.status, body, cookie: r.headers.get('set-cookie'), session: r.headers.get('set-cookie')?.split(';')[0] };
}

async function makeKey(fields) {
  const r = await asAdmin('/admin/keys', 'POST', fields);
  assert.equal(r.status, 201);
  return r.json();
}

// A request as written (two headers of one name, which fetch() would join).
function rawRequest(text) {
  return new Promise((resolve, reject) => {
    const sock = connect(gw.port, '127.0.0.1', () => sock.end(text));
    let out = '';
    sock.on('data', (d) => (out += d));
    sock.on('end', () => resolve(out));
    sock.on('error', reject);
  });
}

const withSession = (s, path, method = 'GET', body) => fetch(`${gw.url}${path}`, {
  method,
  headers: { cookie: s.session, 'x-csrf-token': s.body.csrf_token, 'content-type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body),
});

test('rotating, moving, demoting or revoking the key ends its sessions', async () => {
  // Rotated: the old secret is gone, so is every session made with it.
  const wa = await makeKey({ name: 'wa', workspace: 'team-a', role: 'admin' });
  const dev = await makeKey({ name: 'dev', workspace: 'team-a' });
  const waSession = await signIn(wa.key);
  const devSession = await signIn(dev.key);
  assert.equal(waSession.body.role, 'workspace_admin');
  assert.equal((await withSession(waSession, '/admin/keys')).status, 200);
  assert.equal((await withSession(devSession, '/v1/key')).status, 200);
  assert.equal((await asAdmin(`/admin/keys/${wa.id}/rotate`, 'POST')).status, 200);
  assert.equal((await asAdmin(`/admin/keys/${dev.id}/rotate`, 'POST')).status, 200);
  let r = await withSession(waSession, '/admin/keys', 'POST', { name: 'after-rotation' });
  assert.equal(r.status, 401, await r.text());
  assert.equal((await withSession(waSession, '/ui/api/session')).status, 401);
  assert.equal((await withSession(devSession, '/v1/key')).status, 401);

  // Moved to another workspace: the session of the old one ends.
  const rotated = await (await asAdmin(`/admin/keys/${wa.id}/rotate`, 'POST')).json();
  const again = await signIn(rotated.key);
  assert.equal(again.body.workspace, 'team-a');
  assert.equal((await asAdmin(`/admin/keys/${wa.id}`, 'PATCH', { workspace: 'team-b' })).status, 200);
  r = await withSession(again, '/admin/keys', 'POST', { name: 'made-by-moved-key' });
  assert.equal(r.status, 401);
  const keys = await (await asAdmin('/admin/keys')).json();
  assert.ok(!keys.data.some((k) => k.name === 'made-by-moved-key'));

  // Demoted to a plain key: a workspace admin's session ends.
  const third = await signIn(rotated.key);
  assert.equal(third.body.workspace, 'team-b');
  assert.equal((await asAdmin(`/admin/keys/${wa.id}`, 'PATCH', { role: 'user' })).status, 200);
  assert.equal((await withSession(third, '/admin/keys')).status, 401);

  // Revoked.
  const fourth = await signIn(rotated.key);
  assert.equal(fourth.body.role, 'developer');
  assert.equal((await asAdmin(`/admin/keys/${wa.id}`, 'DELETE')).status, 200);
  assert.equal((await withSession(fourth, '/v1/key')).status, 401);
});

test('a changed admin key ends the admin\'s sessions', async () => {
  const s = await signIn(ADMIN);
  assert.equal(s.body.role, 'admin');
  assert.equal((await withSession(s, '/admin/keys')).status, 200);
  const path = gw.configPath;
  const before = readFileSync(path, 'utf8');
  writeFileSync(path, before.replace(`admin_key: ${ADMIN}`, `admin_key: ${NEW_ADMIN}`));
  try {
    const reload = await fetch(`${gw.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(reload.status, 200, await reload.text());
    const r = await withSession(s, '/admin/keys');
    assert.equal(r.status, 401);
    assert.match((await r.json()).error.message, /Sign in again/);
  } finally {
    writeFileSync(path, before);
    const back = await fetch(`${gw.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${NEW_ADMIN}` } });
    assert.equal(back.status, 200);
  }
});

test('a browser\'s cross-site request neither signs in nor rides on the cookie', async () => {
  const host = new URL(gw.url).host;
  // Sign-in: JSON from the page's own origin only.
  let s = await signIn(ADMIN, { origin: 'https://evil.example' });
  assert.equal(s.status, 403);
  assert.equal(s.cookie, null);
  s = await signIn(ADMIN, { 'sec-fetch-site': 'cross-site', origin: `http://${host}` });
  assert.equal(s.status, 403);
  const form = await fetch(`${gw.url}/ui/api/session`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ key: ADMIN }) });
  assert.equal(form.status, 415);
  assert.equal(form.headers.get('set-cookie'), null);
  s = await signIn(ADMIN, { origin: `http://${host.toUpperCase()}`, 'sec-fetch-site': 'same-origin' });
  assert.equal(s.status, 200);

  // The cookie of a live session, sent by a page of another site (as a CORS grant would let it):
  // not a session there, even for a read.
  for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'http://evil.example' }, { origin: 'null' }]) {
    const r = await fetch(`${gw.url}/admin/keys`, { headers: { cookie: s.session, ...headers } });
    assert.equal(r.status, 401, JSON.stringify(headers));
  }
  assert.equal((await fetch(`${gw.url}/admin/keys`, { headers: { cookie: s.session, 'sec-fetch-site': 'same-origin' } })).status, 200);
  // Both headers must agree, and each comes once.
  for (const headers of [
    { 'sec-fetch-site': 'same-origin', origin: 'http://evil.example' },
    { 'sec-fetch-site': 'none', origin: 'null' },
  ]) {
    assert.equal((await fetch(`${gw.url}/admin/keys`, { headers: { cookie: s.session, ...headers } })).status, 401, JSON.stringify(headers));
    assert.equal((await signIn(ADMIN, headers)).status, 403, JSON.stringify(headers));
  }
  const twice = await rawRequest(`GET /admin/keys HTTP/1.1\r\nHost: ${host}\r\nCookie: ${s.session}\r\nOrigin: http://${host}\r\nOrigin: http://evil.example\r\nConnection: close\r\n\r\n`);
  assert.match(twice, /^HTTP\/1\.1 401/);
  // HEAD changes nothing: no token needed. POST without it is refused.
  assert.notEqual((await fetch(`${gw.url}/admin/keys`, { method: 'HEAD', headers: { cookie: s.session } })).status, 403);
  assert.equal((await fetch(`${gw.url}/admin/keys`, { method: 'POST', headers: { cookie: s.session, 'content-type': 'application/json' }, body: '{"name":"x"}' })).status, 403);
});

test('signing in again ends the browser\'s previous session; one key cannot push out the others', async () => {
  const admin = await signIn(ADMIN);
  const dev = await makeKey({ name: 'flooder' });
  const first = await signIn(dev.key);
  // The same browser signing in again: the session its cookie named ends.
  const second = await signIn(dev.key, { cookie: first.session });
  assert.equal(second.status, 200);
  assert.equal((await withSession(first, '/v1/key')).status, 401);
  assert.equal((await withSession(second, '/v1/key')).status, 200);
  // 50 more sign-ins of one key keep only its most recent 32; the admin's session stays.
  const all = [];
  for (let i = 0; i < 50; i++) all.push(await signIn(dev.key));
  assert.equal((await withSession(admin, '/admin/keys')).status, 200);
  assert.equal((await withSession(all.at(-1), '/v1/key')).status, 200);
  assert.equal((await withSession(all[0], '/v1/key')).status, 401);
});

test('the cookie: HttpOnly, SameSite=Strict, Secure behind HTTPS; sessions need a live key', async () => {
  const plain = await signIn(ADMIN);
  assert.match(plain.cookie, /HttpOnly/);
  assert.match(plain.cookie, /SameSite=Strict/);
  assert.doesNotMatch(plain.cookie, /Secure/);
  const tls = await signIn(ADMIN, { 'x-forwarded-proto': 'https' });
  assert.match(tls.cookie, /; Secure/);
  // The admin API reads a dead cookie as such, not as a missing key.
  const r = await fetch(`${gw.url}/admin/keys`, { headers: { cookie: 'sluice_session=not-a-session' } });
  assert.equal(r.status, 401);
  assert.match((await r.json()).error.message, /Sign in again/);
  // Another cookie of the site alone: the usual key check.
  const other = await fetch(`${gw.url}/admin/keys`, { headers: { cookie: 'theme=dark' } });
  assert.equal(other.status, 401);
  assert.match((await other.json()).error.message, /admin key/);
});
