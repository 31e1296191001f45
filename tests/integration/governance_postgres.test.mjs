// Keys, the ledger and budgets shared by two gateway processes through a real PostgreSQL server:
// both migrate at once, a key made on one works on the other, the ledger both write sums exactly
// to what clients were charged, a budget spent on one replica stops the other, and a database
// restart loses no record. Also the config's refusals and a server that cannot be reached.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startMockUpstream } from '../support/mock_upstream.mjs';
import { startPostgres } from '../support/postgres_server.mjs';
import { startSluice, runSluice, writeConfig, eventually, SLUICE_BIN } from '../support/sluice.mjs';
import { post, chatBody, stopCleanly } from './helpers.mjs';

const ADMIN = 'admin-key-for-postgres-tests';
const PEPPER = 'pepper-for-postgres-tests-01234567';
const PASSWORD = 'pg-password-never-logged-0123';
const env = { TEST_PEPPER: PEPPER, TEST_PG_URL: '' };
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
const withKey = (key) => ({ authorization: `Bearer ${key}` });
const STEPS = readdirSync(new URL('../../migrations/postgres/', import.meta.url)).filter((f) => f.endsWith('.sql')).length;

let pg, upstream;
before(async () => {
  pg = await startPostgres();
  upstream = await startMockUpstream();
});
after(async () => {
  await upstream?.close();
  await pg?.stop();
});

// The URL goes in through a secret, as it would in production (it holds a password).
function config(extra = '') {
  return `
auth:
  mode: keys
  admin_key: ${ADMIN}
  pepper: \${{ secrets.TEST_PEPPER }}
stores:
  postgres: \${{ secrets.TEST_PG_URL }}
accounting: {cost_header: true}
pricing:
  openai:
    ok: {input: 100000, output: 0}
${extra}
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: ok
      config: {openai_api_key: sk-upstream-secret-0000000000, openai_api_base: ${upstream.base}}
`;
}

async function createKey(gw, fields) {
  const res = await fetch(gw.url + '/admin/keys', { method: 'POST', headers: admin, body: JSON.stringify(fields) });
  assert.equal(res.status, 201, await res.clone().text());
  return res.json();
}

async function startPair(yaml, dbEnv) {
  // Started together, so both run the migration at the same moment.
  return Promise.all([startSluice(yaml, { env: dbEnv }), startSluice(yaml, { env: dbEnv })]);
}

test('the PostgreSQL store unit tests (tests/stores/postgres) pass against this server, none skipped', async () => {
  const db = await pg.database();
  const unit = join(dirname(SLUICE_BIN), 'sluice_unit_tests');
  const out = await new Promise((resolve) => execFile(unit, ['--gtest_filter=PostgresStoreTest.*'],
    { env: { ...process.env, SLUICE_TEST_POSTGRES_URL: db.url } }, (err, stdout, stderr) => resolve({ err, stdout: stdout + stderr })));
  assert.equal(out.err, null, out.stdout);
  assert.match(out.stdout, /\[  PASSED  \] 10 tests\./, out.stdout);
  assert.doesNotMatch(out.stdout, /SKIPPED/, out.stdout);
});

test('two replicas share keys and one ledger that sums exactly to what clients were charged', async () => {
  const db = await pg.database(PASSWORD);
  const dbEnv = { ...env, TEST_PG_URL: db.url };
  const [a, b] = await startPair(config(), dbEnv);
  try {
    // Each step once, though both replicas ran the migration at the same moment.
    assert.equal(await db.sql('SELECT count(*) FROM schema_migrations'), String(STEPS));

    const ml = await createKey(a, { name: 'ml', team: 'ml' });
    const web = await createKey(b, { name: 'web', team: 'web' });
    // Each replica learns of the other's key through the store's version counter.
    await eventually(async () => (await post(b, '/v1/chat/completions', chatBody('chat'), withKey(ml.key))).status === 200,
      3000, 'replica b accepting a key created on a');
    await eventually(async () => (await post(a, '/v1/chat/completions', chatBody('chat'), withKey(web.key))).status === 200,
      3000, 'replica a accepting a key created on b');

    const results = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      const res = await post(i % 2 ? a : b, '/v1/chat/completions', chatBody('chat'), withKey(i % 4 < 2 ? ml.key : web.key));
      await res.arrayBuffer();
      return { status: res.status, cost: Number(res.headers.get('x-sluice-cost-usd')) };
    }));
    assert.deepEqual(results.filter((r) => r.status !== 200), []);
  } finally {
    await stopCleanly(a);
    await stopCleanly(b);
  }
  // Everything both replicas served, the two eventually-loops' requests included.
  const [count, prompt, completion, cost] = (await db.sql(
    'SELECT count(*), sum(prompt_tokens), sum(completion_tokens), sum(cost_usd) FROM ledger')).split('|');
  const served = Number(count);
  assert.ok(served >= 202, `ledger has ${served} records`);
  assert.equal(Number(prompt), served * 11);
  assert.equal(Number(completion), served * 7);
  assert.ok(Math.abs(Number(cost) - served * 1.1) < 1e-9, `ledger cost ${cost} for ${served} requests`);
  // The per-day summary the replicas read each other's spend from agrees with the ledger.
  const [requests, summed] = (await db.sql('SELECT sum(requests), sum(cost_usd) FROM spend_daily')).split('|');
  assert.equal(Number(requests), served);
  assert.ok(Math.abs(Number(summed) - Number(cost)) < 1e-9);
  // Per team, from the ledger, through the CLI on the same store.
  const byTeam = (await db.sql("SELECT team, count(*) FROM ledger GROUP BY team ORDER BY team")).split('\n');
  const cli = await runSluice(['spend', '-c', writeConfig(config()), '--by', 'team', '--since', '1d'], dbEnv);
  assert.equal(cli.code, 0, cli.stderr);
  const cliRows = cli.stdout.trim().split('\n').slice(1).map((l) => l.split(',')).sort();
  assert.deepEqual(cliRows.map(([team, n]) => `${team}|${n}`), byTeam);
  assert.equal(cliRows.reduce((s, r) => s + Number(r[1]), 0), served);
});

