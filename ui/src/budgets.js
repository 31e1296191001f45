// Budgets: every budget (the file's, keys' own, the store's) with what it has spent this period
// against its caps, drawn as bars that turn amber past alert_at and red at the cap; budgets in the
// store made and deleted here. /admin/budgets.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { count, percent, usd } from './format.js';

const html = htm.bind(h);

// How full a budget is (0…1, the fuller of its caps) and how that reads.
export function budgetLevel(b) {
  const shares = [];
  if (b.usd) shares.push((b.spent_usd ?? 0) / b.usd);
  if (b.tokens) shares.push((b.spent_tokens ?? 0) / b.tokens);
  const share = shares.length ? Math.max(...shares) : 0;
  const state = share >= 1 || b.exceeded ? 'exceeded' : share >= (b.alert_at ?? 0.8) ? 'alert' : 'ok';
  return { share: Math.min(share, 1), state };
}

export function Bar({ b }) {
  // /v1/key shows a global budget's caps and state, not what the whole gateway spent.
  if (b.spent_usd === undefined && b.spent_tokens === undefined) {
    return html`<span class=${b.exceeded ? 'error' : ''}>${b.exceeded ? 'exceeded' : 'within its caps'}</span>`;
  }
  const { share, state } = budgetLevel(b);
  const parts = [];
  if (b.usd) parts.push(`${usd(b.spent_usd)} of ${usd(b.usd)}`);
  if (b.tokens) parts.push(`${count(b.spent_tokens)} of ${count(b.tokens)} tokens`);
  const label = `${parts.join(', ')} (${percent(share, 1)})`;
  return html`<div class=${`bar ${state}`} role="meter" aria-valuemin="0" aria-valuemax="100"
      aria-valuenow=${Math.round(share * 100)} aria-label=${label}>
    <span style=${`width:${(share * 100).toFixed(1)}%`}></span><em>${label}</em>
  </div>`;
}

function CreateForm({ api, onCreated }) {
  const [f, setF] = useState({ scope: 'team', match: '', usd: '', per: 'month', on_exceed: 'refuse' });
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setError('');
    const body = { scope: f.scope, usd: Number(f.usd), per: f.per, on_exceed: f.on_exceed };
    if (f.match) body.match = f.match;
    try {
      await api.post('/admin/budgets', body);
      onCreated();
    } catch (err) {
      setError(err.message);
    }
  };
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  return html`<form class="inline" onSubmit=${submit} aria-label="Create a budget">
    <label>Scope <select name="scope" value=${f.scope} onChange=${set('scope')}>
      ${['key', 'team', 'user', 'endpoint', 'provider', 'workspace', 'global'].map((s) => html`<option>${s}</option>`)}
    </select></label>
    <label>Who (a key id, team, …; empty: each one its own budget) <input name="match" value=${f.match} onInput=${set('match')} /></label>
    <label>USD <input name="usd" type="number" min="0" step="any" required value=${f.usd} onInput=${set('usd')} /></label>
    <label>Per <select name="per" value=${f.per} onChange=${set('per')}><option>day</option><option>month</option></select></label>
    <label>When exceeded <select name="on_exceed" value=${f.on_exceed} onChange=${set('on_exceed')}><option value="refuse">refuse (429)</option><option value="clamp">clamp max_tokens to what is left</option><option value="alert">alert only</option></select></label>
    <button type="submit">Create budget</button>
    ${error && html`<p role="alert" class="error">${error}</p>`}
  </form>`;
}

export function Budgets({ api }) {
  const [list, setList] = useState(null);
  const [error, setError] = useState('');
  const load = () => api.get('/admin/budgets').then((r) => setList(r.data), (e) => setError(e.message));
  useEffect(() => { load(); }, []);
  const remove = async (b) => {
    if (!confirm(`Delete the budget ${b.id}?`)) return;
    try { await api.del(`/admin/budgets/${encodeURIComponent(b.id)}`); } catch (e) { setError(e.message); }
    load();
  };
  return html`<section aria-labelledby="budgets-title">
    <h2 id="budgets-title">Budgets</h2>
    <${CreateForm} api=${api} onCreated=${load} />
    ${error && html`<p role="alert" class="error">${error}</p>`}
    ${list && html`<table aria-label="Budgets">
      <thead><tr><th scope="col">Scope</th><th scope="col">Subject</th><th scope="col">Per</th><th scope="col">Spent this period</th>
        <th scope="col">Alert at</th><th scope="col">When exceeded</th><th scope="col">Defined in</th><th scope="col"></th></tr></thead>
      <tbody>${list.map((b) => html`<tr>
        <td>${b.scope}</td><td>${b.match || (b.scope === 'global' ? 'all' : '—')}</td><td>${b.per}</td><td><${Bar} b=${b} /></td>
        <td>${percent(b.alert_at ?? 0.8, 1)}</td><td>${b.on_exceed ?? 'refuse'}</td><td>${b.source}</td>
        <td>${b.source === 'store' && b.id ? html`<button class="danger" onClick=${() => remove(b)}>Delete</button>` : ''}</td></tr>`)}
      </tbody>
    </table>`}
    ${list && list.length === 0 && html`<p>No budgets.</p>`}
  </section>`;
}
