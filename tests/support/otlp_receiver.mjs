// An OTLP/HTTP trace receiver on loopback (opentelemetry.io/docs/specs/otlp/#otlphttp): POST
// /v1/traces in protobuf, decoded with the OpenTelemetry JavaScript project's generated
// opentelemetry-proto code (@opentelemetry/otlp-transformer), or in OTLP JSON. Every span is
// kept in one plain shape: {traceId, spanId, parentSpanId (hex, '' for none), traceState, name,
// kind, start, end (BigInt ns), attributes {key: value}, events [{name, time, attributes}],
// status {code, message}, resource {key: value}, contentType, headers}.
// `mode`: 'ok' (200), 'fail' (500), 'stall' (never answers).
import http from 'node:http';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '..', 'e2e', 'package.json'));
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const hex = (b) => Buffer.from(b ?? []).toString('hex');

// An AnyValue as a plain JS value (int64 as Number: the tests' values are small).
function anyValue(v) {
  if (v == null) return undefined;
  if ('stringValue' in v && v.stringValue != null) return v.stringValue;
  if ('boolValue' in v && v.boolValue != null) return v.boolValue;
  if ('intValue' in v && v.intValue != null) return Number(v.intValue);
  if ('doubleValue' in v && v.doubleValue != null) return Number(v.doubleValue);
  return undefined;
}
const attrs = (list) => Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]));

function fromProtobuf(buf) {
  const msg = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(buf),
    { longs: String, bytes: Array, defaults: false });
  return (msg.resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => (ss.spans ?? []).map((s) => ({
    traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: hex(s.parentSpanId),
    traceState: s.traceState ?? '', name: s.name, kind: s.kind ?? 0,
    start: BigInt(s.startTimeUnixNano), end: BigInt(s.endTimeUnixNano), attributes: attrs(s.attributes),
    events: (s.events ?? []).map((e) => ({ name: e.name, time: BigInt(e.timeUnixNano), attributes: attrs(e.attributes) })),
    status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
    resource: attrs(rs.resource?.attributes), scope: ss.scope?.name }))));
}

function fromJson(text) {
  const msg = JSON.parse(text);
  return (msg.resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => (ss.spans ?? []).map((s) => ({
    traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '',
    traceState: s.traceState ?? '', name: s.name, kind: s.kind ?? 0,
    start: BigInt(s.startTimeUnixNano), end: BigInt(s.endTimeUnixNano), attributes: attrs(s.attributes),
    events: (s.events ?? []).map((e) => ({ name: e.name, time: BigInt(e.timeUnixNano), attributes: attrs(e.attributes) })),
    status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
    resource: attrs(rs.resource?.attributes), scope: ss.scope?.name }))));
}

export async function startOtlpReceiver() {
  const spans = [];
  const posts = [];
  const state = { mode: 'ok' };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = req.headers['content-type'] ?? '';
      posts.push({ path: req.url, contentType, headers: req.headers, bytes: body.length });
      if (state.mode === 'stall') return;
      if (state.mode === 'fail') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        return res.end('collector failure');
      }
      try {
        const got = contentType.startsWith('application/x-protobuf') ? fromProtobuf(body) : fromJson(body.toString('utf8'));
        for (const s of got) spans.push({ ...s, contentType, headers: req.headers });
      } catch (e) {
        posts.at(-1).error = String(e);
        res.writeHead(400);
        return res.end(String(e));
      }
      res.writeHead(200, { 'content-type': contentType.startsWith('application/json') ? 'application/json' : 'application/x-protobuf' });
      res.end(contentType.startsWith('application/json') ? '{}' : '');
    });
  });
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    posts,
    state,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); }),
  };
}