test('key changes on one replica or the CLI reach the other replica', async () => {
  const db = await pg.database();
  const dbEnv = { ...env, TEST_PG_URL: db.url };
  const [a, b] = await startPair(config(), dbEnv);
  const status = async (gw, key) => {
    const res = await post(gw, '/v1/chat/completions', chatBody('chat'), withKey(key));
    const body = await res.json();
    return res.status === 200 ? 200 : `${res.status} ${body.error.code}`;
  };
  try {
    const cli = await runSluice(['keys', 'create', '-c', writeConfig(config()), '--name', 'from-cli', '--team', 'ops'], dbEnv);
    assert.equal(cli.code, 0, cli.stderr);
    const { id, key } = JSON.parse(cli.stdout);
    await eventually(async () => (await status(a, key)) === 200 && (await status(b, key)) === 200, 3000, 'both replicas accepting the CLI key');

    const patch = await fetch(`${a.url}/admin/keys/${id}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ disabled: true }) });
    assert.equal(patch.status, 200);
    await eventually(async () => (await status(b, key)) === '401 key_disabled', 3000, 'replica b seeing the key disabled');

    const rotated = await fetch(`${b.url}/admin/keys/${id}/rotate`, { method: 'POST', headers: admin }).then((r) => r.json());
    await fetch(`${b.url}/admin/keys/${id}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ disabled: false }) });
    await eventually(async () => (await status(a, rotated.key)) === 200, 3000, 'replica a accepting the rotated secret');
    assert.equal(await status(a, key), '401 invalid_api_key');

    assert.equal((await fetch(`${a.url}/admin/keys/${id}`, { method: 'DELETE', headers: admin })).status, 200);
    await eventually(async () => (await status(b, rotated.key)) === '401 invalid_api_key', 3000, 'replica b forgetting the key');
    assert.equal(await db.sql('SELECT count(*) FROM keys'), '0');
  } finally {
    await stopCleanly(a);
    await stopCleanly(b);
  }
});

test('a budget spent through one replica stops the other within a refresh', async () => {
  const db = await pg.database();
  const dbEnv = { ...env, TEST_PG_URL: db.url };
  const yaml = config('budgets:\n  - {scope: team, match: ml, usd: 3, per: day}');
  const [a, b] = await startPair(yaml, dbEnv);
  let c;
  try {
    const { key } = await createKey(a, { name: 'ml', team: 'ml' });
    await eventually(async () => (await fetch(b.url + '/admin/keys', { headers: admin }).then((r) => r.json())).data.length === 1,
      3000, 'replica b loading the key');
    // $1.10 a request (its worst case about $0.90): two fit the $3 budget, all on replica a;
    // a third would pass it.
    for (let i = 0; i < 2; i++) assert.equal((await post(a, '/v1/chat/completions', chatBody('chat'), withKey(key))).status, 200);
    const refused = await post(a, '/v1/chat/completions', chatBody('chat'), withKey(key));
    assert.equal(refused.status, 429);
    assert.equal((await refused.json()).error.code, 'budget_exceeded');
    // Replica b served nothing, yet sees the team's spend once it re-reads the store's totals.
    const spentOnB = async () => (await fetch(b.url + '/admin/teams', { headers: admin }).then((r) => r.json()))
      .data.find((t) => t.team === 'ml')?.spent_usd_today ?? 0;
    await eventually(async () => Math.abs(await spentOnB() - 2.2) < 1e-9, 3000, 'replica b seeing $2.20 spent');
    const onB = await post(b, '/v1/chat/completions', chatBody('chat'), withKey(key));
    assert.equal(onB.status, 429);
    assert.equal((await onB.json()).error.code, 'budget_exceeded');
    // A replica started now reads this month's spend at start and refuses at once.
    c = await startSluice(yaml, { env: dbEnv });
    const onC = await post(c, '/v1/chat/completions', chatBody('chat'), withKey(key));
    assert.equal(onC.status, 429);
  } finally {
    await stopCleanly(a);
    await stopCleanly(b);
    if (c) await stopCleanly(c);
  }
});

