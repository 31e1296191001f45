// An OpenAI chat-completions server on a loopback port that drives a tool loop, for the tests of
// the Responses API (a Codex-style session translated to chat). With tools in the request and
// fewer than two tool results so far it calls the first tool (`call_<n>`, arguments
// {"path": "README.md"}); otherwise it answers with text naming the last message. Streams
// carry the tool call's arguments in two pieces and usage last, as OpenAI does.
//
// It enforces the rules of OpenAI's API a translation could break (each a 400 in OpenAI's words,
// checked against its API reference on 2026-11-30):
//   - an assistant message with tool_calls is followed by one tool message per tool_call_id;
//   - a tool message answers a preceding assistant tool call;
//   - every message has a role; content is a string, null (assistant with tool calls) or parts;
//   - tool definitions are {type: "function", function: {name, …}}.
import http from 'node:http';

export const TOOL_ARGUMENTS = '{"path": "README.md"}';

export async function startOpenAiToolsUpstream({ key = 'sk-openai-tools-0123456789' } = {}) {
  const requests = [];
  let calls = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      let body = {};
      try { body = JSON.parse(raw); } catch { body = {}; }
      requests.push({ path: req.url, headers: req.headers, body });
      if (req.url !== '/v1/chat/completions') return error(res, 404, `no route ${req.url}`);
      if (req.headers.authorization !== `Bearer ${key}`) return error(res, 401, 'Incorrect API key provided.');
      const refused = breaksRules(body);
      if (refused) return error(res, 400, refused);
      const last = body.messages[body.messages.length - 1];
      const results = body.messages.filter((m) => m.role === 'tool').length;
      const callTool = Array.isArray(body.tools) && body.tools.length > 0 && results < 2;
      const id = `call_${++calls}`;
      const text = callTool ? 'Reading it.' : `Done: ${typeof last.content === 'string' ? last.content : JSON.stringify(last.content)}`;
      const usage = { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52, prompt_tokens_details: { cached_tokens: 32 } };
      const name = callTool ? body.tools[0].function.name : undefined;
      if (!body.stream) {
        const message = { role: 'assistant', content: text };
        if (callTool) message.tool_calls = [{ id, type: 'function', function: { name, arguments: TOOL_ARGUMENTS } }];
        return json(res, 200, { id: 'chatcmpl-tools1', object: 'chat.completion', created: 1, model: body.model,
          choices: [{ index: 0, message, finish_reason: callTool ? 'tool_calls' : 'stop' }], usage });
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta, finish = null) => res.write(`data: ${JSON.stringify({ id: 'chatcmpl-tools2', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
      chunk({ role: 'assistant', content: '' });
      for (const word of text.split(/(?= )/)) chunk({ content: word });
      if (callTool) {
        chunk({ tool_calls: [{ index: 0, id, type: 'function', function: { name, arguments: '' } }] });
        chunk({ tool_calls: [{ index: 0, function: { arguments: TOOL_ARGUMENTS.slice(0, 9) } }] });
        chunk({ tool_calls: [{ index: 0, function: { arguments: TOOL_ARGUMENTS.slice(9) } }] });
      }
      chunk({}, callTool ? 'tool_calls' : 'stop');
      if (body.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ id: 'chatcmpl-tools2', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [], usage })}\n\n`);
      res.write('data: [DONE]\n\n');
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    base: `http://127.0.0.1:${port}/v1`,
    key,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

function breaksRules(body) {
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "Invalid 'messages': empty array.";
  for (const [i, t] of (body.tools ?? []).entries()) {
    if (t.type !== 'function' || typeof t.function?.name !== 'string') return `Missing required parameter: 'tools[${i}].function'.`;
  }
  let open = new Set();
  for (const [i, m] of body.messages.entries()) {
    if (!['system', 'developer', 'user', 'assistant', 'tool'].includes(m.role)) return `Invalid value: '${m.role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`;
    if (m.role !== 'tool' && open.size > 0) return "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'.";
    if (m.role === 'assistant') {
      if (m.content === null && !m.tool_calls) return `Invalid value for 'messages[${i}].content': expected a string, got null.`;
      for (const c of m.tool_calls ?? []) open.add(c.id);
    } else if (m.role === 'tool') {
      if (!open.delete(m.tool_call_id)) return `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`;
    } else if (typeof m.content !== 'string' && !Array.isArray(m.content)) {
      return `Invalid type for 'messages[${i}].content': expected one of a string or array of objects.`;
    }
  }
  if (open.size > 0) return "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'.";
  return null;
}

function json(res, status, obj) {
  const text = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function error(res, status, message) {
  return json(res, status, { error: { message, type: 'invalid_request_error', param: null, code: null } });
}
