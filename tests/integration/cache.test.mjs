// The response cache against the real binary and the mock OpenAI upstream (which counts the calls
// that reach it per model): hits in every client dialect, a stored stream serving a plain request
// and back, what the key ignores, the client's Cache-Control and x-sluice-cache-ttl, TTLs,
// unclean answers and broken streams left out, single flight, tenant scopes, a Redis store shared
// by two processes (and Redis down), what a hit costs and saves on the ledger, the admin API,
// metrics and config checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import http from 'node:http';
import { startMockUpstream } from '../support/mock_upstream.mjs';
import { startRedis } from '../support/redis_server.mjs';
import { startSluice, runSluice, writeConfig, tempDir, eventually } from '../support/sluice.mjs';
import { post, sseData, stopCleanly, logFor } from './helpers.mjs';

const ADMIN = 'admin-key-for-cache-tests';
const env = { TEST_PEPPER: 'pepper-for-cache-tests-0123456789' };
const admin = { authorization: `Bearer ${ADMIN}` };

// One chat endpoint (or another type) served by the mock; `extra` is YAML at the endpoint's indent.
const endpoint = (upstream, name, model, extra = '', type = 'llm/v1/chat') => `
  - name: ${name}
    endpoint_type: ${type}
    model:
      provider: openai
      name: ${model}
      config: {openai_api_key: sk-upstream-secret-0000000000, openai_api_base: ${upstream.base}}
${extra ? `    ${extra}\n` : ''}`;

// Governance (keys, the SQLite ledger, prices: $0.01 a token, so an answer of 18 is $0.18).
const governed = (db) => `
auth:
  mode: keys
  admin_key: ${ADMIN}
  pepper: \${{ secrets.TEST_PEPPER }}
stores:
  sqlite: ${db}
accounting: {cost_header: true}
pricing:
  openai:
    ok: {input: 10000, output: 10000}
`;

// A gateway in front of a fresh mock; it must exit cleanly. When both the test and the exit
// fail (a crash), the test's own failure is reported with the exit's.
async function withGateway(build, run) {
  const upstream = await startMockUpstream();
  const gw = await startSluice(build(upstream), { env });
  let failed;
  try {
    await run({ upstream, gw });
  } catch (e) {
    failed = e;
  }
  try {
    await stopCleanly(gw);
  } catch (e) {
    if (!failed) throw e;
    failed.message += `\n-- and then: ${e.message}`;
  } finally {
    await upstream.close();
  }
  if (failed) throw failed;
}

// A chat request saying `say`; what came back, with the cache's headers.
async function ask(gw, model, say, { stream = false, headers = {}, extra = {}, path = '/v1/chat/completions' } = {}) {
  const body = { model, messages: [{ role: 'user', content: say }], ...(stream ? { stream: true } : {}), ...extra };
  return answer(await post(gw, path, body, headers));
}

async function answer(res) {
  const text = await res.text();
  return { res, status: res.status, cache: res.headers.get('x-sluice-cache'), age: res.headers.get('x-sluice-cache-age'),
           text, json: text.startsWith('{') ? JSON.parse(text) : null };
}

// The answer's text in any dialect, whole or streamed.
function said(text) {
  if (text.startsWith('{')) {
    const j = JSON.parse(text);
    return j.choices?.[0]?.message?.content ?? j.choices?.[0]?.text ?? j.content?.[0]?.text ?? j.output?.[0]?.content?.[0]?.text;
  }
  let out = '';
  for (const d of sseData(text)) {
    if (d === '[DONE]') continue;
    const e = JSON.parse(d);
    if (e.choices?.[0]?.delta?.content) out += e.choices[0].delta.content;
    if (typeof e.choices?.[0]?.text === 'string') out += e.choices[0].text;
    if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') out += e.delta.text;
    if (e.type === 'response.output_text.delta') out += e.delta;
  }
  return out;
}

// The cache's counters on /metrics.
async function lookups(gw) {
  const text = await (await fetch(gw.url + '/metrics')).text();
  const out = { text };
  for (const o of ['hit', 'miss', 'bypass', 'refresh']) out[o] = Number(new RegExp(`lookups_total\\{outcome="${o}"\\} (\\d+)`).exec(text)?.[1]);
  out.unavailable = Number(/sluice_cache_unavailable_total (\d+)/.exec(text)?.[1]);
  out.waits = Number(/sluice_cache_single_flight_waits_total (\d+)/.exec(text)?.[1]);
  return out;
}

