// Budgets in tokens as well as dollars, held under bursts of 10 and 100 concurrent requests, and
// what a request that does not fit gets (on_exceed: refuse, clamp, fallback): the real binary, a
// mock OpenAI upstream that answers 300 ms late (so a burst is in flight together), the SQLite
// ledger. Every answer costs 11 + 7 = 18 tokens; the model is priced at $0.01 a token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMockUpstream } from '../support/mock_upstream.mjs';
import { startSluice, runSluice, writeConfig, tempDir } from '../support/sluice.mjs';
import { post, chatBody, stopCleanly, sseData, logFor } from './helpers.mjs';

const ADMIN = 'admin-key-for-budget-cap-tests';
const REAL_TOKENS = 18;
const USD_PER_TOKEN = 0.01;

function config(upstream, db) {
  return `
auth:
  mode: keys
  admin_key: ${ADMIN}
  pepper: \${{ secrets.TEST_PEPPER }}
stores:
  sqlite: ${db}
accounting: {cost_header: true}
pricing:
  openai:
    slow-ok: {input: ${USD_PER_TOKEN * 1e6}, output: ${USD_PER_TOKEN * 1e6}}
    ok: {input: 0, output: 0}
    error-event: {input: ${USD_PER_TOKEN * 1e6}, output: ${USD_PER_TOKEN * 1e6}}
    bare: {input: ${USD_PER_TOKEN * 1e6}, output: ${USD_PER_TOKEN * 1e6}}
    huge: {input: ${USD_PER_TOKEN * 1e6}, output: ${USD_PER_TOKEN * 1e6}}
    tiered: {input: ${USD_PER_TOKEN * 1e6}, output: ${USD_PER_TOKEN * 1e6},
             service_tiers: {priority: {input: ${2 * USD_PER_TOKEN * 1e6}, output: ${2 * USD_PER_TOKEN * 1e6}}}}
endpoints:
  - name: breaks
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: error-event
      config: {openai_api_key: sk-upstream-secret-0000000000, openai_api_base: ${upstream.base}}
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: slow-ok
      config: {openai_api_key: sk-upstream-secret-0000000000, openai_api_base: ${upstream.base}}
  - name: cheap
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: ok
      config: {openai_api_key: sk-upstream-secret-0000000000, openai_api_base: ${upstream.base}}
  - name: embed
    endpoint_type: llm/v1/embeddings
    model:
      provider: openai
      name: ok
      config: {openai_api_key: sk-upstream-secret-0000000000, openai_api_base: ${upstream.base}}
  - name: bare
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: bare
      config: {openai_api_key: sk-upstream-secret-0000000000, openai_api_base: ${upstream.base}}
  - name: huge
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: huge
      config: {openai_api_key: sk-upstream-secret-0000000000, openai_api_base: ${upstream.base}}
  - name: tiered
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: tiered
      config: {openai_api_key: sk-upstream-secret-0000000000, openai_api_base: ${upstream.base}}
  - name: templated
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: ok
      config: {openai_api_key: sk-upstream-secret-0000000000, openai_api_base: ${upstream.base}}
    prompt_template: "Say {{ word }}"
routes:
  - name: mixed
    task_type: llm/v1/chat
    destinations: [{name: cheap}, {name: chat}]
`;
}

const env = { TEST_PEPPER: 'pepper-for-budget-cap-tests-0123' };

async function adminCall(gw, method, path, body) {
  const res = await fetch(gw.url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text.startsWith('{') ? JSON.parse(text) : null, text };
}

async function withGateway(run) {
  const upstream = await startMockUpstream();
  const gw = await startSluice(config(upstream, join(tempDir('sluice-caps-'), 'sluice.db')), { env });
  try {
    await run({ upstream, gw });
  } finally {
    try {
      await stopCleanly(gw);
    } finally {
      await upstream.close();
    }
  }
}

const withKey = (key) => ({ authorization: `Bearer ${key}` });

async function keyWith(gw, budget) {
  const made = await adminCall(gw, 'POST', '/admin/keys', { name: `k${Math.random()}`, budget });
  assert.equal(made.status, 201, made.text);
  return made.json;
}

