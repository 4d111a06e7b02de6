#!/usr/bin/env bash
# `make demo`: the main job on built-in synthetic data.
# Usage: scripts/demo.sh IQKIT OUTDIR
#
# Simulates IEC phantoms reconstructed as a clinical PSF protocol, an
# EARL1-like and an EARL2-like protocol; analyses them against the EARL
# bands; finds the post-filter that harmonizes the clinical protocol to
# EARL1 and applies it; simulates a reduced CT lung-vessel phantom dose
# series and measures it; then writes one report for people (HTML) and for
# CI (TSV, JUnit). QA failures are expected here (the clinical protocol is
# not EARL-compliant), so their exit code 1 does not stop the demo.
#
# Each part appends its result files to `results`; the report takes them all.
set -euo pipefail
bin="$1"
out="$2"
data="$out/data"
rm -rf "$out"
mkdir -p "$data"
start=$(date +%s)
qa() { "$@" || { status=$?; [ "$status" -eq 1 ] || exit "$status"; }; }
results=()

echo "== simulating IEC body phantoms (2.73 × 2.73 × 2 mm voxels, 10:1, 10 % noise)"
"$bin" simulate nema "$data/clinical-psf.nii.gz" --fwhm-mm 4 --psf-overshoot 0.4 --noise 0.1 --voxel-mm 2.73,2.73,2 --rotate-deg 12 --seed 1
"$bin" simulate nema "$data/earl1-like.nii.gz" --fwhm-mm 7.5 --noise 0.1 --voxel-mm 2.73,2.73,2 --shift-mm 6,-4,3 --seed 2
"$bin" simulate nema "$data/earl2-like.nii.gz" --fwhm-mm 5.8 --psf-overshoot 0.3 --noise 0.1 --voxel-mm 2.73,2.73,2 --tilt-deg 2 --seed 3

echo "== NEMA analysis against EARL1 and EARL2"
for p in clinical-psf earl1-like earl2-like; do
  qa "$bin" nema analyze "$data/$p.nii.gz" --standard all --json "$data/$p-nema.json"
done

echo "== harmonizing the clinical protocol to EARL1, applied to its phantom"
qa "$bin" harmonize --phantom "$data/clinical-psf.nii.gz" --standard earl1 --json "$data/clinical-harmonize-earl1.json" \
  --apply "$data/clinical-psf.nii.gz" --out "$data/harmonized"
qa "$bin" nema analyze "$data/harmonized/clinical-psf.nii.gz" --standard earl1 --json "$data/clinical-harmonized-nema.json"
results+=("$data"/*-nema.json "$data/clinical-harmonize-earl1.json")
echo "   PET part done after $(( $(date +%s) - start )) s"

echo "== EARL check of patient scans (edge image + two sparse CNNs, shipped model), one per protocol"
"$bin" simulate patient "$data/patient-clinical.nii.gz" --seed 3001 --voxel-mm 4 --matrix 125 --bed-positions 3 --fwhm-mm 4 --psf-overshoot 0.4 --noise 0.1
"$bin" simulate patient "$data/patient-earl1.nii.gz" --seed 3002 --voxel-mm 4 --matrix 125 --bed-positions 3 --fwhm-mm 7.5 --noise 0.1
"$bin" simulate patient "$data/patient-earl2.nii.gz" --seed 3003 --voxel-mm 4 --matrix 125 --bed-positions 3 --fwhm-mm 5.8 --psf-overshoot 0.3 --noise 0.1
qa "$bin" earl check "$data"/patient-{clinical,earl1,earl2}.nii.gz --require any --json "$data/patients-earl.json"
results+=("$data/patients-earl.json")
echo "   EARL check done after $(( $(date +%s) - start )) s"

echo "== simulating a reduced CT lung-vessel phantom series (3 doses × 3 recons × 2 repetitions, 160×128×48 voxels of 0.8 mm)"
"$bin" simulate vessel-series "$data/vessel" --doses 0.2 1 4 --recons FBP iterative DL --repetitions 2 >/dev/null
echo "== vessel-phantom analysis (per-radius MPV and IQR, tree volume; masks kept for the report's overlay)"
"$bin" phantom analyze "$data/vessel/manifest.yaml" --json "$data/vessel-series.json" --masks "$data/vessel-masks"
results+=("$data/vessel-series.json")
echo "   vessel part done after $(( $(date +%s) - start )) s"

echo "== report"
qa "$bin" report "${results[@]}" \
  --out "$out" --junit "$out/junit.xml" --title "iqkit demo: EARL compliance of three PET protocols and a CT vessel-phantom dose series"
echo
echo "report:   $out/index.html"
echo "for CI:   $out/results.tsv, $out/junit.xml"
echo "demo finished in $(( $(date +%s) - start )) s"
