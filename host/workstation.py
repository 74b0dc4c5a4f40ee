"""The host program's workstation-only parts: they import Keras and `training/`, so the board never imports this module.

    FloatActor           the trained Keras actor (run_scan.py --actor float)
    GeneratorCompleter   the trained generator (generator_service.py --completer generator)
    LocalClient          the generator in the run's own process (run_scan.py --server local: no service to start)
    procedural_images    the embedded test split (run_scan.py --images procedural)

Board modules import from here only inside the option that needs it; tests/test_host_actors.py runs a board scan with
`training` and `keras` made unimportable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def procedural_images() -> np.ndarray:
    """The project's embedded test split (N, 96, 96) in [-1, 1], prepared by training.data like the training images."""
    from training.data import load_split

    return np.asarray(load_split('procedural', 'test'), np.float32)


class FloatActor:
    """The trained Keras per-step cell (inputs [x, h0, c0, ...], outputs [action, h0', c0', ...]); state kept here."""

    def __init__(self, checkpoint: str | Path):
        from training.checkpoint import load_actor, load_config

        self.model = load_actor(checkpoint)
        self.blind = load_config(checkpoint).actor_mode == 'blind'  # a blind actor never sees probe values
        self.name, self.contract_hash, self.last_q = 'float', None, None
        self.state_sizes = [int(t.shape[-1]) for t in self.model.inputs[1:]]
        self.reset()

    def reset(self) -> None:
        self.state = [np.zeros((1, n), np.float32) for n in self.state_sizes]

    def step(self, obs: np.ndarray) -> np.ndarray:
        x = np.array(obs, np.float32)[None]
        if self.blind:
            x[:, : x.shape[1] - 2] = 0
        out = self.model([x, *self.state], training=False)
        self.state = [np.asarray(s) for s in out[1:]]
        return np.asarray(out[0], np.float64)[0]


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


class LocalClient:
    """A completion client that completes in this process with a checkpoint's generator (run_scan.py --server local):
    the same interface as host.client.CompletionClient, and the device it completes on, in words."""

    def __init__(self, checkpoint: str | Path, timeout_s: float = 60.0):
        from model.cli import quiet_keras

        quiet_keras()
        from training.backend import device_name

        self.completer, self.timeout_s = GeneratorCompleter(str(checkpoint)), timeout_s
        self.device = device_name()
        self.address = f'in this process ({checkpoint})'

    def ping(self) -> dict:
        """What this completer takes, as a service announces its limits (no message size: nothing is sent)."""
        return {'image_size': self.completer.image_size, 'max_bytes': None, 'max_frames': None}

    limits = ping

    def complete(self, scan_id: str, partial: np.ndarray) -> np.ndarray:
        return self.completer(np.asarray(partial, np.float32)[None])[0]

    def close(self) -> None:
        pass
