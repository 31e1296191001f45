// The bedrock provider end to end against a loopback Bedrock Runtime that checks every SigV4
// signature itself and streams in AWS's binary event-stream framing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBedrockUpstream } from '../support/bedrock_upstream.mjs';
import { startSluice } from '../support/sluice.mjs';
import { post, sseData, stopCleanly } from './helpers.mjs';

let upstream, gateway;

before(async () => {
  upstream = await startBedrockUpstream();
  const ep = (name, model, type = 'llm/v1/chat', secret = upstream.secret) => `
  - name: ${name}
    endpoint_type: ${type}
    model:
      provider: bedrock
      name: "${model}"
      config:
        aws_config: {aws_access_key_id: AKIDTEST, aws_secret_access_key: "${secret}", aws_region: ${upstream.region}}
        bedrock_endpoint: "${upstream.url}"
`;
  gateway = await startSluice(`
server:
  upstream_timeout: {first_byte_ms: 2000, stream_idle_ms: 1000}
endpoints:
${ep('claude', 'anthropic.claude-3-haiku-20240307-v1:0')}
${ep('titan', 'amazon.titan-embed-text-v2:0', 'llm/v1/embeddings')}
${ep('throttled', 'throttled')}
${ep('cut', 'cut')}
${ep('wrong-key', 'anthropic.claude-3-haiku-20240307-v1:0', 'llm/v1/chat', 'not-the-secret-0000')}
`);
});

after(async () => {
  try { await stopCleanly(gateway); } finally { await upstream.close(); }
});

test('Converse, ConverseStream and Titan embeddings, every request SigV4-signed', async () => {
  const res = await post(gateway, '/v1/chat/completions', { model: 'claude', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello' }], max_tokens: 50 });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.choices[0].message.content, 'Bedrock heard: hello');
  assert.deepEqual(body.usage, { prompt_tokens: 15, completion_tokens: 5, total_tokens: 20 });
  const sent = upstream.requests.at(-1);
  assert.ok(sent.signatureOk);
  assert.equal(sent.path, '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse');
  assert.deepEqual(sent.body.system, [{ text: 'Be brief.' }]);

  const s = await post(gateway, '/v1/chat/completions', { model: 'claude', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'count to three' }] });
  assert.equal(s.status, 200);
  const chunks = sseData(await s.text());
  assert.equal(chunks.at(-1), '[DONE]');
  const parsed = chunks.slice(0, -1).map((d) => JSON.parse(d));
  assert.equal(parsed.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Bedrock heard: count to three');
  assert.equal(parsed.at(-1).usage.total_tokens, 20);
  assert.ok(upstream.requests.at(-1).signatureOk);

  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];
  const t = await post(gateway, '/v1/chat/completions', { model: 'claude', messages: [{ role: 'user', content: 'Weather?' }], tools });
  assert.equal((await t.json()).choices[0].message.tool_calls[0].function.arguments, '{"city":"Paris"}');

  const e = await post(gateway, '/v1/embeddings', { model: 'titan', input: 'abcd' });
  assert.deepEqual((await e.json()).data[0].embedding, [4, 0.5]);
});

test('errors: a wrong key is 403, throttling is 429, a cut stream ends with an error event', async () => {
  const wrong = await post(gateway, '/v1/chat/completions', { model: 'wrong-key', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(wrong.status, 403);
  const wb = await wrong.json();
  assert.equal(wb.error.code, 'InvalidSignatureException');
  assert.doesNotMatch(JSON.stringify(wb), /not-the-secret/);

  const throttled = await post(gateway, '/v1/chat/completions', { model: 'throttled', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers.get('retry-after'), '6');
  assert.equal((await throttled.json()).error.code, 'ThrottlingException');

  const cut = await post(gateway, '/v1/chat/completions', { model: 'cut', stream: true, messages: [{ role: 'user', content: 'tell me a story' }] });
  const data = sseData(await cut.text());
  assert.notEqual(data.at(-1), '[DONE]');
  assert.ok(JSON.parse(data.at(-1)).error);
});

test('a Claude Code–style /v1/messages turn to Claude on Bedrock keeps its cache markers as cachePoint blocks', async () => {
  const before = upstream.requests.length;
  const res = await post(gateway, '/v1/messages', {
    model: 'claude', max_tokens: 50,
    system: [{ type: 'text', text: 'Rules.', cache_control: { type: 'ephemeral' } }],
    tools: [{ name: 'read_file', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Go.', cache_control: { type: 'ephemeral' } }] }],
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('x-sluice-dropped-params'), null);
  const sent = upstream.requests.slice(before)[0].body;
  const point = { cachePoint: { type: 'default' } };
  assert.deepEqual(sent.system, [{ text: 'Rules.' }, point]);
  assert.deepEqual(sent.messages[0].content, [{ text: 'Go.' }, point]);
  assert.deepEqual(sent.toolConfig.tools[1], point);
});
