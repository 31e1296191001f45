// Provider-native passthrough (/gateway/{openai,anthropic,gemini}/…): the client's own wire
// format relayed both ways, with the endpoint's model and key, the gateway's logging and usage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMockUpstream } from '../support/mock_upstream.mjs';
import { startAnthropicUpstream } from '../support/anthropic_upstream.mjs';
import { startGeminiUpstream } from '../support/gemini_upstream.mjs';
import { startSluice } from '../support/sluice.mjs';
import { post, logFor, stopCleanly } from './helpers.mjs';

let openai, anthropic, gemini, gateway;

before(async () => {
  openai = await startMockUpstream();
  anthropic = await startAnthropicUpstream();
  gemini = await startGeminiUpstream();
  gateway = await startSluice(`
endpoints:
  - name: oa
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: ok, config: {openai_api_key: sk-pass-0001, openai_api_base: "${openai.base}"}}
  - name: oa-limited
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: ok, config: {openai_api_key: sk-pass-0001, openai_api_base: "${openai.base}"}}
    limit: {renewal_period: minute, calls: 1}
  - name: claude
    endpoint_type: llm/v1/chat
    model: {provider: anthropic, name: claude-sonnet-4-5, config: {anthropic_api_key: "${anthropic.key}", anthropic_api_base: "${anthropic.base}"}}
  - name: claude-limited
    endpoint_type: llm/v1/chat
    model: {provider: anthropic, name: rate-limited, config: {anthropic_api_key: "${anthropic.key}", anthropic_api_base: "${anthropic.base}"}}
  - name: gem
    endpoint_type: llm/v1/chat
    model: {provider: gemini, name: gemini-2.5-flash, config: {gemini_api_key: "${gemini.key}", gemini_api_base: "${gemini.base}"}}
`);
});

after(async () => {
  try { await stopCleanly(gateway); } finally { await openai.close(); await anthropic.close(); await gemini.close(); }
});

test('OpenAI passthrough: body relayed with the endpoint model, answer and stream bytes unchanged', async () => {
  const res = await post(gateway, '/gateway/openai/v1/chat/completions', { model: 'oa', messages: [{ role: 'user', content: 'hi' }], logit_bias: { 50256: -100 }, custom_field: 1 });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.id, 'chatcmpl-up');
  assert.equal(body.system_fingerprint, 'fp_test');
  const sent = openai.requests.at(-1);
  assert.equal(sent.body.model, 'ok');
  assert.equal(sent.body.custom_field, 1);
  assert.equal(sent.headers.authorization, 'Bearer sk-pass-0001');
  const line = await logFor(gateway, res);
  assert.equal(line.endpoint, 'oa');
  assert.equal(line.total_tokens, 18);

  const s = await post(gateway, '/gateway/openai/v1/chat/completions', { model: 'oa', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
  const text = await s.text();
  assert.match(text, /^: keep-alive\r\n\r\n/);  // the provider's own bytes, comment included
  assert.match(text, /data: \[DONE\]/);
  assert.equal((await logFor(gateway, s)).total_tokens, 18);
});

test('Anthropic passthrough: native body and answer; errors relayed with their status and headers', async () => {
  const res = await post(gateway, '/gateway/anthropic/v1/messages', { model: 'claude', max_tokens: 20, system: 'Be brief.', messages: [{ role: 'user', content: 'bonjour' }] });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.type, 'message');
  assert.equal(body.content[0].text, 'Claude heard: bonjour');
  assert.equal(anthropic.requests.at(-1).body.system, 'Be brief.');
  assert.equal(anthropic.requests.at(-1).body.model, 'claude-sonnet-4-5');
  assert.equal((await logFor(gateway, res)).prompt_tokens, 25);

  const limited = await post(gateway, '/gateway/anthropic/v1/messages', { model: 'claude-limited', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '7');
  assert.equal((await limited.json()).error.type, 'rate_limit_error');

  const wrong = await post(gateway, '/gateway/anthropic/v1/messages', { model: 'oa', max_tokens: 5, messages: [] });
  assert.equal(wrong.status, 400);
  const wb = await wrong.json();
  assert.equal(wb.type, 'error');
  assert.match(wb.error.message, /passthrough path is under \/gateway\/openai\//);
});

test('Gemini passthrough: the endpoint in the path, Google-shaped errors', async () => {
  const res = await post(gateway, '/gateway/gemini/v1beta/models/gem:generateContent', { contents: [{ role: 'user', parts: [{ text: 'salut' }] }] });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).candidates[0].content.parts[0].text, 'Gemini heard: salut');
  assert.equal(gemini.requests.at(-1).path, '/v1beta/models/gemini-2.5-flash:generateContent');
  assert.equal((await logFor(gateway, res)).total_tokens, 18);

  const s = await post(gateway, '/gateway/gemini/v1beta/models/gem:streamGenerateContent', { contents: [{ role: 'user', parts: [{ text: 'a b' }] }] });
  assert.equal(s.status, 200);
  assert.match(await s.text(), /"finishReason":"STOP"/);
  assert.equal(gemini.requests.at(-1).path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');

  const missing = await post(gateway, '/gateway/gemini/v1beta/models/nope:generateContent', { contents: [] });
  assert.equal(missing.status, 404);
  assert.deepEqual(Object.keys((await missing.json()).error).sort(), ['code', 'message', 'status']);
});

test('policies still apply on passthrough paths: the endpoint limit', async () => {
  const first = await post(gateway, '/gateway/openai/v1/chat/completions', { model: 'oa-limited', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(first.status, 200);
  await first.arrayBuffer();
  const second = await post(gateway, '/gateway/openai/v1/chat/completions', { model: 'oa-limited', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(second.status, 429);
  assert.ok(second.headers.get('retry-after'));
});

// Found by a hostile probe: a body that is not a JSON object was answered with a 400, then the
// gateway freed that answer's message twice and died (GCC 12, a temporary under co_await).
test('a body that is not a JSON object is a 400 on every passthrough path, and the gateway lives on', async () => {
  for (const path of ['/gateway/anthropic/v1/messages', '/gateway/openai/v1/chat/completions', '/gateway/openai/v1/responses', '/gateway/gemini/v1beta/models/gem:generateContent']) {
    for (const body of ['', 'nope', '[]', '[1]']) {
      const res = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
      await res.text();
    }
  }
  const ok = await post(gateway, '/gateway/openai/v1/chat/completions', { model: 'oa', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(ok.status, 200);
});
