// OpenTelemetry traces from the real binary to an OTLP receiver on loopback: the span tree (one
// server span, one client span per attempt, retries and fallbacks as siblings), the GenAI
// semantic-convention attributes, W3C traceparent read from the client and sent to providers,
// protobuf and JSON, the OTEL_* environment, sampling, content off by default, and a full or
// failing exporter counted without slowing a request.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFaultUpstream } from '../support/fault_upstream.mjs';
import { startOtlpReceiver } from '../support/otlp_receiver.mjs';
import { startSluice, eventually, runSluice, writeConfig } from '../support/sluice.mjs';
import { post, chatBody, stopCleanly } from './helpers.mjs';

const upstream = await startFaultUpstream();
after(() => upstream.close());

const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

const endpoints = `
endpoints:
  - name: a
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: pa, config: {openai_api_key: sk-trace-test, openai_api_base: "${upstream.base}"}}
  - name: b
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: pb, config: {openai_api_key: sk-trace-test, openai_api_base: "${upstream.base}"}}
routes:
  - name: chat
    task_type: llm/v1/chat
    destinations: [{name: a}, {name: b}]
`;

async function withGateway(otel, run, env = {}) {
  const receiver = await startOtlpReceiver();
  const gw = await startSluice(`${otel(receiver)}\n${endpoints}`, { env });
  try {
    await run(gw, receiver);
  } finally {
    await stopCleanly(gw);
    await receiver.close();
  }
}

const spansOf = (receiver, traceId) => receiver.spans.filter((s) => s.traceId === traceId);

