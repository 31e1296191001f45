// Chaos: three destinations that each fail 30% of requests at random (500s, and streams that die
// before their first content), 50 concurrent clients for SLUICE_CHAOS_SECONDS (default 60).
// With retries and fallback no client may see a failure, and every injected failure must show
// in /metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFaultUpstream } from '../support/fault_upstream.mjs';
import { startSluice } from '../support/sluice.mjs';
import { post, chatBody, sseData, stopCleanly } from './helpers.mjs';

const SECONDS = Number(process.env.SLUICE_CHAOS_SECONDS ?? 60);
const CLIENTS = 50;

test(`chaos: 3 destinations failing 30% for ${SECONDS} s under ${CLIENTS} clients, no client-visible failure`, { timeout: (SECONDS + 60) * 1000 }, async () => {
  const upstream = await startFaultUpstream();
  const ep = (name) => `
  - name: ${name}
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: flaky-30-${name}
      config: {openai_api_key: sk-chaos-test-key, openai_api_base: "${upstream.base}"}
`;
  // 15 tries in all (3 destinations × 5): all failing has odds 0.3^15 ≈ 1.4e-8 per request.
  const gateway = await startSluice(`
server:
  upstream_timeout: {first_byte_ms: 2000, stream_idle_ms: 2000}
endpoints:
${['d1', 'd2', 'd3'].map(ep).join('')}
routes:
  - name: chat
    task_type: llm/v1/chat
    strategy: weighted
    destinations: [{name: d1}, {name: d2}, {name: d3}]
    retry: {attempts: 4, backoff_ms: 1, max_backoff_ms: 5}
`);
  try {
    const stopAt = Date.now() + SECONDS * 1000;
    const failures = [];
    let requests = 0;
    let streams = 0;
    const client = async (id) => {
      for (let i = 0; Date.now() < stopAt; ++i) {
        const stream = (i + id) % 4 === 0;
        requests++;
        try {
          const res = await post(gateway, '/v1/chat/completions', chatBody('chat', stream ? { stream: true } : {}));
          const text = await res.text();
          if (res.status !== 200) {
            failures.push(`${res.status} ${text.slice(0, 200)}`);
          } else if (stream) {
            streams++;
            const data = sseData(text);
            const content = data.slice(0, -1).map((d) => JSON.parse(d)).map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
            if (data.at(-1) !== '[DONE]' || !content.startsWith('streamed from flaky-30-')) failures.push(`bad stream: ${text.slice(0, 300)}`);
          } else if (!JSON.parse(text).choices[0].message.content.startsWith('answer from flaky-30-')) {
            failures.push(`bad answer: ${text.slice(0, 200)}`);
          }
        } catch (e) {
          failures.push(`request failed: ${e.message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, id) => client(id)));
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${requests} requests failed`);
    assert.ok(requests > CLIENTS * SECONDS, `only ${requests} requests were made`);
    assert.ok(upstream.state.injected > requests * 0.2, `only ${upstream.state.injected} failures were injected`);

    // Every injected failure is an attempt that did not succeed, in /metrics.
    const metrics = await (await fetch(gateway.url + '/metrics')).text();
    let failedAttempts = 0;
    let succeeded = 0;
    for (const line of metrics.split('\n')) {
      const m = /^sluice_upstream_attempts_total\{destination="(d\d)",outcome="(\w+)"\} (\d+)$/.exec(line);
      if (!m) continue;
      if (m[2] === 'success') succeeded += Number(m[3]);
      else failedAttempts += Number(m[3]);
    }
    assert.equal(failedAttempts, upstream.state.injected);
    assert.equal(succeeded, requests);
    console.log(`chaos: ${requests} requests (${streams} streams), ${upstream.state.injected} injected failures, 0 client-visible`);
  } finally {
    try { await stopCleanly(gateway); } finally { await upstream.close(); }
  }
});
