// The control plane on PostgreSQL with two replicas: an endpoint and a secret made on one are
// served by the other within a second, a change and a delete follow, and the secrets table holds
// only ciphertext.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRecordingUpstream } from '../support/recording_upstream.mjs';
import { startPostgres } from '../support/postgres_server.mjs';
import { startSluice, runSluice, writeConfig, eventually } from '../support/sluice.mjs';
import { stopCleanly } from './helpers.mjs';

const ADMIN = 'admin-key-for-control-plane-pg-tests';
const SECRET = 'sk-pg-provider-secret-0815-never-shown';
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

let pg, upstream;
before(async () => {
  pg = await startPostgres();
  upstream = await startRecordingUpstream();
});
after(async () => {
  await upstream?.close();
  await pg?.stop();
});

const chat = (gw, model) => fetch(gw.url + '/v1/chat/completions', {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
});
const said = async (gw, model) => (await (await chat(gw, model)).json()).choices?.[0]?.message?.content;

test('two replicas on PostgreSQL: made on one, served by the other within a second; only ciphertext kept', async () => {
  const db = await pg.database();
  const yaml = `
auth:
  admin_key: ${ADMIN}
  secrets_key: \${{ secrets.TEST_SECRETS_KEY }}
stores:
  postgres: \${{ secrets.TEST_PG_URL }}
endpoints:
  - {name: local, endpoint_type: llm/v1/chat, model: {provider: mock, name: m}}
`;
  const env = { TEST_PG_URL: db.url, TEST_SECRETS_KEY: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=' };
  const a = await startSluice(yaml, { env });
  const b = await startSluice(yaml, { env });
  try {
    let r = await fetch(a.url + '/admin/secrets', { method: 'POST', headers: admin, body: JSON.stringify({ name: 'prod', value: SECRET }) });
    assert.equal(r.status, 201, await r.clone().text());
    r = await fetch(a.url + '/admin/endpoints', {
      method: 'POST', headers: admin, body: JSON.stringify({
        name: 'chat', endpoint_type: 'llm/v1/chat',
        model: { provider: 'openai', name: 'gpt-4o-mini', config: { openai_api_key: { secret: 'prod' }, openai_api_base: upstream.base } },
      }),
    });
    assert.equal(r.status, 201, await r.clone().text());
    assert.equal(await said(a, 'chat'), 'hi from gpt-4o-mini');
    const t0 = Date.now();
    await eventually(async () => (await said(b, 'chat')) === 'hi from gpt-4o-mini', 3000, 'replica b serves it');
    assert.ok(Date.now() - t0 < 2500, `replica b took ${Date.now() - t0} ms`);
    assert.equal(upstream.seen.at(-1).auth, `Bearer ${SECRET}`);

    r = await fetch(b.url + '/admin/endpoints/chat', { method: 'PATCH', headers: admin, body: JSON.stringify({ model: { name: 'gpt-4o' } }) });
    assert.equal(r.status, 200, await r.clone().text());
    await eventually(async () => (await said(a, 'chat')) === 'hi from gpt-4o', 3000, 'replica a sees b\'s change');

    const rows = await db.sql('SELECT name, key_id, nonce, ciphertext FROM secrets');
    assert.match(rows, /^prod\|[0-9a-f]{16}\|/);
    assert.ok(!rows.includes(SECRET) && !rows.includes('never-shown'));
    const dump = await db.sql("SELECT string_agg(body, '') FROM config_objects") +
      await db.sql("SELECT string_agg(before_json || after_json, '') FROM audit");
    assert.ok(!dump.includes(SECRET));
    const trail = await db.sql("SELECT action || ' ' || kind || ' ' || name FROM audit ORDER BY id");
    assert.deepEqual(trail.split('\n'), ['create secret prod', 'create endpoint chat', 'update endpoint chat']);

    assert.equal((await fetch(a.url + '/admin/endpoints/chat', { method: 'DELETE', headers: admin })).status, 200);
    await eventually(async () => (await chat(b, 'chat')).status === 404, 3000, 'replica b drops it');
    assert.ok(!(a.stderr() + b.stderr()).includes(SECRET));
  } finally {
    await stopCleanly(a);
    await stopCleanly(b);
  }
});

test('MLflow 3\'s gateway objects on PostgreSQL: made on one replica, served by the other; rotate-key re-seals them there', async () => {
  const db = await pg.database();
  const yaml = `
auth:
  admin_key: ${ADMIN}
  secrets_key: \${{ secrets.TEST_SECRETS_KEY }}
stores:
  postgres: \${{ secrets.TEST_PG_URL }}
endpoints:
  - {name: local, endpoint_type: llm/v1/chat, model: {provider: mock, name: m}}
`;
  const OLD = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
  const NEW = 'f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff';
  const env = { TEST_PG_URL: db.url, TEST_SECRETS_KEY: OLD };
  const API = '/api/3.0/mlflow/gateway';
  const mlflow = async (gw, path, body) => {
    const r = await fetch(gw.url + API + path, { method: 'POST', headers: admin, body: JSON.stringify(body) });
    assert.equal(r.status, 200, await r.clone().text());
    return r.json();
  };
  let a = await startSluice(yaml, { env });
  const b = await startSluice(yaml, { env });
  try {
    const { secret } = await mlflow(a, '/secrets/create', { secret_name: 'k', secret_value: { api_key: SECRET }, auth_config: { api_base: upstream.base } });
    const { model_definition: def } = await mlflow(a, '/model-definitions/create', { name: 'm', secret_id: secret.secret_id, provider: 'openai', model_name: 'gpt-4o-mini' });
    await mlflow(a, '/endpoints/create', { name: 'ml', model_configs: [{ model_definition_id: def.model_definition_id }] });
    await eventually(async () => (await said(b, 'ml')) === 'hi from gpt-4o-mini', 3000, 'replica b serves the MLflow endpoint');
    assert.equal(upstream.seen.at(-1).auth, `Bearer ${SECRET}`);
    const rows = await db.sql("SELECT kind || ' ' || body FROM config_objects ORDER BY kind");
    assert.match(rows, /^mlflow_endpoint /m);
    assert.match(rows, /"ciphertext"/);
    assert.ok(!rows.includes(SECRET));
  } finally {
    await stopCleanly(a);
    await stopCleanly(b);
  }
  const path = writeConfig(yaml);
  const out = await runSluice(['secrets', 'rotate-key', '-c', path], env, NEW + '\n');
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /re-sealed 1 secret/);
  a = await startSluice(yaml, { env: { ...env, TEST_SECRETS_KEY: NEW } });
  try {
    assert.equal(await said(a, 'ml'), 'hi from gpt-4o-mini');
  } finally {
    await stopCleanly(a);
  }
});
