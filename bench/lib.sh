# Helpers shared by bench/run.sh and bench/governance.sh. Expects WORK, DURATION, LOAD_CPU.

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))

# wrk run → "req/s requests"
wrk_run() { # url conns [script]
  taskset -c "$LOAD_CPU" wrk -t1 -c"$2" -d"${DURATION}s" -s "${3:-$WORK/post.lua}" "$1" | awk '
    /requests in/ {req=$1} /Requests\/sec/ {rps=$2} END {print rps, req}'
}

# Latency at a fixed 200 req/s (10 clients × 20 rps) → "p50 p99" in µs from h2load's log.
latency() { # url log [body] [extra h2load args…]
  local url=$1 log=$2 body=${3:-$WORK/body.json}
  shift 3 2>/dev/null || shift $#
  taskset -c "$LOAD_CPU" h2load --h1 -D "$DURATION" -c 10 --rps 20 -d "$body" \
    -H 'Content-Type: application/json' "$@" --log-file="$log" "$url" >/dev/null
  awk '$2 == 200 {print $3}' "$log" | sort -n | awk '{a[NR]=$1} END {print a[int(NR*0.5)], a[int(NR*0.99)]}'
}
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

# The fixed-body upstream: nginx answering canned OpenAI chat and embeddings JSON.
write_upstream_conf() { # dir port
  local chat emb
  chat='{"id":"chatcmpl-bench","object":"chat.completion","created":1732500000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"This is a fixed answer from the benchmark upstream, about as long as a short reply.","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":25,"completion_tokens":18,"total_tokens":43},"system_fingerprint":"fp_bench"}'
  emb='{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0023,-0.0093,0.0158,-0.0051,0.0121,0.0042,-0.0187,0.0099]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":5,"total_tokens":5}}'
  mkdir -p "$1/logs"
  cat > "$1/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
error_log $1/logs/error.log warn;
pid $1/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$2 reuseport;
    client_body_buffer_size 64k;
    location = /v1/chat/completions { default_type application/json; return 200 '$chat'; }
    location = /v1/embeddings { default_type application/json; return 200 '$emb'; }
  }
}
NGINX
}
