// Workspaces, the administration half, with the real binary: a key with role: admin manages its
// own workspace through the admin API (keys, endpoints, routes, secrets, budgets, spend, usage,
// the request log, the audit trail) and another workspace's objects do not exist for it; budgets
// and limits with scope: workspace; server.hosts puts a Host in a workspace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { request } from 'node:http';
import { startSluice, runSluice, writeConfig, tempDir, eventually } from '../support/sluice.mjs';
import { stopCleanly } from './helpers.mjs';

const ADMIN = 'admin-key-for-workspace-admin-tests';
const KEYS = {
  a: 'sk-wsadmin-a-key-0123456789abcdef',
  b: 'sk-wsadmin-b-key-0123456789abcdef',
  aAdmin: 'sk-wsadmin-a-admin-0123456789abcd',
  bAdmin: 'sk-wsadmin-b-admin-0123456789abcd',
  c: 'sk-wsadmin-c-key-0123456789abcdef',
};
const env = {
  PEPPER: 'pepper-for-workspace-admin-tests-0123',
  KEY_A: KEYS.a, KEY_B: KEYS.b, KEY_AA: KEYS.aAdmin, KEY_BA: KEYS.bAdmin, KEY_C: KEYS.c,
  SECRETS_KEY: 'ab'.repeat(32),
  // The host's AWS credentials: the file's bedrock endpoints may use them, stored ones never.
  AWS_ACCESS_KEY_ID: 'AKIAHOSTCREDENTIALS0', AWS_SECRET_ACCESS_KEY: 'host-secret-access-key-0123456789', AWS_REGION: 'us-east-1',
};
const mock = (name) => `{provider: mock, name: ${name}}`;
const config = (db) => `
workspaces: [team-a, {name: team-b, description: Research}, team-c]
server:
  hosts: {ML.Example.com: team-a}
auth:
  mode: keys
  admin_key: ${ADMIN}
  pepper: \${{ secrets.PEPPER }}
  secrets_key: \${{ secrets.SECRETS_KEY }}
  keys:
    - {id: key-a, name: a, key: "\${{ secrets.KEY_A }}", workspace: team-a}
    - {id: key-b, name: b, key: "\${{ secrets.KEY_B }}", workspace: team-b}
    - {id: key-a-admin, name: a-admin, key: "\${{ secrets.KEY_AA }}", workspace: team-a, role: admin}
    - {id: key-b-admin, name: b-admin, key: "\${{ secrets.KEY_BA }}", workspace: team-b, role: admin}
    - {id: key-c, name: c, key: "\${{ secrets.KEY_C }}", workspace: team-c}
limits:
  - {scope: workspace, match: team-c, requests: 2, per: minute}
stores: {sqlite: ${db}}
request_log: {enabled: true}
endpoints:
  - {name: a-chat, workspace: team-a, endpoint_type: llm/v1/chat, model: ${mock('a')}}
  - {name: b-chat, workspace: team-b, endpoint_type: llm/v1/chat, model: ${mock('b')}}
  - {name: c-chat, workspace: team-c, endpoint_type: llm/v1/chat, model: ${mock('c')}}
  - {name: shared, workspace: "*", endpoint_type: llm/v1/chat, model: ${mock('s')}}
  - {name: b-embed, workspace: team-b, endpoint_type: llm/v1/embeddings, model: ${mock('e')}}
`;

let gw;
before(async () => { gw = await startSluice(config(join(tempDir(), 'gw.db')), { env }); });
after(async () => { await stopCleanly(gw); });

const bearer = (who) => (who === 'admin' ? ADMIN : KEYS[who] ?? who);
// Through node:http, which sends the Host header it is given (fetch sets its own).
function call(who, method, path, body, headers = {}) {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(gw.url + path, {
      method,
      headers: {
        authorization: `Bearer ${bearer(who)}`, 'content-type': 'application/json',
        ...(data === undefined ? {} : { 'content-length': Buffer.byteLength(data) }), ...headers,
      },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch { json = text; }
        resolve({ status: res.statusCode, json });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}
const chat = (who, model, headers) =>
  call(who, 'POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hello there' }] }, headers);

