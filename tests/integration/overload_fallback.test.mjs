// Every provider's overload signal falls over to the endpoint's fallback with the default retry
// settings (docs/routing.md, "Overload falls over by default"), answered whole and at the start
// of a stream. One loopback server plays each provider's overloaded API; the fallback is an
// OpenAI-compatible server that answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startSluice } from '../support/sluice.mjs';
import { post, sseData, stopCleanly } from './helpers.mjs';

let overloaded, backup, gateway;
const seen = [];  // what the overloaded server was asked: [provider path]

function json(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
function sse(res, frames) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(frames.join(''));
}

// How each provider says it is overloaded; `stream` when the request asked for one.
function answerOverloaded(req, body, res) {
  const url = req.url;
  seen.push(url);
  const stream = body.stream === true || url.includes('stream');
  if (url.startsWith('/anthropic/')) {
    const error = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    if (stream) return sse(res, [`event: error\ndata: ${JSON.stringify(error)}\n\n`]);
    return json(res, 529, error);
  }
  if (url.startsWith('/openai/')) {
    if (stream) return sse(res, [`data: ${JSON.stringify({ error: { type: 'server_error', message: 'The server is overloaded' } })}\n\n`]);
    return json(res, 503, { error: { type: 'server_error', message: 'The engine is currently overloaded' } });
  }
  if (url.startsWith('/gemini/')) {
    const error = { error: { code: 503, status: 'UNAVAILABLE', message: 'The model is overloaded.' } };
    if (stream) return sse(res, [`data: ${JSON.stringify(error)}\n\n`]);
    return json(res, url.includes('exhausted') ? 429 : 503, url.includes('exhausted') ? { error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'Quota' } } : error);
  }
  if (url.startsWith('/cohere/')) return json(res, 503, { message: 'service unavailable' });
  if (url.startsWith('/bedrock/')) {
    const throttled = url.includes('throttled');
    return json(res, throttled ? 429 : 503, { message: throttled ? 'Too many requests' : 'Service unavailable' },
      { 'x-amzn-errortype': throttled ? 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/' : 'ServiceUnavailableException:' });
  }
  return json(res, 404, {});
}

function listen(handler) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (d) => (text += d));
      req.on('end', () => handler(req, text ? JSON.parse(text) : {}, res));
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

before(async () => {
  overloaded = await listen(answerOverloaded);
  backup = await listen((req, body, res) => {
    if (body.stream) {
      return sse(res, [
        `data: ${JSON.stringify({ id: 'b', object: 'chat.completion.chunk', created: 1, model: 'backup', choices: [{ index: 0, delta: { role: 'assistant', content: 'from backup' }, finish_reason: null }] })}\n\n`,
        `data: ${JSON.stringify({ id: 'b', object: 'chat.completion.chunk', created: 1, model: 'backup', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
        'data: [DONE]\n\n']);
    }
    json(res, 200, { id: 'b', object: 'chat.completion', created: 1, model: 'backup', choices: [{ index: 0, message: { role: 'assistant', content: 'from backup' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
  });
  const base = `http://127.0.0.1:${overloaded.address().port}`;
  const endpoint = (name, model) => `  - name: ${name}
    endpoint_type: llm/v1/chat
    fallbacks: [backup]
    model:
${model.split('\n').map((l) => `      ${l}`).join('\n')}
`;
  gateway = await startSluice(`
endpoints:
  - name: backup
    endpoint_type: llm/v1/chat
    model: {provider: vllm, name: backup, config: {api_base: "http://127.0.0.1:${backup.address().port}/v1"}}
${endpoint('claude', `provider: anthropic\nname: claude-sonnet-4-5\nconfig: {anthropic_api_key: k, anthropic_api_base: "${base}/anthropic/v1"}`)}
${endpoint('gpt', `provider: openai\nname: gpt-5\nconfig: {openai_api_key: k, openai_api_base: "${base}/openai/v1"}`)}
${endpoint('gemini', `provider: gemini\nname: gemini-2.5-pro\nconfig: {gemini_api_key: k, gemini_api_base: "${base}/gemini/v1beta"}`)}
${endpoint('gemini-exhausted', `provider: gemini\nname: exhausted\nconfig: {gemini_api_key: k, gemini_api_base: "${base}/gemini/v1beta"}`)}
${endpoint('cohere', `provider: cohere\nname: command-r\nconfig: {cohere_api_key: k, cohere_api_base: "${base}/cohere/v2"}`)}
${endpoint('bedrock-throttled', `provider: bedrock\nname: throttled\nconfig:\n  aws_config: {aws_access_key_id: AKIDTEST, aws_secret_access_key: s, aws_region: us-east-1}\n  bedrock_endpoint: "${base}/bedrock"`)}
${endpoint('bedrock-unavailable', `provider: bedrock\nname: unavailable\nconfig:\n  aws_config: {aws_access_key_id: AKIDTEST, aws_secret_access_key: s, aws_region: us-east-1}\n  bedrock_endpoint: "${base}/bedrock"`)}
`);
});

after(async () => {
  try { await stopCleanly(gateway); } finally {
    overloaded.close();
    backup.close();
  }
});

const cases = [
  ['claude', true], ['gpt', true], ['gemini', true], ['gemini-exhausted', false], ['cohere', false],
  ['bedrock-throttled', false], ['bedrock-unavailable', false],
];

for (const [model, streams] of cases) {
  for (const stream of streams ? [false, true] : [false]) {
    test(`${model}${stream ? ', streamed' : ''}: an overloaded provider falls over to the fallback by default`, async () => {
      const asked = seen.length;
      const res = await post(gateway, '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 20, stream });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.equal(seen.length, asked + 1, 'the overloaded provider was asked once');
      assert.equal(res.headers.get('x-sluice-destination'), 'backup');
      assert.equal(res.headers.get('x-sluice-attempts'), '2');
      const answer = stream ? sseData(text).filter((d) => d !== '[DONE]').map((d) => JSON.parse(d).choices[0]?.delta?.content ?? '').join('') : JSON.parse(text).choices[0].message.content;
      assert.equal(answer, 'from backup');
    });
  }
}
