// How the console writes numbers: pure functions, tested in tests/ui/format.test.mjs.

export function usd(v) {
  if (v == null) return '—';
  if (v === 0) return '$0';
  if (Math.abs(v) < 0.000001) return '<$0.000001';
  if (Math.abs(v) < 0.01) return `$${v.toPrecision(2)}`;
  return `$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function count(v) {
  if (v == null) return '—';
  if (v < 1000) return String(v);
  for (const [n, s] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']]) {
    if (v >= n) return `${(v / n).toFixed(v >= 10 * n ? 0 : 1)}${s}`;
  }
  return String(v);
}

export function ms(v) {
  if (v == null) return '—';
  if (v === 0) return '0 ms';
  if (v < 1) return `${v.toFixed(2)} ms`;
  if (v < 1000) return `${Math.round(v)} ms`;
  return `${(v / 1000).toFixed(v < 10000 ? 2 : 1)} s`;
}

export function percent(part, whole) {
  if (!whole) return '—';
  const p = (100 * part) / whole;
  return `${p < 10 ? p.toFixed(1) : Math.round(p)}%`;
}

// /admin/usage's points (start_ms, …) as uPlot's columns: [seconds, series…], every bucket of
// the range present (the API leaves empty buckets out).
export function columns(usage, fields) {
  const step = usage.bucket_ms;
  const first = Math.floor(usage.since_ms / step) * step;
  const xs = [];
  for (let t = first; t < usage.until_ms; t += step) xs.push(t);
  const byStart = new Map();
  for (const s of usage.series ?? []) {
    for (const p of s.points ?? []) {
      const row = byStart.get(p.start_ms) ?? {};
      for (const f of fields) row[f] = (row[f] ?? 0) + (p[f] ?? 0);
      byStart.set(p.start_ms, row);
    }
  }
  return [xs.map((t) => t / 1000), ...fields.map((f) => xs.map((t) => byStart.get(t)?.[f] ?? 0))];
}

// "a, b*, , c" → ["a", "b*", "c"]: the globs a form field lists.
export function globs(text) {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

// Unix seconds (or milliseconds, when `unit` is 'ms') as "2026-12-02 09:41" in UTC; '—' for none.
export function when(v, unit = 's') {
  if (!v) return '—';
  const d = new Date(unit === 'ms' ? v : v * 1000);
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

// A server-sent event stream read in pieces (OpenAI's chat chunks, Anthropic's events): feed()
// takes each piece as it arrives and returns the events completed by it, as {event, data}.
// Lines end with \n, \r\n or \r (HTML's event-stream format); a piece may end anywhere, even
// between \r and \n.
export function sseReader() {
  let buffer = '';
  let event = '';
  let data = [];
  let skipLf = false;
  return {
    feed(text) {
      const out = [];
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i];
        if (skipLf) {
          skipLf = false;
          if (c === '\n') { start = i + 1; continue; }
        }
        if (c !== '\n' && c !== '\r') continue;
        const line = buffer.slice(start, i);
        start = i + 1;
        if (c === '\r') skipLf = true;
        if (line === '') {
          if (data.length) out.push({ event: event || 'message', data: data.join('\n') });
          event = '';
          data = [];
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? '' : line.slice(colon + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          if (field === 'data') data.push(value);
          else if (field === 'event') event = value;
        }
      }
      buffer = buffer.slice(start);
      return out;
    },
  };
}

// The JSON merge patch (RFC 7396) that turns `before` into `after`: changed members as they are
// now, removed ones as null, objects patched member by member; arrays and other values whole.
// (A null inside `after` cannot be said by a merge patch; it becomes a removal.)
export function mergePatch(before, after) {
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(before) || !isObject(after)) return after;
  const patch = {};
  for (const k of Object.keys(before)) if (!(k in after)) patch[k] = null;
  for (const [k, v] of Object.entries(after)) {
    if (!(k in before)) patch[k] = v;
    else if (isObject(before[k]) && isObject(v)) {
      const inner = mergePatch(before[k], v);
      if (Object.keys(inner).length) patch[k] = inner;
    } else if (JSON.stringify(before[k]) !== JSON.stringify(v)) patch[k] = v;
  }
  return patch;
}

// A single-series usage answer's per-bucket values at `paths` ('latency_ms.p95', 'ttft_ms.p50'):
// uPlot's columns, null where a bucket had no request or no such value (a gap, not a zero).
export function pick(usage, paths) {
  const step = usage.bucket_ms;
  const first = Math.floor(usage.since_ms / step) * step;
  const byStart = new Map();
  for (const s of usage.series ?? []) for (const p of s.points ?? []) byStart.set(p.start_ms, p);
  const xs = [];
  for (let t = first; t < usage.until_ms; t += step) xs.push(t);
  const at = (p, path) => path.split('.').reduce((v, k) => (v == null ? null : v[k]), p) ?? null;
  return [xs.map((t) => t / 1000), ...paths.map((path) => xs.map((t) => (byStart.has(t) ? at(byStart.get(t), path) : null)))];
}
