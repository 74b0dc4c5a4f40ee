"""The microscope boundary and a simulated microscope.

A microscope driver implements two calls (the same for a real instrument):
    begin_scan() -> dict          move to the next specimen area; returns metadata (image id, dose, ...)
    scan_segment(positions) -> values
        positions (P, 2) float32 (row, col) in pixels of the 96x96 field of view; returns P float32 values in [-1, 1]
        (the detector signal normalised like the training images), after dwelling on each probe.

`SimulatedMicroscope` reads stored images: Poisson shot noise at a given dose (electrons per probe), Gaussian
scan-position jitter (the beam lands near, not at, the commanded position), and a dwell time per probe.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from model.microscopy_files import CROP, DataError, crops_by_file
from model.scan_numpy import pixel_indices


def normalise(images: np.ndarray) -> np.ndarray:
    """Each image to [-1, 1] (min-max per image; non-finite values become 0 first, constant images become 0)."""
    images = np.nan_to_num(np.asarray(images, np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    with np.errstate(over='ignore', invalid='ignore'):  # a span beyond float64 gives NaN: load_images refuses it
        lo = images.min(axis=(1, 2), keepdims=True)
        span = images.max(axis=(1, 2), keepdims=True) - lo
        return np.where(span > 0, 2 * (images - lo) / np.where(span > 0, span, 1) - 1, 0).astype(np.float32)


def load_images(source: str, size: int = 96, downsample: int = 1, pixel_size=None) -> np.ndarray:
    """Images (N, size, size) in [-1, 1] from
    'procedural' (the project's embedded test split, prepared by training.data like the training images), or a user's
    file or folder read by the loader every command shares (`model.microscopy_files`: .npy/.npz arrays,
    .dm3/.dm4/.emd/.tif/.hspy files), binned by `downsample` or resampled to `pixel_size`, cut into size x size
    crops and normalised per image (min-max, not blurred).
    Raises DataError (one line: what is wrong and what to pass instead)."""
    if source == 'procedural':
        from host.workstation import procedural_images  # training/ and SciPy: never on the board

        return procedural_images()
    if size != CROP:
        raise DataError(f"this scan geometry needs {size} x {size} px images; users' files are cut into {CROP} x {CROP}")
    images = np.concatenate(crops_by_file(Path(source), downsample, pixel_size))
    with np.errstate(invalid='ignore', over='ignore'):
        flat = np.flatnonzero(~(images.max(axis=(1, 2)) > images.min(axis=(1, 2))))
    if len(flat):
        raise DataError(f'{source}: image(s) {flat[:10].tolist()} are constant (nothing to scan): remove them')
    images = normalise(images)
    if not np.isfinite(images).all():
        raise DataError(f'{source} holds values too large to normalise (a span beyond 1e308): rescale the images')
    return images


class SimulatedMicroscope:
    """A microscope that scans stored images, one per scan, cycling through them.

    dose: mean electrons per probe for a signal of +1 (None: noiseless); jitter_px: standard deviation of the
    beam position error; dwell_s: time spent on each probe (the call returns no earlier than P * dwell_s).
    """

    def __init__(
        self,
        images: np.ndarray,
        dose: float | None = None,
        jitter_px: float = 0.0,
        dwell_s: float = 1e-6,
        seed: int = 0,
        first_image: int = 0,
    ):
        if dose is not None and dose <= 0:
            raise ValueError(f'dose must be positive electrons per probe, got {dose}')
        if jitter_px < 0 or dwell_s < 0:
            raise ValueError('jitter_px and dwell_s must be >= 0')
        self.images, self.dose, self.jitter_px, self.dwell_s = np.asarray(images, np.float32), dose, jitter_px, dwell_s
        self.rng = np.random.default_rng(seed)
        self.next_image, self.image_id = first_image, None

    def begin_scan(self) -> dict:
        self.image_id = self.next_image % len(self.images)
        self.next_image += 1
        return {'image_id': int(self.image_id), 'dose': self.dose, 'jitter_px': self.jitter_px, 'dwell_s': self.dwell_s}

    def scan_segment(self, positions: np.ndarray) -> np.ndarray:
        if self.image_id is None:
            raise RuntimeError('call begin_scan() before scan_segment()')
        deadline = time.perf_counter() + len(positions) * self.dwell_s
        positions = np.asarray(positions, np.float32)
        if self.jitter_px > 0:
            positions = positions + self.rng.normal(0.0, self.jitter_px, positions.shape).astype(np.float32)
        image = self.images[self.image_id]
        idx, _ = pixel_indices(positions, image.shape[0])
        values = image[idx[:, 0], idx[:, 1]].astype(np.float64)
        if self.dose is not None:
            electrons = self.rng.poisson(self.dose * (values + 1) / 2)
            values = np.clip(2 * electrons / self.dose - 1, -1, 1)
        _wait_until(deadline)
        return values.astype(np.float32)


def _wait_until(deadline: float) -> None:
    """Sleep most of the way, then spin: dwell times of microseconds are honoured without oversleeping much."""
    while (remaining := deadline - time.perf_counter()) > 0:
        if remaining > 2e-3:
            time.sleep(remaining - 1e-3)