async function spendOf(gw, key) {
  const rows = (await adminCall(gw, 'GET', '/admin/spend?by=key&format=json')).json.data;
  const row = rows.find((r) => r.key === key.id) ?? { requests: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0 };
  return { ...row, tokens: row.prompt_tokens + row.completion_tokens };
}

async function burst(gw, key, n, body) {
  return Promise.all(Array.from({ length: n }, () =>
    post(gw, '/v1/chat/completions', body, withKey(key.key)).then(async (r) => ({ status: r.status, body: await r.text() }))));
}

// A burst's admitted requests each hold their worst case (prompt as the tokenizer counts it + 10
// output tokens, about 20 tokens); their real use (18) is below it, so spend never passes the cap.
for (const [n, budget, unit] of [
  [10, { tokens: 100, per: 'day' }, 'tokens'],
  [100, { tokens: 1000, per: 'day' }, 'tokens'],
  [10, { usd: 1, per: 'day' }, 'usd'],
  [100, { usd: 10, per: 'day' }, 'usd'],
]) {
  test(`a burst of ${n} concurrent requests stays within a ${unit} budget`, async () => {
    await withGateway(async ({ gw }) => {
      const key = await keyWith(gw, budget);
      const results = await burst(gw, key, n, chatBody('chat', { max_tokens: 10 }));
      const admitted = results.filter((r) => r.status === 200).length;
      const refused = results.filter((r) => r.status === 429);
      assert.equal(admitted + refused.length, n, results.map((r) => r.status).join());
      for (const r of refused) assert.equal(JSON.parse(r.body).error.code, 'budget_exceeded');
      const cap = unit === 'tokens' ? budget.tokens : budget.usd / USD_PER_TOKEN;
      // Without holds every one would be admitted; with them, as many as fit their worst case
      // (at most ~25 tokens each), and no more than the cap can pay for.
      assert.ok(admitted >= Math.floor(cap / 25), `admitted ${admitted}`);
      assert.ok(admitted * REAL_TOKENS <= cap, `admitted ${admitted}`);
      const spent = await spendOf(gw, key);
      assert.equal(spent.requests, admitted);
      assert.equal(spent.tokens, admitted * REAL_TOKENS);
      assert.ok(Math.abs(spent.cost_usd - admitted * REAL_TOKENS * USD_PER_TOKEN) < 1e-9);
      if (unit === 'tokens') {
        assert.match(JSON.parse(refused[0].body).error.message, /has used \d+ of its \d+ tokens this day/);
        const shown = (await adminCall(gw, 'GET', '/admin/budgets')).json.data.find((b) => b.match === key.id);
        assert.equal(shown.tokens, budget.tokens);
        assert.equal(shown.spent_tokens, admitted * REAL_TOKENS);
        assert.equal(shown.usd, undefined, 'a token budget has no dollar cap');
      }
    });
  });
}

