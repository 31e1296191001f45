// Endpoints and routes: each endpoint with its provider, model and where it is defined, and
// (for those a route sends to) its live health: breaker, requests in flight, time to first
// byte, attempts by outcome; each route with its strategy and destinations by share of weight.
// From /admin/endpoints and /admin/routes (the routes' health is the admin key's to see).
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { count, ms, percent } from './format.js';

const html = htm.bind(h);

export function Endpoints({ api, session }) {
  const [endpoints, setEndpoints] = useState(null);
  const [routes, setRoutes] = useState([]);
  const [error, setError] = useState('');
  useEffect(() => {
    api.get('/admin/endpoints').then((r) => setEndpoints(r.data), (e) => setError(e.message));
    if (session.role === 'admin') api.get('/admin/routes').then((r) => setRoutes(r.routes), () => {});
  }, []);
  const health = new Map();
  for (const r of routes) for (const d of r.destinations) health.set(d.name, d);
  return html`<section aria-labelledby="endpoints-title">
    <h2 id="endpoints-title">Endpoints</h2>
    ${error && html`<p role="alert" class="error">${error}</p>`}
    ${endpoints && html`<table aria-label="Endpoints">
      <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Provider</th><th scope="col">Model</th>
        <th scope="col">Defined in</th><th scope="col">Breaker</th><th scope="col">In flight</th><th scope="col">First byte</th><th scope="col">Failures</th></tr></thead>
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
          <td>${d ? `${count(failed)} (${percent(failed, attempts)})` : '—'}</td></tr>`;
      })}</tbody>
    </table>`}
    ${routes.length > 0 && html`<h2>Routes</h2>${routes.map((r) => {
      const total = r.destinations.reduce((a, d) => a + (d.weight ?? 1), 0);
      return html`<article class="route" aria-label=${`Route ${r.name}`}>
        <h3>${r.name} <small>${r.strategy}${r.fallback ? ', falls back in order' : ''}</small></h3>
        <div class="split" role="img" aria-label=${r.destinations.map((d) => `${d.name} ${percent(d.weight ?? 1, total)}`).join(', ')}>
          ${r.destinations.map((d) => html`<span style=${`flex:${d.weight ?? 1}`} class=${`circuit ${d.circuit}`}>${d.name} ${percent(d.weight ?? 1, total)}</span>`)}
        </div>
      </article>`;
    })}`}
  </section>`;
}
