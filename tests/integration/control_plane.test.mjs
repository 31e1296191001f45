// The control plane with the real binary: endpoints, routes and secrets made through the admin
// API are kept in the store, served at once by the gateway that made them and within a second by
// a second replica on the same store (SQLite here; PostgreSQL in control_plane_postgres); the
// file's names are read-only; bad definitions are 400s naming the field; a secret's value reaches
// the provider and nothing else (no answer, no log line, not the database file); every change is
// in the audit trail; the CLI does the same, and rotate-key re-seals every secret.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRecordingUpstream } from '../support/recording_upstream.mjs';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSluice, runSluice, writeConfig, eventually, tempDir } from '../support/sluice.mjs';
import { stopCleanly } from './helpers.mjs';

const ADMIN = 'admin-key-for-control-plane-tests';
const SECRETS_KEY = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const NEW_KEY = 'f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff';
const SECRET = 'sk-provider-secret-never-shown-4711';
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

// An OpenAI-shaped upstream that records the Authorization header and model of each request.
let upstream;
before(async () => {
  upstream = await startRecordingUpstream();
});
after(async () => upstream.close());

const config = (db, { key = SECRETS_KEY } = {}) => `
auth:
  admin_key: ${ADMIN}
  secrets_key: \${{ secrets.TEST_SECRETS_KEY }}
stores: {sqlite: ${db}}
endpoints:
  - name: local
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: m}
`;
const envFor = (key = SECRETS_KEY) => ({ TEST_SECRETS_KEY: key });

const call = (gw, method, path, body) =>
  fetch(gw.url + path, { method, headers: admin, body: body === undefined ? undefined : JSON.stringify(body) });
const chat = (gw, model) => fetch(gw.url + '/v1/chat/completions', {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
});
const endpoint = (name, model, secret = 'openai-prod') => ({
  name, endpoint_type: 'llm/v1/chat',
  model: { provider: 'openai', name: model, config: { openai_api_key: { secret }, openai_api_base: upstream.base } },
});

