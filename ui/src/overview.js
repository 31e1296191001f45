// Overview: requests, errors, latency and time to first token, tokens and cost over a time range,
// and the top endpoints, models, keys or teams, for every workspace or one (the admin key's
// choice; a workspace admin sees its own). From /admin/usage: one series for the charts, one
// grouped series for the table.
import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { columns, count, ms, percent, pick, usd } from './format.js';

const html = htm.bind(h);
const RANGES = [['24h', '1h'], ['7d', '6h'], ['30d', '1d']];
const GROUPS = [['endpoint', 'Endpoints'], ['model', 'Models'], ['key', 'Keys'], ['team', 'Teams']];
const COLORS = ['#2f6fde', '#d9534f', '#2e8b57', '#b9770e'];

// A line chart of uPlot columns [xs, ...ys], one series per label; `format` writes the y axis.
function Chart({ title, data, labels, format }) {
  const ref = useRef(null);
  useEffect(() => {
    if (!ref.current || !data) return undefined;
    const plot = new uPlot({
      title, width: Math.min(ref.current.clientWidth || 560, 900), height: 200,
      series: [{}, ...labels.map((label, i) => ({
        label, stroke: COLORS[i], fill: i === 0 ? 'rgba(47,111,222,0.10)' : undefined,
        value: (u, v) => (v == null ? '—' : format(v)), spanGaps: false,
        // (Latency has gaps where no request was made: a lone bucket is a point, not a line.)
        points: { show: true, size: 5 },
      }))],
      axes: [{}, { size: 70, values: (u, splits) => splits.map((v) => format(v)) }],
    }, data, ref.current);
    return () => plot.destroy();
  }, [data]);
  return html`<figure class="chart" ref=${ref} aria-label=${title}></figure>`;
}

function query(range, workspace, by) {
  const q = new URLSearchParams({ bucket: range[1], since: range[0] });
  if (by) q.set('by', by);
  if (workspace) q.set('workspace', workspace);
  return `/admin/usage?${q}`;
}

export function Overview({ api, session }) {
  const [range, setRange] = useState(RANGES[0]);
  const [workspace, setWorkspace] = useState('');
  const [workspaces, setWorkspaces] = useState([]);
  const [group, setGroup] = useState('endpoint');
  const [usage, setUsage] = useState(null);
  const [top, setTop] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (session.role === 'admin') api.get('/admin/workspaces').then((r) => setWorkspaces(r.data), () => {});
  }, []);
  useEffect(() => {
    setError('');
    api.get(query(range, workspace)).then(setUsage, (e) => setError(e.message));
  }, [range, workspace]);
  useEffect(() => {
    api.get(query(range, workspace, group)).then(setTop, (e) => setError(e.message));
  }, [range, workspace, group]);
  const t = usage?.totals;
  const rows = [...(top?.series ?? [])].sort((a, b) => b.totals.requests - a.totals.requests).slice(0, 10);
  return html`<section aria-labelledby="overview-title">
    <h2 id="overview-title">Overview</h2>
    <div class="inline">
      <label>Time range
        <select value=${range[0]} onChange=${(e) => setRange(RANGES.find(([r]) => r === e.target.value))}>
          ${RANGES.map(([r]) => html`<option value=${r}>${r}</option>`)}
        </select>
      </label>
      ${session.role === 'admin' && workspaces.length > 1 && html`<label>Workspace
        <select value=${workspace} onChange=${(e) => setWorkspace(e.target.value)}>
          <option value="">all</option>
          ${workspaces.filter((w) => !w.default).map((w) => html`<option value=${w.name}>${w.name}</option>`)}
        </select>
      </label>`}
    </div>
    ${error && html`<p role="alert" class="error">${error}</p>`}
    ${t && html`<dl class="cards">
      <div><dt>Requests</dt><dd data-testid="requests">${count(t.requests)}</dd></div>
      <div><dt>Errors</dt><dd>${count(t.errors)} (${percent(t.errors, t.requests)})</dd></div>
      <div><dt>Latency p50 / p95</dt><dd>${ms(t.latency_ms?.p50)} / ${ms(t.latency_ms?.p95)}</dd></div>
      <div><dt>First token p50 / p95</dt><dd data-testid="ttft">${ms(t.ttft_ms?.p50)} / ${ms(t.ttft_ms?.p95)}</dd></div>
      <div><dt>Tokens in / out</dt><dd>${count(t.prompt_tokens)} / ${count(t.completion_tokens)}</dd></div>
      <div><dt>Cost</dt><dd>${usd(t.cost_usd)}</dd></div>
      ${t.saved_usd > 0 && html`<div><dt>Saved by the cache</dt><dd>${usd(t.saved_usd)}</dd></div>`}
    </dl>`}
    ${usage && html`<div class="charts">
      <${Chart} title="Requests and errors" labels=${['requests', 'errors']} format=${count} data=${columns(usage, ['requests', 'errors'])} />
      <${Chart} title="Latency (ms)" labels=${['p50', 'p95', 'first token p50']} format=${ms} data=${pick(usage, ['latency_ms.p50', 'latency_ms.p95', 'ttft_ms.p50'])} />
      <${Chart} title="Tokens" labels=${['prompt', 'completion']} format=${count} data=${columns(usage, ['prompt_tokens', 'completion_tokens'])} />
      <${Chart} title="Cost (USD)" labels=${['cost']} format=${usd} data=${columns(usage, ['cost_usd'])} />
    </div>`}
    <div role="tablist" aria-label="Top by" class="tabs">
      ${GROUPS.map(([id, label]) => html`<button role="tab" aria-selected=${id === group} onClick=${() => setGroup(id)}>${label}</button>`)}
    </div>
    ${top && html`<table aria-label=${`Top ${GROUPS.find(([id]) => id === group)[1].toLowerCase()}`}>
      <thead><tr><th scope="col">${GROUPS.find(([id]) => id === group)[1].slice(0, -1)}</th><th scope="col">Requests</th><th scope="col">Errors</th>
        <th scope="col">p95</th><th scope="col">Tokens</th><th scope="col">Cost</th></tr></thead>
      <tbody>${rows.map((s) => html`
        <tr><td>${s[group] || '—'}</td><td>${count(s.totals.requests)}</td><td>${count(s.totals.errors)}</td>
            <td>${ms(s.totals.latency_ms?.p95)}</td><td>${count(s.totals.prompt_tokens + s.totals.completion_tokens)}</td><td>${usd(s.totals.cost_usd)}</td></tr>`)}
      </tbody>
    </table>`}
  </section>`;
}
