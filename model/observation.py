"""The actor's observation and action encoding (what the FPGA core implements, keep it small).

Observation x_t (OBS_DIM = P + 2 = 22 numbers for the default geometry) fed to the actor at decision t:
  - the P probe values of the segment just scanned, in scan order, each in [-1, 1]
    (the image is normalised to [-1, 1]; probes off the image read the nearest edge pixel);
  - the position where the next segment starts, as (row, col) relative to the image centre in units of
    half the image size, clipped to [-POSITION_CLIP, POSITION_CLIP] (0 = centre, +-1 = image edge).
Decision 0 has seen nothing yet: its probe values are all 0 and its position is the centre (0, 0).
So a scan of T segments is T decisions x_0 .. x_{T-1}; observation x_T (after the last segment) only
feeds the critic's bootstrap.

Action: the actor emits two numbers v = (v_row, v_col); the direction of the next segment is v / |v|.
A zero vector (|v| < 1e-12) means the direction (0, 1): the encoding never fails.
"""

from __future__ import annotations

import numpy as np

from model.geometry import ScanGeometry

POSITION_CLIP = 2.0
ACTION_DIM = 2


def obs_dim(geometry: ScanGeometry) -> int:
    return geometry.probes_per_segment + 2


def encode_position(position: np.ndarray, geometry: ScanGeometry) -> np.ndarray:
    """Segment start (row, col) in pixels -> actor position features in [-POSITION_CLIP, POSITION_CLIP].

    float32 arithmetic in the same order as `model.scan_tf.encode_observation`, so both agree bit for bit.
    """
    half = np.float32(geometry.image_size / 2.0)
    scaled = (np.asarray(position, np.float32) - half) / half
    return np.clip(scaled, np.float32(-POSITION_CLIP), np.float32(POSITION_CLIP))


def encode_observation(probe_values: np.ndarray, next_start: np.ndarray, geometry: ScanGeometry) -> np.ndarray:
    """Concatenate a segment's probe values and the next start position into one observation vector."""
    probe_values = np.asarray(probe_values, np.float32)
    if probe_values.shape[-1] != geometry.probes_per_segment:
        raise ValueError(f'expected {geometry.probes_per_segment} probe values, got shape {probe_values.shape}')
    return np.concatenate([probe_values, encode_position(next_start, geometry)], axis=-1)


def initial_observation(geometry: ScanGeometry) -> np.ndarray:
    """x_0: nothing seen yet, at the centre."""
    return np.zeros(obs_dim(geometry))


def action_to_direction(action: np.ndarray) -> np.ndarray:
    """Actor output (..., 2) -> unit direction (..., 2); zero vectors map to (0, 1)."""
    action = np.asarray(action, np.float64)
    norm = np.linalg.norm(action, axis=-1, keepdims=True)
    fallback = np.broadcast_to(np.array([0.0, 1.0]), action.shape)
    safe = np.where(norm > 1e-12, norm, 1.0)
    return np.where(norm > 1e-12, action / safe, fallback)
