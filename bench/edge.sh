#!/usr/bin/env bash
# Edge image (6 mm FWHM) of 256×256×300 and 400×400×300 Float32 volumes:
# iqkit against scipy.ndimage.gaussian_filter and SimpleITK on the same input,
# in the same run. Prints time and peak-memory ratios and the largest
# difference from scipy (same boundary mode), relative to the image maximum.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/venv.sh"
bench_require nibabel nibabel
bench_require SimpleITK SimpleITK
out="$BENCH_OUT/edge"
mkdir -p "$out"
"$PY" "$here/edge_reference.py" --iqkit "$IQKIT_BIN" --out "$out" \
  --case 256x256x300@2.73x2.73x2.0 --case 400x400x300@2.04x2.04x2.0 | tee "$out/table.md"
