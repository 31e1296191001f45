// External guardrails (type http) against the real binary, an echoing upstream and a fake checking
// service on loopback: OpenAI's moderation shape, the {text} → {flagged, categories} webhook and
// Presidio's /analyze (masking, with code-point offsets), each before the provider or alongside
// it (parallel); timeouts and a service that is down, failing open and closed; headers sent;
// answers checked; nothing of the text in any log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startSluice } from '../support/sluice.mjs';
import { startEcho } from '../support/echo_upstream.mjs';
import { post, stopCleanly, logFor } from './helpers.mjs';

// The checking service. Every request is recorded with its path, headers, body and time.
async function startChecker() {
  const seen = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const body = JSON.parse(raw);
      seen.push({ path: req.url, headers: req.headers, body, at: Date.now() });
      const reply = (obj, delay = 0) => setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(obj));
      }, delay);
      if (req.url === '/v1/moderations' || req.url === '/late/v1/moderations') {
        const flagged = /\bkill\b/i.test(body.input);
        reply({ id: 'modr-1', model: 'omni-moderation-latest', results: [{ flagged, categories: { violence: flagged, harassment: false } }] },
          req.url.startsWith('/late') ? 150 : 0);
      } else if (req.url === '/hook') {
        // 'forbidden' in any text; 'VERBOTEN' only in capitals (what the `upper` model answers).
        const flagged = /forbidden|VERBOTEN/.test(body.text);
        reply(flagged ? { flagged: true, categories: ['policy/internal'] } : { flagged: false });
      } else if (req.url === '/analyze') {
        // Presidio counts in code points: find "John Smith" and "Zoë Adams" by code point index.
        const cps = Array.from(body.text);
        const out = [];
        for (const name of ['John Smith', 'Zoë Adams']) {
          const want = Array.from(name);
          for (let i = 0; i + want.length <= cps.length; i++) {
            if (want.every((c, j) => cps[i + j] === c)) out.push({ entity_type: 'PERSON', start: i, end: i + want.length, score: 0.85 });
          }
        }
        reply(out);
      } else if (req.url === '/slow') {
        reply({ flagged: false }, 2000);
      } else if (req.url === '/garbage') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"flagged": "maybe"}');
      } else {
        res.writeHead(500);
        res.end('no');
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    seen,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

// A port nothing listens on.
async function closedPort() {
  const s = http.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return port;
}

let echo;
let checker;
let gw;
const env = { MOD_KEY: 'mod-secret-key-0123456789' };

before(async () => {
  echo = await startEcho();
  checker = await startChecker();
  const down = await closedPort();
  const ep = (name, guardrails, model = 'echo') => `
  - name: ${name}
    endpoint_type: llm/v1/chat
    guardrails: [${guardrails}]
    model: {provider: openai, name: ${model}, config: {openai_api_key: sk-upstream-0000000000000, openai_api_base: ${echo.base}}}`;
  gw = await startSluice(`
guardrails:
  - {name: mod, type: http, shape: openai_moderation, url: "${checker.base}/v1/moderations", model: omni-moderation-latest, timeout_ms: 1000, headers: {authorization: "Bearer \${{ secrets.MOD_KEY }}"}}
  - {name: hook, type: http, shape: webhook, url: "${checker.base}/hook", on: both}
  - {name: presidio, type: http, shape: presidio, url: "${checker.base}/analyze", action: mask, restore_in_answer: true, entities: [PERSON], score_threshold: 0.5}
  - {name: slow-open, type: http, shape: webhook, url: "${checker.base}/slow", timeout_ms: 200, on_failure: open}
  - {name: slow-closed, type: http, shape: webhook, url: "${checker.base}/slow", timeout_ms: 200, on_failure: closed}
  - {name: down-closed, type: http, shape: webhook, url: "http://127.0.0.1:${down}/hook", timeout_ms: 500, on_failure: closed}
  - {name: garbage-closed, type: http, shape: webhook, url: "${checker.base}/garbage", on_failure: closed}
  - {name: par, type: http, shape: openai_moderation, url: "${checker.base}/late/v1/moderations", mode: parallel}
endpoints:
${ep('mod', 'mod')}
${ep('hook', 'hook')}
${ep('hook-upper', 'hook', 'upper')}
${ep('presidio', 'presidio')}
${ep('slow-open', 'slow-open')}
${ep('slow-closed', 'slow-closed')}
${ep('down-closed', 'down-closed')}
${ep('garbage-closed', 'garbage-closed')}
${ep('par', 'par', 'slow')}
${ep('par-cached', 'par', 'slow')}
    cache: {mode: exact}
`, { env });
});

after(async () => {
  if (gw) await stopCleanly(gw);
  if (echo) await echo.close();
  if (checker) await checker.close();
});

async function chat(model, say, { stream = false, path = '/v1/chat/completions' } = {}) {
  const body = path === '/v1/messages'
    ? { model, max_tokens: 50, messages: [{ role: 'user', content: say }], ...(stream ? { stream: true } : {}) }
    : { model, messages: [{ role: 'user', content: say }], ...(stream ? { stream: true } : {}) };
  const res = await post(gw, path, body);
  const text = await res.text();
  return { res, status: res.status, text, json: text.startsWith('{') ? JSON.parse(text) : null };
}

test('OpenAI moderation shape: flagged blocks before the provider, with the categories named; headers and model sent', async () => {
  const calls = echo.seen.length;
  const r = await chat('mod', 'I will kill the process');
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error.code, 'guardrail_blocked');
  assert.match(r.json.error.message, /guardrail 'mod' \(found: violence\)/);
  assert.equal(echo.seen.length, calls);
  const asked = checker.seen.at(-1);
  assert.equal(asked.path, '/v1/moderations');
  assert.equal(asked.headers.authorization, `Bearer ${env.MOD_KEY}`);
  assert.deepEqual(asked.body, { input: 'I will kill the process', model: 'omni-moderation-latest' });
  const ok = await chat('mod', 'a calm question');
  assert.equal(ok.status, 200, ok.text);
  // Anthropic's clients get their own error shape.
  const a = await chat('mod', 'kill it', { path: '/v1/messages' });
  assert.equal(a.status, 400);
  assert.equal(a.json.type, 'error');
});

