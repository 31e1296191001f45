// MLflow 3's gateway management API (/api/3.0/mlflow/gateway/…) with the real binary: secrets,
// model definitions and endpoints made the way MLflow's client and UI make them are kept in the
// store, served at once through MLflow's invocation paths, sluice's own and the raw proxy, and on
// a second replica within a second; traffic split and fallback reach the models they name; errors
// come in MLflow's shape ({error_code, message}); the secret's value reaches the provider and
// nothing else (no answer, no log, not the database file); rotate-key re-seals it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { startRecordingUpstream } from '../support/recording_upstream.mjs';
import { startFaultUpstream } from '../support/fault_upstream.mjs';
import { startSluice, runSluice, writeConfig, eventually, tempDir } from '../support/sluice.mjs';
import { stopCleanly } from './helpers.mjs';

const ADMIN = 'admin-key-for-mlflow3-management';
const SECRETS_KEY = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const NEW_KEY = 'f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff';
const SECRET = 'sk-mlflow-secret-never-shown-8086';
const API = '/api/3.0/mlflow/gateway';
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

let upstream, faulty;
before(async () => {
  upstream = await startRecordingUpstream();
  faulty = await startFaultUpstream();
});
after(async () => {
  await upstream.close();
  await faulty.close();
});

const config = (db) => `
auth:
  admin_key: ${ADMIN}
  secrets_key: \${{ secrets.TEST_SECRETS_KEY }}
  pepper: \${{ secrets.TEST_PEPPER }}
stores: {sqlite: ${db}}
endpoints:
  - name: local
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: m}
`;
const envFor = (key = SECRETS_KEY) => ({ TEST_SECRETS_KEY: key, TEST_PEPPER: 'pepper-for-mlflow3-management-0123' });

const call = (gw, method, path, body) => fetch(gw.url + path, {
  method, headers: admin, body: body === undefined ? undefined : JSON.stringify(body),
});
const post = (gw, path, body) => fetch(gw.url + path, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});
const messages = [{ role: 'user', content: 'hello' }];

// Secret → model definition → endpoint, as MLflow's UI makes them; the parsed answers.
async function makeEndpoint(gw, { name, base = upstream.base, models, fallback }) {
  let r = await call(gw, 'POST', `${API}/secrets/create`, {
    secret_name: `${name}-key`, secret_value: { api_key: SECRET }, provider: 'openai',
    auth_config: { api_base: base },
  });
  assert.equal(r.status, 200, await r.clone().text());
  const { secret } = await r.json();
  const defs = [];
  for (const m of models) {
    r = await call(gw, 'POST', `${API}/model-definitions/create`, {
      name: `${name}-${m.model}`, secret_id: secret.secret_id, provider: 'openai', model_name: m.model,
    });
    assert.equal(r.status, 200, await r.clone().text());
    defs.push((await r.json()).model_definition);
  }
  const body = {
    name,
    model_configs: models.map((m, i) => ({
      model_definition_id: defs[i].model_definition_id, linkage_type: m.linkage ?? 'PRIMARY',
      weight: m.weight ?? 1, ...(m.order !== undefined ? { fallback_order: m.order } : {}),
    })),
  };
  if (models.filter((m) => (m.linkage ?? 'PRIMARY') === 'PRIMARY').length > 1) {
    body.routing_strategy = 'REQUEST_BASED_TRAFFIC_SPLIT';
  }
  if (fallback) body.fallback_config = fallback;
  r = await call(gw, 'POST', `${API}/endpoints/create`, body);
  assert.equal(r.status, 200, await r.clone().text());
  return { secret, defs, endpoint: (await r.json()).endpoint };
}

