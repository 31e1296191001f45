// The developer view, for a gateway key's holder: what the key may call (with copy-ready calls),
// what it spent today and this month, its budgets with what is left, and its limits. From
// GET /v1/key, which takes the console session in place of the key.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { count, usd, when } from './format.js';
import { snippets } from './snippets.js';
import { Bar } from './budgets.js';

const html = htm.bind(h);

function Snippets({ endpoint }) {
  const list = snippets(location.origin, endpoint);
  const [tab, setTab] = useState(0);
  const [copied, setCopied] = useState(false);
  if (!list.length) return null;
  const copy = async () => {
    try { await navigator.clipboard.writeText(list[tab][1]); setCopied(true); } catch { setCopied(false); }
  };
  return html`<div class="snippets">
    <div role="tablist" aria-label=${`Ways to call ${endpoint.name}`}>
      ${list.map(([label], i) => html`<button role="tab" aria-selected=${i === tab} onClick=${() => { setTab(i); setCopied(false); }}>${label}</button>`)}
    </div>
    <pre role="tabpanel"><code>${list[tab][1]}</code></pre>
    <button onClick=${copy}>${copied ? 'Copied' : 'Copy'}</button>
  </div>`;
}

export function Developer({ api }) {
  const [key, setKey] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => { api.get('/v1/key').then(setKey, (e) => setError(e.message)); }, []);
  if (error) return html`<p role="alert" class="error">${error}</p>`;
  if (!key) return html`<p class="loading">Loading…</p>`;
  return html`<section aria-labelledby="developer-title">
    <h2 id="developer-title">Your key: ${key.name || key.id}</h2>
    <dl class="facts">
      <dt>Id</dt><dd><code>${key.id}</code> (starts with <code>${key.prefix}</code>)</dd>
      <dt>Workspace / team</dt><dd>${key.workspace || 'default'} / ${key.team || '—'}</dd>
      <dt>Expires</dt><dd>${key.expires_at ? when(key.expires_at) : 'never'}</dd>
      <dt>Spent today</dt><dd data-testid="spent-day">${usd(key.usage.day.cost_usd)} · ${count(key.usage.day.tokens)} tokens</dd>
      <dt>Spent this month</dt><dd>${usd(key.usage.month.cost_usd)} · ${count(key.usage.month.tokens)} tokens</dd>
    </dl>
    <h3>Budgets</h3>
    ${key.budgets.length ? html`<table aria-label="Your budgets"><thead><tr><th scope="col">Scope</th><th scope="col">Per</th><th scope="col">Spent</th><th scope="col">Left</th></tr></thead>
      <tbody>${key.budgets.map((b) => html`<tr><td>${b.scope}${b.match ? ` ${b.match}` : ''}${b.on_exceed === 'alert' ? html` <small class="muted">(alerts only, never refuses)</small>` : ''}</td><td>${b.per}</td><td><${Bar} b=${b} /></td>
        <td>${b.scope === 'global' ? (b.exceeded ? 'none' : 'some') : [b.usd ? usd(b.remaining_usd) : '', b.tokens ? `${count(b.remaining_tokens)} tokens` : ''].filter(Boolean).join(', ')}</td></tr>`)}</tbody></table>`
      : html`<p>No budget counts this key.</p>`}
    <h3>Limits</h3>
    ${key.limits.length ? html`<ul>${key.limits.map((l) => html`<li>${[l.requests ? `${l.requests} requests` : '', l.tokens ? `${count(l.tokens)} tokens` : ''].filter(Boolean).join(' and ')} per ${l.per}</li>`)}</ul>`
      : html`<p>No limits of its own.</p>`}
    <h3>What it may call</h3>
    ${key.callable.map((e) => html`<article class="callable" aria-label=${`Endpoint ${e.name}`}>
      <h4>${e.name} <small>${e.endpoint_type}${e.provider ? ` · ${e.provider} ${e.model}` : ' · route'}</small></h4>
      <${Snippets} endpoint=${e} />
    </article>`)}
  </section>`;
}
