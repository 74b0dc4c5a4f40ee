"""Fixed (non-adaptive) scan paths at equal dose: exactly `geometry.probes` probes, successive probes `spacing` apart.

Every path starts at the image centre, like the adaptive scans. Segment paths (serpentine, random walks, the learned
fixed path) are T directions run through the same environment as the actor (`model.scan_numpy.path_positions`), so
their spacing is exact by construction; the spiral is a continuous curve with probes placed one chord `spacing` apart.

Which random walk is used where: `FIXED_PATHS['random_walk']` (generator training and quality benchmarks) is
`random_walk_inside`, so its dose is never wasted off the image; `random_walk` (free uniform angles, may leave the image
and pay the edge penalty) is the "random directions" actor baseline, i.e. what an untrained actor does.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from model.geometry import ScanGeometry
from model.scan_numpy import (
    partial_scan,
    path_positions,
    pixel_indices,
    sample,
    segment_positions,
    step_penalties,
    unit_directions,
)


def _spiral_angles(b: float, n: int, d: float) -> np.ndarray:
    """Angles phi_0 = 0 < phi_1 < ... of n points on r = b phi with successive chords exactly d (Newton per point)."""
    phi = np.zeros(n)
    for k in range(1, n):
        prev = b * phi[k - 1] * np.array([np.sin(phi[k - 1]), np.cos(phi[k - 1])])
        x = phi[k - 1] + d / (b * np.sqrt(1 + phi[k - 1] ** 2))  # arc length ~ chord: one step of size d
        for _ in range(20):
            p = b * x * np.array([np.sin(x), np.cos(x)])
            dp = b * np.array([np.sin(x) + x * np.cos(x), np.cos(x) - x * np.sin(x)])
            f = p - prev
            delta = (f @ f - d * d) / (2 * f @ dp)
            x -= delta
            if abs(delta) < 1e-12:
                break
        phi[k] = x
    return phi


def spiral(geometry: ScanGeometry) -> np.ndarray:
    """Archimedean spiral r = b phi from the centre: positions (T * P, 2), successive probes exactly `spacing` apart.

    Pitch: the curve's length is s(phi) = b/2 (phi sqrt(1 + phi^2) + asinh(phi)) ~ b phi^2 / 2 = r^2 / (2 b), so
    reaching the outer radius r_max after n - 1 spacings (n = T * P probes) needs b = r_max^2 / (2 (n - 1) spacing).
    r_max is half the image minus one pixel and one spacing, so the last turn stays inside the image and the dose
    covers the inscribed disc evenly (turn pitch 2 pi b ~ 11.6 px for the defaults, about image_size / (2 * turns)
    with ~3.9 turns). The chord condition is solved exactly; b is then corrected once so the last probe sits at r_max.
    """
    n, d = geometry.probes, geometry.spacing
    r_max = geometry.image_size / 2 - 1.0 - d
    b = r_max**2 / (2 * (n - 1) * d)
    phi = _spiral_angles(b, n, d)
    b *= (r_max / (b * phi[-1])) ** 2  # r_last ~ sqrt(2 b s): rescale b so the spiral ends at r_max
    phi = _spiral_angles(b, n, d)
    pts = b * phi[:, None] * np.stack([np.sin(phi), np.cos(phi)], -1)
    return (pts + np.asarray(geometry.start)).astype(np.float32)


def spiral_polygon(geometry: ScanGeometry) -> np.ndarray:
    """The spiral as T straight segments (actions (T, 2)): each segment heads from where the last one ended towards the
    spiral's probe one segment further along it, so the polygon chases the smooth curve (the planned base path the
    segment policies deviate from, and the spiral a segment-by-segment scanner such as the FPGA sequencer can run)."""
    curve, p = spiral(geometry).astype(np.float64), geometry.probes_per_segment
    start, actions = np.asarray(geometry.start, np.float32), []
    for t in range(geometry.segments):
        action = unit_directions(_towards(start, curve[min((t + 1) * p, len(curve) - 1)]))
        actions.append(action)
        start = segment_positions(start, action, geometry)[1]
    return np.array(actions, np.float32)


def _towards(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    v = np.asarray(b, np.float64) - np.asarray(a, np.float64)
    return v / np.linalg.norm(v)


def serpentine(geometry: ScanGeometry, lanes: int = 6, lane_segments: int = 2, margin: float = 6.0) -> np.ndarray:
    """A boustrophedon of T segments (actions (T, 2)): two segments from the centre to the top-left, then lanes.

    Every segment has the same length L = P * spacing, so a lane is `lane_segments` segments long and each turn to the
    next lane is one diagonal segment that drops by the lane pitch h and runs back by sqrt(L^2 - h^2). The lanes are
    spread over the image height between `margin` and size - margin, and the block is centred horizontally.
    """
    size, T, L = geometry.image_size, geometry.segments, geometry.segment_length
    if 2 + lanes * (lane_segments + 1) - 1 > T:
        raise ValueError(f'{lanes} lanes of {lane_segments} segments need more than T = {T} segments')
    h = (size - 2 * margin) / lanes
    if h >= L:
        raise ValueError(f'lane pitch {h:.1f} px must be shorter than a segment ({L:.1f} px): use more lanes')
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


def random_walk(geometry: ScanGeometry, seed: int = 0) -> np.ndarray:
    """T directions (actions (T, 2)) at uniformly random angles: the "random directions" baseline; may leave the image."""
    angle = np.random.default_rng(seed).uniform(0, 2 * np.pi, geometry.segments)
    return np.stack([np.sin(angle), np.cos(angle)], -1).astype(np.float32)


def random_walk_inside(geometry: ScanGeometry, seed: int = 0, tries: int = 1000) -> np.ndarray:
    """Like `random_walk`, but a direction whose probes (or the next segment's start) would leave the image is redrawn.

    A segment is at most 28.3 px long and from any point of the image the direction towards the centre stays inside,
    so a valid direction always exists; `tries` only bounds the loop.
    """
    rng = np.random.default_rng(seed)
    start, actions = np.asarray(geometry.start, np.float32), []
    for _ in range(geometry.segments):
        for _ in range(tries):
            angle = rng.uniform(0, 2 * np.pi)
            action = np.array([np.sin(angle), np.cos(angle)], np.float32)
            probes, end = segment_positions(start, unit_directions(action), geometry)  # exactly as the environment
            if not pixel_indices(np.vstack([probes, end]), geometry.image_size)[1].any():
                break
        else:
            raise RuntimeError(f'no direction keeps the walk inside the image from {start} after {tries} tries')
        actions.append(action)
        start = end
    return np.array(actions, np.float32)


def positions_of(actions: np.ndarray, geometry: ScanGeometry) -> np.ndarray:
    """Probe positions (T * P, 2) of a segment path given by T actions."""
    return path_positions(actions, geometry)[0].reshape(-1, 2)


def learned_fixed_path(actions, geometry: ScanGeometry) -> np.ndarray:
    """Probe positions (T * P, 2) of T learned directions (from a blind CRDPG run's checkpoint extras)."""
    actions = np.asarray(actions, np.float64)
    if actions.shape != (geometry.segments, 2) or not np.isfinite(actions).all():
        raise ValueError(
            f'a learned path must be {geometry.segments} finite [row, col] directions, got shape {actions.shape}; '
            'train one with actor_mode=blind or fix the JSON'
        )
    return positions_of(actions.astype(np.float32), geometry)


def load_learned_path(path: str | Path, geometry: ScanGeometry) -> np.ndarray:
    """Positions of a learned path stored as a JSON list of T [row, col] directions (or extras.json with 'learned_path')."""
    try:
        loaded = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f'cannot read a learned path from {path}: {err}') from err
    if isinstance(loaded, dict):
        if 'learned_path' not in loaded:
            raise ValueError(f"{path} has no 'learned_path' entry (only blind CRDPG checkpoints have one)")
        loaded = loaded['learned_path']
    return learned_fixed_path(loaded, geometry)


def path_penalty(positions: np.ndarray, geometry: ScanGeometry) -> float:
    """Total over-edge penalty of a path (segments of P probes; a spiral is cut into pieces of P for this count)."""
    _, off = pixel_indices(positions, geometry.image_size)
    return float(step_penalties(off.reshape(-1, geometry.probes_per_segment), geometry).sum())


def base_path(name: str, geometry: ScanGeometry) -> np.ndarray:
    """The T directions (T, 2) of a fixed segment path an actor can clone: 'serpentine' or 'random_walk' (inside)."""
    if name == 'serpentine':
        return serpentine(geometry)
    if name == 'random_walk':
        return random_walk_inside(geometry, seed=0)
    raise ValueError(f"unknown base path {name!r}; choose 'serpentine' or 'random_walk'")


def perturbed(actions: np.ndarray, rng: np.random.Generator, sigma: float, theta: float = 0.1) -> np.ndarray:
    """Directions (T, 2) rotated by Ornstein-Uhlenbeck angles (the exploration noise of training); may leave the image."""
    eps, out = 0.0, []
    for a in np.asarray(actions, np.float64):
        eps = eps - theta * eps + sigma * rng.standard_normal()
        c, s = np.cos(eps), np.sin(eps)
        out.append([c * a[0] - s * a[1], s * a[0] + c * a[1]])
    return np.array(out, np.float32)


def path_bank(geometry: ScanGeometry, seed: int = 0, walks: int = 512, perturbations: int = 512) -> np.ndarray:
    """A broad set of valid paths (K, T * P, 2) on which a generator learns to complete any reasonable scan: the spiral,
    the serpentine, random walks that stay inside, and the serpentine's directions perturbed by rotation noise."""
    rng = np.random.default_rng(seed)
    paths = [spiral(geometry), positions_of(serpentine(geometry), geometry)]
    paths += [positions_of(random_walk_inside(geometry, seed=int(s)), geometry) for s in rng.integers(0, 2**31, walks)]
    paths += [positions_of(perturbed(serpentine(geometry), rng, sigma=0.3), geometry) for _ in range(perturbations)]
    return np.stack(paths).astype(np.float32)


FIXED_PATHS = {
    'spiral': spiral,
    'spiral_polygon': lambda g: positions_of(spiral_polygon(g), g),
    'serpentine': lambda g: positions_of(serpentine(g), g),
    'random_walk': lambda g: positions_of(random_walk_inside(g, seed=0), g),
}
"""Name -> function(geometry) giving the probe positions (T * P, 2) of each fixed path."""


def partial_scan_for(image: np.ndarray, positions: np.ndarray, geometry: ScanGeometry) -> np.ndarray:
    """Partial scan (H, W, 2) of one image along a fixed path: channel 0 sampled values, channel 1 the mask."""
    values, idx, _ = sample(image, positions)
    return partial_scan(values, idx, geometry.image_size)
