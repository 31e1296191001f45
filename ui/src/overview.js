// Overview: requests, errors, latency, tokens and cost over a time range, from /admin/usage.
import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { columns, count, ms, percent, usd } from './format.js';

const html = htm.bind(h);
const RANGES = [['24h', '1h'], ['7d', '6h'], ['30d', '1d']];

function Chart({ title, data, label }) {
  const ref = useRef(null);
  useEffect(() => {
    if (!ref.current || !data) return undefined;
    const plot = new uPlot({
      title, width: Math.min(ref.current.clientWidth || 600, 900), height: 220,
      series: [{}, { label, stroke: '#2f6fde', fill: 'rgba(47,111,222,0.12)' }],
      axes: [{}, { size: 60 }],
    }, data, ref.current);
    return () => plot.destroy();
  }, [data]);
  return html`<figure class="chart" ref=${ref} aria-label=${title}></figure>`;
}

export function Overview({ api }) {
  const [range, setRange] = useState(RANGES[0]);
  const [usage, setUsage] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    setError('');
    api.get(`/admin/usage?by=endpoint&bucket=${range[1]}&since=${range[0]}`)
      .then(setUsage, (e) => setError(e.message));
  }, [range]);
  const t = usage?.totals;
  return html`<section aria-labelledby="overview-title">
    <h2 id="overview-title">Overview</h2>
    <label>Time range
      <select value=${range[0]} onChange=${(e) => setRange(RANGES.find(([r]) => r === e.target.value))}>
        ${RANGES.map(([r]) => html`<option value=${r}>${r}</option>`)}
      </select>
    </label>
    ${error && html`<p role="alert" class="error">${error}</p>`}
    ${t && html`<dl class="cards">
      <div><dt>Requests</dt><dd data-testid="requests">${count(t.requests)}</dd></div>
      <div><dt>Errors</dt><dd>${count(t.errors)} (${percent(t.errors, t.requests)})</dd></div>
      <div><dt>Latency p50 / p95</dt><dd>${ms(t.latency_ms?.p50)} / ${ms(t.latency_ms?.p95)}</dd></div>
      <div><dt>Tokens</dt><dd>${count(t.prompt_tokens + t.completion_tokens)}</dd></div>
      <div><dt>Cost</dt><dd>${usd(t.cost_usd)}</dd></div>
      <div><dt>Saved by the cache</dt><dd>${usd(t.saved_usd)}</dd></div>
    </dl>`}
    ${usage && html`<div class="charts">
      <${Chart} title="Requests" label="requests" data=${columns(usage, ['requests'])} />
      <${Chart} title="Cost (USD)" label="cost" data=${columns(usage, ['cost_usd'])} />
    </div>
    <table aria-label="Top endpoints">
      <thead><tr><th scope="col">Endpoint</th><th scope="col">Requests</th><th scope="col">Errors</th><th scope="col">p95</th><th scope="col">Cost</th></tr></thead>
      <tbody>${[...(usage.series ?? [])].sort((a, b) => b.totals.requests - a.totals.requests).slice(0, 10).map((s) => html`
        <tr><td>${s.endpoint}</td><td>${count(s.totals.requests)}</td><td>${count(s.totals.errors)}</td>
            <td>${ms(s.totals.latency_ms?.p95)}</td><td>${usd(s.totals.cost_usd)}</td></tr>`)}
      </tbody>
    </table>`}
  </section>`;
}
