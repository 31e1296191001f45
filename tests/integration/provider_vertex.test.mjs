// Vertex AI end to end: a service account key made for the test, a loopback OAuth token server
// that verifies the gateway's RS256 assertion with the public key, and a loopback Vertex API that
// accepts only the token it issued. The token is fetched once and reused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { generateKeyPairSync, createVerify } from 'node:crypto';
import { startSluice } from '../support/sluice.mjs';
import { post, sseData, stopCleanly } from './helpers.mjs';

const b64url = (s) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

test('vertex_ai: service-account JWT exchanged for a token, Gemini wire format under the project path', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const exchanges = [];
  const calls = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const reply = (status, obj, type = 'application/json') => { res.writeHead(status, { 'content-type': type }); res.end(typeof obj === 'string' ? obj : JSON.stringify(obj)); };
      if (req.url === '/token') {
        const form = new URLSearchParams(raw);
        const [h, c, sig] = form.get('assertion').split('.');
        const ok = form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' &&
          createVerify('RSA-SHA256').update(`${h}.${c}`).verify(publicKey, b64url(sig));
        const claims = JSON.parse(b64url(c).toString());
        exchanges.push({ ok, claims });
        if (!ok) return reply(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
        return reply(200, { access_token: 'ya29.test-token', expires_in: 3599, token_type: 'Bearer' });
      }
      calls.push({ path: req.url, auth: req.headers.authorization, body: JSON.parse(raw) });
      if (req.headers.authorization !== 'Bearer ya29.test-token') return reply(401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
      const m = /^\/v1\/projects\/my-proj\/locations\/europe-west4\/publishers\/google\/models\/([^:]+):(generateContent|streamGenerateContent)(\?alt=sse)?$/.exec(req.url);
      if (!m) return reply(404, { error: { code: 404, message: `no ${req.url}`, status: 'NOT_FOUND' } });
      const usageMetadata = { promptTokenCount: 4, candidatesTokenCount: 2, totalTokenCount: 6 };
      if (m[2] === 'generateContent') {
        return reply(200, { candidates: [{ content: { role: 'model', parts: [{ text: 'Vertex says hi' }] }, finishReason: 'STOP' }], usageMetadata, modelVersion: m[1] });
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: 'Vertex ' }] } }] })}\r\n\r\n`);
      res.end(`data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: 'streams' }] }, finishReason: 'STOP' }], usageMetadata })}\r\n\r\n`);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const account = JSON.stringify({ type: 'service_account', project_id: 'my-proj', client_email: 'gw@my-proj.iam.gserviceaccount.com',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }), token_uri: `${base}/token` });
  const gateway = await startSluice(`
endpoints:
  - name: vertex
    endpoint_type: llm/v1/chat
    model:
      provider: vertex_ai
      name: gemini-2.5-flash
      config:
        vertex_project: my-proj
        vertex_location: europe-west4
        vertex_credentials: \${{ secrets.VERTEX_SA }}
        vertex_api_base: "${base}/v1"
`, { env: { VERTEX_SA: account } });
  try {
    for (let i = 0; i < 3; ++i) {
      const res = await post(gateway, '/v1/chat/completions', { model: 'vertex', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).choices[0].message.content, 'Vertex says hi');
    }
    const s = await post(gateway, '/v1/chat/completions', { model: 'vertex', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const chunks = sseData(await s.text());
    assert.equal(chunks.at(-1), '[DONE]');
    assert.equal(chunks.slice(0, -1).map((d) => JSON.parse(d).choices[0]?.delta?.content ?? '').join(''), 'Vertex streams');
    // Each worker exchanges at most once; the token is cached afterwards.
    assert.ok(exchanges.length >= 1 && exchanges.length <= 2, `${exchanges.length} exchanges`);
    assert.ok(exchanges.every((e) => e.ok));
    assert.equal(exchanges[0].claims.iss, 'gw@my-proj.iam.gserviceaccount.com');
    assert.equal(calls.length, 4);
    assert.ok(calls.every((c) => c.auth === 'Bearer ya29.test-token'));
    assert.match(calls[0].path, /^\/v1\/projects\/my-proj\/locations\/europe-west4\/publishers\/google\/models\/gemini-2\.5-flash:generateContent$/);
  } finally {
    try { await stopCleanly(gateway); } finally { server.closeAllConnections(); server.close(); }
  }
});