test('webhook shape on both sides: the request, then the answer (filtered when flagged); streams are not sent', async () => {
  const r = await chat('hook', 'this is forbidden');
  assert.equal(r.status, 400, r.text);
  assert.match(r.json.error.message, /guardrail 'hook' \(found: policy\/internal\)/);
  assert.deepEqual(checker.seen.at(-1).body, { text: 'this is forbidden' });
  // An answer flagged: filtered in each dialect (MLflow: its error).
  const filtered = await chat('hook-upper', 'say verboten');
  assert.equal(filtered.status, 200, filtered.text);
  assert.equal(filtered.json.choices[0].finish_reason, 'content_filter');
  assert.equal(filtered.json.choices[0].message.content, '');
  assert.deepEqual(checker.seen.at(-1).body, { text: 'SAY VERBOTEN' });
  const refused = await chat('hook-upper', 'say verboten', { path: '/v1/messages' });
  assert.equal(refused.json.stop_reason, 'refusal', refused.text);
  assert.ok(!refused.text.includes('VERBOTEN'));
  const mlflow = await post(gw, '/endpoints/hook-upper/invocations', { messages: [{ role: 'user', content: 'say verboten' }] });
  assert.equal(mlflow.status, 400);
  assert.match(await mlflow.text(), /The answer was blocked by guardrail 'hook'/);
  const before = checker.seen.filter((s) => s.path === '/hook').length;
  const ok = await chat('hook', 'all fine');
  assert.equal(ok.status, 200);
  assert.equal(checker.seen.filter((s) => s.path === '/hook').length, before + 2);
  const streamed = await chat('hook', 'all fine', { stream: true });
  assert.equal(streamed.status, 200);
  assert.equal(checker.seen.filter((s) => s.path === '/hook').length, before + 3);
  const line = await logFor(gw, streamed.res);
  assert.deepEqual(line.guardrails, [{ name: 'hook', action: 'skipped', entity: 'stream', on: 'output', count: 1 }]);
});

