#!/usr/bin/env bash
# What a trained stage-1 network's features know about the reconstruction:
#   scripts/studies/feature-probe.sh MODEL TRAIN_CORPUS TEST_CORPUS…
# dumps each scan's pooled and hidden-layer features (feature-probe/main.swift,
# built as a small package against this checkout's libraries), then fits a
# ridge readout of the phantom's edge distance d, FWHM, overshoot and noise
# on the first corpus and scores it on the others (feature-readout.py; numpy).
# Used in docs/benchmarks/earl-model.md ("Could any classifier meet the target").
set -euo pipefail
[ $# -ge 3 ] || { sed -n 2,8p "$0" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/Sources/feature-probe"
cp "$here/feature-probe/main.swift" "$work/Sources/feature-probe/"
identity=$(basename "$repo" | tr '[:upper:]' '[:lower:]')
cat > "$work/Package.swift" << SWIFT
// swift-tools-version:6.0
import PackageDescription
let package = Package(
    name: "feature-probe",
    dependencies: [.package(path: "$repo")],
    targets: [.executableTarget(name: "feature-probe", dependencies: [
        .product(name: "EARLClassifier", package: "$identity"), .product(name: "SparseCNN", package: "$identity"),
        .product(name: "IQCore", package: "$identity")])])
SWIFT
[ -f "$repo/Package.resolved" ] && cp "$repo/Package.resolved" "$work/"
swift build -c release --package-path "$work" > "$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
model=$1
shift
"$work/.build/release/feature-probe" "$model" "$work/features.csv" "$@"
python3 "$here/feature-readout.py" "$work/features.csv" "$@"
