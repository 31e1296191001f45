// The built-in mock provider through the real binary, as the quick start uses it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { post, sseData, chatBody, floats, stopCleanly } from './helpers.mjs';
import { join } from 'node:path';
import { startSluice, tempDir } from '../support/sluice.mjs';

let gw;
before(async () => {
  gw = await startSluice(`
endpoints:
  - name: paced
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: m1, config: {text: "alpha beta gamma delta", stream_chunks: 2, chunk_delay_ms: 60, latency_ms: 50, prompt_tokens: 9, completion_tokens: 4}}
  - name: echo
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: m2, config: {echo: true}}
  - name: broken
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: m3, config: {fail_status: 503}}
  - name: slow
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: m4, config: {latency_ms: 500}}
    timeout: {first_byte_ms: 100}
  - name: vectors
    endpoint_type: llm/v1/embeddings
    model: {provider: mock, name: m5, config: {embedding_dims: 4}}
`);
});
after(async () => { await stopCleanly(gw); });

test('configured text, usage and latency', async () => {
  const t0 = Date.now();
  const res = await post(gw, '/v1/chat/completions', chatBody('paced'));
  const body = await res.json();
  assert.ok(Date.now() - t0 >= 45);
  assert.equal(body.model, 'm1');
  assert.equal(body.choices[0].message.content, 'alpha beta gamma delta');
  assert.deepEqual(body.usage, { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
});

test('stream chunk count and pacing', async () => {
  const t0 = Date.now();
  const res = await post(gw, '/v1/chat/completions', chatBody('paced', { stream: true, stream_options: { include_usage: true } }));
  const data = sseData(await res.text());
  const elapsed = Date.now() - t0;
  assert.equal(data.at(-1), '[DONE]');
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
  const content = chunks.filter((c) => c.choices[0]?.delta?.content);
  assert.equal(content.length, 2);
  assert.equal(content.map((c) => c.choices[0].delta.content).join(''), 'alpha beta gamma delta');
  assert.equal(chunks.at(-1).usage.total_tokens, 13);
  // role chunk, 2 content chunks, finish chunk, usage chunk, [DONE]: 5 gaps of 60 ms + 50 ms latency
  assert.ok(elapsed >= 300, `stream took ${elapsed} ms`);
});

test('echo answers with the last user message', async () => {
  const res = await post(gw, '/v1/chat/completions', { model: 'echo', messages: [{ role: 'user', content: 'first' }, { role: 'assistant', content: 'x' }, { role: 'user', content: 'repeat me' }] });
  assert.equal((await res.json()).choices[0].message.content, 'repeat me');
});

test('fail_status answers with that status', async () => {
  const res = await post(gw, '/v1/chat/completions', chatBody('broken'));
  assert.equal(res.status, 503);
  assert.match((await res.json()).error.message, /configured to fail/);
});

test('latency beyond the endpoint first-byte timeout → 504', async () => {
  const res = await post(gw, '/v1/chat/completions', chatBody('slow'));
  assert.equal(res.status, 504);
  await res.arrayBuffer();
});

test('embeddings are deterministic, unit length, and base64 encodes the same floats', async () => {
  const a = await (await post(gw, '/v1/embeddings', { model: 'vectors', input: 'hello' })).json();
  const b = await (await post(gw, '/v1/embeddings', { model: 'vectors', input: 'hello' })).json();
  const c = await (await post(gw, '/v1/embeddings', { model: 'vectors', input: 'hello', encoding_format: 'base64' })).json();
  const v = a.data[0].embedding;
  assert.equal(v.length, 4);
  assert.deepEqual(v, b.data[0].embedding);
  assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
  assert.equal(typeof c.data[0].embedding, 'string');
  const decoded = floats(c.data[0].embedding);
  decoded.forEach((x, i) => assert.ok(Math.abs(x - v[i]) < 1e-6));
});

test('the quick start config serves all three endpoint types', async () => {
  // (Its SQLite file in a temporary directory, not in the working one.)
  const yaml = readFileSync(new URL('../../examples/quickstart.yaml', import.meta.url), 'utf8')
    .replace('sqlite: quickstart.db', `sqlite: ${join(tempDir(), 'quickstart.db')}`);
  assert.match(yaml, /sqlite: \//);
  const qs = await startSluice(yaml);
  try {
    const chat = await (await post(qs, '/v1/chat/completions', chatBody('chat'))).json();
    assert.match(chat.choices[0].message.content, /mock/);
    const comp = await (await post(qs, '/v1/completions', { model: 'completions', prompt: 'hi' })).json();
    assert.equal(comp.object, 'text_completion');
    const emb = await (await post(qs, '/v1/embeddings', { model: 'embeddings', input: 'hi' })).json();
    assert.equal(emb.data[0].embedding.length, 16);
  } finally {
    await stopCleanly(qs);
  }
});