test('an endpoint and its secret made through the API serve at once here and within a second on a second replica', async () => {
  const dir = tempDir();
  const db = join(dir, 'gw.db');
  const a = await startSluice(config(db), { env: envFor() });
  const b = await startSluice(config(db), { env: envFor() });
  try {
    let r = await call(a, 'POST', '/admin/secrets', { name: 'openai-prod', value: SECRET });
    assert.equal(r.status, 201, await r.clone().text());
    const created = await r.json();
    assert.deepEqual(Object.keys(created).sort(), ['created_at', 'key_id', 'name', 'object', 'updated_at', 'used_by', 'workspace']);

    r = await call(a, 'POST', '/admin/endpoints', endpoint('chat', 'gpt-4o-mini'));
    assert.equal(r.status, 201, await r.clone().text());
    const made = await r.json();
    assert.equal(made.source, 'store');
    assert.deepEqual(made.definition.model.config.openai_api_key, { secret: 'openai-prod' });

    // The replica that made it serves it on the next request.
    r = await chat(a, 'chat');
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal((await r.json()).choices[0].message.content, 'hi from gpt-4o-mini');
    assert.equal(upstream.seen.at(-1).auth, `Bearer ${SECRET}`, 'the provider gets the opened secret');

    // The other replica within a second (its watcher reads the store's version once a second).
    const t0 = Date.now();
    await eventually(async () => (await chat(b, 'chat')).status === 200, 3000, 'replica b serves the new endpoint');
    assert.ok(Date.now() - t0 < 2500, `replica b took ${Date.now() - t0} ms`);
    assert.equal(upstream.seen.at(-1).auth, `Bearer ${SECRET}`);
    const models = await (await fetch(b.url + '/v1/models')).json();
    assert.ok(models.data.some((m) => m.id === 'chat'));

    // A change (a merge patch) reaches both.
    r = await call(a, 'PATCH', '/admin/endpoints/chat', { model: { name: 'gpt-4o' } });
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal((await (await chat(a, 'chat')).json()).choices[0].message.content, 'hi from gpt-4o');
    await eventually(async () => (await (await chat(b, 'chat')).json()).choices?.[0]?.message?.content === 'hi from gpt-4o', 3000, 'replica b sees the change');

    // A new secret value is used at once, too.
    r = await call(a, 'PATCH', '/admin/secrets/openai-prod', { value: SECRET + '-v2' });
    assert.equal(r.status, 200);
    await chat(a, 'chat');
    assert.equal(upstream.seen.at(-1).auth, `Bearer ${SECRET}-v2`);

    // A route over stored and file endpoints.
    r = await call(a, 'POST', '/admin/routes', { name: 'both', task_type: 'llm/v1/chat', destinations: [{ name: 'chat' }, { name: 'local' }] });
    assert.equal(r.status, 201, await r.clone().text());
    assert.equal((await chat(a, 'both')).status, 200);
    // An endpoint a route uses cannot go; a secret an endpoint uses cannot either.
    r = await call(a, 'DELETE', '/admin/endpoints/chat');
    assert.equal(r.status, 409);
    assert.match((await r.json()).error.message, /stored route 'both'.*'chat' is not an endpoint/);
    r = await call(a, 'DELETE', '/admin/secrets/openai-prod');
    assert.equal(r.status, 409);
    assert.match((await r.json()).error.message, /in use/);
    const secret = await (await call(a, 'GET', '/admin/secrets/openai-prod')).json();
    assert.deepEqual(secret.used_by, [{ kind: 'endpoint', name: 'chat' }]);

    // Then deleted, in order; both replicas answer 404 for it.
    assert.equal((await call(a, 'DELETE', '/admin/routes/both')).status, 200);
    assert.equal((await call(a, 'DELETE', '/admin/endpoints/chat')).status, 200);
    assert.equal((await chat(a, 'chat')).status, 404);
    await eventually(async () => (await chat(b, 'chat')).status === 404, 3000, 'replica b drops it');
    assert.equal((await call(a, 'DELETE', '/admin/secrets/openai-prod')).status, 200);

    // The audit trail: every change, newest first, by the admin key, never the value.
    const audit = await (await call(a, 'GET', '/admin/audit?limit=20')).json();
    const trail = audit.data.map((x) => `${x.action} ${x.kind} ${x.name}`);
    assert.deepEqual(trail, [
      'delete secret openai-prod', 'delete endpoint chat', 'delete route both', 'create route both',
      'update secret openai-prod', 'update endpoint chat', 'create endpoint chat', 'create secret openai-prod',
    ]);
    assert.ok(audit.data.every((x) => x.actor === 'admin' && x.ts_ms > 0));
    const update = audit.data.find((x) => x.action === 'update' && x.kind === 'endpoint');
    assert.equal(update.before.model.name, 'gpt-4o-mini');
    assert.equal(update.after.model.name, 'gpt-4o');
    const filtered = await (await call(a, 'GET', '/admin/audit?kind=secret')).json();
    assert.equal(filtered.data.length, 3);
    assert.equal((await call(a, 'GET', '/admin/audit?bogus=1')).status, 400);

    // The value is nowhere but at the provider: not in any answer, log line or the database.
    const everything = JSON.stringify(audit) + JSON.stringify(secret) + a.stderr() + b.stderr() +
      JSON.stringify(a.logs()) + JSON.stringify(b.logs());
    assert.ok(!everything.includes(SECRET), 'the secret leaked into an answer or a log');
    for (const file of [db, db + '-wal']) {
      if (!existsSync(file)) continue;
      assert.ok(!readFileSync(file).includes(Buffer.from(SECRET)), `${file} holds the secret in clear`);
      assert.ok(!readFileSync(file).includes(Buffer.from('never-shown')), `${file} holds part of the secret`);
    }
  } finally {
    await stopCleanly(a);
    await stopCleanly(b);
  }
});

