// MLflow AI Gateway's REST API, as MLflow's own clients call it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatewayWithUpstream, post, sseData } from './helpers.mjs';

let env;
const mlflowEndpoints = `
  - name: limited
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: m, config: {text: "ok"}}
    limit: {renewal_period: minute, calls: 2}
`;
before(async () => { env = await startGatewayWithUpstream({ extraEndpoints: mlflowEndpoints }); });
after(async () => { await env.close(); });

const chat = { messages: [{ role: 'user', content: 'Say hello' }] };

test('GET /api/2.0/endpoints/ lists endpoints in MLflow shape', async () => {
  const res = await fetch(env.gateway.url + '/api/2.0/endpoints/');
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.next_page_token, undefined);
  const ok = body.endpoints.find((e) => e.name === 'chat-ok');
  assert.deepEqual(ok, { name: 'chat-ok', endpoint_type: 'llm/v1/chat', model: { name: 'ok', provider: 'openai' },
    endpoint_url: '/gateway/chat-ok/invocations', limit: null });
  const limited = body.endpoints.find((e) => e.name === 'limited');
  assert.deepEqual(limited.limit, { calls: 2, key: null, renewal_period: 'minute' });
});

test('GET one endpoint, the legacy routes API, and 404s with detail', async () => {
  const one = await (await fetch(env.gateway.url + '/api/2.0/endpoints/embeddings')).json();
  assert.equal(one.endpoint_type, 'llm/v1/embeddings');
  const v3 = await (await fetch(env.gateway.url + '/api/3.0/gateway/endpoint/embeddings')).json();
  assert.deepEqual(v3, one);
  const routes = await (await fetch(env.gateway.url + '/api/2.0/gateway/routes/')).json();
  const r = routes.routes.find((x) => x.name === 'completions');
  assert.equal(r.route_type, 'llm/v1/completions');
  assert.equal(r.route_url, '/gateway/completions/invocations');
  const missing = await fetch(env.gateway.url + '/api/2.0/endpoints/nope');
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).detail, /The endpoint 'nope' is not present or active on the server/);
  const limits = await fetch(env.gateway.url + '/api/2.0/endpoints/limits/chat-ok');
  assert.equal(limits.status, 501);
  assert.equal((await limits.json()).detail, 'The get_limits API is not available yet.');
});

test('chat invocation: MLflow response shape, model rewritten upstream', async () => {
  const res = await post(env.gateway, '/endpoints/chat-ok/invocations', { ...chat, temperature: 0.5, max_tokens: 10 });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.deepEqual(Object.keys(body).sort(), ['choices', 'created', 'id', 'model', 'object', 'usage']);
  assert.equal(body.object, 'chat.completion');
  assert.deepEqual(body.choices[0], { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'upstream answer' } });
  assert.deepEqual(body.usage, { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
  const seen = env.upstream.requests.at(-1);
  assert.equal(seen.body.model, 'ok');
  assert.equal(seen.body.temperature, 0.5);
  assert.equal(res.headers.get('x-sluice-destination'), 'chat-ok');
});

test('the older /gateway/{name}/invocations path answers too', async () => {
  const res = await post(env.gateway, '/gateway/chat-ok/invocations', chat);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).choices[0].message.content, 'upstream answer');
});

test('completions and embeddings invocations', async () => {
  const c = await (await post(env.gateway, '/endpoints/completions/invocations', { prompt: 'hi', max_tokens: 5 })).json();
  assert.equal(c.object, 'text_completion');
  assert.deepEqual(c.choices[0], { index: 0, finish_reason: 'stop', text: 'upstream completion' });
  const e = await (await post(env.gateway, '/endpoints/embeddings/invocations', { input: ['a', 'b'] })).json();
  assert.equal(e.object, 'list');
  assert.deepEqual(e.data[1], { object: 'embedding', embedding: [0.5, -0.25, 1], index: 1 });
  assert.deepEqual(e.usage, { prompt_tokens: 3, total_tokens: 3 });
});

