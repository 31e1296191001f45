// The gemini provider end to end against a loopback server speaking Gemini's wire protocol, with
// OpenAI-, MLflow- and Anthropic-shaped clients.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGeminiUpstream } from '../support/gemini_upstream.mjs';
import { startSluice } from '../support/sluice.mjs';
import { post, sseData, logFor, floats, stopCleanly } from './helpers.mjs';

let upstream;
let gateway;

before(async () => {
  upstream = await startGeminiUpstream();
  const ep = (name, model, type = 'llm/v1/chat') => `
  - name: ${name}
    endpoint_type: ${type}
    model: {provider: gemini, name: ${model}, config: {gemini_api_key: "\${{ secrets.TEST_GEMINI_KEY }}", gemini_api_base: "${upstream.base}"}}
`;
  gateway = await startSluice(`
server:
  upstream_timeout: {first_byte_ms: 2000, stream_idle_ms: 1000}
endpoints:
${ep('gemini', 'gemini-2.5-flash')}
${ep('gemini-embed', 'text-embedding-004', 'llm/v1/embeddings')}
${ep('limited', 'rate-limited')}
${ep('cut', 'cut')}
`, { env: { TEST_GEMINI_KEY: upstream.key } });
});

after(async () => {
  try { await stopCleanly(gateway); } finally { await upstream.close(); }
});

test('chat: OpenAI in, Gemini on the wire, OpenAI out, usage with reasoning tokens', async () => {
  const res = await post(gateway, '/v1/chat/completions', {
    model: 'gemini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello' }], max_tokens: 64,
  });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.choices[0].message.content, 'Gemini heard: hello');
  assert.deepEqual(body.usage, { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18, completion_tokens_details: { reasoning_tokens: 2 } });
  const sent = upstream.requests.at(-1);
  assert.equal(sent.path, '/v1beta/models/gemini-2.5-flash:generateContent');
  assert.deepEqual(sent.body.systemInstruction, { parts: [{ text: 'Be brief.' }] });
  assert.equal(sent.body.generationConfig.maxOutputTokens, 64);
  assert.equal((await logFor(gateway, res)).provider, 'gemini');
});

test('streams and tool calls', async () => {
  const s = await post(gateway, '/v1/chat/completions', { model: 'gemini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'count to three' }] });
  assert.equal(s.status, 200);
  const chunks = sseData(await s.text());
  assert.equal(chunks.at(-1), '[DONE]');
  const parsed = chunks.slice(0, -1).map((d) => JSON.parse(d));
  assert.equal(parsed.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Gemini heard: count to three');
  assert.equal(parsed.at(-1).usage.total_tokens, 18);
  assert.equal(upstream.requests.at(-1).path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');

  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const t = await post(gateway, '/v1/chat/completions', { model: 'gemini', messages: [{ role: 'user', content: 'Weather?' }], tools });
  const tb = await t.json();
  assert.equal(tb.choices[0].finish_reason, 'tool_calls');
  assert.deepEqual(tb.choices[0].message.tool_calls[0].function, { name: 'get_weather', arguments: '{"city":"Paris"}' });
});

test('embeddings, base64 included', async () => {
  const res = await post(gateway, '/v1/embeddings', { model: 'gemini-embed', input: ['ab', 'abcd'], encoding_format: 'base64' });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.deepEqual(body.data.map((d) => floats(d.embedding)), [[0, 2, 0.5], [1, 4, 0.5]]);
  assert.equal(upstream.requests.at(-1).path, '/v1beta/models/text-embedding-004:batchEmbedContents');
});

test('an Anthropic-shaped client answered by Gemini', async () => {
  const res = await post(gateway, '/v1/messages', { model: 'gemini', max_tokens: 50, messages: [{ role: 'user', content: 'bonjour' }] });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.deepEqual(body.content, [{ type: 'text', text: 'Gemini heard: bonjour' }]);
  assert.equal(body.usage.output_tokens, 7);
});

test('errors: 429 with Retry-After, a cut stream ends with an error event, the key never shows', async () => {
  const limited = await post(gateway, '/v1/chat/completions', { model: 'limited', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '3');
  const text = await limited.text();
  assert.match(text, /RESOURCE_EXHAUSTED/);
  assert.doesNotMatch(text, new RegExp(upstream.key));

  const cut = await post(gateway, '/v1/chat/completions', { model: 'cut', stream: true, messages: [{ role: 'user', content: 'tell me a long story' }] });
  assert.equal(cut.status, 200);
  const data = sseData(await cut.text());
  assert.notEqual(data.at(-1), '[DONE]');
  assert.ok(JSON.parse(data.at(-1)).error);
});
