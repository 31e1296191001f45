// Coding agents lose nothing through sluice: a Claude Code–style session (system and tools
// marked for caching, thinking on, a tool loop) against a loopback Anthropic that enforces the
// real API's rules, through /v1/messages (streamed and not) and through /v1/chat/completions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startAnthropicUpstream, SIGNATURE, THOUGHT } from '../support/anthropic_upstream.mjs';
import { startSluice } from '../support/sluice.mjs';
import { post, sseData, logFor, stopCleanly, startGatewayWithUpstream } from './helpers.mjs';

let upstream;
let gateway;

before(async () => {
  upstream = await startAnthropicUpstream();
  gateway = await startSluice(`
endpoints:
  - name: claude
    endpoint_type: llm/v1/chat
    model:
      provider: anthropic
      name: claude-sonnet-4-5
      config:
        anthropic_api_key: \${{ secrets.TEST_ANTHROPIC_KEY }}
        anthropic_api_base: ${upstream.base}
  - name: claude-narrow
    endpoint_type: llm/v1/chat
    model:
      provider: anthropic
      name: claude-sonnet-4-5
      config:
        anthropic_api_key: \${{ secrets.TEST_ANTHROPIC_KEY }}
        anthropic_api_base: ${upstream.base}
        anthropic_betas: interleaved-thinking-2025-05-14
`, { env: { TEST_ANTHROPIC_KEY: upstream.key } });
});

after(async () => {
  try { await stopCleanly(gateway); } finally { await upstream.close(); }
});

const system = [
  { type: 'text', text: 'You are a coding agent.' },
  { type: 'text', text: 'Project rules.', cache_control: { type: 'ephemeral', ttl: '1h' } },
];
const tools = [{ name: 'read_file', input_schema: { type: 'object', properties: { path: { type: 'string' } } }, cache_control: { type: 'ephemeral' } }];
const thinking = { type: 'enabled', budget_tokens: 1024 };
const beta = 'extended-cache-ttl-2025-04-11,interleaved-thinking-2025-05-14';

// Anthropic content blocks from a /v1/messages stream.
function blocksOf(sse) {
  const blocks = [];
  for (const data of sseData(sse)) {
    const e = JSON.parse(data);
    if (e.type === 'content_block_start') blocks[e.index] = { ...e.content_block };
    if (e.type === 'content_block_delta') {
      const b = blocks[e.index];
      if (e.delta.type === 'thinking_delta') b.thinking += e.delta.thinking;
      if (e.delta.type === 'signature_delta') b.signature = e.delta.signature;
      if (e.delta.type === 'text_delta') b.text += e.delta.text;
      if (e.delta.type === 'input_json_delta') b.partial = (b.partial ?? '') + e.delta.partial_json;
    }
  }
  return blocks.map(({ partial, ...b }) => (partial !== undefined ? { ...b, input: JSON.parse(partial) } : b));
}

