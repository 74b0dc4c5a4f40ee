"""The actor's observation and action encoding (what the FPGA core implements, keep it small).

Observation x_t (OBS_DIM = P + 2 = 22 numbers for the default geometry) fed to the actor at decision t:
  - the P probe values of the segment just scanned, in scan order, as the *calibrated detector* reports them:
    (raw - offset) * gain with the detector calibration known before the scan (never the image's own minimum and
    maximum, which a live scan cannot know), clipped to [-FEATURE_CLIP, FEATURE_CLIP];
  - the position where the next segment starts, as (row, col) relative to the image centre in units of
    half the image size, clipped to [-FEATURE_CLIP, FEATURE_CLIP] (0 = centre, +-1 = image edge).
Decision 0 has seen nothing yet: its probe values are all 0 and its position is the centre (0, 0).
So a scan of T segments is T decisions x_0 .. x_{T-1}; observation x_T (after the last segment) only
feeds the critic's bootstrap.

Action: the actor emits two numbers v = (v_row, v_col); the direction of the next segment is v / |v|.
A (nearly) zero vector (|v|^2 <= 1e-24) means the direction (0, 1): the encoding never fails.
"""

from __future__ import annotations

import numpy as np

from model.geometry import ScanGeometry

FEATURE_CLIP = 2.0
ACTION_DIM = 2


def obs_dim(geometry: ScanGeometry) -> int:
    return geometry.probes_per_segment + 2


def encode_position(position: np.ndarray, geometry: ScanGeometry) -> np.ndarray:
    """Segment start (row, col) in pixels -> actor position features in [-FEATURE_CLIP, FEATURE_CLIP].

    float32 arithmetic in the same order as `model.scan_ops.encode_observation`, so both agree bit for bit (a product
    with the reciprocal, not a division: XLA turns division by a broadcast scalar into that product anyway).
    """
    half = np.float32(geometry.image_size / 2.0)
    scaled = (np.asarray(position, np.float32) - half) * np.float32(1.0 / half)
    return np.clip(scaled, np.float32(-FEATURE_CLIP), np.float32(FEATURE_CLIP))


def encode_observation(probe_values: np.ndarray, next_start: np.ndarray, geometry: ScanGeometry) -> np.ndarray:
    """Concatenate a segment's calibrated probe values (clipped) and the next start position into one observation."""
    probe_values = np.asarray(probe_values, np.float32)
    if probe_values.shape[-1] != geometry.probes_per_segment:
        raise ValueError(f'expected {geometry.probes_per_segment} probe values, got shape {probe_values.shape}')
    clipped = np.clip(probe_values, np.float32(-FEATURE_CLIP), np.float32(FEATURE_CLIP))
    return np.concatenate([clipped, encode_position(next_start, geometry)], axis=-1)


def initial_observation(geometry: ScanGeometry) -> np.ndarray:
    """x_0: nothing seen yet, at the centre."""
    return np.zeros(obs_dim(geometry))