test('protobuf: a fallback is one server span in the caller\'s trace with two client spans as siblings', async () => {
  await withGateway((r) => `otel: {endpoint: "${r.url}", protocol: http/protobuf, service_name: sluice-test}`, async (gw, receiver) => {
    upstream.script('pa', [{ status: 503 }]);
    const res = await post(gw, '/v1/chat/completions', chatBody('chat', { temperature: 0.5 }),
      { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`, tracestate: 'vendor=abc' });
    assert.equal(res.status, 200);
    await res.json();
    await eventually(() => spansOf(receiver, CLIENT_TRACE).length >= 3, 5000, 'three spans at the receiver');
    const spans = spansOf(receiver, CLIENT_TRACE);
    assert.equal(spans.length, 3);
    assert.equal(receiver.posts[0].path, '/v1/traces');
    assert.match(receiver.posts[0].contentType, /^application\/x-protobuf/);
    const server = spans.find((s) => s.kind === 2);
    const clients = spans.filter((s) => s.kind === 3).sort((x, y) => x.attributes['sluice.attempt'] - y.attributes['sluice.attempt']);
    assert.equal(server.parentSpanId, CLIENT_SPAN, 'the gateway joins the caller\'s trace');
    assert.equal(server.traceState, 'vendor=abc');
    assert.equal(server.name, 'chat chat');
    assert.equal(server.resource['service.name'], 'sluice-test');
    assert.equal(server.scope, 'sluice');
    assert.equal(clients.length, 2);
    for (const c of clients) assert.equal(c.parentSpanId, server.spanId, 'attempts are siblings under the server span');
    const a = server.attributes;
    assert.equal(a['gen_ai.operation.name'], 'chat');
    assert.equal(a['gen_ai.provider.name'], 'openai');
    assert.equal(a['gen_ai.system'], 'openai');
    assert.equal(a['gen_ai.request.model'], 'chat');
    assert.equal(a['gen_ai.response.model'], 'pb');
    assert.equal(a['gen_ai.request.temperature'], 0.5);
    assert.equal(a['gen_ai.usage.input_tokens'], 5);
    assert.equal(a['gen_ai.usage.output_tokens'], 3);
    assert.equal(a['http.response.status_code'], 200);
    assert.equal(a['sluice.route'], 'chat');
    assert.equal(a['sluice.endpoint'], 'b');
    assert.equal(a['sluice.attempts'], 2);
    assert.equal(a['sluice.request_id'], res.headers.get('x-request-id'));
    assert.equal(a['gen_ai.input.messages'], undefined, 'no content unless capture_content');
    assert.ok(server.start <= clients[0].start && clients[1].end <= server.end, 'attempts inside the request');
    assert.ok(clients[0].end <= clients[1].start, 'the fallback follows the failure');
    // The failed attempt, then the one that answered.
    assert.equal(clients[0].name, 'chat pa');
    assert.equal(clients[0].status.code, 2);
    assert.equal(clients[0].attributes['http.response.status_code'], 503);
    assert.equal(clients[0].attributes['sluice.destination'], 'a');
    assert.equal(clients[1].name, 'chat pb');
    assert.equal(clients[1].status.code, 0);
    assert.equal(clients[1].attributes['gen_ai.usage.input_tokens'], 5);
    // Each attempt's own span id went to the provider with the caller's trace id.
    const sent = upstream.log.slice(-2);
    assert.equal(sent[0].traceparent, `00-${CLIENT_TRACE}-${clients[0].spanId}-01`);
    assert.equal(sent[1].traceparent, `00-${CLIENT_TRACE}-${clients[1].spanId}-01`);
    assert.equal(sent[1].tracestate, 'vendor=abc');

    // A stream: time to first token as an attribute and an event.
    const streamed = await post(gw, '/v1/chat/completions', chatBody('a', { stream: true }));
    assert.equal(streamed.status, 200);
    await streamed.text();
    const id = streamed.headers.get('x-request-id');
    await eventually(() => receiver.spans.some((s) => s.attributes['sluice.request_id'] === id), 5000, 'the stream\'s span');
    const s = receiver.spans.find((x) => x.attributes['sluice.request_id'] === id);
    assert.equal(s.parentSpanId, '', 'no traceparent: a new trace');
    assert.ok(s.attributes['gen_ai.server.time_to_first_token'] > 0);
    assert.equal(s.events[0].name, 'gen_ai.first_token');
    assert.ok(s.events[0].time >= s.start && s.events[0].time <= s.end);
    assert.equal(s.attributes['gen_ai.request.stream'], true);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /sluice_trace_spans_total\{outcome="exported"\} [1-9]/);
    // Scrapes and health checks are not traced.
    await (await fetch(`${gw.url}/health`)).text();
    await new Promise((r) => setTimeout(r, 1300));  // past a batch interval
    const paths = receiver.spans.map((x) => x.attributes['url.path']);
    assert.ok(!paths.includes('/metrics') && !paths.includes('/health'), paths.join(' '));
  });
});

test('JSON, from the OTEL_* environment alone: headers sent, latest conventions only, content captured when asked', async () => {
  const receiver = await startOtlpReceiver();
  const gw = await startSluice(`otel: {capture_content: true}\n${endpoints}`, { env: {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-otel-key=secret%20value,x-team=ml',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'X-Team=traces',
    OTEL_SERVICE_NAME: 'from-env',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test',
    OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest_experimental',
  } });
  try {
    const res = await post(gw, '/v1/chat/completions', { model: 'a', messages: [{ role: 'user', content: 'the secret word is lantern' }] });
    assert.equal(res.status, 200);
    await res.json();
    await eventually(() => receiver.spans.some((s) => s.kind === 2), 5000, 'the server span');
    const server = receiver.spans.find((s) => s.kind === 2);
    assert.match(server.contentType, /^application\/json/);
    assert.equal(server.headers['x-otel-key'], 'secret value');
    assert.equal(server.headers['x-team'], 'traces', 'the traces-only header wins, sent once');
    assert.equal(server.resource['service.name'], 'from-env');
    assert.equal(server.resource['deployment.environment'], 'test');
    assert.equal(server.attributes['gen_ai.provider.name'], 'openai');
    assert.equal(server.attributes['gen_ai.system'], undefined);
    assert.match(server.attributes['gen_ai.input.messages'], /lantern/);
    // Answers are not captured (what the client got after output guardrails is not kept whole).
    const streamed = await post(gw, '/v1/chat/completions', chatBody('a', { stream: true }));
    await streamed.text();
    const id = streamed.headers.get('x-request-id');
    await eventually(() => receiver.spans.some((s) => s.attributes['sluice.request_id'] === id), 5000, 'the stream\'s span');
    const s = receiver.spans.find((x) => x.attributes['sluice.request_id'] === id);
    assert.ok(s.attributes['gen_ai.input.messages']);
    assert.equal(s.attributes['gen_ai.output.text'], undefined);
  } finally {
    await stopCleanly(gw);
    await receiver.close();
  }
});

test('sampling: ratio 0 records nothing of its own, follows a caller that sampled, and always propagates', async () => {
  await withGateway((r) => `otel: {endpoint: "${r.url}/v1/traces", sample_ratio: 0}`, async (gw, receiver) => {
    const unsampled = await post(gw, '/v1/chat/completions', chatBody('a'));
    assert.equal(unsampled.status, 200);
    await unsampled.json();
    const sent = upstream.log.at(-1).traceparent;
    assert.match(sent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/, 'propagated, not sampled');
    const sampled = await post(gw, '/v1/chat/completions', chatBody('a'), { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` });
    await sampled.json();
    await eventually(() => spansOf(receiver, CLIENT_TRACE).length === 2, 5000, 'the caller-sampled trace');
    await new Promise((r) => setTimeout(r, 1500));  // a batch interval and more
    assert.equal(receiver.spans.length, 2, 'nothing from the unsampled request');
    // A tracestate that breaks the grammar, or names a key twice, is dropped, not passed on.
    const twice = await post(gw, '/v1/chat/completions', chatBody('a'),
      { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`, tracestate: 'a=1,a=2' });
    await twice.json();
    assert.equal(upstream.log.at(-1).tracestate, undefined);
    const odd = await post(gw, '/v1/chat/completions', chatBody('a'),
      { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`, tracestate: 'Vendor=abc' });
    await odd.json();
    assert.equal(upstream.log.at(-1).tracestate, undefined);
    assert.match(upstream.log.at(-1).traceparent, new RegExp(`^00-${CLIENT_TRACE}-`));
    // A malformed traceparent starts a trace of its own.
    const bad = await post(gw, '/v1/chat/completions', chatBody('a'), { traceparent: `00-${CLIENT_TRACE.toUpperCase()}-${CLIENT_SPAN}-01` });
    await bad.json();
    assert.doesNotMatch(upstream.log.at(-1).traceparent, new RegExp(CLIENT_TRACE));
  });
});

