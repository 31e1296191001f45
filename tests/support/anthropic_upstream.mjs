// Imitates Anthropic's Messages API on loopback: POST /v1/messages with `x-api-key` and
// `anthropic-version` required (401 / 400 otherwise, in Anthropic's error shape), JSON answers
// and `event:`/`data:` SSE streams as the real API frames them. Behaviour by the request's model:
//   ok (or anything else)  a text answer, or a stream of it; with tools, a tool_use block
//   rate-limited           429 rate_limit_error with retry-after: 7
//   overloaded             529 overloaded_error
//   cut                    stream: message_start and some text, then the connection drops
// With `thinking: {type: "enabled"}` every answer starts with a signed thinking block (streamed
// as thinking_delta + signature_delta). Rules of the real API it enforces, each a 400 in
// Anthropic's words (checked against its docs on 2026-11-30: extended thinking with tool use,
// prompt caching, vision):
//   - with thinking on, an assistant turn that holds tool_use must start with a thinking or
//     redacted_thinking block, and the signature must be the one this server gave;
//   - text blocks must contain non-whitespace text;
//   - image media types: image/jpeg, image/png, image/gif, image/webp;
//   - at most 4 blocks with cache_control (system, tools and messages together).
// `requests` records each request's headers and body.
import http from 'node:http';

export async function startAnthropicUpstream({ key = 'sk-ant-test-key-0123456789' } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      let body = {};
      try { body = JSON.parse(raw); } catch { body = {}; }
      requests.push({ path: req.url, headers: req.headers, body });
      if (req.method === 'POST' && req.url === '/v1/messages/count_tokens') return countTokens(req, res, body, key);
      if (req.method !== 'POST' || req.url !== '/v1/messages') return error(res, 404, 'not_found_error', `no route ${req.url}`);
      if (req.headers['x-api-key'] !== key) return error(res, 401, 'authentication_error', 'invalid x-api-key');
      if (!req.headers['anthropic-version']) return error(res, 400, 'invalid_request_error', 'anthropic-version header is required');
      if (typeof body.max_tokens !== 'number') return error(res, 400, 'invalid_request_error', 'max_tokens: Field required');
      if (body.model === 'rate-limited') return error(res, 429, 'rate_limit_error', 'Number of requests has exceeded your rate limit', { 'retry-after': '7' });
      if (body.model === 'overloaded') return error(res, 529, 'overloaded_error', 'Overloaded');
      const refused = breaksRules(body);
      if (refused) return error(res, 400, 'invalid_request_error', refused);
      if ((body.tools ?? []).some((t) => t.type?.startsWith('web_search_'))) return webSearch(res, body);
      const thinking = body.thinking?.type === 'enabled';
      const toolUse = Array.isArray(body.tools) && body.tools.length > 0;
      const text = toolUse ? 'Let me look that up.' : `Claude heard: ${lastUserText(body)}`;
      const usage = { input_tokens: 21, output_tokens: 9, cache_read_input_tokens: 4, cache_creation_input_tokens: 0 };
      if (!body.stream) {
        const content = thinking ? [{ type: 'thinking', thinking: THOUGHT, signature: SIGNATURE }] : [];
        content.push({ type: 'text', text });
        if (toolUse) content.push({ type: 'tool_use', id: 'toolu_mock1', name: body.tools[0].name, input: { city: 'Paris' } });
        return json(res, 200, { id: 'msg_mock1', type: 'message', role: 'assistant', model: `${body.model}-20250101`, content,
          stop_reason: toolUse ? 'tool_use' : 'end_turn', stop_sequence: null, usage });
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const send = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
      send('message_start', { message: { id: 'msg_mock2', type: 'message', role: 'assistant', model: `${body.model}-20250101`, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 21, output_tokens: 1, cache_read_input_tokens: 4 } } });
      let i = 0;
      if (thinking) {
        send('content_block_start', { index: i, content_block: { type: 'thinking', thinking: '', signature: '' } });
        for (const piece of THOUGHT.split(/(?= )/)) send('content_block_delta', { index: i, delta: { type: 'thinking_delta', thinking: piece } });
        send('content_block_delta', { index: i, delta: { type: 'signature_delta', signature: SIGNATURE } });
        send('content_block_stop', { index: i++ });
      }
      send('content_block_start', { index: i, content_block: { type: 'text', text: '' } });
      send('ping', {});
      const words = text.split(/(?= )/);
      send('content_block_delta', { index: i, delta: { type: 'text_delta', text: words[0] } });
      if (body.model === 'cut') return setTimeout(() => res.socket.destroy(), 20);
      for (const w of words.slice(1)) send('content_block_delta', { index: i, delta: { type: 'text_delta', text: w } });
      send('content_block_stop', { index: i++ });
      if (toolUse) {
        send('content_block_start', { index: i, content_block: { type: 'tool_use', id: 'toolu_mock2', name: body.tools[0].name, input: {} } });
        send('content_block_delta', { index: i, delta: { type: 'input_json_delta', partial_json: '{"city": ' } });
        send('content_block_delta', { index: i, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } });
        send('content_block_stop', { index: i++ });
      }
      send('message_delta', { delta: { stop_reason: toolUse ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 9 } });
      send('message_stop', {});
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    port,
    base: `http://127.0.0.1:${port}/v1`,
    key,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

