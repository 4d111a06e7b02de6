#!/usr/bin/env bash
# Peak memory of `iqkit phantom analyze` against series length: simulates
# the study's series (5 doses × 3 recons × 4 repetitions = 60 volumes of
# 160×128×48 voxels of 0.8 mm, the `vessel-series` default) and analyses
# its first 6 acquisitions, all 60, and all 60 one at a time (--serial),
# each under /usr/bin/time -v. Memory is flat when the three peaks are
# close: an analysis keeps no volume once its acquisition is done.
# Usage: scripts/bench-vessel-memory.sh IQKIT [WORKDIR]   (WORKDIR is removed first)
set -euo pipefail
bin="$1"
work="${2:-${TMPDIR:-/tmp}/iqkit-vessel-memory}"
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time, Debian package time)" >&2; exit 2; }
rm -rf "$work"
mkdir -p "$work"

echo "== simulating 60 volumes into $work/series"
start=$(date +%s)
"$bin" simulate vessel-series "$work/series" >/dev/null
echo "   $(( $(date +%s) - start )) s"

# The first N acquisitions of the manifest (each starts with "  - path:").
awk -v n=6 '/^  - path:/ { k++ } k <= n { print }' "$work/series/manifest.yaml" > "$work/series/first6.yaml"

run() {
  local name="$1"; shift
  /usr/bin/time -v "$bin" phantom analyze "$@" >/dev/null 2>"$work/$name.time"
  local kb seconds
  kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/$name.time")
  seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$work/$name.time")
  printf '| %s | %s | %d |\n' "$name" "$seconds" $(( kb / 1024 ))
}

echo "| run | wall time (m:ss) | peak RSS (MB) |"
echo "|---|---|---|"
run "6 volumes" "$work/series/first6.yaml" --json "$work/first6.json"
run "60 volumes" "$work/series/manifest.yaml" --json "$work/all.json"
run "60 volumes, --serial" "$work/series/manifest.yaml" --json "$work/serial.json" --serial
run "60 volumes, --masks" "$work/series/manifest.yaml" --json "$work/masks.json" --masks "$work/masks"
