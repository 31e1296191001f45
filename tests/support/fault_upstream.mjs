// An OpenAI-dialect upstream on loopback that fails on cue, for routing tests. What it does with
// a request is decided by the request's `model` (each sluice endpoint names its own):
//   - actions queued with `script(model, [...])` are used first, one per request, in order;
//   - then the model name's own behaviour: `delay-<ms>` answers after <ms>, `flaky-<pct>` fails
//     <pct>% of requests at random (a 500, or for streams half the time a stream that dies
//     before its first content), anything else answers at once.
// Actions:
//   'ok' | {delay: ms}                 a normal answer (chat, stream or not), optionally late
//   {status, retryAfter, retryAfterMs, code, message}
//                                      an OpenAI error body with that status and headers
//   'hang'                             never answers (no status line)
//   'reset'                            destroys the connection without answering
//   'stall-before-content'             stream: 200 and the role chunk, then silence
//   'die-before-content'               stream: 200 and the role chunk, then a dropped connection
//   'hang-mid' / 'die-mid'             stream: content, then silence / a dropped connection
// `log` records each request's model, stream flag, trace headers and the action taken, in arrival order;
// `state.injected` counts the failures it produced, `state.hungClosed` the hung requests whose
// connection the client closed.
import http from 'node:http';

export async function startFaultUpstream() {
  const scripts = new Map();
  const log = [];
  const state = { injected: 0, connections: 0, hungClosed: 0 };
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      let body = {};
      try { body = JSON.parse(raw); } catch { body = {}; }
      const model = body.model ?? '';
      const queue = scripts.get(model);
      const action = queue && queue.length ? queue.shift() : defaultAction(model);
      const name = typeof action === 'string' ? action : action.status ? `status-${action.status}` : 'ok';
      log.push({ model, stream: body.stream === true, action: name, at: Date.now(), messages: body.messages,
        traceparent: req.headers.traceparent, tracestate: req.headers.tracestate });
      if (name !== 'ok') state.injected++;
      perform(action, body, req, res, state);
    });
  });
  server.on('connection', (s) => { state.connections++; sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.keepAliveTimeout = 60000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    port,
    base: `http://127.0.0.1:${port}/v1`,
    log,
    state,
    script(model, actions) { scripts.set(model, [...actions]); },
    models() { return log.map((l) => l.model); },
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); }),
  };
}

function defaultAction(model) {
  const delay = /^delay-(\d+)/.exec(model);
  if (delay) return { delay: Number(delay[1]) };
  const flaky = /^flaky-(\d+)/.exec(model);
  if (flaky && Math.random() * 100 < Number(flaky[1])) {
    return Math.random() < 0.5 ? { status: 500, message: 'random failure' } : 'die-before-content';
  }
  return 'ok';
}

const usage = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 };

function chunk(model, delta, finish = null) {
  return { id: 'chatcmpl-f', object: 'chat.completion.chunk', created: 1, model,
           choices: [{ index: 0, delta, finish_reason: finish }] };
}

function perform(action, body, req, res, state) {
  const model = body.model ?? '';
  if (action === 'hang') return res.on('close', () => state.hungClosed++);
  if (action === 'reset') return req.socket.destroy();
  if (typeof action === 'object' && action.status) {
    const headers = { 'content-type': 'application/json' };
    if (action.retryAfter !== undefined) headers['retry-after'] = String(action.retryAfter);
    if (action.retryAfterMs !== undefined) headers['retry-after-ms'] = String(action.retryAfterMs);
    const text = JSON.stringify({ error: { message: action.message ?? `injected ${action.status}`, type: 'test_error', param: null, code: action.code ?? null } });
    res.writeHead(action.status, headers);
    return res.end(text);
  }
  if (!body.stream) {
    // A failure meant for streams is a plain 500 for a non-streamed request.
    if (typeof action === 'string' && action !== 'ok') {
      res.writeHead(500, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: `injected ${action}`, type: 'server_error' } }));
    }
    const answer = () => {
      const text = JSON.stringify({ id: 'chatcmpl-f', object: 'chat.completion', created: 1, model,
        choices: [{ index: 0, message: { role: 'assistant', content: `answer from ${model}` }, finish_reason: 'stop' }], usage });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    return action.delay ? setTimeout(answer, action.delay) : answer();
  }
  const stream = () => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (obj) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
    send(chunk(model, { role: 'assistant', content: '' }));
    if (action === 'stall-before-content') return;
    if (action === 'die-before-content') return setTimeout(() => res.socket.destroy(), 5);
    send(chunk(model, { content: `streamed from ${model}` }));
    if (action === 'hang-mid') return;
    if (action === 'die-mid') return setTimeout(() => res.socket.destroy(), 5);
    send(chunk(model, {}, 'stop'));
    res.end('data: [DONE]\n\n');
  };
  return action.delay ? setTimeout(stream, action.delay) : stream();
}
