// Workspaces with the real binary: a key sees and calls only its workspace's endpoints and
// routes and the shared ones ("*"); another workspace's names answer exactly like names that do
// not exist, on every path that takes one (OpenAI, Anthropic, MLflow, passthrough, token
// counting, model lists and MLflow's catalogue). Routes and fallback chains may not reach across
// workspaces. Keys and stored endpoints made through the admin API carry a workspace too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSluice, runSluice, writeConfig, tempDir } from '../support/sluice.mjs';
import { stopCleanly } from './helpers.mjs';

const ADMIN = 'admin-key-for-workspace-tests-0123';
const KEYS = { a: 'sk-workspace-a-key-0123456789abcdef', b: 'sk-workspace-b-key-0123456789abcdef', d: 'sk-workspace-d-key-0123456789abcdef' };
const env = { PEPPER: 'pepper-for-workspace-tests-01234567', KEY_A: KEYS.a, KEY_B: KEYS.b, KEY_D: KEYS.d };
const mock = (name) => `{provider: mock, name: ${name}}`;
const config = (db, extra = '') => `
auth:
  mode: keys
  admin_key: ${ADMIN}
  pepper: \${{ secrets.PEPPER }}
  keys:
    - {name: a, key: "\${{ secrets.KEY_A }}", workspace: team-a}
    - {name: b, key: "\${{ secrets.KEY_B }}", workspace: team-b}
    - {name: d, key: "\${{ secrets.KEY_D }}"}
stores: {sqlite: ${db}}
endpoints:
  - {name: a-chat, workspace: team-a, endpoint_type: llm/v1/chat, model: ${mock('a')}}
  - {name: b-chat, workspace: team-b, endpoint_type: llm/v1/chat, model: ${mock('b')}}
  - {name: shared, workspace: "*", endpoint_type: llm/v1/chat, model: ${mock('s')}}
  - {name: default-chat, endpoint_type: llm/v1/chat, model: ${mock('d')}}
  - {name: a-openai, workspace: team-a, endpoint_type: llm/v1/chat, model: {provider: openai, name: gpt-4o, config: {openai_api_key: sk-unused-0000000000, openai_api_base: "http://127.0.0.1:9/v1"}}}
routes:
  - {name: a-route, workspace: team-a, task_type: llm/v1/chat, destinations: [{name: a-chat}, {name: shared}]}
  - {name: a-named, workspace: team-a, path: /team-a/ask, type: llm/v1/chat, model: ${mock('n')}}
${extra}`;

let gw;
before(async () => { gw = await startSluice(config(join(tempDir(), 'gw.db')), { env }); });
after(async () => { await stopCleanly(gw); });