test('a workspace admin lists, creates and changes only its workspace\'s keys', async () => {
  let r = await call('aAdmin', 'GET', '/admin/keys');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.data.map((k) => k.id).sort(), ['key-a', 'key-a-admin']);
  assert.ok(r.json.data.every((k) => k.workspace === 'team-a'));
  assert.equal(r.json.data.find((k) => k.id === 'key-a-admin').role, 'admin');
  // The admin key sees every workspace's.
  r = await call('admin', 'GET', '/admin/keys');
  assert.equal(r.json.data.length, 5);

  // A new key lands in the admin's workspace, and calls there.
  r = await call('aAdmin', 'POST', '/admin/keys', { name: 'made-by-a' });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json.workspace, 'team-a');
  const made = r.json;
  assert.equal((await chat(made.key, 'a-chat')).status, 200);
  assert.equal((await chat(made.key, 'b-chat')).status, 404);

  // Not into another workspace, and not moved out of its own.
  r = await call('aAdmin', 'POST', '/admin/keys', { name: 'x', workspace: 'team-b' });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.param, 'workspace');
  r = await call('aAdmin', 'PATCH', `/admin/keys/${made.id}`, { workspace: 'team-b' });
  assert.equal(r.status, 403);

  // Another workspace's keys, the file's and the store's, answer exactly as keys that do not
  // exist, method by method.
  r = await call('bAdmin', 'POST', '/admin/keys', { name: 'made-by-b' });
  assert.equal(r.status, 201);
  const bStored = r.json.id;
  for (const id of ['key-b', bStored]) {
    for (const [method, suffix] of [['GET', ''], ['PATCH', ''], ['DELETE', ''], ['POST', '/rotate'], ['PUT', '']]) {
      const body = method === 'PATCH' ? { name: 'taken' } : undefined;
      const none = await call('aAdmin', method, `/admin/keys/no-such-key${suffix}`, body);
      r = await call('aAdmin', method, `/admin/keys/${id}${suffix}`, body);
      assert.equal(r.status, none.status, `${method} ${id}${suffix}`);
      assert.equal(JSON.stringify(r.json).replaceAll(id, 'X'), JSON.stringify(none.json).replaceAll('no-such-key', 'X'));
    }
  }
  // The key of team-b is untouched.
  assert.equal((await chat('b', 'b-chat')).status, 200);

  // A gateway key that is not an admin is no admin key.
  r = await call('a', 'GET', '/admin/keys');
  assert.equal(r.status, 401);
  // Revoking its own key works.
  r = await call('aAdmin', 'DELETE', `/admin/keys/${made.id}`);
  assert.equal(r.status, 200);
  assert.equal((await chat(made.key, 'a-chat')).status, 401);
});

