// Endpoints and routes: each endpoint with its provider, model and where it is defined, and
// (for those a route sends to) its live health: breaker, requests in flight, time to first
// byte, attempts by outcome; each route with its strategy and destinations by share of weight.
// From /admin/endpoints and /admin/routes (the routes' health is the admin key's to see).
// Endpoints and routes kept in the store are made, edited (sent as a JSON merge patch) and
// deleted here, as the file's entries written in JSON; the file's are read-only.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { count, mergePatch, ms, percent } from './format.js';

const html = htm.bind(h);

const EXAMPLE = `{
  "name": "my-endpoint",
  "endpoint_type": "llm/v1/chat",
  "model": {"provider": "openai", "name": "gpt-4o-mini", "config": {"openai_api_key": {"secret": "openai"}}}
}`;

// Writes one stored endpoint or route: `editing` is {kind, name, definition} for a change, or
// {kind} for a new one.
function Editor({ api, session, editing, onDone }) {
  const [kind, setKind] = useState(editing.kind);
  const [text, setText] = useState(editing.definition ? JSON.stringify(editing.definition, null, 2) : EXAMPLE);
  const [workspace, setWorkspace] = useState('');
  const [error, setError] = useState('');
  const save = async (e) => {
    e.preventDefault();
    setError('');
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      setError(`Not JSON: ${err.message}`);
      return;
    }
    try {
      if (editing.name) {
        await api.patch(`/admin/${kind}s/${encodeURIComponent(editing.name)}`, mergePatch(editing.definition, parsed));
      } else {
        await api.post(`/admin/${kind}s`, workspace ? { ...parsed, workspace } : parsed);
      }
      onDone(true);
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<form class="editor" onSubmit=${save} aria-label=${editing.name ? `Edit ${editing.name}` : 'New endpoint or route'}>
    <h3>${editing.name ? `Edit ${kind} ${editing.name}` : 'New endpoint or route'}</h3>
    ${!editing.name && html`<div class="inline">
      <label>Kind <select name="kind" value=${kind} onChange=${(e) => setKind(e.target.value)}><option>endpoint</option><option>route</option></select></label>
      ${session.role === 'admin' && html`<label>Workspace <input name="workspace" value=${workspace} onInput=${(e) => setWorkspace(e.target.value)} /></label>`}
    </div>`}
    <label><span>Definition: an <code>endpoints:</code> or <code>routes:</code> entry of the config, in JSON; credentials as <code>{"secret": NAME}</code></span>
      <textarea name="definition" rows="12" spellcheck="false" value=${text} onInput=${(e) => setText(e.target.value)}></textarea></label>
    <div><button type="submit">Save</button> <button type="button" onClick=${() => onDone(false)}>Cancel</button></div>
    ${error && html`<p role="alert" class="error">${error}</p>`}
  </form>`;
}

export function Endpoints({ api, session }) {
  const [endpoints, setEndpoints] = useState(null);
  const [routes, setRoutes] = useState([]);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState(null);
  const load = () => {
    api.get('/admin/endpoints').then((r) => setEndpoints(r.data), (e) => setError(e.message));
    if (session.role === 'admin') api.get('/admin/routes').then((r) => setRoutes(r.routes), () => {});
  };
  useEffect(load, []);
  const editRoute = async (name) => {
    setError('');
    try {
      const r = await api.get(`/admin/routes/${encodeURIComponent(name)}`);
      if (r.source === 'store') setEditing({ kind: 'route', name, definition: r.definition });
      else setError(`The route ${name} is defined in the config file; change it there.`);
    } catch (e) {
      setError(e.message);
    }
  };
  const remove = async (kind, name) => {
    if (!confirm(`Delete the ${kind} ${name}?`)) return;
    setError('');
    try { await api.del(`/admin/${kind}s/${encodeURIComponent(name)}`); } catch (e) { setError(e.message); }
    load();
  };
  const health = new Map();
  for (const r of routes) for (const d of r.destinations) health.set(d.name, d);
  return html`<section aria-labelledby="endpoints-title">
    <h2 id="endpoints-title">Endpoints</h2>
    ${editing ? html`<${Editor} api=${api} session=${session} editing=${editing} onDone=${(changed) => { setEditing(null); if (changed) load(); }} />`
      : html`<button onClick=${() => setEditing({ kind: 'endpoint' })}>New endpoint or route</button>`}
    ${error && html`<p role="alert" class="error">${error}</p>`}
    ${endpoints && html`<p class="muted">Breaker, in flight, first byte and failures are kept for the endpoints a route sends to${session.role === 'admin' ? '' : ' (and shown to the admin key)'}.</p>
    <table aria-label="Endpoints">
      <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Provider</th><th scope="col">Model</th>
        <th scope="col">Defined in</th><th scope="col">Breaker</th><th scope="col">In flight</th><th scope="col">First byte</th><th scope="col">Failures</th><th scope="col"></th></tr></thead>
      <tbody>${endpoints.map((e) => {
        const d = health.get(e.name);
        const attempts = d ? Object.values(d.attempts).reduce((a, b) => a + b, 0) : 0;
        const failed = d ? attempts - d.attempts.success : 0;
        return html`<tr>
          <td>${e.name}${e.loaded === false ? html` <span class="error" title=${e.error}>(not loaded)</span>` : ''}</td>
          <td>${e.endpoint_type ?? e.definition?.endpoint_type}</td><td>${e.provider ?? e.definition?.model?.provider}</td>
          <td>${e.model ?? e.definition?.model?.name}</td><td>${e.source === 'store' ? 'store' : 'file'}${e.workspace ? ` · ${e.workspace}` : ''}</td>
          <td>${d ? html`<span class=${`circuit ${d.circuit}`}>${d.circuit}</span>` : '—'}</td>
          <td>${d ? d.in_flight : '—'}</td><td>${d && d.first_byte_ewma_us ? ms(d.first_byte_ewma_us / 1000) : '—'}</td>
          <td>${d ? `${count(failed)} (${percent(failed, attempts)})` : '—'}</td>
          <td>${e.source === 'store' && html`<button onClick=${() => setEditing({ kind: 'endpoint', name: e.name, definition: e.definition })}>Edit</button>
            <button class="danger" onClick=${() => remove('endpoint', e.name)}>Delete</button>`}</td></tr>`;
      })}</tbody>
    </table>`}
    ${routes.length > 0 && html`<h2>Routes</h2>${routes.map((r) => {
      const total = r.destinations.reduce((a, d) => a + (d.weight ?? 1), 0);
      return html`<article class="route" aria-label=${`Route ${r.name}`}>
        <h3>${r.name} <small>${r.strategy}${r.fallback ? ', falls back in order' : ''}</small>
          <button onClick=${() => editRoute(r.name)}>Edit</button></h3>
        <div class="split" role="img" aria-label=${r.destinations.map((d) => `${d.name} ${percent(d.weight ?? 1, total)}`).join(', ')}>
          ${r.destinations.map((d) => html`<span style=${`flex:${d.weight ?? 1}`} class=${`circuit ${d.circuit}`}>${d.name} ${percent(d.weight ?? 1, total)}</span>`)}
        </div>
      </article>`;
    })}`}
  </section>`;
}
