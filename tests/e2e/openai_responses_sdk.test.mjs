// The official `openai` SDK's Responses client, unchanged, pointed at sluice's /v1/responses:
// sent on natively to an OpenAI endpoint, translated for an OpenAI-compatible chat server (vLLM),
// an Anthropic endpoint and a Gemini 3 one (loopback servers that enforce their API's rules), whole and streamed, and a Codex-style session — stateless, the whole
// conversation sent each turn, reasoning items sent back — through a three-turn tool loop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startSluice, eventually } from '../support/sluice.mjs';
import { startAnthropicUpstream, SIGNATURE, THOUGHT } from '../support/anthropic_upstream.mjs';
import { startOpenAiToolsUpstream, TOOL_ARGUMENTS, OPENAI_REASONING, OPENAI_INPUT_TOKENS, RESPONSES_USAGE } from '../support/openai_tools_upstream.mjs';
import { startGeminiUpstream, GEMINI_SIGNATURE, GEMINI_THOUGHT, GEMINI_COUNT_BASE } from '../support/gemini_upstream.mjs';
import { COUNT_BASE } from '../support/anthropic_upstream.mjs';

let gw, client, anthropic, openai, gemini;

// The access-log line of a response (written by a background thread).
async function logFor(gateway, res) {
  const id = res.headers.get('x-request-id');
  let line;
  await eventually(() => (line = gateway.logs().find((l) => l.request_id === id)), 3000, `access log line ${id}`);
  return line;
}
before(async () => {
  anthropic = await startAnthropicUpstream();
  openai = await startOpenAiToolsUpstream();
  gemini = await startGeminiUpstream();
  gw = await startSluice(`
pricing:
  openai:
    gpt-5: {input: 1, output: 2}
endpoints:
  - name: gpt
    endpoint_type: llm/v1/chat
    model:
      provider: vllm
      name: gpt-5
      config: {api_key: "${openai.key}", api_base: "${openai.base}"}
  - name: gpt-native
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-5
      config: {openai_api_key: "${openai.key}", openai_api_base: "${openai.base}"}
  - name: claude
    endpoint_type: llm/v1/chat
    model:
      provider: anthropic
      name: claude-sonnet-4-5
      config: {anthropic_api_key: "${anthropic.key}", anthropic_api_base: "${anthropic.base}"}
  - name: gemini
    endpoint_type: llm/v1/chat
    model:
      provider: gemini
      name: gemini-3-pro-preview
      config: {gemini_api_key: "${gemini.key}", gemini_api_base: "${gemini.base}"}
  - name: claude-cut
    endpoint_type: llm/v1/chat
    model:
      provider: anthropic
      name: cut
      config: {anthropic_api_key: "${anthropic.key}", anthropic_api_base: "${anthropic.base}"}
`);
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'not-needed', maxRetries: 0 });
});
after(async () => {
  try {
    const { code } = await gw.stop();
    assert.equal(code, 0, gw.stderr());
  } finally {
    await anthropic.close();
    await openai.close();
    await gemini.close();
  }
});

test('responses.create: a string input answered by an OpenAI chat endpoint, usage in Responses shape', async () => {
  const r = await client.responses.create({ model: 'gpt', input: 'Say hi', instructions: 'Be brief.' });
  assert.equal(r.object, 'response');
  assert.equal(r.status, 'completed');
  assert.equal(r.model, 'gpt');
  assert.match(r.id, /^resp_/);
  assert.equal(r.output_text, 'Done: Say hi');
  assert.deepEqual(r.usage, { input_tokens: 40, input_tokens_details: { cached_tokens: 32 }, output_tokens: 12, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 52 });
  const sent = openai.requests.at(-1).body;
  assert.deepEqual(sent.messages, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hi' }]);
});

const tools = [{ type: 'function', name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] }, strict: false }];

// One Codex turn: the whole conversation so far, reasoning on, no store; returns the Response.
async function turn(model, input, stream) {
  const params = { model, input, tools, tool_choice: 'auto', parallel_tool_calls: false, store: false, reasoning: { effort: 'low' }, include: ['reasoning.encrypted_content'], instructions: 'You are a coding agent.' };
  if (!stream) return client.responses.create(params);
  const s = client.responses.stream(params);
  let text = '';
  let args = '';
  const types = [];
  s.on('response.output_text.delta', (e) => { text += e.delta; });
  s.on('response.function_call_arguments.delta', (e) => { args += e.delta; });
  s.on('event', (e) => types.push(e.type));
  const final = await s.finalResponse();
  assert.equal(types[0], 'response.created');
  assert.equal(types.at(-1), 'response.completed');
  // What the deltas added up to is what the final response holds.
  assert.equal(text, final.output_text);
  const call = final.output.find((o) => o.type === 'function_call');
  if (call) assert.equal(args, call.arguments);
  return final;
}

