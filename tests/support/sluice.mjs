// Starts the real sluice binary on a free loopback port with a config written to a temp dir.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SLUICE_BIN = process.env.SLUICE_BIN ?? join(repo, 'build', 'sluice');

// A new directory under the system's temp dir, removed when this test process exits (each test
// file runs in its own process), so test runs leave nothing behind.
const made = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
export function tempDir(prefix = 'sluice-test-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function writeConfig(yaml) {
  const dir = tempDir();
  const path = join(dir, 'config.yaml');
  writeFileSync(path, yaml);
  return path;
}

// Runs a sluice subcommand to completion: { code, stdout, stderr }.
export function runSluice(args, env = {}, input = undefined) {
  return new Promise((resolvePromise) => {
    const child = spawn(SLUICE_BIN, args, { env: { ...process.env, ...env } });
    if (input !== undefined) child.stdin.end(input);
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

// Starts `sluice serve` and resolves once it listens. The returned object has `url`, `port`,
// `logs()` (access-log lines parsed as JSON), `stderr()`, `stop(signal)` → exit code.
export function startSluice(yaml, { env = {}, workers = 2, args = [] } = {}) {
  const config = writeConfig(yaml);
  const child = spawn(SLUICE_BIN, ['serve', '--config', config, '--port', '0', '--workers', String(workers), ...args], {
    env: { ...process.env, ...env },
  });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error('sluice did not start: ' + stderr)), 10000);
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /listening on http:\/\/([^:]+):(\d+)/.exec(stderr);
      if (m && timer) {
        clearTimeout(timer);
        const port = Number(m[2]);
        resolvePromise({
          port,
          configPath: config,
          url: `http://127.0.0.1:${port}`,
          pid: child.pid,
          logs: () => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)),
          stderr: () => stderr,
          exited,
          async stop(signal = 'SIGTERM') {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    child.on('exit', () => reject(new Error('sluice exited early: ' + stderr)));
  });
}

// Waits until `predicate()` is true, polling; fails after `ms`.
export async function eventually(predicate, ms = 3000, what = 'condition') {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
