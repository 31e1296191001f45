// Every error a client can get from the OpenAI-compatible API: right status, OpenAI's error
// shape, secrets redacted, and the server keeps serving afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startGatewayWithUpstream, post, chatBody, logFor } from './helpers.mjs';

let env;
before(async () => { env = await startGatewayWithUpstream({ server: '  max_body_bytes: 4096' }); });
after(async () => { await env.close(); });

async function expectError(res, status, { type, param, message, code } = {}) {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type'), /application\/json/);
  const body = await res.json();
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  assert.ok('param' in body.error && 'code' in body.error && 'type' in body.error, JSON.stringify(body));
  if (type) assert.equal(body.error.type, type);
  if (param !== undefined) assert.equal(body.error.param, param);
  if (code !== undefined) assert.equal(body.error.code, code);
  if (message) assert.match(body.error.message, message);
  return body;
}

test('invalid JSON → 400', async () => {
  await expectError(await post(env.gateway, '/v1/chat/completions', '{"model": "chat-ok", '), 400,
    { type: 'invalid_request_error', message: /could not parse the JSON body/ });
});

test('body that is not an object → 400', async () => {
  await expectError(await post(env.gateway, '/v1/chat/completions', '[1,2]'), 400, { message: /JSON object/ });
});

test('missing and invalid fields → 400 naming the field', async () => {
  const cases = [
    ['/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] }, 'model'],
    ['/v1/chat/completions', { model: 'chat-ok' }, 'messages'],
    ['/v1/chat/completions', { model: 'chat-ok', messages: [] }, 'messages'],
    ['/v1/chat/completions', { model: 'chat-ok', messages: [{ content: 'x' }] }, 'messages[0].role'],
    ['/v1/chat/completions', { model: 'chat-ok', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
    ['/v1/chat/completions', { model: 'chat-ok', messages: [{ role: 'user' }] }, 'messages[0].content'],
    ['/v1/chat/completions', { model: 'chat-ok', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
    ['/v1/chat/completions', chatBody('chat-ok', { temperature: 3 }), 'temperature'],
    ['/v1/chat/completions', chatBody('chat-ok', { temperature: 'hot' }), 'temperature'],
    ['/v1/chat/completions', chatBody('chat-ok', { max_tokens: 0 }), 'max_tokens'],
    ['/v1/chat/completions', chatBody('chat-ok', { n: 1.5 }), 'n'],
    ['/v1/chat/completions', chatBody('chat-ok', { stop: 5 }), 'stop'],
    ['/v1/chat/completions', chatBody('chat-ok', { stream: 'yes' }), 'stream'],
    ['/v1/chat/completions', chatBody('chat-ok', { stream_options: { include_usage: true } }), 'stream_options'],
    ['/v1/completions', { model: 'completions' }, 'prompt'],
    ['/v1/embeddings', { model: 'embeddings' }, 'input'],
    ['/v1/embeddings', { model: 'embeddings', input: [] }, 'input'],
    ['/v1/embeddings', { model: 'embeddings', input: 'x', encoding_format: 'hex' }, 'encoding_format'],
    ['/v1/embeddings', { model: 'embeddings', input: 'x', stream: true }, 'stream'],
  ];
  for (const [path, body, param] of cases) {
    await expectError(await post(env.gateway, path, body), 400, { type: 'invalid_request_error', param });
  }
  assert.equal(env.upstream.requests.filter((r) => r.body.model === undefined).length, 0);
});

test('unknown model → 404 model_not_found', async () => {
  await expectError(await post(env.gateway, '/v1/chat/completions', chatBody('no-such-endpoint')), 404,
    { param: 'model', code: 'model_not_found', message: /no-such-endpoint/ });
});

test('endpoint of another type → 400', async () => {
  await expectError(await post(env.gateway, '/v1/embeddings', { model: 'chat-ok', input: 'x' }), 400,
    { param: 'model', message: /llm\/v1\/chat endpoint/ });
});

test('unknown path → 404, wrong method → 405 with Allow', async () => {
  await expectError(await fetch(env.gateway.url + '/v1/nothing'), 404, { message: /Unknown request URL/ });
  const res = await fetch(env.gateway.url + '/v1/chat/completions');
  assert.equal(res.headers.get('allow'), 'POST');
  await expectError(res, 405);
  const del = await fetch(env.gateway.url + '/v1/models', { method: 'DELETE' });
  assert.equal(del.headers.get('allow'), 'GET');
  await expectError(del, 405);
});

test('body too large → 413, by Content-Length and by chunked body', async () => {
  const big = JSON.stringify(chatBody('chat-ok', { pad: 'x'.repeat(10000) }));
  await expectError(await post(env.gateway, '/v1/chat/completions', big), 413);
  const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close(); } });
  const res = await fetch(env.gateway.url + '/v1/chat/completions', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' });
  await expectError(res, 413);
});

test('unsupported media type → 415', async () => {
  await expectError(await post(env.gateway, '/v1/chat/completions', JSON.stringify(chatBody('chat-ok')), { 'content-type': 'text/plain' }), 415);
});

test('upstream 4xx and 5xx pass through with status and message, key redacted', async () => {
  for (const [model, status, type] of [['fail-400', 400, 'invalid_request_error'], ['fail-401', 401, 'authentication_error'],
    ['fail-429', 429, 'rate_limit_error'], ['fail-500', 500, 'upstream_error'], ['fail-503', 503, 'upstream_error']]) {
    const res = await post(env.gateway, '/v1/chat/completions', chatBody(`chat-${model}`));
    const body = await expectError(res, status, { type, param: 'messages', code: 'upstream_code', message: /upstream says no/ });
    assert.ok(!body.error.message.includes('sk-test-secret-key-123456'), body.error.message);
    assert.match(body.error.message, /\[REDACTED\]/);
    const log = await logFor(env.gateway, res);
    assert.ok(!JSON.stringify(log).includes('sk-test-secret-key-123456'));
    assert.equal(log.status, status);
  }
});

test('upstream error with a non-JSON body → status kept, body snippet in message', async () => {
  await expectError(await post(env.gateway, '/v1/chat/completions', chatBody('chat-text-502')), 502, { message: /HTTP 502: plain failure text/ });
});

test('upstream connection refused → 502', async () => {
  await expectError(await post(env.gateway, '/v1/chat/completions', chatBody('unreachable')), 502, { type: 'upstream_error', message: /cannot connect/ });
});

test('upstream timeout → 504', async () => {
  const t0 = Date.now();
  await expectError(await post(env.gateway, '/v1/chat/completions', chatBody('chat-hang')), 504, { type: 'timeout_error' });
  assert.ok(Date.now() - t0 >= 1400, 'waited for first_byte_ms');
});

test('upstream answers 200 with a body that is not JSON → 502', async () => {
  await expectError(await post(env.gateway, '/v1/chat/completions', chatBody('chat-bad-json')), 502, { message: /not a JSON object/ });
});

test('malformed HTTP → 400 and the connection closes', async () => {
  const reply = await new Promise((resolve) => {
    const sock = net.connect(env.gateway.port, '127.0.0.1', () => sock.write('GARBAGE\x01 / HTTP/1.1\r\n\r\n'));
    let data = '';
    sock.on('data', (d) => (data += d));
    sock.on('close', () => resolve(data));
  });
  assert.match(reply, /^HTTP\/1\.1 400/);
  assert.match(reply, /"error"/);
});

test('oversized headers → 431', async () => {
  const res = await fetch(env.gateway.url + '/v1/models', { headers: { 'x-big': 'y'.repeat(20000) } });
  await expectError(res, 431);
});

test('after all of the above the server still serves', async () => {
  const res = await post(env.gateway, '/v1/chat/completions', chatBody('chat-ok'));
  assert.equal(res.status, 200);
  assert.equal((await res.json()).choices[0].message.content, 'upstream answer');
});
