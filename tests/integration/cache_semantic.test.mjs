// The semantic cache against the real binary: embeddings from a loopback server averaging real
// word vectors (tests/support/word_vector_embeddings.mjs), chat answers from the mock upstream.
// Measures hit and false-hit rates on the labelled pairs of tests/fixtures/cache/pairs.jsonl at
// three thresholds (printed; docs/cache.md quotes them), and checks what the semantic cache must
// never do: answer across tenants, contexts or parameters, look up what it may not (tool turns,
// long conversations, warm requests), or fail a request when the embeddings endpoint does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMockUpstream } from '../support/mock_upstream.mjs';
import { startSluice } from '../support/sluice.mjs';
import { startEmbeddingsServer } from '../support/word_vector_embeddings.mjs';
import { post, stopCleanly } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PAIRS = readFileSync(join(here, '..', 'fixtures', 'cache', 'pairs.jsonl'), 'utf8')
  .trim().split('\n').map((l) => JSON.parse(l));
const THRESHOLDS = [0.99, 0.97, 0.95];
const KEYS = ['sk-sluice-semantic-key-a-000000000000', 'sk-sluice-semantic-key-b-000000000000'];

function config(upstream, embeddings, cache) {
  return `
auth:
  mode: keys
  pepper: \${{ secrets.TEST_PEPPER }}
  keys:
    - {name: a, id: a, key: "\${{ secrets.KEY_A }}", team: one}
    - {name: b, id: b, key: "\${{ secrets.KEY_B }}", team: one}
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: numbered
      config: {openai_api_key: sk-upstream-secret-0000000000, openai_api_base: ${upstream.base}}
    cache: ${cache}
  - name: emb
    endpoint_type: llm/v1/embeddings
    model:
      provider: openai
      name: word-vectors
      config: {openai_api_key: sk-upstream-secret-0000000000, openai_api_base: ${embeddings.base}}
`;
}

async function ask(gw, content, { key = KEYS[0], headers = {}, extra = {}, messages } = {}) {
  const res = await post(gw, '/v1/chat/completions',
    // temperature 0: the semantic cache looks up only requests that ask for a repeatable answer.
    { model: 'chat', messages: messages ?? [{ role: 'user', content }], temperature: 0, ...extra },
    { authorization: `Bearer ${key}`, ...headers });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return {
    cache: res.headers.get('x-sluice-cache'),
    similarity: res.headers.get('x-sluice-cache-similarity'),
    answer: JSON.parse(text).choices[0].message.content,
  };
}

async function withSemantic(cache, run) {
  const upstream = await startMockUpstream();
  const embeddings = await startEmbeddingsServer();
  const gw = await startSluice(config(upstream, embeddings, cache),
    { env: { TEST_PEPPER: 'pepper-for-semantic-cache-tests-0123', KEY_A: KEYS[0], KEY_B: KEYS[1] } });
  try {
    await run({ gw, upstream, embeddings });
  } finally {
    await stopCleanly(gw);
    await upstream.close();
    await embeddings.close();
  }
}

test('hit and false-hit rates on the labelled pairs at three thresholds', async () => {
  assert.ok(PAIRS.length >= 200, `pairs: ${PAIRS.length}`);
  await withSemantic(`{mode: semantic, embeddings_endpoint: emb, threshold: ${Math.min(...THRESHOLDS)}}`,
    async ({ gw }) => {
      const hits = Object.fromEntries(THRESHOLDS.map((t) => [t, { should: 0, must_not: 0 }]));
      const byKind = {};
      for (const [i, pair] of PAIRS.entries()) {
        // A seed of its own keeps each pair's context apart from the others'.
        const first = await ask(gw, pair.a, { extra: { seed: i } });
        assert.equal(first.cache, 'miss', `pair ${i}: ${pair.a}`);
        for (const t of THRESHOLDS) {
          // no-store: a miss here must not become an entry the next threshold finds exactly.
          const second = await ask(gw, pair.b, {
            extra: { seed: i },
            headers: { 'x-sluice-cache-threshold': String(t), 'cache-control': 'no-store' },
          });
          if (second.cache !== 'hit') continue;
          assert.equal(second.answer, first.answer, 'a hit is the stored answer');
          assert.ok(Number(second.similarity) >= t, `similarity ${second.similarity} under ${t}`);
          hits[t][pair.hit ? 'should' : 'must_not']++;
          if (t === Math.min(...THRESHOLDS) && !pair.hit) byKind[pair.kind] = (byKind[pair.kind] ?? 0) + 1;
        }
      }
      const should = PAIRS.filter((p) => p.hit).length;
      const mustNot = PAIRS.length - should;
      const rows = THRESHOLDS.map((t) => ({
        threshold: t,
        hit_rate: (hits[t].should / should).toFixed(3),
        false_hit_rate: (hits[t].must_not / mustNot).toFixed(3),
      }));
      console.log(`semantic cache on ${should} paraphrase and ${mustNot} near-miss pairs ` +
        `(averaged GloVe 100d word vectors):\n${JSON.stringify(rows, null, 1)}\n` +
        `false hits by kind at ${Math.min(...THRESHOLDS)}: ${JSON.stringify(byKind)}`);
      // A lower threshold finds at least what a higher one does, and it finds something.
      for (let k = 1; k < THRESHOLDS.length; k++) {
        assert.ok(hits[THRESHOLDS[k]].should >= hits[THRESHOLDS[k - 1]].should);
        assert.ok(hits[THRESHOLDS[k]].must_not >= hits[THRESHOLDS[k - 1]].must_not);
      }
      assert.ok(hits[Math.min(...THRESHOLDS)].should > 0, 'paraphrases hit at the lowest threshold');
    });
});