test('a budget made through the admin API on one replica applies on the other', async () => {
  const db = await pg.database();
  const dbEnv = { ...env, TEST_PG_URL: db.url };
  const [a, b] = await startPair(config(), dbEnv);
  const call = async (gw, key) => (await post(gw, '/v1/chat/completions', chatBody('chat'), withKey(key))).status;
  try {
    const { key, id: keyId } = await createKey(a, { name: 'k', team: 'ml' });
    const made = await fetch(a.url + '/admin/budgets', { method: 'POST', headers: admin,
      body: JSON.stringify({ scope: 'key', match: keyId, usd: 1, per: 'day' }) });
    assert.equal(made.status, 201);
    const { id } = await made.json();
    await eventually(async () => (await fetch(`${b.url}/admin/budgets/${id}`, { headers: admin })).status === 200,
      3000, 'replica b loading the budget');
    assert.equal(await call(b, key), 200);  // $1.10 of $1
    assert.equal(await call(b, key), 429);
    await eventually(async () => (await call(a, key)) === 429, 3000, 'replica a seeing the spend');
    const raised = await fetch(`${b.url}/admin/budgets/${id}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ usd: 10 }) });
    assert.equal(raised.status, 200);
    await eventually(async () => (await call(a, key)) === 200, 3000, 'replica a seeing the raised budget');
    assert.equal((await fetch(`${a.url}/admin/budgets/${id}`, { method: 'DELETE', headers: admin })).status, 200);
    assert.equal(await db.sql('SELECT count(*) FROM budgets'), '0');
    assert.equal(await db.sql('SELECT max(version) FROM schema_migrations'), String(STEPS));
  } finally {
    await stopCleanly(a);
    await stopCleanly(b);
  }
});

test('a database restart loses no ledger record and keys keep working meanwhile', async () => {
  const db = await pg.database();
  const dbEnv = { ...env, TEST_PG_URL: db.url };
  const gw = await startSluice(config(), { env: dbEnv });
  try {
    const { key } = await createKey(gw, { name: 'k', team: 't' });
    for (let i = 0; i < 5; i++) assert.equal((await post(gw, '/v1/chat/completions', chatBody('chat'), withKey(key))).status, 200);
    await eventually(async () => (await db.sql('SELECT count(*) FROM ledger')) === '5', 3000, 'first 5 records');
    await pg.halt();
    // The gateway serves from its cached keys and in-memory view; records wait in the queue.
    for (let i = 0; i < 20; i++) assert.equal((await post(gw, '/v1/chat/completions', chatBody('chat'), withKey(key))).status, 200);
    await new Promise((r) => setTimeout(r, 300));
    await pg.launch();
    await eventually(async () => (await db.sql('SELECT count(*) FROM ledger')) === '25', 10000, 'all 25 records after the restart');
    assert.match(gw.stderr(), /ledger write failed, will retry/);
    // Admin calls work again on fresh connections.
    const spend = await fetch(gw.url + '/admin/spend?by=team&since=1d', { headers: admin }).then((r) => r.json());
    assert.equal(spend.data[0].requests, 25);
  } finally {
    await stopCleanly(gw);
  }
  assert.ok(!gw.stderr().includes(PASSWORD) && !JSON.stringify(gw.logs()).includes(PASSWORD));
});

test('config refusals and an unreachable server are clear errors that never show the password', async () => {
  const check = async (store, secretUrl) => {
    const path = writeConfig(config().replace(/stores:\n  postgres: .*\n/, store));
    return runSluice(['serve', '--config', path, '--port', '0'], { ...env, TEST_PG_URL: secretUrl });
  };
  const both = await check('stores:\n  sqlite: x.db\n  postgres: ${{ secrets.TEST_PG_URL }}\n', `postgresql://u:${PASSWORD}@127.0.0.1:1/x`);
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /stores\.postgres.*stores\.sqlite both name where keys and the ledger live/);
  const wrong = await check('stores:\n  postgres: ${{ secrets.TEST_PG_URL }}\n', `mysql://u:${PASSWORD}@127.0.0.1/x`);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /stores\.postgres.*must be a postgresql:\/\/ URL/);
  // A port nothing listens on: the gateway does not start with keys it cannot read.
  const down = await check('stores:\n  postgres: ${{ secrets.TEST_PG_URL }}\n', `postgresql://u:${PASSWORD}@127.0.0.1:1/x`);
  assert.notEqual(down.code, 0);
  assert.match(down.stderr, /postgres: connection to server at "127\.0\.0\.1", port 1 failed/);
  for (const r of [both, wrong, down]) assert.ok(!(r.stdout + r.stderr).includes(PASSWORD), r.stderr);
});
