// Writes the seeded mixed-text corpus the tokenizer test uses, as JSONL:
//   node make_corpus.mjs FILE [MEGABYTES]
import { writeFileSync } from 'node:fs';
import { corpus } from '../../tests/support/tokenizer_corpus.mjs';

const [file, mb] = process.argv.slice(2);
writeFileSync(file, corpus(1, Number(mb ?? 5) * 1e6).map((d) => JSON.stringify(d)).join('\n') + '\n');
