#!/usr/bin/env python3
"""Label-noise studies of EARL corpora, from `iqkit simulate relabel --json` files.

    scripts/studies/edge-floor.py reach  R1.json [R2.json …]   # an ideal classifier's chance of 99 % stage 1
    scripts/studies/edge-floor.py oracle R1.json [R2.json …]   # the phantom's edge distance from the setting's parameters
    scripts/studies/edge-floor.py sensitivity R1.json [R2.json …]   # the same, with FWHM and overshoot known only roughly

reach: the distribution of an ideal classifier's stage-1 misses against each
corpus's single-scan labels (a setting's scans are missed together), with a
setting's chance q = min(p, 1 − p) estimated two ways: "plug-in", p counted
over the further phantom scans the corpus would have accepted (what
`simulate relabel` prints), and "normal", one scan's edge distance d taken as
normal with the mean and SD of the setting's scans, acceptance approximated
as |d| ≥ the corpus's minimum margin. Prints each corpus's P(reach 99 %) and
their product.

oracle: the mean d of each setting's phantom scans regressed on its
reconstruction parameters (FWHM, overshoot, noise, in-plane and axial voxel;
cubic terms and pairwise products; least squares, leave-one-out over the
settings with |mean d| < 1.5), scored on the settings near the edge.
sensitivity: the oracle again with normal errors added to FWHM and
overshoot, to see how finely an estimate of each must be read.

Needs numpy. Used in docs/benchmarks/earl-model.md ("Could any classifier
meet the target on these corpora?").
"""
import itertools, json, math, re, sys

def accepted_label(category):
    return category in ("over-recovering", "earl1", "earl2")

def miss_distribution(chances):
    dist = [1.0]
    for n, q in chances:
        if q <= 0:
            continue
        nxt = [0.0] * (len(dist) + n)
        for k, pk in enumerate(dist):
            nxt[k] += pk * (1 - q)
            nxt[k + n] += pk * q
        dist = nxt
    return dist

def phi(x):
    return 0.5 * math.erfc(-x / math.sqrt(2))

def reach(paths, target=0.99):
    joint = {"plug-in": 1.0, "normal": 1.0}
    for path in paths:
        j = json.load(open(path))
        margin = j["minimumMargin"]
        scans = {}
        for s in j["scans"]:
            scans[s["settingID"]] = scans.get(s["settingID"], 0) + 1
        plug, normal = [], []
        for st in j["settings"]:
            n = scans.get(st["id"])
            if not n:
                continue
            ok = [c for c, m in zip(st["repeats"], st["repeatMargins"]) if accepted_label(c) and m >= margin]
            if ok:
                p = sum(c == "over-recovering" for c in ok) / len(ok)
                plug.append((n, min(p, 1 - p)))
            d = st.get("edgeDistances") or []
            if len(d) > 2:
                mu = sum(d) / len(d)
                sd = math.sqrt(sum((x - mu) ** 2 for x in d) / (len(d) - 1))
                if sd > 0:
                    over, under = 1 - phi((margin - mu) / sd), phi((-margin - mu) / sd)
                    if over + under > 0:
                        p = over / (over + under)
                        normal.append((n, min(p, 1 - p)))
        total = len(j["scans"])
        allowed = int((1 - target) * total + 1e-9)
        print(f"{path}: {total} scans, {allowed} misses allowed at {100 * target:g} %")
        for name, chances in (("plug-in", plug), ("normal", normal)):
            dist = miss_distribution(chances)
            mean = sum(k * p for k, p in enumerate(dist))
            p_reach = sum(dist[: allowed + 1])
            joint[name] *= p_reach
            print(f"   {name:8s} mean misses {mean:.2f}, P(reach) {p_reach:.3f}")
    print("all at once:", ", ".join(f"{k} {v:.3f}" for k, v in joint.items()))

