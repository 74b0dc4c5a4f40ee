"""Scan quality on held-out images: completions scored by MSE, PSNR and SSIM, for actors, fixed paths and interpolation.

Scans here use the one closed-loop scanner (`training.policy.closed_loop`) and the keras.ops environment, so they run
under any Keras backend; `views` are the detector views of `model.scan_numpy` (perfect calibration by default).
"""

from __future__ import annotations

import numpy as np
from keras import ops

from model import scan_ops
from model.geometry import ScanGeometry
from model.interpolation import interpolate  # noqa: F401  (the classical baseline, re-exported for the benchmarks)
from model.scan_numpy import pixel_indices
from training.policy import cell_step, closed_loop, zero_state

DATA_RANGE = 2.0  # images are normalised to [-1, 1]


def score(completions: np.ndarray, targets: np.ndarray) -> dict:
    """Mean over images of MSE, PSNR (dB, peak-to-peak range 2) and SSIM (scikit-image, data_range 2), plus per-image MSE."""
    from skimage.metrics import structural_similarity

    completions, targets = np.asarray(completions, np.float64), np.asarray(targets, np.float64)
    if completions.shape != targets.shape:
        raise ValueError(f'completions {completions.shape} and targets {targets.shape} differ in shape')
    mse = np.mean((completions - targets) ** 2, axis=(1, 2))
    psnr = 10 * np.log10(DATA_RANGE**2 / np.maximum(mse, 1e-12))
    ssim = [structural_similarity(c, t, data_range=DATA_RANGE) for c, t in zip(completions, targets)]
    return {
        'mse': float(mse.mean()),
        'psnr': float(psnr.mean()),
        'ssim': float(np.mean(ssim)),
        'n_images': len(targets),
        'per_image_mse': mse,
    }


def complete(generator, partial_scans: np.ndarray, batch: int = 128) -> np.ndarray:
    """Generator completions (N, H, W) of partial scans (N, H, W, 2)."""
    return np.asarray(generator.predict(np.asarray(partial_scans, np.float32), batch_size=batch, verbose=0))[..., 0]


def perfect_views(n: int) -> np.ndarray:
    return np.tile(np.float32([1.0, 0.0]), (n, 1))


def _scans(images, directions, views, geometry: ScanGeometry) -> dict:
    scan = scan_ops.scan_paths(ops.convert_to_tensor(images), directions, ops.convert_to_tensor(views), geometry)
    positions = ops.convert_to_numpy(scan['positions'])
    return {
        'directions': ops.convert_to_numpy(directions),
        'positions': positions,
        'partial_scan': ops.convert_to_numpy(scan['partial_scan']),
        'off_image': pixel_indices(positions, geometry.image_size)[1].reshape(len(images), -1),
    }


def actor_scans(
    actor, images: np.ndarray, geometry: ScanGeometry, *, blind_actor=False, views=None, batch: int = 256
) -> dict:
    """Deterministic closed-loop scans of images (N, H, W) by an actor: directions, positions, partial scans, off-image flags."""
    views = perfect_views(len(images)) if views is None else np.asarray(views, np.float32)
    parts = []
    for i in range(0, len(images), batch):
        chunk, chunk_views = ops.convert_to_tensor(images[i : i + batch]), ops.convert_to_tensor(views[i : i + batch])
        directions, _ = closed_loop(
            cell_step(actor), chunk, chunk_views, zero_state(actor, chunk.shape[0]), geometry, blind_actor=blind_actor
        )
        parts.append(_scans(images[i : i + batch], directions, views[i : i + batch], geometry))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def teacher_scans(
    generator, images: np.ndarray, geometry: ScanGeometry, candidates, blind_path, *, views=None, batch: int = 32
) -> dict:
    """The clairvoyant segment-greedy teacher's scans of images (N, H, W) (training.imitation), choosing with `generator`:
    directions, positions, partial scans, off-image flags, as `actor_scans`."""
    from training.imitation import rollout

    views = perfect_views(len(images)) if views is None else np.asarray(views, np.float32)
    parts = []
    for i in range(0, len(images), batch):
        chunk, chunk_views = ops.convert_to_tensor(images[i : i + batch]), ops.convert_to_tensor(views[i : i + batch])
        directions, _, _ = rollout(
            lambda s: generator(s, training=False), chunk, chunk_views, geometry, candidates, blind_path
        )
        parts.append(_scans(images[i : i + batch], directions, views[i : i + batch], geometry))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def random_direction_scans(images: np.ndarray, geometry: ScanGeometry, seed: int) -> dict:
    """The baseline an actor must beat: scans of images (N, H, W) along uniformly random directions, new ones per scan."""
    angle = np.random.default_rng(seed).uniform(0, 2 * np.pi, (len(images), geometry.segments))
    directions = np.stack([np.sin(angle), np.cos(angle)], -1).astype(np.float32)
    return _scans(images, ops.convert_to_tensor(directions), perfect_views(len(images)), geometry)


def fixed_path_scans(positions: np.ndarray, images: np.ndarray, geometry: ScanGeometry) -> dict:
    """Scans of every image (N, H, W) along one fixed list of probe positions (P, 2)."""
    positions = np.broadcast_to(np.asarray(positions, np.float32), (len(images), *np.shape(positions)))
    scans = scan_ops.scan_positions(
        ops.convert_to_tensor(images),
        ops.convert_to_tensor(positions),
        ops.convert_to_tensor(perfect_views(len(images))),
        geometry.image_size,
    )
    return {
        'positions': positions,
        'partial_scan': ops.convert_to_numpy(scans),
        'off_image': pixel_indices(positions, geometry.image_size)[1],
    }


def run_scans(trainer, images: np.ndarray) -> dict:
    """A trainer's deterministic scans of images: its fixed path, or its actor's closed-loop paths."""
    if trainer.fixed_positions is not None:
        return fixed_path_scans(trainer.fixed_positions, images, trainer.geometry)
    return actor_scans(trainer.actor, images, trainer.geometry, blind_actor=trainer.cfg.actor_mode == 'blind')