test('a workspace admin manages its workspace\'s endpoints and secrets; another\'s do not exist for it', async () => {
  // A secret and an endpoint that uses it, both put in team-a.
  let r = await call('aAdmin', 'POST', '/admin/secrets', { name: 'a-openai', value: 'sk-team-a-provider-secret-123' });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json.workspace, 'team-a');
  const definition = (name, secret) => ({
    name, endpoint_type: 'llm/v1/chat',
    model: { provider: 'openai', name: 'gpt-4o', config: { openai_api_key: { secret }, openai_api_base: 'http://127.0.0.1:9/v1' } },
  });
  r = await call('aAdmin', 'POST', '/admin/endpoints', definition('a-stored', 'a-openai'));
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json.workspace, 'team-a');
  r = await call('aAdmin', 'POST', '/admin/endpoints', { ...definition('a-elsewhere', 'a-openai'), workspace: 'team-b' });
  assert.equal(r.status, 403);
  r = await call('aAdmin', 'POST', '/admin/endpoints', { ...definition('a-shared', 'a-openai'), workspace: '*' });
  assert.equal(r.status, 403);

  // team-b's admin sees neither, and cannot use team-a's secret from its own endpoint.
  r = await call('bAdmin', 'GET', '/admin/secrets');
  assert.deepEqual(r.json.data, []);
  r = await call('bAdmin', 'GET', '/admin/secrets/a-openai');
  assert.equal(r.status, 404);
  r = await call('bAdmin', 'POST', '/admin/endpoints', definition('b-stolen', 'a-openai'));
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /no secret named 'a-openai' in workspace 'team-b'/);
  assert.equal(r.json.error.param, 'model.config.openai_api_key.secret');
  // Not even the admin key can hand team-a's secret to team-b's endpoint.
  r = await call('admin', 'POST', '/admin/endpoints', { ...definition('b-stolen', 'a-openai'), workspace: 'team-b' });
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /no secret named 'a-openai' in workspace 'team-b'/);

  // Listing: its own and the shared ones, not team-b's or team-c's.
  r = await call('aAdmin', 'GET', '/admin/endpoints');
  assert.deepEqual(r.json.data.map((e) => e.name).sort(), ['a-chat', 'a-stored', 'shared']);
  r = await call('bAdmin', 'GET', '/admin/endpoints');
  assert.deepEqual(r.json.data.map((e) => e.name).sort(), ['b-chat', 'b-embed', 'shared']);

  // Another workspace's endpoint (stored or the file's, under either kind's path) answers as a
  // name nobody uses, method by method.
  for (const [kind, name] of [['endpoints', 'a-stored'], ['routes', 'a-stored'], ['endpoints', 'a-chat'], ['routes', 'a-chat']]) {
    for (const method of ['GET', 'PATCH', 'DELETE', 'POST', 'PUT']) {
      const body = method === 'PATCH' ? { endpoint_type: 'llm/v1/chat' } : undefined;
      const none = await call('bAdmin', method, `/admin/${kind}/no-such-name`, body);
      r = await call('bAdmin', method, `/admin/${kind}/${name}`, body);
      assert.equal(r.status, none.status, `${method} ${kind}/${name}`);
      assert.equal(JSON.stringify(r.json).replaceAll(name, 'X'), JSON.stringify(none.json).replaceAll('no-such-name', 'X'), `${method} ${kind}/${name}`);
    }
  }
  // Routes, fallbacks and a semantic cache cannot reach another workspace's endpoint, and say
  // so as for a name nobody uses.
  const reach = [
    [{ name: 'b-route2', task_type: 'llm/v1/chat', destinations: [{ name: 'NAME' }] }, '/admin/routes'],
    [{ name: 'b-fb', endpoint_type: 'llm/v1/chat', model: { provider: 'mock', name: 'x' }, fallbacks: ['NAME'] }, '/admin/endpoints'],
    [{ name: 'b-sem', endpoint_type: 'llm/v1/chat', model: { provider: 'mock', name: 'x' }, cache: { mode: 'semantic', embeddings_endpoint: 'NAME' } }, '/admin/endpoints'],
  ];
  for (const [def, path] of reach) {
    const none = await call('aAdmin', 'POST', path, JSON.parse(JSON.stringify(def).replace('NAME', 'no-such-name')));
    r = await call('aAdmin', 'POST', path, JSON.parse(JSON.stringify(def).replace('NAME', path.endsWith('routes') ? 'b-chat' : def.cache ? 'b-embed' : 'b-chat')));
    assert.equal(none.status, 400, JSON.stringify(none.json));
    assert.equal(r.status, 400, `${path} ${JSON.stringify(r.json)}`);
    assert.ok(!JSON.stringify(r.json).includes('team-b'), JSON.stringify(r.json));
  }
  r = await call('bAdmin', 'GET', '/admin/endpoints/a-chat');  // the file's, too
  assert.equal(r.status, 404);
  // A shared one is seen, not changed.
  r = await call('aAdmin', 'GET', '/admin/endpoints/shared');
  assert.equal(r.status, 200);
  r = await call('bAdmin', 'DELETE', '/admin/secrets/a-openai');
  assert.equal(r.status, 404);

  // The audit trail: each admin sees its workspace's records, who made them, never a value.
  r = await call('aAdmin', 'GET', '/admin/audit');
  assert.equal(r.status, 200);
  assert.ok(r.json.data.length >= 3);
  assert.ok(r.json.data.every((x) => x.workspace === 'team-a'), JSON.stringify(r.json.data));
  assert.ok(r.json.data.some((x) => x.kind === 'endpoint' && x.name === 'a-stored' && x.actor === 'key:key-a-admin'));
  assert.ok(!JSON.stringify(r.json).includes('sk-team-a-provider-secret-123'));
  r = await call('bAdmin', 'POST', '/admin/secrets', { name: 'b-own', value: 'sk-team-b-provider-secret-456' });
  assert.equal(r.status, 201);
  r = await call('bAdmin', 'GET', '/admin/audit');
  assert.ok(r.json.data.some((x) => x.kind === 'secret' && x.name === 'b-own' && x.actor === 'key:key-b-admin'), JSON.stringify(r.json.data));
  assert.ok(r.json.data.every((x) => x.workspace === 'team-b'));
  assert.ok(!r.json.data.some((x) => x.name === 'a-stored' || x.name === 'a-openai'));
  r = await call('admin', 'GET', '/admin/audit?kind=endpoint&name=a-stored');
  assert.equal(r.json.data[0].actor, 'key:key-a-admin');

  // Deleting its own.
  r = await call('aAdmin', 'DELETE', '/admin/endpoints/a-stored');
  assert.equal(r.status, 200);
  r = await call('aAdmin', 'DELETE', '/admin/secrets/a-openai');
  assert.equal(r.status, 200);
});

