// A real redis-server (the Debian package) on a free loopback port in a temp dir, for tests of
// limits shared by several gateways. `cli(...args)` runs redis-cli against it.
import { spawn, execFile } from 'node:child_process';
import { tempDir } from './sluice.mjs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function startRedis() {
  const port = await freePort();
  const dir = tempDir('sluice-redis-');
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start: ' + out)), 10000);
    const check = () => {
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        resolve();
      } else setTimeout(check, 20);
    };
    child.on('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
    check();
  });
  const cli = (...args) => new Promise((resolve, reject) =>
    execFile('redis-cli', ['-p', String(port), ...args], (err, stdout) => (err ? reject(err) : resolve(stdout))));
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    cli,
    // Calls of one command since the server started (INFO commandstats).
    async calls(command) {
      const m = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await cli('INFO', 'commandstats'));
      return m ? Number(m[1]) : 0;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
    },
  };
}
