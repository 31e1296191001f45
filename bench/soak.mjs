// Soak: mixed traffic against one sluice for a long time, RSS and open descriptors sampled each
// minute; then peak RSS with N concurrent streams. Not a test (nothing is asserted): it prints a
// table for a person to read. Usage:
//   node bench/soak.mjs [--minutes 30] [--rate 400] [--streams 1000]
// --rate is requests per second (pick ~70% of what `bench/run.sh` measures on the machine).
// Traffic: 50% plain chat, 25% streams, 10% provider errors (500/429), 10% clients that abort a
// stream midway, 5% malformed requests; a config reload (SIGHUP) every minute.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import { startFaultUpstream } from '../tests/support/fault_upstream.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const MINUTES = arg('minutes', 30);
const RATE = arg('rate', 400);
const STREAMS = arg('streams', 1000);
const BIN = process.env.SLUICE_BIN ?? join(repo, 'build', 'sluice');

const upstream = await startFaultUpstream();
const dir = mkdtempSync(join(tmpdir(), 'sluice-soak-'));
const config = join(dir, 'config.yaml');
const yaml = (n) => `
server: {workers: 1, access_log: "", upstream_timeout: {first_byte_ms: 5000, stream_idle_ms: 5000}}
endpoints:
${['ok', 'err', 'slow'].map((m) => `  - name: ${m}
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: ${m === 'slow' ? 'delay-2000' : m}, config: {openai_api_key: sk-soak-${n}-0123456789, openai_api_base: "${upstream.base}"}}
`).join('')}`;
writeFileSync(config, yaml(0));
const child = spawn(BIN, ['serve', '--config', config, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
const port = await new Promise((r) => {
  let err = '';
  child.stderr.on('data', (d) => { err += d; const m = /listening on http:\/\/[^:]+:(\d+)/.exec(err); if (m) r(Number(m[1])); });
});
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function rss() {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)[1]);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), fds: readdirSync(`/proc/${child.pid}/fd`).length };
}

const counts = { sent: 0, ok: 0, errors: 0, aborted: 0 };
function request(kind) {
  counts.sent++;
  const model = kind === 'error' ? 'err' : 'ok';
  if (kind === 'error') upstream.script('err', [{ status: Math.random() < 0.5 ? 500 : 429 }]);
  const stream = kind === 'stream' || kind === 'abort';
  const body = kind === 'malformed' ? '{"model": "ok", "messages": [' :
    JSON.stringify({ model: kind === 'abort' ? 'slow' : model, stream, messages: [{ role: 'user', content: 'soak' }] });
  const req = http.request({ port, path: '/v1/chat/completions', method: 'POST', agent,
                             headers: { 'content-type': 'application/json' } }, (res) => {
    if (kind === 'abort') { setTimeout(() => { req.destroy(); counts.aborted++; }, 20); }
    res.resume();
    res.on('end', () => (res.statusCode === 200 ? counts.ok++ : counts.errors++));
  });
  req.on('error', () => {});
  req.end(body);
}

function pick() {
  const r = Math.random();
  return r < 0.5 ? 'plain' : r < 0.75 ? 'stream' : r < 0.85 ? 'error' : r < 0.95 ? 'abort' : 'malformed';
}

// First, on the fresh process: peak RSS with STREAMS concurrent streams, each held ~2 s by a
// slow provider.
const before = rss();
await Promise.all(Array.from({ length: STREAMS }, () => new Promise((r) => {
  const req = http.request({ port, path: '/v1/chat/completions', method: 'POST', agent: false,
                             headers: { 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', r); res.on('error', r); });
  req.on('error', r);
  req.end(JSON.stringify({ model: 'slow', stream: true, messages: [{ role: 'user', content: 'x' }] }));
})));
const after = rss();
console.log(`${STREAMS} concurrent streams: RSS before ${before.rss} kB, peak (VmHWM) ${after.hwm} kB`);
console.log(`soak: ${MINUTES} min at ${RATE} req/s against ${BIN} (pid ${child.pid})`);
console.log('minute  rss_kb  hwm_kb  fds  sent  ok  errors  aborted');
const started = Date.now();
const samples = [];
let minute = 0;
const tick = setInterval(() => { for (let i = 0; i < RATE / 20; i++) request(pick()); }, 50);
await new Promise((done) => {
  const sample = setInterval(() => {
    minute++;
    writeFileSync(config, yaml(minute));  // the file watch reloads it
    child.kill('SIGHUP');
    const s = rss();
    samples.push(s);
    console.log(`${String(minute).padStart(6)}  ${String(s.rss).padStart(6)}  ${String(s.hwm).padStart(6)}  ${String(s.fds).padStart(3)}  ${counts.sent}  ${counts.ok}  ${counts.errors}  ${counts.aborted}`);
    if (Date.now() - started >= MINUTES * 60_000) { clearInterval(sample); done(); }
  }, 60_000);
});
clearInterval(tick);
await new Promise((r) => setTimeout(r, 3000));
if (samples.length >= 3) {
  const warm = samples[1].rss;
  const last = samples.at(-1).rss;
  console.log(`RSS growth after warm-up (minute 2 → ${samples.length}): ${(((last - warm) / warm) * 100).toFixed(1)}%`);
}

child.kill('SIGTERM');
await upstream.close();
agent.destroy();
