// Stored responses (`stores.responses`) through the official `openai` SDK: a tool loop chained by
// previous_response_id, whole and streamed, against Anthropic (its signed thinking kept between
// turns by the gateway) and an OpenAI-compatible chat server; responses.retrieve and delete;
// responses belong to the key that made them; store: false keeps nothing; a TTL; a restart keeps
// them (SQLite).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startSluice, tempDir } from '../support/sluice.mjs';
import { startAnthropicUpstream, SIGNATURE, THOUGHT } from '../support/anthropic_upstream.mjs';
import { startOpenAiToolsUpstream } from '../support/openai_tools_upstream.mjs';

const KEY_A = 'sk-sluice-responses-key-a-0123456789abcdef';
const KEY_B = 'sk-sluice-responses-key-b-0123456789abcdef';
const env = { KEY_A, KEY_B, PEPPER: 'pepper-for-responses-tests-012345' };
let anthropic, openai, dir;

function config(ttl = 3600, { server = '', stores = `  responses: {ttl_s: ${ttl}}\n` } = {}) {
  return `
${server}
auth:
  mode: keys
  pepper: \${{ secrets.PEPPER }}
  keys:
    - name: a
      id: key_a
      key: \${{ secrets.KEY_A }}
    - name: b
      id: key_b
      key: \${{ secrets.KEY_B }}
stores:
  sqlite: ${join(dir, `responses-${ttl}.db`)}
${stores}endpoints:
  - name: gpt-native
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-5
      config: {openai_api_key: "${openai.key}", openai_api_base: "${openai.base}"}
  - name: gpt
    endpoint_type: llm/v1/chat
    model:
      provider: vllm
      name: gpt-5
      config: {api_key: "${openai.key}", api_base: "${openai.base}"}
  - name: claude
    endpoint_type: llm/v1/chat
    model:
      provider: anthropic
      name: claude-sonnet-4-5
      config: {anthropic_api_key: "${anthropic.key}", anthropic_api_base: "${anthropic.base}"}
`;
}

const client = (gw, key) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });

before(async () => {
  anthropic = await startAnthropicUpstream();
  openai = await startOpenAiToolsUpstream();
  dir = tempDir();
});
after(async () => {
  await anthropic.close();
  await openai.close();
});

async function stopped(gw) {
  const { code } = await gw.stop();
  assert.equal(code, 0, gw.stderr());
}

const tools = [{ type: 'function', name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } }];

async function create(c, params, stream) {
  if (!stream) return c.responses.create(params);
  return c.responses.stream(params).finalResponse();
}

for (const model of ['claude', 'gpt']) {
  for (const stream of [false, true]) {
    test(`a tool loop chained by previous_response_id against ${model}${stream ? ', streamed' : ''}`, async () => {
      const gw = await startSluice(config(), { env });
      try {
        const c = client(gw, KEY_A);
        const upstream = model === 'claude' ? anthropic : openai;
        const before = upstream.requests.length;
        const base = { model, tools, reasoning: { effort: 'low' }, instructions: 'You are a coding agent.' };
        const first = await create(c, { ...base, input: 'Read the README.' }, stream);
        assert.match(first.id, /^resp_[0-9a-f]{32}$/);
        assert.equal(first.store, true);
        let previous = first;
        for (let t = 0; t < 2; t++) {
          const call = previous.output.find((o) => o.type === 'function_call');
          assert.ok(call, JSON.stringify(previous.output));
          // Only what is new: the tool's output. The gateway puts the conversation ahead of it.
          const next = await create(c, {
            ...base,
            instructions: `Turn ${t + 1}.`,
            previous_response_id: previous.id,
            input: [{ type: 'function_call_output', call_id: call.call_id, output: `contents of README, turn ${t}` }],
          }, stream);
          assert.equal(next.previous_response_id, previous.id);
          assert.equal(next.instructions, `Turn ${t + 1}.`);
          previous = next;
        }
        const sent = upstream.requests.slice(before).map((r) => r.body);
        assert.equal(sent.length, 3);
        const last = sent[2];
        if (model === 'claude') {
          // Only this turn's instructions; every earlier assistant turn with its signed thinking
          // first (the rule the fake enforces), every tool result after its call.
          assert.equal(JSON.stringify(last.system).includes('coding agent'), false, JSON.stringify(last.system));
          assert.match(JSON.stringify(last.system), /Turn 2\./);
          const assistants = last.messages.filter((m) => m.role === 'assistant');
          assert.equal(assistants.length, 2);
          for (const a of assistants) assert.deepEqual(a.content[0], { type: 'thinking', thinking: THOUGHT, signature: SIGNATURE });
          assert.equal(last.messages[0].content[0]?.text ?? last.messages[0].content, 'Read the README.');
        } else {
          assert.deepEqual(last.messages[0], { role: 'system', content: 'Turn 2.' });
          assert.equal(last.messages.filter((m) => m.role === 'system').length, 1);
          assert.equal(last.messages.filter((m) => m.role === 'tool').length, 2);
          assert.equal(previous.output_text, 'Done: contents of README, turn 1');
        }
        // The last response, as kept, is what the client was given.
        const got = await c.responses.retrieve(previous.id);
        assert.equal(got.id, previous.id);
        assert.deepEqual(got.output.map((o) => o.type), previous.output.map((o) => o.type));
        assert.equal(got.output_text, previous.output_text);
      } finally {
        await stopped(gw);
      }
    });
  }
}

