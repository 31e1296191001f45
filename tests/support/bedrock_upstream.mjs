// Imitates Bedrock Runtime on loopback: POST /model/{modelId}/converse, /converse-stream (AWS's
// binary event-stream framing, CRC-32 checked by the client) and /invoke (Titan embeddings).
// Every request's SigV4 signature is verified here, independently (node's crypto), with the
// same credentials: a wrong signature is AWS's 403. Behaviour by model ID:
//   throttled   429 ThrottlingException
//   cut         stream: messageStart and some text, then the connection drops
//   else        an answer (a toolUse when the request has tools)
import http from 'node:http';
import { createHash, createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';

const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const hmac = (k, s) => createHmac('sha256', k).update(s).digest();
const encode = (s) => s.replace(/[^A-Za-z0-9\-_.~/]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));

// Recomputes the signature from the request as received.
function verify(req, raw, secret, region) {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/bedrock\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m || m[3] !== region) return false;
  const names = m[4].split(';');
  const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n]).trim()}\n`).join('');
  const canonical = ['POST', encode(req.url), '', canonicalHeaders, m[4], sha256(raw)].join('\n');
  const date = req.headers['x-amz-date'];
  const scope = `${m[2]}/${region}/bedrock/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonical)].join('\n');
  let key = hmac('AWS4' + secret, m[2]);
  for (const part of [region, 'bedrock', 'aws4_request']) key = hmac(key, part);
  return hmac(key, toSign).toString('hex') === m[5];
}

function frame(headers, payload) {
  const hs = Buffer.concat(Object.entries(headers).map(([k, v]) => {
    const name = Buffer.from(k);
    const value = Buffer.from(v);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(value.length);
    return Buffer.concat([Buffer.from([name.length]), name, Buffer.from([7]), len, value]);
  }));
  const body = Buffer.from(JSON.stringify(payload));
  const prelude = Buffer.alloc(8);
  prelude.writeUInt32BE(12 + hs.length + body.length + 4, 0);
  prelude.writeUInt32BE(hs.length, 4);
  const preludeCrc = Buffer.alloc(4);
  preludeCrc.writeUInt32BE(crc32(prelude));
  const message = Buffer.concat([prelude, preludeCrc, hs, body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(message));
  return Buffer.concat([message, crc]);
}

export async function startBedrockUpstream({ secret = 'bedrock-test-secret-0123456789', region = 'us-west-2' } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const signatureOk = verify(req, raw, secret, region);
      let body = {};
      try { body = JSON.parse(raw); } catch { body = {}; }
      requests.push({ path: req.url, headers: req.headers, body, signatureOk });
      const json = (status, obj, headers = {}) => {
        const text = JSON.stringify(obj);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
        res.end(text);
      };
      if (!signatureOk) return json(403, { message: 'The request signature we calculated does not match the signature you provided.' }, { 'x-amzn-errortype': 'InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/' });
      const m = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/.exec(req.url);
      if (!m) return json(404, { message: 'not found' });
      const model = decodeURIComponent(m[1]);
      if (model === 'throttled') return json(429, { message: 'Too many requests, please wait before trying again.' }, { 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/', 'retry-after': '6' });
      if (m[2] === 'invoke') return json(200, { embedding: [body.inputText.length, 0.5], inputTextTokenCount: 2 });
      const tools = body.toolConfig?.tools?.length > 0;
      const last = body.messages.filter((x) => x.role === 'user').at(-1);
      const text = `Bedrock heard: ${last.content.map((c) => c.text ?? '').join('')}`;
      const usage = { inputTokens: 15, outputTokens: 5, totalTokens: 20 };
      if (m[2] === 'converse') {
        const content = tools ? [{ toolUse: { toolUseId: 'tooluse_x', name: body.toolConfig.tools[0].toolSpec.name, input: { city: 'Paris' } } }] : [{ text }];
        return json(200, { output: { message: { role: 'assistant', content } }, stopReason: tools ? 'tool_use' : 'end_turn', usage });
      }
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
      const ev = (type, payload) => res.write(frame({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }, payload));
      ev('messageStart', { role: 'assistant' });
      const words = text.split(/(?= )/);
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: words[0] } });
      if (model === 'cut') return setTimeout(() => res.socket.destroy(), 20);
      for (const w of words.slice(1)) ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: w } });
      ev('contentBlockStop', { contentBlockIndex: 0 });
      ev('messageStop', { stopReason: 'end_turn' });
      ev('metadata', { usage, metrics: { latencyMs: 100 } });
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return { port, url: `http://127.0.0.1:${port}`, secret, region, requests,
           close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}