test('on_exceed: clamp lowers max_tokens to what is left, says so, and refuses once too little is', async () => {
  await withGateway(async ({ gw, upstream }) => {
    const key = await keyWith(gw, { usd: 1, per: 'day', on_exceed: 'clamp' });
    // No max_tokens: the worst case assumes 4,096 output tokens ($41), far past $1.
    const clamped = [];
    let last;
    for (let i = 0; i < 10; i++) {
      last = await post(gw, '/v1/chat/completions', chatBody('chat'), withKey(key.key));
      if (last.status !== 200) break;
      await last.text();
      const header = last.headers.get('x-sluice-budget');
      const m = /^clamped; max_tokens=(\d+)$/.exec(header ?? '');
      assert.ok(m, `header ${header}`);
      const sent = upstream.requests.at(-1).body;
      // OpenAI's reasoning models refuse max_tokens, so an OpenAI request gets the newer field.
      assert.equal(sent.max_completion_tokens, Number(m[1]));
      assert.equal(sent.max_tokens, undefined);
      clamped.push(Number(m[1]));
    }
    // $0.18 a request: each clamp is what $1 − spent leaves after the prompt, so it shrinks by
    // 18 tokens each time; the sixth would get under 16 and is refused.
    assert.equal(clamped.length, 5, clamped.join());
    for (let i = 1; i < clamped.length; i++) assert.equal(clamped[i - 1] - clamped[i], REAL_TOKENS);
    assert.ok(clamped.at(-1) >= 16);
    assert.equal(last.status, 429);
    const error = (await last.json()).error;
    assert.equal(error.code, 'budget_exceeded');
    assert.match(error.message, /Too little is left to clamp this request's max_tokens to/);
    const spent = await spendOf(gw, key);
    assert.ok(spent.cost_usd <= 1, `spent ${spent.cost_usd}`);

    // A request that fits is not touched; an Anthropic one is clamped in its own max_tokens.
    const other = await keyWith(gw, { usd: 1, per: 'day', on_exceed: 'clamp' });
    const fits = await post(gw, '/v1/chat/completions', chatBody('chat', { max_tokens: 10 }), withKey(other.key));
    assert.equal(fits.status, 200);
    assert.equal(fits.headers.get('x-sluice-budget'), null);
    assert.equal(upstream.requests.at(-1).body.max_tokens, 10);
    await fits.text();
    const messages = await post(gw, '/v1/messages', { model: 'chat', max_tokens: 4096, messages: [{ role: 'user', content: 'Say hello' }] },
      { 'x-api-key': other.key, 'anthropic-version': '2023-06-01' });
    assert.equal(messages.status, 200, await messages.clone().text());
    const n = Number(/max_tokens=(\d+)/.exec(messages.headers.get('x-sluice-budget'))[1]);
    assert.ok(n >= 16 && n < 4096);
    const sent = upstream.requests.at(-1).body;
    assert.equal(sent.max_tokens ?? sent.max_completion_tokens, n);
    assert.equal((await messages.json()).type, 'message');
  });
});

test('on_exceed: fallback sends what does not fit to the cheaper endpoint, streamed or not', async () => {
  await withGateway(async ({ gw, upstream }) => {
    const key = await keyWith(gw, { usd: 0.3, per: 'day', on_exceed: 'fallback', fallback: 'cheap' });
    const body = chatBody('chat', { max_tokens: 10 });
    const first = await post(gw, '/v1/chat/completions', body, withKey(key.key));
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-sluice-destination'), 'chat');
    assert.equal(first.headers.get('x-sluice-budget'), null);
    await first.text();
    // $0.18 spent; another $0.20 worst case does not fit under $0.30: the free endpoint answers.
    const second = await post(gw, '/v1/chat/completions', body, withKey(key.key));
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('x-sluice-budget'), 'fallback; endpoint=cheap');
    assert.equal(second.headers.get('x-sluice-destination'), 'cheap');
    assert.equal(upstream.requests.at(-1).body.model, 'ok');
    assert.equal((await second.json()).choices[0].message.content, 'upstream answer');
    const streamed = await post(gw, '/v1/chat/completions', { ...body, stream: true }, withKey(key.key));
    assert.equal(streamed.status, 200);
    assert.equal(streamed.headers.get('x-sluice-budget'), 'fallback; endpoint=cheap');
    assert.ok(sseData(await streamed.text()).includes('[DONE]'));
    // The ledger has each request where it was served; the budget's spend did not move.
    const rows = (await adminCall(gw, 'GET', '/admin/spend?by=endpoint&format=json&key=' + key.id)).json.data;
    const by = Object.fromEntries(rows.map((r) => [r.endpoint, r]));
    assert.equal(by.chat.requests, 1);
    assert.equal(by.cheap.requests, 2);
    assert.equal(by.cheap.cost_usd, 0);
    // An embeddings request cannot go to a chat endpoint: it is refused and says why.
    const tight = await keyWith(gw, { usd: 0, per: 'day', on_exceed: 'fallback', fallback: 'cheap' });
    const embed = await post(gw, '/v1/embeddings', { model: 'embed', input: 'x' }, withKey(tight.key));
    assert.equal(embed.status, 429);
    assert.match((await embed.json()).error.message, /Its fallback endpoint is of another type/);
  });
});

