"""Scan quality on held-out images: completions scored by MSE, PSNR and SSIM, for actors, fixed paths and interpolation."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from model import scan_tf
from model.interpolation import interpolate  # noqa: F401  (the classical baseline, re-exported for the benchmarks)
from model.geometry import ScanGeometry
from model.scan_numpy import pixel_indices
from training.policy import act

DATA_RANGE = 2.0  # images are normalised to [-1, 1]


def score(completions: np.ndarray, targets: np.ndarray) -> dict:
    """Mean over images of MSE, PSNR (dB, peak-to-peak range 2) and SSIM (scikit-image, data_range 2)."""
    from skimage.metrics import structural_similarity

    completions, targets = np.asarray(completions, np.float64), np.asarray(targets, np.float64)
    if completions.shape != targets.shape:
        raise ValueError(f'completions {completions.shape} and targets {targets.shape} differ in shape')
    mse = np.mean((completions - targets) ** 2, axis=(1, 2))
    psnr = 10 * np.log10(DATA_RANGE**2 / np.maximum(mse, 1e-12))
    ssim = [structural_similarity(c, t, data_range=DATA_RANGE) for c, t in zip(completions, targets)]
    return {'mse': float(mse.mean()), 'psnr': float(psnr.mean()), 'ssim': float(np.mean(ssim)), 'n_images': len(targets)}


def complete(generator, partial_scans: np.ndarray, batch: int = 128) -> np.ndarray:
    """Generator completions (N, H, W) of partial scans (N, H, W, 2)."""
    out = [generator(tf.constant(partial_scans[i : i + batch]), training=False)[..., 0].numpy() for i in range(0, len(partial_scans), batch)]
    return np.concatenate(out)


def complete_and_score(generator, partial_scans: np.ndarray, targets: np.ndarray) -> dict:
    return score(complete(generator, partial_scans), targets)


def actor_scans(actor, images: np.ndarray, geometry: ScanGeometry, *, blind_actor=False, batch: int = 256) -> dict:
    """Deterministic closed-loop scans of images (N, H, W) by an actor: directions, positions and partial scans."""
    parts = []
    for i in range(0, len(images), batch):
        chunk = tf.constant(images[i : i + batch])
        directions = act(actor, chunk, geometry, blind_actor=blind_actor)
        scan = scan_tf.scan_paths(chunk, directions, geometry)
        parts.append({'directions': directions.numpy(), 'positions': scan['positions'].numpy(), 'partial_scan': scan['partial_scan'].numpy()})
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def random_direction_scans(images: np.ndarray, geometry: ScanGeometry, seed: int) -> dict:
    """The baseline an actor must beat: scans of images (N, H, W) along uniformly random directions, new ones per scan."""
    angle = np.random.default_rng(seed).uniform(0, 2 * np.pi, (len(images), geometry.segments))
    return direction_scans(np.stack([np.sin(angle), np.cos(angle)], -1).astype(np.float32), images, geometry)


def direction_scans(directions: np.ndarray, images: np.ndarray, geometry: ScanGeometry) -> dict:
    """Scans of images (N, H, W) along given directions (N, T, 2)."""
    scan = scan_tf.scan_paths(tf.constant(images), tf.constant(directions, tf.float32), geometry)
    return {'directions': directions, 'positions': scan['positions'].numpy(), 'partial_scan': scan['partial_scan'].numpy()}


def fixed_path_scans(positions: np.ndarray, images: np.ndarray, image_size: int) -> np.ndarray:
    """Partial scans (N, H, W, 2) of every image along one fixed list of probe positions (P, 2)."""
    idx, _ = pixel_indices(positions, image_size)
    scans = np.zeros((len(images), image_size, image_size, 2), np.float32)
    scans[:, idx[:, 0], idx[:, 1], 0] = images[:, idx[:, 0], idx[:, 1]]
    scans[:, idx[:, 0], idx[:, 1], 1] = 1.0
    return scans
