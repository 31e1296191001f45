// How the console writes numbers: pure functions, tested in tests/ui/format.test.mjs.

export function usd(v) {
  if (v == null) return '—';
  if (v === 0) return '$0';
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
