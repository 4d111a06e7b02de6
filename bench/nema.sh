#!/usr/bin/env bash
# NEMA IEC phantom: iqkit's analysis and harmonization search on a
# 256×256×111 phantom (2.73 × 2.73 × 2 mm), beside pynemaiqpet (PyPI) fitting
# the same image in the same run. Prints times, peak memory and the
# agreement of RCmax, RCmean (A50) and the fitted FWHM.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/venv.sh"
bench_require nibabel nibabel
bench_require pynemaiqpet pynemaiqpet
out="$BENCH_OUT/nema"
mkdir -p "$out"
"$IQKIT_BIN" simulate nema "$out/phantom.nii" --fwhm-mm 6 --psf-overshoot 0 --noise 0.08 \
  --voxel-mm 2.73,2.73,2 --matrix 256 --slices 111 --rotate-deg 15 --seed 4
"$PY" "$here/nema_reference.py" --iqkit "$IQKIT_BIN" --image "$out/phantom.nii" --out "$out" | tee "$out/table.md"
