// GET /v1/key with the real binary: a gateway key's holder reads its own settings, the budgets
// that count it (with what is left), what it spent, and what it may call — with the key, or with
// the console session it signed in with; nothing of other keys, workspaces or the operator's
// notes; the usual errors for no key, a wrong one, a disabled one, and gateways without keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSluice, tempDir, eventually } from '../support/sluice.mjs';

const ADMIN = 'admin-key-for-key-info-tests-01234';
const KEY = 'sk-keyinfo-app-key-0123456789abcdef';
const OTHER = 'sk-keyinfo-other-key-0123456789abcd';
const B = 'sk-keyinfo-team-b-key-0123456789abc';
let gw;

before(async () => {
  gw = await startSluice(`
auth:
  mode: keys
  admin_key: ${ADMIN}
  pepper: \${{ secrets.PEPPER }}
  keys:
    - {id: key-app, name: app, key: "\${{ secrets.KEY }}", team: apps, user: ada, endpoints: [chat, "sum*", both],
       metadata: {owner_note: "do not show"}, limits: [{tokens: 5000, per: minute}],
       budget: {usd: 2, per: day}}
    - {id: key-other, name: other, key: "\${{ secrets.OTHER }}", team: ops}
    - {id: key-b, name: b, key: "\${{ secrets.B }}", workspace: team-b}
stores: {sqlite: ${join(tempDir(), 'gw.db')}}
pricing:
  mock: {m: {input: 1000, output: 2000}}
budgets:
  - {scope: team, match: apps, usd: 50, per: month}
  - {scope: team, match: ops, usd: 7, per: month}
  - {scope: global, tokens: 1000000, per: day}
  - {scope: endpoint, match: chat, usd: 3, per: day}
endpoints:
  - {name: chat, endpoint_type: llm/v1/chat, model: {provider: mock, name: m}}
  - {name: summarize, endpoint_type: llm/v1/completions, model: {provider: mock, name: m}}
  - {name: secret-chat, endpoint_type: llm/v1/chat, model: {provider: mock, name: m}}
  - {name: b-chat, workspace: team-b, endpoint_type: llm/v1/chat, model: {provider: mock, name: m}}
  # Refuses every connection: a route over it falls back.
  - {name: dead, endpoint_type: llm/v1/chat, model: {provider: openai, name: m, config: {openai_api_key: sk-x, openai_api_base: "http://127.0.0.1:9/v1"}}}
  - {name: other-model, endpoint_type: llm/v1/chat, model: {provider: mock, name: m2}}
routes:
  - {name: both, task_type: llm/v1/chat, destinations: [{name: chat}, {name: secret-chat}]}
  - {name: fo, task_type: llm/v1/chat, strategy: fallback, destinations: [{name: dead}, {name: other-model}]}
`, { env: { KEY, OTHER, B, PEPPER: 'pepper-for-key-info-tests-0123456789' } });
});

after(async () => { await gw?.stop(); });

const get = (headers) => fetch(`${gw.url}/v1/key`, { headers });

test('a key reads its own settings, budgets, spend and what it may call', async () => {
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hello there' }], max_tokens: 50 }),
  });
  assert.equal(r.status, 200);
  const usage = (await r.json()).usage;
  const cost = (usage.prompt_tokens * 1000 + usage.completion_tokens * 2000) / 1e6;

  let own;
  await eventually(async () => {
    own = await (await get({ authorization: `Bearer ${KEY}` })).json();
    return own.usage.day.tokens > 0;
  }, 5000, 'the spend to be counted');
  assert.equal(own.object, 'key');
  assert.equal(own.id, 'key-app');
  assert.equal(own.name, 'app');
  assert.equal(own.team, 'apps');
  assert.equal(own.user, 'ada');
  assert.equal(own.metadata, undefined, 'the operator\'s notes stay with the operator');
  assert.ok(!JSON.stringify(own).includes(KEY), 'never the secret');
  assert.deepEqual(own.limits, [{ tokens: 5000, per: 'minute' }]);
  assert.equal(own.usage.day.tokens, usage.prompt_tokens + usage.completion_tokens);
  assert.ok(Math.abs(own.usage.day.cost_usd - cost) < 1e-12, `${own.usage.day.cost_usd} vs ${cost}`);
  assert.deepEqual(own.usage.month, own.usage.day);

  // Its own budget, its team's and the global one; not another team's, not an endpoint's.
  const budgets = own.budgets.map((b) => `${b.source}:${b.scope}:${b.match}`).sort();
  assert.deepEqual(budgets, ['config:global:', 'config:team:apps', 'key:key:key-app']);
  const mine = own.budgets.find((b) => b.source === 'key');
  assert.equal(mine.usd, 2);
  assert.ok(Math.abs(mine.remaining_usd - (2 - cost)) < 1e-9);
  // A global budget: its caps and whether it is spent, not what the whole gateway spent.
  const global = own.budgets.find((b) => b.scope === 'global');
  assert.equal(global.tokens, 1000000);
  assert.equal(global.exceeded, false);
  assert.equal(global.spent_tokens, undefined);
  assert.equal(global.remaining_tokens, undefined);
  const team = own.budgets.find((b) => b.scope === 'team');
  assert.ok(Math.abs(team.remaining_usd - (50 - cost)) < 1e-9);

  // What it may call: its globs, in its workspace; the route by name.
  assert.deepEqual(own.callable.map((c) => `${c.object}:${c.name}:${c.endpoint_type}`).sort(),
    ['endpoint:chat:llm/v1/chat', 'endpoint:summarize:llm/v1/completions', 'route:both:llm/v1/chat']);
  assert.equal(own.callable.find((c) => c.name === 'chat').provider, 'mock');

  // A route is callable when the key may use some destination's model.
  const made = async (models) => (await (await fetch(`${gw.url}/admin/keys`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `models-${models}`, models: [models] }),
  })).json()).key;
  const onlyM = await (await get({ authorization: `Bearer ${await made('m')}` })).json();
  assert.ok(onlyM.callable.some((c) => c.name === 'both'));
  // A route with one destination of its model: callable (its requests go to that one only).
  const onlyM2 = await (await get({ authorization: `Bearer ${await made('m2')}` })).json();
  assert.deepEqual(onlyM2.callable.map((c) => c.name).sort(), ['fo', 'other-model']);
  const other = await (await get({ authorization: `Bearer ${await made('gpt-x')}` })).json();
  assert.deepEqual(other.callable, []);
  assert.equal(other.budgets.length, 1, 'the global one only');

  // Another workspace's key sees its own workspace's endpoints only.
  const b = await (await get({ 'x-api-key': B })).json();
  assert.equal(b.workspace, 'team-b');
  assert.deepEqual(b.callable.map((c) => c.name), ['b-chat']);
  assert.deepEqual(b.budgets.map((x) => x.scope), ['global']);
});

