// Converts js-tiktoken's rank tables (pinned in package-lock.json) and this Node's Unicode
// character classes into the compact binaries src/tokenizer/ embeds. Run by the build:
//   node build_tables.mjs OUT_DIR
//
// <encoding>.ranks: u32 count, then one length byte per rank (0 = no token has that rank), then
// every token's bytes in rank order, then u32 special-token count and per special token
// u32 rank, u8 length, bytes. All integers little-endian.
//
// unicode.classes: which of the pre-tokenizer's character classes each code point is in, as the
// JavaScript regex engine js-tiktoken runs on sees it (so both agree by construction):
// 4352 little-endian u16 block numbers (one per 256 code points), then the distinct 256-byte
// blocks. Bits: 1 \p{L}, 2 \p{N}, 4 \s, 8 [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}],
// 16 [\p{Ll}\p{Lm}\p{Lo}\p{M}].
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2];
if (!out) {
  console.error('usage: node build_tables.mjs OUT_DIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

async function ranksOf(name) {
  try {
    return (await import(`js-tiktoken/ranks/${name}`)).default;
  } catch (e) {
    console.error(`build_tables: js-tiktoken is missing (npm ci in scripts/tokenizer): ${e.message}`);
    process.exit(1);
  }
}

function u32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

for (const name of ['o200k_base', 'cl100k_base', 'p50k_base', 'r50k_base']) {
  const ranks = await ranksOf(name);
  const byRank = [];
  for (const line of ranks.bpe_ranks.split('\n')) {
    if (!line) continue;
    const [, offset, ...tokens] = line.split(' ');
    tokens.forEach((t, i) => { byRank[Number(offset) + i] = Buffer.from(t, 'base64'); });
  }
  const lengths = Buffer.alloc(byRank.length);
  const bodies = [];
  for (let r = 0; r < byRank.length; r++) {
    const t = byRank[r];
    if (!t) continue;
    if (t.length === 0 || t.length > 255) throw new Error(`${name}: rank ${r} has ${t.length} bytes`);
    lengths[r] = t.length;
    bodies.push(t);
  }
  const specials = Object.entries(ranks.special_tokens);
  const parts = [u32(byRank.length), lengths, ...bodies, u32(specials.length)];
  for (const [text, rank] of specials) {
    const bytes = Buffer.from(text, 'utf8');
    parts.push(u32(rank), Buffer.from([bytes.length]), bytes);
  }
  writeFileSync(join(out, `${name}.ranks`), Buffer.concat(parts));
}

const classes = [
  [1, /^\p{L}$/u],
  [2, /^\p{N}$/u],
  [4, /^\s$/u],
  [8, /^[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]$/u],
  [16, /^[\p{Ll}\p{Lm}\p{Lo}\p{M}]$/u],
];
const blockCount = 0x110000 / 256;
const index = Buffer.alloc(blockCount * 2);
const blocks = new Map();
for (let b = 0; b < blockCount; b++) {
  const block = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) {
    const cp = b * 256 + i;
    if (cp >= 0xd800 && cp <= 0xdfff) continue;  // surrogates: not characters in UTF-8
    const s = String.fromCodePoint(cp);
    let bits = 0;
    for (const [bit, re] of classes) if (re.test(s)) bits |= bit;
    block[i] = bits;
  }
  const key = block.toString('latin1');
  if (!blocks.has(key)) blocks.set(key, blocks.size);
  index.writeUInt16LE(blocks.get(key), b * 2);
}
writeFileSync(join(out, 'unicode.classes'),
              Buffer.concat([index, ...[...blocks.keys()].map((k) => Buffer.from(k, 'latin1'))]));
