// Imitates Cohere's v2 API on loopback: POST /v2/chat (JSON or SSE events message-start,
// content-delta, message-end) and /v2/embed, the key as a bearer token (401 otherwise).
// Behaviour by the request's model: `rate-limited` → 429 with retry-after: 4; `cut` → the
// stream drops after its first text; anything else answers. `requests` records each request.
import http from 'node:http';

export async function startCohereUpstream({ key = 'co-test-key-0123456789' } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      let body = {};
      try { body = JSON.parse(raw); } catch { body = {}; }
      requests.push({ path: req.url, headers: req.headers, body });
      const reply = (status, obj, headers = {}) => {
        const text = JSON.stringify(obj);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
        res.end(text);
      };
      if (req.headers.authorization !== `Bearer ${key}`) return reply(401, { id: 'e1', message: 'invalid api token' });
      if (body.model === 'rate-limited') return reply(429, { id: 'e2', message: 'You are using a Trial key, which is limited to 10 API calls / minute.' }, { 'retry-after': '4' });
      if (req.url === '/v2/embed') {
        return reply(200, { id: 'emb1', embeddings: { float: body.texts.map((t) => [t.length, 0.5]) }, meta: { billed_units: { input_tokens: body.texts.length } } });
      }
      if (req.url !== '/v2/chat') return reply(404, { id: 'e3', message: `no route ${req.url}` });
      const last = (body.messages ?? []).filter((m) => m.role === 'user').at(-1);
      const text = `Cohere heard: ${typeof last?.content === 'string' ? last.content : ''}`;
      const usage = { billed_units: { input_tokens: 4, output_tokens: 6 }, tokens: { input_tokens: 40, output_tokens: 6 } };
      if (!body.stream) {
        return reply(200, { id: 'chat1', finish_reason: 'COMPLETE', message: { role: 'assistant', content: [{ type: 'text', text }] }, usage });
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
      send('message-start', { id: 'chat2', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } });
      send('content-start', { index: 0, delta: { message: { content: { type: 'text', text: '' } } } });
      const words = text.split(/(?= )/);
      send('content-delta', { index: 0, delta: { message: { content: { text: words[0] } } } });
      if (body.model === 'cut') return setTimeout(() => res.socket.destroy(), 20);
      for (const w of words.slice(1)) send('content-delta', { index: 0, delta: { message: { content: { text: w } } } });
      send('content-end', { index: 0 });
      send('message-end', { delta: { finish_reason: 'COMPLETE', usage } });
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    port,
    base: `http://127.0.0.1:${port}/v2`,
    key,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}
