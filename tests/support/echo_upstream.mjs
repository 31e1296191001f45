// An OpenAI-dialect upstream for guardrail tests that says back the last user or tool message.
// Model `tool` calls a tool `lookup` with {"q": <that text>} instead; model `slow` answers like
// the echo, 300 ms late; model `upper` says it in capitals; model `reason` thinks it aloud
// (reasoning_content) and answers "ok"; model `fn` calls the legacy function_call. `n` > 1 gives
// that many identical choices (streamed: all of them in each chunk). Streams come in pieces of 3 bytes (tool-call arguments of 4), so every
// value is cut between chunks. `seen` holds every request body it got, with `at` (ms since the
// epoch) when it arrived.
import http from 'node:http';

// The text of a message's content (a string or text parts).
const textOf = (c) => (typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => p.text ?? '').join('') : '');

export async function startEcho() {
  const seen = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const body = JSON.parse(raw);
      seen.push(body);
      body.at = Date.now();
      setTimeout(() => answer(res, body), body.model === 'slow' ? 300 : 0);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${server.address().port}/v1`,
    seen,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

function answer(res, body) {
  const last = [...body.messages].reverse().find((m) => m.role === 'user' || m.role === 'tool');
  const heard = textOf(last?.content);
  const said = body.model === 'upper' ? heard.toUpperCase() : body.model === 'reason' ? 'ok' : heard;
  const tool = body.model === 'tool';
  const fn = body.model === 'fn';
  const reasoning = body.model === 'reason' ? heard : null;
  const args = JSON.stringify({ q: heard });
  const n = Math.max(1, Math.min(body.n ?? 1, 4));
  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
  const base = { id: 'chatcmpl-1', created: 1700000000, model: body.model };
  const finish = tool ? 'tool_calls' : fn ? 'function_call' : 'stop';
  const indexes = [...Array(n).keys()];
  if (!body.stream) {
    const message = tool
      ? { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: args } }] }
      : fn
        ? { role: 'assistant', content: null, function_call: { name: 'lookup', arguments: args } }
        : { role: 'assistant', content: said, ...(reasoning ? { reasoning_content: reasoning } : {}) };
    const out = JSON.stringify({ ...base, object: 'chat.completion', choices: indexes.map((index) => ({ index, message, finish_reason: finish })), usage });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(out);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (choice, extra = {}) =>
    res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: indexes.map((index) => ({ ...choice, index })), ...extra })}\n\n`);
  send({ delta: { role: 'assistant', content: '' }, finish_reason: null });
  if (tool) {
    send({ delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '' } }] }, finish_reason: null });
    for (let i = 0; i < args.length; i += 4)
      send({ delta: { tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + 4) } }] }, finish_reason: null });
  } else if (fn) {
    send({ delta: { function_call: { name: 'lookup', arguments: '' } }, finish_reason: null });
    for (let i = 0; i < args.length; i += 4) send({ delta: { function_call: { arguments: args.slice(i, i + 4) } }, finish_reason: null });
  } else {
    for (let i = 0; reasoning && i < reasoning.length; i += 3) send({ delta: { reasoning_content: reasoning.slice(i, i + 3) }, finish_reason: null });
    for (let i = 0; i < said.length; i += 3) send({ delta: { content: said.slice(i, i + 3) }, finish_reason: null });
  }
  send({ delta: {}, finish_reason: finish });
  if (body.stream_options?.include_usage)
    res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
  res.end('data: [DONE]\n\n');
}