// A route's retries and fallbacks may reach any of its destinations: its worst case is priced at
// the dearest of them, not at the first's.
test('a route is held at the price of its dearest destination', async () => {
  await withGateway(async ({ gw }) => {
    const key = await keyWith(gw, { usd: 0.1, per: 'day' });
    const res = await post(gw, '/v1/chat/completions', chatBody('mixed', { max_tokens: 10 }), withKey(key.key));
    assert.equal(res.status, 429);
    assert.match((await res.json()).error.message, /this request could cost up to \$0\.\d+ /);
    const direct = await post(gw, '/v1/chat/completions', chatBody('cheap', { max_tokens: 10 }), withKey(key.key));
    assert.equal(direct.status, 200, 'the free endpoint alone holds nothing');
    await direct.text();
  });
});

// A provider that fails mid-stream after sending tokens has billed them: the request is charged
// for its prompt and what was sent (counted by the tokenizer), on the ledger and the budget.
test('a stream the provider breaks after sending tokens is charged for them', async () => {
  await withGateway(async ({ gw }) => {
    const key = await keyWith(gw, { tokens: 1000, per: 'day' });
    const res = await post(gw, '/v1/chat/completions', chatBody('breaks', { stream: true, max_tokens: 50 }), withKey(key.key));
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /partial/);
    assert.match(text, /overloaded mid-stream/, 'the client is told the stream failed');
    const spent = await spendOf(gw, key);
    assert.equal(spent.requests, 1);
    assert.ok(spent.completion_tokens >= 1, `completion ${spent.completion_tokens}`);
    assert.ok(spent.prompt_tokens >= 5, `prompt ${spent.prompt_tokens}`);
    assert.ok(Math.abs(spent.cost_usd - spent.tokens * USD_PER_TOKEN) < 1e-9, `cost ${spent.cost_usd}`);
    const shown = (await adminCall(gw, 'GET', '/admin/budgets')).json.data.find((b) => b.match === key.id);
    assert.equal(shown.spent_tokens, spent.tokens);
  });
});

// Found by a hostile probe: an answer whose usage was missing or nonsense cost nothing, so a
// budget could be passed without end; it is now counted by the tokenizer, like a stream's.
test('an answer with no usable usage is counted by the tokenizer, never free', async () => {
  await withGateway(async ({ gw }) => {
    const key = await keyWith(gw, { tokens: 100000, per: 'day' });
    for (const [model, stream] of [['bare', false], ['bare', true], ['huge', false]]) {
      const body = chatBody(model, { max_tokens: 10, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) });
      const res = await post(gw, '/v1/chat/completions', body, withKey(key.key));
      assert.equal(res.status, 200, model);
      await res.text();
      const line = await logFor(gw, res);
      assert.equal(line.usage_estimated, true, `${model} ${JSON.stringify(line)}`);
      assert.ok(line.prompt_tokens > 0 && line.prompt_tokens < 100, `${model} prompt ${line.prompt_tokens}`);
      assert.ok(line.completion_tokens > 0 && line.completion_tokens < 100, `${model} completion ${line.completion_tokens}`);
      assert.ok(Math.abs(line.cost_usd - (line.prompt_tokens + line.completion_tokens) * USD_PER_TOKEN) < 1e-8);
    }
    // The ledger sums stay readable (a 9.3e18 count would overflow them).
    const spend = await adminCall(gw, 'GET', '/admin/spend?by=key&format=json');
    assert.equal(spend.status, 200, spend.text);
    const mine = spend.json.data.find((r) => r.key === key.id);
    assert.equal(mine.requests, 3);
    assert.ok(mine.prompt_tokens + mine.completion_tokens < 600);
  });
});

