// Playground: a chat request to an endpoint or route through the gateway's own OpenAI API
// (/v1/chat/completions), streamed or not, with the answer as it arrives and the headers that
// say what the gateway did (destination, attempts, cost, cache, request id). A gateway key, when
// the gateway uses them, lives in this module's memory only: never in the browser's storage, gone
// at reload or sign-out.
import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { sseReader } from './format.js';

const html = htm.bind(h);
const SHOWN_HEADERS = ['x-request-id', 'x-sluice-destination', 'x-sluice-attempts', 'x-sluice-cost-usd',
  'x-sluice-cache', 'x-sluice-overhead-ms', 'x-ratelimit-remaining-requests', 'x-ratelimit-remaining-tokens'];

// One event of an OpenAI chat stream: the text it adds, or the error it carries (an error event
// mid-stream, or data that is not JSON).
export function streamChunk(ev) {
  if (ev.data === '[DONE]') return {};
  let chunk;
  try {
    chunk = JSON.parse(ev.data);
  } catch {
    return { error: `The stream sent something that is not JSON: ${ev.data.slice(0, 200)}` };
  }
  if (chunk?.error) return { error: chunk.error.message ?? JSON.stringify(chunk.error) };
  return { text: chunk?.choices?.[0]?.delta?.content ?? '' };
}

let memoryKey = '';
export function setPlaygroundKey(key) { memoryKey = key; }
export function forgetPlaygroundKey() { memoryKey = ''; }

// The chat endpoints and routes this caller may name: the admin's from the admin API, a gateway
// key's from GET /v1/key.
async function callable(api, session) {
  if (session.role === 'developer') {
    const own = await api.get('/v1/key');
    return own.callable.filter((c) => c.endpoint_type === 'llm/v1/chat').map((c) => c.name);
  }
  const names = [];
  const endpoints = await api.get('/admin/endpoints');
  for (const e of endpoints.data) {
    if ((e.endpoint_type ?? e.definition?.endpoint_type) === 'llm/v1/chat' && e.loaded !== false) names.push(e.name);
  }
  if (session.role === 'admin') {
    try {
      for (const r of (await api.get('/admin/routes')).routes) if (!names.includes(r.name)) names.push(r.name);
    } catch { /* routes are optional */ }
  }
  return names;
}

export function Playground({ api, session }) {
  const [names, setNames] = useState([]);
  const [model, setModel] = useState('');
  const [key, setKey] = useState(memoryKey);
  const [system, setSystem] = useState('');
  const [prompt, setPrompt] = useState('');
  const [temperature, setTemperature] = useState('');
  const [maxTokens, setMaxTokens] = useState('');
  const [stream, setStream] = useState(true);
  const [answer, setAnswer] = useState('');
  const [headers, setHeaders] = useState([]);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const abort = useRef(null);
  useEffect(() => {
    callable(api, session).then((n) => { setNames(n); setModel((m) => m || n[0] || ''); }, (e) => setError(e.message));
    return () => abort.current?.abort();
  }, []);

  const send = async (e) => {
    e.preventDefault();
    setError('');
    setAnswer('');
    setHeaders([]);
    setStatus('');
    setBusy(true);
    memoryKey = key;
    const messages = [];
    if (system) messages.push({ role: 'system', content: system });
    messages.push({ role: 'user', content: prompt });
    const body = { model, messages, stream };
    if (temperature !== '') body.temperature = Number(temperature);
    if (maxTokens !== '') body.max_tokens = Number(maxTokens);
    const h2 = { 'content-type': 'application/json' };
    if (key) h2.authorization = `Bearer ${key}`;
    abort.current = new AbortController();
    try {
      const r = await fetch('/v1/chat/completions', {
        method: 'POST', headers: h2, body: JSON.stringify(body), signal: abort.current.signal, credentials: 'omit',
      });
      setStatus(String(r.status));
      setHeaders(SHOWN_HEADERS.filter((n) => r.headers.has(n)).map((n) => [n, r.headers.get(n)]));
      if (!r.ok || !stream || !r.body) {
        const parsed = await r.json().catch(() => null);
        if (!r.ok) setError(parsed?.error?.message ?? `HTTP ${r.status}`);
        else setAnswer(parsed?.choices?.[0]?.message?.content ?? '');
        return;
      }
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      const sse = sseReader();
      let text = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const ev of sse.feed(decoder.decode(value, { stream: true }))) {
            const chunk = streamChunk(ev);
            if (chunk.error) setError(chunk.error);
            if (chunk.text) {
              text += chunk.text;
              setAnswer(text);
            }
          }
        }
      } finally {
        reader.cancel().catch(() => {});
      }
    } catch (err) {
      if (err.name !== 'AbortError') setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  const requestId = headers.find(([n]) => n === 'x-request-id')?.[1];
  return html`<section aria-labelledby="playground-title">
    <h2 id="playground-title">Playground</h2>
    <form class="playground" onSubmit=${send} aria-label="Chat request">
      <label>Endpoint or route
        <select name="model" value=${model} onChange=${(e) => setModel(e.target.value)} required>
          ${names.map((n) => html`<option value=${n}>${n}</option>`)}
        </select>
      </label>
      <label>Gateway key (kept in this page's memory only; empty when the gateway uses none)
        <input name="key" type="password" autocomplete="off" value=${key} onInput=${(e) => setKey(e.target.value)} />
      </label>
      <label>System message <textarea name="system" rows="2" value=${system} onInput=${(e) => setSystem(e.target.value)}></textarea></label>
      <label>User message <textarea name="prompt" rows="4" required value=${prompt} onInput=${(e) => setPrompt(e.target.value)}></textarea></label>
      <div class="inline">
        <label>Temperature <input name="temperature" type="number" min="0" max="2" step="0.1" value=${temperature} onInput=${(e) => setTemperature(e.target.value)} /></label>
        <label>Max tokens <input name="max_tokens" type="number" min="1" value=${maxTokens} onInput=${(e) => setMaxTokens(e.target.value)} /></label>
        <label><input name="stream" type="checkbox" checked=${stream} onChange=${(e) => setStream(e.target.checked)} /> Stream</label>
      </div>
      <button type="submit" disabled=${busy || !model}>${busy ? 'Sending…' : 'Send'}</button>
      ${busy && html`<button type="button" onClick=${() => abort.current?.abort()}>Stop</button>`}
    </form>
    ${error && html`<p role="alert" class="error">${error}</p>`}
    <h3>Answer ${status && html`<small data-testid="status">HTTP ${status}</small>`}</h3>
    <pre class="answer" data-testid="answer" aria-live="polite" aria-busy=${busy}>${answer}</pre>
    ${headers.length > 0 && html`<table aria-label="Response headers"><tbody>
      ${headers.map(([n, v]) => html`<tr><th scope="row">${n}</th><td>${v}</td></tr>`)}
    </tbody></table>`}
    ${requestId && session.role !== 'developer' && html`<p><a href=${`#/requests/${encodeURIComponent(requestId)}`}>This request in the log</a></p>`}
  </section>`;
}
