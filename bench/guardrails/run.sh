#!/usr/bin/env bash
# The guardrails' built-in detectors on one core: µs per 4 KB and 100 KB prompt, and MB/s.
#   make build && bash bench/guardrails/run.sh [ROUNDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
bin="${SLUICE_GUARDRAILS_BENCH:-$root/build/sluice_guardrails_bench}"
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c 0); fi
"${pin[@]}" "$bin" "$root/tests/fixtures/guardrails/pii.jsonl" "${1:-20}"
