// Secrets (by name only: the API never gives a value back) and workspaces, as lists.
// /admin/secrets and /admin/workspaces.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { when } from './format.js';

const html = htm.bind(h);

function useList(api, path) {
  const [list, setList] = useState(null);
  const [error, setError] = useState('');
  const load = () => api.get(path).then((r) => setList(r.data), (e) => setError(e.message));
  useEffect(() => { load(); }, []);
  return [list, error, load, setError];
}

export function Secrets({ api }) {
  const [list, error, load, setError] = useList(api, '/admin/secrets');
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setError('');
    try {
      await api.post('/admin/secrets', { name, value });
      setName('');
      setValue('');
    } catch (err) {
      setError(err.message);
    }
    load();
  };
  const remove = async (s) => {
    if (!confirm(`Delete the secret ${s.name}?`)) return;
    try { await api.del(`/admin/secrets/${encodeURIComponent(s.name)}`); } catch (err) { setError(err.message); }
    load();
  };
  return html`<section aria-labelledby="secrets-title">
    <h2 id="secrets-title">Secrets</h2>
    <p class="muted">Provider keys and other credentials, sealed in the store and never shown again; stored endpoints refer to them by name (<code>{"secret": NAME}</code>).</p>
    <form class="inline" onSubmit=${submit} aria-label="Add a secret">
      <label>Name <input name="name" required value=${name} onInput=${(e) => setName(e.target.value)} /></label>
      <label>Value <input name="value" type="password" autocomplete="off" required value=${value} onInput=${(e) => setValue(e.target.value)} /></label>
      <button type="submit">Add secret</button>
    </form>
    ${error && html`<p role="alert" class="error">${error}</p>`}
    ${list && html`<table aria-label="Secrets">
      <thead><tr><th scope="col">Name</th><th scope="col">Workspace</th><th scope="col">Used by</th><th scope="col">Updated</th><th scope="col"></th></tr></thead>
      <tbody>${list.map((s) => html`<tr><td>${s.name}</td><td>${s.workspace || 'default'}</td>
        <td>${(s.used_by ?? []).map((u) => u.name ?? u).join(', ') || '—'}</td><td>${when(s.updated_at)}</td>
        <td><button class="danger" onClick=${() => remove(s)}>Delete</button></td></tr>`)}</tbody>
    </table>`}
    ${list && list.length === 0 && html`<p>No secrets yet.</p>`}
  </section>`;
}

export function Workspaces({ api }) {
  const [list, error] = useList(api, '/admin/workspaces');
  return html`<section aria-labelledby="workspaces-title">
    <h2 id="workspaces-title">Workspaces</h2>
    ${error && html`<p role="alert" class="error">${error}</p>`}
    ${list && html`<table aria-label="Workspaces">
      <thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Keys</th><th scope="col">Endpoints</th><th scope="col">Routes</th><th scope="col">Secrets</th></tr></thead>
      <tbody>${list.map((w) => html`<tr><td>${w.default ? 'default' : w.name}${w.declared ? '' : html` <small class="muted">(not declared)</small>`}</td>
        <td>${w.description || '—'}</td><td>${w.keys}</td><td>${w.endpoints}</td><td>${w.routes}</td><td>${w.secrets}</td></tr>`)}</tbody>
    </table>`}
  </section>`;
}