async function adminCall(gw, method, path, body) {
  const res = await fetch(gw.url + path, { method, headers: { ...admin, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, json: text.startsWith('{') ? JSON.parse(text) : null };
}

const withKey = (key) => ({ authorization: `Bearer ${key}`, 'x-api-key': key });

test('a repeat is answered from the cache without the provider, in every client dialect, streamed or not', async () => {
  await withGateway((up) => `
cache: {ttl_s: 600}
endpoints:
${endpoint(up, 'chat', 'numbered')}
${endpoint(up, 'embed', 'text-embedding-3-small', '', 'llm/v1/embeddings')}
${endpoint(up, 'complete', 'ok', '', 'llm/v1/completions')}
routes:
  - name: chat-route
    task_type: llm/v1/chat
    destinations: [{name: chat}]
`, async ({ upstream, gw }) => {
    const hi = (say) => [{ role: 'user', content: say }];
    const dialects = [
      ['openai', '/v1/chat/completions', (say, stream) => ({ model: 'chat', messages: hi(say), stream })],
      ['anthropic', '/v1/messages', (say, stream) => ({ model: 'chat', max_tokens: 50, messages: hi(say), stream })],
      ['responses', '/v1/responses', (say, stream) => ({ model: 'chat-route', input: say, stream })],
      ['mlflow', '/endpoints/chat/invocations', (say, stream) => ({ messages: hi(say), stream })],
    ];
    const headers = { 'anthropic-version': '2023-06-01' };
    for (const [name, path, body] of dialects) {
      const say = `hello from the ${name} test`;
      const before = upstream.calls('numbered');
      const first = await answer(await post(gw, path, body(say, false), headers));
      assert.deepEqual([first.status, first.cache, first.age], [200, 'miss', null], `${name}: ${first.text}`);
      const text = said(first.text);
      assert.match(text, /^upstream answer \d+$/, name);
      const second = await answer(await post(gw, path, body(say, false), headers));
      assert.deepEqual([second.status, second.cache, second.age], [200, 'hit', '0'], name);
      assert.equal(said(second.text), text, `${name}: the stored answer, not a new one`);
      if (name === 'openai' || name === 'anthropic') assert.deepEqual(second.json, first.json, name);
      assert.equal(second.json.type ?? second.json.object, { openai: 'chat.completion', anthropic: 'message', responses: 'response', mlflow: 'chat.completion' }[name]);

      const streamed = await answer(await post(gw, path, body(say, true), headers));
      assert.deepEqual([streamed.status, streamed.cache], [200, 'hit'], `${name}: a stored whole answer serves a stream`);
      assert.match(streamed.res.headers.get('content-type'), /text\/event-stream/, name);
      assert.equal(said(streamed.text), text, name);
      if (name === 'anthropic') assert.match(streamed.text, /event: message_stop/);
      if (name === 'responses') assert.match(streamed.text, /event: response\.completed/);
      assert.equal(upstream.calls('numbered'), before + 1, `${name}: the provider was called once`);
    }
    const embed = async () => answer(await post(gw, '/v1/embeddings', { model: 'embed', input: 'cache me' }));
    const [e1, e2] = [await embed(), await embed()];
    assert.deepEqual([e1.cache, e2.cache], ['miss', 'hit']);
    assert.deepEqual(e2.json.data, e1.json.data);
    assert.equal(upstream.calls('text-embedding-3-small'), 1);
    const complete = async (stream) => answer(await post(gw, '/v1/completions', { model: 'complete', prompt: 'Say hello', max_tokens: 5, stream }));
    const c = [await complete(false), await complete(false), await complete(true)];
    assert.deepEqual(c.map((r) => r.cache), ['miss', 'hit', 'hit']);
    assert.deepEqual(c.map((r) => said(r.text)), Array(3).fill('upstream completion'));
    assert.equal(upstream.calls('ok'), 1);
  });
});

test('a stored stream answers a plain request and a stream, with usage when the client asks', async () => {
  await withGateway((up) => `
cache: {}
endpoints:
${endpoint(up, 'chat', 'numbered')}
`, async ({ upstream, gw }) => {
    const first = await ask(gw, 'chat', 'stream first', { stream: true });
    assert.deepEqual([first.cache, said(first.text)], ['miss', 'Hello from upstream 1']);
    const plain = await ask(gw, 'chat', 'stream first');
    assert.equal(plain.cache, 'hit', 'a stream that ended cleanly was stored');
    assert.equal(plain.json.object, 'chat.completion');
    assert.deepEqual(plain.json.choices[0].message, { role: 'assistant', content: 'Hello from upstream 1' });
    assert.equal(plain.json.choices[0].finish_reason, 'stop');
    const again = await ask(gw, 'chat', 'stream first', { stream: true, extra: { stream_options: { include_usage: true } } });
    assert.equal(again.cache, 'hit', 'stream_options is not part of the key');
    assert.equal(said(again.text), 'Hello from upstream 1');
    const events = sseData(again.text);
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1).map((d) => JSON.parse(d));
    assert.deepEqual(chunks.flatMap((e) => e.choices ?? []).map((c) => c.finish_reason).filter(Boolean), ['stop']);
    assert.equal(chunks.find((e) => e.usage)?.usage.total_tokens, 18, `include_usage on a hit sends a usage chunk: ${again.text}`);
    assert.equal(upstream.calls('numbered'), 1);
  });
});

test('the key ignores model, user, metadata, stream options and key order, and nothing else', async () => {
  await withGateway((up) => `
cache: {}
endpoints:
${endpoint(up, 'chat', 'ok')}
${endpoint(up, 'twin', 'ok')}
`, async ({ upstream, gw }) => {
    const messages = [{ role: 'user', content: 'canonical' }];
    const r = async (body) => answer(await post(gw, '/v1/chat/completions', body));
    assert.equal((await r({ model: 'chat', messages, temperature: 0.5, max_tokens: 20 })).cache, 'miss');
    for (const same of [
      { max_tokens: 20, temperature: 0.5, messages, model: 'chat' },
      { model: 'chat', messages, temperature: 0.5, max_tokens: 20, user: 'ana', metadata: { run: 'x' }, store: true },
      { model: 'chat', messages, temperature: 0.50, max_tokens: 20.0 },
    ]) assert.equal((await r(same)).cache, 'hit', JSON.stringify(same));
    assert.equal(upstream.calls('ok'), 1);
    for (const other of [
      { model: 'chat', messages, temperature: 0.5, max_tokens: 21 },
      { model: 'chat', messages, temperature: 0.5 },
      { model: 'chat', messages: [{ role: 'user', content: 'canonical!' }], temperature: 0.5, max_tokens: 20 },
      { model: 'chat', messages: [{ role: 'system', content: 'be brief' }, ...messages], temperature: 0.5, max_tokens: 20 },
      { model: 'twin', messages, temperature: 0.5, max_tokens: 20 },
    ]) assert.equal((await r(other)).cache, 'miss', JSON.stringify(other));
    assert.equal(upstream.calls('ok'), 6);
  });
});

test('client controls: no-cache refreshes, no-store keeps nothing, bad values are 400; temperature and streams bypass', async () => {
  await withGateway((up) => `
cache: {only_when: {temperature_max: 1}}
endpoints:
${endpoint(up, 'chat', 'numbered')}
${endpoint(up, 'controls-off', 'ok', 'cache: {client_controls: false}')}
${endpoint(up, 'no-streams', 'ok', 'cache: {streams: false}')}
${endpoint(up, 'uncached', 'ok', 'cache: off')}
`, async ({ upstream, gw }) => {
    const m0 = await lookups(gw);
    assert.equal((await ask(gw, 'chat', 'controls')).cache, 'miss');
    const refreshed = await ask(gw, 'chat', 'controls', { headers: { 'cache-control': 'no-cache' } });
    assert.equal(refreshed.cache, 'refresh');
    assert.equal(said(refreshed.text), 'upstream answer 2', 'no-cache goes to the provider');
    const after = await ask(gw, 'chat', 'controls');
    assert.equal(after.cache, 'hit');
    assert.equal(said(after.text), 'upstream answer 2', 'the refreshed answer replaced the old one');

    const kept = await ask(gw, 'chat', 'not kept', { headers: { 'cache-control': 'no-store' } });
    assert.equal(kept.cache, 'miss');
    assert.equal((await ask(gw, 'chat', 'not kept')).cache, 'miss', 'no-store stored nothing');
    assert.equal((await ask(gw, 'chat', 'not kept')).cache, 'hit');
    assert.equal(upstream.calls('numbered'), 4);

    for (const [headers, message] of [[{ 'cache-control': 'max-age=abc' }, /max-age/], [{ 'cache-control': 'no-store, max-age=-5' }, /max-age/],
      [{ 'x-sluice-cache-ttl': '0' }, /x-sluice-cache-ttl/], [{ 'x-sluice-cache-ttl': 'abc' }, /x-sluice-cache-ttl/]]) {
      const r = await ask(gw, 'chat', 'controls', { headers });
      assert.equal(r.status, 400, JSON.stringify(headers));
      assert.match(r.json.error.message, message);
      assert.equal(r.json.error.type, 'invalid_request_error');
    }
    const anthropic = await answer(await post(gw, '/v1/messages', { model: 'chat', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] },
      { 'anthropic-version': '2023-06-01', 'x-sluice-cache-ttl': 'soon' }));
    assert.deepEqual([anthropic.status, anthropic.json.type, anthropic.json.error.type], [400, 'error', 'invalid_request_error'], 'Anthropic\'s error shape');
    assert.match(anthropic.json.error.message, /x-sluice-cache-ttl/);
    assert.equal(upstream.calls('numbered'), 4, 'a refused request reaches no provider');

    for (let i = 0; i < 2; i++) assert.equal((await ask(gw, 'chat', 'warm', { extra: { temperature: 1.5 } })).cache, 'bypass');
    assert.equal(upstream.calls('numbered'), 6, 'a bypass is never answered from the cache');
    assert.deepEqual([(await ask(gw, 'chat', 'warm', { extra: { temperature: 1 } })).cache,
      (await ask(gw, 'chat', 'warm', { extra: { temperature: 1 } })).cache], ['miss', 'hit']);

    // client_controls: false ignores what the client says, even what it could not say right.
    assert.equal((await ask(gw, 'controls-off', 'x')).cache, 'miss');
    const ignored = await ask(gw, 'controls-off', 'x', { headers: { 'cache-control': 'no-cache, max-age=abc', 'x-sluice-cache-ttl': '0' } });
    assert.deepEqual([ignored.status, ignored.cache], [200, 'hit']);

    assert.equal((await ask(gw, 'no-streams', 'x', { stream: true })).cache, 'bypass');
    assert.equal((await ask(gw, 'no-streams', 'x')).cache, 'miss');
    assert.equal((await ask(gw, 'no-streams', 'x', { stream: true })).cache, 'bypass', 'streams: false: a stored answer serves no stream');
    assert.equal((await ask(gw, 'no-streams', 'x')).cache, 'hit');

    const off = [await ask(gw, 'uncached', 'x'), await ask(gw, 'uncached', 'x')];
    assert.deepEqual(off.map((r) => [r.status, r.cache]), [[200, null], [200, null]], 'cache: off: no header at all');

    const m = await lookups(gw);
    assert.deepEqual({ hit: m.hit - m0.hit, miss: m.miss - m0.miss, bypass: m.bypass - m0.bypass, refresh: m.refresh - m0.refresh },
      { hit: 5, miss: 6, bypass: 4, refresh: 1 }, m.text.split('\n').filter((l) => /cache_lookups/.test(l)).join('\n'));
  });
});

