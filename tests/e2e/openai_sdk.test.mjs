// The official `openai` npm SDK, unchanged, pointed at sluice (quick-start style mock endpoints
// plus an upstream-failure endpoint for typed errors).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startSluice } from '../support/sluice.mjs';

let gw, client;
before(async () => {
  gw = await startSluice(`
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-chat, config: {text: "Hello from the SDK test", prompt_tokens: 5, completion_tokens: 5}}
  - name: completions
    endpoint_type: llm/v1/completions
    model: {provider: mock, name: mock-completions, config: {text: "once upon a time"}}
  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model: {provider: mock, name: mock-embeddings, config: {embedding_dims: 6}}
  - name: overloaded
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: m, config: {fail_status: 429}}
`);
  client = new OpenAI({ baseURL: gw.url + '/v1', apiKey: 'not-needed', maxRetries: 0 });
});
after(async () => {
  const { code } = await gw.stop();
  assert.equal(code, 0, gw.stderr());
});

test('chat.completions.create', async () => {
  const r = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.choices[0].message.content, 'Hello from the SDK test');
  assert.equal(r.usage.total_tokens, 10);
});

test('chat stream with usage', async () => {
  const stream = await client.chat.completions.create({
    model: 'chat', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true },
  });
  let text = '', usage;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, 'Hello from the SDK test');
  assert.equal(usage.total_tokens, 10);
});

test('chat stream helper (runner) assembles the final message', async () => {
  const runner = client.chat.completions.stream({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] });
  const final = await runner.finalChatCompletion();
  assert.equal(final.choices[0].message.content, 'Hello from the SDK test');
});

test('completions.create', async () => {
  const r = await client.completions.create({ model: 'completions', prompt: 'tell me' });
  assert.equal(r.choices[0].text, 'once upon a time');
});

test('embeddings.create (the SDK asks for base64 and decodes it)', async () => {
  const r = await client.embeddings.create({ model: 'embeddings', input: ['a', 'b'] });
  assert.equal(r.data.length, 2);
  assert.equal(r.data[0].embedding.length, 6);
  assert.ok(r.data[0].embedding.every((x) => typeof x === 'number' && Math.abs(x) <= 1));
  const floats = await client.embeddings.create({ model: 'embeddings', input: 'a', encoding_format: 'float' });
  floats.data[0].embedding.forEach((x, i) => assert.ok(Math.abs(x - r.data[0].embedding[i]) < 1e-6));
});

test('models.list and models.retrieve', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.deepEqual(ids.sort(), ['chat', 'completions', 'embeddings', 'overloaded']);
  assert.equal((await client.models.retrieve('chat')).id, 'chat');
});

test('errors surface as the SDK typed errors', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] }),
    (e) => e instanceof OpenAI.NotFoundError && e.status === 404 && e.code === 'model_not_found');
  await assert.rejects(client.chat.completions.create({ model: 'chat', messages: [] }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'messages');
  await assert.rejects(client.chat.completions.create({ model: 'overloaded', messages: [{ role: 'user', content: 'hi' }] }),
    (e) => e instanceof OpenAI.RateLimitError && e.status === 429);
});
