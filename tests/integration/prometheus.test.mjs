// /metrics as a real Prometheus sees it: `promtool check metrics` finds nothing to fault, a real
// Prometheus server scrapes the real binary and answers PromQL with the counts of the requests
// made here, and every query of the Grafana dashboard (deploy/grafana/sluice.json) names only
// metrics sluice exports, is valid PromQL and returns data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFaultUpstream } from '../support/fault_upstream.mjs';
import { startPrometheus, promtoolCheckMetrics } from '../support/prometheus_server.mjs';
import { startSluice, eventually, tempDir } from '../support/sluice.mjs';
import { post, chatBody, stopCleanly } from './helpers.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let upstream, gw, prom;
const made = { a: 0, b: 0 };

before(async () => {
  upstream = await startFaultUpstream();
  const ep = (name, model) => `
  - name: ${name}
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: ${model}
      config: {openai_api_key: sk-prometheus-test, openai_api_base: "${upstream.base}"}
    guardrails: [pii-watch]`;
  gw = await startSluice(`
stores: {sqlite: ${join(tempDir(), 'gw.db')}}
cache: {mode: exact}
pricing:
  openai:
    pa: {input: 1000, output: 2000}
guardrails:
  - {name: pii-watch, type: pii, on: both, action: monitor}
endpoints:${ep('a', 'pa')}${ep('b', 'pb')}
routes:
  - name: chat
    task_type: llm/v1/chat
    destinations: [{name: a}, {name: b}]
    circuit_breaker: {failures: 5, window_s: 30, cooldown_s: 1}
`);
  prom = await startPrometheus([`127.0.0.1:${gw.port}`]);
  // Traffic: plain and streamed answers, a guardrail finding, a fallback, an unknown model.
  for (let i = 0; i < 5; i++) {
    const r = await post(gw, '/v1/chat/completions', chatBody('a'));
    assert.equal(r.status, 200);
    await r.arrayBuffer();
    made.a++;
  }
  for (let i = 0; i < 3; i++) {
    const r = await post(gw, '/v1/chat/completions', chatBody('a', { stream: true }));
    assert.equal(r.status, 200);
    await r.text();
    made.a++;
  }
  const pii = await post(gw, '/v1/chat/completions', {
    model: 'a', messages: [{ role: 'user', content: 'Write to jane.doe@example.com please' }] });
  assert.equal(pii.status, 200);
  await pii.arrayBuffer();
  made.a++;
  upstream.script('pa', [{ status: 503 }]);
  const fell = await post(gw, '/v1/chat/completions', chatBody('chat'));
  assert.equal(fell.status, 200);
  assert.match((await fell.json()).choices[0].message.content, /from pb/);
  made.b++;
  const unknown = await post(gw, '/v1/chat/completions', chatBody('no-such-model'));
  assert.equal(unknown.status, 404);
  await unknown.arrayBuffer();
});

after(async () => {
  await prom?.stop();
  if (gw) await stopCleanly(gw);
  await upstream?.close();
});

const scrape = async () => (await fetch(`${gw.url}/metrics`)).text();
const value = (answer) => Number(answer.data?.result?.[0]?.value?.[1]);

test('promtool check metrics finds nothing to fault in /metrics', async () => {
  // A request is counted by its observers once its answer is out, on whichever event loop served
  // it, so a scrape on the other loop can come first (seen under TSan): wait for the last two.
  let text = '';
  await eventually(async () => {
    text = await scrape();
    return /sluice_route_fallbacks_total\{route="chat"\} 1\n/.test(text) &&
      /sluice_requests_total\{endpoint="",status="404",status_class="4xx"\} 1\n/.test(text);
  }, 10000, 'the last requests to be counted').catch(() => {});
  const { code, output } = await promtoolCheckMetrics(text);
  assert.equal(code, 0, `promtool: ${output}`);
  assert.equal(output.trim(), '', output);
  // The labels of an endpoint's series come from the config.
  assert.match(text, /sluice_requests_total\{endpoint="a",provider="openai",model="pa",status="200",status_class="2xx"\} 9\n/);
  assert.match(text, /sluice_time_to_first_token_seconds_count\{endpoint="a",provider="openai",model="pa"\} 3\n/);
  assert.match(text, /sluice_route_fallbacks_total\{route="chat"\} 1\n/);
  assert.match(text, /sluice_requests_total\{endpoint="",status="404",status_class="4xx"\} 1\n/);
  assert.match(text, /sluice_cost_usd_total\{endpoint="a",provider="openai",model="pa"\} 0\.\d*[1-9]\d*\n/);
  assert.match(text, /^sluice_queue_depth\{queue="access_log"\} \d+$/m);
});