test('a secret, a model definition and an endpoint made through MLflow\'s API serve at once here and within a second on a second replica', async () => {
  const dir = tempDir();
  const db = join(dir, 'gw.db');
  const a = await startSluice(config(db), { env: envFor() });
  const b = await startSluice(config(db), { env: envFor() });
  const answers = [];
  const keep = async (r) => { const t = await r.text(); answers.push(t); return t; };
  try {
    const { secret, defs, endpoint } = await makeEndpoint(a, { name: 'chat', models: [{ model: 'gpt-4o-mini' }] });
    // GatewaySecretInfo: the id, name, provider, auth_config and masked values; never the value.
    assert.match(secret.secret_id, /^s-[0-9a-f]{16}$/);
    assert.equal(secret.secret_name, 'chat-key');
    assert.equal(secret.provider, 'openai');
    assert.deepEqual(secret.auth_config, { api_base: upstream.base });
    assert.deepEqual(Object.keys(secret.masked_values), ['api_key']);
    assert.equal(secret.masked_values.api_key, '********8086');
    assert.ok(Number.isInteger(secret.created_at) && secret.created_at > 1.7e12, 'milliseconds');
    assert.equal(secret.sealed, undefined);
    // GatewayModelDefinition with the secret's name joined; GatewayEndpoint with its mappings.
    assert.equal(defs[0].secret_name, 'chat-key');
    assert.equal(defs[0].provider, 'openai');
    assert.match(endpoint.endpoint_id, /^e-/);
    assert.equal(endpoint.name, 'chat');
    assert.equal(endpoint.model_mappings.length, 1);
    assert.equal(endpoint.model_mappings[0].linkage_type, 'PRIMARY');
    assert.equal(endpoint.model_mappings[0].model_definition.model_name, 'gpt-4o-mini');

    // Served by the replica that made it: MLflow 3's invocation paths, sluice's own, the raw proxy.
    let r = await post(a, '/gateway/chat/mlflow/invocations', { messages });
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(JSON.parse(await keep(r)).choices[0].message.content, 'hi from gpt-4o-mini');
    assert.equal(upstream.seen.at(-1).auth, `Bearer ${SECRET}`, 'the provider gets the opened value');
    r = await post(a, '/gateway/mlflow/v1/chat/completions', { model: 'chat', messages });
    assert.equal(r.status, 200);
    await keep(r);
    r = await post(a, '/v1/chat/completions', { model: 'chat', messages });
    assert.equal(r.status, 200);
    await keep(r);
    r = await post(a, '/gateway/proxy/chat/chat/completions', { model: 'gpt-4o-mini', messages });
    assert.equal(r.status, 200, await r.clone().text());
    await keep(r);

    // The second replica within a second of the change.
    await eventually(async () => (await post(b, '/gateway/chat/mlflow/invocations', { messages })).status === 200,
      3000, 'replica b serves the MLflow endpoint');

    // Reads: get by id and by name, lists with their filters.
    r = await call(a, 'GET', `${API}/endpoints/get?name=chat`);
    assert.equal((await r.json()).endpoint.endpoint_id, endpoint.endpoint_id);
    r = await call(b, 'GET', `${API}/endpoints/get?endpoint_id=${endpoint.endpoint_id}`);
    assert.equal((await r.json()).endpoint.name, 'chat');
    r = await call(a, 'GET', `${API}/secrets/get?secret_name=chat-key`);
    assert.equal((await JSON.parse(await keep(r))).secret.secret_id, secret.secret_id);
    r = await call(a, 'GET', `${API}/secrets/get?secret_name=chat%2Dkey`);
    assert.equal(r.status, 200, 'query parameters are percent-decoded');
    await keep(r);
    r = await call(a, 'GET', `${API}/secrets/list?provider=openai`);
    assert.equal(JSON.parse(await keep(r)).secrets.length, 1);
    r = await call(a, 'GET', `${API}/secrets/list?provider=anthropic`);
    assert.deepEqual(await r.json(), { secrets: [] });
    r = await call(a, 'GET', `${API}/model-definitions/list?secret_id=${secret.secret_id}`);
    assert.equal((await r.json()).model_definitions.length, 1);
    r = await call(a, 'GET', `${API}/endpoints/list?provider=openai`);
    assert.deepEqual((await r.json()).endpoints.map((e) => e.name), ['chat']);
    // MLflow's UI calls the same under /ajax-api/.
    r = await call(a, 'GET', `/ajax-api/3.0/mlflow/gateway/endpoints/list`);
    assert.equal(r.status, 200);

    // A new value (update with secret_value) is served at once; the audit trail has each change.
    r = await call(a, 'PATCH', `${API}/secrets/update`, { secret_id: secret.secret_id, secret_value: { api_key: `${SECRET}-2` } });
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal((await r.json()).secret.masked_values.api_key, '********86-2');
    assert.equal((await post(a, '/v1/chat/completions', { model: 'chat', messages })).status, 200);
    assert.equal(upstream.seen.at(-1).auth, `Bearer ${SECRET}-2`);
    // An empty auth_config is "no change" (as MLflow's proto reads an empty map): the key still
    // goes to the api_base it was given, not to the provider's default host.
    r = await call(a, 'POST', `${API}/secrets/update`, { secret_id: secret.secret_id, auth_config: {}, secret_value: {} });
    assert.equal(r.status, 200, await r.clone().text());
    assert.deepEqual((await r.json()).secret.auth_config, { api_base: upstream.base });
    const before = upstream.seen.length;
    assert.equal((await post(a, '/v1/chat/completions', { model: 'chat', messages })).status, 200);
    assert.equal(upstream.seen.length, before + 1);
    r = await call(a, 'GET', '/admin/audit?kind=mlflow_secret');
    const audit = await keep(r);
    assert.deepEqual(JSON.parse(audit).data.map((x) => x.action), ['update', 'update', 'create']);

    // The value is nowhere but in the provider's requests: not in an answer, a log, or the store.
    const stored = [db, `${db}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('');
    assert.ok(stored.includes(secret.secret_id), 'the store holds the secret row');
    const everything = answers.join('') + a.stderr() + b.stderr() + JSON.stringify(a.logs()) + JSON.stringify(b.logs()) + stored;
    assert.ok(!everything.includes(SECRET), 'the secret value leaked');
  } finally {
    await stopCleanly(a);
    await stopCleanly(b);
  }
});

test('traffic split and fallback: PRIMARY models share the traffic by weight, FALLBACK ones take over in order', async () => {
  const gw = await startSluice(config(join(tempDir(), 'gw.db')), { env: envFor() });
  try {
    await makeEndpoint(gw, {
      name: 'split', base: faulty.base,
      models: [{ model: 'pa', weight: 0.5 }, { model: 'pb', weight: 0.5 },
        { model: 'pc', linkage: 'FALLBACK', order: 1 }, { model: 'pd', linkage: 'FALLBACK', order: 2 }],
      fallback: { strategy: 'SEQUENTIAL', max_attempts: 1 },
    });
    const seen = new Map();
    for (let i = 0; i < 40; i++) {
      const r = await post(gw, '/gateway/split/mlflow/invocations', { messages });
      assert.equal(r.status, 200);
      const content = (await r.json()).choices[0].message.content;
      seen.set(content, (seen.get(content) ?? 0) + 1);
    }
    assert.deepEqual([...seen.keys()].sort(), ['answer from pa', 'answer from pb'], JSON.stringify([...seen]));
    assert.ok(seen.get('answer from pa') >= 5 && seen.get('answer from pb') >= 5, JSON.stringify([...seen]));
    // Both primaries down: the first FALLBACK model (max_attempts 1: never the second).
    faulty.script('pa', [{ status: 503 }]);
    faulty.script('pb', [{ status: 503 }]);
    const r = await post(gw, '/gateway/split/mlflow/invocations', { messages });
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal((await r.json()).choices[0].message.content, 'answer from pc');

    // Without a fallback_config MLflow never falls back: neither does the endpoint after the update.
    const { endpoint } = await (await call(gw, 'GET', `${API}/endpoints/get?name=split`)).json();
    const up = await call(gw, 'POST', `${API}/endpoints/update`, { endpoint_id: endpoint.endpoint_id, fallback_config: null });
    assert.equal(up.status, 200, await up.clone().text());
    assert.equal((await up.json()).endpoint.fallback_config, undefined);
    faulty.script('pa', [{ status: 503 }]);
    faulty.script('pb', [{ status: 503 }]);
    const failed = await post(gw, '/gateway/split/mlflow/invocations', { messages });
    assert.equal(failed.status, 503);
    await failed.arrayBuffer();
    faulty.script('pa', []);  // (the one not picked keeps its 503 otherwise)
    faulty.script('pb', []);

    // Detach one primary: all traffic to the other.
    const pb = endpoint.model_mappings.find((m) => m.model_definition.model_name === 'pb');
    const d = await call(gw, 'POST', `${API}/endpoints/models/detach`, { endpoint_id: endpoint.endpoint_id, model_definition_id: pb.model_definition_id });
    assert.equal(d.status, 200, await d.clone().text());
    assert.deepEqual(await d.json(), {});
    for (let i = 0; i < 5; i++) {
      const x = await post(gw, '/gateway/split/mlflow/invocations', { messages });
      assert.equal((await x.json()).choices[0].message.content, 'answer from pa');
    }
  } finally {
    await stopCleanly(gw);
  }
});

test('bad calls get MLflow\'s errors and change nothing; what is in use cannot be deleted', async () => {
  const gw = await startSluice(config(join(tempDir(), 'gw.db')), { env: envFor() });
  try {
    const { secret, defs, endpoint } = await makeEndpoint(gw, { name: 'chat', models: [{ model: 'gpt-4o' }] });
    const expectError = async (r, status, code, message) => {
      const text = await r.text();
      assert.equal(r.status, status, text);
      const body = JSON.parse(text);
      assert.equal(body.error_code, code, text);
      if (message) assert.match(body.message, message);
      assert.ok(!text.includes(SECRET));
    };
    await expectError(await call(gw, 'POST', `${API}/secrets/create`, { secret_name: 'x' }), 400, 'INVALID_PARAMETER_VALUE', /secret_value/);
    await expectError(await call(gw, 'POST', `${API}/secrets/create`, { secret_name: 'chat-key', secret_value: { api_key: 'k' } }), 400, 'RESOURCE_ALREADY_EXISTS');
    await expectError(await call(gw, 'POST', `${API}/secrets/create`, { secret_name: 'y', secret_value: { api_key: 7 } }), 400, 'INVALID_PARAMETER_VALUE', /api_key/);
    await expectError(await call(gw, 'POST', `${API}/secrets/create`, { secret_name: 'y', secret_value: { api_key: 'k' }, extra: 1 }), 400, 'INVALID_PARAMETER_VALUE', /extra/);
    // What would break every call of the endpoint, or reach for the host's environment, is refused
    // when it is given (found by a hostile probe: CR/LF in a key made every call a 500).
    await expectError(await call(gw, 'POST', `${API}/secrets/create`, { secret_name: 'crlf', secret_value: { api_key: 'abc\r\nX-Injected: 1' } }), 400, 'INVALID_PARAMETER_VALUE', /control characters/);
    await expectError(await call(gw, 'POST', `${API}/secrets/create`, { secret_name: 'env', secret_value: { api_key: 'k' }, auth_config: { api_base: 'http://x/${HOME}' } }), 400, 'INVALID_PARAMETER_VALUE', /'\$'/);
    await expectError(await call(gw, 'PATCH', `${API}/secrets/update`, { secret_id: secret.secret_id, secret_value: { api_key: 'a\u0001b' } }), 400, 'INVALID_PARAMETER_VALUE', /control characters/);
    // A value whose last bytes are part of a longer character is masked whole, and stays readable.
    let r = await call(gw, 'POST', `${API}/secrets/create`, { secret_name: 'unicode', secret_value: { api_key: 'aaaaaaaaaaaaaaa\u00e9\u20ac' } });
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal((await r.json()).secret.masked_values.api_key, '********');
    r = await call(gw, 'GET', `${API}/secrets/get?secret_name=unicode`);
    assert.equal((await r.json()).secret.secret_name, 'unicode');
    // An error quoting a long name of the client's is cut between characters: valid UTF-8.
    r = await call(gw, 'POST', `${API}/model-definitions/create`, { name: 'u', secret_id: secret.secret_id, provider: `${'a'.repeat(63)}\u00e9`, model_name: 'm' });
    assert.equal(r.status, 400);
    const bytes = new Uint8Array(await r.arrayBuffer());
    assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    await expectError(await call(gw, 'GET', `${API}/secrets/get?secret_id=s-0000`), 404, 'RESOURCE_DOES_NOT_EXIST');
    await expectError(await call(gw, 'GET', `${API}/secrets/get?nope=1`), 400, 'INVALID_PARAMETER_VALUE', /nope/);
    await expectError(await call(gw, 'GET', `${API}/secrets/create`), 405, 'BAD_REQUEST');
    await expectError(await call(gw, 'POST', `${API}/widgets/create`, {}), 404, 'RESOURCE_DOES_NOT_EXIST');
    await expectError(await call(gw, 'POST', `${API}/model-definitions/create`,
      { name: 'fw', secret_id: secret.secret_id, provider: 'fireworks_ai', model_name: 'm' }), 400, 'INVALID_PARAMETER_VALUE', /'fireworks_ai' is not served/);
    await expectError(await call(gw, 'POST', `${API}/endpoints/create`,
      { name: 'local', model_configs: [{ model_definition_id: defs[0].model_definition_id }] }), 400, 'RESOURCE_ALREADY_EXISTS', /local/);
    await expectError(await call(gw, 'POST', `${API}/endpoints/create`,
      { name: 'ghost', model_configs: [{ model_definition_id: 'd-nope' }] }), 404, 'RESOURCE_DOES_NOT_EXIST');
    await expectError(await call(gw, 'POST', `${API}/endpoints/create`,
      { name: 'nofirst', model_configs: [{ model_definition_id: defs[0].model_definition_id, linkage_type: 'FALLBACK' }] }), 400, 'INVALID_PARAMETER_VALUE', /PRIMARY/);
    await expectError(await call(gw, 'POST', `${API}/endpoints/create`,
      { name: 'bad-type', model_configs: [{ model_definition_id: defs[0].model_definition_id, linkage_type: 'SOMETIMES' }] }), 400, 'INVALID_PARAMETER_VALUE');
    // What a model's key misses is the loader's error, and nothing is written.
    r = await call(gw, 'POST', `${API}/secrets/create`, { secret_name: 'no-api-key', secret_value: { token: 'x' }, auth_config: { api_base: upstream.base } });
    const { secret: other } = await r.json();
    r = await call(gw, 'POST', `${API}/model-definitions/create`, { name: 'keyless', secret_id: other.secret_id, provider: 'anthropic', model_name: 'm' });
    const keyless = (await r.json()).model_definition;
    await expectError(await call(gw, 'POST', `${API}/endpoints/create`,
      { name: 'keyless', model_configs: [{ model_definition_id: keyless.model_definition_id }] }), 400, 'INVALID_PARAMETER_VALUE', /anthropic_api_key is required/);
    assert.equal((await post(gw, '/v1/chat/completions', { model: 'keyless', messages })).status, 404);
    // No admin key: MLflow's 401.
    await expectError(await fetch(gw.url + `${API}/secrets/list`), 401, 'UNAUTHENTICATED');
    // In use: the secret by its model definition, the model definition by its endpoint.
    await expectError(await call(gw, 'DELETE', `${API}/secrets/delete`, { secret_id: secret.secret_id }), 400, 'INVALID_PARAMETER_VALUE', /used by model definition/);
    await expectError(await call(gw, 'DELETE', `${API}/model-definitions/delete`, { model_definition_id: defs[0].model_definition_id }), 400, 'INVALID_PARAMETER_VALUE', /used by endpoint 'chat'/);
    assert.equal((await post(gw, '/v1/chat/completions', { model: 'chat', messages })).status, 200);
    // Deleted in order, each gone at once (the id also as a query parameter).
    r = await call(gw, 'DELETE', `${API}/endpoints/delete?endpoint_id=${endpoint.endpoint_id}`);
    assert.equal(r.status, 200, await r.clone().text());
    assert.deepEqual(await r.json(), {});
    assert.equal((await post(gw, '/gateway/chat/mlflow/invocations', { messages })).status, 404);
    assert.equal((await call(gw, 'DELETE', `${API}/model-definitions/delete`, { model_definition_id: defs[0].model_definition_id })).status, 200);
    assert.equal((await call(gw, 'DELETE', `${API}/secrets/delete`, { secret_id: secret.secret_id })).status, 200);
    await expectError(await call(gw, 'GET', `${API}/endpoints/get?name=chat`), 404, 'RESOURCE_DOES_NOT_EXIST');
  } finally {
    await stopCleanly(gw);
  }
});

test('a workspace admin makes and sees only its own workspace\'s MLflow objects', async () => {
  const db = join(tempDir(), 'gw.db');
  const yaml = `${config(db)}
workspaces: [team-a, team-b]
`;
  const gw = await startSluice(yaml, { env: envFor() });
  try {
    const keyFor = async (workspace) => {
      const r = await call(gw, 'POST', '/admin/keys', { name: `${workspace}-admin`, role: 'admin', workspace });
      assert.equal(r.status, 201, await r.clone().text());
      return (await r.json()).key;
    };
    const asA = { authorization: `Bearer ${await keyFor('team-a')}`, 'content-type': 'application/json' };
    const asB = { authorization: `Bearer ${await keyFor('team-b')}`, 'content-type': 'application/json' };
    let r = await fetch(gw.url + `${API}/secrets/create`, { method: 'POST', headers: asA, body: JSON.stringify({ secret_name: 'a-key', secret_value: { api_key: SECRET } }) });
    assert.equal(r.status, 200, await r.clone().text());
    const { secret } = await r.json();
    r = await fetch(gw.url + `${API}/secrets/list`, { headers: asB });
    assert.deepEqual(await r.json(), { secrets: [] });
    r = await fetch(gw.url + `${API}/secrets/get?secret_id=${secret.secret_id}`, { headers: asB });
    assert.equal(r.status, 404);
    // B cannot build on A's secret: it does not exist for B.
    r = await fetch(gw.url + `${API}/model-definitions/create`, { method: 'POST', headers: asB, body: JSON.stringify({ name: 'm', secret_id: secret.secret_id, provider: 'openai', model_name: 'x' }) });
    assert.equal(r.status, 404);
    r = await fetch(gw.url + `${API}/secrets/list`, { headers: asA });
    assert.equal((await r.json()).secrets.length, 1);
    // The admin key sees every workspace's.
    r = await call(gw, 'GET', `${API}/secrets/list`);
    assert.equal((await r.json()).secrets.length, 1);
  } finally {
    await stopCleanly(gw);
  }
});

test('rotate-key re-seals MLflow secrets with the others', async () => {
  const dir = tempDir();
  const db = join(dir, 'gw.db');
  let gw = await startSluice(config(db), { env: envFor() });
  try {
    await makeEndpoint(gw, { name: 'chat', models: [{ model: 'gpt-4o-mini' }] });
  } finally {
    await stopCleanly(gw);
  }
  const path = writeConfig(config(db));
  const out = await runSluice(['secrets', 'rotate-key', '-c', path], envFor(), NEW_KEY + '\n');
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /re-sealed 1 secret/);
  gw = await startSluice(config(db), { env: envFor(NEW_KEY) });
  try {
    const r = await post(gw, '/gateway/chat/mlflow/invocations', { messages });
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(upstream.seen.at(-1).auth, `Bearer ${SECRET}`);
  } finally {
    await stopCleanly(gw);
  }
  // The old key no longer opens it: the endpoint is left out, saying why.
  gw = await startSluice(config(db), { env: envFor() });
  try {
    await eventually(() => /left out of the config: .*sealed with key/.test(gw.stderr()), 3000, 'the warning');
    assert.equal((await post(gw, '/gateway/chat/mlflow/invocations', { messages })).status, 404);
    // Nothing new is sealed with the old key, by either API, while the store holds the new one.
    const mixed = await call(gw, 'POST', '/admin/secrets', { name: 'mixed', value: 'x' });
    assert.equal(mixed.status, 409);
    assert.match((await mixed.json()).error.message, /key rotation is under way/);
    const mlflowMixed = await call(gw, 'POST', `${API}/secrets/create`, { secret_name: 'mixed', secret_value: { api_key: 'x' } });
    assert.equal(mlflowMixed.status, 409);
    assert.equal((await mlflowMixed.json()).error_code, 'ABORTED');
  } finally {
    await stopCleanly(gw);
  }
});

test('budget policies: REJECT refuses once spent, ALERT only watches and sends MLflow\'s exceeded payload to the webhooks, signed', async () => {
  const received = [];
  const hooks = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      received.push({ path: req.url, headers: req.headers, body: raw });
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => hooks.listen(0, '127.0.0.1', r));
  const HOOK_KEY = 'hook-signing-key-0123456789';
  const yaml = `${config(join(tempDir(), 'gw.db'))}
pricing:
  openai:
    gpt-4o-mini: {input: 500000, output: 500000}
alerts:
  webhooks:
    - url: http://127.0.0.1:${hooks.address().port}/hooks/sluice
      secret: \${{ secrets.HOOK_KEY }}
      events: [budget.exceeded]
`;
  const gw = await startSluice(yaml, { env: { ...envFor(), HOOK_KEY } });
  try {
    const { endpoint } = await makeEndpoint(gw, { name: 'chat', models: [{ model: 'gpt-4o-mini' }] });
    // Each request: 1 prompt + 1 completion token at $0.50 a token = $1.
    let r = await call(gw, 'POST', `${API}/budgets/create`, {
      budget_unit: 'USD', budget_amount: 2.5, duration: { unit: 'DAYS', value: 1 },
      target_scope: 'ENDPOINT', target_value: endpoint.endpoint_id, budget_action: 'ALERT',
    });
    assert.equal(r.status, 200, await r.clone().text());
    const { budget_policy: alert } = await r.json();
    assert.match(alert.budget_policy_id, /^bud_/);
    assert.deepEqual({ ...alert, budget_policy_id: undefined, created_at: undefined, last_updated_at: undefined }, {
      budget_policy_id: undefined, budget_unit: 'USD', budget_amount: 2.5, duration: { unit: 'DAYS', value: 1 },
      target_scope: 'ENDPOINT', target_value: endpoint.endpoint_id, budget_action: 'ALERT',
      created_at: undefined, last_updated_at: undefined,
    });
    for (let i = 0; i < 3; i++) {
      const x = await post(gw, '/gateway/chat/mlflow/invocations', { messages });
      assert.equal(x.status, 200, 'an ALERT budget never refuses');
      await x.arrayBuffer();
    }
    await eventually(() => received.length === 1, 5000, 'the budget.exceeded webhook');
    const [hook] = received;
    assert.equal(hook.path, '/hooks/sluice');
    assert.equal(hook.headers['x-sluice-event'], 'budget.exceeded');
    const expected = createHmac('sha256', HOOK_KEY).update(`${hook.headers['x-sluice-timestamp']}.${hook.body}`).digest('hex');
    assert.equal(hook.headers['x-sluice-signature'], `sha256=${expected}`);
    // Once per window: the requests after it say nothing more.
    for (let i = 0; i < 2; i++) await (await post(gw, '/gateway/chat/mlflow/invocations', { messages })).arrayBuffer();
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(received.length, 1, 'budget.exceeded is sent once per window');
    const payload = JSON.parse(hook.body);
    assert.equal(payload.event, 'budget.exceeded');
    assert.equal(payload.budget_policy_id, alert.budget_policy_id);
    assert.equal(payload.budget_amount, 2.5);
    assert.ok(Math.abs(payload.current_spend - 3) < 1e-9, hook.body);
    assert.equal(payload.target_scope, 'ENDPOINT');
    assert.equal(payload.duration_unit, 'DAYS');
    assert.equal(payload.window_start % 86400000, 0);
    // Windows: the current day and what it has spent.
    r = await call(gw, 'GET', `${API}/budgets/windows`);
    const { windows } = await r.json();
    assert.equal(windows.length, 1);
    assert.equal(windows[0].window_end_ms - windows[0].window_start_ms, 86400000);
    assert.ok(Math.abs(windows[0].current_spend - 5) < 1e-9);

    // A REJECT budget already spent refuses the next request (429), until it is raised.
    r = await call(gw, 'POST', `${API}/budgets/create`, {
      budget_amount: 2, duration: { unit: 'MONTHS', value: 1 }, target_scope: 'GLOBAL', budget_action: 'REJECT',
    });
    assert.equal(r.status, 200, await r.clone().text());
    const { budget_policy: reject } = await r.json();
    r = await post(gw, '/gateway/chat/mlflow/invocations', { messages });
    assert.equal(r.status, 429, await r.clone().text());
    r = await call(gw, 'PATCH', `${API}/budgets/update`, { budget_policy_id: reject.budget_policy_id, budget_amount: 100000 });
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal((await r.json()).budget_policy.budget_amount, 100000);  // (room for the worst case: 16k tokens at $0.50)
    assert.equal((await post(gw, '/gateway/chat/mlflow/invocations', { messages })).status, 200);
    r = await call(gw, 'GET', `${API}/budgets/list?max_results=1`);
    const page = await r.json();
    assert.equal(page.budget_policies.length, 1);
    assert.equal(page.next_page_token, '1');
    r = await call(gw, 'GET', `${API}/budgets/list?page_token=1`);
    assert.equal((await r.json()).budget_policies.length, 1);
    r = await call(gw, 'GET', `${API}/budgets/get?budget_policy_id=${reject.budget_policy_id}`);
    assert.equal((await r.json()).budget_policy.target_scope, 'GLOBAL');
    // The same budgets under /admin/budgets; an MLflow update keeps what it cannot say (alert_at).
    let listed = await (await call(gw, 'GET', '/admin/budgets')).json();
    assert.ok(listed.data.some((b) => b.id === alert.budget_policy_id && b.on_exceed === 'alert'));
    r = await call(gw, 'POST', '/admin/budgets', { scope: 'user', match: 'ann', usd: 50, per: 'day', alert_at: 0.5 });
    const own = await r.json();
    r = await call(gw, 'POST', `${API}/budgets/update`, { budget_policy_id: own.id, budget_amount: 60, target_scope: 'USER', target_value: 'ann' });
    assert.equal(r.status, 200, await r.clone().text());
    listed = await (await call(gw, 'GET', '/admin/budgets')).json();
    const kept = listed.data.find((b) => b.id === own.id);
    assert.equal(kept.usd, 60);
    assert.equal(kept.alert_at, 0.5);
    // An alert budget watches dollars: with tokens it is refused.
    r = await call(gw, 'POST', '/admin/budgets', { scope: 'global', tokens: 1000, per: 'day', on_exceed: 'alert' });
    assert.equal(r.status, 400, await r.clone().text());
    r = await call(gw, 'DELETE', `${API}/budgets/delete`, { budget_policy_id: reject.budget_policy_id });
    assert.deepEqual(await r.json(), {});

    // What sluice's budgets cannot say is a 400; an unknown endpoint a 404.
    const bad = async (body, status, pattern) => {
      const x = await call(gw, 'POST', `${API}/budgets/create`, { budget_amount: 1, duration: { unit: 'DAYS', value: 1 }, target_scope: 'GLOBAL', budget_action: 'REJECT', ...body });
      const text = await x.text();
      assert.equal(x.status, status, text);
      assert.match(JSON.parse(text).message, pattern);
    };
    await bad({ duration: { unit: 'WEEKS', value: 1 } }, 400, /per calendar day or month/);
    await bad({ duration: { unit: 'DAYS', value: 7 } }, 400, /per calendar day or month/);
    await bad({ budget_unit: 'EUR' }, 400, /USD/);
    await bad({ budget_amount: -1 }, 400, /above 0/);
    await bad({ target_scope: 'ENDPOINT', target_value: 'e-nope' }, 404, /No endpoint/);
    await bad({ target_scope: 'USER' }, 400, /user name/);
    const { endpoint: pair } = await makeEndpoint(gw, { name: 'pair', models: [{ model: 'gpt-4o-mini', weight: 0.5 }, { model: 'gpt-4o', weight: 0.5 }] });
    await bad({ target_scope: 'ENDPOINT', target_value: pair.endpoint_id }, 400, /several models/);
    await bad({ budget_action: 'SHOUT' }, 400, /ALERT or REJECT/);
  } finally {
    await stopCleanly(gw);
    hooks.closeAllConnections();
    await new Promise((r) => hooks.close(r));
  }
});
