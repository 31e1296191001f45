// js-tiktoken's throughput on the same corpus and in the same way as throughput.cpp:
//   node js_throughput.mjs FILE ENCODING [ROUNDS]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../scripts/tokenizer/package.json', import.meta.url));
const { getEncoding } = require('js-tiktoken');

const [file, name, roundsArg] = process.argv.slice(2);
const docs = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d), 0);
const enc = getEncoding(name);
const rounds = Number(roundsArg ?? 1);
enc.encode(docs[0], [], []);  // JIT warm-up outside the timing
let tokens = 0;
const start = process.hrtime.bigint();
for (let r = 0; r < rounds; r++) for (const d of docs) tokens += enc.encode(d, [], []).length;
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({ mb_per_s: +(bytes * rounds / seconds / 1e6).toFixed(2), tokens: tokens / rounds, bytes }));