test('a real Prometheus scrapes sluice and answers PromQL with the requests made', async () => {
  let a, b;
  await eventually(async () => {
    a = value(await prom.query('sum(sluice_requests_total{endpoint="a",status_class="2xx"})'));
    b = value(await prom.query('sum(sluice_requests_total{endpoint="b"})'));
    return a === made.a && b === made.b;
  }, 20000, 'Prometheus to see the requests').catch(() => {});
  assert.equal(a, made.a, 'requests answered by a, as Prometheus scraped them');
  assert.equal(b, made.b, 'requests answered by b (the fallback)');
  const [target] = await prom.targets();
  assert.equal(target.health, 'up', target.lastError);
  const monitored = value(await prom.query(
    'sum(sluice_guardrail_actions_total{guardrail="pii-watch",action="monitor",entity="EMAIL_ADDRESS"})'));
  assert.equal(monitored, 1);
  const ttft = value(await prom.query('sum(sluice_time_to_first_token_seconds_count{endpoint="a"})'));
  assert.equal(ttft, 3);
  const tokens = value(await prom.query('sum(sluice_tokens_total{endpoint="a",kind="input"})'));
  assert.ok(tokens >= made.a, `input tokens ${tokens}`);
});

test('every Grafana dashboard query names exported metrics, is valid PromQL and returns data', async () => {
  const dashboard = JSON.parse(readFileSync(join(repo, 'deploy', 'grafana', 'sluice.json'), 'utf8'));
  const exported = new Set();
  for (const line of (await scrape()).split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (m) exported.add(m[1]);
  }
  const exprs = [];
  const walk = (panels) => {
    for (const p of panels ?? []) {
      for (const t of p.targets ?? []) exprs.push({ panel: p.title, expr: t.expr });
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  const variables = dashboard.templating.list.filter((v) => v.type === 'query').map((v) => v.definition);
  assert.ok(exprs.length >= 20, `only ${exprs.length} queries`);
  const names = (s) => [...s.matchAll(/\b((?:sluice|process)_[a-z0-9_]+)\b/g)].map((m) => m[1]);
  for (const text of [...exprs.map((e) => e.expr), ...variables]) {
    assert.ok(names(text).length > 0, `no sluice metric in ${text}`);
    for (const name of names(text)) assert.ok(exported.has(name), `${name} (in ${text}) is not on /metrics`);
  }
  // Grafana's variables as the dashboard's "All" sends them.
  const concrete = (expr) => expr.replaceAll('$__rate_interval', '1m').replaceAll('$endpoint', '.*')
    .replaceAll('$job', '.*');
  const answers = new Map();
  await eventually(async () => {
    for (const { expr } of exprs) {
      if ((answers.get(expr)?.data?.result?.length ?? 0) > 0) continue;
      answers.set(expr, await prom.query(concrete(expr)));
    }
    return [...answers.values()].every((a) => a.status === 'success' && a.data.result.length > 0);
  }, 20000, 'every dashboard query to return data').catch(() => {});
  for (const { panel, expr } of exprs) {
    const a = answers.get(expr);
    assert.equal(a.status, 'success', `${panel}: ${expr}: ${a.error}`);
    assert.ok(a.data.result.length > 0, `${panel}: ${expr} returned nothing`);
  }
});