test('Presidio: entities masked at their code-point offsets, the provider sees placeholders, the client its values', async () => {
  for (const stream of [false, true]) {
    const r = await chat('presidio', 'Zoë Adams met John Smith; John Smith paid.', { stream });
    assert.equal(r.status, 200, r.text);
    const sent = echo.seen.at(-1).messages[0].content;
    assert.equal(sent, '<PERSON_1> met <PERSON_2>; <PERSON_2> paid.');
    const said = stream
      ? r.text.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)).choices[0]?.delta?.content ?? '').join('')
      : r.json.choices[0].message.content;
    assert.equal(said, 'Zoë Adams met John Smith; John Smith paid.');
  }
  const asked = checker.seen.filter((s) => s.path === '/analyze').at(-1).body;
  assert.deepEqual(asked, { text: 'Zoë Adams met John Smith; John Smith paid.', language: 'en', score_threshold: 0.5, entities: ['PERSON'] });
});

test('a check that times out fails open (the request goes on, counted) or closed (503 guardrail_unavailable)', async () => {
  const open = await chat('slow-open', 'hello');
  assert.equal(open.status, 200, open.text);
  const line = await logFor(gw, open.res);
  assert.deepEqual(line.guardrails, [{ name: 'slow-open', action: 'failed_open', entity: 'unavailable', on: 'input', count: 1 }]);
  const calls = echo.seen.length;
  for (const model of ['slow-closed', 'down-closed', 'garbage-closed']) {
    const started = Date.now();
    const closed = await chat(model, 'hello');
    assert.equal(closed.status, 503, `${model}: ${closed.text}`);
    assert.equal(closed.json.error.code, 'guardrail_unavailable');
    assert.match(closed.json.error.message, new RegExp(`Guardrail '${model}' could not check the request`));
    assert.ok(Date.now() - started < 1500, `${model} took ${Date.now() - started} ms`);
  }
  assert.equal(echo.seen.length, calls, 'a closed guardrail let a request through');
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.match(metrics, /sluice_guardrail_actions_total\{guardrail="slow-closed",action="failed_closed",entity="unavailable"\} 1/);
});

test('parallel: the provider is called at once, and its answer held until the check passes or withheld when it flags', async () => {
  const started = Date.now();
  const ok = await chat('par', 'a calm question');
  assert.equal(ok.status, 200, ok.text);
  const provider = echo.seen.at(-1);
  const check = checker.seen.at(-1);
  assert.equal(check.path, '/late/v1/moderations');
  // Both were asked before either answered (the check takes 150 ms, the provider 300 ms).
  assert.ok(Math.abs(provider.at - check.at) < 120, `provider at +${provider.at - started}, check at +${check.at - started}`);
  const bad = await chat('par', 'kill the batch job');
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.json.error.message, /guardrail 'par' \(found: violence\)/);
  assert.ok(!bad.text.includes('kill the batch job'));
  // A blocked answer is not cached, so asking again is blocked again.
  for (let i = 0; i < 2; i++) {
    const again = await chat('par-cached', 'kill the cron job');
    assert.equal(again.status, 400, again.text);
    assert.equal(again.res.headers.get('x-sluice-cache'), null);
  }
  // A stream checks first instead (its answer cannot be held whole).
  const s = await chat('par', 'kill it', { stream: true });
  assert.equal(s.status, 400, s.text);
});

test('no log line holds the texts that were checked', async () => {
  const all = JSON.stringify(gw.logs()) + gw.stderr();
  for (const v of ['kill the process', 'this is forbidden', 'John Smith', 'Zoë Adams', env.MOD_KEY]) assert.ok(!all.includes(v), v);
});
