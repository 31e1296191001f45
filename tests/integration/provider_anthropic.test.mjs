// The anthropic provider end to end: OpenAI-shaped and MLflow-shaped clients, the real binary,
// and a loopback server that speaks Anthropic's wire protocol.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAnthropicUpstream } from '../support/anthropic_upstream.mjs';
import { startSluice } from '../support/sluice.mjs';
import { post, sseData, logFor, stopCleanly } from './helpers.mjs';

let upstream;
let gateway;

before(async () => {
  upstream = await startAnthropicUpstream();
  const ep = (name, model, type = 'llm/v1/chat', extra = '') => `
  - name: ${name}
    endpoint_type: ${type}
    model:
      provider: anthropic
      name: ${model}
      config:
        anthropic_api_key: \${{ secrets.TEST_ANTHROPIC_KEY }}
        anthropic_api_base: ${upstream.base}
${extra}`;
  gateway = await startSluice(`
server:
  upstream_timeout: {first_byte_ms: 2000, stream_idle_ms: 1000}
endpoints:
${ep('claude', 'claude-sonnet-4-5')}
${ep('claude-complete', 'claude-3-haiku-20240307', 'llm/v1/completions')}
${ep('limited', 'rate-limited')}
${ep('busy', 'overloaded')}
${ep('cut', 'cut')}
`, { env: { TEST_ANTHROPIC_KEY: upstream.key } });
});

after(async () => {
  try { await stopCleanly(gateway); } finally { await upstream.close(); }
});

test('chat through the anthropic provider: system joined, max_tokens defaulted, usage with cached tokens', async () => {
  const res = await post(gateway, '/v1/chat/completions', {
    model: 'claude',
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello there' }],
    seed: 3,
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-sluice-dropped-params'), 'seed');
  const body = await res.json();
  assert.equal(body.object, 'chat.completion');
  assert.equal(body.choices[0].message.content, 'Claude heard: hello there');
  assert.equal(body.choices[0].finish_reason, 'stop');
  assert.deepEqual(body.usage, { prompt_tokens: 25, completion_tokens: 9, total_tokens: 34, prompt_tokens_details: { cached_tokens: 4 } });
  const sent = upstream.requests.at(-1);
  assert.equal(sent.headers['anthropic-version'], '2023-06-01');
  assert.equal(sent.body.system, 'Be brief.');
  assert.equal(sent.body.max_tokens, 8192);
  assert.equal(sent.body.model, 'claude-sonnet-4-5');
  const line = await logFor(gateway, res);
  assert.equal(line.provider, 'anthropic');
  assert.equal(line.prompt_tokens, 25);
});

test('tool calls come back in OpenAI shape, streamed and not', async () => {
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const res = await post(gateway, '/v1/chat/completions', { model: 'claude', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools });
  const body = await res.json();
  assert.equal(body.choices[0].finish_reason, 'tool_calls');
  assert.deepEqual(body.choices[0].message.tool_calls, [{ id: 'toolu_mock1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);

  const s = await post(gateway, '/v1/chat/completions', { model: 'claude', stream: true, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools });
  assert.equal(s.status, 200);
  const chunks = sseData(await s.text());
  assert.equal(chunks.at(-1), '[DONE]');
  const parsed = chunks.slice(0, -1).map((d) => JSON.parse(d));
  const args = parsed.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []).map((t) => t.function?.arguments ?? '').join('');
  assert.equal(args, '{"city": "Paris"}');
  assert.equal(parsed.at(-1).choices[0].finish_reason, 'tool_calls');
});

test('a stream with include_usage ends with the usage chunk; completions map onto messages', async () => {
  const s = await post(gateway, '/v1/chat/completions', { model: 'claude', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'count to three' }] });
  const chunks = sseData(await s.text()).slice(0, -1).map((d) => JSON.parse(d));
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Claude heard: count to three');
  assert.deepEqual(chunks.at(-1).usage, { prompt_tokens: 25, completion_tokens: 9, total_tokens: 34, prompt_tokens_details: { cached_tokens: 4 } });

  const c = await post(gateway, '/v1/completions', { model: 'claude-complete', prompt: 'Say hi' });
  const body = await c.json();
  assert.equal(body.object, 'text_completion');
  assert.equal(body.choices[0].text, 'Claude heard: Say hi');
  assert.equal(upstream.requests.at(-1).body.max_tokens, 4096);  // claude-3-haiku's output limit
});

test('MLflow clients get MLflow shapes from an anthropic endpoint', async () => {
  const res = await post(gateway, '/endpoints/claude/invocations', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.choices[0].message.content, 'Claude heard: hi');
  assert.equal(upstream.requests.at(-1).body.max_tokens, 50);
});

test('errors: 429 keeps Retry-After, 529 passes through, a 400 for what cannot be translated, a cut stream ends with an error event', async () => {
  const limited = await post(gateway, '/v1/chat/completions', { model: 'limited', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '7');
  const lb = await limited.json();
  assert.equal(lb.error.type, 'rate_limit_error');
  assert.doesNotMatch(JSON.stringify(lb), new RegExp(upstream.key));

  const busy = await post(gateway, '/v1/chat/completions', { model: 'busy', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(busy.status, 529);
  assert.equal((await busy.json()).error.code, 'overloaded_error');

  const n2 = await post(gateway, '/v1/chat/completions', { model: 'claude', n: 2, messages: [{ role: 'user', content: 'x' }] });
  assert.equal(n2.status, 400);
  const nb = await n2.json();
  assert.equal(nb.error.param, 'n');
  assert.match(nb.error.message, /not supported by the anthropic provider/);

  const cut = await post(gateway, '/v1/chat/completions', { model: 'cut', stream: true, messages: [{ role: 'user', content: 'tell me more' }] });
  assert.equal(cut.status, 200);
  const data = sseData(await cut.text());
  assert.notEqual(data.at(-1), '[DONE]');
  assert.ok(JSON.parse(data.at(-1)).error, 'the last event is an error');
});