test('spend, usage and the request log: a workspace admin reads its workspace\'s only', async () => {
  for (let i = 0; i < 2; i++) {
    assert.equal((await chat('a', 'a-chat')).status, 200);
    assert.equal((await chat('b', 'b-chat')).status, 200);
  }
  // The admin key groups by workspace.
  let r = await call('admin', 'GET', '/admin/spend?by=workspace');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const byWorkspace = Object.fromEntries(r.json.data.map((row) => [row.workspace, row.requests]));
  assert.ok(byWorkspace['team-a'] >= 2 && byWorkspace['team-b'] >= 2, JSON.stringify(r.json));
  r = await call('aAdmin', 'GET', '/admin/spend?by=workspace');
  assert.deepEqual(r.json.data.map((row) => row.workspace), ['team-a']);
  assert.equal(r.json.data[0].requests, byWorkspace['team-a']);

  r = await call('aAdmin', 'GET', '/admin/spend?by=key');
  assert.equal(r.status, 200);
  assert.ok(r.json.data.some((row) => row.key === 'key-a'), JSON.stringify(r.json));
  assert.ok(!r.json.data.some((row) => row.key === 'key-b'));
  r = await call('aAdmin', 'GET', '/admin/spend?by=key&workspace=team-b');
  assert.equal(r.status, 403);
  assert.equal(r.json.error.param, 'workspace');

  r = await call('aAdmin', 'GET', '/admin/usage?by=endpoint&since=1h');
  assert.equal(r.status, 200);
  assert.ok(JSON.stringify(r.json).includes('a-chat'));
  assert.ok(!JSON.stringify(r.json).includes('b-chat'), JSON.stringify(r.json));

  // The request log: team-a's admin sees team-a's requests; team-b's answer as absent.
  await eventually(async () => (r = await call('aAdmin', 'GET', '/admin/requests')).json.data.length >= 2, 3000, 'team-a\'s requests logged');
  assert.equal(r.status, 200);
  assert.ok(r.json.data.length >= 2);
  assert.ok(r.json.data.every((x) => x.workspace === 'team-a'), JSON.stringify(r.json.data));
  assert.ok(!r.json.data.some((x) => x.key_id === 'key-b'));
  // (A record is queued once its answer has gone out: the last may lag the client a moment.)
  let all;
  await eventually(async () => (all = await call('admin', 'GET', '/admin/requests?workspace=team-b')).json.data.length >= 2, 3000, 'team-b\'s requests logged');
  assert.ok(all.json.data.every((x) => x.workspace === 'team-b'));
  const bId = all.json.data[0].request_id;
  assert.equal((await call('admin', 'GET', `/admin/requests/${bId}`)).status, 200);
  r = await call('aAdmin', 'GET', `/admin/requests/${bId}`);
  assert.equal(r.status, 404);
});

test('what spans workspaces needs the admin key', async () => {
  for (const [method, path] of [['GET', '/admin/cache'], ['DELETE', '/admin/cache'], ['GET', '/admin/teams'], ['POST', '/admin/reload'], ['GET', '/admin/routes']]) {
    const r = await call('aAdmin', method, path);
    assert.equal(r.status, 403, `${method} ${path}`);
    assert.equal(r.json.error.code, 'admin_key_required');
    assert.match(r.json.error.message, /needs the admin key/);
  }
  assert.equal((await call('admin', 'GET', '/admin/teams')).status, 200);
});