test('a stalled collector fills the bounded queue: spans dropped and counted, requests unaffected; a failing one is counted', async () => {
  await withGateway((r) => `otel: {endpoint: "${r.url}", max_queue: 4}`, async (gw, receiver) => {
    receiver.state.mode = 'stall';
    for (let i = 0; i < 10; i++) {
      const t0 = Date.now();
      const res = await post(gw, '/v1/chat/completions', chatBody('a'));
      assert.equal(res.status, 200);
      await res.json();
      assert.ok(Date.now() - t0 < 2000, 'a request never waits for the collector');
    }
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const dropped = Number(/sluice_trace_spans_total\{outcome="dropped_queue_full"\} (\d+)/.exec(metrics)[1]);
    assert.ok(dropped >= 10, `dropped ${dropped}`);
  });
  await withGateway((r) => `otel: {endpoint: "${r.url}"}`, async (gw, receiver) => {
    receiver.state.mode = 'fail';
    const res = await post(gw, '/v1/chat/completions', chatBody('a'));
    await res.json();
    await eventually(async () => /sluice_trace_spans_total\{outcome="export_failed"\} [1-9]/.test(
      await (await fetch(`${gw.url}/metrics`)).text()), 5000, 'the failed export counted');
    assert.match(gw.stderr(), /trace export to http:\/\/127\.0\.0\.1:\d+ failed \(HTTP 500\)/);
  });
});