test('streams: MLflow chunks, no [DONE]', async () => {
  const res = await post(env.gateway, '/endpoints/chat-ok/invocations', { ...chat, stream: true });
  assert.equal(res.status, 200);
  const data = sseData(await res.text());
  assert.ok(!data.includes('[DONE]'));
  const chunks = data.map((d) => JSON.parse(d));
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Hello from upstream');
  const comp = sseData(await (await post(env.gateway, '/endpoints/completions/invocations', { prompt: 'x', stream: true })).text());
  assert.ok(comp.map((d) => JSON.parse(d)).every((c) => c.object === 'text_completion_chunk'));
});

test('validation errors are 422 with a per-field detail list', async () => {
  const cases = [
    [{ ...chat, temperature: 3 }, ['body', 'temperature'], 'less_than_equal'],
    [{ ...chat, stop: 'END' }, ['body', 'stop'], 'list_type'],
    [{ ...chat, n: 0 }, ['body', 'n'], 'greater_than_equal'],
    [{ temperature: 1 }, ['body', 'messages'], 'missing'],
    [{ ...chat, max_tokens: 'many' }, ['body', 'max_tokens'], 'int_type'],
  ];
  for (const [body, loc, type] of cases) {
    const res = await post(env.gateway, '/endpoints/chat-ok/invocations', body);
    assert.equal(res.status, 422, JSON.stringify(body));
    const detail = (await res.json()).detail;
    assert.ok(Array.isArray(detail));
    assert.deepEqual(detail[0].loc, loc);
    assert.equal(detail[0].type, type);
    assert.equal(typeof detail[0].msg, 'string');
  }
  const prompt = await post(env.gateway, '/endpoints/completions/invocations', { prompt: ['a'] });
  assert.equal(prompt.status, 422);
  const bad = await post(env.gateway, '/endpoints/chat-ok/invocations', '{oops');
  assert.equal(bad.status, 422);
  assert.equal((await bad.json()).detail[0].type, 'json_invalid');
});

test('a model field is rejected with MLflow\'s message', async () => {
  const res = await post(env.gateway, '/endpoints/chat-ok/invocations', { ...chat, model: 'gpt-4' });
  assert.equal(res.status, 422);
  assert.equal((await res.json()).detail,
    "The parameter 'model' is not permitted to be passed. The route being queried already defines a model instance.");
});

test('unknown endpoint, wrong method, provider errors: MLflow detail bodies', async () => {
  const nf = await post(env.gateway, '/endpoints/nope/invocations', chat);
  assert.equal(nf.status, 404);
  assert.deepEqual(await nf.json(), { detail: 'Not Found' });
  const m = await fetch(env.gateway.url + '/endpoints/chat-ok/invocations');
  assert.equal(m.status, 405);
  assert.equal(m.headers.get('allow'), 'POST');
  assert.deepEqual(await m.json(), { detail: 'Method Not Allowed' });
  const up = await post(env.gateway, '/endpoints/chat-fail-429/invocations', chat);
  assert.equal(up.status, 429);
  const detail = (await up.json()).detail;
  assert.match(detail, /upstream says no/);
  assert.ok(!detail.includes('sk-test-secret-key-123456'));
});

test('rate limit: calls per window, MLflow body on MLflow paths, OpenAI shape on /v1, shared counter', async () => {
  const first = await post(env.gateway, '/endpoints/limited/invocations', chat);
  assert.equal(first.status, 200);
  await first.arrayBuffer();
  const second = await post(env.gateway, '/v1/chat/completions', { model: 'limited', ...chat });
  assert.equal(second.status, 200, 'the /v1 path counts against the same limit');
  await second.arrayBuffer();
  const third = await post(env.gateway, '/endpoints/limited/invocations', chat);
  assert.equal(third.status, 429);
  assert.deepEqual(await third.json(), { error: 'Rate limit exceeded: 2 per 1 minute' });
  const retry = Number(third.headers.get('retry-after'));
  assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
  const v1 = await post(env.gateway, '/v1/chat/completions', { model: 'limited', ...chat });
  assert.equal(v1.status, 429);
  const err = (await v1.json()).error;
  assert.equal(err.type, 'rate_limit_error');
  assert.equal(err.code, 'rate_limit_exceeded');
  assert.ok(v1.headers.get('retry-after'));
});
