#!/usr/bin/env bash
# The main job on built-in synthetic data. Usage: scripts/demo.sh IQKIT OUTDIR
set -euo pipefail
bin="$1"
out="$2"
mkdir -p "$out"
echo "== synthetic sphere phantom (IEC diameters, 10:1), 2 mm voxels, 5 mm FWHM"
"$bin" simulate spheres "$out/spheres.nii.gz" --voxel-mm 2 --fwhm-mm 5
"$bin" info "$out/spheres.nii.gz"
echo "== edge image (6 mm FWHM smoothed copy minus the image)"
"$bin" edge "$out/spheres.nii.gz" "$out/spheres-edge.nii.gz"
"$bin" info "$out/spheres-edge.nii.gz"
echo "demo outputs in $out/"