test('a similar prompt never answers across tenants, parameters or earlier turns', async () => {
  await withSemantic('{mode: semantic, embeddings_endpoint: emb, threshold: 0.9, scope: key}',
    async ({ gw }) => {
      const first = await ask(gw, 'What is the capital city of France?');
      assert.equal(first.cache, 'miss');
      const again = await ask(gw, 'what is the capital city of france');
      assert.deepEqual([again.cache, again.answer], ['hit', first.answer]);
      assert.ok(Number(again.similarity) > 0.9 && Number(again.similarity) <= 1, again.similarity);
      // Another key (same team, but scope: key), other parameters, another conversation: misses.
      assert.equal((await ask(gw, 'what is the capital city of france', { key: KEYS[1] })).cache, 'miss');
      assert.equal((await ask(gw, 'what is the capital city of france', { extra: { max_tokens: 50 } })).cache, 'miss');
      assert.equal((await ask(gw, null, { messages: [
        { role: 'user', content: 'Talk like a pirate.' }, { role: 'assistant', content: 'Arr.' },
        { role: 'user', content: 'what is the capital city of france' }] })).cache, 'miss');
      // Another system prompt is compared exactly: not the same question.
      const sys = await ask(gw, null, { messages: [
        { role: 'system', content: 'Answer only in German, with long historical detail.' },
        { role: 'user', content: 'what is the capital city of france' }] });
      assert.equal(sys.cache, 'miss');
      // A client may raise the threshold, never lower it; a bad value is a 400.
      assert.equal((await ask(gw, 'what is the capital city of france',
        { headers: { 'x-sluice-cache-threshold': '0.999999' } })).cache, 'miss');
      const bad = await post(gw, '/v1/chat/completions',
        { model: 'chat', messages: [{ role: 'user', content: 'hi' }] },
        { authorization: `Bearer ${KEYS[0]}`, 'x-sluice-cache-threshold': '2' });
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).error.message, /x-sluice-cache-threshold/);
    });
});

test('what the semantic cache does not look up, and an embeddings outage', async () => {
  await withSemantic('{mode: semantic, embeddings_endpoint: emb, threshold: 0.9, max_messages: 2}',
    async ({ gw, embeddings }) => {
      const before = embeddings.calls.length;
      // Warm (temperature above only_when.temperature_max, 0 by default), too long, tool turns:
      // no embedding is asked for; they are cached exactly only.
      await ask(gw, 'Name a colour.', { extra: { temperature: 0.7 } });
      await ask(gw, null, { messages: [
        { role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }] });
      await ask(gw, null, { messages: [
        { role: 'tool', tool_call_id: 't1', content: 'sunny' }, { role: 'user', content: 'and tomorrow?' }] });
      assert.equal(embeddings.calls.length, before, 'no embedding for requests it does not look up');
      const exact = await ask(gw, 'Name a colour.', { extra: { temperature: 0.7 } });
      assert.equal(exact.cache, 'hit', 'still cached exactly');
      assert.equal(exact.similarity, null);
      // The embeddings endpoint failing: the request still succeeds, as an exact miss, counted.
      embeddings.fail(true);
      const down = await ask(gw, 'How many legs does a spider have?');
      assert.equal(down.cache, 'miss');
      embeddings.fail(false);
      const metrics = await (await fetch(gw.url + '/metrics')).text();
      assert.match(metrics, /sluice_cache_semantic_errors_total [1-9]/);
      // Stored exactly while the embeddings were down: the same words still hit.
      assert.equal((await ask(gw, 'How many legs does a spider have?')).cache, 'hit');
    });
});