// With a web_search server tool the answer is a search (Anthropic's web search tool docs): a
// server_tool_use block, its web_search_tool_result, then text with a citation; streamed as
// Anthropic streams them (the tool input as input_json_delta, the citation as citations_delta).
export const SEARCH_BLOCKS = [
  { type: 'text', text: 'Let me search.' },
  { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'sluice gateway' } },
  { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [{ type: 'web_search_result', url: 'https://example.com/a', title: 'A', encrypted_content: 'EqgfCioIARgB', page_age: null }] },
  { type: 'text', text: 'It is a gateway.', citations: [{ type: 'web_search_result_location', url: 'https://example.com/a', title: 'A', encrypted_index: 'Eo8BCioI', cited_text: 'a gateway' }] },
];
function webSearch(res, body) {
  const usage = { input_tokens: 30, output_tokens: 12, server_tool_use: { web_search_requests: 1 } };
  if (!body.stream) {
    return json(res, 200, { id: 'msg_ws', type: 'message', role: 'assistant', model: body.model, content: SEARCH_BLOCKS, stop_reason: 'end_turn', stop_sequence: null, usage });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  send('message_start', { message: { id: 'msg_ws2', type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 30, output_tokens: 1 } } });
  const [intro, use, result, cited] = SEARCH_BLOCKS;
  send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: intro.text } });
  send('content_block_stop', { index: 0 });
  send('content_block_start', { index: 1, content_block: { ...use, input: {} } });
  send('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: JSON.stringify(use.input) } });
  send('content_block_stop', { index: 1 });
  send('content_block_start', { index: 2, content_block: result });
  send('content_block_stop', { index: 2 });
  send('content_block_start', { index: 3, content_block: { type: 'text', text: '' } });
  send('content_block_delta', { index: 3, delta: { type: 'citations_delta', citation: cited.citations[0] } });
  send('content_block_delta', { index: 3, delta: { type: 'text_delta', text: cited.text } });
  send('content_block_stop', { index: 3 });
  send('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 12 } });
  send('message_stop', {});
  res.end();
}

// POST /v1/messages/count_tokens: {input_tokens: COUNT_BASE + the characters of the messages'
// text}, so a test can tell the provider's count from an estimate. Like the real endpoint it
// takes only model, messages, system, tools, tool_choice, thinking and mcp_servers.
export const COUNT_BASE = 1000;
function countTokens(req, res, body, key) {
  if (req.headers['x-api-key'] !== key) return error(res, 401, 'authentication_error', 'invalid x-api-key');
  if (!req.headers['anthropic-version']) return error(res, 400, 'invalid_request_error', 'anthropic-version header is required');
  const allowed = ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'mcp_servers'];
  for (const k of Object.keys(body)) if (!allowed.includes(k)) return error(res, 400, 'invalid_request_error', `${k}: Extra inputs are not permitted`);
  if (!Array.isArray(body.messages)) return error(res, 400, 'invalid_request_error', 'messages: Field required');
  const refused = breaksRules({ ...body, max_tokens: 1 });
  if (refused) return error(res, 400, 'invalid_request_error', refused);
  const text = JSON.stringify(body.messages);
  return json(res, 200, { input_tokens: COUNT_BASE + text.length });
}

export const THOUGHT = 'The user asked something. I will answer briefly.';
export const SIGNATURE = 'EqQBCgIYAhIM1gbcDa9GJwZAsignature';
const MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

// The first rule of the real API the request breaks, in its words; null when it keeps them all.
function breaksRules(body) {
  const blocks = (content) => (Array.isArray(content) ? content : []);
  let marks = 0;
  const walk = (list) => {
    for (const b of list) {
      if (b?.cache_control) marks++;
      if (b?.type === 'text' && typeof b.text === 'string' && b.text.trim() === '') return 'messages: text content blocks must contain non-whitespace text';
      if (b?.type === 'image' && b.source?.type === 'base64' && !MEDIA_TYPES.includes(b.source.media_type)) return `messages: image media_type must be one of ${MEDIA_TYPES.join(', ')}, got ${b.source.media_type}`;
      if (b?.type === 'tool_result') { const r = walk(blocks(b.content)); if (r) return r; }
    }
    return null;
  };
  const system = walk(blocks(body.system));
  if (system) return system;
  for (const t of body.tools ?? []) if (t?.cache_control) marks++;
  for (const m of body.messages ?? []) {
    const r = walk(blocks(m.content));
    if (r) return r;
  }
  if (marks > 4) return `A maximum of 4 blocks with cache_control may be provided. Found ${marks}.`;
  if (body.thinking?.type === 'enabled') {
    for (const m of body.messages ?? []) {
      const content = blocks(m.content);
      if (m.role !== 'assistant' || !content.some((b) => b.type === 'tool_use')) continue;
      const first = content[0];
      if (first?.type !== 'thinking' && first?.type !== 'redacted_thinking') {
        return `messages: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first?.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block.`;
      }
      if (first.type === 'thinking' && first.signature !== SIGNATURE) return 'messages: Invalid `signature` in `thinking` block';
    }
  }
  return null;
}

function lastUserText(body) {
  const user = (body.messages ?? []).filter((m) => m.role === 'user').at(-1);
  if (!user) return '';
  if (typeof user.content === 'string') return user.content;
  return user.content.filter((b) => b.type === 'text').map((b) => b.text).join(' ');
}

function json(res, status, obj, headers = {}) {
  const text = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function error(res, status, type, message, headers = {}) {
  json(res, status, { type: 'error', error: { type, message } }, headers);
}