test('file-defined names are read-only; bad definitions are 400s naming the field', async () => {
  const dir = tempDir();
  const gw = await startSluice(config(join(dir, 'gw.db')), { env: envFor() });
  try {
    for (const [method, path, body] of [
      ['POST', '/admin/endpoints', { name: 'local', endpoint_type: 'llm/v1/chat', model: { provider: 'mock', name: 'x' } }],
      ['PATCH', '/admin/endpoints/local', { model: { name: 'y' } }],
      ['DELETE', '/admin/endpoints/local'],
    ]) {
      const r = await call(gw, method, path, body);
      assert.equal(r.status, 409, `${method} ${path}`);
      assert.match((await r.json()).error.message, /config file/);
    }
    const local = await (await call(gw, 'GET', '/admin/endpoints/local')).json();
    assert.equal(local.source, 'file');
    assert.equal(local.definition, undefined, 'a file definition (which may hold keys) is not shown');

    await call(gw, 'POST', '/admin/secrets', { name: 's1', value: SECRET });
    const cases = [
      [{ endpoint_type: 'llm/v1/chat', model: { provider: 'mock', name: 'x' } }, 'name', /Missing required field 'name'/],
      [{ name: 'bad name!', endpoint_type: 'llm/v1/chat', model: { provider: 'mock', name: 'x' } }, 'name', /may only contain/],
      [{ name: 'e1', endpoint_type: 'llm/v9/chat', model: { provider: 'mock', name: 'x' } }, 'endpoint_type', /endpoint_type/],
      [{ name: 'e1', endpoint_type: 'llm/v1/chat', model: { provider: 'nope', name: 'x', config: {} } }, 'model.provider', /nope/],
      [{ name: 'e1', endpoint_type: 'llm/v1/chat', model: { provider: 'openai', name: 'x', config: { openai_api_key: 'sk-literal-key' } } }, 'model.config.openai_api_key', /POST \/admin\/secrets/],
      [{ name: 'e1', endpoint_type: 'llm/v1/chat', model: { provider: 'openai', name: 'x', config: { openai_api_key: { secret: 'missing' } } } }, 'model.config.openai_api_key.secret', /no secret named 'missing'/],
      [{ name: 'e1', endpoint_type: 'llm/v1/chat', model: { provider: 'mock', name: 'x' }, timeout: { first_byte_ms: -5 } }, 'timeout.first_byte_ms', /first_byte_ms/],
    ];
    for (const [body, param, message] of cases) {
      const r = await call(gw, 'POST', '/admin/endpoints', body);
      const text = await r.text();
      assert.equal(r.status, 400, text);
      const e = JSON.parse(text).error;
      assert.equal(e.param, param, text);
      assert.match(e.message, message);
      assert.ok(!text.includes(SECRET));
    }
    const unknown = await call(gw, 'POST', '/admin/endpoints', { name: 'e1', endpoint_type: 'llm/v1/chat', modle: {} });
    assert.equal(unknown.status, 400);
    assert.match((await unknown.json()).error.message, /unknown key 'modle'/);
    assert.equal((await call(gw, 'POST', '/admin/endpoints', 'not json')).status, 400);
    assert.equal((await call(gw, 'POST', '/admin/routes', { name: 'r', task_type: 'llm/v1/chat', destinations: [{ name: 'ghost' }] })).status, 400);
    assert.equal((await call(gw, 'PATCH', '/admin/endpoints/ghost', {})).status, 404);
    assert.equal((await call(gw, 'POST', '/admin/secrets', { name: 's1', value: 'x' })).status, 409);
    assert.equal((await call(gw, 'POST', '/admin/secrets', { name: 's2', value: 'x', extra: 1 })).status, 400);
    assert.equal((await call(gw, 'POST', '/admin/secrets', { name: 's2', value: '' })).status, 400);
    assert.equal((await call(gw, 'PUT', '/admin/secrets/s1', { value: 'x' })).status, 405);
    assert.equal((await fetch(gw.url + '/admin/secrets')).status, 401);
    // The running config is untouched by all of that.
    const list = await (await call(gw, 'GET', '/admin/endpoints')).json();
    assert.deepEqual(list.data.map((e) => e.name), ['local']);
  } finally {
    await stopCleanly(gw);
  }
});

