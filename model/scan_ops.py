"""The scan environment batched in `keras.ops`: one definition for every Keras backend (TensorFlow, JAX).

float32 with the same operation order as `model.scan_numpy`, so both give bit-identical positions, pixels, values,
observations, penalties and partial scans (tests check this under each backend). Batch sizes must be static.
"""

from __future__ import annotations

from keras import ops

from model.geometry import ScanGeometry
from model.observation import FEATURE_CLIP


def unit_directions(actions):
    """Actor outputs (..., 2) -> unit directions, (nearly) zero vectors -> (0, 1).

    The root is taken of a safe value: sqrt(0) has an infinite derivative, which XLA turns into NaN gradients even where
    the result is discarded (the untrained actor's first output is exactly (0, 0)).
    """
    a = ops.cast(actions, 'float32')
    square = a[..., 0] * a[..., 0] + a[..., 1] * a[..., 1]
    ok = square > 1e-24
    norm = ops.sqrt(ops.where(ok, square, ops.ones_like(square)))
    row = ops.where(ok, a[..., 0] / norm, ops.zeros_like(norm))
    col = ops.where(ok, a[..., 1] / norm, ops.ones_like(norm))
    return ops.stack([row, col], axis=-1)


def rotate(directions, angles):
    """Rotate directions (N, 2) = (row, col) by angles (N,) in radians (exploration and target-policy noise)."""
    c, s = ops.cos(angles), ops.sin(angles)
    return ops.stack([c * directions[:, 0] - s * directions[:, 1], s * directions[:, 0] + c * directions[:, 1]], axis=-1)


def segment_positions(start, direction, geometry: ScanGeometry):
    """Probe positions (N, P, 2) of a segment from `start` (N, 2) along unit `direction` (N, 2), and the next start."""
    step = ops.cast(geometry.spacing, 'float32') * direction
    k = ops.arange(geometry.probes_per_segment, dtype='float32')[:, None]
    positions = start[:, None, :] + k * step[:, None, :]
    return positions, start + ops.cast(float(geometry.probes_per_segment), 'float32') * step


def pixel_indices(positions, image_size: int):
    """Nearest pixel (round half up) clamped to the image (int32), and off-image flags."""
    raw = ops.cast(ops.floor(positions + 0.5), 'int32')
    off = ops.any((raw < 0) | (raw >= image_size), axis=-1)
    return ops.clip(raw, 0, image_size - 1), off


def _flat_pixel(indices, image_size: int):
    """(N, ..., 2) pixel indices -> indices into the flattened (N * H * W) batch of images."""
    n = indices.shape[0]
    batch = ops.reshape(ops.arange(n, dtype='int32'), (n,) + (1,) * (len(indices.shape) - 2))
    return (batch * image_size + indices[..., 0]) * image_size + indices[..., 1]


def sample(images, positions, image_size: int):
    """Nearest-pixel values, clamped indices and off-image flags; images (N, H, W), positions (N, ..., 2)."""
    idx, off = pixel_indices(positions, image_size)
    values = ops.take(ops.reshape(images, (-1,)), _flat_pixel(idx, image_size))
    return values, idx, off


def detector(values, views):
    """Image values (N, ...) -> calibrated detector values gain * values + offset, views (N, 2) = (gain, offset)."""
    shape = (views.shape[0],) + (1,) * (len(values.shape) - 1)
    return ops.reshape(views[:, 0], shape) * values + ops.reshape(views[:, 1], shape)


def encode_observation(values, next_start, geometry: ScanGeometry):
    half = geometry.image_size / 2.0
    inverse = ops.cast(1.0 / ops.cast(half, 'float32'), 'float32')  # float32(1 / float32(half)), as in NumPy
    pos = ops.clip((next_start - half) * inverse, -FEATURE_CLIP, FEATURE_CLIP)
    return ops.concatenate([ops.clip(values, -FEATURE_CLIP, FEATURE_CLIP), pos], axis=-1)


def scan_segment(images, start, direction, views, geometry: ScanGeometry):
    """Scan one segment for a batch: (observation, next start, penalty E_t, values, indices, positions)."""
    positions, next_start = segment_positions(start, direction, geometry)
    image_values, idx, off = sample(images, positions, geometry.image_size)
    values = detector(image_values, views)
    penalty = ops.where(ops.any(off, axis=-1), geometry.over_edge_penalty, 0.0)
    return encode_observation(values, next_start, geometry), next_start, penalty, values, idx, positions


def initial_start(batch: int, geometry: ScanGeometry):
    return ops.broadcast_to(ops.convert_to_tensor(geometry.start, 'float32'), (batch, 2))


