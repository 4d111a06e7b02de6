"""Reference tools on the bench input: scikit-image frangi and PyMaxflow.

frangi: the same scales (sigma 0.5, 0.9, 1.6, 3.0 mm at 0.7 mm voxels, in
voxels here since skimage works in index space), bright ridges.
maxflow: PyMaxflow's 6-connected grid graph over the whole volume with the
same unary and pairwise terms as iqkit (threshold -450 HU, width 150 HU,
vesselness from a single-scale proxy is not used: intensity term only, so
the graph has every voxel as a node, as users of PyMaxflow build it).
"""
import sys
import time

import nibabel as nib
import numpy as np


def main():
    mode, path = sys.argv[1], sys.argv[2]
    slices = int(sys.argv[3]) if len(sys.argv) > 3 else None
    img = nib.load(path)
    vol = np.asarray(img.dataobj, dtype=np.float32)
    if slices:
        # A slab of the same input: the full 512x512x300 graph or float64
        # Hessian would need >10 GB in these tools on a shared 23 GB machine.
        vol = np.ascontiguousarray(vol[:, :, :slices])
    spacing = float(img.header.get_zooms()[0])
    t0 = time.time()
    if mode == "frangi":
        from skimage.filters import frangi
        sigmas = [s / spacing for s in (0.5, 0.9, 1.6, 3.0)]
        v = frangi(vol, sigmas=sigmas, black_ridges=False)
        print(f"frangi {time.time() - t0:.2f} s on {vol.size / 1e6:.1f} Mvoxels, max {float(v.max()):.3g}")
    else:
        import maxflow
        score = (vol.astype(np.float64) + 450.0) / 150.0
        g = maxflow.Graph[float]()
        nodes = g.add_grid_nodes(vol.shape)
        diff = 0.5  # Potts weight, as iqkit's default smoothness
        g.add_grid_edges(nodes, weights=diff, symmetric=True)
        g.add_grid_tedges(nodes, np.maximum(score, 0), np.maximum(-score, 0))
        t1 = time.time()
        g.maxflow()
        seg = ~g.get_grid_segments(nodes)
        print(f"graph build {t1 - t0:.2f} s, maxflow {time.time() - t1:.2f} s, vessel voxels {int(seg.sum())} on {vol.size / 1e6:.1f} Mvoxels")


if __name__ == "__main__":
    main()
