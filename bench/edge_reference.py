"""Edge-image benchmark: iqkit vs scipy.ndimage and SimpleITK on the same volume.

Each tool runs in its own process under /usr/bin/time -v so that peak memory
(max RSS) is measured per tool; compute time is measured inside each process
around the filtering only (iqkit reports it with IQKIT_TIMINGS=1), and best of
--repeat runs is kept.
"""
import argparse, json, os, re, subprocess, sys, tempfile, time
import numpy as np
import nibabel as nib

FWHM = 6.0
SIGMA_PER_FWHM = 1.0 / (2.0 * np.sqrt(2.0 * np.log(2.0)))

WORKER = r'''
import sys, time, numpy as np, nibabel as nib
tool, path, out, sx, sy, sz = sys.argv[1], sys.argv[2], sys.argv[3], *map(float, sys.argv[4:7])
img = nib.load(path)
a = np.asarray(img.dataobj, dtype=np.float32)          # (x, y, z)
sig = [6.0 / 2.3548200450309493 / s for s in (sx, sy, sz)]
t0 = time.perf_counter()
if tool == "scipy":
    from scipy.ndimage import gaussian_filter
    e = gaussian_filter(a, sigma=sig, mode="reflect", truncate=4.0) - a
elif tool == "sitk-recursive":
    import SimpleITK as sitk
    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(2)
    im = sitk.GetImageFromArray(np.ascontiguousarray(a.transpose(2, 1, 0)))
    im.SetSpacing((sx, sy, sz))
    g = sitk.SmoothingRecursiveGaussian(im, [6.0 / 2.3548200450309493] * 3)
    e = sitk.GetArrayViewFromImage(g).transpose(2, 1, 0) - a
elif tool == "sitk-discrete":
    import SimpleITK as sitk
    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(2)
    im = sitk.GetImageFromArray(np.ascontiguousarray(a.transpose(2, 1, 0)))
    im.SetSpacing((sx, sy, sz))
    f = sitk.DiscreteGaussianImageFilter()
    f.SetVariance([(6.0 / 2.3548200450309493) ** 2] * 3)  # physical units (mm^2)
    f.SetUseImageSpacing(True)
    f.SetMaximumKernelWidth(64)
    f.SetMaximumError(0.01)
    g = f.Execute(im)
    e = sitk.GetArrayViewFromImage(g).transpose(2, 1, 0) - a
t1 = time.perf_counter()
print("timing edge %.4f s" % (t1 - t0), file=sys.stderr)
if out != "-":
    np.save(out, e.astype(np.float32))
'''


def make_volume(shape, spacing, path, seed=1):
    """A PET-like test volume: warm body ellipse, hot blobs, Poisson-ish noise."""
    rng = np.random.default_rng(seed)
    nx, ny, nz = shape
    x = (np.arange(nx) - nx / 2) * spacing[0]
    y = (np.arange(ny) - ny / 2) * spacing[1]
    X, Y = np.meshgrid(x, y, indexing="ij")
    body = ((X / 170.0) ** 2 + (Y / 110.0) ** 2 <= 1).astype(np.float32)
    a = np.repeat(body[:, :, None] * 2000.0, nz, axis=2)
    for _ in range(40):
        c = [rng.uniform(-120, 120), rng.uniform(-70, 70), rng.uniform(0, nz * spacing[2])]
        r = rng.uniform(4, 20)
        zz = (np.arange(nz) * spacing[2] - c[2]) ** 2
        d2 = ((X - c[0]) ** 2 + (Y - c[1]) ** 2)[:, :, None] + zz[None, None, :]
        a[d2 <= r * r] = rng.uniform(5000, 30000)
    a += rng.normal(0, 1, a.shape).astype(np.float32) * np.sqrt(np.maximum(a, 1)) * 3
    aff = np.diag([spacing[0], spacing[1], spacing[2], 1.0])
    nib.save(nib.Nifti1Image(a.astype(np.float32), aff), path)
    return a.astype(np.float32)


def run(cmd, env=None):
    full = ["/usr/bin/time", "-v"] + cmd
    p = subprocess.run(full, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr))
    t = float(re.search(r"timing edge ([0-9.]+) s", p.stderr).group(1))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([0-9:.]+)", p.stderr).group(1)
    parts = [float(v) for v in wall.split(":")]
    wall_s = sum(v * 60 ** i for i, v in enumerate(reversed(parts)))
    return t, rss_kb / 1024.0, wall_s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iqkit", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--case", action="append", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    py = sys.executable
    worker = os.path.join(args.out, "edge_worker.py")
    with open(worker, "w") as f:
        f.write(WORKER)
    print("| volume | voxel mm | tool | compute s (best of %d) | wall s | peak RSS MiB | RSS / volume | max diff vs scipy / max |" % args.repeat)
    print("|---|---|---|---|---|---|---|---|")
    for case in args.case:
        dims, vox = case.split("@")
        shape = tuple(int(v) for v in dims.split("x"))
        spacing = tuple(float(v) for v in vox.split("x"))
        src = os.path.join(args.out, "in-%s.nii" % dims)
        a = make_volume(shape, spacing, src)
        vol_mib = a.nbytes / 2 ** 20
        results = {}
        env = dict(os.environ, IQKIT_TIMINGS="1")
        ours = os.path.join(args.out, "iqkit-%s.nii" % dims)
        best = None
        for _ in range(args.repeat):
            t, rss, wall = run([args.iqkit, "edge", src, ours], env=env)
            best = (t, rss, wall) if best is None or t < best[0] else best
        results["iqkit"] = best
        best = None
        for _ in range(args.repeat):
            t, rss, wall = run([args.iqkit, "edge", src, ours + ".fft.nii", "--method", "fft"], env=env)
            best = (t, rss, wall) if best is None or t < best[0] else best
        results["iqkit --method fft"] = best
        ref_path = os.path.join(args.out, "scipy-%s.npy" % dims)
        for tool in ["scipy", "sitk-recursive", "sitk-discrete"]:
            best = None
            for i in range(args.repeat):
                out = ref_path if (tool == "scipy" and i == 0) else "-"
                t, rss, wall = run([py, worker, tool, src, out, *map(str, spacing)])
                best = (t, rss, wall) if best is None or t < best[0] else best
            results[tool] = best
        ref = np.load(ref_path)
        mine = np.asarray(nib.load(ours).dataobj, dtype=np.float32)
        diff = float(np.max(np.abs(mine - ref)) / np.max(np.abs(a)))
        fft = np.asarray(nib.load(ours + ".fft.nii").dataobj, dtype=np.float32)
        fft_diff = float(np.max(np.abs(fft - ref)) / np.max(np.abs(a)))
        os.remove(ours + ".fft.nii")
        for tool, (t, rss, wall) in results.items():
            d = {"iqkit": "%.2e" % diff, "iqkit --method fft": "%.2e" % fft_diff, "scipy": "0 (reference)"}.get(tool, "")
            print("| %s | %s | %s | %.3f | %.2f | %.0f | %.2f | %s |" % (dims, vox, tool, t, wall, rss, rss / vol_mib, d))
        fastest_ref = min(results[k][0] for k in results if not k.startswith("iqkit"))
        print("| %s | | **iqkit speed-up vs fastest reference** | **%.1f×** | | | | |" % (dims, fastest_ref / results["iqkit"][0]))
        os.remove(src)
        os.remove(ref_path)
        os.remove(ours)


if __name__ == "__main__":
    main()
