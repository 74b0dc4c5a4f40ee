"""Classical completion of a partial scan: piecewise-linear interpolation of the samples (NumPy/SciPy, no TensorFlow).

The baseline every learned completion is compared with, used by the benchmarks and by the completion service.
"""

from __future__ import annotations

import numpy as np


def interpolate(partial_scans: np.ndarray) -> np.ndarray:
    """Piecewise-linear interpolation of the samples, nearest sample outside their convex hull.

    Equal to scipy's griddata 'linear' with 'nearest' filling the gaps, but the nearest-sample lookup runs only where the
    linear one is undefined. partial_scans: (N, H, W, 2) values and mask -> (N, H, W).
    """
    from scipy.interpolate import LinearNDInterpolator
    from scipy.spatial import cKDTree

    n, h, w, _ = partial_scans.shape
    grid = np.stack(np.meshgrid(np.arange(h), np.arange(w), indexing='ij'), -1).reshape(-1, 2).astype(np.float64)
    out = np.empty((n, h * w), np.float32)
    for i, s in enumerate(partial_scans):
        points = np.argwhere(s[..., 1] > 0).astype(np.float64)
        values = s[s[..., 1] > 0, 0].astype(np.float64)
        filled = LinearNDInterpolator(points, values)(grid)
        gaps = np.isnan(filled)
        filled[gaps] = values[cKDTree(points).query(grid[gaps])[1]]
        out[i] = filled
    return out.reshape(n, h, w)
