"""The scan environment in NumPy (float32, the same operation order as `model.scan_ops`).

Used by the board program, the fixed paths, evaluation and tests. See `model.geometry` for the
coordinate convention and `model.observation` for what the actor sees.

A simulated scan reads a prepared image I (values in [-1, 1]) through a *detector view* (gain, offset): the
calibrated detector reports gain * I + offset. The view stands for what the calibration measured before the scan
gets wrong about this specimen (contrast, background); (1, 0) is a perfect calibration. The actor sees these
calibrated values; the partial scan handed to the generator is normalised by the scan's own samples
(`normalise_samples`), which makes the completion independent of the view.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.geometry import ScanGeometry
from model.observation import encode_observation, initial_observation

F32 = np.float32
PERFECT_VIEW = (1.0, 0.0)
"""(gain, offset) of a perfectly calibrated detector"""


def unit_directions(actions: np.ndarray) -> np.ndarray:
    """Actor outputs (..., 2) -> unit directions in float32 (|v|^2 <= 1e-24 -> (0, 1)).

    Written with the same float32 operations as `model.scan_ops.unit_directions` so both agree bit for bit (that one
    takes the root of a safe value so its gradient stays finite at v = 0).
    """
    a = np.asarray(actions, F32)
    square = a[..., 0] * a[..., 0] + a[..., 1] * a[..., 1]
    ok = square > F32(1e-24)
    norm = np.sqrt(np.where(ok, square, F32(1.0)))
    row = np.where(ok, a[..., 0] / norm, F32(0.0))
    col = np.where(ok, a[..., 1] / norm, F32(1.0))
    return np.stack([row, col], axis=-1).astype(F32)


def segment_positions(start: np.ndarray, direction: np.ndarray, geometry: ScanGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Probe positions (..., P, 2) of one segment and the start of the next one (..., 2).

    `direction` must already be a unit vector (see `unit_directions`).
    """
    start = np.asarray(start, F32)
    step = F32(geometry.spacing) * np.asarray(direction, F32)
    k = np.arange(geometry.probes_per_segment, dtype=F32)[:, None]
    positions = start[..., None, :] + k * step[..., None, :]
    next_start = start + F32(geometry.probes_per_segment) * step
    return positions.astype(F32), next_start.astype(F32)


def path_positions(actions: np.ndarray, geometry: ScanGeometry) -> tuple[np.ndarray, np.ndarray]:
    """All probe positions (T, P, 2) and segment starts (T + 1, 2) for T actions (T, 2)."""
    actions = np.asarray(actions, F32)
    if actions.shape != (geometry.segments, 2):
        raise ValueError(f'expected actions of shape ({geometry.segments}, 2), got {actions.shape}')
    directions = unit_directions(actions)
    starts = [np.asarray(geometry.start, F32)]
    positions = []
    for t in range(geometry.segments):
        pos, nxt = segment_positions(starts[-1], directions[t], geometry)
        positions.append(pos)
        starts.append(nxt)
    return np.stack(positions), np.stack(starts)


