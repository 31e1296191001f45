#!/usr/bin/env bash
# Installs what the benchmark needs (nginx, wrk, h2load) if missing.
set -euo pipefail
exec bash "$(dirname "$0")/../scripts/bootstrap" bench
