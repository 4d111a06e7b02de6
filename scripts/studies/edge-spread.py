#!/usr/bin/env python3
"""Can a hand-made edge-spread fit read a reconstruction's PSF overshoot from a patient scan?

    scripts/studies/edge-spread.py outline CORPUS [--every N]   # the body outline
    scripts/studies/edge-spread.py hot     CORPUS [--every N]   # the largest hot organ

CORPUS is a `simulate pet-patients` directory (its corpus.json gives each
scan's true FWHM and overshoot); every N-th scan is measured (default 2, one
per setting of a paired corpus). Uncompressed .nii scans only (no nibabel).

Both modes bin the scan's voxels by their signed distance (mm, positive
inside) to an edge and fit the step response of the simulator's kernel,
(1 + a)·G(σ) − a·G(2σ), for the FWHM and the overshoot a:

outline: the edge is the body outline, found per slice as the 0.5 × body
  median level of a 4 mm-smoothed copy interpolated 4× in plane (sub-voxel
  distances), on voxels whose outline runs along z; the image is clipped at
  0 outside, as OSEM images are, and the fit clips likewise.
hot: the edge is the half-way level between the plateau and the
  surroundings of each hot object (> 4 × body median after 4 mm smoothing,
  ≥ 20 mL), interpolated 3× in 3D; the largest object is reported.

Prints one line per scan and, at the end, the FWHM error and the overshoot's
correlation and rms error against the truth. Needs numpy and scipy. Used in
docs/benchmarks/earl-model.md ("Experiment ESF").
"""
import json, struct, sys

import numpy as np
from scipy import ndimage, optimize, special


def read_nifti(path):
    raw = open(path, "rb").read()
    dims = struct.unpack("<8h", raw[40:56])
    datatype = struct.unpack("<h", raw[70:72])[0]
    pixdim = struct.unpack("<8f", raw[76:108])
    offset = int(struct.unpack("<f", raw[108:112])[0])
    slope, inter = struct.unpack("<2f", raw[112:120])
    dtype = {2: np.uint8, 4: np.int16, 8: np.int32, 16: np.float32, 64: np.float64, 512: np.uint16}[datatype]
    n = dims[1] * dims[2] * dims[3]
    image = np.frombuffer(raw, dtype=dtype, count=n, offset=offset).astype(np.float32)
    image = image.reshape(dims[3], dims[2], dims[1])
    if slope != 0:
        image = image * slope + inter
    return image, (pixdim[3], pixdim[2], pixdim[1])


def phi(x):
    return 0.5 * (1 + special.erf(x / np.sqrt(2)))


def step_response(d, low, high, d0, sigma, a):
    return low + (high - low) * ((1 + a) * phi((d - d0) / sigma) - a * phi((d - d0) / (2 * sigma)))


def signed_distance(mask, spacing):
    """Signed distance (mm, + inside) of each element's centre to the mask's boundary."""
    half = 0.5 * min(spacing)
    inside = ndimage.distance_transform_edt(mask, sampling=spacing) - half
    outside = ndimage.distance_transform_edt(~mask, sampling=spacing) - half
    return np.where(mask, inside, -outside)


def native_on_fine(shape, fine_shape):
    """Indices of the fine grid's points that coincide with the native centres."""
    return [np.round(np.arange(n) * (f - 1) / (n - 1)).astype(int) for n, f in zip(shape, fine_shape)]


def body_median(image):
    body = image > 0.3 * np.percentile(image[image > 0], 50)
    return float(np.median(image[body]))


def profile(distances, values, lo=-12.0, hi=15.0, width=0.25, minimum=20):
    edges = np.arange(lo, hi + 1e-9, width)
    which = np.digitize(distances, edges)
    centres = 0.5 * (edges[1:] + edges[:-1])
    means = np.array([values[which == k].mean() if (which == k).sum() >= minimum else np.nan for k in range(1, len(edges))])
    ok = np.isfinite(means)
    return centres[ok], means[ok]


def fit(distances, values, clip, low, high):
    centres, means = profile(distances, values)
    model = (lambda d, *p: np.maximum(step_response(d, *p), 0)) if clip else step_response
    p, _ = optimize.curve_fit(model, centres, means, p0=[low, high, 0, 2, 0.1],
                              bounds=([-np.inf, -np.inf, -5, 0.3, 0], [np.inf, np.inf, 5, 8, 1.5]))
    return 2.3548 * p[3], p[4]