test('secrets need auth.secrets_key; a restart opens them again; the CLI manages them and rotate-key re-seals', async () => {
  const dir = tempDir();
  const db = join(dir, 'gw.db');
  const noKey = `
auth: {admin_key: ${ADMIN}}
stores: {sqlite: ${db}}
endpoints:
  - {name: local, endpoint_type: llm/v1/chat, model: {provider: mock, name: m}}
`;
  let gw = await startSluice(noKey);
  try {
    const r = await call(gw, 'POST', '/admin/secrets', { name: 'k', value: SECRET });
    assert.equal(r.status, 400);
    assert.match((await r.json()).error.message, /auth\.secrets_key/);
  } finally {
    await stopCleanly(gw);
  }

  // The CLI, against the same store, without a running gateway.
  const path = writeConfig(config(db));
  let out = await runSluice(['secrets', 'create', 'openai-prod', '-c', path], envFor(), SECRET + '\n');
  assert.equal(out.code, 0, out.stderr);
  assert.ok(!out.stdout.includes(SECRET));
  const defFile = join(dir, 'chat.json');
  writeFileSync(defFile, JSON.stringify(endpoint('chat', 'gpt-4o-mini')));
  out = await runSluice(['endpoints', 'create', '-f', defFile, '-c', path], envFor());
  assert.equal(out.code, 0, out.stderr);
  out = await runSluice(['endpoints', 'create', '-f', defFile, '-c', path], envFor());
  assert.notEqual(out.code, 0);
  assert.match(out.stderr, /already exists/);

  gw = await startSluice(config(db), { env: envFor() });
  try {
    assert.equal((await chat(gw, 'chat')).status, 200, 'a restart serves the stored endpoint');
    assert.equal(upstream.seen.at(-1).auth, `Bearer ${SECRET}`);
  } finally {
    await stopCleanly(gw);
  }

  // Rotate: every secret re-sealed with the new key; the old key no longer opens them.
  out = await runSluice(['secrets', 'rotate-key', '-c', path], envFor(), NEW_KEY + '\n');
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /re-sealed 1 secret/);
  const withOld = await runSluice(['check-config', path], envFor());
  assert.equal(withOld.code, 0, 'check-config reads the file alone');
  out = await runSluice(['secrets', 'rotate-key', '-c', path], envFor(NEW_KEY), NEW_KEY + '\n');
  assert.notEqual(out.code, 0, 'rotating to the key in use is refused');
  // A gateway still on the old key starts, leaves the endpoint whose secret it cannot open out
  // (saying why), and refuses to seal a new secret with the old key.
  gw = await startSluice(config(db), { env: envFor() });
  try {
    await eventually(() => /left out of the config: stored endpoint 'chat'.*sealed with key/.test(gw.stderr()), 3000, 'the warning');
    assert.equal((await chat(gw, 'chat')).status, 404);
    const listed = await (await call(gw, 'GET', '/admin/endpoints')).json();
    const left = listed.data.find((e) => e.name === 'chat');
    assert.equal(left.loaded, false);
    assert.match(left.error, /sealed with key/);
    const mixed = await call(gw, 'POST', '/admin/secrets', { name: 'mixed', value: 'x' });
    assert.equal(mixed.status, 409);
    assert.match((await mixed.json()).error.message, /key rotation is under way/);
  } finally {
    await stopCleanly(gw);
  }
  gw = await startSluice(config(db), { env: envFor(NEW_KEY) });
  try {
    assert.equal((await chat(gw, 'chat')).status, 200);
    assert.equal(upstream.seen.at(-1).auth, `Bearer ${SECRET}`);
    const audit = await (await call(gw, 'GET', '/admin/audit')).json();
    assert.deepEqual(audit.data.map((x) => `${x.actor} ${x.action} ${x.kind}`),
      ['cli rotate-key secret', 'cli create endpoint', 'cli create secret']);
  } finally {
    await stopCleanly(gw);
  }
  const bytes = readFileSync(db);
  assert.ok(!bytes.includes(Buffer.from(SECRET)));
});

