// The OpenAI-compatible API end to end: real sluice binary, real mock upstream on loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatewayWithUpstream, post, sseData, chatBody, logFor, floats } from './helpers.mjs';

let env;
before(async () => { env = await startGatewayWithUpstream(); });
after(async () => { await env.close(); });

test('chat completion: model rewritten, key sent, unknown fields passed through, usage logged', async () => {
  const res = await post(env.gateway, '/v1/chat/completions', chatBody('chat-ok', { temperature: 0.3, seed: 7, custom_field: { a: 1 } }));
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.choices[0].message.content, 'upstream answer');
  assert.deepEqual(body.usage, { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
  const seen = env.upstream.requests.at(-1);
  assert.equal(seen.path, '/v1/chat/completions');
  assert.equal(seen.body.model, 'ok');
  assert.equal(seen.body.temperature, 0.3);
  assert.equal(seen.body.seed, 7);
  assert.deepEqual(seen.body.custom_field, { a: 1 });
  assert.equal(seen.headers.authorization, 'Bearer sk-test-secret-key-123456');
  assert.match(res.headers.get('x-request-id'), /^req_[0-9a-f]{24}$/);
  assert.match(res.headers.get('x-sluice-overhead-ms'), /^\d+\.\d{3}$/);
  const log = await logFor(env.gateway, res);
  assert.equal(log.endpoint, 'chat-ok');
  assert.equal(log.provider, 'openai');
  assert.equal(log.provider_model, 'ok');
  assert.equal(log.status, 200);
  assert.equal(log.prompt_tokens, 11);
  assert.equal(log.completion_tokens, 7);
  assert.equal(log.total_tokens, 18);
  assert.equal(log.stream, false);
  assert.ok(log.upstream_latency_ms >= 0 && log.latency_ms >= log.upstream_latency_ms);
});

test('client x-request-id is echoed', async () => {
  const res = await post(env.gateway, '/v1/chat/completions', chatBody('chat-ok'), { 'x-request-id': 'my-trace-42' });
  assert.equal(res.headers.get('x-request-id'), 'my-trace-42');
  await res.arrayBuffer();
});

test('chat stream: chunks pass through, usage chunk only when asked, [DONE] last', async () => {
  const res = await post(env.gateway, '/v1/chat/completions', chatBody('chat-ok', { stream: true }));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/event-stream/);
  const data = sseData(await res.text());
  assert.equal(data.at(-1), '[DONE]');
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Hello from upstream');
  assert.ok(chunks.every((c) => !('usage' in c)), 'no usage when the client did not ask');
  // sluice asked the upstream for usage anyway, for its own accounting
  assert.equal(env.upstream.requests.at(-1).body.stream_options.include_usage, true);
  const log = await logFor(env.gateway, res);
  assert.equal(log.stream, true);
  assert.equal(log.total_tokens, 18);
});

test('chat stream with stream_options.include_usage ends with a usage chunk', async () => {
  const res = await post(env.gateway, '/v1/chat/completions', chatBody('chat-ok', { stream: true, stream_options: { include_usage: true } }));
  const data = sseData(await res.text());
  assert.equal(data.at(-1), '[DONE]');
  const last = JSON.parse(data.at(-2));
  assert.deepEqual(last.choices, []);
  assert.deepEqual(last.usage, { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
});

test('completions, plain and streamed', async () => {
  const res = await post(env.gateway, '/v1/completions', { model: 'completions', prompt: 'Once upon', max_tokens: 5 });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).choices[0].text, 'upstream completion');
  assert.equal(env.upstream.requests.at(-1).path, '/v1/completions');
  const s = await post(env.gateway, '/v1/completions', { model: 'completions', prompt: 'Once upon', stream: true });
  const data = sseData(await s.text());
  assert.equal(data.at(-1), '[DONE]');
  assert.equal(data.slice(0, -1).map((d) => JSON.parse(d).choices[0].text).join(''), 'upstream');
});

test('embeddings: float arrays, and base64 passed through from the provider', async () => {
  const res = await post(env.gateway, '/v1/embeddings', { model: 'embeddings', input: ['a', 'b'] });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.data.length, 2);
  assert.deepEqual(body.data[1].embedding, [0.5, -0.25, 1]);
  assert.equal(env.upstream.requests.at(-1).body.model, 'text-embedding-3-small');
  const b = await post(env.gateway, '/v1/embeddings', { model: 'embeddings', input: 'a', encoding_format: 'base64' });
  const emb = (await b.json()).data[0].embedding;
  assert.deepEqual(floats(emb), [0.5, -0.25]);
});

test('GET /v1/models lists endpoints; GET /v1/models/{id} finds one', async () => {
  const res = await fetch(env.gateway.url + '/v1/models');
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.object, 'list');
  const ids = body.data.map((m) => m.id);
  assert.ok(ids.includes('chat-ok') && ids.includes('embeddings') && ids.includes('completions'));
  assert.ok(body.data.every((m) => m.object === 'model'));
  const one = await fetch(env.gateway.url + '/v1/models/chat-ok');
  assert.equal((await one.json()).id, 'chat-ok');
  const none = await fetch(env.gateway.url + '/v1/models/nope');
  assert.equal(none.status, 404);
  assert.equal((await none.json()).error.code, 'model_not_found');
});

test('GET /metrics counts requests, tokens and latency per endpoint', async () => {
  await (await post(env.gateway, '/v1/chat/completions', chatBody('chat-ok'))).arrayBuffer();
  const text = await (await fetch(env.gateway.url + '/metrics')).text();
  // An endpoint's series carry its provider and model from the config.
  const labels = 'endpoint="chat-ok",provider="openai",model="ok"';
  const count = Number(new RegExp(`sluice_requests_total\\{${labels},status="200",status_class="2xx"\\} (\\d+)`).exec(text)?.[1]);
  assert.ok(count >= 1, text);
  assert.match(text, new RegExp(`sluice_tokens_total\\{${labels},kind="input"\\} [1-9]\\d*`));
  assert.match(text, new RegExp(`sluice_request_duration_seconds_bucket\\{${labels},le="\\+Inf"\\} [1-9]`));
  assert.match(text, new RegExp(`sluice_upstream_duration_seconds_count\\{${labels}\\} [1-9]`));
  assert.match(text, /^process_resident_memory_bytes [1-9]/m);
  assert.match(text, /^process_open_fds [1-9]/m);
  // this very request at least (the previous one may still be finishing its log line)
  assert.match(text, /sluice_requests_in_flight [1-9]/);
});