// Tool definitions and images are billed as prompt: the worst case counts them (agents send
// thousands of tokens of tools), so a request they would take past a budget is not admitted.
test('tool definitions and images count in the worst case', async () => {
  await withGateway(async ({ gw }) => {
    const key = await keyWith(gw, { tokens: 300, per: 'day' });
    const plain = await post(gw, '/v1/chat/completions', chatBody('chat', { max_tokens: 10 }), withKey(key.key));
    assert.equal(plain.status, 200);
    await plain.text();
    const tools = Array.from({ length: 8 }, (_, i) => ({ type: 'function', function: { name: `tool_${i}`,
      description: 'Looks a thing up in the catalogue and returns what it finds there, with prices.',
      parameters: { type: 'object', properties: { query: { type: 'string', description: 'what to look for' } } } } }));
    const withTools = await post(gw, '/v1/chat/completions', chatBody('chat', { max_tokens: 10, tools }), withKey(key.key));
    assert.equal(withTools.status, 429);
    const n = Number(/could take up to (\d+) tokens/.exec((await withTools.json()).error.message)[1]);
    assert.ok(n > 300, `worst case ${n}`);
    const image = { role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] };
    const withImage = await post(gw, '/v1/chat/completions', { model: 'chat', max_tokens: 10, messages: [image] }, withKey(key.key));
    assert.equal(withImage.status, 429, 'an image counts 1,600 tokens');
    await withImage.text();
  });
});

// A request that does not name its tier may be served at the dearest the model has (a project
// can default to priority): its worst case is held at that price.
test('the worst case of a request without a service tier is the dearest tier\'s', async () => {
  await withGateway(async ({ gw }) => {
    const key = await keyWith(gw, { usd: 0.3, per: 'day' });
    // About 20 tokens: $0.20 at the standard rates, $0.40 at priority.
    const unnamed = await post(gw, '/v1/chat/completions', chatBody('tiered', { max_tokens: 10 }), withKey(key.key));
    assert.equal(unnamed.status, 429);
    await unnamed.text();
    const named = await post(gw, '/v1/chat/completions', chatBody('tiered', { max_tokens: 10, service_tier: 'default' }), withKey(key.key));
    assert.equal(named.status, 200);
    await named.text();
  });
});

test('clamp only lowers, and a fallback that cannot be made is refused without claiming one', async () => {
  await withGateway(async ({ gw, upstream }) => {
    const key = await keyWith(gw, { tokens: 300, per: 'day', on_exceed: 'clamp' });
    const res = await post(gw, '/v1/chat/completions', chatBody('chat', { max_completion_tokens: 1000000, max_tokens: 5 }), withKey(key.key));
    assert.equal(res.status, 200);
    await res.text();
    const sent = upstream.requests.at(-1).body;
    assert.equal(sent.max_tokens, 5, 'the client\'s own smaller cap stays');
    assert.ok(sent.max_completion_tokens < 300);

    // A key that may not use the fallback endpoint, a pinned destination, x-sluice-no-fallback
    // and a templated endpoint are each refused, saying why, with no fallback claimed.
    const narrow = await adminCall(gw, 'POST', '/admin/keys', { name: 'narrow', endpoints: ['chat', 'templated'], budget: { usd: 0, per: 'day', on_exceed: 'fallback', fallback: 'cheap' } });
    assert.equal(narrow.status, 201, narrow.text);
    const wide = await keyWith(gw, { usd: 0, per: 'day', on_exceed: 'fallback', fallback: 'cheap' });
    for (const [k, body, headers, why] of [
      [narrow.json.key, chatBody('chat'), {}, /This gateway key may not use its fallback endpoint/],
      [wide.key, chatBody('chat'), { 'x-sluice-no-fallback': '1' }, /pins its destination or refuses fallbacks/],
      [wide.key, { model: 'templated', word: 'hi' }, {}, /prompt template is not sent to a fallback/],
    ]) {
      const r = await post(gw, '/v1/chat/completions', body, { ...withKey(k), ...headers });
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('x-sluice-budget'), null);
      assert.match((await r.json()).error.message, why);
    }
    const after = await post(gw, '/v1/chat/completions', chatBody('chat'), withKey(wide.key));
    assert.equal(after.status, 200, 'the same request without the header falls back');
    assert.equal(after.headers.get('x-sluice-budget'), 'fallback; endpoint=cheap');
    await after.text();
  });
});