for (const model of ['gpt', 'claude', 'gemini']) {
  for (const stream of [false, true]) {
    test(`a Codex-style three-turn tool loop against ${model}${stream ? ', streamed' : ''}`, async () => {
      const upstream = { gpt: openai, claude: anthropic, gemini }[model];
      const before = upstream.requests.length;
      const input = [{ role: 'user', content: [{ type: 'input_text', text: 'Read the README.' }] }];
      for (let t = 0; t < 3; t++) {
        const r = await turn(model, input, stream);
        assert.equal(r.status, 'completed');
        if (model === 'gpt' && t === 2) {
          // The OpenAI fake answers once it has two tool results; each reached it.
          assert.equal(r.output_text, 'Done: contents of README, turn 1');
          break;
        }
        const call = r.output.find((o) => o.type === 'function_call');
        assert.ok(call, JSON.stringify(r.output));
        assert.equal(call.name, 'read_file');
        assert.deepEqual(JSON.parse(call.arguments), model === 'gpt' ? JSON.parse(TOOL_ARGUMENTS) : { city: 'Paris' });
        if (model === 'gemini') {
          // Gemini's thought summary comes back as a reasoning item.
          assert.equal(r.output[0].type, 'reasoning');
          assert.equal(r.output[0].summary[0].text, GEMINI_THOUGHT);
        }
        if (model === 'claude') {
          // Claude's signed thinking comes back as a reasoning item, first.
          assert.equal(r.output[0].type, 'reasoning');
          assert.equal(r.output[0].summary[0].text, THOUGHT);
          assert.ok(r.output[0].encrypted_content);
        }
        input.push(...r.output, { type: 'function_call_output', call_id: call.call_id, output: `contents of README, turn ${t}` });
      }
      const sent = upstream.requests.slice(before);
      assert.equal(sent.length, 3);
      const last = sent[2].body;
      if (model === 'gpt') {
        // OpenAI gets chat: every call answered by its tool message, reasoning effort as given.
        assert.equal(last.reasoning_effort, 'low');
        assert.equal(last.messages.filter((m) => m.role === 'tool').length, 2);
        assert.deepEqual(last.tools[0], { type: 'function', function: { name: 'read_file', description: 'Read a file', parameters: tools[0].parameters, strict: false } });
      } else if (model === 'gemini') {
        // Gemini 3 gets thinking on and every earlier function call back with its thought
        // signature — the rule its fake enforces.
        assert.deepEqual(last.generationConfig.thinkingConfig, { thinkingBudget: 1024, includeThoughts: true });
        const calls = last.contents.filter((c) => c.role === 'model').flatMap((c) => c.parts.filter((p) => p.functionCall));
        assert.equal(calls.length, 2);
        for (const p of calls) assert.equal(p.thoughtSignature, GEMINI_SIGNATURE);
      } else {
        // Anthropic gets thinking on (effort low → 1024 tokens) and, in each earlier assistant
        // turn, its own signed thinking block back first — the rule its fake enforces.
        assert.deepEqual(last.thinking, { type: 'enabled', budget_tokens: 1024 });
        const assistants = last.messages.filter((m) => m.role === 'assistant');
        assert.equal(assistants.length, 2);
        for (const a of assistants) assert.deepEqual(a.content[0], { type: 'thinking', thinking: THOUGHT, signature: SIGNATURE });
      }
    });
  }
}

