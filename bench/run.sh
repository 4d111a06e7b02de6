#!/usr/bin/env bash
# `make bench`: every bench/<area>.sh in turn, with a shared Python virtual
# environment holding the reference tools. Usage: bench/run.sh IQKIT
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export IQKIT_BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
export BENCH_VENV="$here/.venv"
export BENCH_OUT="$here/out"
mkdir -p "$BENCH_OUT"
source "$here/venv.sh"
for script in "$here"/[a-z]*.sh; do
  case "$(basename "$script")" in run.sh|venv.sh) continue ;; esac
  if [ -n "${BENCH_ONLY:-}" ] && [[ "$(basename "$script" .sh)" != "$BENCH_ONLY" ]]; then continue; fi
  echo "== $(basename "$script" .sh)"
  bash "$script"
done