test('no key, a wrong one, a disabled or revoked one: the API\'s usual errors', async () => {
  let r = await get({});
  assert.equal(r.status, 401);
  assert.equal((await r.json()).error.code, 'missing_api_key');
  r = await get({ authorization: 'Bearer sk-not-a-key-000000000000000000' });
  assert.equal(r.status, 401);
  assert.equal((await r.json()).error.code, 'invalid_api_key');
  // The admin key is not a gateway key.
  r = await get({ authorization: `Bearer ${ADMIN}` });
  assert.equal(r.status, 401);
  r = await fetch(`${gw.url}/v1/key`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(r.status, 405);

  const made = await (await fetch(`${gw.url}/admin/keys`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'short-lived' }),
  })).json();
  assert.equal((await get({ authorization: `Bearer ${made.key}` })).status, 200);
  await fetch(`${gw.url}/admin/keys/${made.id}`, {
    method: 'PATCH', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ disabled: true }),
  });
  r = await get({ authorization: `Bearer ${made.key}` });
  assert.equal(r.status, 401);
  assert.equal((await r.json()).error.code, 'key_disabled');
});

test('the console session of a key stands in for it; an admin session has no key to describe', async () => {
  const signIn = async (key) => {
    const r = await fetch(`${gw.url}/ui/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key }) });
    assert.equal(r.status, 200);
    return r.headers.get('set-cookie').split(';')[0];
  };
  const made = await (await fetch(`${gw.url}/admin/keys`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'session-holder' }),
  })).json();
  const cookie = await signIn(made.key);
  let r = await get({ cookie });
  assert.equal(r.status, 200);
  assert.equal((await r.json()).id, made.id);
  // A key sent with the request wins over the cookie.
  r = await get({ cookie, authorization: `Bearer ${OTHER}` });
  assert.equal((await r.json()).id, 'key-other');
  // Nothing else takes the session in place of a key.
  r = await fetch(`${gw.url}/v1/models`, { headers: { cookie } });
  assert.equal(r.status, 401);
  r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(r.status, 401);
  // Revoked: the session ends with the key.
  await fetch(`${gw.url}/admin/keys/${made.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } });
  assert.equal((await get({ cookie })).status, 401);
  assert.equal((await fetch(`${gw.url}/ui/api/session`, { headers: { cookie } })).status, 401);

  const admin = await signIn(ADMIN);
  r = await get({ cookie: admin });
  assert.equal(r.status, 401);
});

test('a gateway without keys has no key to describe', async () => {
  const open = await startSluice(`
endpoints:
  - {name: chat, endpoint_type: llm/v1/chat, model: {provider: mock, name: m}}
`);
  try {
    const r = await fetch(`${open.url}/v1/key`);
    assert.equal(r.status, 404);
    const body = await r.json();
    assert.match(body.error.message, /does not use gateway keys/);
    // A key sent anyway is checked: there is none to match here.
    const wrong = await fetch(`${open.url}/v1/key`, { headers: { authorization: 'Bearer sk-nothing-0000000000000000' } });
    assert.equal(wrong.status, 401);
  } finally {
    await open.stop();
  }
});

test('a key\'s models hold for every destination a route falls back to', async () => {
  const made = await (await fetch(`${gw.url}/admin/keys`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'only-m', models: ['m'] }),
  })).json();
  const call = (model) => fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${made.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
  });
  // The first destination (model m) is down; the fallback's model m2 is not the key's to use.
  const r = await call('fo');
  assert.notEqual(r.status, 200, 'never answered by m2');
  assert.ok(r.status >= 500, String(r.status));
  assert.equal(r.headers.get('x-sluice-destination'), 'dead');
  // A key that may use both gets the fallback's answer.
  const any = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fo', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
  });
  assert.equal(any.status, 403, 'KEY may name chat, sum* and both only');
  const open = await (await fetch(`${gw.url}/admin/keys`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'all-models' }),
  })).json();
  const ok = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${open.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fo', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('x-sluice-destination'), 'other-model');
  // A key whose models match none of the route's: refused before anything is sent.
  const none = await (await fetch(`${gw.url}/admin/keys`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'no-models', models: ['gpt-x'] }),
  })).json();
  const refused = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${none.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fo', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(refused.status, 403);
  assert.equal((await refused.json()).error.code, 'model_not_allowed');
});
