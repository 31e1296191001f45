// Imitates Google's Gemini API on loopback: POST /v1beta/models/{model}:generateContent,
// :streamGenerateContent?alt=sse and :batchEmbedContents, the key in `x-goog-api-key` (a wrong
// or missing key is Google's 400 INVALID_ARGUMENT). Behaviour by the model in the path:
//   rate-limited   429 RESOURCE_EXHAUSTED with retry-after: 3
//   cut            stream: one chunk, then the connection drops
//   anything else  an answer (a functionCall when the request has tools)
// A functionCall part carries `thoughtSignature: GEMINI_SIGNATURE`; with
// thinkingConfig.includeThoughts the answer starts with a thought part (GEMINI_THOUGHT). For a
// gemini-3 model it enforces Gemini 3's rule (checked against Google's thought-signatures guide on
// 2026-11-30): every functionCall part of an earlier model turn must come back with the signature
// it was given, else 400 INVALID_ARGUMENT.
// `requests` records path, headers and body of each request.
import http from 'node:http';

export const GEMINI_SIGNATURE = 'CiQBx2vPgeminiSignature';
export const GEMINI_COUNT_BASE = 2000;
export const GEMINI_THOUGHT = 'Thinking about the weather.';

export async function startGeminiUpstream({ key = 'AIza-gemini-test-0123456789' } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      let body = {};
      try { body = JSON.parse(raw); } catch { body = {}; }
      requests.push({ path: req.url, headers: req.headers, body });
      const m = /^\/v1beta\/models\/([^:/?]+):(generateContent|streamGenerateContent|batchEmbedContents|countTokens)(\?alt=sse)?$/.exec(req.url);
      if (!m) return error(res, 404, 'NOT_FOUND', `no route ${req.url}`);
      const [, model, method] = m;
      if (req.headers['x-goog-api-key'] !== key) return error(res, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');
      if (model === 'rate-limited') return error(res, 429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).', { 'retry-after': '3' });
      if (method === 'countTokens') {
        // {totalTokens: GEMINI_COUNT_BASE + the characters of the contents}, as countTokens
        // answers for a generateContentRequest (whose model is "models/…").
        const g = body.generateContentRequest;
        if (!g || g.model !== `models/${model}` || !Array.isArray(g.contents)) return error(res, 400, 'INVALID_ARGUMENT', 'generateContentRequest.model and contents are required');
        return json(res, 200, { totalTokens: GEMINI_COUNT_BASE + JSON.stringify(g.contents).length });
      }
      if (method === 'batchEmbedContents') {
        return json(res, 200, { embeddings: body.requests.map((r, i) => ({ values: [i, r.content.parts[0].text.length, 0.5] })) });
      }
      if (model.startsWith('gemini-3')) {
        for (const c of body.contents ?? []) {
          if (c.role !== 'model') continue;
          for (const p of c.parts ?? []) {
            if (p.functionCall && p.thoughtSignature !== GEMINI_SIGNATURE) {
              return error(res, 400, 'INVALID_ARGUMENT', `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly. Additional data, function call \`default_api:${p.functionCall.name}\``);
            }
          }
        }
      }
      const thoughts = body.generationConfig?.thinkingConfig?.includeThoughts === true;
      const thoughtParts = thoughts ? [{ text: GEMINI_THOUGHT, thought: true }] : [];
      const tools = Array.isArray(body.tools) && body.tools.length > 0;
      const prompt = (body.contents ?? []).filter((c) => c.role === 'user').at(-1)?.parts?.map((p) => p.text ?? '').join('') ?? '';
      const text = `Gemini heard: ${prompt}`;
      const usageMetadata = { promptTokenCount: 11, candidatesTokenCount: 5, thoughtsTokenCount: 2, totalTokenCount: 18 };
      const parts = tools ? [{ functionCall: { name: body.tools[0].functionDeclarations[0].name, args: { city: 'Paris' } }, thoughtSignature: GEMINI_SIGNATURE }] : [{ text }];
      if (method === 'generateContent') {
        return json(res, 200, { candidates: [{ content: { role: 'model', parts: [...thoughtParts, ...parts] }, finishReason: 'STOP', index: 0 }], usageMetadata, modelVersion: `${model}-001`, responseId: 'resp-mock' });
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (obj) => res.write(`data: ${JSON.stringify(obj)}\r\n\r\n`);
      if (thoughts) send({ candidates: [{ content: { role: 'model', parts: thoughtParts }, index: 0 }], modelVersion: `${model}-001`, responseId: 'resp-stream' });
      const words = tools ? [] : text.split(/(?= )/);
      send({ candidates: [{ content: { role: 'model', parts: tools ? parts : [{ text: words[0] }] }, index: 0 }], usageMetadata: { promptTokenCount: 11, totalTokenCount: 11 }, modelVersion: `${model}-001`, responseId: 'resp-stream' });
      if (model === 'cut') return setTimeout(() => res.socket.destroy(), 20);
      for (const w of words.slice(1)) send({ candidates: [{ content: { role: 'model', parts: [{ text: w }] }, index: 0 }], modelVersion: `${model}-001`, responseId: 'resp-stream' });
      send({ candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', index: 0 }], usageMetadata, modelVersion: `${model}-001`, responseId: 'resp-stream' });
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    port,
    base: `http://127.0.0.1:${port}/v1beta`,
    key,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

function json(res, status, obj, headers = {}) {
  const text = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function error(res, code, status, message, headers = {}) {
  json(res, code, { error: { code, message, status } }, headers);
}
