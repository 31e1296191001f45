// Named routes: their own path, prompt templates (with versions), parameters, overrides, limits,
// and the same behaviour through /v1 and MLflow's invocation path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMockUpstream } from '../support/mock_upstream.mjs';
import { startSluice } from '../support/sluice.mjs';
import { post, sseData, logFor, stopCleanly } from './helpers.mjs';

let upstream, gw;
before(async () => {
  upstream = await startMockUpstream();
  gw = await startSluice(`
routes:
  - name: my-chat-model
    path: /chat
    type: llm/v1/chat
    model: {provider: openai, name: ok, config: {openai_api_key: sk-named-route-0001, openai_api_base: "${upstream.base}"}}
    parameters: {temperature: 0.7, max_tokens: 500}
    overrides: {user: platform}
    limits: {max_tokens: 800}
    prompt_template: |
      You are a helpful AI assistant.
      User: {{ user_input }}
      Assistant:
  - name: writer
    path: /write
    type: llm/v1/completions
    model: {provider: openai, name: ok, config: {openai_api_key: sk-named-route-0001, openai_api_base: "${upstream.base}"}}
    prompt_template:
      default: short
      short: "Write briefly about {{ topic }}."
      long: "Write at length about {{ topic }}."
  - name: writer-ab
    task_type: llm/v1/completions
    destinations:
      - {name: writer, prompt_version: short, traffic_percentage: 50}
      - {name: writer, prompt_version: long, traffic_percentage: 50}
`);
});
after(async () => {
  try {
    await stopCleanly(gw);
  } finally {
    await upstream.close();
  }
});

test('POST /chat fills the template, applies parameters and overrides', async () => {
  const res = await post(gw, '/chat', { user_input: 'What is {{ user_input }}?', max_tokens: 2000 });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).choices[0].message.content, 'upstream answer');
  const sent = upstream.requests.at(-1).body;
  assert.deepEqual(sent.messages, [
    { role: 'system', content: 'You are a helpful AI assistant.' },
    { role: 'user', content: 'User: What is {{ user_input }}?\nAssistant:\n' },
  ]);
  assert.equal(sent.temperature, 0.7);
  assert.equal(sent.max_tokens, 800, 'clamped to the route limit');
  assert.equal(sent.user, 'platform');
  assert.equal(sent.user_input, undefined);
  assert.equal(res.headers.get('x-sluice-prompt-version'), 'default');
  assert.equal((await logFor(gw, res)).prompt_version, 'default');
});

test('POST /chat errors: missing variable, unknown field, wrong method', async () => {
  const missing = await post(gw, '/chat', { temperature: 0.1 });
  assert.equal(missing.status, 400);
  assert.equal((await missing.json()).error.param, 'user_input');
  const typo = await post(gw, '/chat', { user_inpt: 'x' });
  assert.equal(typo.status, 400);
  assert.equal((await typo.json()).error.param, 'user_inpt');
  const get = await fetch(gw.url + '/chat');
  assert.equal(get.status, 405);
  await get.arrayBuffer();
});

test('POST /chat streams', async () => {
  const res = await post(gw, '/chat', { user_input: 'hi', stream: true });
  const data = sseData(await res.text());
  assert.equal(data.at(-1), '[DONE]');
  assert.equal(upstream.requests.at(-1).body.stream, true);
});

test('the same route through /v1 and MLflow\'s path: template from fields, or the client\'s own messages', async () => {
  const v1 = await post(gw, '/v1/chat/completions', { model: 'my-chat-model', user_input: 'via v1' });
  assert.equal(v1.status, 200);
  await v1.arrayBuffer();
  assert.equal(upstream.requests.at(-1).body.messages[1].content, 'User: via v1\nAssistant:\n');
  const own = await post(gw, '/v1/chat/completions', { model: 'my-chat-model', messages: [{ role: 'user', content: 'mine' }] });
  assert.equal(own.status, 200);
  await own.arrayBuffer();
  const sent = upstream.requests.at(-1).body;
  assert.deepEqual(sent.messages, [{ role: 'user', content: 'mine' }]);
  assert.equal(sent.temperature, 0.7, 'parameters still apply');
  const ml = await post(gw, '/endpoints/my-chat-model/invocations', { user_input: 'via mlflow' });
  assert.equal(ml.status, 200);
  assert.equal((await ml.json()).object, 'chat.completion');
  assert.equal(upstream.requests.at(-1).body.messages[1].content, 'User: via mlflow\nAssistant:\n');
});

test('prompt versions: default, client choice, and an A/B split across versions', async () => {
  await (await post(gw, '/write', { topic: 'rivers' })).arrayBuffer();
  assert.equal(upstream.requests.at(-1).body.prompt, 'Write briefly about rivers.');
  const chosen = await post(gw, '/write', { topic: 'rivers', prompt_version: 'long' });
  assert.equal(chosen.headers.get('x-sluice-prompt-version'), 'long');
  await chosen.arrayBuffer();
  assert.equal(upstream.requests.at(-1).body.prompt, 'Write at length about rivers.');
  const seen = { short: 0, long: 0 };
  for (let i = 0; i < 200; i++) {
    const r = await post(gw, '/v1/completions', { model: 'writer-ab', topic: 'seas' });
    assert.equal(r.status, 200);
    seen[r.headers.get('x-sluice-prompt-version')]++;
    await r.arrayBuffer();
  }
  assert.ok(seen.short > 60 && seen.long > 60, JSON.stringify(seen));
});

// Found by a hostile probe: the same double free on a route's own path.
test('a body that is not a JSON object on a route\'s own path is a 400, and the gateway lives on', async () => {
  for (const body of ['', 'nope', '[]']) {
    const res = await fetch(`${gw.url}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(res.status, 400, JSON.stringify(body));
    await res.text();
  }
  assert.equal((await fetch(`${gw.url}/health`)).status, 200);
});