def oracle_rows(paths):
    import numpy as np
    rows = []
    pattern = r"FWHM ([\d.]+) mm, overshoot ([\d.]+), noise ([\d.]+), voxel ([\d.]+)×([\d.]+)×([\d.]+) mm"
    for path in paths:
        for s in json.load(open(path))["settings"]:
            d, m = s.get("edgeDistances"), re.match(pattern, s["summary"])
            if d and m:
                f, o, n, vx, _, vz = map(float, m.groups())
                rows.append((f, o, n, vx, vz, float(np.mean(d)), float(np.std(d, ddof=1))))
    return np.array(rows)

def oracle_fit(x, y):
    """Leave-one-out predictions of y from x (cubic terms and pairwise products)."""
    import numpy as np
    z = (x - x.mean(0)) / x.std(0)
    k = x.shape[1]
    cols = [np.ones(len(z))] + [z[:, i] ** e for i in range(k) for e in (1, 2, 3)]
    cols += [z[:, i] * z[:, j] for i, j in itertools.combinations(range(k), 2)]
    features = np.stack(cols, 1)
    fit = np.where(np.abs(y) < 1.5)[0]
    predicted = np.full(len(y), np.nan)
    for i in fit:
        others = fit[fit != i]
        w, *_ = np.linalg.lstsq(features[others], y[others], rcond=None)
        predicted[i] = features[i] @ w
    return predicted

def oracle(paths):
    import numpy as np
    data = oracle_rows(paths)
    x, y, sd = data[:, :5], data[:, 5], data[:, 6]
    predicted = oracle_fit(x, y)
    near = np.abs(y) < 0.5
    residual = (predicted - y)[near]
    print(f"{len(y)} settings; near the edge (|mean d| < 0.5): {near.sum()}")
    print(f"leave-one-out residual near the edge: rms {np.sqrt(np.mean(residual ** 2)):.3f}, median |.| {np.median(np.abs(residual)):.3f}")
    print(f"one phantom scan's SD of d near the edge: median {np.median(sd[near]):.3f}")
    for limit in (0.0, 0.1, 0.2, 0.3):
        zone = near & (np.abs(y) > limit)
        print(f"   |mean d| > {limit}: wrong side for {np.sum(np.sign(predicted[zone]) != np.sign(y[zone]))} of {zone.sum()}")

def sensitivity(paths):
    """The oracle again, with FWHM and overshoot known only to within a normal
    error (as an estimate from the patient scan would be): which of the two
    an estimator must read finely to place a protocol near the edge."""
    import numpy as np
    data = oracle_rows(paths)
    x, y = data[:, :5], data[:, 5]
    near = np.abs(y) < 0.5
    print(f"{len(y)} settings, {near.sum()} near the edge (|mean d| < 0.5); mean of 5 draws of the error")
    print("FWHM error (mm)  overshoot error  rms of d near the edge  wrong side")
    for fwhm_sd, overshoot_sd in [(0, 0), (0.1, 0), (0.2, 0), (0.4, 0), (0, 0.05), (0, 0.1), (0, 0.15),
                                  (0.1, 0.15), (0.4, 0.15), (0.4, 0.05)]:
        rms, wrong = [], []
        for seed in range(5):
            rng = np.random.default_rng(seed)
            xx = x.copy()
            xx[:, 0] += rng.normal(0, fwhm_sd, len(x))
            xx[:, 1] += rng.normal(0, overshoot_sd, len(x))
            predicted = oracle_fit(xx, y)
            rms.append(np.sqrt(np.mean((predicted - y)[near] ** 2)))
            wrong.append(np.sum(np.sign(predicted[near]) != np.sign(y[near])))
        print(f"{fwhm_sd:16.2f}  {overshoot_sd:15.2f}  {np.mean(rms):22.3f}  {np.mean(wrong):6.1f} of {near.sum()}")

if __name__ == "__main__":
    commands = {"reach": reach, "oracle": oracle, "sensitivity": sensitivity}
    if len(sys.argv) < 3 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])
