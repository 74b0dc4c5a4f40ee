"""Segment-greedy scan policies: the K candidate next segments of a decision, and the one scanner that runs such a policy.

At decision t, with segments 0..t-1 scanned, a policy scores K candidate directions u_k (training.imitation's
`candidate_directions`) and takes the best valid one. A candidate is valid when its segment stays on the image and ends
where the next segment can still start on it (from outside every direction leaves). Every segment-greedy policy of the
project runs through `greedy_scan`: the clairvoyant teacher, the predicted-error policy (training/error_map.py), the
ERD policy and its planned variants (training/erd.py); they differ only in their scoring function, which sees a
`Decision`: what has been scanned so far and where each candidate would go.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from keras import ops

from model import scan_ops
from model.geometry import ScanGeometry


def leaves_image(start, direction, geometry: ScanGeometry):
    """Whether a segment from `start` (N, 2) along `direction` (N, 2) leaves the image, or ends where the next one would
    start outside it (from there every direction leaves): (N,) booleans."""
    positions, next_start = scan_ops.segment_positions(start, direction, geometry)
    _, off = scan_ops.pixel_indices(positions, geometry.image_size)
    _, off_next = scan_ops.pixel_indices(next_start, geometry.image_size)
    return ops.any(off, axis=-1) | off_next


def segment_pixels(start, direction, geometry: ScanGeometry):
    """(N, H * W) with 1 at every pixel a segment from `start` along `direction` would scan (each pixel once)."""
    positions, _ = scan_ops.segment_positions(start, direction, geometry)
    idx, _ = scan_ops.pixel_indices(positions, geometry.image_size)
    size, n = geometry.image_size, positions.shape[0]
    flat = ops.reshape(ops.arange(n, dtype='int32')[:, None] * size * size + idx[..., 0] * size + idx[..., 1], (-1, 1))
    hits = ops.scatter(flat, ops.ones((flat.shape[0],)), (n * size * size,))
    return ops.reshape(ops.minimum(hits, 1.0), (n, size * size))


def _each_candidate(start, candidates):
    """(N * K, 2) starts and directions: every candidate (N, K, 2) from its scan's start, candidate index fastest."""
    return ops.repeat(start, candidates.shape[1], axis=0), ops.reshape(candidates, (-1, 2))


@dataclass
class Decision:
    """What a scoring function sees at decision t of a batch of N scans: the samples so far and the K candidates."""

    t: int
    """segments scanned so far (0..T-1)"""
    start: object
    """(N, 2) where the next segment starts"""
    values: object
    """(N, t, P) calibrated detector values of the segments so far"""
    indices: object
    """(N, t, P, 2) their pixel indices"""
    candidates: object
    """(N, K, 2) each scan's candidate directions"""
    geometry: ScanGeometry

    @property
    def n(self) -> int:
        return self.start.shape[0]

    @cached_property
    def partial(self):
        """(N, H, W, 2) the partial scan so far (values normalised by what was seen, and the mask); zeros at t = 0."""
        size = self.geometry.image_size
        if self.t == 0:
            return ops.zeros((self.n, size, size, 2))
        return scan_ops.partial_scans(self.values, self.indices, size)

    @cached_property
    def valid(self):
        """(N, K) whether each candidate stays on the image (see `leaves_image`)."""
        starts, dirs = _each_candidate(self.start, self.candidates)
        return ops.reshape(~leaves_image(starts, dirs, self.geometry), (self.n, -1))

    @cached_property
    def unscanned_pixels(self):
        """(N, K, H * W): 1 at every pixel candidate k would scan that no earlier segment scanned."""
        starts, dirs = _each_candidate(self.start, self.candidates)
        covered = ops.reshape(segment_pixels(starts, dirs, self.geometry), (self.n, self.candidates.shape[1], -1))
        return covered * (1.0 - ops.reshape(self.partial[..., 1], (self.n, 1, -1)))

    def extended(self, images, views):
        """The N * K scans (candidate index fastest) with each candidate's segment added: (values, indices) of t + 1
        segments, read from images (N, H, W) through views (N, 2). Clairvoyant: only a teacher may call this."""
        k = self.candidates.shape[1]
        starts, dirs = _each_candidate(self.start, self.candidates)
        positions, _ = scan_ops.segment_positions(starts, dirs, self.geometry)
        raw, idx, _ = scan_ops.sample(ops.repeat(images, k, axis=0), positions, self.geometry.image_size)
        new = scan_ops.detector(raw, ops.repeat(views, k, axis=0))
        if self.t == 0:
            return new[:, None], idx[:, None]
        values = ops.concatenate([ops.repeat(self.values, k, axis=0), new[:, None]], axis=1)
        return values, ops.concatenate([ops.repeat(self.indices, k, axis=0), idx[:, None]], axis=1)


def fixed_candidates(directions):
    """The same K candidate directions (K, 2) at every decision (an evenly spaced set: imitation.candidate_directions)."""
    grid = ops.convert_to_tensor(np.asarray(directions, np.float32))
    return lambda t, start: ops.broadcast_to(grid[None], (start.shape[0], *grid.shape))


def greedy_scan(score, images, views, geometry: ScanGeometry, candidates, blind_path=()):
    """Directions (N, T, 2) of a segment-greedy policy scanning images (N, H, W) through detector views (N, 2).

    candidates: K directions (K, 2) offered at every decision, or a function (t, start (N, 2)) -> (N, K, 2) of each
    scan's candidates (deviations from a planned path, erd.base_relative_candidates). score: Decision -> (N, K) scores,
    higher is better; invalid candidates are never taken. The first len(blind_path) decisions take the candidates
    blind_path lists (indices) instead: nothing has been seen yet.
    """
    n, T = images.shape[0], geometry.segments
    offered = candidates if callable(candidates) else fixed_candidates(candidates)
    start = scan_ops.initial_start(n, geometry)
    values, indices, directions = [], [], []
    for t in range(T):
        cand = offered(t, start)
        if t < len(blind_path):
            choice = ops.full((n,), int(blind_path[t]), 'int32')
        else:
            decision = Decision(
                t,
                start,
                ops.stack(values, 1) if values else None,
                ops.stack(indices, 1) if indices else None,
                cand,
                geometry,
            )
            scores = ops.where(decision.valid, ops.convert_to_tensor(score(decision)), -float('inf'))
            choice = ops.argmax(scores, axis=1)
        taken = ops.take_along_axis(cand, ops.reshape(choice, (n, 1, 1)), axis=1)[:, 0]
        directions.append(taken)
        _, start, _, v, idx, _ = scan_ops.scan_segment(images, start, taken, views, geometry)
        values.append(v)
        indices.append(idx)
    return ops.stack(directions, 1)
