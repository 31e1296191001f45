import { startMockUpstream } from '../support/mock_upstream.mjs';
import { startSluice, eventually } from '../support/sluice.mjs';

// A gateway in front of one mock upstream, with one endpoint per scenario model name.
// `extraEndpoints` may name the upstream's base URL as {{UPSTREAM_BASE}}.
export async function startGatewayWithUpstream({ extraEndpoints = '', server = '', workers = 2 } = {}) {
  const upstream = await startMockUpstream();
  const endpoint = (name, type, model, extra = '') => `
  - name: ${name}
    endpoint_type: ${type}
    model:
      provider: openai
      name: ${model}
      config:
        openai_api_key: \${{ secrets.TEST_OPENAI_KEY }}
        openai_api_base: ${upstream.base}
${extra}`;
  const chat = ['ok', 'fail-400', 'fail-401', 'fail-429', 'fail-500', 'fail-503', 'text-502', 'hang', 'bad-json',
                'die-mid', 'slow-stream', 'error-event'];
  const yaml = `
server:
  upstream_timeout: {first_byte_ms: 1500, stream_idle_ms: 1500}
${server}
endpoints:
${chat.map((m) => endpoint(`chat-${m}`, 'llm/v1/chat', m)).join('')}
${endpoint('completions', 'llm/v1/completions', 'ok')}
${endpoint('embeddings', 'llm/v1/embeddings', 'text-embedding-3-small')}
  - name: unreachable
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: ok
      config: {openai_api_key: sk-unused-key-0000, openai_api_base: "http://127.0.0.1:1/v1"}
${extraEndpoints.replaceAll('{{UPSTREAM_BASE}}', upstream.base)}`;
  const gateway = await startSluice(yaml, { env: { TEST_OPENAI_KEY: 'sk-test-secret-key-123456' }, workers });
  return {
    upstream,
    gateway,
    async close() {
      // The upstream closes even when the gateway did not exit cleanly, or the test process
      // would be kept alive by its listener and hang instead of failing.
      try {
        await stopCleanly(gateway);
      } finally {
        await upstream.close();
      }
    },
  };
}

export async function post(gateway, path, body, headers = {}) {
  return fetch(gateway.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// The `data:` payloads of an SSE body, in order.
export function sseData(text) {
  return text.split(/\r?\n\r?\n/).filter((e) => e.trim()).flatMap((event) =>
    event.split(/\r?\n/).filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)));
}

export const chatBody = (model, extra = {}) => ({ model, messages: [{ role: 'user', content: 'Say hello' }], ...extra });

// The access-log line of a response (the log is written by a background thread, so wait for it).
export async function logFor(gateway, res) {
  const id = res.headers.get('x-request-id');
  let line;
  await eventually(() => (line = gateway.logs().find((l) => l.request_id === id)), 3000, `access log line ${id}`);
  return line;
}

// Little-endian float32 values of a base64 string.
export function floats(b64) {
  const buf = Buffer.from(b64, 'base64');
  return Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4));
}

// Stops a gateway and fails unless it exited 0 (this is also where sanitizer reports surface).
export async function stopCleanly(gateway) {
  const { code, signal } = await gateway.stop();
  if (code !== 0) throw new Error(`sluice exited with ${code ?? signal}:\n${gateway.stderr()}`);
}
