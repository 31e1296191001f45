// Routing with the real binary against a loopback upstream that fails on cue: fallbacks,
// retries, Retry-After, timeouts, stream warm-up, circuit breakers, client controls, and what
// each attempt leaves in headers, access log and metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFaultUpstream } from '../support/fault_upstream.mjs';
import { startSluice, eventually } from '../support/sluice.mjs';
import { post, chatBody, logFor, sseData, stopCleanly } from './helpers.mjs';

const ADMIN = 'admin-key-for-routing-tests-0123';

// One endpoint per [name, provider model]; `routes` is YAML for `routes:` (or '').
async function setup({ endpoints, routes = '', extra = {}, timeouts = '{first_byte_ms: 1000, stream_idle_ms: 1000}' }) {
  const upstream = await startFaultUpstream();
  const ep = ([name, model]) => `
  - name: ${name}
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: ${model}
      config: {openai_api_key: sk-routing-test-key, openai_api_base: "${upstream.base}"}
${extra[name] ?? ''}`;
  const yaml = `
server:
  upstream_timeout: ${timeouts}
auth: {admin_key: ${ADMIN}}
endpoints:
${endpoints.map(ep).join('')}
${routes ? `routes:\n${routes}` : ''}`;
  const gateway = await startSluice(yaml);
  return {
    upstream,
    gateway,
    async close() {
      try { await stopCleanly(gateway); } finally { await upstream.close(); }
    },
  };
}

const metricValue = (text, name, labels) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
};

test('fallback: a 503 moves on to the next destination; headers, log and metrics show both attempts', async () => {
  const t = await setup({
    endpoints: [['a', 'fb-a'], ['b', 'fb-b']],
    routes: `  - name: chat
    task_type: llm/v1/chat
    destinations: [{name: a}, {name: b}]
`,
  });
  try {
    t.upstream.script('fb-a', [{ status: 503 }]);
    const res = await post(t.gateway, '/v1/chat/completions', chatBody('chat'));
    assert.equal(res.status, 200);
    assert.equal((await res.json()).choices[0].message.content, 'answer from fb-b');
    assert.equal(res.headers.get('x-sluice-destination'), 'b');
    assert.equal(res.headers.get('x-sluice-attempts'), '2');
    assert.deepEqual(t.upstream.models(), ['fb-a', 'fb-b']);
    const line = await logFor(t.gateway, res);
    assert.equal(line.route, 'chat');
    assert.equal(line.endpoint, 'b');
    assert.deepEqual(line.attempts.map((a) => [a.destination, a.status, a.outcome]),
      [['a', 503, 'server_error'], ['b', 200, 'success']]);
    const metrics = await (await fetch(t.gateway.url + '/metrics')).text();
    assert.equal(metricValue(metrics, 'sluice_upstream_attempts_total', 'destination="a",outcome="server_error"'), 1);
    assert.equal(metricValue(metrics, 'sluice_upstream_attempts_total', 'destination="b",outcome="success"'), 1);
  } finally {
    await t.close();
  }
});

