// Request log: the logged requests (request_log: with sink: store), searched by time, endpoint,
// key and status, newest first; one request whole — attempts, timing, tokens, cost, cache and
// guardrail outcome, its prompt and answer when they were captured, its trace id.
// /admin/requests and /admin/requests/{id}.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { count, ms, usd, when } from './format.js';

const html = htm.bind(h);

export function requestQuery(f) {
  const q = new URLSearchParams();
  q.set('since', f.since || '1d');
  for (const k of ['endpoint', 'key', 'status']) if (f[k]) q.set(k, f[k]);
  q.set('limit', '200');
  return `/admin/requests?${q}`;
}

// A captured prompt is JSON text (messages, input or prompt): indented when it reads as JSON.
export function pretty(text) {
  if (text == null) return null;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function OneRequest({ api, id }) {
  const [r, setR] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => { api.get(`/admin/requests/${encodeURIComponent(id)}`).then(setR, (e) => setError(e.message)); }, [id]);
  if (error) return html`<p role="alert" class="error">${error}</p>`;
  if (!r) return html`<p class="loading">Loading…</p>`;
  const rows = [['Time', when(r.ts_ms, 'ms')], ['API', `${r.api} ${r.method} ${r.path}`], ['Endpoint', r.endpoint],
    ['Route', r.route || '—'], ['Provider / model', `${r.provider || '—'} / ${r.model || '—'}`], ['Key', r.key_id || '—'],
    ['Team / user', `${r.team || '—'} / ${r.user || '—'}`], ['Status', r.status], ['Streamed', r.stream ? 'yes' : 'no'],
    ['Latency (request read to answer end)', ms(r.latency_ms)], ['Time to first token', ms(r.ttft_ms)],
    ['Tokens (prompt / completion)', `${count(r.prompt_tokens)} / ${count(r.completion_tokens)}`], ['Cost', usd(r.cost_usd)],
    ['Cache', r.cache || '—'], ['Error', r.error || '—'], ['Trace id', r.trace_id || '—']];
  return html`<article aria-label="Request ${r.request_id}">
    <h3>Request <code>${r.request_id}</code></h3>
    <dl class="facts">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
    ${r.attempts?.length > 0 && html`<table aria-label="Attempts">
      <thead><tr><th scope="col">Destination</th><th scope="col">Status</th><th scope="col">Time to the provider's answer head</th><th scope="col">Outcome</th></tr></thead>
      <tbody>${r.attempts.map((a) => html`<tr><td>${a.destination}</td><td>${a.status}</td><td>${ms(a.ms)}</td><td>${a.outcome}</td></tr>`)}</tbody>
    </table>`}
    ${r.guardrails?.length > 0 && html`<h4>Guardrails</h4><pre>${JSON.stringify(r.guardrails, null, 2)}</pre>`}
    <h4>Prompt</h4><pre data-testid="prompt">${pretty(r.prompt) ?? 'not captured'}</pre>
    <h4>Answer</h4><pre data-testid="logged-answer">${r.answer ?? 'not captured'}</pre>
    ${r.truncated && html`<p class="muted">Cut at request_log.max_bytes.</p>`}
    <p><a href="#/requests">Back to the log</a></p>
  </article>`;
}

export function Requests({ api, param }) {
  const [filters, setFilters] = useState({ since: '1d', endpoint: '', key: '', status: '' });
  const [list, setList] = useState(null);
  const [error, setError] = useState('');
  const search = () => {
    setError('');
    api.get(requestQuery(filters)).then((r) => setList(r.data), (e) => setError(e.message));
  };
  useEffect(() => { if (!param) search(); }, [param]);
  if (param) {
    let id = param;
    try { id = decodeURIComponent(param); } catch { /* a hand-typed '%': the id as written */ }
    return html`<section aria-labelledby="requests-title"><h2 id="requests-title">Request log</h2><${OneRequest} api=${api} id=${id} /></section>`;
  }
  const field = (name, label, props = {}) => html`<label>${label}
    <input name=${name} value=${filters[name]} ...${props} onInput=${(e) => setFilters({ ...filters, [name]: e.target.value })} /></label>`;
  return html`<section aria-labelledby="requests-title">
    <h2 id="requests-title">Request log</h2>
    <form class="inline" aria-label="Search requests" onSubmit=${(e) => { e.preventDefault(); search(); }}>
      ${field('since', 'Since (e.g. 1h, 1d, 7d)')}${field('endpoint', 'Endpoint')}${field('key', 'Key id')}
      ${field('status', 'Status', { inputmode: 'numeric' })}
      <button type="submit">Search</button>
    </form>
    ${error && html`<p role="alert" class="error">${error}</p>`}
    ${list && html`<table aria-label="Requests">
      <thead><tr><th scope="col">Time</th><th scope="col">Request</th><th scope="col">Endpoint</th><th scope="col">Key</th><th scope="col">Status</th>
        <th scope="col">Latency</th><th scope="col">Tokens</th><th scope="col">Cost</th><th scope="col">Cache</th></tr></thead>
      <tbody>${list.map((r) => html`<tr>
        <td>${when(r.ts_ms, 'ms')}</td><td><a href=${`#/requests/${encodeURIComponent(r.request_id)}`}>${r.request_id}</a></td>
        <td>${r.endpoint}</td><td>${r.key_id || '—'}</td><td>${r.status}</td><td>${ms(r.latency_ms)}</td>
        <td>${count((r.prompt_tokens ?? 0) + (r.completion_tokens ?? 0))}</td><td>${usd(r.cost_usd)}</td><td>${r.cache || '—'}</td></tr>`)}
      </tbody>
    </table>`}
    ${list && list.length === 0 && html`<p>No requests logged in this range.</p>`}
  </section>`;
}
