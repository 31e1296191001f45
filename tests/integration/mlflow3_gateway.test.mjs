// MLflow 3's tracking-server gateway paths with the real binary: /gateway/{endpoint}/mlflow/
// invocations (chat and embeddings, streamed too), /gateway/mlflow/v1/chat/completions (the
// endpoint in `model`), and the X-MLflow-Gateway-Duration-Ms / -Overhead-Duration-Ms headers on
// every /gateway/ answer (and on no other path).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatewayWithUpstream, post, stopCleanly } from './helpers.mjs';

let env;
before(async () => {
  env = await startGatewayWithUpstream({
    extraEndpoints: `
  - name: slow
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: slow-ok, config: {openai_api_key: sk-x-000000000000, openai_api_base: "{{UPSTREAM_BASE}}"}}
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