test('budgets with scope: workspace count every key of the workspace; a workspace admin keeps to its own', async () => {
  // team-a's admin may not make a global budget, nor one for team-b.
  let r = await call('aAdmin', 'POST', '/admin/budgets', { scope: 'global', tokens: 1, per: 'day' });
  assert.equal(r.status, 403);
  r = await call('aAdmin', 'POST', '/admin/budgets', { scope: 'workspace', match: 'team-b', tokens: 1, per: 'day' });
  assert.equal(r.status, 403);
  // Its own workspace's (match defaults to it).
  r = await call('bAdmin', 'POST', '/admin/budgets', { scope: 'workspace', tokens: 1, per: 'day' });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json.match, 'team-b');
  const id = r.json.id;
  // team-b has spent tokens already (the test before): it is over; team-a is not.
  r = await chat('b', 'b-chat');
  assert.equal(r.status, 429, JSON.stringify(r.json));
  assert.equal((await chat('a', 'a-chat')).status, 200);
  // team-a's admin does not see it; team-b's does.
  r = await call('aAdmin', 'GET', '/admin/budgets');
  assert.ok(!r.json.data.some((b) => b.id === id));
  r = await call('aAdmin', 'GET', `/admin/budgets/${id}`);
  assert.equal(r.status, 404);
  r = await call('bAdmin', 'GET', '/admin/budgets');
  assert.ok(r.json.data.some((b) => b.id === id && b.scope === 'workspace' && b.exceeded === true), JSON.stringify(r.json));
  r = await call('bAdmin', 'PATCH', `/admin/budgets/${id}`, { match: 'team-a' });
  assert.equal(r.status, 403);
  r = await call('bAdmin', 'DELETE', `/admin/budgets/${id}`);
  assert.equal(r.status, 200);
  assert.equal((await chat('b', 'b-chat')).status, 200);
});

test('limits with scope: workspace', async () => {
  // limits: team-c may make 2 requests a minute, whatever key.
  assert.equal((await chat('c', 'c-chat')).status, 200);
  assert.equal((await chat('c', 'c-chat')).status, 200);
  const r = await chat('c', 'c-chat');
  assert.equal(r.status, 429);
  assert.equal((await chat('a', 'a-chat')).status, 200);
});

test('server.hosts: a Host belongs to a workspace', async () => {
  const host = { host: 'ml.example.com:8080' };
  assert.equal((await chat('a', 'a-chat', host)).status, 200);
  let r = await chat('b', 'b-chat', host);
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'wrong_workspace');
  r = await call('bAdmin', 'GET', '/admin/keys', undefined, host);
  assert.equal(r.status, 403);
  r = await call('aAdmin', 'GET', '/admin/keys', undefined, host);
  assert.equal(r.status, 200);
  r = await call('admin', 'GET', '/admin/keys', undefined, host);
  assert.equal(r.status, 200);
  // Another Host is not mapped: every key works as before.
  assert.equal((await chat('b', 'b-chat', { host: 'other.example.com' })).status, 200);
});

test('server.hosts and role are checked like the rest of the config', async () => {
  for (const [yaml, message] of [
    ['server: {hosts: {"ml.example.com:80": team-a}}\n', /server\.hosts\.ml\.example\.com:80: must be a host name without a port/],
    ['server: {hosts: {ml.example.com: "*"}}\n', /server\.hosts\.ml\.example\.com: must be a workspace name/],
    ['server: {hosts: [ml.example.com]}\n', /server\.hosts: must be a map/],
    ['auth: {mode: keys, pepper: pepper-0123456789abcdef0123, keys: [{name: x, key_hash: "' + 'a'.repeat(64) + '", role: root}]}\n', /role: must be user or admin/],
  ]) {
    const r = await runSluice(['check-config', writeConfig(yaml + 'endpoints: []\n')]);
    assert.notEqual(r.code, 0, yaml);
    assert.match(r.stderr + r.stdout, message);
  }
});

