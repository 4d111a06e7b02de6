#!/usr/bin/env bash
# Vessel extraction on a 512×512×300 CT-like volume (0.7 mm voxels): iqkit's
# multi-scale vesselness + graph cut against scikit-image's frangi and
# PyMaxflow's grid graph on the same input, in the same run, with time and
# peak memory from /usr/bin/time -v. Then the study series, simulated and
# analysed end to end. Writes $BENCH_OUT/vessel/table.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/venv.sh"
bench_require nibabel nibabel
bench_require skimage scikit-image
bench_require maxflow PyMaxflow
out="$BENCH_OUT/vessel"
mkdir -p "$out"
size="${VESSEL_BENCH_SIZE:-512 512 300}"
read -r NX NY NZ <<<"$size"

measure() {  # measure NAME command… → appends "NAME|seconds|peak MB|stdout" to $out/runs.txt
  local name="$1"; shift
  local log="$out/$name.time"
  /usr/bin/time -v "$@" >"$out/$name.out" 2>"$log"
  local secs mem
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
  mem=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
  echo "$name|$secs|$mem|$(tail -1 "$out/$name.out")" >>"$out/runs.txt"
}

rm -f "$out/runs.txt"
"$IQKIT_BIN" simulate vessel-series "$out/input" --matrix "$NX" --matrix "$NY" --matrix "$NZ" --voxel-mm 0.7 --image-noise-hu 60 >/dev/null
measure iqkit "$IQKIT_BIN" phantom segment "$out/input/noisy.nii" "$out/iqkit_mask.nii.gz"
measure skimage_frangi "$PY" "$here/vessel_reference.py" frangi "$out/input/noisy.nii" "${FRANGI_SLICES:-100}"
measure pymaxflow "$PY" "$here/vessel_reference.py" maxflow "$out/input/noisy.nii" "${MAXFLOW_SLICES:-60}"

# The study series at the demo grid and at a finer one.
series_size="${VESSEL_SERIES_SIZE:-512 512 100}"  # the full study series at a clinical grid (≈ 18 min on 2 free cores)
read -r SX SY SZ <<<"$series_size"
rm -rf "$out/series"
measure series_simulate "$IQKIT_BIN" simulate vessel-series "$out/series" --matrix "$SX" --matrix "$SY" --matrix "$SZ" --voxel-mm 0.7
measure series_analyze "$IQKIT_BIN" phantom analyze "$out/series/manifest.yaml" --json "$out/series.json"

{
  echo "Input: ${NX}×${NY}×${NZ} voxels of 0.7 mm (vessel phantom + 60 HU white noise); series: ${SX}×${SY}×${SZ}, 5 doses × 3 recons × 4 repetitions."
  echo "Machine: $(nproc) cores. Command: make bench (BENCH_ONLY=vessel bench/run.sh .build/release/iqkit)."
  echo
  echo "| run | wall time (s) | peak memory (MB) | note |"
  echo "|---|---|---|---|"
  awk -F'|' '{printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4}' "$out/runs.txt"
} | tee "$out/table.md"
