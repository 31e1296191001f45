// sluice's console: sign in, then the pages. Preact with htm (no JSX step), uPlot for charts.
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api, currentSession, signIn, signOut } from './api.js';
import { Overview } from './overview.js';
import { Endpoints } from './endpoints.js';
import './style.css';

const html = htm.bind(h);

const PAGES = [
  ['overview', 'Overview', Overview],
  ['endpoints', 'Endpoints', Endpoints],
];

function SignIn({ onSession }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setError('');
    try {
      const session = await signIn(key);
      setKey('');
      onSession(session);
    } catch (err) {
      setError(err.status === 401 ? 'That key is not valid here.' : err.message);
    }
  };
  return html`<main class="signin">
    <h1>sluice</h1>
    <form onSubmit=${submit} aria-label="Sign in">
      <label for="key">Admin key, workspace admin key or gateway key</label>
      <input id="key" type="password" autocomplete="off" value=${key}
             onInput=${(e) => setKey(e.target.value)} required />
      <button type="submit">Sign in</button>
      ${error && html`<p role="alert" class="error">${error}</p>`}
    </form>
  </main>`;
}

function Shell({ session, onSignOut }) {
  const [page, setPage] = useState(location.hash.slice(2) || 'overview');
  useEffect(() => {
    const on = () => setPage(location.hash.slice(2) || 'overview');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  const current = PAGES.find(([id]) => id === page) ?? PAGES[0];
  const Page = current[2];
  return html`<div class="shell">
    <header>
      <strong>sluice</strong>
      <nav aria-label="Pages">
        ${PAGES.map(([id, label]) => html`<a href=${`#/${id}`} aria-current=${id === current[0] ? 'page' : undefined}>${label}</a>`)}
      </nav>
      <span class="who">${session.role}${session.workspace ? ` · ${session.workspace}` : ''}</span>
      <button onClick=${async () => { await signOut(); onSignOut(); }}>Sign out</button>
    </header>
    <main><${Page} session=${session} api=${api} /></main>
  </div>`;
}

function App() {
  const [session, setSession] = useState(undefined);
  useEffect(() => { currentSession().then(setSession, () => setSession(null)); }, []);
  if (session === undefined) return html`<p class="loading">Loading…</p>`;
  if (!session) return html`<${SignIn} onSession=${setSession} />`;
  return html`<${Shell} session=${session} onSignOut=${() => setSession(null)} />`;
}

render(html`<${App} />`, document.getElementById('app'));
