// A real Prometheus server (the Debian package) on a free loopback port in a temp dir, scraping
// the given targets every second, and `promtool`, its checker. For the tests of /metrics and of
// the Grafana dashboard's queries.
import { spawn, execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './sluice.mjs';

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// `promtool check metrics` on an exposition text: {code, output} (code 0: no problem found).
export function promtoolCheckMetrics(text) {
  return new Promise((resolve) => {
    const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) =>
      resolve({ code: err ? err.code ?? 1 : 0, output: stdout + stderr }));
    child.stdin.end(text);
  });
}

// `targets`: host:port of each /metrics to scrape (job "sluice").
export async function startPrometheus(targets) {
  const port = await freePort();
  const dir = tempDir('sluice-prometheus-');
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, `global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: sluice
    metrics_path: /metrics
    static_configs: [{targets: ${JSON.stringify(targets)}}]
`);
  const child = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${out}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('prometheus did not become ready: ' + out);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    log: () => out,
    // An instant PromQL query: the API's whole answer ({status, data: {resultType, result}} or
    // {status: 'error', errorType, error}).
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      return res.json();
    },
    // The targets' scrape health, as Prometheus sees it.
    async targets() {
      return (await (await fetch(`${url}/api/v1/targets`)).json()).data.activeTargets;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
    },
  };
}
