"""Ways to complete partial scans (N, H, W, 2) -> images (N, H, W): the trained generator, or classical interpolation.

`interpolate` is an honest baseline (the same piecewise-linear + nearest-sample completion as `training.evaluate`),
useful without a GPU or a trained generator; it is not a stand-in for the generator's quality.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def interpolate(partial_scans: np.ndarray) -> np.ndarray:
    """Piecewise-linear interpolation of the samples, nearest sample outside their convex hull.

    Equal to scipy's griddata 'linear' with 'nearest' filling the gaps (training.evaluate.interpolate), but the
    nearest-sample lookup runs only where the linear one is undefined.
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


class GeneratorCompleter:
    """The trained generator from a checkpoint folder (loads TensorFlow: for the GPU workstation, never the board)."""

    def __init__(self, checkpoint: str):
        if not (Path(checkpoint) / 'generator.keras').is_file():  # fail before the slow TensorFlow import
            raise FileNotFoundError(f'{checkpoint}/generator.keras not found')
        from training.checkpoint import load_generator

        self.model = load_generator(checkpoint)
        self.image_size = int(self.model.inputs[0].shape[1])

    def __call__(self, partial_scans: np.ndarray) -> np.ndarray:
        out = np.asarray(self.model(partial_scans, training=False), np.float32)
        return out.reshape(out.shape[:3])
