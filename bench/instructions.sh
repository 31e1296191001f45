#!/usr/bin/env bash
# CPU instructions per request, two sluice binaries side by side, counted by callgrind: exact
# and repeatable on a shared, noisy machine where timings are not. Each binary serves a mixed
# load (plain chat, streams, embeddings on the in-process mock provider; governance off, then a
# gateway key, three limits and the SQLite ledger on) twice: N requests, then 0; the difference
# divided by N is the cost of a request, start-up excluded.
#
# Usage: bench/instructions.sh OLD_BINARY [NEW_BINARY] [N]   (NEW defaults to build/sluice, N to 2000)
# Needs valgrind (apt-get install valgrind) and node.
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=${1:?usage: bench/instructions.sh OLD_BINARY [NEW_BINARY] [N]}
NEW=${2:-build/sluice}
N=${3:-2000}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)"; exit 1; }
WORK=$(mktemp -d /tmp/sluice-instructions.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PORT=18131
KEY=sk-sluice-bench-key-0123456789abcdefghijklmnopq

cat > "$WORK/plain.yaml" <<YAML
server: {host: 127.0.0.1, port: $PORT, workers: 1, access_log: ""}
endpoints:
  - {name: chat, endpoint_type: llm/v1/chat, model: {provider: mock, name: mock-chat}}
  - {name: embed, endpoint_type: llm/v1/embeddings, model: {provider: mock, name: mock-embed}}
YAML
cat > "$WORK/governed.yaml" <<YAML
server: {host: 127.0.0.1, port: $PORT, workers: 1, access_log: ""}
auth:
  mode: keys
  pepper: bench-pepper-0123456789abcdef0123
  keys:
    - name: bench
      key: \${{ secrets.BENCH_KEY }}
      team: bench
      limits: [{requests: 100000000, per: minute}]
limits:
  - {scope: team, tokens: 1000000000, per: minute}
  - {scope: global, requests: 100000000, per: minute}
stores: {sqlite: $WORK/ledger.db}
endpoints:
  - {name: chat, endpoint_type: llm/v1/chat, model: {provider: mock, name: mock-chat}}
  - {name: embed, endpoint_type: llm/v1/embeddings, model: {provider: mock, name: mock-embed}}
YAML

cat > "$WORK/load.mjs" <<'JS'
// Sends N requests one at a time: half plain chat, a quarter streams, a quarter embeddings.
const [port, n, key] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const headers = { 'content-type': 'application/json' };
if (key) headers.authorization = `Bearer ${key}`;
const post = (body) => fetch(`http://127.0.0.1:${port}/v1/${body.input ? 'embeddings' : 'chat/completions'}`,
  { method: 'POST', headers, body: JSON.stringify(body) }).then(async (r) => {
  const text = await r.text();
  if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${text}`);
});
for (let i = 0; i < n; i++) {
  const kind = i % 4;
  if (kind < 2) await post({ model: 'chat', messages: [{ role: 'user', content: 'Hello there, how are you today? ' + i }], temperature: 0.2 });
  else if (kind === 2) await post({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'Stream please ' + i }] });
  else await post({ model: 'embed', input: 'some text to embed ' + i });
}
JS

# Total instructions (Ir) of one run of `binary` with `config` answering `n` requests.
instructions() {
  local binary=$1 config=$2 n=$3 key=${4:-}
  rm -f "$WORK/ledger.db"*
  BENCH_KEY=$KEY valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$binary" serve --config "$config" \
    >"$WORK/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
    sleep 0.2
  done
  node "$WORK/load.mjs" "$PORT" "$n" "$key"
  kill -TERM "$pid"
  wait "$pid" || true
  grep -m1 '^summary:' "$WORK/cg.out" | awk '{print $2}'
}

per_request() {
  local binary=$1 config=$2 key=${3:-}
  local with without
  with=$(instructions "$binary" "$config" "$N" "$key")
  without=$(instructions "$binary" "$config" 0 "$key")
  echo $(( (with - without) / N ))
}

printf '%-22s %14s %14s %8s\n' "config" "old Ir/req" "new Ir/req" "new/old"
for run in plain governed; do
  key=""
  [ "$run" = governed ] && key=$KEY
  old=$(per_request "$OLD" "$WORK/$run.yaml" "$key")
  new=$(per_request "$NEW" "$WORK/$run.yaml" "$key")
  printf '%-22s %14d %14d %8.3f\n' "$run" "$old" "$new" "$(echo "$new / $old" | bc -l)"
done