test('a response belongs to its key; store: false keeps nothing; delete; a restart keeps the rest', async () => {
  let gw = await startSluice(config(), { env });
  let kept;
  try {
    const a = client(gw, KEY_A);
    const b = client(gw, KEY_B);
    kept = await a.responses.create({ model: 'gpt', input: 'Say hi' });
    const gone = await a.responses.create({ model: 'gpt', input: 'Say hi', store: true });
    const unkept = await a.responses.create({ model: 'gpt', input: 'Say hi', store: false });
    assert.equal(unkept.store, false);
    // Another key is told the response does not exist, in OpenAI's shape.
    await assert.rejects(b.responses.retrieve(kept.id), (e) => e.status === 404 && e.type === 'invalid_request_error' && /not found/.test(e.message));
    await assert.rejects(b.responses.create({ model: 'gpt', input: 'x', previous_response_id: kept.id }),
      (e) => e.status === 400 && e.param === 'previous_response_id' && e.code === 'previous_response_not_found');
    await assert.rejects(b.responses.delete(kept.id), (e) => e.status === 404);
    await assert.rejects(a.responses.retrieve(unkept.id), (e) => e.status === 404);
    // Deleted: gone for retrieve and for previous_response_id.
    await a.responses.delete(gone.id);
    await assert.rejects(a.responses.retrieve(gone.id), (e) => e.status === 404);
    await assert.rejects(a.responses.create({ model: 'gpt', input: 'x', previous_response_id: gone.id }), (e) => e.status === 400);
    // Without a key: 401 before anything is looked up.
    const anon = await fetch(`${gw.url}/v1/responses/${kept.id}`);
    assert.equal(anon.status, 401);
    // A method the path does not have.
    const put = await fetch(`${gw.url}/v1/responses/${kept.id}`, { method: 'PUT', headers: { authorization: `Bearer ${KEY_A}` } });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, DELETE');
    assert.ok((await put.json()).error.message);
  } finally {
    await stopped(gw);
  }
  gw = await startSluice(config(), { env });
  try {
    const got = await client(gw, KEY_A).responses.retrieve(kept.id);
    assert.equal(got.output_text, kept.output_text);
  } finally {
    await stopped(gw);
  }
});

test('a response is not read once its TTL has passed', async () => {
  // TTL 2 s: expiry is kept in whole seconds, so with 1 s a retrieve a few ms after the create
  // could already cross it (a flake seen in CI); 2 s leaves at least one whole second.
  const gw = await startSluice(config(2), { env });
  try {
    const a = client(gw, KEY_A);
    const r = await a.responses.create({ model: 'gpt', input: 'Say hi' });
    assert.equal((await a.responses.retrieve(r.id)).id, r.id);
    await new Promise((resolve) => setTimeout(resolve, 3100));
    await assert.rejects(a.responses.retrieve(r.id), (e) => e.status === 404);
    await assert.rejects(a.responses.create({ model: 'gpt', input: 'x', previous_response_id: r.id }), (e) => e.status === 400);
  } finally {
    await stopped(gw);
  }
});

test('stores.responses is checked like the rest of the config', async () => {
  for (const [bad, message] of [
    ['responses: {ttl_s: 0}', /stores\.responses\.ttl_s/],
    ['responses: maybe', /stores\.responses/],
    ['responses: {ttl: 5}', /unknown key 'ttl'/],
  ]) {
    const yaml = config().replace('  responses: {ttl_s: 3600}', `  ${bad}`);
    await assert.rejects(startSluice(yaml, { env }), (e) => message.test(String(e.message ?? e)), bad);
  }
});

