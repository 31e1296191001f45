// Payload logs (request_log:) with the real binary: one record per model request with the prompt
// as sent on and the answer as the client got it (a stream assembled; an output guardrail's
// masking kept), read back with GET /admin/requests[/{id}] with every attempt; redact: [pii];
// max_bytes; capture; sample_ratio 0; the file sink; never a key; the store's retention.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEcho } from '../support/echo_upstream.mjs';
import { startSluice, eventually, tempDir } from '../support/sluice.mjs';
import { post, stopCleanly } from './helpers.mjs';

const ADMIN = 'admin-key-for-request-log-tests';
const GATEWAY_KEY = 'sk-gateway-request-log-key-0123456789';
let echo;
before(async () => { echo = await startEcho(); });
after(() => echo.close());

const endpoints = (extra = '') => `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: echo, config: {openai_api_key: sk-echo, openai_api_base: "${'${BASE}'}"}}
  - name: masked
    endpoint_type: llm/v1/chat
    guardrails: [pii-out]
    model: {provider: openai, name: echo, config: {openai_api_key: sk-echo, openai_api_base: "${'${BASE}'}"}}
${extra}`;

async function gateway(requestLog, { keys = false } = {}) {
  const dir = tempDir();
  const yaml = `
auth:
  admin_key: ${ADMIN}
${keys ? `  mode: keys\n  pepper: \${{ secrets.PEPPER }}\n  keys: [{name: app, team: web, key: "\${{ secrets.KEY }}"}]` : ''}
stores: {sqlite: ${join(dir, 'gw.db')}}
guardrails:
  - {name: pii-out, type: pii, on: output, action: mask}
request_log: ${requestLog.replaceAll('DIR', dir)}
${endpoints().replaceAll('${BASE}', echo.base)}`;
  const gw = await startSluice(yaml, { env: { PEPPER: 'pepper-for-request-log-tests-0123', KEY: GATEWAY_KEY } });
  gw.dir = dir;
  return gw;
}

const admin = async (gw, path) => {
  const res = await fetch(gw.url + path, { headers: { authorization: `Bearer ${ADMIN}` } });
  return { status: res.status, json: await res.json() };
};
// One logged request. The record is queued once the answer has gone out (the observers run
// after the client has it), so a client that asks at once may be ahead of it: asked until found.
async function logged(gw, id) {
  let found;
  await eventually(async () => (found = await admin(gw, `/admin/requests/${id}`)).status === 200, 3000, `request ${id} in the log`);
  return found;
}
const ask = (content, extra = {}, model = 'chat') => ({ model, messages: [{ role: 'user', content }], ...extra });

test('records hold the prompt sent on and the answer the client got, streams assembled, every attempt; never the key', async () => {
  const gw = await gateway('{enabled: true}', { keys: true });
  try {
    const auth = { authorization: `Bearer ${GATEWAY_KEY}` };
    const plain = await post(gw, '/v1/chat/completions', ask('hello there'), auth);
    assert.equal(plain.status, 200);
    await plain.json();
    const streamed = await post(gw, '/v1/chat/completions', ask('a streamed answer in pieces', { stream: true }), auth);
    assert.equal(streamed.status, 200);
    await streamed.text();
    // An output guardrail masks the answer: the log keeps what the client got.
    const masked = await post(gw, '/v1/chat/completions', ask('mail jane.doe@example.com', {}, 'masked'), auth);
    assert.match((await masked.json()).choices[0].message.content, /<EMAIL_ADDRESS_1>/);
    await (await fetch(`${gw.url}/v1/models`, { headers: auth })).arrayBuffer();

    const list = await admin(gw, '/admin/requests');
    assert.equal(list.status, 200, JSON.stringify(list.json));
    assert.equal(list.json.data.length, 3, 'model requests only: not the catalogue read');
    assert.equal(list.json.data[0].request_id, masked.headers.get('x-request-id'), 'newest first');
    assert.equal(list.json.data[0].prompt, undefined, 'the list leaves payloads out');

    const one = await logged(gw, plain.headers.get('x-request-id'));
    assert.equal(one.status, 200);
    const r = one.json;
    assert.equal(r.endpoint, 'chat');
    assert.equal(r.provider, 'openai');
    assert.equal(r.status, 200);
    assert.equal(r.api, 'openai');
    assert.equal(r.team, 'web');
    assert.equal(r.key_id, 'cfg_app');  // a config key's id
    assert.equal(JSON.parse(r.prompt)[0].content, 'hello there');
    assert.equal(r.answer, 'hello there');
    assert.equal(r.attempts.length, 1);
    assert.equal(r.attempts[0].destination, 'chat');
    assert.equal(r.attempts[0].status, 200);
    assert.ok(r.latency_ms > 0 && r.prompt_tokens > 0);

    const s = (await logged(gw, streamed.headers.get('x-request-id'))).json;
    assert.equal(s.stream, true);
    assert.equal(s.answer, 'a streamed answer in pieces', 'the stream assembled');
    assert.ok(s.ttft_ms > 0);
    const m = (await logged(gw, masked.headers.get('x-request-id'))).json;
    assert.equal(m.answer, 'mail <EMAIL_ADDRESS_1>');
    assert.equal(m.guardrails[0].name, 'pii-out');

    // Filters, bad parameters, unknown ids.
    assert.equal((await admin(gw, '/admin/requests?endpoint=masked')).json.data.length, 1);
    assert.equal((await admin(gw, '/admin/requests?status=500')).json.data.length, 0);
    assert.equal((await admin(gw, '/admin/requests?limit=2')).json.data.length, 2);
    for (const [q, param] of [['limit=0', 'limit'], ['status=abc', 'status'], ['team=web', 'team'], ['since=soon', 'since']]) {
      const bad = await admin(gw, `/admin/requests?${q}`);
      assert.equal(bad.status, 400, q);
      assert.equal(bad.json.error.param, param, q);
    }
    assert.equal((await admin(gw, '/admin/requests/req_nope')).status, 404);
    // The gateway key is in no record.
    // The database and its write-ahead log hold the prompts (so the search can find text), and
    // neither key.
    const bytes = Buffer.concat(['gw.db', 'gw.db-wal'].map((f) => {
      try { return readFileSync(join(gw.dir, f)); } catch { return Buffer.alloc(0); }
    }));
    assert.notEqual(bytes.indexOf('hello there'), -1, 'the prompts are in the files searched');
    assert.equal(bytes.indexOf(GATEWAY_KEY), -1, 'the gateway key is not in the database');
    assert.equal(bytes.indexOf('sk-echo'), -1, 'the provider key is not in the database');
  } finally {
    await stopCleanly(gw);
  }
});

