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
// What its Responses API gives: OpenAI's own encrypted reasoning (which only OpenAI can read, so
// only a request sent on natively can bring it back) and usage in the Responses shape.
export const OPENAI_INPUT_TOKENS = 4242;
export const OPENAI_REASONING = 'gAAAAABopenai-encrypted-reasoning';
export const RESPONSES_USAGE = { input_tokens: 306, input_tokens_details: { cached_tokens: 256 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 311 };

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
      if (!['/v1/chat/completions', '/v1/responses', '/v1/responses/input_tokens'].includes(req.url)) return error(res, 404, `no route ${req.url}`);
      if (req.headers.authorization !== `Bearer ${key}`) return error(res, 401, 'Incorrect API key provided.');
      if (req.url === '/v1/responses/input_tokens') return json(res, 200, { object: 'response.input_tokens', input_tokens: OPENAI_INPUT_TOKENS });
      if (req.url === '/v1/responses') return responses(res, body, () => `call_${++calls}`);
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

// POST /v1/responses, the same tool loop in the Responses API's shapes. Its rules (OpenAI's
// words): every function_call_output answers a function_call in the input; a reasoning item
// sent back carries the encrypted_content it was given.
function responses(res, body, nextId) {
  const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input;
  if (!Array.isArray(input) || input.length === 0) return error(res, 400, "Invalid 'input': empty array.");
  const calls = new Set(input.filter((i) => i.type === 'function_call').map((i) => i.call_id));
  for (const i of input) {
    if (i.type === 'function_call_output' && !calls.has(i.call_id)) return error(res, 400, `No tool call found for function call output with call_id ${i.call_id}.`);
    if (i.type === 'reasoning' && i.encrypted_content !== OPENAI_REASONING) return error(res, 400, 'The encrypted content for item rs_1 could not be verified.');
  }
  const results = input.filter((i) => i.type === 'function_call_output');
  const callTool = Array.isArray(body.tools) && body.tools.some((t) => t.type === 'function') && results.length < 2;
  const output = [];
  if (body.reasoning) output.push({ id: 'rs_1', type: 'reasoning', summary: [], encrypted_content: OPENAI_REASONING });
  if (callTool) {
    output.push({ id: `fc_${results.length}`, type: 'function_call', status: 'completed', call_id: nextId(), name: body.tools.find((t) => t.type === 'function').name, arguments: TOOL_ARGUMENTS });
  } else {
    const last = input.at(-1);
    const text = `Done: ${typeof last.output === 'string' ? last.output : typeof last.content === 'string' ? last.content : 'input'}`;
    output.push({ id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] });
  }
  const response = { id: 'resp_native1', object: 'response', created_at: 1, status: 'completed', model: body.model, output, usage: RESPONSES_USAGE, store: body.store !== false };
  if (!body.stream) return json(res, 200, response);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let n = 0;
  const send = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: n++, ...data })}\n\n`);
  send('response.created', { response: { ...response, status: 'in_progress', output: [], usage: null } });
  output.forEach((item, i) => {
    send('response.output_item.added', { output_index: i, item: item.type === 'message' ? { ...item, status: 'in_progress', content: [] } : item.type === 'function_call' ? { ...item, arguments: '' } : item });
    if (item.type === 'message') {
      send('response.content_part.added', { item_id: item.id, output_index: i, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      send('response.output_text.delta', { item_id: item.id, output_index: i, content_index: 0, delta: item.content[0].text });
      send('response.output_text.done', { item_id: item.id, output_index: i, content_index: 0, text: item.content[0].text });
      send('response.content_part.done', { item_id: item.id, output_index: i, content_index: 0, part: item.content[0] });
    } else if (item.type === 'function_call') {
      send('response.function_call_arguments.delta', { item_id: item.id, output_index: i, delta: item.arguments });
      send('response.function_call_arguments.done', { item_id: item.id, output_index: i, arguments: item.arguments });
    }
    send('response.output_item.done', { output_index: i, item });
  });
  send('response.completed', { response });
  res.end();
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