const as = (who) => ({ authorization: `Bearer ${KEYS[who] ?? who}`, 'content-type': 'application/json' });
const post = (who, path, body) => fetch(gw.url + path, { method: 'POST', headers: as(who), body: JSON.stringify(body) });
const chat = (who, model) => post(who, '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] });

test('a key calls its workspace\'s endpoints and routes and the shared ones; others do not exist for it', async () => {
  const allowed = { a: ['a-chat', 'a-route', 'shared'], b: ['b-chat', 'shared'], d: ['default-chat', 'shared'] };
  const all = ['a-chat', 'b-chat', 'shared', 'default-chat', 'a-route'];
  const missing = async (who) => (await (await chat(who, 'no-such-endpoint')).json());
  for (const who of ['a', 'b', 'd']) {
    const unknown = await missing(who);
    for (const name of all) {
      const r = await chat(who, name);
      const body = await r.json();
      if (allowed[who].includes(name)) {
        assert.equal(r.status, 200, `${who} → ${name}: ${JSON.stringify(body)}`);
      } else {
        assert.equal(r.status, 404, `${who} → ${name}`);
        // Word for word what a name that does not exist gets, but for the name itself.
        assert.equal(body.error.message.replace(name, 'X'), unknown.error.message.replace('no-such-endpoint', 'X'));
        assert.equal(body.error.code, unknown.error.code);
      }
    }
    const models = await (await fetch(gw.url + '/v1/models', { headers: as(who) })).json();
    const listedModels = models.data.map((m) => m.id).filter((n) => !['a-openai', 'a-named'].includes(n));
    assert.deepEqual(listedModels.sort(), allowed[who].filter((n) => n !== 'a-route').sort());
    assert.equal(models.data.some((m) => m.id === 'a-openai'), who === 'a');
  }
});

test('every path that takes a name keeps to the key\'s workspace', async () => {
  // Anthropic's Messages API and token counting.
  let r = await post('b', '/v1/messages', { model: 'a-chat', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.status, 404);
  assert.equal((await r.json()).type, 'error');
  r = await post('a', '/v1/messages', { model: 'a-chat', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.status, 200);
  r = await post('b', '/v1/messages/count_tokens', { model: 'a-chat', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.status, 404);
  // MLflow's invocations and catalogue.
  r = await post('b', '/endpoints/a-chat/invocations', { messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.status, 404);
  r = await post('a', '/endpoints/a-chat/invocations', { messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.status, 200);
  r = await fetch(gw.url + '/api/2.0/endpoints/a-chat', { headers: as('b') });
  assert.equal(r.status, 404);
  r = await fetch(gw.url + '/api/2.0/endpoints/a-chat', { headers: as('a') });
  assert.equal(r.status, 200);
  r = await fetch(gw.url + '/api/3.0/gateway/route/a-route', { headers: as('b') });
  assert.equal(r.status, 404);
  const listed = await (await fetch(gw.url + '/api/2.0/endpoints/', { headers: as('b') })).json();
  assert.deepEqual(listed.endpoints.map((e) => e.name).sort(), ['b-chat', 'shared']);
  r = await fetch(gw.url + '/v1/models/a-chat', { headers: as('b') });
  assert.equal(r.status, 404);
  // Passthrough: another workspace's endpoint is unknown (404); its own key reaches it.
  r = await post('b', '/gateway/openai/v1/chat/completions', { model: 'a-chat', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.status, 404);
  r = await post('a', '/gateway/openai/v1/chat/completions', { model: 'a-chat', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.status, 200);
});

test('another workspace\'s names answer word for word as names that do not exist', async () => {
  const same = async (label, make) => {
    const hidden = await make('a-openai');
    const none = await make('no-such-name');
    const h = (await hidden.text()).replaceAll('a-openai', 'X');
    const n = (await none.text()).replaceAll('no-such-name', 'X');
    assert.equal(hidden.status, none.status, label);
    assert.equal(h, n, label);
  };
  const msg = [{ role: 'user', content: 'hi' }];
  await same('messages', (m) => post('b', '/v1/messages', { model: m, max_tokens: 5, messages: msg }));
  await same('count_tokens', (m) => post('b', '/v1/messages/count_tokens', { model: m, messages: msg }));
  await same('responses', (m) => post('b', '/v1/responses', { model: m, input: 'hi' }));
  await same('input_tokens', (m) => post('b', '/v1/responses/input_tokens', { model: m, input: 'hi' }));
  await same('passthrough', (m) => post('b', '/gateway/openai/v1/chat/completions', { model: m, messages: msg }));
  await same('mlflow invocations', (m) => post('b', `/endpoints/${m}/invocations`, { messages: msg }));
  await same('mlflow 3 invocations', (m) => post('b', `/gateway/${m}/mlflow/invocations`, { messages: msg }));
  await same('mlflow 3 chat', (m) => post('b', '/gateway/mlflow/v1/chat/completions', { model: m, messages: msg }));
  await same('catalogue', (m) => fetch(`${gw.url}/api/2.0/endpoints/${m}`, { headers: as('b') }));
  await same('catalogue 3.0', (m) => fetch(`${gw.url}/api/3.0/gateway/endpoint/${m}`, { headers: as('b') }));
  await same('models', (m) => fetch(`${gw.url}/v1/models/${m}`, { headers: as('b') }));
  // Tokenizing with another workspace's endpoint reads the name as a plain model name.
  const tok = await (await post('b', '/v1/tokenize', { model: 'a-openai', input: 'hello' })).json();
  assert.equal(tok.model, 'a-openai');
  const own = await (await post('a', '/v1/tokenize', { model: 'a-openai', input: 'hello' })).json();
  assert.equal(own.model, 'gpt-4o');
  // A named route's own path: its workspace calls it; another's gets what an unknown path gets.
  let r = await post('a', '/team-a/ask', { messages: msg });
  assert.equal(r.status, 200);
  r = await post('b', '/team-a/ask', { messages: msg });
  const other = await post('b', '/team-z/ask', { messages: msg });
  assert.equal(r.status, other.status);
  assert.equal((await r.text()).replaceAll('/team-a/ask', 'X'), (await other.text()).replaceAll('/team-z/ask', 'X'));
  assert.equal(r.status, 404);
  // The gateway is still up.
  assert.equal((await chat('a', 'a-chat')).status, 200);
});

test('keys and stored endpoints made through the admin API carry a workspace', async () => {
  const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  let r = await fetch(gw.url + '/admin/keys', { method: 'POST', headers: admin, body: JSON.stringify({ name: 'b2', workspace: 'team-b' }) });
  assert.equal(r.status, 201, await r.clone().text());
  const b2 = await r.json();
  assert.equal(b2.workspace, 'team-b');
  r = await fetch(gw.url + '/admin/endpoints', {
    method: 'POST', headers: admin,
    body: JSON.stringify({ name: 'b-stored', workspace: 'team-b', endpoint_type: 'llm/v1/chat', model: { provider: 'mock', name: 'bs' } }),
  });
  assert.equal(r.status, 201, await r.clone().text());
  assert.equal((await chat(b2.key, 'b-stored')).status, 200);
  assert.equal((await chat(b2.key, 'b-chat')).status, 200);
  assert.equal((await chat('a', 'b-stored')).status, 404);
  assert.equal((await chat(b2.key, 'a-chat')).status, 404);
  // A stored route may not reach another workspace's endpoint: for it there is none (the file's
  // routes, the operator's, are told which workspace it is in).
  r = await fetch(gw.url + '/admin/routes', {
    method: 'POST', headers: admin,
    body: JSON.stringify({ name: 'sneaky', workspace: 'team-b', task_type: 'llm/v1/chat', destinations: [{ name: 'a-chat' }] }),
  });
  assert.equal(r.status, 400);
  assert.match((await r.json()).error.message, /'a-chat' is not an endpoint/);
  for (const bad of ['*', 'no spaces', '..']) {
    r = await fetch(gw.url + '/admin/keys', { method: 'POST', headers: admin, body: JSON.stringify({ name: 'x', workspace: bad }) });
    assert.equal(r.status, 400, bad);
    assert.equal((await r.json()).error.param, 'workspace');
  }
});

test('routes and fallback chains cannot reach across workspaces; names are checked', async () => {
  const db = join(tempDir(), 'x.db');
  const cases = [
    ['routes:\n  - {name: r2, workspace: team-b, task_type: llm/v1/chat, destinations: [{name: a-chat}]}', /'a-chat' is in workspace 'team-a', which 'r2' \(workspace 'team-b'\) may not reach/],
    ['routes:\n  - {name: r3, workspace: "*", task_type: llm/v1/chat, destinations: [{name: b-chat}]}', /'b-chat' is in workspace 'team-b'/],
    ['  - {name: f1, workspace: team-b, endpoint_type: llm/v1/chat, model: {provider: mock, name: f}, fallbacks: [a-chat]}', /'a-chat' is in workspace 'team-a'/],
    ['  - {name: w1, workspace: "bad name", endpoint_type: llm/v1/chat, model: {provider: mock, name: f}}', /workspace: must be a workspace name/],
  ];
  for (const [extra, expected] of cases) {
    let yaml = config(db);
    if (extra.startsWith('routes:')) yaml = yaml.replace('routes:\n', extra.replace('routes:\n', 'routes:\n') + '\n');
    else yaml = yaml.replace('routes:\n', extra + '\nroutes:\n');
    const r = await runSluice(['check-config', writeConfig(yaml)], env);
    assert.notEqual(r.code, 0, extra);
    assert.match(r.stderr, expected, extra);
  }
  const bad = await runSluice(['check-config', writeConfig(config(db).replace('workspace: team-b}', 'workspace: "*"}'))], env);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /auth\.keys\[1\]\.workspace: must be a workspace name/);
});
