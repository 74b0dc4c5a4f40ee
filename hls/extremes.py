"""The extreme inputs every bit-exact check drives through the core: where a wrapping core and a saturating one differ.

`extreme_observations`: observation words at the ends of the contract's input grid (all maximum, all minimum, zero,
alternating) and uniform over the whole grid. `extreme_scans`: raw detector images for whole scans, each with the
calibration it is read with: a saturated detector (every sample at +full scale), a dark one (0), negative full scale,
salt and pepper at both full scales, and samples uniform over the whole 16-bit word, read with the default calibration and
with a 4x over-gain one, so that the probe features sit at (or are clipped to) the ends of the input grid.
"""

from __future__ import annotations

import numpy as np

from hls.contract import RAW, ActorContract, DetectorCalibration


def extreme_observations(contract: ActorContract, n_random: int, seed: int = 0) -> np.ndarray:
    """(4 + n_random, obs_dim) observation integers: all max, all min, zero, alternating, then uniform ones."""
    fmt, d = contract.input, contract.obs_dim
    alternating = np.where(np.arange(d) % 2 == 0, fmt.qmax, fmt.qmin)
    fixed = np.stack([np.full(d, fmt.qmax), np.full(d, fmt.qmin), np.zeros(d, np.int64), alternating])
    uniform = np.random.default_rng(seed).integers(fmt.qmin, fmt.qmax + 1, (n_random, d))
    return np.concatenate([fixed, uniform]).astype(np.int64)


def extreme_scans(image_size: int, seed: int = 0) -> list[tuple[str, np.ndarray, DetectorCalibration]]:
    """[(name, raw image (N, N) int64, calibration)] for whole scans at the extremes of the detector word."""
    rng = np.random.default_rng(seed)
    shape = (image_size, image_size)
    default, over_gain = DetectorCalibration(), DetectorCalibration(gain=DetectorCalibration().gain * 4)
    uniform = rng.integers(RAW.qmin, RAW.qmax + 1, shape)
    salt_and_pepper = rng.choice([RAW.qmin, RAW.qmax], shape)
    return [
        ('saturated', np.full(shape, RAW.qmax), default),
        ('zero', np.zeros(shape, np.int64), default),
        ('negative_full_scale', np.full(shape, RAW.qmin), default),
        ('salt_and_pepper', salt_and_pepper, default),
        ('uniform', uniform, default),
        ('uniform_over_gain', uniform, over_gain),
    ]
