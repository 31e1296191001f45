// An OpenAI-dialect upstream on a loopback port, for integration tests. What it does is chosen
// by the `model` of each request (the provider model name in sluice's config), so one server
// covers every scenario:
//   ok            normal answer (chat / completions / embeddings by path)
//   fail-<code>   HTTP <code> with an OpenAI error body whose message contains the API key
//   text-<code>   HTTP <code> with a plain-text body
//   hang          never answers
//   bad-json      200 with a body that is not JSON
//   die-mid       stream: two content chunks, then the connection is destroyed
//   slow-stream   stream: one chunk every 50 ms, 40 chunks (for disconnect tests)
//   slow-stream-stop  the same, its last chunk with finish_reason "stop"
//   error-event   stream: one chunk, then an error event
//   slow-ok       the normal answer, 300 ms late (requests in flight together)
//   billed        the normal answer, its usage saying what it cost (usage.cost, as OpenRouter)
//   bare          the normal answer without usage (streamed or not)
//   huge          the normal answer with usage counts no request has (9.3e18)
//   tool-calls    an answer (streamed or not) that calls a tool: finish_reason "tool_calls"
//   numbered      the normal answer, its text ending with how many requests this model has had
// A request's service_tier comes back in the answer (and a stream's usage chunk), as OpenAI's does.
// It records every request (method, path, headers, body) and counts TCP connections.
import http from 'node:http';
import https from 'node:https';

// `tls: {key, cert}` (PEM) serves HTTPS instead of HTTP.
export async function startMockUpstream({ tls } = {}) {
  const requests = [];
  const state = { connections: 0, closedEarly: 0 };
  const serve = (req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      let body = {};
      try { body = JSON.parse(raw); } catch { body = { unparsable: raw }; }
      requests.push({ method: req.method, path: req.url, headers: req.headers, body });
      handle(req, res, body, state);
    });
  };
  const server = tls ? https.createServer(tls, serve) : http.createServer(serve);
  server.on('connection', () => state.connections++);
  server.keepAliveTimeout = 60000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    port,
    base: tls ? `https://localhost:${port}/v1` : `http://127.0.0.1:${port}/v1`,
    requests,
    state,
    // How many requests reached this server for a provider model name.
    calls: (model) => requests.filter((r) => r.body.model === model).length,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

const usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };

