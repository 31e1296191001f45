// HTTPS upstreams: the certificate is verified against the system CA store by default (here made
// to trust a test CA through SSL_CERT_FILE), and an untrusted certificate is refused with a 502.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMockUpstream } from '../support/mock_upstream.mjs';
import { startSluice, tempDir } from '../support/sluice.mjs';
import { post, chatBody, stopCleanly } from './helpers.mjs';

let upstream, dir;
before(async () => {
  dir = tempDir('sluice-tls-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  upstream = await startMockUpstream({ tls: { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) } });
});
after(async () => { await upstream.close(); });

const config = () => `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: ok, config: {openai_api_key: sk-tls-test-key-0001, openai_api_base: "${upstream.base}"}}
`;

test('a trusted certificate: the request goes through over TLS', async () => {
  const gw = await startSluice(config(), { env: { SSL_CERT_FILE: join(dir, 'cert.pem') } });
  try {
    const res = await post(gw, '/v1/chat/completions', chatBody('chat'));
    assert.equal(res.status, 200);
    assert.equal((await res.json()).choices[0].message.content, 'upstream answer');
    assert.equal(upstream.requests.at(-1).headers.authorization, 'Bearer sk-tls-test-key-0001');
  } finally {
    await stopCleanly(gw);
  }
});

test('an untrusted certificate is refused: 502, nothing sent', async () => {
  const before = upstream.requests.length;
  const gw = await startSluice(config(), { env: { SSL_CERT_FILE: '/nonexistent/ca.pem', SSL_CERT_DIR: '/nonexistent' } });
  try {
    const res = await post(gw, '/v1/chat/completions', chatBody('chat'));
    assert.equal(res.status, 502);
    assert.match((await res.json()).error.message, /TLS handshake with the provider failed.*certificate verify failed/);
    assert.equal(upstream.requests.length, before);
  } finally {
    await stopCleanly(gw);
  }
});
