// The cohere provider end to end against a loopback server speaking Cohere's v2 protocol.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCohereUpstream } from '../support/cohere_upstream.mjs';
import { startSluice } from '../support/sluice.mjs';
import { post, sseData, stopCleanly } from './helpers.mjs';

let upstream;
let gateway;

before(async () => {
  upstream = await startCohereUpstream();
  const ep = (name, model, type = 'llm/v1/chat') => `
  - name: ${name}
    endpoint_type: ${type}
    model: {provider: cohere, name: ${model}, config: {cohere_api_key: "${upstream.key}", cohere_api_base: "${upstream.base}"}}
`;
  gateway = await startSluice(`
server:
  upstream_timeout: {first_byte_ms: 2000, stream_idle_ms: 1000}
endpoints:
${ep('command', 'command-a-03-2025')}
${ep('embed', 'embed-v4.0', 'llm/v1/embeddings')}
${ep('limited', 'rate-limited')}
${ep('cut', 'cut')}
`);
});

after(async () => {
  try { await stopCleanly(gateway); } finally { await upstream.close(); }
});

test('chat, stream and embeddings through Cohere v2', async () => {
  const res = await post(gateway, '/v1/chat/completions', { model: 'command', messages: [{ role: 'user', content: 'hello' }], top_p: 0.5 });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.choices[0].message.content, 'Cohere heard: hello');
  assert.deepEqual(body.usage, { prompt_tokens: 40, completion_tokens: 6, total_tokens: 46 });
  assert.equal(upstream.requests.at(-1).body.p, 0.5);

  const s = await post(gateway, '/v1/chat/completions', { model: 'command', stream: true, messages: [{ role: 'user', content: 'count' }] });
  const chunks = sseData(await s.text());
  assert.equal(chunks.at(-1), '[DONE]');
  assert.equal(chunks.slice(0, -1).map((d) => JSON.parse(d).choices[0]?.delta?.content ?? '').join(''), 'Cohere heard: count');

  const e = await post(gateway, '/v1/embeddings', { model: 'embed', input: ['abc', 'de'] });
  const eb = await e.json();
  assert.deepEqual(eb.data.map((d) => d.embedding), [[3, 0.5], [2, 0.5]]);
  assert.equal(eb.usage.prompt_tokens, 2);
});

test('errors: 429 with Retry-After, a cut stream ends with an error event', async () => {
  const limited = await post(gateway, '/v1/chat/completions', { model: 'limited', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '4');
  assert.match((await limited.json()).error.message, /Trial key/);
  const cut = await post(gateway, '/v1/chat/completions', { model: 'cut', stream: true, messages: [{ role: 'user', content: 'a long story' }] });
  const data = sseData(await cut.text());
  assert.notEqual(data.at(-1), '[DONE]');
  assert.ok(JSON.parse(data.at(-1)).error);
});
