#!/usr/bin/env bash
# Sparse CNN bench: sparse vs dense convolution on the edge image of a
# generated whole-body scan, and the time and peak memory of the two-stage
# network on whole-body scans at 2 and 4 mm. Called by bench/run.sh with
# $IQKIT_BIN and $BENCH_OUT; writes $BENCH_OUT/cnn.md (copy into docs/benchmarks/cnn.md).
set -euo pipefail
out="$BENCH_OUT/cnn"
mkdir -p "$out"
bin="$IQKIT_BIN"
md="$BENCH_OUT/cnn.md"

# Anthropomorphic activity blurred to a PET-like 6 mm resolution (no noise
# model yet: the issue-3 reconstruction model replaces this blur).
"$bin" simulate patient "$out/wb-2mm.nii.gz" --seed 3 --voxel-mm 2 --matrix 300 --fwhm-mm 6 --supersampling 1
"$bin" simulate patient "$out/wb-4mm.nii.gz" --seed 3 --voxel-mm 4 --matrix 150 --fwhm-mm 6 --supersampling 2

{
  echo "# Sparse CNN benchmark"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), iqkit $("$bin" --version)."
  echo "Scans: \`iqkit simulate patient\` whole body (seed 3), 6 mm Gaussian, network input 4 mm isotropic."
  echo "\"Dense\" runs the same (inference) kernels with every voxel of the 4 mm grid active;"
  echo "\"sparse\" only on the body mask. The full-resolution block is the 3³ submanifold convolution"
  echo "(4→8 channels: the default input's four features) and the stride-2 convolution (8→16) with their ReLUs. Sparse times are the best of 3 runs, the dense time one run after a warm-up."
  echo
  echo "| scan | grid voxels | active voxels | preprocess s | two-stage CNN s (first run / warm) | full-res block sparse s | dense s | speed-up | peak RSS MB (check, no dense) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$md"

for scan in wb-4mm wb-2mm; do
  json="$out/$scan-profile.json"
  "$bin" earl profile "$out/$scan.nii.gz" --repeats 3 > "$json"
  /usr/bin/time -v "$bin" earl profile "$out/$scan.nii.gz" --repeats 1 --no-dense > /dev/null 2> "$out/$scan-time.txt"
  rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$out/$scan-time.txt")
  python3 - "$json" "$scan" "$rss_kb" >> "$md" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {t['gridVoxels']} | {t['activeVoxels']} | {t['preprocessSeconds']:.2f} | {t['twoStageColdSeconds']:.2f} / {t['twoStageSparseSeconds']:.2f} | "
      f"{t['fullResolutionSparseSeconds']:.3f} | {t['fullResolutionDenseSeconds']:.2f} | {t['speedUp']:.1f}× | {int(sys.argv[3]) / 1024:.0f} |")
PY
done
echo >> "$md"
echo "Peak RSS is of \`iqkit earl profile --no-dense\`: reading, preprocessing and both stages (untrained weights; time does not depend on them)." >> "$md"

# The user's view: the whole `earl check` process with the shipped model
# (read, preprocess, both stages), 5 runs each; the 2 mm scan also
# uncompressed, since inflating its 236 MB is a fixed part of the time, and
# the largest grid the issue names (440 × 440 matrix, 2 mm, whole body with
# arms: 509 MB). With --json every input is also hashed (SHA-256, on a
# thread of its own); the reference hash tools read the same files.
gzip -dc "$out/wb-2mm.nii.gz" > "$out/wb-2mm.nii"
"$bin" simulate patient "$out/wb-440.nii" --seed 3 --voxel-mm 2 --matrix 440 --fwhm-mm 6 --noise 0.1 --arms
{
  echo
  echo "Whole \`iqkit earl check\` process, shipped model, 5 runs (target < 2 s, < 2 GB):"
  echo
  echo "| scan | median s | min s | max s | peak RSS MB |"
  echo "|---|---:|---:|---:|---:|"
} >> "$md"
timed() { # label, command…: 5 runs, one table row
  local label="$1"; shift
  : > "$out/times.txt"
  for run in 1 2 3 4 5; do
    /usr/bin/time -f "%e %M" -a -o "$out/times.txt" "$@" > /dev/null
  done
  python3 - "$out/times.txt" "$label" >> "$md" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
t = sorted(float(r[0]) for r in rows)
rss = max(int(r[1]) for r in rows) / 1024
print(f"| {sys.argv[2]} | {t[len(t) // 2]:.2f} | {t[0]:.2f} | {t[-1]:.2f} | {rss:.0f} |")
PY
}
for scan in wb-4mm.nii.gz wb-2mm.nii.gz wb-2mm.nii wb-440.nii; do
  timed "$scan" "$bin" earl check "$out/$scan"
done
for scan in wb-2mm.nii wb-440.nii; do
  timed "$scan, \`--json\`" "$bin" earl check "$out/$scan" --json "$out/check.json"
  timed "$scan: coreutils \`sha256sum\`" sha256sum "$out/$scan"
  if command -v openssl > /dev/null; then timed "$scan: \`openssl dgst -sha256\`" openssl dgst -sha256 "$out/$scan"; fi
done
rm -f "$out/wb-2mm.nii" "$out/wb-440.nii" "$out/check.json"
cat "$md"
