// Two small self-hosted model servers on loopback, speaking their own protocols:
//   startMlflowScoringServer  MLflow's pyfunc scoring server: POST /invocations with
//                             {"inputs": [...], "params": {...}} → {"predictions": [...]}
//   startTgiServer            Hugging Face TGI: POST /generate, /generate_stream (SSE tokens) and
//                             its OpenAI route /v1/chat/completions
// Each records its requests in `requests`.
import http from 'node:http';

async function listen(handler) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      let body = {};
      try { body = JSON.parse(raw); } catch { body = {}; }
      requests.push({ path: req.url, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return { port, url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

function json(res, status, obj) {
  const text = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function startMlflowScoringServer() {
  return listen((req, res, body) => {
    if (req.url !== '/invocations') return json(res, 404, { error_code: 'ENDPOINT_NOT_FOUND', message: 'no such path' });
    const inputs = body.inputs ?? [];
    if (inputs.some((x) => x === 'busy')) {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '2' });
      return res.end(JSON.stringify({ error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'too many requests' }));
    }
    if (inputs.some((x) => x === 'fail')) return json(res, 400, { error_code: 'BAD_REQUEST', message: 'the model refused the input' });
    if (typeof inputs[0] === 'string' && inputs[0].startsWith('embed:')) return json(res, 200, { predictions: inputs.map((t) => [t.length, 1]) });
    json(res, 200, { predictions: inputs.map((t) => `served answer to ${t}`) });
  });
}

export function startTgiServer() {
  return listen((req, res, body) => {
    if (req.url === '/v1/chat/completions') {
      return json(res, 200, { id: 'tgi-chat', object: 'chat.completion', created: 1, model: 'tgi',
        choices: [{ index: 0, message: { role: 'assistant', content: 'TGI chat answer' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 } });
    }
    if (body.inputs === 'busy') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
      return res.end(JSON.stringify({ error: 'Model is overloaded', error_type: 'overloaded' }));
    }
    if (req.url === '/generate') {
      return json(res, 200, { generated_text: ` and more after ${body.inputs}`, details: { finish_reason: 'length', generated_tokens: 4, prefill: [{ id: 1 }, { id: 2 }] } });
    }
    if (req.url === '/generate_stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const tokens = [' one', ' two', ' three'];
      if (body.inputs === 'cut') {
        res.write(`data:${JSON.stringify({ index: 1, token: { id: 0, text: ' one', special: false }, generated_text: null, details: null })}\n\n`);
        return setTimeout(() => res.socket.destroy(), 20);
      }
      tokens.forEach((t, i) => {
        const last = i === tokens.length - 1;
        res.write(`data:${JSON.stringify({ index: i + 1, token: { id: i, text: t, special: false }, generated_text: last ? tokens.join('') : null, details: last ? { finish_reason: 'eos_token', generated_tokens: 3 } : null })}\n\n`);
      });
      return res.end();
    }
    json(res, 404, { error: `no route ${req.url}`, error_type: 'not_found' });
  });
}

// Ollama's native API: POST /api/chat (NDJSON stream by default, one object with stream:false),
// /api/generate and /api/embed.
export function startOllamaServer() {
  return listen((req, res, body) => {
    const finalStats = { done: true, done_reason: 'stop', prompt_eval_count: 7, eval_count: 3 };
    if (req.url === '/api/embed') return json(res, 200, { model: body.model, embeddings: [].concat(body.input).map((t) => [t.length, 0.25]), prompt_eval_count: 2 });
    if (req.url !== '/api/chat' && req.url !== '/api/generate') return json(res, 404, { error: `no route ${req.url}` });
    if (body.model === 'missing') return json(res, 404, { error: 'model "missing" not found, try pulling it first' });
    if (body.model === 'busy') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '5' });
      return res.end(JSON.stringify({ error: 'server busy, please try again' }));
    }
    const chat = req.url === '/api/chat';
    const prompt = chat ? body.messages.at(-1).content : body.prompt;
    const words = `Ollama heard: ${prompt}`.split(/(?= )/);
    const piece = (text) => (chat ? { model: body.model, message: { role: 'assistant', content: text }, done: false } : { model: body.model, response: text, done: false });
    if (body.stream === false) {
      const whole = chat ? { model: body.model, message: { role: 'assistant', content: words.join('') }, ...finalStats } : { model: body.model, response: words.join(''), ...finalStats };
      return json(res, 200, whole);
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    if (body.model === 'cut') {
      res.write(JSON.stringify(piece(words[0])) + '\n');
      return setTimeout(() => res.socket.destroy(), 20);
    }
    for (const w of words) res.write(JSON.stringify(piece(w)) + '\n');
    res.end(JSON.stringify({ ...piece(''), ...finalStats }) + '\n');
  });
}