test('redact: [pii] masks prompt and answer; max_bytes cuts and marks; capture and sample_ratio narrow what is kept', async () => {
  // The cut at max_bytes falls inside the e-mail address: masked first, it is never kept in part.
  const gw = await gateway('{redact: [pii], max_bytes: 70, capture: [prompt]}');
  try {
    const res = await post(gw, '/v1/chat/completions', ask(`${'x'.repeat(30)} jane.doe@example.com and +44 20 7946 0958 after`));
    await res.json();
    const r = (await logged(gw, res.headers.get('x-request-id'))).json;
    assert.doesNotMatch(r.prompt, /jane|doe@|7946/);
    assert.ok(Buffer.byteLength(r.prompt) <= 70, r.prompt);
    assert.equal(r.truncated, true);
    assert.equal(r.answer, null, 'capture: [prompt] keeps no answer');
    // A request that reached no endpoint is not logged.
    await (await post(gw, '/v1/chat/completions', ask('hello', {}, 'no-such-model'))).arrayBuffer();
    assert.equal((await admin(gw, '/admin/requests')).json.data.length, 1);
  } finally {
    await stopCleanly(gw);
  }
  const full = await gateway('{redact: [pii]}');
  try {
    const res = await post(full, '/v1/chat/completions', ask('write to jane.doe@example.com'));
    await res.json();
    const r = (await admin(full, `/admin/requests/${res.headers.get('x-request-id')}`)).json;
    assert.match(r.prompt, /<EMAIL_ADDRESS_1>/);
    assert.equal(r.answer, 'write to <EMAIL_ADDRESS_1>', 'the same value, the same placeholder');
    assert.equal(r.truncated, false);
  } finally {
    await stopCleanly(full);
  }
  const none = await gateway('{sample_ratio: 0}');
  try {
    await (await post(none, '/v1/chat/completions', ask('hello'))).json();
    assert.equal((await admin(none, '/admin/requests')).json.data.length, 0);
  } finally {
    await stopCleanly(none);
  }
});

test('the file sink writes a JSON line per request; the admin API says where to look', async () => {
  const gw = await gateway('{sink: file, path: DIR/requests.jsonl}');
  try {
    const res = await post(gw, '/v1/chat/completions', ask('to the file'));
    await res.json();
    const file = join(gw.dir, 'requests.jsonl');
    await eventually(() => { try { return readFileSync(file, 'utf8').includes('\n'); } catch { return false; } }, 3000, 'a line');
    const line = JSON.parse(readFileSync(file, 'utf8').trim().split('\n')[0]);
    assert.equal(line.request_id, res.headers.get('x-request-id'));
    assert.equal(line.answer, 'to the file');
    const list = await admin(gw, '/admin/requests');
    assert.equal(list.status, 400);
    assert.match(list.json.error.message, /written to a file/);
  } finally {
    await stopCleanly(gw);
  }
});

test('config errors name the field', async () => {
  const { runSluice, writeConfig } = await import('../support/sluice.mjs');
  for (const [block, message] of [
    ['{sink: file}', /request_log: sink: file needs a 'path'/],
    ['{sink: kafka}', /request_log\.sink: must be store or file/],
    ['{capture: [prompt, headers]}', /request_log\.capture\[1\]: must be prompt or answer/],
    ['{redact: [secrets]}', /request_log\.redact\[0\]: must be pii/],
    ['{sample_ratio: 3}', /request_log\.sample_ratio/],
  ]) {
    const path = writeConfig(`request_log: ${block}\n${endpoints().replaceAll('${BASE}', 'http://127.0.0.1:9/v1')}`);
    const r = await runSluice(['check-config', path]);
    assert.notEqual(r.code, 0, block);
    assert.match(r.stderr + r.stdout, message, block);
  }
});