test('entries expire after their TTL; max-age and x-sluice-cache-ttl narrow it', async () => {
  await withGateway((up) => `
cache: {ttl_s: 600}
endpoints:
${endpoint(up, 'short', 'ok', 'cache: {ttl_s: 1}')}
${endpoint(up, 'long', 'numbered')}
`, async ({ upstream, gw }) => {
    assert.equal((await ask(gw, 'short', 'a')).cache, 'miss');
    assert.equal((await ask(gw, 'short', 'a')).cache, 'hit');
    assert.equal((await ask(gw, 'short', 'd', { headers: { 'x-sluice-cache-ttl': '3600' } })).cache, 'miss');
    assert.equal((await ask(gw, 'long', 'b')).cache, 'miss');
    assert.equal((await ask(gw, 'long', 'c', { headers: { 'x-sluice-cache-ttl': '1' } })).cache, 'miss');
    assert.equal((await ask(gw, 'long', 'c')).cache, 'hit');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await ask(gw, 'short', 'a')).cache, 'miss', 'ttl_s: 1 passed');
    assert.equal((await ask(gw, 'short', 'd')).cache, 'miss', 'x-sluice-cache-ttl is capped at ttl_s');
    assert.equal((await ask(gw, 'long', 'c')).cache, 'miss', 'x-sluice-cache-ttl: 1 passed');
    const old = await ask(gw, 'long', 'b');
    assert.deepEqual([old.cache, old.age, said(old.text)], ['hit', '1', 'upstream answer 1']);
    const fresh = await ask(gw, 'long', 'b', { headers: { 'cache-control': 'max-age=1' } });
    assert.deepEqual([fresh.cache, said(fresh.text)], ['miss', 'upstream answer 4'], 'the entry is older than max-age');
    const now = await ask(gw, 'long', 'b', { headers: { 'cache-control': 'max-age=60' } });
    assert.deepEqual([now.cache, now.age, said(now.text)], ['hit', '0', 'upstream answer 4'], 'what max-age fetched was stored');
    assert.equal(upstream.calls('ok'), 4);
    assert.equal(upstream.calls('numbered'), 4);
  });
});

