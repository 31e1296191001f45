// An OpenAI-dialect upstream for guardrail tests that says back the last user or tool message.
// Model `tool` calls a tool `lookup` with {"q": <that text>} instead; model `slow` answers like
// the echo, 300 ms late; model `upper` says it in capitals. Streams come in pieces of 3 bytes (tool-call arguments of 4), so every
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
  const said = body.model === 'upper' ? heard.toUpperCase() : heard;
  const tool = body.model === 'tool';
  const args = JSON.stringify({ q: said });
  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
  const base = { id: 'chatcmpl-1', created: 1700000000, model: body.model };
  if (!body.stream) {
    const message = tool
      ? { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: args } }] }
      : { role: 'assistant', content: said };
    const out = JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: tool ? 'tool_calls' : 'stop' }], usage });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(out);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (choice, extra = {}) =>
    res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [choice], ...extra })}\n\n`);
  send({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null });
  if (tool) {
    send({ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '' } }] }, finish_reason: null });
    for (let i = 0; i < args.length; i += 4)
      send({ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + 4) } }] }, finish_reason: null });
  } else {
    for (let i = 0; i < said.length; i += 3) send({ index: 0, delta: { content: said.slice(i, i + 3) }, finish_reason: null });
  }
  send({ index: 0, delta: {}, finish_reason: tool ? 'tool_calls' : 'stop' });
  if (body.stream_options?.include_usage)
    res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
  res.end('data: [DONE]\n\n');
}
