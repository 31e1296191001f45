// The console's view logic that is not drawing: the event-stream reader the playground streams
// with (split at every character), budget levels, the developer view's snippets, the request
// log's query, form fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globs, sseReader, when } from '../../ui/src/format.js';
import { snippets } from '../../ui/src/snippets.js';

// budgets.js and requests.js import Preact for drawing; their pure parts are loaded with it.
const { budgetLevel } = await import('../../ui/src/budgets.js');
const { requestQuery } = await import('../../ui/src/requests.js');

const STREAM = 'data: {"a":1}\n\n: a comment\r\nevent: ping\r\ndata: x\r\ndata: y\r\n\rdata: [DONE]\n\n';
const EVENTS = [
  { event: 'message', data: '{"a":1}' },
  { event: 'ping', data: 'x\ny' },
  { event: 'message', data: '[DONE]' },
];

test('the event-stream reader gives the same events however the stream is cut', () => {
  assert.deepEqual(sseReader().feed(STREAM), EVENTS);
  for (let i = 0; i <= STREAM.length; i++) {
    const r = sseReader();
    assert.deepEqual([...r.feed(STREAM.slice(0, i)), ...r.feed(STREAM.slice(i))], EVENTS, `cut at ${i}`);
  }
  const r = sseReader();
  assert.deepEqual([...STREAM].flatMap((c) => r.feed(c)), EVENTS, 'one character at a time');
  // An event without its blank line is not complete yet.
  assert.deepEqual(sseReader().feed('data: half\n'), []);
});

test('a budget reads as ok, alert or exceeded by the fuller of its caps', () => {
  assert.deepEqual(budgetLevel({ usd: 10, spent_usd: 1 }), { share: 0.1, state: 'ok' });
  assert.equal(budgetLevel({ usd: 10, spent_usd: 8, alert_at: 0.8 }).state, 'alert');
  assert.equal(budgetLevel({ usd: 10, spent_usd: 7.9, alert_at: 0.8 }).state, 'ok');
  assert.deepEqual(budgetLevel({ usd: 10, spent_usd: 12 }), { share: 1, state: 'exceeded' });
  assert.equal(budgetLevel({ usd: 10, spent_usd: 1, tokens: 100, spent_tokens: 95 }).state, 'alert');
  assert.equal(budgetLevel({ tokens: 100, spent_tokens: 0, exceeded: true }).state, 'exceeded');
  assert.deepEqual(budgetLevel({}), { share: 0, state: 'ok' });
});

test('snippets call the gateway at its origin, never with the key written in', () => {
  const chat = snippets('http://gw:8080', { name: 'chat', endpoint_type: 'llm/v1/chat' });
  assert.deepEqual(chat.map(([label]) => label), ['curl', 'OpenAI SDK (Python)', 'Anthropic SDK (Python)', 'MLflow deployments client']);
  assert.match(chat[0][1], /^curl http:\/\/gw:8080\/v1\/chat\/completions/);
  assert.match(chat[1][1], /base_url="http:\/\/gw:8080\/v1"/);
  assert.match(chat[2][1], /base_url="http:\/\/gw:8080"/);
  assert.match(chat[3][1], /get_deploy_client\("http:\/\/gw:8080"\)/);
  for (const [, text] of chat) assert.match(text, /SLUICE_API_KEY/);
  const emb = snippets('http://gw', { name: 'emb', endpoint_type: 'llm/v1/embeddings' });
  assert.deepEqual(emb.map(([label]) => label), ['curl', 'OpenAI SDK (Python)', 'MLflow deployments client']);
  assert.match(emb[0][1], /\/v1\/embeddings/);
  // A name with a quote stays inside its string in the shell.
  const odd = snippets('http://gw', { name: "it's", endpoint_type: 'llm/v1/chat' })[0][1];
  assert.match(odd, /-d '\{"model": "it'\\''s"/);
  assert.deepEqual(snippets('http://gw', { name: 'x', endpoint_type: 'llm/v1/unknown' }), []);
});

test('the request log query carries only the filters given', () => {
  assert.equal(requestQuery({ since: '', endpoint: '', key: '', status: '' }), '/admin/requests?since=1d&limit=200');
  assert.equal(requestQuery({ since: '7d', endpoint: 'a b', key: 'k&1', status: '429' }),
    '/admin/requests?since=7d&endpoint=a+b&key=k%261&status=429&limit=200');
});

test('form fields and times', () => {
  assert.deepEqual(globs(' chat, gpt-* ,,  '), ['chat', 'gpt-*']);
  assert.deepEqual(globs(''), []);
  assert.equal(when(0), '—');
  assert.equal(when(1764633600), '2025-12-02 00:00');
  assert.equal(when(1764633600123, 'ms'), '2025-12-02 00:00');
});

test('an edited definition is sent as the merge patch that makes it', async () => {
  const { mergePatch } = await import('../../ui/src/format.js');
  const before = { name: 'e', model: { provider: 'openai', name: 'a', config: { openai_api_key: { secret: 'k' }, x: 1 } }, limit: { calls: 5 } };
  const after = { name: 'e', model: { provider: 'openai', name: 'b', config: { openai_api_key: { secret: 'k' } } }, tags: ['t'] };
  const patch = mergePatch(before, after);
  assert.deepEqual(patch, { limit: null, model: { name: 'b', config: { x: null } }, tags: ['t'] });
  // RFC 7396's apply gives `after` back.
  const apply = (target, p) => {
    if (p === null || typeof p !== 'object' || Array.isArray(p)) return p;
    const out = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
    for (const [k, v] of Object.entries(p)) {
      if (v === null) delete out[k];
      else out[k] = apply(out[k], v);
    }
    return out;
  };
  assert.deepEqual(apply(before, patch), after);
  assert.deepEqual(mergePatch(after, after), {});
  assert.deepEqual(mergePatch({ a: [1, 2] }, { a: [1] }), { a: [1] });
});

test('a stream event gives its text, or says what went wrong; never throws', async () => {
  const { streamChunk } = await import('../../ui/src/playground.js');
  assert.deepEqual(streamChunk({ data: '{"choices":[{"delta":{"content":"Hi"}}]}' }), { text: 'Hi' });
  assert.deepEqual(streamChunk({ data: '{"choices":[{"delta":{"role":"assistant"}}]}' }), { text: '' });
  assert.deepEqual(streamChunk({ data: '[DONE]' }), {});
  assert.deepEqual(streamChunk({ data: '{"error":{"message":"upstream went away","type":"api_error"}}' }), { error: 'upstream went away' });
  assert.match(streamChunk({ data: 'not json' }).error, /not JSON: not json/);
  assert.deepEqual(streamChunk({ data: 'null' }), { text: '' });
});

test('a captured prompt is shown indented when it is JSON, as it is otherwise', async () => {
  const { pretty } = await import('../../ui/src/requests.js');
  assert.equal(pretty('[{"role":"user","content":"hi"}]'), '[\n  {\n    "role": "user",\n    "content": "hi"\n  }\n]');
  assert.equal(pretty('plain <text>'), 'plain <text>');
  assert.equal(pretty(null), null);
});
