"""The segment-greedy teacher and the actor's imitation of it (DAgger), written once in `keras.ops`.

Teacher (clairvoyant, segment-greedy). At decision t, with segments 0..t-1 scanned, each of K candidate directions
u_k = (sin 2 pi k / K, cos 2 pi k / K) is tried as segment t: the partial scan of segments 0..t is completed by the
generator and scored by its MSE against the true image (which no live scan knows: the teacher is clairvoyant). A
candidate whose segment leaves the image, or ends where the next one would start outside it, scores OFF_IMAGE more. The teacher takes the lowest score. Its first `blind`
decisions follow the base path instead: nothing has been seen yet, and a spread-out blind start followed by greedy
choices beats greedy from the first move (the greedy choice is myopic).

Imitation (DAgger, Ross et al. 2011). Scans are rolled in by a mixture: at each decision the teacher's choice with
probability beta, else the actor's own direction; every visited state is labelled with the teacher's scores over the K
candidates, turned into a target distribution (a softmax of the relative score excess over the best, `temperature`), and
kept in an aggregate buffer. The actor (the same per-step cell the FPGA runs, observations unchanged) learns by cross
entropy between that target and a von Mises distribution over the K candidates centred on its direction, of fixed
concentration: logits kappa * <v / |v|, u_k>. Beta falls from 1 to `dagger_beta_end` over the imitation phase, so later
labels come from the states the actor itself visits.
"""

from __future__ import annotations

import math

import numpy as np
from keras import ops

from model import scan_ops
from model.geometry import ScanGeometry
from training.candidates import leaves_image

OFF_IMAGE = 10.0
"""added to the score of a candidate whose segment leaves the image (MSEs of [-1, 1] images are below 4)"""


def candidate_directions(k: int) -> np.ndarray:
    """K unit directions (K, 2) = (row, col), evenly spaced, the first one along +col."""
    angle = 2 * math.pi * np.arange(k) / k
    return np.stack([np.sin(angle), np.cos(angle)], -1).astype(np.float32)


def blind_start(base_path: str, segments: int, candidates: np.ndarray, geometry: ScanGeometry) -> np.ndarray:
    """The candidates (indices, (segments,)) closest in angle to the first `segments` directions of a base path."""
    from model.fixed_paths import base_path as directions_of

    directions = directions_of(base_path, geometry)[:segments]
    return np.argmax(directions @ candidates.T, axis=-1).astype(np.int32)


def teacher_scores(complete, images, views, directions, t: int, candidates, geometry: ScanGeometry):
    """Scores (B, K): completion MSE after segments 0..t with candidate k as segment t (+ OFF_IMAGE if it leaves the
    image or ends where the next segment would start outside it, training.candidates.leaves_image).

    complete: partial scans (N, H, W, 2) -> completions (N, H, W, 1); images (B, H, W); views (B, 2); directions (B, T, 2)
    holds the directions of segments 0..t-1 (later entries are ignored); candidates (K, 2).
    """
    b, k, T = images.shape[0], candidates.shape[0], geometry.segments
    slot = ops.reshape(ops.one_hot(t, T), (1, T, 1))
    tried = ops.repeat(directions, k, axis=0) * (1.0 - slot) + ops.tile(candidates, (b, 1))[:, None, :] * slot
    imgs = ops.repeat(images, k, axis=0)
    scan = scan_ops.scan_paths(imgs, tried, ops.repeat(views, k, axis=0), geometry)
    keep = scan_ops.stage_mask(ops.full((b * k,), t + 1, 'int32'), geometry)
    keep = ops.broadcast_to(keep[:, :, None], scan['values'].shape)
    partial = scan_ops.partial_scans(scan['values'], scan['indices'], geometry.image_size, keep)
    mse = ops.mean(ops.square(complete(partial)[..., 0] - imgs), axis=(1, 2))
    off = leaves_image(scan['positions'][:, t, 0], ops.tile(candidates, (b, 1)), geometry)
    return ops.reshape(mse + ops.where(off, OFF_IMAGE, 0.0), (b, k))


def soft_targets(scores, temperature: float):
    """Target distribution over candidates from scores (B, K): softmax(-(score / best - 1) / temperature); 0: one-hot."""
    k = scores.shape[-1]
    if temperature <= 0:
        return ops.one_hot(ops.argmin(scores, axis=-1), k)
    best = ops.min(scores, axis=-1, keepdims=True)
    return ops.softmax(-(scores / ops.maximum(best, 1e-8) - 1.0) / temperature, axis=-1)


def rollout(
    complete, images, views, geometry: ScanGeometry, candidates, blind_path, *, actor=None, coins=None, beta=1.0,
    temperature: float = 0.0,
):  # fmt: skip
    """Roll in scans of images (B, H, W) with the teacher, or a mixture of teacher and actor, labelling every decision.

    complete: the generator as a function of partial scans; candidates (K, 2); blind_path (T,) candidate indices the
    first decisions follow; actor: None (teacher only) or (step, state) of the actor's cell; coins (B, T) uniform draws:
    the teacher decides where coin < beta. Returns the directions taken (B, T, 2), the target distributions (B, T, K)
    and the share of decisions (after the blind ones) where the actor's direction was nearest the teacher's choice.
    """
    b, T, k = images.shape[0], geometry.segments, candidates.shape[0]
    cand = ops.convert_to_tensor(candidates)
    directions = ops.zeros((b, T, 2))
    x, start = ops.zeros((b, geometry.probes_per_segment + 2)), scan_ops.initial_start(b, geometry)
    targets, agree = [], []
    step, state = actor if actor is not None else (None, None)
    for t in range(T):
        if step is not None:
            v, state = step(x, state)
            own = scan_ops.unit_directions(v)
        if t < len(blind_path):
            target = ops.broadcast_to(ops.one_hot(int(blind_path[t]), k)[None], (b, k))
            taken = ops.broadcast_to(cand[int(blind_path[t])][None], (b, 2))
        else:
            scores = teacher_scores(complete, images, views, directions, t, cand, geometry)
            target = soft_targets(scores, temperature)
            best = ops.argmin(scores, axis=-1)
            taken = ops.take(cand, best, axis=0)
            if step is not None:
                agree.append(ops.cast(ops.equal(ops.argmax(ops.matmul(own, ops.transpose(cand)), axis=-1), best), 'float32'))
                taken = ops.where(coins[:, t : t + 1] < beta, taken, own)
        directions = directions + ops.reshape(ops.one_hot(t, T), (1, T, 1)) * taken[:, None, :]
        x, start, *_ = scan_ops.scan_segment(images, start, taken, views, geometry)
        targets.append(target)
    agreement = ops.mean(ops.stack(agree)) if agree else ops.convert_to_tensor(1.0)
    return directions, ops.stack(targets, axis=1), agreement


def imitation_loss(actions, targets, candidates, concentration: float):
    """Cross entropy (N,) of target distributions (N, T, K) under a von Mises over the K candidates centred on each
    action's direction (N, T, 2): logits concentration * <v / |v|, u_k>; mean over the T decisions."""
    logits = concentration * ops.matmul(scan_ops.unit_directions(actions), ops.transpose(ops.convert_to_tensor(candidates)))
    return -ops.mean(ops.sum(targets * ops.log_softmax(logits, axis=-1), axis=-1), axis=1)