test('only clean answers are stored: tool calls (unless listed), errors and broken streams are not', async () => {
  await withGateway((up) => `
cache: {}
endpoints:
${endpoint(up, 'tools', 'tool-calls')}
${endpoint(up, 'tools-ok', 'tool-calls', 'cache: {finish_reasons: [stop, tool_calls]}')}
${endpoint(up, 'die-mid', 'die-mid')}
${endpoint(up, 'error-event', 'error-event')}
${endpoint(up, 'fail', 'fail-500')}
`, async ({ upstream, gw }) => {
    for (const stream of [false, false, true, true]) {
      const r = await ask(gw, 'tools', 'call a tool', { stream });
      assert.deepEqual([r.status, r.cache], [200, 'miss'], `stream=${stream}`);
    }
    assert.equal(upstream.calls('tool-calls'), 4);
    const t1 = await ask(gw, 'tools-ok', 'call a tool');
    const t2 = await ask(gw, 'tools-ok', 'call a tool');
    assert.deepEqual([t1.cache, t2.cache], ['miss', 'hit']);
    assert.equal(t2.json.choices[0].finish_reason, 'tool_calls');
    assert.equal(t2.json.choices[0].message.tool_calls[0].function.name, 'lookup');
    const t3 = await ask(gw, 'tools-ok', 'call a tool', { stream: true });
    assert.equal(t3.cache, 'hit');
    const deltas = sseData(t3.text).filter((d) => d !== '[DONE]').map((d) => JSON.parse(d).choices[0]);
    assert.equal(deltas.find((c) => c.delta?.tool_calls)?.delta.tool_calls[0].function.name, 'lookup', t3.text);
    assert.equal(deltas.at(-1).finish_reason, 'tool_calls');
    assert.equal(upstream.calls('tool-calls'), 5);

    for (const name of ['die-mid', 'error-event']) {
      for (let i = 0; i < 2; i++) {
        const r = await ask(gw, name, 'break', { stream: true });
        assert.match(r.text, /partial/);
        assert.deepEqual([r.status, r.cache], [200, 'miss'], `${name} #${i + 1}: a broken stream was not stored`);
      }
      assert.equal(upstream.calls(name), 2, name);
      assert.notEqual((await ask(gw, name, 'break')).cache, 'hit', `${name}: nor may its part answer a plain request`);
    }
    for (let i = 0; i < 2; i++) assert.equal((await ask(gw, 'fail', 'fail')).status, 500);
    assert.equal(upstream.calls('fail-500'), 2);
  });
});

test('single flight: concurrent identical misses make one provider call, the rest are hits', async () => {
  await withGateway((up) => `
cache: {}
endpoints:
${endpoint(up, 'slow', 'slow-ok')}
${endpoint(up, 'slow-tools', 'slow-ok', 'cache: {finish_reasons: [length]}')}
${endpoint(up, 'impatient', 'slow-stream-stop', 'cache: {single_flight_wait_ms: 100}')}
`, async ({ upstream, gw }) => {
    const m0 = await lookups(gw);
    const six = await Promise.all(Array.from({ length: 6 }, () => ask(gw, 'slow', 'together')));
    assert.deepEqual(six.map((r) => r.status), Array(6).fill(200));
    assert.deepEqual(six.map((r) => r.cache).sort(), ['hit', 'hit', 'hit', 'hit', 'hit', 'miss']);
    for (const r of six) assert.equal(said(r.text), 'upstream answer');
    assert.equal(upstream.calls('slow-ok'), 1);

    // Streams and plain requests wait for one another too.
    const mixed = await Promise.all(Array.from({ length: 4 }, (_, i) => ask(gw, 'slow', 'mixed', { stream: i % 2 === 0 })));
    assert.deepEqual(mixed.map((r) => r.cache).sort(), ['hit', 'hit', 'hit', 'miss']);
    assert.equal(new Set(mixed.map((r) => said(r.text))).size, 1, 'all say what the one call answered');
    assert.equal(upstream.calls('slow-ok'), 2);
    const m = await lookups(gw);
    assert.ok(m.waits - m0.waits >= 8, `single-flight waits ${m.waits - m0.waits}`);

    // A first answer that cannot be stored (finish "stop" is not listed here) does not keep the
    // others waiting for the bound: they go to the provider themselves as soon as it lands.
    const started = Date.now();
    const unstorable = await Promise.all(Array.from({ length: 3 }, () => ask(gw, 'slow-tools', 'not storable')));
    assert.deepEqual(unstorable.map((r) => r.status), [200, 200, 200]);
    assert.ok(unstorable.every((r) => r.cache === 'miss'), unstorable.map((r) => r.cache).join());
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    assert.equal(upstream.calls('slow-ok'), 5);

    // single_flight_wait_ms bounds the wait: past it the followers go themselves (a 2 s stream:
    // all three are done in about 2.1 s, not the 4 s of waiting for the first).
    const t0 = Date.now();
    const impatient = await Promise.all(Array.from({ length: 3 }, () => ask(gw, 'impatient', 'hurry', { stream: true })));
    assert.deepEqual(impatient.map((r) => [r.status, r.cache]), Array(3).fill([200, 'miss']));
    assert.ok(Date.now() - t0 < 3500, `followers waited the 100 ms bound, not the answer: ${Date.now() - t0} ms`);
    assert.equal(upstream.calls('slow-stream-stop'), 3);
  });
});

