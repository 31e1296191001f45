// MLflow's traffic routes and older route forms, rate limits exact across worker threads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { post, stopCleanly } from './helpers.mjs';
import { startSluice } from '../support/sluice.mjs';

let gw;
before(async () => {
  gw = await startSluice(`
endpoints:
  - name: model-a
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: a, config: {text: "from a"}}
  - name: model-b
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: b, config: {text: "from b"}}
  - name: tight
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: t}
    limit: {renewal_period: hour, calls: 25}
routes:
  - name: ab-test
    task_type: llm/v1/chat
    destinations:
      - {name: model-a, traffic_percentage: 70}
      - {name: model-b, traffic_percentage: 30}
    routing_strategy: TRAFFIC_SPLIT
`, { workers: 2 });
});
after(async () => { await stopCleanly(gw); });

const chat = { messages: [{ role: 'user', content: 'hi' }] };

test('a traffic route splits by percentage and says which endpoint served', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const n = 2000;
  const one = () => new Promise((resolve, reject) => {
    const req = http.request(gw.url + '/endpoints/ab-test/invocations', { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ dest: res.headers['x-sluice-destination'], text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(chat));
  });
  const results = [];
  for (let i = 0; i < n; i += 50) results.push(...await Promise.all(Array.from({ length: 50 }, one)));
  agent.destroy();
  const a = results.filter((r) => r.dest === 'model-a');
  const b = results.filter((r) => r.dest === 'model-b');
  assert.equal(a.length + b.length, n);
  assert.ok(a.every((r) => JSON.parse(r.text).choices[0].message.content === 'from a'));
  assert.ok(b.every((r) => JSON.parse(r.text).choices[0].message.content === 'from b'));
  // 70 % of 2000 = 1400, sd ≈ 20.5: ±4 sd
  assert.ok(Math.abs(a.length - 1400) < 82, `model-a served ${a.length} of ${n}`);
});

test('a route is callable by name on /v1 too, and described by /api/3.0/gateway/route/', async () => {
  const res = await post(gw, '/v1/chat/completions', { model: 'ab-test', ...chat });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('x-sluice-destination'), /^model-[ab]$/);
  await res.arrayBuffer();
  const route = await (await fetch(gw.url + '/api/3.0/gateway/route/ab-test')).json();
  assert.deepEqual(route, { name: 'ab-test', task_type: 'llm/v1/chat', routing_strategy: 'TRAFFIC_SPLIT',
    destinations: [{ name: 'model-a', traffic_percentage: 70 }, { name: 'model-b', traffic_percentage: 30 }] });
  const listed = await (await fetch(gw.url + '/api/2.0/endpoints/')).json();
  assert.ok(!listed.endpoints.some((e) => e.name === 'ab-test'), 'routes are not endpoints');
  const logs = gw.logs().filter((l) => l.route === 'ab-test');
  assert.ok(logs.length > 0 && logs.every((l) => l.endpoint === 'model-a' || l.endpoint === 'model-b'));
});

test('a limit is exact across worker threads: 100 parallel calls, 25 allowed', async () => {
  const results = await Promise.all(Array.from({ length: 100 }, () =>
    fetch(gw.url + '/endpoints/tight/invocations', { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify(chat) })
      .then(async (r) => { await r.arrayBuffer(); return r.status; })));
  assert.equal(results.filter((s) => s === 200).length, 25);
  assert.equal(results.filter((s) => s === 429).length, 75);
});

test('the MLflow ≤ 2.8 form (routes with route_type and model) loads as endpoints', async () => {
  const old = await startSluice(`
routes:
  - name: completions
    route_type: llm/v1/completions
    model:
      provider: mock
      name: legacy-model
      config: {text: "legacy"}
`);
  try {
    const r = await post(old, '/gateway/completions/invocations', { prompt: 'x' });
    assert.equal((await r.json()).choices[0].text, 'legacy');
    const listed = await (await fetch(old.url + '/api/2.0/gateway/routes/completions')).json();
    assert.equal(listed.route_type, 'llm/v1/completions');
  } finally {
    await stopCleanly(old);
  }
});
