// The official `@anthropic-ai/sdk`, unchanged, pointed at sluice's /v1/messages: Claude-shaped
// clients answered by an OpenAI-dialect endpoint (the in-process mock) and by the anthropic
// provider (a loopback server speaking Anthropic's wire protocol).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startSluice } from '../support/sluice.mjs';
import { startAnthropicUpstream, SIGNATURE, THOUGHT, COUNT_BASE, SEARCH_BLOCKS } from '../support/anthropic_upstream.mjs';

let gw, client, upstream;
before(async () => {
  upstream = await startAnthropicUpstream();
  gw = await startSluice(`
endpoints:
  - name: openai-shaped
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-chat, config: {text: "Hello from an OpenAI-dialect model", prompt_tokens: 7, completion_tokens: 6}}
  - name: claude
    endpoint_type: llm/v1/chat
    model:
      provider: anthropic
      name: claude-sonnet-4-5
      config: {anthropic_api_key: "${upstream.key}", anthropic_api_base: "${upstream.base}"}
  - name: overloaded
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: m, config: {fail_status: 429}}
  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model: {provider: mock, name: e}
  - name: gpt
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: gpt-4o, config: {openai_api_key: sk-unused-0123456789, openai_api_base: "http://127.0.0.1:9/v1"}}
`);
  client = new Anthropic({ baseURL: gw.url, apiKey: 'not-needed', maxRetries: 0 });
});
after(async () => {
  try {
    const { code } = await gw.stop();
    assert.equal(code, 0, gw.stderr());
  } finally {
    await upstream.close();
  }
});