test('a stream the client leaves is not stored, and the one waiting for it goes to the provider at once', async () => {
  await withGateway((up) => `
cache: {}
endpoints:
${endpoint(up, 'slow', 'slow-stream-stop')}
`, async ({ upstream, gw }) => {
    const full = Array.from({ length: 40 }, (_, i) => `c${i} `).join('');
    const leader = await post(gw, '/v1/chat/completions', { model: 'slow', messages: [{ role: 'user', content: 'leave' }], stream: true });
    assert.equal(leader.headers.get('x-sluice-cache'), 'miss');
    const follower = ask(gw, 'slow', 'leave', { stream: true });
    const reader = leader.body.getReader();
    let got = '';
    while (!got.includes('c2 ')) got += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();  // closes the connection: the client left
    // The follower's own 2 s stream starts now, not when the left one would have ended (~1.85 s on).
    const started = Date.now();
    await eventually(() => upstream.state.closedEarly >= 1, 1500, 'the left stream closed upstream');
    const f = await follower;
    assert.deepEqual([f.status, f.cache], [200, 'miss'], 'the left stream was not stored');
    assert.equal(said(f.text), full);
    assert.ok(Date.now() - started < 3000, `the follower took ${Date.now() - started} ms after the leader left`);
    const after = await ask(gw, 'slow', 'leave');
    assert.deepEqual([after.cache, said(after.text)], ['hit', full], 'the follower\'s whole stream was stored');
    assert.equal(upstream.calls('slow-stream-stop'), 2);
  });
});

test('a hit takes a request from the limits but no tokens, unless limits_count_tokens', async () => {
  await withGateway((up) => `
limits:
  - {scope: endpoint, tokens: 1000, per: minute}
cache: {}
endpoints:
${endpoint(up, 'free', 'ok')}
${endpoint(up, 'counted', 'ok', 'cache: {limits_count_tokens: true}')}
`, async ({ gw }) => {
    for (const [name, perHit] of [['free', 0], ['counted', 18]]) {
      const left = [];
      for (let i = 0; i < 4; i++) {
        const r = await ask(gw, name, 'limited');
        assert.deepEqual([r.status, r.cache], [200, i === 0 ? 'miss' : 'hit']);
        left.push(Number(r.res.headers.get('x-ratelimit-remaining-tokens')));
        await new Promise((done) => setTimeout(done, 30));
      }
      // Each remaining count is after this request's own hold: the drop from one to the next is
      // what the one before settled to (the miss 18 tokens, a hit 0 or 18).
      assert.deepEqual(left.slice(1).map((v, i) => left[i] - v), [18, perHit, perHit], `${name}: ${left.join()}`);
    }
  });
});

test('scope key keeps entries to their key, scope team to its team, scope global shares them', async () => {
  await withGateway((up) => `${governed(join(tempDir('sluice-cache-'), 'sluice.db'))}
cache: {}
endpoints:
${endpoint(up, 'by-key', 'ok')}
${endpoint(up, 'by-team', 'ok', 'cache: {scope: team}')}
${endpoint(up, 'shared', 'ok', 'cache: {scope: global}')}
`, async ({ upstream, gw }) => {
    const key = async (team) => (await adminCall(gw, 'POST', '/admin/keys', { name: `k${Math.random()}`, ...(team ? { team } : {}) })).json.key;
    const [ml1, ml2, web, solo1, solo2] = [await key('ml'), await key('ml'), await key('web'), await key(), await key()];
    const seen = async (name, k) => (await ask(gw, name, 'scoped', { headers: withKey(k) })).cache;
    assert.deepEqual([await seen('by-key', ml1), await seen('by-key', ml1), await seen('by-key', ml2), await seen('by-key', web)],
      ['miss', 'hit', 'miss', 'miss'], 'scope key: another key, even of the same team, misses');
    assert.deepEqual([await seen('by-team', ml1), await seen('by-team', ml2), await seen('by-team', web), await seen('by-team', web)],
      ['miss', 'hit', 'miss', 'hit'], 'scope team: the team shares, another team does not');
    assert.deepEqual([await seen('by-team', solo1), await seen('by-team', solo2), await seen('by-team', solo1)],
      ['miss', 'miss', 'hit'], 'scope team: a key without a team is its own');
    assert.deepEqual([await seen('shared', ml1), await seen('shared', web), await seen('shared', solo2)], ['miss', 'hit', 'hit']);
    assert.equal(upstream.calls('ok'), 3 + 2 + 2 + 1);
    // Auth still comes first: no key, no cached answer.
    assert.equal((await ask(gw, 'shared', 'scoped')).status, 401);
  });
});

