// MLflow 3's tracking-server gateway paths with the real binary: /gateway/{endpoint}/mlflow/
// invocations (chat and embeddings, streamed too), /gateway/mlflow/v1/chat/completions (the
// endpoint in `model`), and the X-MLflow-Gateway-Duration-Ms / -Overhead-Duration-Ms headers on
// every /gateway/ answer (and on no other path); the raw proxy /gateway/proxy/{endpoint}/{path}
// (body and model as sent, query kept, streams told by the provider's media type).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startGatewayWithUpstream, post, stopCleanly, logFor, sseData } from './helpers.mjs';
import { startSluice } from '../support/sluice.mjs';

let env;
before(async () => {
  env = await startGatewayWithUpstream({
    extraEndpoints: `
  - name: slow
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: slow-ok, config: {openai_api_key: sk-x-000000000000, openai_api_base: "{{UPSTREAM_BASE}}"}}
  - name: proxied
    endpoint_type: llm/v1/chat
    raw_proxy: true
    model: {provider: openai, name: configured-model, config: {openai_api_key: sk-proxy-key-0000000001, openai_api_base: "{{UPSTREAM_BASE}}"}}
`,
  });
});
after(async () => {
  await stopCleanly(env.gateway);
  await env.close();
});

const chat = { messages: [{ role: 'user', content: 'Say hello' }] };

test('/gateway/{endpoint}/mlflow/invocations answers chat and embeddings as the endpoint is', async () => {
  const r = await post(env.gateway, '/gateway/chat-ok/mlflow/invocations', chat);
  assert.equal(r.status, 200);
  const body = await r.json();
  assert.equal(body.object, 'chat.completion');
  assert.ok(body.choices[0].message.content.length > 0);
  assert.match(r.headers.get('x-mlflow-gateway-duration-ms'), /^\d+$/);
  assert.match(r.headers.get('x-mlflow-gateway-overhead-duration-ms'), /^\d+$/);

  const e = await post(env.gateway, '/gateway/embeddings/mlflow/invocations', { input: ['a', 'b'] });
  assert.equal(e.status, 200);
  const eb = await e.json();
  assert.equal(eb.data.length, 2);
  assert.ok(Array.isArray(eb.data[0].embedding));

  const s = await post(env.gateway, '/gateway/chat-ok/mlflow/invocations', { ...chat, stream: true });
  assert.equal(s.status, 200);
  assert.match(s.headers.get('content-type'), /text\/event-stream/);
  assert.match(s.headers.get('x-mlflow-gateway-duration-ms'), /^\d+$/);
  assert.equal(s.headers.get('x-mlflow-gateway-overhead-duration-ms'), null, 'as MLflow: not on streams');
  assert.match(await s.text(), /"object":"chat\.completion\.chunk"/);

  const missing = await post(env.gateway, '/gateway/nope/mlflow/invocations', chat);
  assert.equal(missing.status, 404);
  assert.ok((await missing.json()).detail ?? true);
  const get = await fetch(env.gateway.url + '/gateway/chat-ok/mlflow/invocations');
  assert.equal(get.status, 405);
});

test('/gateway/mlflow/v1/chat/completions takes the endpoint from model, in OpenAI\'s shapes', async () => {
  const r = await post(env.gateway, '/gateway/mlflow/v1/chat/completions', { model: 'chat-ok', ...chat });
  assert.equal(r.status, 200);
  assert.equal((await r.json()).object, 'chat.completion');
  assert.equal(env.upstream.requests.at(-1).body.model, 'ok', 'the endpoint\'s model is sent on');
  const missing = await post(env.gateway, '/gateway/mlflow/v1/chat/completions', chat);
  assert.equal(missing.status, 400);
  assert.equal((await missing.json()).error.param, 'model');
  const unknown = await post(env.gateway, '/gateway/mlflow/v1/chat/completions', { model: 'nope', ...chat });
  assert.equal(unknown.status, 404);
  assert.equal((await unknown.json()).error.code, 'model_not_found');
});