test('messages.create answered by an OpenAI-dialect endpoint', async () => {
  const m = await client.messages.create({
    model: 'openai-shaped', max_tokens: 100, system: 'Be brief.',
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(m.type, 'message');
  assert.equal(m.role, 'assistant');
  assert.equal(m.model, 'openai-shaped');
  assert.equal(m.stop_reason, 'end_turn');
  assert.deepEqual(m.content, [{ type: 'text', text: 'Hello from an OpenAI-dialect model' }]);
  assert.equal(m.usage.input_tokens, 7);
  assert.equal(m.usage.output_tokens, 6);
});

test('messages.stream: text deltas, final message and usage', async () => {
  const stream = client.messages.stream({ model: 'openai-shaped', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
  let text = '';
  stream.on('text', (t) => { text += t; });
  const final = await stream.finalMessage();
  assert.equal(text, 'Hello from an OpenAI-dialect model');
  assert.equal(final.content[0].text, 'Hello from an OpenAI-dialect model');
  assert.equal(final.stop_reason, 'end_turn');
  assert.equal(final.usage.output_tokens, 6);
});

test('tool use round trip through the anthropic provider, streamed and not', async () => {
  const tools = [{ name: 'get_weather', description: 'Weather in a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }];
  const m = await client.messages.create({ model: 'claude', max_tokens: 200, tools, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
  assert.equal(m.stop_reason, 'tool_use');
  const use = m.content.find((b) => b.type === 'tool_use');
  assert.deepEqual(use.input, { city: 'Paris' });
  assert.equal(use.name, 'get_weather');

  // The tool's result goes back as Anthropic's tool_result block.
  const next = await client.messages.create({
    model: 'claude', max_tokens: 200, tools,
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: m.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18°C' }, { type: 'text', text: 'thanks' }] },
    ],
  });
  assert.equal(next.stop_reason, 'tool_use');
  const sent = upstream.requests.at(-1).body;
  assert.deepEqual(sent.messages.at(-1).content, [{ type: 'tool_result', tool_use_id: use.id, content: '18°C' }, { type: 'text', text: 'thanks' }]);

  const stream = client.messages.stream({ model: 'claude', max_tokens: 200, tools, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
  const final = await stream.finalMessage();
  assert.equal(final.stop_reason, 'tool_use');
  assert.deepEqual(final.content.find((b) => b.type === 'tool_use').input, { city: 'Paris' });
  assert.equal(final.usage.cache_read_input_tokens, 4);
});

test('a Claude Code–style tool loop with thinking and cache markers, streamed and not: nothing is lost', async () => {
  const system = [{ type: 'text', text: 'You are a coding agent.', cache_control: { type: 'ephemeral', ttl: '1h' } }];
  const tools = [{ name: 'read_file', input_schema: { type: 'object', properties: { path: { type: 'string' } } }, cache_control: { type: 'ephemeral' } }];
  const thinking = { type: 'enabled', budget_tokens: 1024 };
  const messages = [{ role: 'user', content: [{ type: 'text', text: 'Read the README.', cache_control: { type: 'ephemeral' } }] }];
  const headers = { 'anthropic-beta': 'extended-cache-ttl-2025-04-11' };
  for (const streamed of [true, false, true]) {
    const params = { model: 'claude', max_tokens: 2048, system, tools, thinking, messages };
    const m = streamed
      ? await client.messages.stream(params, { headers }).finalMessage()
      : await client.messages.create(params, { headers });
    assert.deepEqual(m.content[0], { type: 'thinking', thinking: THOUGHT, signature: SIGNATURE });
    assert.equal(m.stop_reason, 'tool_use');
    const sent = upstream.requests.at(-1);
    assert.equal(sent.headers['anthropic-beta'], 'extended-cache-ttl-2025-04-11');
    assert.deepEqual(sent.body.system, system);
    assert.deepEqual(sent.body.tools, tools);
    assert.deepEqual(sent.body.messages, messages);
    const use = m.content.find((b) => b.type === 'tool_use');
    messages.push({ role: 'assistant', content: m.content });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'README text' }] });
  }
});

test('count_tokens: an estimate for a provider without a counter, said so', async () => {
  const { data: r, response } = await client.messages.countTokens({ model: 'openai-shaped', messages: [{ role: 'user', content: 'How many tokens is this sentence?' }] }).withResponse();
  assert.ok(r.input_tokens > 5 && r.input_tokens < 40, String(r.input_tokens));
  assert.equal(response.headers.get('x-sluice-token-count'), 'estimate');
});

test('count_tokens: Anthropic\'s own count for an anthropic endpoint, the body as the client sent it', async () => {
  const messages = [{ role: 'user', content: [{ type: 'text', text: 'Count me.', cache_control: { type: 'ephemeral' } }] }];
  const before = upstream.requests.length;
  const { data: r, response } = await client.messages.countTokens({ model: 'claude', system: 'Be brief.', thinking: { type: 'enabled', budget_tokens: 1024 }, messages }).withResponse();
  assert.equal(r.input_tokens, COUNT_BASE + JSON.stringify(messages).length);
  assert.equal(response.headers.get('x-sluice-token-count'), 'exact');
  const sent = upstream.requests.slice(before);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].path, '/v1/messages/count_tokens');
  assert.deepEqual(sent[0].body, { model: 'claude-sonnet-4-5', system: 'Be brief.', thinking: { type: 'enabled', budget_tokens: 1024 }, messages });
  // What Anthropic refuses comes back as Anthropic's error.
  await assert.rejects(client.messages.countTokens({ model: 'claude', messages: [{ role: 'user', content: [{ type: 'text', text: '  ' }] }] }),
    (e) => e instanceof Anthropic.BadRequestError && /non-whitespace/.test(e.error.error.message));
  await assert.rejects(client.messages.countTokens({ model: 'no-such-model', messages }), (e) => e instanceof Anthropic.NotFoundError);
});

test('count_tokens: the tiktoken count for an OpenAI model, the same as /v1/tokenize', async () => {
  const messages = [{ role: 'user', content: 'How many tokens is this sentence, exactly?' }];
  const { data: r, response } = await client.messages.countTokens({ model: 'gpt', messages }).withResponse();
  assert.equal(response.headers.get('x-sluice-token-count'), 'exact');
  const t = await (await fetch(`${gw.url}/v1/tokenize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt', messages }) })).json();
  assert.equal(r.input_tokens, t.count);
  // With tools the local count cannot be exact: it says so.
  const tools = await client.messages.countTokens({ model: 'gpt', messages, tools: [{ name: 'f', input_schema: { type: 'object' } }] }).withResponse();
  assert.equal(tools.response.headers.get('x-sluice-token-count'), 'estimate');
  assert.ok(tools.data.input_tokens > r.input_tokens);
});

test('errors arrive as the SDK\'s typed errors', async () => {
  await assert.rejects(client.messages.create({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof Anthropic.NotFoundError && e.error.error.type === 'not_found_error');
  await assert.rejects(client.messages.create({ model: 'overloaded', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof Anthropic.RateLimitError && e.error.error.type === 'rate_limit_error');
  await assert.rejects(client.messages.create({ model: 'embeddings', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof Anthropic.BadRequestError && e.error.error.type === 'invalid_request_error');
  // The SDK checks max_tokens itself; a raw request without it gets Anthropic's message.
  const res = await fetch(gw.url + '/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai-shaped', messages: [{ role: 'user', content: 'x' }] }) });
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
});

// Claude Code's WebSearch is Anthropic's server tool, and a PDF it reads is a document block:
// both reach Anthropic as sent, and the search answer (server_tool_use, its result, cited text)
// reaches the SDK as Anthropic gave it, whole and streamed; the next turn sends it all back.
for (const stream of [false, true]) {
  test(`a web search with a PDF through /v1/messages${stream ? ', streamed' : ''}: server tool blocks and citations intact`, async () => {
    const tools = [{ type: 'web_search_20250305', name: 'web_search', max_uses: 3 }];
    const messages = [{ role: 'user', content: [
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' }, title: 'spec.pdf' },
      { type: 'text', text: 'Is this a gateway? Search.' }] }];
    const before = upstream.requests.length;
    const params = { model: 'claude', max_tokens: 500, tools, messages };
    const m = stream ? await client.messages.stream(params).finalMessage() : await client.messages.create(params);
    assert.deepEqual(m.content, SEARCH_BLOCKS);
    assert.equal(m.stop_reason, 'end_turn');
    let sent = upstream.requests.slice(before)[0].body;
    assert.deepEqual(sent.tools, tools);
    assert.deepEqual(sent.messages, messages);
    // The next turn, as a client sends it: the answer's blocks back, unchanged.
    messages.push({ role: 'assistant', content: m.content }, { role: 'user', content: 'Thanks.' });
    await client.messages.create({ model: 'claude', max_tokens: 500, tools, messages });
    sent = upstream.requests.at(-1).body;
    assert.deepEqual(sent.messages, messages);
  });
}