test('a key\'s own cache settings: off, on where the endpoint has none, a narrower scope, its TTL; changed through the admin API', async () => {
  await withGateway((up) => `${governed(join(tempDir('sluice-cache-'), 'sluice.db'))}
endpoints:
${endpoint(up, 'plain', 'ok')}
${endpoint(up, 'by-team', 'ok', 'cache: {scope: team}')}
`, async ({ upstream, gw }) => {
    const make = async (body) => {
      const r = await adminCall(gw, 'POST', '/admin/keys', { name: `k${Math.random()}`, team: 'ml', ...body });
      assert.equal(r.status, 201, r.text);
      return r.json;
    };
    const seen = async (name, k, say = 'keyed') => (await ask(gw, name, say, { headers: withKey(k.key) })).cache;
    const [plain, opted, off, narrow] = [await make({}), await make({ cache: { mode: 'exact', ttl_s: 1 } }),
      await make({ cache: 'off' }), await make({ cache: { scope: 'key' } })];
    assert.deepEqual(opted.cache, { mode: 'exact', ttl_s: 1 }, 'the admin API shows the settings');
    assert.deepEqual([off.cache, plain.cache], [{ mode: 'off' }, null]);

    // 'plain' caches nothing, except for the key that turned the cache on (for 1 s).
    assert.deepEqual([await seen('plain', plain), await seen('plain', plain)], [null, null]);
    assert.deepEqual([await seen('plain', opted), await seen('plain', opted)], ['miss', 'hit']);
    await new Promise((done) => setTimeout(done, 1100));
    assert.equal(await seen('plain', opted), 'miss', 'its own ttl_s');
    // 'by-team' shares within team ml, but not with the key that turned it off or narrowed it.
    // (opted right after plain: it takes no entry older than its own ttl_s of 1 s.)
    assert.deepEqual([await seen('by-team', plain), await seen('by-team', opted)], ['miss', 'hit']);
    assert.deepEqual([await seen('by-team', off), await seen('by-team', off)], [null, null]);
    assert.deepEqual([await seen('by-team', narrow), await seen('by-team', narrow)], ['miss', 'hit']);
    assert.equal(upstream.calls('ok'), 2 + 2 + 1 + 2 + 1);

    // Changed through the admin API: applied within a second (the store's version), and bad
    // settings are a 400 naming the field.
    const patched = await adminCall(gw, 'PATCH', `/admin/keys/${off.id}`, { cache: { mode: 'exact' } });
    assert.equal(patched.status, 200, patched.text);
    await eventually(async () => (await seen('by-team', off)) === 'hit', 3000, 'the key turned on');
    for (const [bad, param] of [[{ mode: 'semantic' }, 'cache.mode'], [{ ttl_s: -1 }, 'cache.ttl_s'], ['on', 'cache'], [{ scope: 'world' }, 'cache.scope']]) {
      const r = await adminCall(gw, 'PATCH', `/admin/keys/${off.id}`, { cache: bad });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.param, param, r.text);
    }
    assert.equal((await adminCall(gw, 'PATCH', `/admin/keys/${opted.id}`, { cache: null })).status, 200);
    await eventually(async () => (await seen('plain', opted, 'fresh')) === null, 3000, 'the key back to the endpoint');
  });
});

test('a hit costs nothing: the access log and ledger record it, with what it saved', async () => {
  await withGateway((up) => `${governed(join(tempDir('sluice-cache-'), 'sluice.db'))}
cache: {}
endpoints:
${endpoint(up, 'chat', 'ok')}
`, async ({ upstream, gw }) => {
    const auth = withKey((await adminCall(gw, 'POST', '/admin/keys', { name: 'spender' })).json.key);
    const miss = await ask(gw, 'chat', 'priced', { headers: auth });
    assert.deepEqual([miss.cache, miss.res.headers.get('x-sluice-cost-usd')], ['miss', '0.18000000']);
    const hits = [await ask(gw, 'chat', 'priced', { headers: auth }), await ask(gw, 'chat', 'priced', { headers: auth })];
    for (const hit of hits) {
      assert.equal(hit.cache, 'hit');
      const header = hit.res.headers.get('x-sluice-cost-usd');
      assert.ok(header === null || Number(header) === 0, `a hit's cost header: ${header}`);
      const line = await logFor(gw, hit.res);
      assert.equal(line.cost_usd ?? 0, 0, `access log of a hit: ${JSON.stringify(line)}`);
      assert.deepEqual([line.cache, Number(line.saved_usd)], ['hit', 0.18], JSON.stringify(line));
    }
    assert.equal(upstream.calls('ok'), 1);
    // (Without a query string /admin/spend once crashed the gateway: a null query view.)
    assert.equal((await adminCall(gw, 'GET', '/admin/spend')).status, 200);
    const spend = await adminCall(gw, 'GET', '/admin/spend?by=endpoint&format=json');
    assert.equal(spend.status, 200, spend.text);
    const row = spend.json.data.find((r) => r.endpoint === 'chat');
    assert.equal(row.requests, 3, `the ledger has the hits: ${JSON.stringify(row)}`);
    assert.ok(Math.abs(row.cost_usd - 0.18) < 1e-9, `cost_usd ${row.cost_usd}`);
    assert.ok(Math.abs(row.saved_usd - 0.36) < 1e-9, `saved_usd of two hits at $0.18: ${JSON.stringify(row)}`);
    assert.match((await lookups(gw)).text, /sluice_cache_saved_usd_total 0\.36/);
  });
});

test('GET /admin/cache shows what is stored; DELETE drops one endpoint\'s entries, or all', async () => {
  await withGateway((up) => `${governed(join(tempDir('sluice-cache-'), 'sluice.db'))}
cache: {}
endpoints:
${endpoint(up, 'chat', 'ok')}
${endpoint(up, 'other', 'ok')}
`, async ({ gw }) => {
    const auth = withKey((await adminCall(gw, 'POST', '/admin/keys', { name: 'reader' })).json.key);
    for (const [name, say] of [['chat', 'one'], ['other', 'one'], ['other', 'two']])
      assert.equal((await ask(gw, name, say, { headers: auth })).cache, 'miss');
    assert.ok([401, 403].includes((await fetch(gw.url + '/admin/cache', { headers: auth })).status), 'a gateway key is not the admin key');
    const dropped = await adminCall(gw, 'DELETE', '/admin/cache?endpoint=chat');
    assert.deepEqual([dropped.status, dropped.json?.deleted], [200, 1], dropped.text);
    assert.equal((await ask(gw, 'chat', 'one', { headers: auth })).cache, 'miss', 'dropped');
    assert.equal((await ask(gw, 'other', 'one', { headers: auth })).cache, 'hit', 'another endpoint kept its entries');
    const shown = await adminCall(gw, 'GET', '/admin/cache');
    assert.deepEqual([shown.status, shown.json?.entries, shown.json?.bytes > 0], [200, 3, true], shown.text);
    const all = await adminCall(gw, 'DELETE', '/admin/cache');
    assert.deepEqual([all.status, all.json?.deleted], [200, 3], all.text);
    assert.equal((await adminCall(gw, 'GET', '/admin/cache')).json.entries, 0);
    assert.equal((await ask(gw, 'other', 'one', { headers: auth })).cache, 'miss');
    assert.equal((await ask(gw, 'other', 'two', { headers: auth })).cache, 'miss');
  });
});

