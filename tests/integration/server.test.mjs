// Connection handling: keep-alive to clients and upstreams, pipelining, graceful shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { startGatewayWithUpstream, post, chatBody } from './helpers.mjs';
import { startSluice } from '../support/sluice.mjs';

test('upstream connections are pooled and reused', async () => {
  const env = await startGatewayWithUpstream({ workers: 1 });
  try {
    for (let i = 0; i < 20; i++) {
      const res = await post(env.gateway, '/v1/chat/completions', chatBody('chat-ok'));
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    assert.equal(env.upstream.requests.length, 20);
    assert.ok(env.upstream.state.connections <= 2, `upstream saw ${env.upstream.state.connections} connections`);
    const metrics = await (await fetch(env.gateway.url + '/metrics')).text();
    const reused = Number(/sluice_upstream_connections_total\{outcome="reused"\} (\d+)/.exec(metrics)[1]);
    assert.ok(reused >= 18, metrics);
  } finally {
    await env.close();
  }
});

test('client keep-alive: many requests on one connection', async () => {
  const env = await startGatewayWithUpstream();
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ports = new Set();
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve, reject) => {
        const req = http.request(env.gateway.url + '/v1/models', { agent }, (res) => {
          ports.add(req.socket.localPort);
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end();
      });
    }
    agent.destroy();
    assert.equal(ports.size, 1);
  } finally {
    await env.close();
  }
});

test('pipelined requests are answered in order on one connection', async () => {
  const env = await startGatewayWithUpstream();
  try {
    const body = JSON.stringify(chatBody('chat-ok'));
    const reqs = [
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-request-id: first\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      'GET /v1/models HTTP/1.1\r\nHost: x\r\nx-request-id: second\r\n\r\n',
      'GET /health HTTP/1.1\r\nHost: x\r\nx-request-id: third\r\nConnection: close\r\n\r\n',
    ].join('');
    const reply = await new Promise((resolve) => {
      const sock = net.connect(env.gateway.port, '127.0.0.1', () => sock.write(reqs));
      let data = '';
      sock.on('data', (d) => (data += d));
      sock.on('close', () => resolve(data));
    });
    const ids = [...reply.matchAll(/x-request-id: (\w+)/gi)].map((m) => m[1]);
    assert.deepEqual(ids, ['first', 'second', 'third']);
    assert.equal([...reply.matchAll(/HTTP\/1\.1 200 OK/g)].length, 3);
  } finally {
    await env.close();
  }
});

test('SIGTERM: in-flight stream finishes, new connections refused, exit 0', async () => {
  const gw = await startSluice(`
endpoints:
  - name: slow
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: m, config: {text: "one two three four five six", chunk_delay_ms: 100}}
`);
  const started = post(gw, '/v1/chat/completions', chatBody('slow', { stream: true }));
  const res = await started;
  assert.equal(res.status, 200);
  const textPromise = res.text();
  await new Promise((r) => setTimeout(r, 150));
  const exit = gw.stop('SIGTERM');
  const text = await textPromise;
  assert.match(text, /data: \[DONE\]/);
  const { code } = await exit;
  assert.equal(code, 0);
  await assert.rejects(fetch(gw.url + '/health'));
});