test('the duration headers measure the gateway and its overhead; other paths have none', async () => {
  const r = await post(env.gateway, '/gateway/mlflow/v1/chat/completions', { model: 'slow', ...chat });
  assert.equal(r.status, 200);
  await r.json();
  const total = Number(r.headers.get('x-mlflow-gateway-duration-ms'));
  const overhead = Number(r.headers.get('x-mlflow-gateway-overhead-duration-ms'));
  assert.ok(total >= 300, `the provider took 300 ms; duration was ${total}`);
  assert.ok(overhead < 100, `overhead ${overhead} ms should exclude the provider's 300 ms`);

  const passthrough = await post(env.gateway, '/gateway/openai/v1/chat/completions', { model: 'chat-ok', ...chat });
  assert.equal(passthrough.status, 200);
  assert.match(passthrough.headers.get('x-mlflow-gateway-duration-ms'), /^\d+$/);

  const v1 = await post(env.gateway, '/v1/chat/completions', { model: 'chat-ok', ...chat });
  assert.equal(v1.headers.get('x-mlflow-gateway-duration-ms'), null);
  const classic = await post(env.gateway, '/endpoints/chat-ok/invocations', chat);
  assert.equal(classic.headers.get('x-mlflow-gateway-duration-ms'), null);
});

// A raw request, for paths fetch() would normalise ("%2e%2e" is ".." to a WHATWG URL).
function rawPost(gateway, path, body, headers = { 'content-type': 'application/json' }) {
  const url = new URL(gateway.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: 'POST', path, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('the raw proxy sends the body as it is under the endpoint\'s API root, query kept', async () => {
  const sent = '{"model":"ok",  "messages":[{"role":"user","content":"Say hello"}],"extra":{"kept":[1,2.50]}}';
  const r = await rawPost(env.gateway, '/gateway/proxy/proxied/chat/completions?trace=1&x=%20y', sent);
  assert.equal(r.status, 200, r.text);
  const up = env.upstream.requests.at(-1);
  assert.equal(up.path, '/v1/chat/completions?trace=1&x=%20y');
  assert.equal(up.body.model, 'ok', 'the client\'s model is not rewritten');
  assert.deepEqual(up.body.extra, { kept: [1, 2.5] });
  assert.equal(up.headers.authorization, 'Bearer sk-proxy-key-0000000001', 'the endpoint\'s credentials');
  const body = JSON.parse(r.text);
  assert.equal(body.object, 'chat.completion');
  assert.equal(body.model, 'ok');
  assert.match(r.headers['x-mlflow-gateway-duration-ms'], /^\d+$/);
  assert.equal(r.headers['x-sluice-destination'], 'proxied');
  const line = await logFor(env.gateway, { headers: new Headers({ 'x-request-id': r.headers['x-request-id'] }) });
  assert.equal(line.total_tokens, 18, 'the provider\'s usage is counted');
  assert.equal(line.endpoint, 'proxied');
});

test('the raw proxy streams when the provider answers with a stream, asked or not', async () => {
  const r = await post(env.gateway, '/gateway/proxy/proxied/chat/completions',
    { model: 'ok', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/event-stream/);
  const text = await r.text();
  assert.match(text, /^: keep-alive\r\n/, 'the provider\'s bytes as they came');
  assert.equal(sseData(text).at(-1), '[DONE]');
  assert.equal((await logFor(env.gateway, r)).total_tokens, 18, 'usage read from the stream');

  // ?alt=sse (Gemini's way): no `stream` in the body, the media type says it.
  const g = await post(env.gateway, '/gateway/proxy/proxied/chat/completions?alt=sse',
    { model: 'ok', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(g.status, 200);
  assert.match(g.headers.get('content-type'), /text\/event-stream/);
  assert.ok(sseData(await g.text()).some((d) => d.includes('chat.completion.chunk')));
  assert.equal(env.upstream.requests.at(-1).path, '/v1/chat/completions?alt=sse');
});

test('the raw proxy relays the provider\'s errors without its key, and refuses what it must', async () => {
  const failed = await post(env.gateway, '/gateway/proxy/proxied/chat/completions', { model: 'fail-429', messages: [] });
  assert.equal(failed.status, 429);
  const failedText = await failed.text();
  assert.match(failedText, /upstream says no/);
  assert.ok(!failedText.includes('sk-proxy-key-0000000001'), 'the endpoint\'s key is not handed out');

  const off = await post(env.gateway, '/gateway/proxy/chat-ok/chat/completions', { model: 'ok', messages: [] });
  assert.equal(off.status, 403);
  assert.match((await off.json()).detail, /raw_proxy: true/);
  const calls = env.upstream.requests.length;
  const missing = await post(env.gateway, '/gateway/proxy/nope/chat/completions', { model: 'ok' });
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).detail, /'nope' does not exist/);
  for (const path of ['%2e%2e/admin', '..%2Fadmin', 'a/../../admin', 'a//b', 'a%5c..', 'x%00']) {
    const bad = await rawPost(env.gateway, `/gateway/proxy/proxied/${path}`, '{"model":"ok"}');
    assert.equal(bad.status, 400, path);
    assert.match(JSON.parse(bad.text).detail, /path to proxy/);
  }
  const notJson = await rawPost(env.gateway, '/gateway/proxy/proxied/chat/completions', 'model=ok', { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(notJson.status, 415);
  const array = await rawPost(env.gateway, '/gateway/proxy/proxied/chat/completions', '[1]');
  assert.equal(array.status, 400);
  assert.equal(env.upstream.requests.length, calls, 'nothing refused reached the provider');
  const get = await fetch(env.gateway.url + '/gateway/proxy/proxied/models');
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
});

test('the raw proxy counts what it relays: Responses streams, streams no reader reads, embeddings', async () => {
  const responses = await post(env.gateway, '/gateway/proxy/proxied/responses', { model: 'ok', input: 'hi', stream: true });
  assert.equal(responses.status, 200);
  assert.match(await responses.text(), /response\.completed/);
  const rl = await logFor(env.gateway, responses);
  assert.equal(rl.prompt_tokens, 50, 'read from response.completed');
  assert.equal(rl.completion_tokens, 90);

  const nd = await post(env.gateway, '/gateway/proxy/proxied/api/chat', { model: 'ndjson', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(nd.status, 200);
  assert.match(nd.headers.get('content-type'), /application\/x-ndjson/);
  assert.equal((await nd.text()).trim().split('\n').length, 4);
  const nl = await logFor(env.gateway, nd);
  assert.ok(nl.completion_tokens > 10, `estimated from the bytes: ${JSON.stringify(nl)}`);
  assert.equal(nl.usage_estimated, true);

  // ?alt=sse with no stream_options: the provider reports no usage; the text is counted.
  const sse = await post(env.gateway, '/gateway/proxy/proxied/chat/completions?alt=sse', { model: 'ok', messages: [{ role: 'user', content: 'hi' }] });
  await sse.text();
  const sl = await logFor(env.gateway, sse);
  assert.ok(sl.completion_tokens >= 3, JSON.stringify(sl));

  // Embeddings through a chat endpoint: the provider's usage as it is, nothing estimated beside it.
  const emb = await post(env.gateway, '/gateway/proxy/proxied/embeddings', { model: 'text-embedding-3-small', input: ['a', 'b'] });
  assert.equal(emb.status, 200);
  const el = await logFor(env.gateway, emb);
  assert.equal(el.prompt_tokens, 3);
  assert.ok(!el.completion_tokens, JSON.stringify(el));
  assert.equal(el.provider_model, 'text-embedding-3-small', 'the model the client named');

  const ctype = await post(env.gateway, '/gateway/proxy/proxied/chat/completions', { model: 'ctype-key' });
  assert.equal(ctype.status, 200);
  assert.ok(!ctype.headers.get('content-type').includes('sk-proxy-key'), ctype.headers.get('content-type'));
});

test('the raw proxy with gateway keys: workspaces, endpoint and model allow-lists', async () => {
  const ADMIN = 'admin-key-for-raw-proxy-tests-0123';
  const keys = { a: 'sk-raw-proxy-a-key-0123456789abcdef', b: 'sk-raw-proxy-b-key-0123456789abcdef', m: 'sk-raw-proxy-m-key-0123456789abcdef' };
  const base = env.upstream.base;
  const openai = (name) => `{provider: openai, name: ${name}, config: {openai_api_key: sk-proxy-key-0000000001, openai_api_base: "${base}"}}`;
  const gw = await startSluice(`
auth:
  mode: keys
  admin_key: ${ADMIN}
  pepper: \${{ secrets.PEPPER }}
  keys:
    - {name: a, key: "\${{ secrets.KEY_A }}", workspace: team-a}
    - {name: b, key: "\${{ secrets.KEY_B }}", workspace: team-b}
    - {name: m, key: "\${{ secrets.KEY_M }}", workspace: team-a, endpoints: [a-raw], models: [ok]}
endpoints:
  - {name: a-raw, workspace: team-a, endpoint_type: llm/v1/chat, raw_proxy: true, model: ${openai('configured')}}
  - {name: a-shut, workspace: team-a, endpoint_type: llm/v1/chat, model: ${openai('configured')}}
`, { env: { PEPPER: 'pepper-for-raw-proxy-tests-0123456789', KEY_A: keys.a, KEY_B: keys.b, KEY_M: keys.m } });
  try {
    const call = (who, name, body) => fetch(`${gw.url}/gateway/proxy/${name}/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${keys[who]}`, 'content-type': 'application/json' },
      body: JSON.stringify(body) });
    const hi = { messages: [{ role: 'user', content: 'hi' }] };
    assert.equal((await call('a', 'a-raw', { model: 'ok', ...hi })).status, 200);
    // Another workspace's endpoint answers word for word as a name nobody uses.
    const hidden = await call('b', 'a-raw', { model: 'ok', ...hi });
    const none = await call('b', 'no-such', { model: 'ok', ...hi });
    assert.equal(hidden.status, 404);
    assert.equal((await hidden.json()).detail.replace('a-raw', 'X'), (await none.json()).detail.replace('no-such', 'X'));
    // A key's models list holds against the model the client names, not the endpoint's.
    const other = await call('m', 'a-raw', { model: 'fail-500', ...hi });
    assert.equal(other.status, 403);
    assert.match(JSON.stringify(await other.json()), /may not use the model/);
    assert.equal((await call('m', 'a-raw', { model: 'ok', ...hi })).status, 200);
    // The path's model (Gemini's models/{m}:…, Azure's deployments/{d}/…) is what the provider
    // runs: it is the one checked, and a body naming another is refused (found by a review).
    const at = (who, path, body) => fetch(`${gw.url}/gateway/proxy/a-raw/${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${keys[who]}`, 'content-type': 'application/json' },
      body: JSON.stringify(body) });
    const viaPath = await at('m', 'models/fail-500:generateContent', hi);
    assert.equal(viaPath.status, 403);
    const both = await at('a', 'deployments/fail-500/chat/completions', { model: 'ok', ...hi });
    assert.equal(both.status, 400);
    assert.match((await both.json()).detail, /path names the model 'fail-500' and the body 'ok'/);
    const long = await call('a', 'a-raw', { model: 'x'.repeat(300), ...hi });
    assert.equal(long.status, 400);
    // A key that may not use an endpoint is told so, not how the endpoint is configured.
    const shut = await call('m', 'a-shut', { model: 'ok', ...hi });
    assert.equal(shut.status, 403);
    const shutText = JSON.stringify(await shut.json());
    assert.match(shutText, /may not use 'a-shut'/);
    assert.ok(!shutText.includes('raw_proxy'), shutText);
    assert.match((await (await call('a', 'a-shut', { model: 'ok', ...hi })).json()).detail, /raw_proxy: true/);
  } finally {
    await stopCleanly(gw);
  }
});