test('retries: the same destination is tried again with backoff before falling over', async () => {
  const t = await setup({
    endpoints: [['a', 'rt-a'], ['b', 'rt-b']],
    routes: `  - name: chat
    task_type: llm/v1/chat
    destinations: [{name: a}, {name: b}]
    retry: {attempts: 2, backoff_ms: 50, max_backoff_ms: 200}
`,
  });
  try {
    t.upstream.script('rt-a', [{ status: 500 }, { status: 502 }, 'ok']);
    const res = await post(t.gateway, '/v1/chat/completions', chatBody('chat'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-sluice-destination'), 'a');
    assert.equal(res.headers.get('x-sluice-attempts'), '3');
    assert.deepEqual(t.upstream.models(), ['rt-a', 'rt-a', 'rt-a']);

    // Retries spent: the next destination answers.
    t.upstream.script('rt-a', [{ status: 500 }, { status: 500 }, { status: 500 }]);
    const res2 = await post(t.gateway, '/v1/chat/completions', chatBody('chat'));
    assert.equal(res2.status, 200);
    assert.equal(res2.headers.get('x-sluice-destination'), 'b');
    assert.equal(res2.headers.get('x-sluice-attempts'), '4');
    assert.deepEqual(t.upstream.models().slice(3), ['rt-a', 'rt-a', 'rt-a', 'rt-b']);
  } finally {
    await t.close();
  }
});

test('a client error (400) is returned at once: no retry, no fallback', async () => {
  const t = await setup({
    endpoints: [['a', 'ce-a'], ['b', 'ce-b']],
    routes: `  - name: chat
    task_type: llm/v1/chat
    destinations: [{name: a}, {name: b}]
    retry: {attempts: 3, backoff_ms: 10}
`,
  });
  try {
    t.upstream.script('ce-a', [{ status: 400, message: 'temperature is out of range' }]);
    const res = await post(t.gateway, '/v1/chat/completions', chatBody('chat'));
    assert.equal(res.status, 400);
    assert.match((await res.json()).error.message, /temperature is out of range/);
    assert.equal(res.headers.get('x-sluice-attempts'), '1');
    assert.deepEqual(t.upstream.models(), ['ce-a']);
  } finally {
    await t.close();
  }
});

test('a prompt too long for the model goes to the destination flagged larger_context', async () => {
  const t = await setup({
    endpoints: [['small', 'cl-small'], ['other', 'cl-other'], ['big', 'cl-big']],
    routes: `  - name: chat
    task_type: llm/v1/chat
    destinations: [{name: small}, {name: other}, {name: big, larger_context: true}]
`,
  });
  try {
    t.upstream.script('cl-small', [{ status: 400, code: 'context_length_exceeded', message: "This model's maximum context length is 8192 tokens." }]);
    const res = await post(t.gateway, '/v1/chat/completions', chatBody('chat'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-sluice-destination'), 'big');
    assert.deepEqual(t.upstream.models(), ['cl-small', 'cl-big']);
  } finally {
    await t.close();
  }
});

test('429 with Retry-After: waited for when it is the only destination, skipped when another exists', async () => {
  const t = await setup({
    endpoints: [['solo', 'ra-solo'], ['a', 'ra-a'], ['b', 'ra-b']],
    extra: { solo: '    retry: {attempts: 1, backoff_ms: 10, max_backoff_ms: 1000}\n' },
    routes: `  - name: pair
    task_type: llm/v1/chat
    destinations: [{name: a}, {name: b}]
    retry: {attempts: 1, backoff_ms: 10, max_backoff_ms: 100}
`,
  });
  try {
    t.upstream.script('ra-solo', [{ status: 429, retryAfterMs: 400 }]);
    let t0 = Date.now();
    const res = await post(t.gateway, '/v1/chat/completions', chatBody('solo'));
    const waited = Date.now() - t0;
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-sluice-attempts'), '2');
    assert.ok(waited >= 380 && waited < 1500, `waited ${waited} ms`);
    const log = t.upstream.log.filter((l) => l.model === 'ra-solo');
    assert.ok(log[1].at - log[0].at >= 380, 'the retry came after Retry-After');

    // Retry-After of 30 s, beyond max_backoff_ms: not waited for; the next destination answers.
    t.upstream.script('ra-a', [{ status: 429, retryAfter: 30 }]);
    t0 = Date.now();
    const res2 = await post(t.gateway, '/v1/chat/completions', chatBody('pair'));
    assert.equal(res2.status, 200);
    assert.equal(res2.headers.get('x-sluice-destination'), 'b');
    assert.ok(Date.now() - t0 < 1000);

    // Every destination rate-limited for long: the client gets the 429 and the provider's
    // Retry-After at once.
    t.upstream.script('ra-a', [{ status: 429, retryAfter: 30 }]);
    t.upstream.script('ra-b', [{ status: 429, retryAfter: 30 }]);
    t0 = Date.now();
    const res3 = await post(t.gateway, '/v1/chat/completions', chatBody('pair'));
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(res3.status, 429);
    assert.equal(res3.headers.get('retry-after'), '30');
    assert.equal((await res3.json()).error.type, 'rate_limit_error');
  } finally {
    await t.close();
  }
});

test('hang before headers and a reset connection are retryable failures; the overall deadline bounds the chain', async () => {
  const t = await setup({
    endpoints: [['a', 'hg-a'], ['b', 'hg-b'], ['c', 'hg-c']],
    routes: `  - name: chat
    task_type: llm/v1/chat
    destinations: [{name: a}, {name: b}, {name: c}]
    timeout: {first_byte_ms: 300, total_ms: 1500}
  - name: slow
    task_type: llm/v1/chat
    destinations: [{name: a}, {name: b}, {name: c}]
    timeout: {first_byte_ms: 400, total_ms: 600}
`,
  });
  try {
    t.upstream.script('hg-a', ['hang']);
    t.upstream.script('hg-b', ['reset']);
    let t0 = Date.now();
    const res = await post(t.gateway, '/v1/chat/completions', chatBody('chat'));
    assert.equal(res.status, 200);
    assert.ok(Date.now() - t0 < 1200, `took ${Date.now() - t0} ms`);
    assert.equal(res.headers.get('x-sluice-destination'), 'c');
    const line = await logFor(t.gateway, res);
    assert.deepEqual(line.attempts.map((a) => a.outcome), ['timeout', 'connect_error', 'success']);
    // The timed-out connection was closed, not returned to the pool.
    await eventually(() => t.upstream.state.hungClosed === 1, 2000, 'hung connection closed');

    // All hang: the chain stops at total_ms with a 504, not after 3 × first_byte_ms.
    for (const m of ['hg-a', 'hg-b', 'hg-c']) t.upstream.script(m, ['hang']);
    t0 = Date.now();
    const res2 = await post(t.gateway, '/v1/chat/completions', chatBody('slow'));
    const took = Date.now() - t0;
    assert.equal(res2.status, 504);
    assert.ok(took >= 550 && took < 1100, `took ${took} ms`);
    assert.equal(res2.headers.get('x-sluice-attempts'), '2');
  } finally {
    await t.close();
  }
});

test('streams fall over unseen until content arrives; after that a failure ends with an error event', async () => {
  const t = await setup({
    endpoints: [['a', 'st-a'], ['b', 'st-b']],
    routes: `  - name: chat
    task_type: llm/v1/chat
    destinations: [{name: a}, {name: b}]
    timeout: {first_byte_ms: 400, stream_idle_ms: 400}
`,
  });
  try {
    for (const failure of ['die-before-content', 'stall-before-content', { status: 503 }]) {
      t.upstream.script('st-a', [failure]);
      const res = await post(t.gateway, '/v1/chat/completions', chatBody('chat', { stream: true }));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-sluice-destination'), 'b');
      assert.equal(res.headers.get('x-sluice-attempts'), '2');
      const data = sseData(await res.text());
      assert.equal(data.at(-1), '[DONE]');
      const text = data.slice(0, -1).map((d) => JSON.parse(d)).map((c) => c.choices[0]?.delta?.content ?? '').join('');
      assert.equal(text, 'streamed from st-b', JSON.stringify(failure));
    }

    // Content reached the client, then the provider stalled: an error event, no [DONE].
    t.upstream.script('st-a', ['hang-mid']);
    const res = await post(t.gateway, '/v1/chat/completions', chatBody('chat', { stream: true }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-sluice-destination'), 'a');
    const data = sseData(await res.text());
    assert.notEqual(data.at(-1), '[DONE]');
    assert.match(JSON.parse(data.at(-1)).error.message, /idle/);
    const line = await logFor(t.gateway, res);
    assert.match(line.error, /stream failed/);
    assert.deepEqual(line.attempts.map((a) => a.outcome), ['stream_error']);
    const metrics = await (await fetch(t.gateway.url + '/metrics')).text();
    assert.equal(metricValue(metrics, 'sluice_upstream_attempts_total', 'destination="a",outcome="stream_error"'), 1);
  } finally {
    await t.close();
  }
});

test('circuit breaker: opens after N failures, the destination is skipped, a probe closes it again', async () => {
  const t = await setup({
    endpoints: [['a', 'cb-a'], ['b', 'cb-b']],
    routes: `  - name: chat
    task_type: llm/v1/chat
    destinations: [{name: a}, {name: b}]
    circuit_breaker: {failures: 2, window_s: 30, cooldown_s: 1}
`,
  });
  const routeState = async () => {
    const res = await fetch(t.gateway.url + '/admin/routes', { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(res.status, 200);
    return (await res.json()).routes.find((r) => r.name === 'chat');
  };
  try {
    t.upstream.script('cb-a', [{ status: 500 }, { status: 500 }]);
    for (let i = 0; i < 2; ++i) {
      const res = await post(t.gateway, '/v1/chat/completions', chatBody('chat'));
      assert.equal(res.headers.get('x-sluice-destination'), 'b');
    }
    assert.equal((await routeState()).destinations[0].circuit, 'open');
    const metrics = await (await fetch(t.gateway.url + '/metrics')).text();
    assert.equal(metricValue(metrics, 'sluice_circuit_breaker_state', 'route="chat",destination="a"'), 1);
    assert.equal(metricValue(metrics, 'sluice_circuit_breaker_opened_total', 'destination="a"'), 1);

    // While open, a is not even tried.
    const before = t.upstream.models().filter((m) => m === 'cb-a').length;
    for (let i = 0; i < 5; ++i) {
      const res = await post(t.gateway, '/v1/chat/completions', chatBody('chat'));
      assert.equal(res.headers.get('x-sluice-attempts'), '1');
      assert.equal(res.headers.get('x-sluice-destination'), 'b');
    }
    assert.equal(t.upstream.models().filter((m) => m === 'cb-a').length, before);

    // After the cooldown one probe goes to a; it succeeds and a is back.
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await routeState()).destinations[0].circuit, 'half_open');
    const probe = await post(t.gateway, '/v1/chat/completions', chatBody('chat'));
    assert.equal(probe.headers.get('x-sluice-destination'), 'a');
    assert.equal((await routeState()).destinations[0].circuit, 'closed');

    // Admin view needs the key.
    assert.equal((await fetch(t.gateway.url + '/admin/routes')).status, 401);
  } finally {
    await t.close();
  }
});

test('every breaker open: 503 with Retry-After, nothing sent upstream', async () => {
  const t = await setup({
    endpoints: [['a', 'ao-a']],
    extra: { a: '    circuit_breaker: {failures: 1, cooldown_s: 30}\n' },
  });
  try {
    t.upstream.script('ao-a', [{ status: 502 }]);
    assert.equal((await post(t.gateway, '/v1/chat/completions', chatBody('a'))).status, 502);
    const res = await post(t.gateway, '/v1/chat/completions', chatBody('a'));
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.error.code, 'circuit_open');
    assert.ok(Number(res.headers.get('retry-after')) >= 29);
    assert.equal(t.upstream.log.length, 1);
  } finally {
    await t.close();
  }
});

test('an endpoint with fallbacks: falls over across providers of the chain, pins and no-fallback narrow it', async () => {
  const t = await setup({
    endpoints: [['main', 'ef-main'], ['backup', 'ef-backup']],
    extra: { main: '    fallbacks: [backup, local]\n' },
    routes: `  - name: local
    model: {provider: mock, config: {text: from the in-process mock}}
    route_type: llm/v1/chat
  - name: closed
    task_type: llm/v1/chat
    destinations: [{name: main}, {name: backup}]
`,
  });
  try {
    t.upstream.script('ef-main', [{ status: 500 }]);
    t.upstream.script('ef-backup', [{ status: 500 }]);
    const res = await post(t.gateway, '/v1/chat/completions', chatBody('main'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-sluice-destination'), 'local');
    assert.equal((await res.json()).choices[0].message.content, 'from the in-process mock');
    assert.equal((await logFor(t.gateway, res)).route, null);  // an endpoint, not a route

    // x-sluice-no-fallback: the first failure is the answer.
    t.upstream.script('ef-main', [{ status: 503 }]);
    const nf = await post(t.gateway, '/v1/chat/completions', chatBody('main'), { 'x-sluice-no-fallback': 'true' });
    assert.equal(nf.status, 503);
    assert.equal(nf.headers.get('x-sluice-attempts'), '1');

    // A pin to one destination of the chain.
    const pinned = await post(t.gateway, '/v1/chat/completions', chatBody('main'), { 'x-sluice-destination': 'backup' });
    assert.equal(pinned.status, 200);
    assert.equal(pinned.headers.get('x-sluice-destination'), 'backup');
    // A pin outside the chain is refused; a route that does not allow pins refuses them.
    const outside = await post(t.gateway, '/v1/chat/completions', chatBody('main'), { 'x-sluice-destination': 'closed' });
    assert.equal(outside.status, 400);
    assert.match((await outside.json()).error.message, /not a destination/);
    const refused = await post(t.gateway, '/v1/chat/completions', chatBody('closed'), { 'x-sluice-destination': 'backup' });
    assert.equal(refused.status, 403);
  } finally {
    await t.close();
  }
});

test('least_latency sends at least 80% of 500 requests to the fastest of three destinations', async () => {
  const t = await setup({
    endpoints: [['fast', 'delay-10'], ['mid', 'delay-50'], ['slow', 'delay-100']],
    routes: `  - name: chat
    task_type: llm/v1/chat
    strategy: least_latency
    destinations: [{name: slow}, {name: mid}, {name: fast}]
`,
  });
  try {
    const counts = {};
    let next = 0;
    const worker = async () => {
      while (next < 500) {
        next++;
        const res = await post(t.gateway, '/v1/chat/completions', chatBody('chat'));
        assert.equal(res.status, 200);
        await res.arrayBuffer();
        const d = res.headers.get('x-sluice-destination');
        counts[d] = (counts[d] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    assert.ok(counts.fast >= 400, JSON.stringify(counts));
  } finally {
    await t.close();
  }
});

test('falling over to an endpoint with its own prompt template prepares the request again for it', async () => {
  const t = await setup({
    endpoints: [['a', 'rp-a'], ['b', 'rp-b']],
    extra: {
      a: '    prompt_template: "A says {{ x }}"\n',
      b: '    prompt_template: "B says {{ x }}"\n    parameters: {temperature: 0.25}\n',
    },
    routes: `  - name: tpl
    task_type: llm/v1/chat
    destinations: [{name: a}, {name: b}]
`,
  });
  try {
    t.upstream.script('rp-a', [{ status: 503 }]);
    const res = await post(t.gateway, '/v1/chat/completions', { model: 'tpl', x: 'hello' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-sluice-destination'), 'b');
    const [first, second] = t.upstream.log;
    assert.deepEqual(first.messages, [{ role: 'user', content: 'A says hello' }]);
    assert.deepEqual(second.messages, [{ role: 'user', content: 'B says hello' }]);
  } finally {
    await t.close();
  }
});
