// A real PostgreSQL server (the Debian package's binaries) in a temp dir on a free loopback port,
// for tests of keys and the ledger shared by several gateways. PostgreSQL refuses to run as root,
// so when the tests run as root the server runs as the package's `postgres` user.
// `sql(text)` runs a statement with psql and returns its rows ('|'-separated, one per line).
import { spawn, execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

// The newest installed server's bin directory (/usr/lib/postgresql/<major>/bin).
function binDir() {
  const majors = readdirSync('/usr/lib/postgresql').filter((d) => /^\d+$/.test(d)).sort((a, b) => b - a);
  if (!majors.length) throw new Error('no PostgreSQL server under /usr/lib/postgresql (run scripts/bootstrap)');
  return join('/usr/lib/postgresql', majors[0], 'bin');
}

// { uid, gid } to run the server as: the `postgres` user when we are root, else ourselves.
function runAs() {
  if (process.getuid() !== 0) return {};
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root needs the postgres user (installed with the postgresql package)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function run(cmd, args, options) {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, options, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} failed: ${stderr || err.message}`)) : resolve(stdout)));
}

export async function startPostgres() {
  const bin = binDir();
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-pg-'));
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'sluice', '--auth=trust', '--encoding=UTF8',
    '--locale=C', '--no-sync'], { ...user, cwd: dir });
  let child, out = '';
  // fsync off: the tests kill gateways, never this server, and it keeps the run fast.
  const launch = () => new Promise((resolve, reject) => {
    out = '';
    child = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir,
      '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=50'],
    { ...user, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => reject(new Error('postgres did not start: ' + out)), 20000);
    const check = () => {
      if (/ready to accept connections/.test(out)) {
        clearTimeout(timer);
        resolve();
      } else if (child.exitCode === null) setTimeout(check, 20);
    };
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited ${code}: ${out}`));
    });
    check();
  });
  const halt = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGINT');  // fast shutdown: open sessions are cut, as in a failover
    await exited;
  };
  await launch();
  let databases = 0;
  const sql = (text, db = 'postgres') => run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'sluice',
    '-d', db, '-v', 'ON_ERROR_STOP=1', '-At', '-c', text], {}).then((s) => s.replace(/\n$/, ''));
  return {
    port,
    sql,
    log: () => out,
    // A fresh, empty database and its URL, so each test starts from nothing.
    async database(password = 'unused-with-trust-auth') {
      const name = `t${++databases}`;
      await sql(`CREATE DATABASE ${name}`);
      return { name, url: `postgresql://sluice:${password}@127.0.0.1:${port}/${name}`,
        sql: (text) => sql(text, name) };
    },
    // Stops the server and starts it again on the same port and data.
    async restart({ downMs = 0 } = {}) {
      await halt();
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    halt,
    launch,
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