test('budget caps and on_exceed are checked in the config, the admin API and the CLI', async () => {
  const upstream = await startMockUpstream();
  try {
    const base = config(upstream, join(tempDir('sluice-caps-'), 'sluice.db'));
    const bad = [
      ['budgets:\n  - {scope: global, per: day}', /budgets\[0\].*'usd', 'tokens' or both are required/],
      ['budgets:\n  - {scope: global, usd: 1, on_exceed: fallback}', /on_exceed: fallback needs 'fallback'/],
      ['budgets:\n  - {scope: global, usd: 1, on_exceed: fallback, fallback: nowhere}', /budgets\[0\]\.fallback.*names no endpoint: 'nowhere'/],
      ['budgets:\n  - {scope: global, usd: 1, on_exceed: later}', /must be refuse, clamp, fallback or alert/],
      ['budgets:\n  - {scope: global, tokens: 0}', /budgets\[0\]\.tokens/],
    ];
    for (const [section, message] of bad) {
      const r = await runSluice(['check-config', writeConfig(base + section)], env);
      assert.notEqual(r.code, 0, section);
      assert.match(r.stderr, message, section);
    }
    const good = await runSluice(['check-config', writeConfig(base + 'budgets:\n  - {scope: team, tokens: 5000, per: day, on_exceed: fallback, fallback: cheap}')], env);
    assert.equal(good.code, 0, good.stderr);
  } finally {
    await upstream.close();
  }
  await withGateway(async ({ gw }) => {
    const refusals = [
      [{ scope: 'team', match: 'ml' }, /'usd' or 'tokens' is required/],
      [{ scope: 'team', tokens: 1.5 }, /tokens' must be a whole number/],
      [{ scope: 'team', usd: 1, on_exceed: 'fallback' }, /'fallback' is required with on_exceed: fallback/],
      [{ scope: 'team', usd: 1, fallback: 'cheap' }, /'fallback' is only used with on_exceed: fallback/],
      [{ scope: 'team', usd: 1, on_exceed: 'drop' }, /must be refuse, clamp, fallback or alert/],
      [{ scope: 'team', usd: 1, on_exceed: 'fallback', fallback: 'nowhere' }, /names no endpoint of the running config: 'nowhere'/],
      [{ scope: 'team', usd: 1, on_exceed: 'fallback', fallback: 'mixed' }, /names a route, 'mixed'; a budget falls back to an endpoint/],
    ];
    for (const [body, message] of refusals) {
      const r = await adminCall(gw, 'POST', '/admin/budgets', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.json.error.message, message);
    }
    const made = await adminCall(gw, 'POST', '/admin/budgets', { scope: 'team', match: 'ml', tokens: 5000, per: 'day', on_exceed: 'clamp' });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.json.tokens, 5000);
    assert.equal(made.json.on_exceed, 'clamp');
    assert.equal(made.json.spent_tokens, 0);
    // Dollars added, then the token cap dropped: a PATCH changes only what it names.
    const patched = await adminCall(gw, 'PATCH', `/admin/budgets/${made.json.id}`, { usd: 2, tokens: null });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.usd, 2);
    assert.equal(patched.json.tokens, undefined);
    assert.equal(patched.json.on_exceed, 'clamp');
    assert.equal((await adminCall(gw, 'PATCH', `/admin/budgets/${made.json.id}`, { usd: null })).status, 400, 'a budget keeps a cap');
    assert.equal((await adminCall(gw, 'POST', `/admin/budgets/${made.json.id}`, {})).status, 405);
    const badKey = await adminCall(gw, 'POST', '/admin/keys', { name: 'bad', budget: { usd: 1, on_exceed: 'fallback', fallback: 'nowhere' } });
    assert.equal(badKey.status, 400);
    assert.equal(badKey.json.error.param, 'budget.fallback');
    const cli = await runSluice(['budgets', 'create', '-c', gw.configPath, '--scope', 'global', '--tokens', '900000', '--per', 'month', '--on-exceed', 'fallback', '--fallback', 'cheap'], env);
    assert.equal(cli.code, 0, cli.stderr);
    const list = await runSluice(['budgets', 'list', '-c', gw.configPath], env);
    assert.match(list.stdout, /global\s+\*\s+-\s+900000\s+month/);
  });
});