test('workspaces: declared in the file are listed with what they hold; undeclared names are refused', async () => {
  let r = await call('admin', 'GET', '/admin/workspaces');
  assert.equal(r.status, 200);
  const byName = Object.fromEntries(r.json.data.map((w) => [w.name, w]));
  assert.deepEqual(Object.keys(byName).sort(), ['', 'team-a', 'team-b', 'team-c']);
  assert.equal(byName['team-b'].description, 'Research');
  assert.equal(byName['team-b'].declared, true);
  assert.equal(byName[''].default, true);
  assert.ok(byName['team-a'].keys >= 2 && byName['team-a'].endpoints >= 1);
  r = await call('aAdmin', 'GET', '/admin/workspaces');
  assert.deepEqual(r.json.data.map((w) => w.name), ['team-a']);
  // A name the file does not declare: a typo, refused wherever it is given.
  r = await call('admin', 'POST', '/admin/keys', { name: 'typo', workspace: 'team-x' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.param, 'workspace');
  r = await call('admin', 'POST', '/admin/endpoints', { name: 'typo', workspace: 'team-x', endpoint_type: 'llm/v1/chat', model: { provider: 'mock', name: 'm' } });
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /team-x' is not declared/);
  r = await call('admin', 'POST', '/admin/secrets', { name: 'typo', workspace: 'team-x', value: 'v' });
  assert.equal(r.status, 400);
  r = await call('admin', 'POST', '/admin/budgets', { scope: 'workspace', match: 'team-x', tokens: 5, per: 'day' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.param, 'match');
  const typoLimit = await runSluice(['check-config', writeConfig(`workspaces: [team-a]
limits:
  - {scope: workspace, match: team-typo, requests: 5, per: minute}
endpoints: []
`)]);
  assert.notEqual(typoLimit.code, 0);
  assert.match(typoLimit.stderr, /workspace 'team-typo' is not declared/);
  const bad = await runSluice(['check-config', writeConfig(`workspaces: [team-a]
endpoints:
  - {name: m, workspace: team-y, endpoint_type: llm/v1/chat, model: {provider: mock, name: m}}
`)]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /endpoint 'm': workspace 'team-y' is not declared in workspaces:/);
});

test('a workspace admin needs a named workspace; two Host headers are refused', async () => {
  let r = await call('admin', 'POST', '/admin/keys', { name: 'default-admin', role: 'admin' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.param, 'role');
  r = await call('aAdmin', 'POST', '/admin/keys', { name: 'x', role: 'admin', workspace: '' });
  assert.equal(r.status, 403);  // (not its workspace)
  const bad = await runSluice(['check-config', writeConfig(`auth: {mode: keys, pepper: pepper-0123456789abcdef0123, keys: [{name: x, key_hash: "${'a'.repeat(64)}", role: admin}]}
endpoints: []
`)]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /role: admin needs a workspace/);
  // Raw, as no client library sends two.
  const { connect } = await import('node:net');
  const answer = await new Promise((resolve, reject) => {
    const sock = connect(gw.port, '127.0.0.1', () => {
      sock.end(`GET /admin/keys HTTP/1.1\r\nHost: other.example.com\r\nHost: ml.example.com\r\nAuthorization: Bearer ${KEYS.bAdmin}\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    sock.on('data', (d) => (text += d));
    sock.on('end', () => resolve(text));
    sock.on('error', reject);
  });
  assert.match(answer, /^HTTP\/1\.1 400/);
  assert.match(answer, /more than one Host header/);
  // An absolute-form target's authority stands for Host (RFC 9112 §3.2.2; found by a hostile
  // probe: the Host header picked the workspace instead).
  const absolute = await new Promise((resolve, reject) => {
    const sock = connect(gw.port, '127.0.0.1', () => {
      sock.end(`GET http://ml.example.com/admin/keys HTTP/1.1\r\nHost: other.example.com\r\nAuthorization: Bearer ${KEYS.bAdmin}\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    sock.on('data', (d) => (text += d));
    sock.on('end', () => resolve(text));
    sock.on('error', reject);
  });
  assert.match(absolute, /^HTTP\/1\.1 403/);
  assert.match(absolute, /wrong_workspace/);
});

test('shared secrets are for shared endpoints; the admin key moves a secret; stored endpoints never use the host\'s AWS credentials', async () => {
  let r = await call('admin', 'POST', '/admin/secrets', { name: 'shared-openai', workspace: '*', value: 'sk-shared-provider-secret-789' });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const definition = (name, secret) => ({
    name, endpoint_type: 'llm/v1/chat',
    model: { provider: 'openai', name: 'gpt-4o', config: { openai_api_key: { secret }, openai_api_base: 'http://127.0.0.1:9/v1' } },
  });
  // A workspace admin sets the base URL of what it makes: a shared secret is not for it.
  r = await call('aAdmin', 'POST', '/admin/endpoints', definition('a-takes-shared', 'shared-openai'));
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /no secret named 'shared-openai' in workspace 'team-a'/);
  r = await call('admin', 'POST', '/admin/endpoints', { ...definition('shared-uses-shared', 'shared-openai'), workspace: '*' });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  // The admin key moves a secret; a workspace admin cannot.
  r = await call('admin', 'POST', '/admin/secrets', { name: 'to-move', value: 'sk-move-me-0123456789' });
  assert.equal(r.status, 201);
  r = await call('aAdmin', 'POST', '/admin/endpoints', definition('a-moved', 'to-move'));
  assert.equal(r.status, 400);
  r = await call('aAdmin', 'PATCH', '/admin/secrets/to-move', { workspace: 'team-a' });
  assert.equal(r.status, 404);
  r = await call('admin', 'PATCH', '/admin/secrets/to-move', { workspace: 'team-a' });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.workspace, 'team-a');
  r = await call('aAdmin', 'POST', '/admin/endpoints', definition('a-moved', 'to-move'));
  assert.equal(r.status, 201, JSON.stringify(r.json));
  r = await call('aAdmin', 'PATCH', '/admin/secrets/to-move', { workspace: 'team-b' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.param, 'workspace');
  // Bedrock without keys: the file's endpoint may use AWS_*; a stored one may not.
  r = await call('aAdmin', 'POST', '/admin/endpoints', { name: 'a-bedrock', endpoint_type: 'llm/v1/chat', model: { provider: 'bedrock', name: 'anthropic.claude-3-haiku-20240307-v1:0', config: { aws_region: 'us-east-1' } } });
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /needs aws_access_key_id and aws_secret_access_key/);
  r = await call('admin', 'POST', '/admin/endpoints', { name: 'cfg-bedrock', endpoint_type: 'llm/v1/chat', model: { provider: 'bedrock', name: 'anthropic.claude-3-haiku-20240307-v1:0', config: { aws_region: 'us-east-1' } } });
  assert.equal(r.status, 400);
  const check = await runSluice(['check-config', writeConfig(`endpoints:
  - {name: b, endpoint_type: llm/v1/chat, model: {provider: bedrock, name: anthropic.claude-3-haiku-20240307-v1:0, config: {aws_region: us-east-1}}}
`)], { AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY, AWS_REGION: 'us-east-1' });
  assert.equal(check.code, 0, check.stderr);
});

test('a budget\'s fallback in another workspace does not exist for the request, even when the name was free when the budget was made', async () => {
  let r = await call('bAdmin', 'POST', '/admin/endpoints', { name: 'b-local', endpoint_type: 'llm/v1/chat', model: { provider: 'mock', name: 'l' } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  r = await call('bAdmin', 'POST', '/admin/keys', { name: 'capped', budget: { tokens: 1, per: 'day', on_exceed: 'fallback', fallback: 'b-local' } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const capped = r.json.key;
  assert.equal((await chat(capped, 'b-chat')).status, 200);  // spends the budget
  r = await chat(capped, 'b-chat');
  assert.equal(r.status, 200);  // sent to its fallback, in its workspace
  assert.equal((await call('bAdmin', 'DELETE', '/admin/endpoints/b-local')).status, 200);
  // team-a takes the freed name: team-b's over-budget requests must not go there.
  r = await call('aAdmin', 'POST', '/admin/endpoints', { name: 'b-local', endpoint_type: 'llm/v1/chat', model: { provider: 'mock', name: 'taken' } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  r = await chat(capped, 'b-chat');
  assert.equal(r.status, 429, JSON.stringify(r.json));
  assert.match(r.json.error.message, /fallback endpoint does not exist/);
  assert.equal((await call('aAdmin', 'DELETE', '/admin/endpoints/b-local')).status, 200);
});
