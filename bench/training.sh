#!/usr/bin/env bash
# Training bench: time and peak memory of training the shipped EARL model
# (the `earl train` step of `make model`: paired corpus of 120 scans on
# grids of their own, noise grain apart from resolution, both stages side
# by side), and whether the weights come out equal to the
# shipped file's. Called by bench/run.sh with $IQKIT_BIN and $BENCH_OUT;
# writes $BENCH_OUT/training.md. Takes ≈ 30 min on 2 cores, plus ≈ 15 min
# the first time to simulate the corpus (kept in $BENCH_OUT/training/train).
# BENCH_EARL_CORPUS=DIR reuses a corpus made by `make model` instead; its
# corpus.json must carry the same options.
set -euo pipefail
# The OpenBLAS kernel the shipped model was trained with, as `make model`
# pins it (why: scripts/train-model.sh).
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
out="$BENCH_OUT/training"
mkdir -p "$out"
bin="$IQKIT_BIN"
md="$BENCH_OUT/training.md"
here="$(cd "$(dirname "$0")" && pwd)"
shipped="$here/../Phantoms/models/earl-classifier.json"

corpus="${BENCH_EARL_CORPUS:-$out/train}"
if [ ! -f "$corpus/labels.csv" ]; then
  "$bin" simulate pet-patients "$corpus" --count 120 --split train --seed 1 --paired \
    --scans-per-setting 1 --continuous-voxels 1 --noise-texture-spread 1.6 --uncompressed
fi
# The corpus must be the one `make model` trains on.
python3 - "$corpus/corpus.json" <<'PY'
import json, sys
options = json.load(open(sys.argv[1]))["options"]
expected = {"count": 120, "seed": 1, "split": "train", "pairedAnatomies": True, "bedPositions": 2,
            "fieldOfViewMM": 500, "scansPerSetting": 1, "minimumMargin": 0.1, "supersampling": 2, "noiseTextureSpread": 1.6}
wrong = {k: options.get(k) for k, v in expected.items() if options.get(k) != v}
# Manifests of the first version of the option say true for 1.
if options.get("continuousVoxels") not in (1, True):
    wrong["continuousVoxels"] = options.get("continuousVoxels")
if options.get("nearEdgeClinical", 0) != 0:
    wrong["nearEdgeClinical"] = options["nearEdgeClinical"]
if wrong:
    sys.exit(f"{sys.argv[1]}: not make model's training corpus ({wrong})")
PY

/usr/bin/time -v "$bin" earl train --data "$corpus" --labels "$corpus/labels.csv" --out "$out/model.json" \
  --folds 0 --epochs 60 --learning-rate 1e-3 --seed 3 --stage2-epochs 120 --stage2-patience 25 --stage2-validation 0 > /dev/null 2> "$out/time.txt"

python3 - "$out/time.txt" "$out/model.json" "$shipped" "$(nproc)" "$(cut -d" " -f1-3 /proc/loadavg)" > "$md" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
def field(label):  # GNU time -v lines: "<label>: <value>"
    return re.search(r"^\s*" + re.escape(label) + r": (\S+)", text, re.M).group(1)
wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
rss = int(field("Maximum resident set size (kbytes)")) / 1024 / 1024
parts = [float(p) for p in wall.split(":")]
seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
new, old = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
same = all(new[s]["parameters"] == old[s]["parameters"] for s in ("stage1", "stage2"))
epochs = ", ".join(f"{s} {len(new[s]['history']['epochs'])} epochs (best {new[s]['history']['bestEpoch']})" for s in ("stage1", "stage2"))
print("# Training bench\n")
print(f"Machine: {sys.argv[4]} cores; load average at the end: {sys.argv[5]}.")
print("`iqkit earl train --folds 0 --epochs 60 --learning-rate 1e-3 --seed 3 --stage2-epochs 120 --stage2-patience 25 --stage2-validation 0` on `make model`'s paired training corpus (120 scans, 120 voxel grids, noise grain × 0.63–1.58).\n")
print("| wall | CPU | peak RSS | epochs | weights equal the shipped model's |")
print("|---:|---:|---:|---|---|")
print(f"| {seconds / 60:.1f} min | {cpu / 60:.1f} min | {rss:.1f} GB | {epochs} | {'yes' if same else 'no'} |")
print(f"\nTarget: under 30 min — {'met' if seconds < 1800 else 'not met'} in this run.")
PY
cat "$md"