test('workspaces never share cached answers, even on a shared endpoint; DELETE ?workspace= drops one workspace\'s', async () => {
  await withGateway((up) => `${governed(join(tempDir('sluice-cache-'), 'sluice.db'))}
cache: {scope: team}
endpoints:
${endpoint(up, 'shared', 'ok', 'workspace: "*"')}
`, async ({ gw }) => {
    const make = async (body) => withKey((await adminCall(gw, 'POST', '/admin/keys', body)).json.key);
    const a = await make({ name: 'a', team: 'web', workspace: 'team-a' });
    const b = await make({ name: 'b', team: 'web', workspace: 'team-b' });
    const d = await make({ name: 'd', team: 'web' });
    for (const who of [a, b, d]) assert.equal((await ask(gw, 'shared', 'same words', { headers: who })).cache, 'miss');
    for (const who of [a, b, d]) assert.equal((await ask(gw, 'shared', 'same words', { headers: who })).cache, 'hit');
    // team=web names the default workspace's team; workspace= reaches a named one's.
    let r = await adminCall(gw, 'DELETE', '/admin/cache?team=web');
    assert.deepEqual([r.status, r.json?.deleted], [200, 1], r.text);
    r = await adminCall(gw, 'DELETE', '/admin/cache?workspace=team-a&team=web');
    assert.deepEqual([r.status, r.json?.deleted], [200, 1], r.text);
    assert.equal((await ask(gw, 'shared', 'same words', { headers: a })).cache, 'miss');
    assert.equal((await ask(gw, 'shared', 'same words', { headers: b })).cache, 'hit');
    assert.equal((await ask(gw, 'shared', 'same words', { headers: d })).cache, 'miss');
    r = await adminCall(gw, 'DELETE', '/admin/cache?workspace=team-b');
    assert.deepEqual([r.status, r.json?.deleted], [200, 1], r.text);
    assert.equal((await ask(gw, 'shared', 'same words', { headers: b })).cache, 'miss');
    for (const bad of ['workspace=', 'workspace=*', 'workspace=a&workspace=b', 'workspace=a%2Fb'])
      assert.equal((await adminCall(gw, 'DELETE', `/admin/cache?${bad}`)).status, 400, bad);
  });
});

test('a Redis store is shared by two gateways; with Redis down requests still succeed as misses', async () => {
  const upstream = await startMockUpstream();
  const redis = await startRedis();
  const yaml = `stores: {redis: ${redis.url}}
cache: {store: redis}
endpoints:
${endpoint(upstream, 'chat', 'numbered')}`;
  const a = await startSluice(yaml);
  const b = await startSluice(yaml);
  try {
    const first = await ask(a, 'chat', 'shared');
    assert.equal(first.cache, 'miss');
    // The entry is written without waiting for Redis: wait until it is there.
    await eventually(async () => (await redis.cli('KEYS', 'sluice:cache:*')).trim() !== '', 3000, 'the entry in Redis');
    const [stored] = (await redis.cli('KEYS', 'sluice:cache:*')).trim().split('\n');
    assert.match(stored, /^sluice:cache:chat:/);
    const pttl = Number(await redis.cli('PTTL', stored));
    assert.ok(pttl > 3_500_000 && pttl <= 3_600_000, `the entry expires in Redis with the default TTL of an hour: PTTL ${pttl}`);
    const other = await ask(b, 'chat', 'shared');
    assert.deepEqual([other.cache, said(other.text)], ['hit', said(first.text)], 'the other process found the entry');
    const stream = await ask(b, 'chat', 'shared', { stream: true });
    assert.deepEqual([stream.cache, said(stream.text)], ['hit', said(first.text)]);
    assert.equal(upstream.calls('numbered'), 1);

    await redis.stop();
    for (const gw of [a, b, a]) {
      const started = Date.now();
      for (const say of ['shared', 'new after redis stopped']) {
        const r = await ask(gw, 'chat', say);
        assert.deepEqual([r.status, r.cache], [200, 'miss'], r.text);
        assert.match(said(r.text), /^upstream answer \d+$/);
      }
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    }
    assert.equal(upstream.calls('numbered'), 7);
    const m = await lookups(a);
    assert.ok(m.unavailable >= 4, `sluice_cache_unavailable_total ${m.unavailable}`);
  } finally {
    await stopCleanly(a);
    await stopCleanly(b);
    await redis.stop();
    await upstream.close();
  }
});

test('cache settings: a route\'s own section, endpoints overriding the top, and config errors', async () => {
  await withGateway((up) => `
endpoints:
${endpoint(up, 'plain', 'ok')}
routes:
  - name: cached-route
    task_type: llm/v1/chat
    destinations: [{name: plain}]
    cache: {ttl_s: 60}
`, async ({ upstream, gw }) => {
    const seen = async (name) => (await ask(gw, name, 'route')).cache;
    assert.deepEqual([await seen('plain'), await seen('plain')], [null, null], 'no top-level cache: the endpoint does not cache');
    assert.deepEqual([await seen('cached-route'), await seen('cached-route')], ['miss', 'hit']);
    assert.equal(upstream.calls('ok'), 3);
  });
  const upstream = await startMockUpstream();
  try {
    const base = (cache, extra = '') => `${cache}\nendpoints:\n${endpoint(upstream, 'chat', 'ok', extra)}`;
    const bad = [
      [base('cache: {store: redis}'), /cache\.store.*redis needs stores\.redis/],
      [base('', 'cache: {store: redis}'), /endpoints\[0\]\.cache\.store.*redis needs stores\.redis/],
      [base('cache: {mode: fuzzy}'), /cache\.mode.*must be exact, semantic or off/],
      [base('cache: {mode: semantic}'), /mode semantic needs embeddings_endpoint/],
      [base('cache: {mode: semantic, embeddings_endpoint: chat}'), /not an llm\/v1\/embeddings endpoint/],
      [base('cache: {threshold: 1.5}'), /threshold.*at most 1/],
      [base('cache: {scope: planet}'), /cache\.scope.*must be key, team or global/],
      [base('cache: {ttl_s: 0}'), /cache\.ttl_s/],
      [base('cache: {finish_reasons: []}'), /cache\.finish_reasons.*non-empty list/],
      [base('cache: {colour: red}'), /colour/],
      [base('', 'cache: {memory_bytes: 10}'), /memory_bytes/],
      [base('cache: maybe'), /must be a mapping, or off/],
    ];
    for (const [yaml, message] of bad) {
      const r = await runSluice(['check-config', writeConfig(yaml)]);
      assert.ok(r.code !== 0 && message.test(r.stderr), `${yaml}\n${r.stderr}`);
    }
    for (const yaml of [base('cache: {ttl_s: 5, memory_bytes: 0}', 'cache: off'), base('cache: off', 'cache: {scope: global}'),
      base('cache:\n  mode: exact\n  only_when: {temperature_max: 0.7}\n  single_flight_wait_ms: 0')])
      assert.equal((await runSluice(['check-config', writeConfig(yaml)])).code, 0, yaml);
  } finally {
    await upstream.close();
  }
});

