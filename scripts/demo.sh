#!/usr/bin/env bash
# `make demo`: the main job on built-in synthetic data.
# Usage: scripts/demo.sh IQKIT OUTDIR
#
# Simulates IEC phantoms reconstructed as a clinical PSF protocol, an
# EARL1-like and an EARL2-like protocol; analyses them against the EARL
# bands; finds the post-filter that harmonizes the clinical protocol to
# EARL1 and applies it; then writes one report for people (HTML) and for CI
# (TSV, JUnit). QA failures are expected here (the clinical protocol is not
# EARL-compliant), so their exit code 1 does not stop the demo.
set -euo pipefail
bin="$1"
out="$2"
data="$out/data"
rm -rf "$out"
mkdir -p "$data"
start=$(date +%s)
qa() { "$@" || { status=$?; [ "$status" -eq 1 ] || exit "$status"; }; }

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

echo "== report"
qa "$bin" report "$data"/*-nema.json "$data/clinical-harmonize-earl1.json" \
  --out "$out" --junit "$out/junit.xml" --title "iqkit demo: EARL compliance of three PET protocols"
echo
echo "report:   $out/index.html"
echo "for CI:   $out/results.tsv, $out/junit.xml"
echo "demo finished in $(( $(date +%s) - start )) s"
