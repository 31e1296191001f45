// Prices that match the provider's bill: the processing tier an answer says served it (OpenAI's
// service_tier: flex at half price, priority above standard) and a provider's own per-request
// bill (usage.cost, as OpenRouter reports it), in x-sluice-cost-usd, the access log and the
// ledger; `sluice prices check` shows the tiers and the built-in table's date.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMockUpstream } from '../support/mock_upstream.mjs';
import { startSluice, runSluice, writeConfig, tempDir } from '../support/sluice.mjs';
import { post, chatBody, logFor, stopCleanly } from './helpers.mjs';

// The mock answers 11 prompt and 7 completion tokens; gpt-5's built-in rates per 1M tokens.
const cost = (input, output) => (11 * input + 7 * output) / 1e6;
const STANDARD = cost(1.25, 10);
const FLEX = cost(0.625, 5);
const PRIORITY = cost(2.5, 20);

function config(upstream) {
  return `
stores: {sqlite: ${join(tempDir('sluice-pricing-'), 'sluice.db')}}
accounting: {cost_header: true}
endpoints:
  - name: gpt5
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: gpt-5, config: {openai_api_key: sk-upstream-0000, openai_api_base: ${upstream.base}}}
  - name: routed
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: billed, config: {openai_api_key: sk-upstream-0000, openai_api_base: ${upstream.base}}}
`;
}

test('an answer is priced at the tier that served it, and at the provider\'s own bill when it gives one', async () => {
  const upstream = await startMockUpstream();
  const gw = await startSluice(config(upstream));
  try {
    const charged = async (body) => {
      const res = await post(gw, '/v1/chat/completions', body);
      assert.equal(res.status, 200);
      await res.text();
      const logged = (await logFor(gw, res)).cost_usd;
      const header = res.headers.get('x-sluice-cost-usd');
      if (!body.stream) assert.ok(Math.abs(Number(header) - logged) < 1e-8, `header ${header} vs log ${logged}`);
      return logged;
    };
    const near = (a, b) => assert.ok(Math.abs(a - b) < 1e-8, `${a} vs ${b}`);  // the log keeps 8 decimals
    near(await charged(chatBody('gpt5')), STANDARD);
    near(await charged(chatBody('gpt5', { service_tier: 'default' })), STANDARD);
    near(await charged(chatBody('gpt5', { service_tier: 'flex' })), FLEX);
    near(await charged(chatBody('gpt5', { service_tier: 'priority' })), PRIORITY);
    // Streamed, the tier comes with the usage chunk.
    near(await charged(chatBody('gpt5', { service_tier: 'flex', stream: true, stream_options: { include_usage: true } })), FLEX);
    // A tier the table does not price is billed at the standard rates.
    near(await charged(chatBody('gpt5', { service_tier: 'scale' })), STANDARD);
    // A model with no price in the table, whose provider says what it charged.
    near(await charged(chatBody('routed')), 0.0042);
    near(await charged(chatBody('routed', { stream: true, stream_options: { include_usage: true } })), 0.0042);
    const spend = await fetch(`${gw.url}/admin/spend?by=endpoint&format=json`);
    assert.equal(spend.status, 404, 'no admin key: the admin API is off');
  } finally {
    try {
      await stopCleanly(gw);
    } finally {
      await upstream.close();
    }
  }
});

test('sluice prices check shows each tier and the date of the built-in table', async () => {
  const upstream = await startMockUpstream();
  try {
    const r = await runSluice(['prices', 'check', '-c', writeConfig(config(upstream))]);
    assert.equal(r.code, 1, 'the billed-only model has no price in the table');
    assert.match(r.stdout, /^gpt5\topenai\tgpt-5\tUSD per 1M tokens: input 1\.25, output 10, cached_input 0\.125; flex tier: input 0\.625, output 5; priority tier: input 2\.5, output 20$/m);
    assert.match(r.stderr, /built-in price table of \d{4}-\d{2}-\d{2} /);
  } finally {
    await upstream.close();
  }
});
