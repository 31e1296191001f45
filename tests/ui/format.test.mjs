// The console's number formatting and chart columns (ui/src/format.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columns, count, ms, percent, usd } from '../../ui/src/format.js';

test('money, counts, durations and shares read as a person writes them', () => {
  assert.equal(usd(null), '—');
  assert.equal(usd(0), '$0');
  assert.equal(usd(0.000241), '$0.00024');
  assert.equal(usd(1234.5), '$1,234.50');
  assert.equal(count(999), '999');
  assert.equal(count(1500), '1.5k');
  assert.equal(count(25_000_000), '25M');
  assert.equal(ms(0.5), '0.50 ms');
  assert.equal(ms(0), '0 ms');
  assert.equal(ms(412.4), '412 ms');
  assert.equal(ms(2500), '2.50 s');
  assert.equal(percent(1, 8), '13%');
  assert.equal(percent(1, 30), '3.3%');
  assert.equal(percent(1, 0), '—');
});

test('usage points become one column per field, every bucket of the range present', () => {
  const usage = {
    bucket_ms: 3600_000, since_ms: 7200_000 + 5, until_ms: 4 * 3600_000,
    series: [
      { endpoint: 'a', points: [{ start_ms: 7200_000, requests: 2, cost_usd: 0.5 }] },
      { endpoint: 'b', points: [{ start_ms: 7200_000, requests: 1 }, { start_ms: 10800_000, requests: 4 }] },
    ],
  };
  assert.deepEqual(columns(usage, ['requests', 'cost_usd']), [
    [7200, 10800],
    [3, 4],
    [0.5, 0],
  ]);
});

test('a single series gives its per-bucket values, gaps where nothing was measured', async () => {
  const { pick, usd } = await import('../../ui/src/format.js');
  const usage = {
    bucket_ms: 3600_000, since_ms: 0, until_ms: 3 * 3600_000,
    series: [{ points: [
      { start_ms: 0, latency_ms: { p50: 4, p95: 9 }, ttft_ms: null },
      { start_ms: 7200_000, latency_ms: { p50: 5, p95: 20 }, ttft_ms: { p50: 100, p95: 300 } },
    ] }],
  };
  assert.deepEqual(pick(usage, ['latency_ms.p95', 'ttft_ms.p50']), [
    [0, 3600, 7200],
    [9, null, 20],
    [null, null, 100],
  ]);
  assert.equal(usd(1e-7), '<$0.000001');
  assert.equal(usd(0.00035), '$0.00035');
});
