// A custom/v1/predict endpoint end to end: a non-LLM service on loopback, the request built from
// the endpoint's template (with a secret header), the answer's fields picked by JSON pointers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startSluice } from '../support/sluice.mjs';
import { post, logFor, stopCleanly } from './helpers.mjs';

test('custom/v1/predict: template in, picked fields out, errors passed through', async () => {
  const requests = [];
  const service = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const body = JSON.parse(raw);
      requests.push({ path: req.url, headers: req.headers, body });
      const reply = (status, obj) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
      if (req.headers['x-api-key'] !== 'svc-key-0123') return reply(401, { detail: 'bad key' });
      const text = body.instances[0].text;
      if (text === '') return reply(422, { error: { message: 'text must not be empty' } });
      reply(200, { predictions: [{ label: text.includes('great') ? 'positive' : 'neutral', score: 0.9 }], model_version: '7' });
    });
  });
  await new Promise((r) => service.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${service.address().port}/v1/sentiment?explain=false`;
  const gateway = await startSluice(`
endpoints:
  - name: sentiment
    endpoint_type: custom/v1/predict
    model:
      provider: custom
      name: sentiment-v7
      config:
        url: "${url}"
        headers: {x-api-key: "\${{ secrets.SVC_KEY }}"}
        request_template: '{"instances": [{"text": {{ text }}}], "lang": {{ lang }}}'
        response_fields: {label: /predictions/0/label, score: /predictions/0/score}
`, { env: { SVC_KEY: 'svc-key-0123' } });
  try {
    const res = await post(gateway, '/endpoints/sentiment/invocations', { text: 'a great gateway', lang: 'en' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { label: 'positive', score: 0.9 });
    assert.equal(requests.at(-1).path, '/v1/sentiment?explain=false');
    assert.deepEqual(requests.at(-1).body, { instances: [{ text: 'a great gateway' }], lang: 'en' });
    assert.equal((await logFor(gateway, res)).provider, 'custom');

    const missing = await post(gateway, '/endpoints/sentiment/invocations', { text: 'x' });
    assert.equal(missing.status, 400);
    assert.match(JSON.stringify(await missing.json()), /'lang' is required by this endpoint's request template/);

    const refused = await post(gateway, '/endpoints/sentiment/invocations', { text: '', lang: 'en' });
    assert.equal(refused.status, 422);
    assert.match(JSON.stringify(await refused.json()), /text must not be empty/);

    const wrongApi = await post(gateway, '/v1/chat/completions', { model: 'sentiment', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(wrongApi.status, 400);
    assert.match((await wrongApi.json()).error.message, /custom\/v1\/predict endpoint/);
  } finally {
    try { await stopCleanly(gateway); } finally { service.closeAllConnections(); service.close(); }
  }
});