// What a hostile probe found: every line of Cache-Control counts, max-age takes what RFC 9111
// allows (quoted, overflowing) and refuses what it does not, a refused request says nothing about
// the cache, and an empty endpoint= does not clear everything.
test('Cache-Control on several lines, max-age edge values, and DELETE with an empty endpoint', async () => {
  await withGateway((up) => `auth: {admin_key: ${ADMIN}}
cache: {}
endpoints:
${endpoint(up, 'chat', 'numbered')}
`, async ({ upstream, gw }) => {
    assert.equal((await ask(gw, 'chat', 'lines')).cache, 'miss');
    // Two header lines, sent as two (node's http sends an array value as repeated lines).
    const twoLines = await new Promise((resolve, reject) => {
      const body = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'lines' }] });
      const req = http.request(gw.url + '/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cache-control': ['no-transform', 'no-cache'] },
      }, (res) => { res.resume(); res.on('end', () => resolve(res.headers['x-sluice-cache'])); });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(twoLines, 'refresh', 'no-cache on the second line counts');
    assert.equal(upstream.calls('numbered'), 2);
    for (const ok of ['max-age="3600"', 'max-age=99999999999999999999', 'MAX-AGE=60, no-transform']) {
      const r = await ask(gw, 'chat', 'lines', { headers: { 'cache-control': ok } });
      assert.deepEqual([r.status, r.cache], [200, 'hit'], ok);
    }
    for (const bad of ['max-age=', 'max-age', 'max-age=-1', 'max-age=1.5', 'max-age="x"']) {
      const r = await ask(gw, 'chat', 'lines', { headers: { 'cache-control': bad } });
      assert.equal(r.status, 400, bad);
      assert.equal(r.cache, null, `a refused request carries no x-sluice-cache (${bad})`);
    }
    const empty = await adminCall(gw, 'DELETE', '/admin/cache?endpoint=');
    assert.equal(empty.status, 400, empty.text);
    const twice = await adminCall(gw, 'DELETE', '/admin/cache?endpoint=chat&endpoint=other');
    assert.equal(twice.status, 400, twice.text);
    assert.equal((await ask(gw, 'chat', 'lines')).cache, 'hit', 'nothing was dropped');
  });
});

// What a review found: a route's entries are the route's, whichever destination answered (a
// fallback's answer is stored once for the route, and a split route's destinations share it);
// only-if-cached is a 504 on a miss; a hit's savings show without a ledger too.
test('routes cache as one, only-if-cached, and savings without a ledger', async () => {
  await withGateway((up) => `
pricing:
  openai:
    numbered: {input: 10000, output: 10000}
cache: {}
endpoints:
${endpoint(up, 'broken', 'fail-503')}
${endpoint(up, 'good', 'numbered')}
${endpoint(up, 'other', 'ok')}
routes:
  - name: fallback
    task_type: llm/v1/chat
    destinations: [{name: broken}, {name: good}]
  - name: split
    task_type: llm/v1/chat
    strategy: weighted
    destinations: [{name: good, weight: 1}, {name: other, weight: 1}]
`, async ({ upstream, gw }) => {
    const first = await ask(gw, 'fallback', 'via a fallback');
    assert.deepEqual([first.status, first.cache, first.res.headers.get('x-sluice-destination')],
      [200, 'miss', 'good'], first.text);
    const again = await ask(gw, 'fallback', 'via a fallback');
    assert.deepEqual([again.cache, said(again.text)], ['hit', said(first.text)]);
    // The destinations have different models: keyed by the destination planned first, the
    // route would have an entry per destination.
    const calls = upstream.calls('numbered') + upstream.calls('ok');
    const split = await ask(gw, 'split', 'either one');
    assert.equal(split.cache, 'miss');
    for (let i = 0; i < 8; i++) {
      const r = await ask(gw, 'split', 'either one');
      assert.deepEqual([r.cache, said(r.text)], ['hit', said(split.text)], 'one entry for the route');
    }
    assert.equal(upstream.calls('numbered') + upstream.calls('ok'), calls + 1);
    // only-if-cached: a hit as usual, a miss is a 504 (and no provider call).
    assert.equal((await ask(gw, 'split', 'either one', { headers: { 'cache-control': 'only-if-cached' } })).cache, 'hit');
    const none = await ask(gw, 'good', 'never asked', { headers: { 'cache-control': 'only-if-cached' } });
    assert.equal(none.status, 504, none.text);
    assert.equal(none.json.error.code, 'cache_miss');
    assert.equal(upstream.calls('numbered') + upstream.calls('ok'), calls + 1);
    // No ledger here: the hits' savings are still counted (18 tokens at $0.01, for each hit).
    const metrics = await (await fetch(gw.url + '/metrics')).text();
    const saved = Number(metrics.match(/^sluice_cache_saved_usd_total (\S+)$/m)?.[1]);
    assert.ok(saved > 0, `saved ${saved}`);
  });
});
