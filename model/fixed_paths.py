"""Fixed (non-adaptive) scan paths at equal dose: exactly `geometry.probes` probes, successive probes `spacing` apart.

Every path starts at the image centre, like the adaptive scans. Segment paths (serpentine, random walk, the learned fixed
path) are T directions run through the same environment as the actor (`model.scan_numpy.path_positions`); the spiral is a
continuous curve sampled at equal arc length.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from model.geometry import ScanGeometry
from model.scan_numpy import partial_scan, path_positions, pixel_indices, sample, step_penalties


def spiral(geometry: ScanGeometry) -> np.ndarray:
    """Archimedean spiral r = b * phi from the centre, probes at equal arc length `spacing` (positions (P, 2)).

    The pitch 2 pi b is chosen so the 400 probes end just inside the largest inscribed circle (radius = half the image
    minus one spacing): the spiral spreads the dose evenly over the disc. The arc length of r = b phi is
    s(phi) = b/2 (phi sqrt(1 + phi^2) + asinh(phi)); probe k sits at s = k * spacing, found by Newton's method.
    """
    n, d = geometry.probes, geometry.spacing
    r_max = geometry.image_size / 2 - 1.0 - d
    # total length n*d must reach r_max: s(phi_max) ~ b phi_max^2 / 2 = r_max^2 / (2 b)  =>  b = r_max^2 / (2 n d)
    b = r_max**2 / (2 * (n - 1) * d)
    s_target = np.arange(n) * d
    phi = np.sqrt(2 * s_target / b)  # initial guess from the large-phi approximation
    for _ in range(50):
        s = b / 2 * (phi * np.sqrt(1 + phi**2) + np.arcsinh(phi))
        phi = phi - (s - s_target) / (b * np.sqrt(1 + phi**2))
    # arc length is not chord length: rescale each step so successive probes are exactly `spacing` apart
    pts = np.stack([b * phi * np.sin(phi), b * phi * np.cos(phi)], -1)
    steps = np.diff(pts, axis=0)
    steps *= d / np.linalg.norm(steps, axis=1, keepdims=True)
    pts = np.concatenate([np.zeros((1, 2)), np.cumsum(steps, axis=0)])
    return (pts + np.asarray(geometry.start)).astype(np.float32)


def _towards(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    v = np.asarray(b, np.float64) - np.asarray(a, np.float64)
    return v / np.linalg.norm(v)


def serpentine_actions(geometry: ScanGeometry, lanes: int = 6, lane_segments: int = 2, margin: float = 6.0) -> np.ndarray:
    """A boustrophedon of T segments (actions (T, 2)): two segments from the centre to the top-left, then lanes.

    Every segment has the same length L = P * spacing, so a lane is `lane_segments` segments long and each turn to the
    next lane is one diagonal segment that drops by the lane pitch h and runs back by sqrt(L^2 - h^2). The lanes are
    spread over the image height between `margin` and size - margin, and the block is centred horizontally.
    """
    size, T, L = geometry.image_size, geometry.segments, geometry.segment_length
    if 2 + lanes * (lane_segments + 1) - 1 > T:
        raise ValueError(f'{lanes} lanes of {lane_segments} segments need more than T = {T} segments')
    h = (size - 2 * margin) / lanes
    back = np.sqrt(L**2 - h**2)
    width = lane_segments * L + back
    top_left = np.array([margin, (size - width) / 2 + back])
    # two equal segments from the centre to the lane start: the apex of an isosceles triangle
    centre = np.asarray(geometry.start, np.float64)
    mid, half = (centre + top_left) / 2, np.linalg.norm(top_left - centre) / 2
    normal = np.array([-(top_left - centre)[1], (top_left - centre)[0]]) / (2 * half)
    apex = mid + normal * np.sqrt(max(L**2 - half**2, 0.0))
    actions = [_towards(centre, apex), _towards(apex, top_left)]
    lane = np.array([0.0, 1.0])
    while len(actions) < T:
        actions += [lane] * lane_segments
        actions.append(np.array([h, -lane[1] * back]) / L)  # diagonal turn down to the next lane
        lane = -lane
    return np.array(actions[:T], np.float32)


def random_walk_actions(geometry: ScanGeometry, seed: int = 0, inside: bool = True, tries: int = 1000) -> np.ndarray:
    """T uniformly random directions. With `inside`, a direction whose segment would leave the image is redrawn."""
    rng = np.random.default_rng(seed)
    start, actions = np.asarray(geometry.start, np.float64), []
    for _ in range(geometry.segments):
        for _ in range(tries):
            angle = rng.uniform(0, 2 * np.pi)
            direction = np.array([np.sin(angle), np.cos(angle)])
            end = start + geometry.segment_length * direction
            probes = start + np.arange(geometry.probes_per_segment)[:, None] * geometry.spacing * direction
            if not inside or (np.all(probes > -0.5) and np.all(probes < geometry.image_size - 0.5) and np.all(end > -0.5) and np.all(end < geometry.image_size - 0.5)):
                break
        actions.append(direction)
        start = end
    return np.array(actions, np.float32)


def positions_of(actions: np.ndarray, geometry: ScanGeometry) -> np.ndarray:
    """Probe positions (T * P, 2) of a segment path."""
    return path_positions(actions, geometry)[0].reshape(-1, 2)


def learned_fixed_path(actions, geometry: ScanGeometry) -> np.ndarray:
    """Probe positions of T learned directions (from a blind CRDPG run's checkpoint extras)."""
    actions = np.asarray(actions, np.float64)
    if actions.shape != (geometry.segments, 2) or not np.isfinite(actions).all():
        raise ValueError(f'a learned path must be {geometry.segments} finite [row, col] directions, got shape {actions.shape}')
    return positions_of(actions.astype(np.float32), geometry)


def load_learned_path(path: str | Path, geometry: ScanGeometry) -> np.ndarray:
    """Positions of a learned path stored as a JSON list of T [row, col] directions (or extras.json with 'learned_path')."""
    loaded = json.loads(Path(path).read_text())
    return learned_fixed_path(loaded['learned_path'] if isinstance(loaded, dict) else loaded, geometry)


def path_penalty(positions: np.ndarray, geometry: ScanGeometry) -> float:
    """Total over-edge penalty of a path (segments of P probes; a spiral is cut into pieces of P for this count)."""
    _, off = pixel_indices(positions, geometry.image_size)
    return float(step_penalties(off.reshape(-1, geometry.probes_per_segment), geometry).sum())


FIXED_PATHS = {
    'spiral': spiral,
    'serpentine': lambda g: positions_of(serpentine_actions(g), g),
    'random_walk': lambda g: positions_of(random_walk_actions(g, seed=0, inside=True), g),
}


def partial_scan_for(image: np.ndarray, positions: np.ndarray, geometry: ScanGeometry) -> np.ndarray:
    """Partial scan (H, W, 2) of one image along a fixed path."""
    values, idx, _ = sample(image, positions)
    return partial_scan(values, idx, geometry.image_size)
