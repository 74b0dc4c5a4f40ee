"""Ways to complete partial scans (N, H, W, 2) -> images (N, H, W): the trained generator, or classical interpolation.

`interpolate` is an honest baseline (model.interpolation: piecewise-linear + nearest sample),
useful without a GPU or a trained generator; it is not a stand-in for the generator's quality.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.interpolation import interpolate  # noqa: F401  (re-exported: a completer of the service)


class GeneratorCompleter:
    """The trained generator from a checkpoint (loads Keras on its backend, TensorFlow or JAX: for the GPU workstation,
    never the board). Batches are padded to the next power of two, so only a few batch shapes are ever compiled."""

    def __init__(self, checkpoint: str):
        path = Path(checkpoint)
        if not ((path / 'generator.keras').is_file() or (path / 'latest').is_file()):  # fail before the slow Keras import
            raise FileNotFoundError(f'{checkpoint} holds no generator.keras (nor a checkpoint root with "latest")')
        from training.backend import backend_name
        from training.checkpoint import load_generator

        self.model = load_generator(checkpoint)
        self.image_size = int(self.model.inputs[0].shape[1])
        self.backend = backend_name()

    def __call__(self, partial_scans: np.ndarray) -> np.ndarray:
        n = len(partial_scans)
        padded = np.zeros((1 << max(n - 1, 0).bit_length(), *partial_scans.shape[1:]), np.float32)
        padded[:n] = partial_scans
        out = np.asarray(self.model.predict_on_batch(padded), np.float32)[:n]
        return out.reshape(out.shape[:3])