// OpenAI keeps what it answers natively, under the gateway's one OpenAI key: the gateway records
// which gateway key made each response, so that no other key can continue it (found by a
// hostile probe: key B continued key A's conversation).
test('OpenAI-kept responses can be continued only by the key that made them', async () => {
  let gw = await startSluice(config(), { env });
  try {
    const a = client(gw, KEY_A);
    const b = client(gw, KEY_B);
    for (const stream of [false, true]) {
      const made = await create(a, { model: 'gpt-native', input: 'Say hi' }, stream);
      assert.equal(made.id, 'resp_native1');  // OpenAI's own id, relayed
      await assert.rejects(create(b, { model: 'gpt-native', input: 'go on', previous_response_id: made.id }, stream),
        (e) => e.status === 400 && e.param === 'previous_response_id' && e.code === 'previous_response_not_found');
      const before = openai.requests.length;
      const next = await create(a, { model: 'gpt-native', input: 'go on', previous_response_id: made.id }, stream);
      assert.equal(next.status, 'completed');
      assert.equal(openai.requests.at(-1).body.previous_response_id, made.id);
      assert.equal(openai.requests.length, before + 1);
    }
    // The passthrough path is held to the same rule.
    const res = await fetch(`${gw.url}/gateway/openai/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${KEY_B}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-native', input: 'x', previous_response_id: 'resp_native1' }) });
    assert.equal(res.status, 400);
    // The gateway has only the id: GET says where the response lives, and a translated endpoint
    // cannot continue it.
    await assert.rejects(a.responses.retrieve('resp_native1'), (e) => e.status === 404 && /OpenAI's own Responses API/.test(e.message));
    await assert.rejects(a.responses.delete('resp_native1'), (e) => e.status === 400 && /OpenAI's own Responses API/.test(e.message));
    // Nor may another key have OpenAI count it (found by review).
    const counted = await fetch(`${gw.url}/v1/responses/input_tokens`, { method: 'POST', headers: { authorization: `Bearer ${KEY_B}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-native', input: 'x', previous_response_id: 'resp_native1' }) });
    assert.equal(counted.status, 400);
    assert.equal((await counted.json()).error.code, 'previous_response_not_found');
    await assert.rejects(a.responses.create({ model: 'gpt', input: 'x', previous_response_id: 'resp_native1' }),
      (e) => e.status === 400 && /continue it there/.test(e.message));
    await assert.rejects(a.responses.create({ model: 'gpt-native', input: 'x', conversation: 'conv_1' }), (e) => e.status === 400 && e.param === 'conversation');
  } finally {
    await stopped(gw);
  }
  // Keys on and no response store: the gateway cannot tell whose a response is, so it refuses.
  gw = await startSluice(config(3600, { stores: '' }), { env });
  try {
    await assert.rejects(client(gw, KEY_A).responses.create({ model: 'gpt-native', input: 'x', previous_response_id: 'resp_native1' }),
      (e) => e.status === 400 && e.param === 'previous_response_id' && /stores\.responses/.test(e.message));
  } finally {
    await stopped(gw);
  }
});

test('a chain is held to the request size limit; counts include what it continues; every answer has its own id', async () => {
  const gw = await startSluice(config(3600, { server: 'server: {max_body_bytes: 6000}' }), { env });
  try {
    const a = client(gw, KEY_A);
    const first = await a.responses.create({ model: 'gpt', input: 'word '.repeat(250) });
    const second = await a.responses.create({ model: 'gpt', input: 'more', previous_response_id: first.id });
    // The continued conversation is counted (OpenAI's input_tokens path).
    const count = async (extra) => (await fetch(`${gw.url}/v1/responses/input_tokens`, { method: 'POST',
      headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt', input: 'more', ...extra }) }));
    const alone = await (await count({})).json();
    const chained = await (await count({ previous_response_id: first.id })).json();
    assert.ok(chained.input_tokens > alone.input_tokens + 200, `${chained.input_tokens} vs ${alone.input_tokens}`);
    assert.equal((await count({ previous_response_id: 'resp_0000' })).status, 400);
    // Another 3 kB turn would make the joined request pass 6,000 bytes: 413, not sent.
    const sent = openai.requests.length;
    await assert.rejects(a.responses.create({ model: 'gpt', input: 'word '.repeat(700), previous_response_id: second.id }),
      (e) => e.status === 413 && e.param === 'previous_response_id');
    assert.equal(openai.requests.length, sent);
    // Ids the gateway did not make are not looked up, nor echoed.
    const odd = await fetch(`${gw.url}/v1/responses/%FF%FE`, { headers: { authorization: `Bearer ${KEY_A}` } });
    assert.equal(odd.status, 404);
    assert.equal((await odd.json()).error.message, 'No response has that id.');
    // Unkept answers get ids of their own too (the provider's may repeat).
    const x = await a.responses.create({ model: 'gpt', input: 'x', store: false });
    const y = await a.responses.create({ model: 'gpt', input: 'x', store: false });
    assert.notEqual(x.id, y.id);
  } finally {
    await stopped(gw);
  }
});