test('OTEL_* variables meant for other programs (gRPC) never stop sluice: tracing is off, said once', async () => {
  const gw = await startSluice(endpoints, { env: {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' } });
  try {
    assert.match(gw.stderr(), /tracing is off: OTEL_EXPORTER_OTLP_PROTOCOL must be http\/protobuf or http\/json/);
    const res = await post(gw, '/v1/chat/completions', chatBody('a'));
    assert.equal(res.status, 200);
    await res.json();
    assert.equal(upstream.log.at(-1).traceparent, undefined);
  } finally {
    await stopCleanly(gw);
  }
});

test('what a client sends is bounded in a span, and only model traffic is traced', async () => {
  await withGateway((r) => `otel: {endpoint: "${r.url}", capture_content: true}`, async (gw, receiver) => {
    const long = 'm'.repeat(5000);
    const res = await post(gw, '/v1/chat/completions', { model: long, messages: [{ role: 'user', content: 'x'.repeat(200000) }] });
    assert.equal(res.status, 404);
    await res.arrayBuffer();
    await (await fetch(`${gw.url}/v1/models`)).arrayBuffer();
    const ok = await post(gw, '/v1/chat/completions', chatBody('a'));
    await ok.json();
    const id = ok.headers.get('x-request-id');
    await eventually(() => receiver.spans.some((s) => s.attributes['sluice.request_id'] === id), 5000, 'the last span');
    const unknown = receiver.spans.find((s) => s.attributes['http.response.status_code'] === 404);
    assert.ok(unknown, 'the 404 is traced');
    assert.ok(unknown.name.length <= 300, `name of ${unknown.name.length} bytes`);
    assert.ok(unknown.attributes['gen_ai.request.model'].length <= 256);
    assert.equal(unknown.attributes['gen_ai.provider.name'], undefined, 'no endpoint, no provider');
    assert.ok(unknown.attributes['gen_ai.input.messages'].length <= 64 * 1024);
    assert.ok(!receiver.spans.some((s) => s.attributes['url.path'] === '/v1/models'), 'catalogue reads are not traced');
  });
  // Headers with a CR/LF in the environment are left out with a warning; the rest go out.
  const receiver = await startOtlpReceiver();
  const gw = await startSluice(endpoints, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_HEADERS: 'x-bad=a%0D%0AX-Injected: 1,x-good=1' } });
  try {
    assert.match(gw.stderr(), /OTEL_EXPORTER_OTLP_HEADERS: a header 'x-bad' has a control character/);
    await (await post(gw, '/v1/chat/completions', chatBody('a'))).json();
    await eventually(() => receiver.spans.length > 0, 5000, 'a span');
    assert.equal(receiver.posts[0].headers['x-good'], '1');
    assert.equal(receiver.posts[0].headers['x-bad'], undefined);
    assert.equal(receiver.posts[0].headers['x-injected'], undefined);
  } finally {
    await stopCleanly(gw);
    await receiver.close();
  }
});

test('config errors name the field', async () => {
  for (const [otel, message] of [
    ['otel: {endpoint: "ftp://x"}', /otel\.endpoint/],
    ['otel: {endpoint: "http://127.0.0.1:4318", protocol: grpc}', /otel\.protocol: must be http\/protobuf or http\/json, got 'grpc'/],
    ['otel: {endpoint: "http://127.0.0.1:4318", sample_ratio: 2}', /otel\.sample_ratio/],
    ['otel: {capture_content: true}', /otel: 'endpoint' is required/],
    ['otel: {endpoint: "http://127.0.0.1:4318", colour: red}', /unknown key 'colour'/],
    // Found by a hostile probe: framing headers reached the collector twice, a CR/LF only failed
    // every export later, a port above 65535 wrapped around, userinfo was dropped.
    ['otel: {endpoint: "http://127.0.0.1:4318", headers: {Content-Length: "5"}}', /'Content-Length' is set by sluice itself/],
    ['otel: {endpoint: "http://127.0.0.1:4318", headers: {x-key: "a\\r\\nX-Injected: 1"}}', /control character/],
    ['otel: {endpoint: "http://127.0.0.1:99999"}', /invalid port/],
    ['otel: {endpoint: "http://user:pw@127.0.0.1:4318"}', /user name or password/],
  ]) {
    const path = writeConfig(`${otel}\n${endpoints}`);
    const r = await runSluice(['check-config', path]);
    assert.notEqual(r.code, 0, otel);
    assert.match(r.stderr + r.stdout, message, otel);
  }
});
