// sluice's C++ tokenizer gives exactly js-tiktoken's token ids (the reference, pinned in
// scripts/tokenizer/package-lock.json) on a seeded corpus of mixed text, document by document,
// for every encoding; with special tokens both as ordinary text and as their own ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { runSluice, tempDir } from '../support/sluice.mjs';
import { corpus } from '../support/tokenizer_corpus.mjs';

const require = createRequire(new URL('../../scripts/tokenizer/package.json', import.meta.url));
const { getEncoding } = require('js-tiktoken');

const dir = tempDir('sluice-tokenizer-');

async function encodeWithSluice(docs, encoding, extra = []) {
  const file = join(dir, `${encoding}-${docs.length}.jsonl`);
  writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
  const r = await runSluice(['tokens', 'encode', '--jsonl', '-e', encoding, ...extra, file]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trimEnd().split('\n');
}

// Compares document by document and reports the first difference with its surroundings.
function assertSameIds(docs, ours, reference, encoding) {
  assert.equal(ours.length, docs.length, 'one answer per document');
  for (let i = 0; i < docs.length; i++) {
    const want = JSON.stringify(reference(docs[i]));
    if (ours[i] === want) continue;
    const a = JSON.parse(ours[i]);
    const b = JSON.parse(want);
    let k = 0;
    while (k < a.length && a[k] === b[k]) k++;
    const enc = getEncoding(encoding);
    assert.fail(`${encoding}: document ${i} differs at token ${k}: sluice ${JSON.stringify(a.slice(k, k + 5))}` +
      ` vs js-tiktoken ${JSON.stringify(b.slice(k, k + 5))}, near ${JSON.stringify(enc.decode(b.slice(Math.max(0, k - 3), k + 5)))}`);
  }
}

const cases = [
  ['o200k_base', 1, 5.2e6],
  ['cl100k_base', 2, 5.2e6],
  ['p50k_base', 3, 1.1e6],
  ['r50k_base', 4, 1.1e6],
];

for (const [encoding, seed, bytes] of cases) {
  test(`${encoding}: the same ids as js-tiktoken on ${(bytes / 1e6).toFixed(1)} MB of mixed text`, async () => {
    const docs = corpus(seed, bytes);
    const total = docs.reduce((n, d) => n + Buffer.byteLength(d), 0);
    assert.ok(total >= bytes, `corpus is ${total} bytes`);
    const enc = getEncoding(encoding);
    const ours = await encodeWithSluice(docs, encoding);
    assertSameIds(docs, ours, (d) => enc.encode(d, [], []), encoding);
  });
}

test('special tokens: ordinary text by default, their own ids when allowed', async () => {
  for (const encoding of ['o200k_base', 'cl100k_base', 'r50k_base']) {
    const docs = corpus(7, 300e3);
    assert.ok(docs.some((d) => d.includes('<|endoftext|>')), 'the corpus has special tokens');
    const enc = getEncoding(encoding);
    const ours = await encodeWithSluice(docs, encoding, ['--allow-special']);
    assertSameIds(docs, ours, (d) => enc.encode(d, 'all'), encoding);
  }
});

test('tokens count agrees with the ids, whole files and --model', async () => {
  const text = corpus(9, 50e3).join('\n');
  const file = join(dir, 'count.txt');
  writeFileSync(file, text);
  const expected = getEncoding('cl100k_base').encode(text, [], []).length;
  const byEncoding = await runSluice(['tokens', 'count', file, '--encoding', 'cl100k_base']);
  assert.equal(byEncoding.code, 0, byEncoding.stderr);
  assert.equal(Number(byEncoding.stdout), expected);
  const byModel = await runSluice(['tokens', 'count', file, '--model', 'gpt-4-turbo']);
  assert.equal(Number(byModel.stdout), expected);
  const o200k = await runSluice(['tokens', 'count', file, '--model', 'gpt-4o-mini']);
  assert.equal(Number(o200k.stdout), getEncoding('o200k_base').encode(text, [], []).length);
  const bad = await runSluice(['tokens', 'count', file, '--encoding', 'nope']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown encoding 'nope'/);
});
