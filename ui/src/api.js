// The console's only way to the gateway: sluice's documented admin and usage APIs, with the
// session cookie (HttpOnly: the page never sees it) and the session's CSRF token on changes.
let csrf = '';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function call(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const r = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = { message: text }; }
  if (!r.ok) {
    // The session ended (idle, signed out elsewhere, its key rotated or revoked): back to sign-in.
    if (r.status === 401 && !path.startsWith('/ui/api/session')) dispatchEvent(new Event('sluice:signed-out'));
    throw new ApiError(r.status, parsed);
  }
  return parsed;
}

export const api = {
  get: (path) => call('GET', path),
  post: (path, body) => call('POST', path, body ?? {}),
  patch: (path, body) => call('PATCH', path, body),
  del: (path) => call('DELETE', path),
};

// Sign-in: the key goes to the gateway once, in this request's body, and is forgotten.
export async function signIn(key) {
  const session = await call('POST', '/ui/api/session', { key });
  csrf = session.csrf_token;
  return session;
}

export async function currentSession() {
  try {
    const session = await call('GET', '/ui/api/session');
    csrf = session.csrf_token;
    return session;
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

export async function signOut() {
  await call('DELETE', '/ui/api/session');
  csrf = '';
}
