// Workspaces, the administration half, with the real binary: a key with role: admin manages its
// own workspace through the admin API (keys, endpoints, routes, secrets, budgets, spend, usage,
// the request log, the audit trail) and another workspace's objects do not exist for it; budgets
// and limits with scope: workspace; server.hosts puts a Host in a workspace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { request } from 'node:http';
import { startSluice, runSluice, writeConfig, tempDir } from '../support/sluice.mjs';
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
};
const mock = (name) => `{provider: mock, name: ${name}}`;
const config = (db) => `
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

  // Another workspace's keys answer exactly as keys that do not exist.
  const none = await call('aAdmin', 'GET', '/admin/keys/no-such-key');
  for (const [method, path] of [['GET', '/admin/keys/key-b'], ['PATCH', '/admin/keys/key-b'], ['DELETE', '/admin/keys/key-b'],
    ['POST', '/admin/keys/key-b/rotate']]) {
    r = await call('aAdmin', method, path, method === 'PATCH' ? { name: 'taken' } : undefined);
    assert.equal(r.status, 404, `${method} ${path}`);
    assert.equal(r.json.error.message.replace('key-b', 'X'), none.json.error.message.replace('no-such-key', 'X'));
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

  // Listing: its own and the shared ones, not team-b's or team-c's.
  r = await call('aAdmin', 'GET', '/admin/endpoints');
  assert.deepEqual(r.json.data.map((e) => e.name).sort(), ['a-chat', 'a-stored', 'shared']);
  r = await call('bAdmin', 'GET', '/admin/endpoints');
  assert.deepEqual(r.json.data.map((e) => e.name).sort(), ['b-chat', 'shared']);

  // Another workspace's endpoint answers as one that does not exist, for every method.
  const none = await call('bAdmin', 'GET', '/admin/endpoints/no-such-endpoint');
  for (const method of ['GET', 'PATCH', 'DELETE']) {
    r = await call('bAdmin', method, '/admin/endpoints/a-stored', method === 'PATCH' ? { endpoint_type: 'llm/v1/chat' } : undefined);
    assert.equal(r.status, 404, method);
    assert.equal(r.json.error.message.replace('a-stored', 'X'), none.json.error.message.replace('no-such-endpoint', 'X'));
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
  r = await call('bAdmin', 'GET', '/admin/audit');
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
  r = await call('aAdmin', 'GET', '/admin/requests');
  assert.equal(r.status, 200);
  assert.ok(r.json.data.length >= 2);
  assert.ok(r.json.data.every((x) => x.workspace === 'team-a'), JSON.stringify(r.json.data));
  assert.ok(!r.json.data.some((x) => x.key_id === 'key-b'));
  const all = await call('admin', 'GET', '/admin/requests?workspace=team-b');
  assert.ok(all.json.data.length >= 2);
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