test('stored definitions cannot reach the environment or the host\'s files, nor hold credentials', async () => {
  const dir = tempDir();
  const gw = await startSluice(config(join(dir, 'gw.db')), { env: { ...envFor(), LEAKME: 'sk-from-the-environment' } });
  try {
    assert.equal((await call(gw, 'POST', '/admin/secrets', { name: 'path', value: '/etc/hostname' })).status, 201);
    const def = (cfg, provider = 'openai') => ({ name: 'x1', endpoint_type: 'llm/v1/chat', model: { provider, name: 'm', config: cfg } });
    const cases = [
      [def({ openai_api_key: '${{ secrets.LEAKME }}', openai_api_base: upstream.base }), 'model.config.openai_api_key'],
      [def({ openai_api_key: '$LEAKME' }), 'model.config.openai_api_key'],
      [def({ openai_api_key: { secret: 'path' }, openai_api_base: 'http://${LEAKME}/v1' }), 'model.config.openai_api_base'],
      [def({ openai_api_key: 12345 }), 'model.config.openai_api_key'],
      [def({ openai_api_key: {} }), 'model.config.openai_api_key'],
      [def({ openai_api_key: { secret: null } }), 'model.config.openai_api_key'],
      [def({ vertex_project: 'p', vertex_credentials: '/etc/hostname' }, 'vertex_ai'), 'model.config.vertex_credentials'],
      [def({ base_url: upstream.base, headers: { 'X-Api-Key': 'literal' } }, 'custom'), 'model.config.headers.X-Api-Key'],
      [def({ base_url: upstream.base, headers: { Authorization: 'Bearer literal' } }, 'custom'), 'model.config.headers.Authorization'],
    ];
    for (const [body, param] of cases) {
      const r = await call(gw, 'POST', '/admin/endpoints', body);
      const text = await r.text();
      assert.equal(r.status, 400, `${JSON.stringify(body.model.config)} → ${text}`);
      assert.equal(JSON.parse(text).error.param, param, text);
      assert.ok(!text.includes('sk-from-the-environment'));
    }
    // A secret holding a path is not read as a file either.
    const r = await call(gw, 'POST', '/admin/endpoints', def({ vertex_project: 'p', vertex_credentials: { secret: 'path' } }, 'vertex_ai'));
    assert.equal(r.status, 400);
    assert.match((await r.json()).error.message, /a path is for the config file/);
    for (const bad of [{ name: 'nul', value: 'a\u0000b' }, { name: '..', value: 'x' }, { name: 'x', value: 5 }]) {
      assert.equal((await call(gw, 'POST', '/admin/secrets', bad)).status, 400, JSON.stringify(bad));
    }
    assert.equal((await call(gw, 'POST', '/admin/endpoints', { name: '...', endpoint_type: 'llm/v1/chat', model: { provider: 'mock', name: 'm' } })).status, 400);
    assert.equal((await call(gw, 'GET', '/admin/audit?kind=bogus')).status, 400);
    // Nothing was made but the one secret.
    const audit = await (await call(gw, 'GET', '/admin/audit')).json();
    assert.deepEqual(audit.data.map((x) => `${x.action} ${x.kind} ${x.name}`), ['create secret path']);
    assert.ok(!gw.stderr().includes('sk-from-the-environment'));
  } finally {
    await stopCleanly(gw);
  }
});

