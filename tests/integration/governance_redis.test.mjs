// Limits shared by two gateway processes through a real redis-server: exact admission across
// replicas, one Redis command per request (counted by the server), token settling, and what
// happens when Redis is down (fail open or closed, as configured).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMockUpstream } from '../support/mock_upstream.mjs';
import { startRedis } from '../support/redis_server.mjs';
import { startSluice } from '../support/sluice.mjs';
import { post, chatBody, stopCleanly } from './helpers.mjs';

function config(upstream, redis, { limits, failure = 'open' }) {
  return `
stores:
  redis: ${redis.url}
  redis_failure: ${failure}
limits:
${limits}
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: ok
      config: {openai_api_key: sk-upstream-secret-0000000000, openai_api_base: ${upstream.base}}
`;
}

test('a limit of 100 per minute across two replicas admits exactly 100 of 300 concurrent requests', async () => {
  const upstream = await startMockUpstream();
  const redis = await startRedis();
  const yaml = config(upstream, redis, { limits: '  - {scope: global, requests: 100, per: minute}' });
  const a = await startSluice(yaml);
  const b = await startSluice(yaml);
  try {
    const before = await redis.calls('evalsha');
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) =>
      post(i % 2 ? a : b, '/v1/chat/completions', chatBody('chat')).then(async (r) => {
        await r.arrayBuffer();
        return r;
      })));
    const ok = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.status === 429);
    assert.equal(ok.length, 100);
    assert.equal(limited.length, 200);
    assert.ok(Number(limited[0].headers.get('retry-after')) >= 1);
    assert.equal(limited[0].headers.get('x-ratelimit-remaining-requests'), '0');
    // Each replica got 150 requests: counting apart, they would have admitted 200. Which replica
    // admits which of the 100 is a matter of timing, so only the sum is asserted.
    // One Redis command per request, sent pipelined: the server counted exactly 300.
    assert.equal(await redis.calls('evalsha') - before, 300);
  } finally {
    await stopCleanly(a);
    await stopCleanly(b);
    await redis.stop();
    await upstream.close();
  }
});

test('token limits reserve and settle in Redis too', async () => {
  const upstream = await startMockUpstream();
  const redis = await startRedis();
  const yaml = config(upstream, redis, { limits: '  - {scope: endpoint, tokens: 120, per: minute}' });
  const a = await startSluice(yaml);
  const b = await startSluice(yaml);
  try {
    const body = chatBody('chat', { max_tokens: 80 });
    const first = await post(a, '/v1/chat/completions', body);
    assert.equal(first.status, 200);
    const reserved = 120 - Number(first.headers.get('x-ratelimit-remaining-tokens'));
    await first.text();
    // The settle is queued behind the answer; the other replica sees it once Redis has it.
    let second;
    for (let i = 0; i < 50; i++) {
      const used = Number(await redis.cli('GET', (await redis.cli('KEYS', 'sluice:lim:endpoint:chat*')).trim().split('\n')[0]));
      if (used === 18) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    second = await post(b, '/v1/chat/completions', body);
    assert.equal(second.status, 200, 'fits only because the first settled to its real 18 tokens');
    assert.equal(Number(second.headers.get('x-ratelimit-remaining-tokens')), 120 - 18 - reserved);
    await second.text();
  } finally {
    await stopCleanly(a);
    await stopCleanly(b);
    await redis.stop();
    await upstream.close();
  }
});

test('Redis down: fail open lets requests through, fail closed refuses them with 503', async () => {
  const upstream = await startMockUpstream();
  const redis = await startRedis();
  const limits = '  - {scope: global, requests: 1000, per: minute}';
  const open = await startSluice(config(upstream, redis, { limits, failure: 'open' }));
  const closed = await startSluice(config(upstream, redis, { limits, failure: 'closed' }));
  try {
    assert.equal((await post(open, '/v1/chat/completions', chatBody('chat'))).status, 200);
    assert.equal((await post(closed, '/v1/chat/completions', chatBody('chat'))).status, 200);
    await redis.stop();
    const r1 = await post(open, '/v1/chat/completions', chatBody('chat'));
    assert.equal(r1.status, 200);
    await r1.text();
    const r2 = await post(closed, '/v1/chat/completions', chatBody('chat'));
    assert.equal(r2.status, 503);
    assert.equal((await r2.json()).error.code, 'limits_unavailable');
    const metrics = await (await fetch(open.url + '/metrics')).text();
    assert.match(metrics, /sluice_redis_failures_total [1-9]/);
    assert.match(open.stderr(), /redis .* unavailable|redis:/);
  } finally {
    await stopCleanly(open);
    await stopCleanly(closed);
    await upstream.close();
  }
});