test('what needs a response store, hosted tools and unknown parameters are 400s in OpenAI shape', async () => {
  for (const [extra, param] of [
    [{ store: true }, 'store'],
    [{ previous_response_id: 'resp_1' }, 'previous_response_id'],
    [{ tools: [{ type: 'web_search' }] }, 'tools[0].type'],
    [{ input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0].type'],
    [{ frobnicate: 1 }, 'frobnicate'],
  ]) {
    await assert.rejects(client.responses.create({ model: 'gpt', input: 'x', ...extra }), (e) => {
      assert.equal(e.status, 400, JSON.stringify(extra));
      assert.equal(e.param, param);
      assert.equal(e.type, 'invalid_request_error');
      return true;
    });
  }
  await assert.rejects(client.responses.create({ model: 'nope', input: 'x' }), (e) => e.status === 404 && e.code === 'model_not_found');
});

test('responses.stream answered by Anthropic without tools: text deltas and completion', async () => {
  const s = client.responses.stream({ model: 'claude', input: 'x', max_output_tokens: 100, metadata: {}, text: { format: { type: 'text' } } });
  const types = [];
  s.on('event', (e) => types.push(e.type));
  const final = await s.finalResponse();
  assert.equal(final.output_text, 'Claude heard: x');
  assert.equal(final.max_output_tokens, 100);
  assert.equal(anthropic.requests.at(-1).body.max_tokens, 100);
  assert.deepEqual(types.filter((t) => t.startsWith('response.output_item')), ['response.output_item.added', 'response.output_item.done']);
  assert.equal(types.at(-1), 'response.completed');
});

test('a provider failure mid-stream ends the stream with response.failed', async () => {
  const s = client.responses.stream({ model: 'claude-cut', input: 'x' });
  const types = [];
  s.on('event', (e) => types.push(e.type));
  const final = await s.finalResponse();
  assert.equal(types.at(-1), 'response.failed');
  assert.equal(final.status, 'failed');
  assert.ok(final.error.message.length > 0, JSON.stringify(final.error));
  // What arrived before the failure is kept, its item closed as incomplete.
  assert.equal(final.output[0].type, 'message');
  assert.equal(final.output[0].content[0].text, 'Claude');
  assert.equal(final.output[0].status, 'incomplete');
});

test('responses.inputTokens.count: from Anthropic\'s and Gemini\'s counters, tiktoken for an OpenAI model', async () => {
  const claude = await client.responses.inputTokens.count({ model: 'claude', input: 'Count me.', instructions: 'Be brief.' }).withResponse();
  assert.equal(claude.data.object, 'response.input_tokens');
  assert.equal(claude.data.input_tokens, COUNT_BASE + JSON.stringify([{ role: 'user', content: 'Count me.' }]).length);
  assert.equal(claude.response.headers.get('x-sluice-token-count'), 'exact');
  const sent = anthropic.requests.at(-1);
  assert.equal(sent.path, '/v1/messages/count_tokens');
  assert.equal(sent.body.system, 'Be brief.');
  assert.equal(sent.body.max_tokens, undefined);

  const g = await client.responses.inputTokens.count({ model: 'gemini', input: 'Count me.' }).withResponse();
  assert.equal(g.data.input_tokens, GEMINI_COUNT_BASE + JSON.stringify([{ role: 'user', parts: [{ text: 'Count me.' }] }]).length);
  assert.equal(g.response.headers.get('x-sluice-token-count'), 'exact');

  // OpenAI counts its own, the client's body as it is.
  const native = await client.responses.inputTokens.count({ model: 'gpt-native', input: 'Count me.', tools: [{ type: 'web_search' }] }).withResponse();
  assert.equal(native.data.input_tokens, OPENAI_INPUT_TOKENS);
  assert.equal(native.response.headers.get('x-sluice-token-count'), 'exact');
  assert.deepEqual(openai.requests.at(-1).body, { model: 'gpt-5', input: 'Count me.', tools: [{ type: 'web_search' }] });
  // An OpenAI-compatible server has no counter: the local count is an estimate.
  const compat = await client.responses.inputTokens.count({ model: 'gpt', input: 'Count me.' }).withResponse();
  assert.equal(compat.response.headers.get('x-sluice-token-count'), 'estimate');
  const t = await (await fetch(`${gw.url}/v1/tokenize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: 'Count me.' }] }) })).json();
  assert.equal(compat.data.input_tokens, t.count);
});

// To an OpenAI endpoint the Responses API goes natively: what only OpenAI understands (its
// encrypted reasoning between turns, hosted tools, stored responses) reaches it, and the answer
// comes back as OpenAI gave it — counted and priced like any other.
for (const stream of [false, true]) {
  test(`a Codex-style loop against an OpenAI endpoint goes natively${stream ? ', streamed' : ''}: encrypted reasoning and hosted tools kept, usage counted`, async () => {
    const before = openai.requests.length;
    const input = [{ role: 'user', content: [{ type: 'input_text', text: 'Read the README.' }] }];
    const nativeTools = [...tools, { type: 'web_search' }];
    let final;
    for (let t = 0; t < 3; t++) {
      const params = { model: 'gpt-native', input, tools: nativeTools, store: false, reasoning: { effort: 'low' }, include: ['reasoning.encrypted_content'] };
      const r = stream ? await client.responses.stream(params).finalResponse() : await client.responses.create(params);
      assert.equal(r.output[0].encrypted_content, OPENAI_REASONING);
      final = r;
      const call = r.output.find((o) => o.type === 'function_call');
      if (!call) break;
      input.push(...r.output, { type: 'function_call_output', call_id: call.call_id, output: `contents, turn ${t}` });
    }
    assert.equal(final.output_text, 'Done: contents, turn 1');
    assert.deepEqual(final.usage, RESPONSES_USAGE);
    const sent = openai.requests.slice(before);
    assert.equal(sent.length, 3);
    for (const r of sent) assert.equal(r.path, '/v1/responses');
    // The last request is the client's body as it sent it, the provider's model name put in.
    assert.deepEqual(sent[2].body, { model: 'gpt-5', input, tools: nativeTools, store: false, reasoning: { effort: 'low' }, include: ['reasoning.encrypted_content'], ...(stream ? { stream: true } : {}) });
    // Priced from the Responses usage (pricing below: $1 per 1M input tokens, $2 per 1M output).
    const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-native', input: 'x', stream }) });
    await res.text();
    const line = await logFor(gw, res);
    assert.equal(line.prompt_tokens, 306);
    assert.equal(line.completion_tokens, 5);
    assert.ok(Math.abs(line.cost_usd - (306 * 1 + 5 * 2) / 1e6) < 1e-12, JSON.stringify(line));
  });
}
