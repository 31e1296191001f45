#!/usr/bin/env bash
# Tokenizer throughput, sluice (C++) vs js-tiktoken, on one core each, same corpus, same run.
#   make build && bash bench/tokenizer/run.sh [MEGABYTES]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
bench_bin="${SLUICE_TOKENIZER_BENCH:-$root/build/sluice_tokenizer_bench}"
mb="${1:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

node "$here/make_corpus.mjs" "$work/corpus.jsonl" "$mb"
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c 0); fi
printf '%-12s %14s %14s %8s\n' encoding "sluice MB/s" "js MB/s" ratio
for encoding in o200k_base cl100k_base; do
  ours="$("${pin[@]}" "$bench_bin" "$work/corpus.jsonl" "$encoding" 3)"
  theirs="$("${pin[@]}" node "$here/js_throughput.mjs" "$work/corpus.jsonl" "$encoding" 1)"
  node -e '
    const [enc, a, b] = process.argv.slice(1); const o = JSON.parse(a), t = JSON.parse(b);
    if (o.tokens !== t.tokens) { console.error(`${enc}: token counts differ: ${o.tokens} vs ${t.tokens}`); process.exit(1); }
    console.log(`${enc.padEnd(12)} ${o.mb_per_s.toFixed(2).padStart(14)} ${t.mb_per_s.toFixed(2).padStart(14)} ${(o.mb_per_s / t.mb_per_s).toFixed(1).padStart(7)}x`);
  ' "$encoding" "$ours" "$theirs"
done