def pixel_indices(positions: np.ndarray, image_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Nearest pixel of each position (round half up, never floor) clamped to the image, and off-image flags."""
    raw = np.floor(np.asarray(positions, F32) + F32(0.5)).astype(np.int64)
    off = np.any((raw < 0) | (raw >= image_size), axis=-1)
    return np.clip(raw, 0, image_size - 1), off


def sample(image: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read the image at the nearest pixel of each position: (values, clamped indices, off-image flags)."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim != 2 or image.shape[0] != image.shape[1]:
        raise ValueError(f'expected a square 2-D image, got shape {image.shape}')
    idx, off = pixel_indices(positions, image.shape[0])
    return image[idx[..., 0], idx[..., 1]].astype(F32), idx, off


def detector(values: np.ndarray, view=PERFECT_VIEW) -> np.ndarray:
    """Image values -> what the calibrated detector reports through a view (gain, offset): gain * values + offset."""
    gain, offset = (F32(v) for v in view)
    return (gain * np.asarray(values, F32) + offset).astype(F32)


def normalise_samples(values: np.ndarray) -> np.ndarray:
    """A scan's samples (any shape) mapped linearly onto [-1, 1] by their own minimum and maximum (all 0 if constant).

    What the generator sees: a finished scan may use all of its samples, never the image it did not see.
    """
    v = np.asarray(values, F32)
    lo, hi = v.min(), v.max()
    span = hi - lo
    if span <= F32(0.0):
        return np.zeros_like(v)
    return ((v - lo) * (F32(2.0) / span) - F32(1.0)).astype(F32)


def partial_scan(values: np.ndarray, indices: np.ndarray, image_size: int) -> np.ndarray:
    """Scatter a scan's normalised samples into an (H, W, 2) array: channel 0 the values (0 elsewhere), channel 1 the mask."""
    out = np.zeros((image_size, image_size, 2), F32)
    idx = np.asarray(indices).reshape(-1, 2)
    out[idx[:, 0], idx[:, 1], 0] = normalise_samples(values).reshape(-1)
    out[idx[:, 0], idx[:, 1], 1] = 1.0
    return out


def step_penalties(off: np.ndarray, geometry: ScanGeometry) -> np.ndarray:
    """E_t per segment: the over-edge penalty where any probe of the segment is off the image."""
    return np.where(np.any(off, axis=-1), F32(geometry.over_edge_penalty), F32(0.0)).astype(F32)


@dataclass
class ScanEnvironment:
    """One scan, one segment at a time: the NumPy scanner of the board program and of the integer references.

    `reset(image, view)` returns x_0; `step(action)` scans the next segment and returns the next observation. Without an
    image, each step's `read(positions) -> values` is the microscope. Everything acquired so far stays in the record
    (positions, values, indices, actions, penalties).
    """

    geometry: ScanGeometry
    image: np.ndarray | None = None
    view: tuple = PERFECT_VIEW
    starts: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    positions: list = field(default_factory=list)
    values: list = field(default_factory=list)
    indices: list = field(default_factory=list)
    penalties: list = field(default_factory=list)

    def reset(self, image: np.ndarray | None = None, view=PERFECT_VIEW) -> np.ndarray:
        self.image, self.view = None if image is None else np.asarray(image, F32), tuple(view)
        self.starts = [np.asarray(self.geometry.start, F32)]
        self.actions, self.positions, self.values, self.indices, self.penalties = [], [], [], [], []
        return initial_observation(self.geometry).astype(F32)

    @property
    def done(self) -> bool:
        return len(self.actions) == self.geometry.segments

    def step(self, action: np.ndarray, read=None) -> np.ndarray:
        """Scan the segment chosen by `action` and return the observation for the next decision.

        `read(positions) -> values` is a microscope reporting calibrated values for the segment's P probe positions; by
        default the environment reads `self.image` through `self.view` at the nearest pixels.
        """
        if self.done:
            raise RuntimeError('scan finished: call reset() before step()')
        direction = unit_directions(np.asarray(action, F32))
        pos, nxt = segment_positions(self.starts[-1], direction, self.geometry)
        if read is None:
            image_values, idx, off = sample(self.image, pos)
            vals = detector(image_values, self.view)
        else:
            idx, off = pixel_indices(pos, self.geometry.image_size)
            vals = np.asarray(read(pos), F32)
            if vals.shape != (self.geometry.probes_per_segment,):
                raise ValueError(f'microscope returned {vals.shape} values for {self.geometry.probes_per_segment} probes')
        self.actions.append(np.asarray(action, F32))
        self.positions.append(pos)
        self.values.append(vals)
        self.indices.append(idx)
        self.penalties.append(step_penalties(off, self.geometry))
        self.starts.append(nxt)
        return encode_observation(vals, nxt, self.geometry).astype(F32)

    def partial_scan(self) -> np.ndarray:
        return partial_scan(np.array(self.values), np.array(self.indices), self.geometry.image_size)


def rollout(image: np.ndarray, actions: np.ndarray, geometry: ScanGeometry, view=PERFECT_VIEW) -> dict:
    """Scan a whole path of T actions at once: positions, indices, values, penalties, observations, partial scan."""
    positions, starts = path_positions(actions, geometry)
    image_values, idx, off = sample(image, positions)
    values = detector(image_values, view)
    obs = encode_observation(values, starts[1:], geometry).astype(F32)
    return {
        'positions': positions,
        'starts': starts,
        'indices': idx,
        'values': values,
        'off_image': off,
        'penalties': step_penalties(off, geometry),
        'observations': obs,
        'partial_scan': partial_scan(values, idx, geometry.image_size),
    }