def outline(path):
    image, spacing = read_nifti(path)
    image = np.maximum(image, 0)
    median = body_median(image)
    smooth = ndimage.gaussian_filter(image, [1.7 / s for s in spacing])
    gz, gy, gx = np.gradient(smooth, *spacing)
    along_z = np.abs(gz) < 0.3 * (np.sqrt(gx**2 + gy**2 + gz**2) + 1e-9)
    distances, values = [], []
    for z in range(image.shape[0]):
        plane = smooth[z]
        if (plane > 0.5 * median).sum() < 100:
            continue
        fine = ndimage.zoom(plane, 4, order=1, grid_mode=False)
        fine_spacing = [s * (n - 1) / (f - 1) for s, n, f in zip(spacing[1:], plane.shape, fine.shape)]
        d = signed_distance(ndimage.binary_fill_holes(fine > 0.5 * median), fine_spacing)
        d = d[np.ix_(*native_on_fine(plane.shape, fine.shape))]
        keep = (np.abs(d) < 15) & along_z[z]
        distances.append(d[keep])
        values.append(image[z][keep] / median)
    return fit(np.concatenate(distances), np.concatenate(values), True, 0, 1)


def hot(path):
    image, spacing = read_nifti(path)
    median = body_median(image)
    smooth = ndimage.gaussian_filter(image, [1.7 / s for s in spacing])
    labels, count = ndimage.label(smooth > 4 * median)
    if count == 0:
        return None
    sizes = ndimage.sum(labels > 0, labels, range(1, count + 1)) * np.prod(spacing) / 1000
    k = int(np.argmax(sizes))
    if sizes[k] < 20:
        return None
    box = ndimage.find_objects((labels == k + 1).astype(int))[0]
    box = tuple(slice(max(b.start - int(np.ceil(20 / s)), 0), min(b.stop + int(np.ceil(20 / s)), n))
                for b, s, n in zip(box, spacing, image.shape))
    region, object_mask = image[box], labels[box] == k + 1
    core = ndimage.binary_erosion(object_mask, iterations=max(1, int(8 / min(spacing))))
    if core.sum() < 10:
        return None
    plateau = float(np.median(region[core]))
    out = ndimage.distance_transform_edt(~object_mask, sampling=spacing)
    surroundings = float(np.median(region[(out > 12) & (out < 20)]))
    fine = ndimage.zoom(smooth[box], 3, order=1, grid_mode=False)
    above = fine > 0.5 * (plateau + surroundings)
    parts, _ = ndimage.label(above)
    above = parts == np.argmax(np.bincount(parts.ravel())[1:]) + 1
    fine_spacing = [s * (n - 1) / (f - 1) for s, n, f in zip(spacing, region.shape, fine.shape)]
    d = signed_distance(above, fine_spacing)[np.ix_(*native_on_fine(region.shape, fine.shape))]
    keep = np.abs(d) < 12
    return fit(d[keep], region[keep], False, surroundings, plateau)


def main(argv):
    if len(argv) < 3 or argv[1] not in ("outline", "hot"):
        sys.exit(__doc__)
    mode, corpus = argv[1], argv[2]
    every = int(argv[argv.index("--every") + 1]) if "--every" in argv else 2
    manifest = json.load(open(f"{corpus}/corpus.json"))
    settings = {s["id"]: s["setting"] for s in manifest["settings"]}
    rows = []
    for scan in manifest["scans"][::every]:
        truth = settings[scan["settingID"]]
        estimate = (outline if mode == "outline" else hot)(f"{corpus}/{scan['file']}")
        if estimate is None:
            print(f"{scan['file']}: no object found", flush=True)
            continue
        rows.append((truth["fwhmMM"], truth["psfOvershoot"], *estimate))
        print(f"{scan['file']}: true FWHM {truth['fwhmMM']:.2f} mm, a {truth['psfOvershoot']:.2f}; "
              f"fit {estimate[0]:.2f} mm, a {estimate[1]:.2f}", flush=True)
    r = np.array(rows)
    plain = r[:, 1] == 0
    print(f"{len(r)} scans; without PSF: FWHM error {np.mean(r[plain, 2] - r[plain, 0]):+.2f} mm mean, "
          f"{np.sqrt(np.mean((r[plain, 2] - r[plain, 0])**2)):.2f} rms; with PSF: {np.mean(r[~plain, 2] - r[~plain, 0]):+.2f} mm mean; "
          f"overshoot r {np.corrcoef(r[:, 1], r[:, 3])[0, 1]:.2f}, rms {np.sqrt(np.mean((r[:, 3] - r[:, 1])**2)):.2f}")


if __name__ == "__main__":
    main(sys.argv)
