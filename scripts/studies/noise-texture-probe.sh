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
# Used in docs/benchmarks/earl-model.md ("Noise texture").
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,10p "$0" >&2; exit 2; }
iqkit=$1
model=${2:+--model $2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
factors="0.5 0.7 0.85 1.0 1.2 1.5 2.0"
for protocol in "clinical 3.5 0.4" "earl2 5.8 0.15" "earl1 8.0 0" "near-edge-clinical 5.2 0.28" "earl2-near-edge 5.6 0.2"; do
  read -r name fwhm overshoot <<< "$protocol"
  for anatomy in 2000001 2000002 2000003 2000004 2000005; do
    scans=()
    for factor in $factors; do
      texture=$(awk "BEGIN { print $fwhm * $factor }")
      scan="$work/$name,$fwhm,$overshoot,$anatomy,$factor.nii"
      "$iqkit" simulate patient "$scan" --seed "$anatomy" --voxel-mm 3 --matrix 167 --bed-positions 2 \
        --fwhm-mm "$fwhm" --psf-overshoot "$overshoot" --noise 0.1 --noise-texture-fwhm-mm "$texture" --noise-seed 9
      scans+=("$scan")
    done
    # One check per anatomy: the model is read once for its seven scans.
    # shellcheck disable=SC2086
    "$iqkit" earl check "${scans[@]}" $model --json "$work/$name-$anatomy.json" > /dev/null 2>&1 || true
    rm -f "${scans[@]}"
  done
done
python3 - "$work" << 'PY'
import collections, glob, json, os, sys
rows = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    for r in json.load(open(path))["results"]:
        p = r["probabilities"]
        fields = os.path.basename(r["path"])[: -len(".nii")].split(",")
        rows.append(fields + [r["label"], f'{p["clinical"]:.4f}', f'{p["earl1"]:.4f}', f'{p["earl2"]:.4f}', str(len(r.get("warnings") or []))])
rows.sort(key=lambda r: (r[0], int(r[3]), float(r[4])))
print("protocol,fwhm_mm,overshoot,anatomy,texture_factor,label,clinical,earl1,earl2,warnings")
for r in rows:
    print(",".join(r))
groups = collections.defaultdict(list)
for r in rows:
    groups[(r[0], float(r[4]))].append(r)
for (name, factor), rs in sorted(groups.items()):
    labels = collections.Counter(r[5] for r in rs)
    print(f"{name:20s} texture ×{factor:<4g} " + ", ".join(f"{k} {v}" for k, v in sorted(labels.items()))
          + f"; P(clinical) {min(float(r[6]) for r in rs):.3f}–{max(float(r[6]) for r in rs):.3f}", file=sys.stderr)
PY
