// sluice's console: sign in, then the pages. Preact with htm (no JSX step), uPlot for charts.
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api, currentSession, signIn, signOut } from './api.js';
import { Overview } from './overview.js';
import { Endpoints } from './endpoints.js';
import { Keys } from './keys.js';
import { Budgets } from './budgets.js';
import { Secrets, Workspaces } from './directory.js';
import { Requests } from './requests.js';
import { Playground, forgetPlaygroundKey, setPlaygroundKey } from './playground.js';
import { Developer } from './developer.js';
import './style.css';

const html = htm.bind(h);

const ADMIN_PAGES = [
  ['overview', 'Overview', Overview],
  ['endpoints', 'Endpoints', Endpoints],
  ['keys', 'Keys', Keys],
  ['budgets', 'Budgets', Budgets],
  ['secrets', 'Secrets', Secrets],
  ['workspaces', 'Workspaces', Workspaces],
  ['requests', 'Request log', Requests],
  ['playground', 'Playground', Playground],
];
const DEVELOPER_PAGES = [
  ['key', 'Your key', Developer],
  ['playground', 'Playground', Playground],
];

// "#/requests/abc" → ['requests', 'abc'].
function route() {
  const path = location.hash.replace(/^#\/?/, '');
  const slash = path.indexOf('/');
  return slash < 0 ? [path, ''] : [path.slice(0, slash), path.slice(slash + 1)];
}

function SignIn({ onSession, ended }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setError('');
    try {
      const session = await signIn(key);
      // A gateway key is the playground's to send (in this page's memory, not its storage).
      if (session.role === 'developer') setPlaygroundKey(key);
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
      ${!error && ended && html`<p role="status" class="notice">Your session ended: it was idle too long, signed out elsewhere, or its key was rotated, revoked or changed. Sign in again.</p>`}
    </form>
  </main>`;
}

function Shell({ session, onSignOut }) {
  const PAGES = session.role === 'developer' ? DEVELOPER_PAGES : ADMIN_PAGES;
  const [[page, param], setRoute] = useState(route());
  useEffect(() => {
    const on = () => setRoute(route());
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
      <button onClick=${async () => { await signOut(); forgetPlaygroundKey(); onSignOut(); }}>Sign out</button>
    </header>
    <main><${Page} key=${current[0] + param} session=${session} api=${api} param=${param} /></main>
  </div>`;
}

function App() {
  const [ended, setEnded] = useState(false);
  const [session, setSession] = useState(undefined);
  useEffect(() => {
    currentSession().then(setSession, () => setSession(null));
    const onEnded = () => { forgetPlaygroundKey(); setEnded(true); setSession(null); };
    addEventListener('sluice:signed-out', onEnded);
    return () => removeEventListener('sluice:signed-out', onEnded);
  }, []);
  if (session === undefined) return html`<p class="loading">Loading…</p>`;
  if (!session) return html`<${SignIn} ended=${ended} onSession=${(s) => { setEnded(false); setSession(s); }} />`;
  return html`<${Shell} session=${session} onSignOut=${() => setSession(null)} />`;
}

render(html`<${App} />`, document.getElementById('app'));
