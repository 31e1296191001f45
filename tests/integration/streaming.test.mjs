// Streams under failure: upstream dying or erroring mid-stream, the client going away, and
// many concurrent streams.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startGatewayWithUpstream, post, sseData, chatBody, logFor } from './helpers.mjs';
import { eventually } from '../support/sluice.mjs';

let env;
before(async () => { env = await startGatewayWithUpstream(); });
after(async () => { await env.close(); });

test('upstream dies mid-stream → content so far, then an error event, no [DONE]', async () => {
  const res = await post(env.gateway, '/v1/chat/completions', chatBody('chat-die-mid', { stream: true }));
  assert.equal(res.status, 200);
  const data = sseData(await res.text());
  assert.notEqual(data.at(-1), '[DONE]');
  const last = JSON.parse(data.at(-1));
  assert.equal(last.error.type, 'upstream_error');
  assert.match(last.error.message, /lost|ended/);
  assert.ok(data.slice(0, -1).some((d) => JSON.parse(d).choices?.[0]?.delta?.content === 'partial'));
  const log = await logFor(env.gateway, res);
  assert.equal(log.stream, true);
  assert.match(log.error, /stream failed/);
});

test('provider error event mid-stream → forwarded as an error event', async () => {
  const res = await post(env.gateway, '/v1/chat/completions', chatBody('chat-error-event', { stream: true }));
  const data = sseData(await res.text());
  const last = JSON.parse(data.at(-1));
  assert.match(last.error.message, /overloaded mid-stream/);
  assert.ok(!data.includes('[DONE]'));
});

test('stream that fails before any content keeps the real status', async () => {
  const res = await post(env.gateway, '/v1/chat/completions', chatBody('chat-fail-503', { stream: true }));
  assert.equal(res.status, 503);
  assert.match((await res.json()).error.message, /upstream says no/);
  const hang = await post(env.gateway, '/v1/chat/completions', chatBody('chat-hang', { stream: true }));
  assert.equal(hang.status, 504);
  await hang.arrayBuffer();
});

test('client disconnect mid-stream cancels the upstream request', async () => {
  const before = env.upstream.state.closedEarly;
  await new Promise((resolve, reject) => {
    const req = http.request(env.gateway.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let got = '';
      res.on('data', (d) => {
        got += d;
        if (got.includes('c2 ')) { req.destroy(); resolve(); }
      });
    });
    req.on('error', () => {});
    req.end(JSON.stringify(chatBody('chat-slow-stream', { stream: true })));
    setTimeout(() => reject(new Error('no chunks arrived')), 5000);
  });
  // The upstream stream would run 2 s; sluice must close it well before that.
  await eventually(() => env.upstream.state.closedEarly > before, 1500, 'upstream connection closed');
  const res = await post(env.gateway, '/v1/chat/completions', chatBody('chat-ok'));
  assert.equal(res.status, 200);
  await res.arrayBuffer();
});

test('200 concurrent streams all complete intact', async () => {
  const n = 200;
  const agent = new http.Agent({ keepAlive: true, maxSockets: n });
  const one = (i) => new Promise((resolve, reject) => {
    const req = http.request(env.gateway.url + '/v1/chat/completions', { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-request-id': `conc-${i}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(chatBody('chat-ok', { stream: true })));
  });
  const results = await Promise.all(Array.from({ length: n }, (_, i) => one(i)));
  agent.destroy();
  for (const r of results) {
    assert.equal(r.status, 200);
    const data = sseData(r.text);
    assert.equal(data.at(-1), '[DONE]');
    assert.equal(data.slice(0, -1).map((d) => JSON.parse(d).choices[0]?.delta?.content ?? '').join(''), 'Hello from upstream');
  }
});
