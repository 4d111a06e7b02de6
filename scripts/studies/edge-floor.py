#!/usr/bin/env python3
"""Label-noise studies of EARL corpora, from `iqkit simulate relabel --json` files.

    scripts/studies/edge-floor.py reach  R1.json [R2.json …]   # an ideal classifier's chance of 99 % stage 1
    scripts/studies/edge-floor.py oracle R1.json [R2.json …]   # the phantom's edge distance from the setting's parameters

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

def oracle(paths):
    import numpy as np
    rows = []
    pattern = r"FWHM ([\d.]+) mm, overshoot ([\d.]+), noise ([\d.]+), voxel ([\d.]+)×([\d.]+)×([\d.]+) mm"
    for path in paths:
        for s in json.load(open(path))["settings"]:
            d, m = s.get("edgeDistances"), re.match(pattern, s["summary"])
            if d and m:
                f, o, n, vx, _, vz = map(float, m.groups())
                rows.append((f, o, n, vx, vz, float(np.mean(d)), float(np.std(d, ddof=1))))
    data = np.array(rows)
    x, y, sd = data[:, :5], data[:, 5], data[:, 6]
    z = (x - x.mean(0)) / x.std(0)
    cols = [np.ones(len(z))] + [z[:, i] ** e for i in range(5) for e in (1, 2, 3)]
    cols += [z[:, i] * z[:, j] for i, j in itertools.combinations(range(5), 2)]
    features = np.stack(cols, 1)
    fit = np.where(np.abs(y) < 1.5)[0]
    predicted = np.full(len(y), np.nan)
    for i in fit:
        others = fit[fit != i]
        w, *_ = np.linalg.lstsq(features[others], y[others], rcond=None)
        predicted[i] = features[i] @ w
    near = np.abs(y) < 0.5
    residual = (predicted - y)[near]
    print(f"{len(y)} settings; near the edge (|mean d| < 0.5): {near.sum()}")
    print(f"leave-one-out residual near the edge: rms {np.sqrt(np.mean(residual ** 2)):.3f}, median |.| {np.median(np.abs(residual)):.3f}")
    print(f"one phantom scan's SD of d near the edge: median {np.median(sd[near]):.3f}")
    for limit in (0.0, 0.1, 0.2, 0.3):
        zone = near & (np.abs(y) > limit)
        print(f"   |mean d| > {limit}: wrong side for {np.sum(np.sign(predicted[zone]) != np.sign(y[zone]))} of {zone.sum()}")

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("reach", "oracle"):
        sys.exit(__doc__)
    (reach if sys.argv[1] == "reach" else oracle)(sys.argv[2:])