test('a stored name the file later takes is left out, not fatal, and can still be deleted; concurrent writers never both win', async () => {
  const dir = tempDir();
  const db = join(dir, 'gw.db');
  let gw = await startSluice(config(db), { env: envFor() });
  try {
    const r = await call(gw, 'POST', '/admin/endpoints', { name: 'later', endpoint_type: 'llm/v1/chat', model: { provider: 'mock', name: 'stored' } });
    assert.equal(r.status, 201);
  } finally {
    await stopCleanly(gw);
  }
  const withLater = config(db) + '  - {name: later, endpoint_type: llm/v1/chat, model: {provider: mock, name: file}}\n';
  const a = await startSluice(withLater, { env: envFor() });
  const b = await startSluice(withLater, { env: envFor() });
  try {
    assert.match(a.stderr(), /left out of the config: stored endpoint 'later'.*used twice/);
    const listed = await (await call(a, 'GET', '/admin/endpoints')).json();
    assert.deepEqual(listed.data.filter((e) => e.name === 'later').map((e) => `${e.source} ${e.loaded ?? true}`).sort(), ['file true', 'store false']);
    assert.equal((await call(a, 'PATCH', '/admin/endpoints/later', { model: { name: 'x' } })).status, 409);
    assert.equal((await call(a, 'DELETE', '/admin/endpoints/later')).status, 200, 'the stored copy can go');
    assert.equal((await call(a, 'DELETE', '/admin/endpoints/later')).status, 409, 'the file\'s stays');

    // Two replicas race to create the same names: one write wins each time, the other is a
    // conflict (409), and the store always loads.
    const def = (name) => ({ name, endpoint_type: 'llm/v1/chat', model: { provider: 'mock', name: 'm' } });
    for (let i = 0; i < 5; i++) {
      const [x, y] = await Promise.all([
        call(a, 'POST', '/admin/endpoints', def(`race${i}`)),
        call(b, 'POST', i % 2 ? '/admin/routes' : '/admin/endpoints',
          i % 2 ? { name: `race${i}`, task_type: 'llm/v1/chat', destinations: [{ name: 'local' }] } : def(`race${i}`)),
      ]);
      assert.deepEqual([x.status, y.status].sort(), [201, 409], `race${i}: ${x.status} ${y.status} ${await y.text()}`);
    }
    const creates = (await (await call(a, 'GET', '/admin/audit?limit=100')).json()).data.filter((x) => x.name.startsWith('race'));
    assert.equal(creates.length, 5);
    const fresh = await startSluice(config(db), { env: envFor() });
    assert.ok(!/left out/.test(fresh.stderr()), fresh.stderr());
    await stopCleanly(fresh);
  } finally {
    await stopCleanly(a);
    await stopCleanly(b);
  }
});

test('a stored endpoint whose fallback leaves the file is left out on restart, not fatal', async () => {
  const dir = tempDir();
  const db = join(dir, 'gw.db');
  const withBackup = config(db) + '  - {name: backup, endpoint_type: llm/v1/chat, model: {provider: mock, name: backup}}\n';
  let gw = await startSluice(withBackup, { env: envFor() });
  try {
    const r = await call(gw, 'POST', '/admin/endpoints',
      { name: 'primary', endpoint_type: 'llm/v1/chat', model: { provider: 'mock', name: 'p' }, fallbacks: ['backup'] });
    assert.equal(r.status, 201, await r.text());
    assert.equal((await chat(gw, 'primary')).status, 200);
  } finally {
    await stopCleanly(gw);
  }
  // The fallback's endpoint is gone from the file: the gateway starts, without 'primary'.
  gw = await startSluice(config(db), { env: envFor() });
  try {
    assert.match(gw.stderr(), /left out of the config: stored endpoint 'primary'.*backup/);
    assert.equal((await chat(gw, 'local')).status, 200);
    assert.equal((await chat(gw, 'primary')).status, 404);
    const listed = await (await call(gw, 'GET', '/admin/endpoints')).json();
    const primary = listed.data.find((e) => e.name === 'primary');
    assert.equal(primary.loaded, false);
    assert.match(primary.error, /backup/);
    assert.equal((await call(gw, 'DELETE', '/admin/endpoints/primary')).status, 200);
  } finally {
    await stopCleanly(gw);
  }
});