for (const stream of [false, true]) {
  test(`a three-turn tool loop with thinking through /v1/messages${stream ? ', streamed' : ''}: markers, thinking and beta reach Anthropic`, async () => {
    const messages = [{ role: 'user', content: [{ type: 'text', text: 'Read the README.', cache_control: { type: 'ephemeral' } }] }];
    for (let turn = 0; turn < 3; turn++) {
      const res = await post(gateway, '/v1/messages', { model: 'claude', max_tokens: 2048, system, tools, thinking, messages, stream },
        { 'anthropic-version': '2023-06-01', 'anthropic-beta': beta });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      const content = stream ? blocksOf(text) : JSON.parse(text).content;
      assert.deepEqual(content[0], { type: 'thinking', thinking: THOUGHT, signature: SIGNATURE });
      assert.equal(content.at(-1).type, 'tool_use');
      const sent = upstream.requests.at(-1);
      assert.equal(sent.headers['anthropic-beta'], beta);
      assert.deepEqual(sent.body.system, system);
      assert.deepEqual(sent.body.tools, tools);
      assert.deepEqual(sent.body.thinking, thinking);
      assert.deepEqual(sent.body.messages[0], messages[0]);
      // The earlier turns went back as the client sent them (the thinking block first).
      assert.deepEqual(sent.body.messages, messages);
      messages.push({ role: 'assistant', content });
      messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: content.at(-1).id, content: [
        { type: 'text', text: `file ${turn}` },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgoAAAANSUhEUg==' } }] }] });
    }
    const res = await post(gateway, '/v1/messages', { model: 'claude', max_tokens: 2048, system, tools, thinking, messages });
    const line = await logFor(gateway, res);
    assert.equal(line.status, 200);
    assert.equal(line.cached_tokens, 4);
  });
}

test('a tool loop with thinking through /v1/chat/completions: the thinking comes back and is accepted on the next turn', async () => {
  const oaTools = [{ type: 'function', function: { name: 'read_file', parameters: { type: 'object', properties: {} } }, cache_control: { type: 'ephemeral' } }];
  const messages = [
    { role: 'system', content: [{ type: 'text', text: 'Long rules.', cache_control: { type: 'ephemeral' } }] },
    { role: 'user', content: 'Read it.' },
  ];
  for (const stream of [false, true, false]) {
    const res = await post(gateway, '/v1/chat/completions', { model: 'claude', thinking, tools: oaTools, messages, stream });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    let message;
    if (stream) {
      const chunks = sseData(text).filter((d) => d !== '[DONE]').map((d) => JSON.parse(d));
      const deltas = chunks.map((c) => c.choices[0]?.delta ?? {});
      message = {
        role: 'assistant',
        content: deltas.map((d) => d.content ?? '').join(''),
        reasoning_content: deltas.map((d) => d.reasoning_content ?? '').join(''),
        tool_calls: [{ id: deltas.find((d) => d.tool_calls?.[0]?.id).tool_calls[0].id, type: 'function',
          function: { name: 'read_file', arguments: deltas.flatMap((d) => d.tool_calls ?? []).map((t) => t.function.arguments).join('') } }],
        thinking_blocks: [{ type: 'thinking', thinking: deltas.map((d) => d.reasoning_content ?? '').join(''),
          signature: deltas.find((d) => d.thinking_blocks).thinking_blocks[0].signature }],
      };
    } else {
      message = JSON.parse(text).choices[0].message;
    }
    assert.equal(message.reasoning_content, THOUGHT);
    assert.deepEqual(message.thinking_blocks, [{ type: 'thinking', thinking: THOUGHT, signature: SIGNATURE }]);
    const sent = upstream.requests.at(-1).body;
    assert.deepEqual(sent.system, [{ type: 'text', text: 'Long rules.', cache_control: { type: 'ephemeral' } }]);
    assert.deepEqual(sent.tools[0].cache_control, { type: 'ephemeral' });
    messages.push(message);
    messages.push({ role: 'tool', tool_call_id: message.tool_calls[0].id, content: 'contents' });
  }
});

test("what Anthropic would refuse is mended on the way: image/jpg, whitespace beside tool calls", async () => {
  const res = await post(gateway, '/v1/chat/completions', { model: 'claude', messages: [
    { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/jpg;base64,AAAA' } }, { type: 'text', text: 'What is it?' }] },
    { role: 'assistant', content: '\n\n', tool_calls: [{ id: 't1', type: 'function', function: { name: 'look', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: 't1', content: 'a cat' }] });
  assert.equal(res.status, 200, await res.clone().text());
  const sent = upstream.requests.at(-1).body;
  assert.equal(sent.messages[0].content[0].source.media_type, 'image/jpeg');
  assert.deepEqual(sent.messages[1].content.map((b) => b.type), ['tool_use']);
});

test('an OpenAI endpoint gets the same /v1/messages turn without the Anthropic-only fields, and says so', async () => {
  const openai = await startGatewayWithUpstream();
  try {
    const res = await post(openai.gateway, '/v1/messages', { model: 'chat-ok', max_tokens: 100, system, tools, messages: [
      { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 'sig' }, { type: 'tool_use', id: 't1', name: 'read_file', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', is_error: true, content: [{ type: 'text', text: 'no such file' }] }] }] });
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual((res.headers.get('x-sluice-dropped-params') ?? '').split(/, */).sort(),
      ['cache_control', 'is_error', 'reasoning_content', 'thinking_blocks']);
    const sent = openai.upstream.requests.at(-1).body;
    const text = JSON.stringify(sent);
    for (const field of ['cache_control', 'thinking_blocks', 'reasoning_content', 'is_error', 'signature']) assert.ok(!text.includes(field), `${field} in ${text}`);
    assert.deepEqual(sent.messages.at(-1), { role: 'tool', tool_call_id: 't1', content: 'Error: no such file' });
    assert.deepEqual(sent.messages[0], { role: 'system', content: [{ type: 'text', text: 'You are a coding agent.' }, { type: 'text', text: 'Project rules.' }] });

    // A tool result with an image cannot be given to it: a clear 400 in Anthropic's shape.
    const image = await post(openai.gateway, '/v1/messages', { model: 'chat-ok', max_tokens: 100, messages: [
      { role: 'user', content: 'look' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't2', name: 'shot', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't2', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] }] }] });
    assert.equal(image.status, 400);
    const error = await image.json();
    assert.equal(error.type, 'error');
    assert.match(error.error.message, /tool result with images.*provider 'openai'/);
  } finally {
    await openai.close();
  }
});

test('an endpoint\'s anthropic_betas allow-list holds on every path, and says what it left out', async () => {
  const body = { model: 'claude-narrow', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] };
  for (const path of ['/v1/messages', '/gateway/anthropic/v1/messages', '/v1/chat/completions']) {
    const before = upstream.requests.length;
    const res = await post(gateway, path, body, { 'anthropic-beta': `context-1m-2025-08-07, ${beta}` });
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    assert.match(res.headers.get('x-sluice-dropped-params') ?? '', /anthropic-beta:context-1m-2025-08-07/, path);
    const sent = upstream.requests.slice(before);
    assert.equal(sent.length, 1, path);
    assert.equal(sent[0].headers['anthropic-beta'], 'interleaved-thinking-2025-05-14', path);
  }
  // The token counter too (found by review: it did not say what it left out).
  const count = await post(gateway, '/v1/messages/count_tokens', { model: 'claude-narrow', messages: body.messages }, { 'anthropic-beta': `context-1m-2025-08-07, ${beta}` });
  assert.equal(count.status, 200, await count.clone().text());
  assert.match(count.headers.get('x-sluice-dropped-params') ?? '', /anthropic-beta:context-1m-2025-08-07/);
  assert.equal(upstream.requests.at(-1).headers['anthropic-beta'], 'interleaved-thinking-2025-05-14');
});

// Found by a hostile probe: a beta sent on a second header line was lost.
test('anthropic-beta sent on several header lines reaches Anthropic whole', async () => {
  const before = upstream.requests.length;
  const res = await new Promise((resolve, reject) => {
    // fetch() joins repeated headers itself; a raw request sends two lines.
    const req = http.request(`${gateway.url}/v1/messages`, { method: 'POST', headers: {
      'content-type': 'application/json', 'anthropic-beta': ['beta-a', 'beta-b'] } }, (r) => {
      r.resume();
      r.on('end', () => resolve(r));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'claude', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }));
  });
  assert.equal(res.statusCode, 200);
  assert.equal(upstream.requests.slice(before)[0].headers['anthropic-beta'], 'beta-a, beta-b');
});

// The client's anthropic-version goes to Anthropic on every path that speaks its API; the
// endpoint's configured version (2023-06-01 by default) otherwise.
test('a client\'s anthropic-version reaches Anthropic on /v1/messages, the passthrough and the token counter', async () => {
  const body = { model: 'claude', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] };
  for (const path of ['/v1/messages', '/gateway/anthropic/v1/messages', '/v1/messages/count_tokens']) {
    const before = upstream.requests.length;
    const res = await post(gateway, path, path.endsWith('count_tokens') ? { model: 'claude', messages: body.messages } : body, { 'anthropic-version': '2024-10-22' });
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    assert.equal(upstream.requests.slice(before)[0].headers['anthropic-version'], '2024-10-22', path);
    // Without one: the endpoint's.
    const plain = await post(gateway, path, path.endsWith('count_tokens') ? { model: 'claude', messages: body.messages } : body);
    assert.equal(plain.status, 200, path);
    assert.equal(upstream.requests.at(-1).headers['anthropic-version'], '2023-06-01', path);
    // Not a version: a 400 in Anthropic's shape before anything is sent.
    const sent = upstream.requests.length;
    const bad = await post(gateway, path, body, { 'anthropic-version': '2023-06-01; drop' });
    assert.equal(bad.status, 400, path);
    const error = await bad.json();
    assert.equal(error.type, 'error', path);
    assert.match(error.error.message, /anthropic-version/, path);
    assert.equal(upstream.requests.length, sent, path);
  }
  // An OpenAI-shaped request is translated by the gateway for the version it knows.
  const before = upstream.requests.length;
  const res = await post(gateway, '/v1/chat/completions', body, { 'anthropic-version': '2024-10-22' });
  assert.equal(res.status, 200);
  assert.equal(upstream.requests.slice(before)[0].headers['anthropic-version'], '2023-06-01');
});
