// Keys: the gateway keys (the file's read-only, the store's managed here): create one (its secret
// shown this once, with a copy button and a way into the playground), rotate, disable or enable,
// revoke. /admin/keys; a workspace admin sees and makes its own workspace's.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { globs, when } from './format.js';
import { setPlaygroundKey } from './playground.js';

const html = htm.bind(h);

function Secret({ secret, onDone }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret.value);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return html`<div class="secret" role="status" aria-label="New key">
    <p>The secret of <strong>${secret.name}</strong> (${secret.id}). It is shown this once: copy it now.</p>
    <code data-testid="secret">${secret.value}</code>
    <div class="actions">
      <button onClick=${copy}>${copied ? 'Copied' : 'Copy'}</button>
      <a href="#/playground" onClick=${() => setPlaygroundKey(secret.value)}>Use in the playground</a>
      <button onClick=${onDone}>Done</button>
    </div>
  </div>`;
}

function CreateForm({ api, session, onCreated }) {
  const [name, setName] = useState('');
  const [team, setTeam] = useState('');
  const [endpoints, setEndpoints] = useState('');
  const [workspace, setWorkspace] = useState('');
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setError('');
    const body = { name };
    if (team) body.team = team;
    const list = globs(endpoints);
    if (list.length) body.endpoints = list;
    if (workspace) body.workspace = workspace;
    try {
      onCreated(await api.post('/admin/keys', body));
      setName('');
      setTeam('');
      setEndpoints('');
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<form class="inline" onSubmit=${submit} aria-label="Create a key">
    <label>Name <input name="name" value=${name} required onInput=${(e) => setName(e.target.value)} /></label>
    <label>Team <input name="team" value=${team} onInput=${(e) => setTeam(e.target.value)} /></label>
    <label>Endpoints (globs, comma-separated; empty: all) <input name="endpoints" value=${endpoints} onInput=${(e) => setEndpoints(e.target.value)} /></label>
    ${session.role === 'admin' && html`<label>Workspace <input name="workspace" value=${workspace} onInput=${(e) => setWorkspace(e.target.value)} /></label>`}
    <button type="submit">Create key</button>
    ${error && html`<p role="alert" class="error">${error}</p>`}
  </form>`;
}

export function Keys({ api, session }) {
  const [keys, setKeys] = useState(null);
  const [secret, setSecret] = useState(null);
  const [error, setError] = useState('');
  const load = () => api.get('/admin/keys').then((r) => setKeys(r.data), (e) => setError(e.message));
  useEffect(() => { load(); }, []);
  const act = async (fn) => {
    setError('');
    try {
      await fn();
    } catch (e) {
      setError(e.message);
    }
    load();
  };
  const shown = (k) => ({ id: k.id, name: k.name, value: k.key });
  return html`<section aria-labelledby="keys-title">
    <h2 id="keys-title">Keys</h2>
    ${session.keys_required === false && html`<p class="notice" role="note" data-testid="keys-not-required">This gateway does not require
      keys on requests (its config has no <code>auth.mode: keys</code>): keys made here identify callers that send
      them, but a request without one, or with a revoked one, is still served.</p>`}
    ${secret && html`<${Secret} secret=${secret} onDone=${() => setSecret(null)} />`}
    <${CreateForm} api=${api} session=${session} onCreated=${(k) => { setSecret(shown(k)); load(); }} />
    ${error && html`<p role="alert" class="error">${error}</p>`}
    ${keys && html`<table aria-label="Keys">
      <thead><tr><th scope="col">Name</th><th scope="col">Id</th><th scope="col">Starts with</th><th scope="col">Team</th>
        <th scope="col">Workspace</th><th scope="col">Role</th><th scope="col">Endpoints</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
      <tbody>${keys.map((k) => html`<tr data-key=${k.id}>
        <td>${k.name}</td><td><code>${k.id}</code></td><td><code>${k.prefix}</code></td><td>${k.team || '—'}</td>
        <td>${k.workspace || 'default'}</td><td>${k.role}</td><td>${k.endpoints?.length ? k.endpoints.join(', ') : 'all'}</td>
        <td>${k.disabled ? 'disabled' : k.expires_at && k.expires_at * 1000 < Date.now() ? 'expired' : 'active'}</td>
        <td>${when(k.created_at)}</td>
        <td class="actions">${k.source === 'config' ? html`<span class="muted">in the config file</span>` : html`
          <button onClick=${() => act(async () => setSecret(shown(await api.post(`/admin/keys/${encodeURIComponent(k.id)}/rotate`))))}>Rotate</button>
          <button onClick=${() => act(() => api.patch(`/admin/keys/${encodeURIComponent(k.id)}`, { disabled: !k.disabled }))}>${k.disabled ? 'Enable' : 'Disable'}</button>
          <button class="danger" onClick=${() => confirm(`Revoke ${k.name}? ${session.keys_required === false ? 'It is deleted; this gateway does not require keys, so requests without one are still served.' : 'Requests with it will be refused.'}`) && act(() => api.del(`/admin/keys/${encodeURIComponent(k.id)}`))}>Revoke</button>`}
        </td></tr>`)}
      </tbody>
    </table>`}
    ${keys && keys.length === 0 && html`<p>No keys yet.</p>`}
  </section>`;
}