function json(res, status, obj) {
  const text = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function chunk(model, delta, finish = null, extra = {}) {
  return { id: 'chatcmpl-up', object: 'chat.completion.chunk', created: 1, model,
           choices: [{ index: 0, delta, finish_reason: finish }], ...extra };
}

function handle(req, res, body, state) {
  const model = body.model ?? '';
  const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  const fail = /^fail-(\d+)$/.exec(model);
  if (fail) {
    return json(res, Number(fail[1]), { error: { message: `upstream says no (key ${key})`, type: 'test_error', param: 'messages', code: 'upstream_code' } });
  }
  const text = /^text-(\d+)$/.exec(model);
  if (text) {
    res.writeHead(Number(text[1]), { 'content-type': 'text/plain' });
    return res.end('plain failure text');
  }
  if (model === 'hang') return;  // never answer
  if (model === 'slow-ok') {
    setTimeout(() => handle(req, res, { ...body, model: 'ok' }, state), 300);
    return;
  }
  if (model === 'bad-json') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end('{not json');
  }
  const path = req.url.split('?')[0];
  if (model === 'ctype-key') {
    // A provider that echoes the key it was given in a header.
    const text = JSON.stringify({ ok: true });
    res.writeHead(200, { 'content-type': `application/json; k=${key}`, 'content-length': Buffer.byteLength(text) });
    return res.end(text);
  }
  if (model === 'ndjson') {
    // A stream of another shape (Ollama's native API): no reader reads it.
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (const w of ['one', 'two', 'three']) res.write(JSON.stringify({ message: { content: `${w} words here` }, done: false }) + '\n');
    res.write(JSON.stringify({ done: true }) + '\n');
    return res.end();
  }
  if (path.endsWith('/responses')) {
    // OpenAI's Responses API, just enough for accounting: the usage rides in response.completed.
    const responseUsage = { input_tokens: 50, output_tokens: 90, total_tokens: 140 };
    const response = { id: 'resp_up', object: 'response', model, status: 'completed',
      output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'upstream answer' }] }], usage: responseUsage };
    if (!body.stream) return json(res, 200, response);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`event: response.created\ndata: ${JSON.stringify({ type: 'response.created', response: { ...response, status: 'in_progress', usage: null } })}\n\n`);
    res.write(`event: response.output_text.delta\ndata: ${JSON.stringify({ type: 'response.output_text.delta', delta: 'upstream answer' })}\n\n`);
    res.write(`event: response.completed\ndata: ${JSON.stringify({ type: 'response.completed', response })}\n\n`);
    return res.end();
  }
  if (path.endsWith('/embeddings')) {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    if (body.encoding_format === 'base64') {
      const b64 = Buffer.from(new Float32Array([0.5, -0.25]).buffer).toString('base64');
      return json(res, 200, { object: 'list', model, data: inputs.map((_, i) => ({ object: 'embedding', index: i, embedding: b64 })), usage: { prompt_tokens: 3, total_tokens: 3 } });
    }
    return json(res, 200, { object: 'list', model, data: inputs.map((_, i) => ({ object: 'embedding', index: i, embedding: [0.5, -0.25, i] })), usage: { prompt_tokens: 3, total_tokens: 3 } });
  }
  const isChat = path.endsWith('/chat/completions');
  if (model === 'numbered') state.numbered = (state.numbered ?? 0) + 1;
  const answerText = model === 'numbered' ? `upstream answer ${state.numbered}` : 'upstream answer';
  if (model === 'tool-calls' && isChat) {
    const call = { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } };
    if (!body.stream) {
      return json(res, 200, { id: 'chatcmpl-up', object: 'chat.completion', created: 1, model,
        choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls' }], usage });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify(chunk(model, { role: 'assistant', content: null, tool_calls: [{ index: 0, ...call }] }))}\n\n`);
    res.write(`data: ${JSON.stringify(chunk(model, {}, 'tool_calls'))}\n\n`);
    res.write('data: [DONE]\n\n');
    return res.end();
  }
  const tier = typeof body.service_tier === 'string' ? { service_tier: body.service_tier } : {};
  const huge = 9.3e18;  // an integer past int64, below uint64's limit
  const billed = model === 'billed' ? { ...usage, cost: 0.0042 }
    : model === 'bare' ? undefined
    : model === 'huge' ? { prompt_tokens: huge, completion_tokens: huge, total_tokens: 1 }
    : usage;
  // Gemini's way of asking for a stream: ?alt=sse, with no `stream` in the body.
  const streamed = body.stream || new URLSearchParams(req.url.split('?')[1] ?? '').get('alt') === 'sse';
  if (!streamed) {
    if (isChat) {
      return json(res, 200, { id: 'chatcmpl-up', object: 'chat.completion', created: 1, model,
        choices: [{ index: 0, message: { role: 'assistant', content: answerText }, finish_reason: 'stop' }],
        usage: billed, system_fingerprint: 'fp_test', ...tier });
    }
    return json(res, 200, { id: 'cmpl-up', object: 'text_completion', created: 1, model,
      choices: [{ index: 0, text: 'upstream completion', finish_reason: 'stop', logprobs: null }], usage });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (obj) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
  // `no-usage`: a server that ignores stream_options and never reports usage in streams.
  const includeUsage = body.stream_options?.include_usage === true && model !== 'no-usage' && model !== 'bare';
  if (!isChat) {
    send({ id: 'cmpl-up', object: 'text_completion', created: 1, model, choices: [{ index: 0, text: 'up', finish_reason: null }] });
    send({ id: 'cmpl-up', object: 'text_completion', created: 1, model, choices: [{ index: 0, text: 'stream', finish_reason: 'stop' }] });
    if (includeUsage) send({ id: 'cmpl-up', object: 'text_completion', created: 1, model, choices: [], usage });
    res.write('data: [DONE]\n\n');
    return res.end();
  }
  if (model === 'die-mid') {
    send(chunk(model, { role: 'assistant', content: '' }));
    send(chunk(model, { content: 'partial' }));
    return setTimeout(() => res.socket.destroy(), 30);
  }
  if (model === 'error-event') {
    send(chunk(model, { role: 'assistant', content: 'partial' }));
    res.write(`data: ${JSON.stringify({ error: { message: 'overloaded mid-stream', type: 'server_error' } })}\n\n`);
    return res.end();
  }
  if (model === 'slow-stream' || model === 'slow-stream-stop') {
    let i = 0;
    const timer = setInterval(() => {
      if (res.destroyed || res.writableEnded) { clearInterval(timer); return; }
      send(chunk(model, { content: `c${i} ` }));
      if (++i === 40) {
        clearInterval(timer);
        if (model === 'slow-stream-stop') send(chunk(model, {}, 'stop'));
        res.write('data: [DONE]\n\n');
        res.end();
      }
    }, 50);
    res.on('close', () => { if (i < 40) state.closedEarly++; clearInterval(timer); });
    return;
  }
  // Normal stream, split awkwardly across writes to exercise the parser: CRLF line ends and a
  // comment line, as real servers sometimes send.
  res.write(': keep-alive\r\n\r\n');
  const first = `data: ${JSON.stringify(chunk(model, { role: 'assistant', content: '' }, null, includeUsage ? { usage: null } : {}))}\r\n\r\n`;
  res.write(first.slice(0, 10));
  res.write(first.slice(10));
  const words = model === 'numbered' ? ['Hello', ' from', ` upstream ${state.numbered}`] : ['Hello', ' from', ' upstream'];
  for (const word of words) send(chunk(model, { content: word }, null, includeUsage ? { usage: null } : {}));
  send(chunk(model, {}, 'stop', includeUsage ? { usage: null } : {}));
  if (includeUsage) send({ id: 'chatcmpl-up', object: 'chat.completion.chunk', created: 1, model, choices: [], usage: billed, ...tier });
  res.write('data: [DONE]\n\n');
  res.end();
}
