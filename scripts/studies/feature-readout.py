#!/usr/bin/env python3
"""Ridge readout of a stage-1 network's features (feature-probe.sh):
feature-readout.py FEATURES.csv TRAIN_CORPUS TEST_CORPUS…
Fits d, FWHM, overshoot and noise on the first corpus's scans, scores the others."""
import json, os, sys
import numpy as np
if len(sys.argv) < 4:
    sys.exit(__doc__)
features, corpora = sys.argv[1], sys.argv[2:]
truth = {}
for folder in corpora:
    manifest = json.load(open(os.path.join(folder, "corpus.json")))
    settings = {s["id"]: s for s in manifest["settings"]}
    for scan in manifest["scans"]:
        s = settings[scan["settingID"]]
        truth[(folder, scan["file"])] = (s["phantom"]["edgeDistance"], s["setting"]["fwhmMM"], s["setting"]["psfOvershoot"], s["setting"]["noiseCOV"])
rows = [line.rstrip("\n").split(",") for line in open(features) if line.strip()]
def split(folders):
    picked = [r for r in rows if r[0] in folders]
    return np.array([list(map(float, r[2:])) for r in picked]), np.array([truth[(r[0], r[1])] for r in picked])
train_x, train_y = split({corpora[0]})
test_x, test_y = split(set(corpora[1:]))
width = train_x.shape[1]
pooled = (width * 2) // 3  # pooled features first, then the hidden layer's (half as many)
for name, cols in (("pooled", slice(0, pooled)), ("hidden", slice(pooled, width)), ("both", slice(0, width))):
    mu, sd = train_x[:, cols].mean(0), train_x[:, cols].std(0) + 1e-6
    a = np.hstack([(train_x[:, cols] - mu) / sd, np.ones((len(train_x), 1))])
    b = np.hstack([(test_x[:, cols] - mu) / sd, np.ones((len(test_x), 1))])
    for ridge in (1.0, 10.0):
        w = np.linalg.solve(a.T @ a + ridge * np.eye(a.shape[1]), a.T @ train_y)
        p = b @ w
        d, pd = test_y[:, 0], p[:, 0]
        near = np.abs(d) < 0.5
        rms = lambda k: np.sqrt(np.mean((p[:, k] - test_y[:, k]) ** 2))
        print(f"{name:6s} ridge {ridge:4.0f}: d rms {rms(0):.3f} (|d| < 0.5: {np.sqrt(np.mean((pd[near] - d[near]) ** 2)):.3f}), "
              f"FWHM {rms(1):.2f} mm, overshoot {rms(2):.3f}, noise {rms(3):.4f}; "
              f"d on the wrong side for {np.sum((pd > 0) != (d > 0))} of {len(d)} test scans")
