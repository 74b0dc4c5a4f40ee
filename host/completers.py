"""Ways to complete partial scans (N, H, W, 2) -> images (N, H, W): the trained generator, or classical interpolation.

`interpolate` is an honest baseline (model.interpolation: piecewise-linear + nearest sample),
useful without a GPU or a trained generator; it is not a stand-in for the generator's quality.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.interpolation import interpolate  # noqa: F401  (re-exported: a completer of the service)


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
