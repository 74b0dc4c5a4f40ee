"""The scan environment, batched in TensorFlow for training (float32, same operation order as `model.scan_numpy`)."""

from __future__ import annotations

import tensorflow as tf

from model.geometry import ScanGeometry
from model.observation import POSITION_CLIP


def unit_directions(actions: tf.Tensor) -> tf.Tensor:
    """Actor outputs (..., 2) -> unit directions (zero vectors -> (0, 1)), bit-identical to the NumPy version."""
    a = tf.convert_to_tensor(actions, tf.float32)
    norm = tf.sqrt(a[..., 0] * a[..., 0] + a[..., 1] * a[..., 1])
    ok = norm > 1e-12
    safe = tf.where(ok, norm, tf.ones_like(norm))
    row = tf.where(ok, a[..., 0] / safe, tf.zeros_like(norm))
    col = tf.where(ok, a[..., 1] / safe, tf.ones_like(norm))
    return tf.stack([row, col], axis=-1)


def segment_positions(start: tf.Tensor, direction: tf.Tensor, geometry: ScanGeometry):
    """Probe positions (N, P, 2) of a segment from `start` (N, 2) along unit `direction` (N, 2), and the next start."""
    step = tf.constant(geometry.spacing, tf.float32) * direction
    k = tf.range(geometry.probes_per_segment, dtype=tf.float32)[:, None]
    positions = start[:, None, :] + k * step[:, None, :]
    return positions, start + tf.constant(float(geometry.probes_per_segment), tf.float32) * step


def sample(images: tf.Tensor, positions: tf.Tensor, image_size: int):
    """Nearest-pixel values (round half up), clamped indices (int32) and off-image flags.

    images: (N, H, W); positions: (N, ..., 2).
    """
    raw = tf.cast(tf.floor(positions + 0.5), tf.int32)
    off = tf.reduce_any((raw < 0) | (raw >= image_size), axis=-1)
    idx = tf.clip_by_value(raw, 0, image_size - 1)
    batch = tf.shape(positions)[0]
    batch_idx = tf.reshape(tf.range(batch), [-1] + [1] * (len(positions.shape) - 2))
    batch_idx = tf.broadcast_to(batch_idx, tf.shape(idx)[:-1])
    values = tf.gather_nd(images, tf.stack([batch_idx, idx[..., 0], idx[..., 1]], axis=-1))
    return values, idx, off


def encode_observation(values: tf.Tensor, next_start: tf.Tensor, geometry: ScanGeometry) -> tf.Tensor:
    half = geometry.image_size / 2.0
    pos = tf.clip_by_value((next_start - half) / half, -POSITION_CLIP, POSITION_CLIP)
    return tf.concat([values, pos], axis=-1)


def scan_segment(images: tf.Tensor, start: tf.Tensor, direction: tf.Tensor, geometry: ScanGeometry):
    """Scan one segment for a batch: (observation, next start, penalty E_t, values, indices)."""
    positions, next_start = segment_positions(start, direction, geometry)
    values, idx, off = sample(images, positions, geometry.image_size)
    penalty = tf.where(tf.reduce_any(off, axis=-1), geometry.over_edge_penalty, 0.0)
    return encode_observation(values, next_start, geometry), next_start, penalty, values, idx


def initial_start(batch, geometry: ScanGeometry) -> tf.Tensor:
    return tf.broadcast_to(tf.constant(geometry.start, tf.float32), [batch, 2])


def partial_scans(values: tf.Tensor, indices: tf.Tensor, image_size: int) -> tf.Tensor:
    """Scatter values (N, ...) at indices (N, ..., 2) into (N, H, W, 2) scans: values and mask channels."""
    n = tf.shape(values)[0]
    values = tf.reshape(values, [n, -1])
    indices = tf.reshape(indices, [n, -1, 2])
    batch_idx = tf.broadcast_to(tf.range(n)[:, None], tf.shape(values))
    full = tf.stack([batch_idx, indices[..., 0], indices[..., 1]], axis=-1)
    zeros = tf.zeros(tf.stack([n, image_size, image_size]), tf.float32)
    # a pixel visited twice holds the same value both times, so which duplicate write wins does not matter
    value_ch = tf.tensor_scatter_nd_update(zeros, full, values)
    mask_ch = tf.tensor_scatter_nd_update(zeros, full, tf.ones_like(values))
    return tf.stack([value_ch, mask_ch], axis=-1)


def scan_paths(images: tf.Tensor, actions: tf.Tensor, geometry: ScanGeometry) -> dict:
    """Scan whole paths for a batch: images (N, H, W), actions (N, T, 2).

    Returns observations x_1..x_T (N, T, D), penalties E_1..E_T (N, T), values (N, T, P), indices (N, T, P, 2),
    positions (N, T, P, 2) and the partial scans (N, H, W, 2).
    """
    directions = unit_directions(actions)
    start = initial_start(tf.shape(images)[0], geometry)
    obs, pens, vals, idxs, poss = [], [], [], [], []
    for t in range(geometry.segments):
        positions, _ = segment_positions(start, directions[:, t], geometry)
        o, start, e, v, i = scan_segment(images, start, directions[:, t], geometry)
        obs.append(o), pens.append(e), vals.append(v), idxs.append(i), poss.append(positions)
    values, indices = tf.stack(vals, 1), tf.stack(idxs, 1)
    return {
        'observations': tf.stack(obs, 1),
        'penalties': tf.stack(pens, 1),
        'values': values,
        'indices': indices,
        'positions': tf.stack(poss, 1),
        'partial_scan': partial_scans(values, indices, geometry.image_size),
    }
