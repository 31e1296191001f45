// Budgets held across two gateway replicas: the ledger in a real PostgreSQL server, the holds of
// requests in flight in a real redis-server. Bursts of 100 concurrent requests, spread over both
// replicas, against a dollar and a token budget: spend stays within the budget (each answer costs
// 18 tokens, $0.18, below its worst case), whereas replicas that cannot see each other's holds
// would each admit what fits the whole budget. Redis down follows redis_failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMockUpstream } from '../support/mock_upstream.mjs';
import { startPostgres } from '../support/postgres_server.mjs';
import { startRedis } from '../support/redis_server.mjs';
import { startSluice, eventually } from '../support/sluice.mjs';
import { post, chatBody, stopCleanly } from './helpers.mjs';

const ADMIN = 'admin-key-for-budget-replica-tests';
const env = { TEST_PEPPER: 'pepper-for-budget-replica-tests-01' };
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
const REAL_TOKENS = 18;
const USD_PER_TOKEN = 0.01;

let pg, upstream;
before(async () => {
  pg = await startPostgres();
  upstream = await startMockUpstream();
});
after(async () => {
  await upstream?.close();
  await pg?.stop();
});

function config(db, redis, failure = 'open', extra = '') {
  return `${extra}
auth:
  mode: keys
  admin_key: ${ADMIN}
  pepper: \${{ secrets.TEST_PEPPER }}
stores:
  postgres: ${db.url}
  redis: ${redis.url}
  redis_failure: ${failure}
pricing:
  openai:
    slow-ok: {input: ${USD_PER_TOKEN * 1e6}, output: ${USD_PER_TOKEN * 1e6}}
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: slow-ok
      config: {openai_api_key: sk-upstream-secret-0000000000, openai_api_base: ${upstream.base}}
`;
}

async function adminCall(gw, method, path, body) {
  const res = await fetch(gw.url + path, { method, headers: admin, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text.startsWith('{') ? JSON.parse(text) : null, text };
}

async function replicas(failure, extra) {
  const db = await pg.database();
  const redis = await startRedis();
  const yaml = config(db, redis, failure, extra);
  const [a, b] = await Promise.all([startSluice(yaml, { env }), startSluice(yaml, { env })]);
  return {
    db, redis, a, b,
    async stop() {
      try {
        await stopCleanly(a);
        await stopCleanly(b);
      } finally {
        await redis.stop();
      }
    },
  };
}

// A key whose budget both replicas know: made on one, seen by the other through the store.
async function keyOnBoth(r, fields) {
  const made = await adminCall(r.a, 'POST', '/admin/keys', { name: `k${Math.random()}`, ...fields });
  assert.equal(made.status, 201, made.text);
  await eventually(async () => (await adminCall(r.b, 'GET', `/admin/keys/${made.json.id}`)).status === 200,
    3000, 'replica b knowing the key');
  return made.json;
}

for (const [unit, budget] of [['usd', { usd: 2, per: 'day' }], ['tokens', { tokens: 200, per: 'day' }]]) {
  test(`a burst of 100 spread over two replicas stays within a ${unit} budget`, async () => {
    const r = await replicas();
    try {
      const key = await keyOnBoth(r, { budget });
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) =>
        post(i % 2 ? r.a : r.b, '/v1/chat/completions', chatBody('chat', { max_tokens: 10 }), { authorization: `Bearer ${key.key}` })
          .then(async (res) => ({ status: res.status, body: await res.text() }))));
      const admitted = results.filter((x) => x.status === 200).length;
      const refused = results.filter((x) => x.status === 429);
      assert.equal(admitted + refused.length, 100, results.map((x) => x.status).join());
      for (const x of refused) assert.equal(JSON.parse(x.body).error.code, 'budget_exceeded');
      const cap = unit === 'usd' ? budget.usd / USD_PER_TOKEN : budget.tokens;
      // Each admitted request holds about 20 tokens' worth: at least cap/25 fit, and together
      // they never spend more than the cap (apart, two replicas would admit twice as many).
      assert.ok(admitted >= Math.floor(cap / 25), `admitted ${admitted}`);
      assert.ok(admitted * REAL_TOKENS <= cap, `admitted ${admitted} of a cap of ${cap} tokens`);
      // The shared ledger has exactly the admitted requests.
      await eventually(async () => Number(await r.db.sql(`SELECT count(*) FROM ledger WHERE key_id = '${key.id}'`)) === admitted,
        3000, 'both replicas writing their ledger rows');
      const [tokens, cost] = (await r.db.sql(
        `SELECT sum(prompt_tokens + completion_tokens), sum(cost_usd) FROM ledger WHERE key_id = '${key.id}'`)).split('|');
      assert.equal(Number(tokens), admitted * REAL_TOKENS);
      assert.ok(Number(cost) <= (unit === 'usd' ? budget.usd : Infinity) + 1e-9, `spent $${cost}`);
      // Holds are given back when the requests end: nothing is left in flight.
      await eventually(async () => (await r.redis.cli('KEYS', 'sluice:bud:h:*')).trim() === '', 3000, 'holds given back');
      // And Redis counted what was spent, for the next burst.
      const spentKey = (await r.redis.cli('KEYS', 'sluice:bud:s:key:*:d:*')).trim();
      assert.ok(spentKey, 'a spent key for the day');
      assert.equal(Number(await r.redis.cli('HGET', spentKey, 'tokens')), admitted * REAL_TOKENS);
    } finally {
      await r.stop();
    }
  });
}

