#!/usr/bin/env bash
# Does a model's label follow the reconstruction's resolution or its noise?
#   scripts/studies/noise-texture-probe.sh IQKIT [MODEL] > probe.csv
# Five protocols (far-from-edge clinical, EARL2 and EARL1, a near-edge
# clinical PSF one and an EARL2 one near the upper edge) on five unseen
# anatomies (seeds 2 000 001–5), 3 mm voxels, noise COV 0.1, with the noise
# texture's FWHM at 0.5–2 × the resolution's (`simulate patient
# --noise-texture-fwhm-mm`); only the texture changes along a row. Prints one
# CSV row per scan (the label, the three probabilities, the number of warnings)
# and, on stderr, a summary per protocol and factor.
# Used in docs/benchmarks/earl-model.md ("noise texture").
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,10p "$0" >&2; exit 2; }
iqkit=$1
model=${2:+--model $2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "protocol,fwhm_mm,overshoot,anatomy,texture_factor,label,clinical,earl1,earl2,warnings"
for protocol in "clinical 3.5 0.4" "earl2 5.8 0.15" "earl1 8.0 0" "near-edge-clinical 5.2 0.28" "earl2-near-edge 5.6 0.2"; do
  read -r name fwhm overshoot <<< "$protocol"
  for anatomy in 2000001 2000002 2000003 2000004 2000005; do
    for factor in 0.5 0.7 0.85 1.0 1.2 1.5 2.0; do
      texture=$(awk "BEGIN { print $fwhm * $factor }")
      "$iqkit" simulate patient "$work/s.nii" --seed "$anatomy" --voxel-mm 3 --matrix 167 --bed-positions 2 \
        --fwhm-mm "$fwhm" --psf-overshoot "$overshoot" --noise 0.1 --noise-texture-fwhm-mm "$texture" --noise-seed 9
      # shellcheck disable=SC2086
      "$iqkit" earl check "$work/s.nii" $model --json "$work/s.json" > /dev/null 2> "$work/err" || true
      python3 - "$work/s.json" "$name,$fwhm,$overshoot,$anatomy,$factor" << 'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
p = r["probabilities"]
print(f'{sys.argv[2]},{r["label"]},{p["clinical"]:.4f},{p["earl1"]:.4f},{p["earl2"]:.4f},{len(r.get("warnings") or [])}')
PY
      rm -f "$work/s.nii" "$work/s.json"
    done
  done
done | tee "$work/rows.csv"
python3 - "$work/rows.csv" << 'PY' >&2
import collections, csv, sys
rows = list(csv.reader(open(sys.argv[1])))
groups = collections.defaultdict(list)
for r in rows:
    groups[(r[0], float(r[4]))].append(r)
for (name, factor), rs in sorted(groups.items()):
    labels = collections.Counter(r[5] for r in rs)
    print(f"{name:20s} texture ×{factor:<4g} " + ", ".join(f"{k} {v}" for k, v in sorted(labels.items()))
          + f"; P(clinical) {min(float(r[6]) for r in rs):.3f}–{max(float(r[6]) for r in rs):.3f}")
PY