def normalise_samples(values, keep=None):
    """Each scan's samples (N, ...) mapped onto [-1, 1] by their own minimum and maximum (0 if constant); with `keep`
    (a boolean mask shaped like values), by the kept samples' minimum and maximum only."""
    axes = tuple(range(1, len(values.shape)))
    low_in = values if keep is None else ops.where(keep, values, float('inf'))
    high_in = values if keep is None else ops.where(keep, values, -float('inf'))
    lo, hi = ops.min(low_in, axis=axes, keepdims=True), ops.max(high_in, axis=axes, keepdims=True)
    span = hi - lo
    ok = span > 0.0
    scale = 2.0 / ops.where(ok, span, ops.ones_like(span))
    return ops.where(ok, (values - lo) * scale - 1.0, ops.zeros_like(values))


def partial_scans(values, indices, image_size: int, keep=None):
    """Scatter each scan's normalised samples (N, ...) at indices (N, ..., 2) into (N, H, W, 2): values and mask.

    A pixel visited twice holds the same value both times, so which duplicate write wins does not matter. With `keep` (a
    boolean mask shaped like values), only the kept samples count: the partial scan of a scan stopped part-way (see
    `stage_mask`), normalised by what it has seen so far.
    """
    if keep is not None:
        return _kept_partial_scans(values, indices, image_size, keep)
    n = values.shape[0]
    flat = ops.reshape(_flat_pixel(indices, image_size), (-1, 1))
    samples = ops.reshape(normalise_samples(values), (-1,))
    zeros = ops.zeros((n * image_size * image_size,), 'float32')
    value_ch = ops.scatter_update(zeros, flat, samples)
    mask_ch = ops.scatter_update(zeros, flat, ops.ones_like(samples))
    return ops.reshape(ops.stack([value_ch, mask_ch], axis=-1), (n, image_size, image_size, 2))


def _kept_partial_scans(values, indices, image_size: int, keep):
    """partial_scans of the kept samples only: sums of kept samples and counts per pixel, then their quotient (a pixel
    visited twice holds the same value both times, so the quotient is that value)."""
    n = values.shape[0]
    flat = ops.reshape(_flat_pixel(indices, image_size), (-1, 1))
    weight = ops.reshape(ops.cast(keep, 'float32'), (-1,))
    samples = ops.reshape(normalise_samples(values, keep), (-1,))
    shape = (n * image_size * image_size,)
    count = ops.scatter(flat, weight, shape)
    total = ops.scatter(flat, weight * samples, shape)
    value_ch = total / ops.maximum(count, 1.0)
    mask_ch = ops.cast(count > 0.0, 'float32')
    return ops.reshape(ops.stack([value_ch, mask_ch], axis=-1), (n, image_size, image_size, 2))


def stage_mask(stages, geometry: ScanGeometry, per_probe: bool = False):
    """Which segments (N, T) a scan stopped after `stages` (N,) segments has scanned (1 <= stage <= T); with `per_probe`,
    the same for each of its T * P probes in scan order (N, T * P)."""
    t = ops.arange(geometry.segments, dtype='int32')
    kept = t[None, :] < ops.cast(stages, 'int32')[:, None]
    if not per_probe:
        return kept
    return ops.reshape(ops.repeat(kept[:, :, None], geometry.probes_per_segment, axis=2), (kept.shape[0], -1))


def scan_paths(images, directions, views, geometry: ScanGeometry) -> dict:
    """Scan whole paths of unit `directions` (N, T, 2) for a batch of images (N, H, W) seen through views (N, 2).

    Returns observations x_1..x_T (N, T, D), penalties E_1..E_T (N, T), values (N, T, P), indices (N, T, P, 2),
    positions (N, T, P, 2) and the partial scans (N, H, W, 2).
    """
    start = initial_start(images.shape[0], geometry)
    steps = []
    for t in range(geometry.segments):
        obs, start, penalty, values, idx, positions = scan_segment(images, start, directions[:, t], views, geometry)
        steps.append((obs, penalty, values, idx, positions))
    obs, penalties, values, indices, positions = (ops.stack(part, axis=1) for part in zip(*steps))
    return {
        'observations': obs,
        'penalties': penalties,
        'values': values,
        'indices': indices,
        'positions': positions,
        'partial_scan': partial_scans(values, indices, geometry.image_size),
    }


def scan_positions(images, positions, views, image_size: int, keep=None):
    """Partial scans (N, H, W, 2) of images (N, H, W) read at given probe positions (N, K, 2) through views (N, 2); with
    `keep` (N, K), of the kept probes only."""
    values, idx, _ = sample(images, positions, image_size)
    return partial_scans(detector(values, views), idx, image_size, keep)