// Found in review: two budgets on one subject (a key's own, and a config budget on every key)
// are both checked in Redis, not only the first.
test('through Redis, every budget on a subject is checked, not only the first', async () => {
  const r = await replicas('open', 'budgets:\n  - {scope: key, tokens: 200, per: day}\n');
  try {
    const key = await keyOnBoth(r, { budget: { usd: 100, per: 'day' } });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      post(i % 2 ? r.a : r.b, '/v1/chat/completions', chatBody('chat', { max_tokens: 10 }), { authorization: `Bearer ${key.key}` })
        .then(async (res) => ({ status: res.status, body: await res.text() }))));
    const admitted = results.filter((x) => x.status === 200).length;
    assert.ok(admitted >= 1 && admitted * REAL_TOKENS <= 200, `admitted ${admitted}`);
    const refused = results.find((x) => x.status === 429);
    assert.match(JSON.parse(refused.body).error.message, /tokens this day/);
  } finally {
    await r.stop();
  }
});

test('Redis down: budgets fall back to each replica\'s own holds (open) or refuse with 503 (closed)', async () => {
  const r = await replicas('closed');
  try {
    const key = await keyOnBoth(r, { budget: { usd: 5, per: 'day' } });
    const call = (gw) => post(gw, '/v1/chat/completions', chatBody('chat', { max_tokens: 10 }), { authorization: `Bearer ${key.key}` });
    const ok = await call(r.a);
    assert.equal(ok.status, 200);
    await ok.text();
    await r.redis.stop();
    const refused = await call(r.a);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    const error = (await refused.json()).error;
    assert.equal(error.code, 'budgets_unavailable');
  } finally {
    await stopCleanly(r.a);
    await stopCleanly(r.b);
  }
  const open = await replicas('open');
  try {
    const key = await keyOnBoth(open, { budget: { usd: 0.5, per: 'day' } });
    await open.redis.stop();
    // Still held on this replica: $0.50 fits two requests' worst cases, not three.
    const results = await Promise.all(Array.from({ length: 3 }, () =>
      post(open.a, '/v1/chat/completions', chatBody('chat', { max_tokens: 10 }), { authorization: `Bearer ${key.key}` })
        .then(async (res) => res.status + (await res.text(), ''))));
    assert.deepEqual(results.map(Number).sort(), [200, 200, 429]);
  } finally {
    await stopCleanly(open.a);
    await stopCleanly(open.b);
  }
});
