"""Expected reduction in distortion (ERD): a network that predicts how much scanning each candidate segment would
reduce the completion error, and the segment policies built on it (DLADS / SLADS-Net's idea, for segments).

Labels (clairvoyant, on the training images only). At a decision with segments 0..t-1 scanned, the generator completes
the partial scan (MSE m0 against the true image) and the scan with each candidate k added (MSE m_k); the relative
reduction is r_k = (m0 - m_k) / m0. A candidate's r_k depends on pixels nobody has seen, so the best candidate is noise
given the scan (why imitating the clairvoyant teacher's choices failed); its conditional expectation given the scan is
what a regression on r_k learns, and the argmax of that expectation is the best a causal one-step policy can do.

Network. The generator's U-Net layout over seven planes: the partial scan (values, mask), each pixel's distance to the
nearest scanned pixel (SLADS's distance feature: without it the network fitted on 1,500 images chose no better than at
random, bench/results/adaptivity.md), the pixel coordinates, a blob where the next segment starts and the share of the
scan done. It outputs a map rho; a candidate's predicted reduction is
the sum of rho over the pixels it would scan that are not scanned yet, so one pass scores every candidate. Loss: squared
error on r_k over the valid candidates plus a listwise ranking term (cross entropy between softmax(r / tau) and
softmax(prediction / tau)), which weighs what the policy uses: the order of candidates within a decision.

Policies (scoring functions for training.candidates.greedy_scan):
  erd        the highest predicted reduction (myopic: one segment ahead)
  tethered   predicted reduction minus `tether` x the distance (in segment lengths) from the candidate's end to the
             planned base path's next vertex (the spiral's polygon): coverage planned, adaptivity local
  lookahead  predicted reduction now plus `discount` x the best predicted reduction one segment later, on the scan
             with the candidate's pixels imputed by the generator's completion (a two-segment beam)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from keras import ops

from model import scan_ops
from model.geometry import ScanGeometry
from model.specs import GeneratorSpec
from training.candidates import Decision, segment_pixels

ERD_NET = GeneratorSpec(channels=16, residual_blocks=2, skips=True)
"""the ERD network's layout: the generator's (U-Net), over FEATURE_PLANES input planes"""
FEATURE_PLANES = 7
COVERAGE_REACH = 24
"""pixels: the distance-to-scan plane counts dilations of the scanned mask up to this many (SLADS's distance feature)"""


# ---- what the network sees -------------------------------------------------------------------------------------------
def distance_to_scan(mask, reach: int = COVERAGE_REACH):
    """(N, H, W): each pixel's chessboard distance to the nearest scanned pixel of masks (N, H, W), in units of `reach`
    and capped at 1 (1 everywhere before anything is scanned): the number of 3 x 3 dilations of the mask needed to
    reach the pixel."""
    covered, missing = mask[..., None], []
    for _ in range(reach):
        missing.append(1.0 - covered[..., 0])
        covered = ops.max_pool(covered, 3, strides=1, padding='same')
    return ops.sum(ops.stack(missing, axis=-1), axis=-1) / reach


def feature_planes(partial, start, done: float | object, geometry: ScanGeometry):
    """(N, H, W, 7): partial scan (values, mask), its distance-to-scan plane, row and column in [-1, 1], a Gaussian blob
    (sigma = half a segment) at the next segment's start (N, 2), and the share of segments scanned `done` (scalar or
    (N,))."""
    n, size = partial.shape[0], geometry.image_size
    axis = (ops.arange(size, dtype='float32') - (size - 1) / 2.0) / (size / 2.0)
    rows = ops.broadcast_to(axis[None, :, None], (n, size, size))
    cols = ops.broadcast_to(axis[None, None, :], (n, size, size))
    pix = ops.arange(size, dtype='float32')
    d2 = ops.square(pix[None, :, None] - start[:, 0, None, None]) + ops.square(pix[None, None, :] - start[:, 1, None, None])
    blob = ops.exp(-d2 / (2.0 * (geometry.segment_length / 2.0) ** 2))
    progress = ops.broadcast_to(ops.reshape(ops.cast(done, 'float32'), (-1, 1, 1)), (n, size, size))
    distance = distance_to_scan(partial[..., 1])
    return ops.concatenate([partial, ops.stack([distance, rows, cols, blob, progress], axis=-1)], axis=-1)


def decision_features(d: Decision):
    return feature_planes(d.partial, d.start, d.t / d.geometry.segments, d.geometry)


def build_erd_net(geometry: ScanGeometry, seed: int = 0):
    """Feature planes (H, W, 7) -> per-pixel reduction map rho (H, W, 1)."""
    from model.networks import build_generator, initialise

    net = build_generator(geometry, ERD_NET, in_channels=FEATURE_PLANES)
    initialise(net, seed)
    return net


def summed_over_candidates(rho, unscanned_pixels):
    """Predicted reductions (N, K): rho (N, H, W, 1) summed over each candidate's unscanned pixels (N, K, H * W)."""
    return ops.einsum('nkp,np->nk', unscanned_pixels, ops.reshape(rho, (rho.shape[0], -1)))


def predicted_reductions(net, d: Decision):
    return summed_over_candidates(net(decision_features(d), training=False), d.unscanned_pixels)


# ---- clairvoyant labels ------------------------------------------------------------------------------------------------
def completion_mse(complete, partial, images):
    """(N,) MSE of the completions of partial scans (N, H, W, 2) against images (N, H, W)."""
    return ops.mean(ops.square(complete(partial)[..., 0] - images), axis=(1, 2))


def clairvoyant_mse(complete, images, views, d: Decision):
    """(m0 (N,), m (N, K)) as NumPy: completion MSE of the scan so far and with each valid candidate's segment added (an
    invalid candidate, never taken, is not completed: its m is m0)."""
    k = d.candidates.shape[1]
    values, indices = d.extended(images, views)
    rows = np.flatnonzero(ops.convert_to_numpy(d.valid).reshape(-1))
    partial = scan_ops.partial_scans(ops.take(values, rows, 0), ops.take(indices, rows, 0), d.geometry.image_size)
    before = ops.convert_to_numpy(completion_mse(complete, d.partial, images))
    after = np.repeat(before, k).astype(np.float32)
    after[rows] = ops.convert_to_numpy(completion_mse(complete, partial, ops.take(ops.repeat(images, k, 0), rows, 0)))
    return before, after.reshape(d.n, k)


def relative_reductions(before, after):
    """r_k = (m0 - m_k) / m0 for (N,) and (N, K) arrays."""
    before = np.asarray(before, np.float64)[:, None]
    return ((before - np.asarray(after, np.float64)) / np.maximum(before, 1e-12)).astype(np.float32)


@dataclass
class States:
    """Labelled decisions: which augmented training image, the directions taken before it, the clairvoyant MSEs."""

    image: np.ndarray  # (S,) index into the training images
    augment: np.ndarray  # (S,) augmentation (training.augment)
    directions: np.ndarray  # (S, T, 2) directions of the scan the state belongs to (entries >= t are what came next)
    t: np.ndarray  # (S,) segments scanned before the decision
    before: np.ndarray  # (S,) completion MSE of the scan so far
    after: np.ndarray  # (S, K) completion MSE with each candidate added
    valid: np.ndarray  # (S, K) candidate stays on the image

    def __len__(self) -> int:
        return len(self.t)

    def take(self, rows) -> States:
        return States(**{k: v[rows] for k, v in vars(self).items()})

    @staticmethod
    def concatenate(parts: list[States]) -> States:
        return States(**{k: np.concatenate([vars(p)[k] for p in parts]) for k in vars(parts[0])})

    def save(self, path) -> None:
        np.savez_compressed(path, **vars(self))

    @staticmethod
    def load(path) -> States:
        with np.load(path) as f:
            return States(**{k: f[k] for k in f.files})

    @property
    def reductions(self) -> np.ndarray:
        return relative_reductions(self.before, self.after)


def label_rollout(complete, images, views, geometry: ScanGeometry, candidates, blind_path, behaviour, rng):
    """Scan images (N, H, W) with a behaviour policy, labelling every decision after the blind ones clairvoyantly.

    behaviour(decision, after (N, K) clairvoyant MSEs, rng) -> (N, K) scores (the scanner takes the best valid one).
    Returns (directions (N, T, 2), per decision: (t, before (N,), after (N, K), valid (N, K))).
    """
    from training.candidates import greedy_scan

    labels = []

    def score(d: Decision):
        before, after = clairvoyant_mse(complete, images, views, d)
        labels.append((d.t, before, after, ops.convert_to_numpy(d.valid)))
        return behaviour(d, after, rng)

    directions = greedy_scan(score, images, views, geometry, candidates, blind_path)
    return ops.convert_to_numpy(directions), labels


def to_states(image_ids, augments, directions, labels) -> States:
    """The labelled decisions of `label_rollout` as States rows."""
    parts = []
    for t, before, after, valid in labels:
        n = len(before)
        parts.append(
            States(
                np.asarray(image_ids, np.int32), np.asarray(augments, np.int32), directions.astype(np.float32),
                np.full(n, t, np.int32), before.astype(np.float32), after.astype(np.float32), valid.astype(bool),
            )
        )  # fmt: skip
    return States.concatenate(parts)


# ---- the network's inputs for stored states -----------------------------------------------------------------------------
def state_inputs(images, directions, t, candidates, geometry: ScanGeometry):
    """(features (N, H, W, 7), unscanned candidate pixels (N, K, H * W)) of stored decisions: images (N, H, W) scanned
    along directions (N, T, 2) for their first t (N,) segments (the same planes a live Decision gives)."""
    n, k = images.shape[0], candidates.shape[0]
    views = ops.convert_to_tensor(np.tile(np.float32([1.0, 0.0]), (n, 1)))
    scan = scan_ops.scan_paths(images, directions, views, geometry)
    t = ops.convert_to_tensor(np.asarray(t, np.int32))
    keep = ops.broadcast_to(scan_ops.stage_mask(ops.maximum(t, 1), geometry)[:, :, None], scan['values'].shape)
    partial = scan_ops.partial_scans(scan['values'], scan['indices'], geometry.image_size, keep)
    partial = ops.where(ops.reshape(t > 0, (-1, 1, 1, 1)), partial, 0.0)
    start = ops.sum(scan['positions'][:, :, 0] * ops.one_hot(t, geometry.segments)[:, :, None], axis=1)  # segment t's
    cand = ops.convert_to_tensor(candidates)
    covered = segment_pixels(ops.repeat(start, k, 0), ops.tile(cand, (n, 1)), geometry)
    unscanned = ops.reshape(covered, (n, k, -1)) * (1.0 - ops.reshape(partial[..., 1], (n, 1, -1)))
    return feature_planes(partial, start, ops.cast(t, 'float32') / geometry.segments, geometry), unscanned


# ---- training --------------------------------------------------------------------------------------------------------------
def erd_loss(k: int, temperature: float = 0.02, rank_weight: float = 0.01):
    """Loss of predicted reductions (N, K) against targets (N, 2K) = [r_k, valid_k]: squared error over valid
    candidates plus rank_weight x the listwise cross entropy between softmax(r / tau) and softmax(prediction / tau)."""

    def loss(target, predicted):
        r, valid = target[:, :k], target[:, k:]
        count = ops.maximum(ops.sum(valid, axis=1), 1.0)
        squared = ops.sum(valid * ops.square(predicted - r), axis=1) / count
        masked = lambda x: ops.where(valid > 0, x / temperature, -1e4)  # noqa: E731
        cross = -ops.sum(ops.softmax(masked(r), axis=1) * ops.log_softmax(masked(predicted), axis=1), axis=1)
        return squared + rank_weight * cross

    return loss


def erd_trainer(net, geometry: ScanGeometry, k: int, lr: float, temperature: float, rank_weight: float):
    """A Keras model (features, candidate pixels) -> predicted reductions, compiled with `erd_loss`, sharing net's weights."""
    import keras

    features = keras.Input((geometry.image_size, geometry.image_size, FEATURE_PLANES))
    pixels = keras.Input((k, geometry.image_size * geometry.image_size))
    scores = keras.layers.Lambda(lambda z: summed_over_candidates(z[0], z[1]), output_shape=(k,))([net(features), pixels])
    model = keras.Model([features, pixels], scores)
    model.compile(keras.optimizers.Adam(lr), erd_loss(k, temperature, rank_weight))
    return model


def choice_quality(predicted, after, valid) -> dict:
    """How good the choices of a score (S, K) (higher = better) are on labelled decisions: agreement with the clairvoyant
    best valid candidate, regret (relative excess MSE of the chosen candidate over the best, mean over decisions), and the
    same for a uniformly random valid choice."""
    after, valid = np.asarray(after, np.float64), np.asarray(valid, bool)
    best = np.where(valid, after, np.inf).min(1)
    choice = np.argmax(np.where(valid, predicted, -np.inf), axis=1)
    chosen = after[np.arange(len(after)), choice]
    excess = (after - best[:, None]) / best[:, None]
    return {
        'decisions': int(len(after)),
        'agreement': float(np.mean(chosen == best)),
        'regret': float(np.mean((chosen - best) / best)),
        'random_agreement': float(np.mean(1.0 / valid.sum(1))),
        'random_regret': float(np.mean(np.where(valid, excess, 0).sum(1) / valid.sum(1))),
    }


def predict_states(net, images, states: States, candidates, geometry: ScanGeometry, batch: int = 64) -> np.ndarray:
    """Predicted reductions (S, K) of stored states; images are the (un-augmented) training images they index."""
    from training.augment import augment

    out = []
    for i in range(0, len(states), batch):
        s = states.take(slice(i, i + batch))
        imgs = augment(ops.take(images, s.image, axis=0), s.augment)
        features, pixels = state_inputs(imgs, ops.convert_to_tensor(s.directions), s.t, candidates, geometry)
        out.append(ops.convert_to_numpy(summed_over_candidates(net(features, training=False), pixels)))
    return np.concatenate(out)


def fit_erd(
    net, images, states: States, candidates, geometry: ScanGeometry, *, steps: int, batch: int = 32, lr: float = 1e-3,
    temperature: float = 0.02, rank_weight: float = 0.01, seed: int = 0, validation=None, check_every: int = 250,
    log=None, progress: bool = True,
):  # fmt: skip
    """Fit the ERD network to labelled states for `steps` Adam steps; with validation = (images, States), keep the
    weights with the lowest validation regret (checked every `check_every` steps). Returns the loss curve and the
    validation checks [(step, choice_quality)]. log(step, name, value) receives both (TensorBoard)."""
    from tqdm import tqdm

    from training.augment import augment

    k = candidates.shape[0]
    trainer = erd_trainer(net, geometry, k, lr, temperature, rank_weight)
    rng, losses, checks, best = np.random.default_rng(seed), [], [], (np.inf, None)
    targets = np.concatenate([states.reductions, states.valid.astype(np.float32)], axis=1)
    for step in tqdm(range(1, steps + 1), desc='ERD network', disable=not progress):
        rows = rng.integers(0, len(states), batch)
        s = states.take(rows)
        imgs = augment(ops.take(images, s.image, axis=0), s.augment)
        features, pixels = state_inputs(imgs, ops.convert_to_tensor(s.directions), s.t, candidates, geometry)
        losses.append(float(trainer.train_on_batch([features, pixels], targets[rows])))
        if log:
            log(step, 'erd/loss', losses[-1])
        if validation is not None and (step % check_every == 0 or step == steps):
            val_images, val_states = validation
            quality = choice_quality(predict_states(net, val_images, val_states, candidates, geometry), val_states.after,
                                     val_states.valid)  # fmt: skip
            checks.append((step, quality))
            if log:
                log(step, 'erd/validation_regret', quality['regret'])
                log(step, 'erd/validation_agreement', quality['agreement'])
            if quality['regret'] < best[0]:
                best = (quality['regret'], [np.array(w) for w in net.get_weights()])
    if best[1] is not None:
        net.set_weights(best[1])
    return losses, checks


# ---- policies ----------------------------------------------------------------------------------------------------------------
def erd_scorer(net):
    """The myopic ERD policy: the candidate with the highest predicted reduction."""
    return lambda d: predicted_reductions(net, d)


def base_vertices(base_directions, geometry: ScanGeometry) -> np.ndarray:
    """Segment starts (T + 1, 2) of a planned base path given by its T directions."""
    from model.scan_numpy import path_positions

    return path_positions(base_directions, geometry)[1]


def tether_distance(d: Decision, vertices):
    """(N, K) distance, in segment lengths, from each candidate's end to the planned base path's vertex after it."""
    length = d.geometry.segment_length
    ends = d.start[:, None, :] + length * d.candidates
    target = ops.convert_to_tensor(np.asarray(vertices, np.float32)[d.t + 1])
    return ops.sqrt(ops.sum(ops.square(ends - target), axis=-1)) / length


def base_relative_candidates(vertices, k: int):
    """Candidates as deviations from a planned base path: at decision t, the direction from where the scan is to the
    base path's vertex t + 1, turned by 2 pi j / k (j = 0..k-1); j = 0 at every decision retraces the base path."""
    target = ops.convert_to_tensor(np.asarray(vertices, np.float32))
    turn = 2 * np.pi * np.arange(k) / k
    cos, sin = ops.convert_to_tensor(np.cos(turn, dtype=np.float32)), ops.convert_to_tensor(np.sin(turn, dtype=np.float32))

    def offered(t, start):
        toward = target[t + 1][None] - start
        u = toward / ops.maximum(ops.sqrt(ops.sum(ops.square(toward), axis=-1, keepdims=True)), 1e-6)
        row, col = u[:, :1], u[:, 1:]
        return ops.stack([cos * row - sin * col, sin * row + cos * col], axis=-1)

    return offered


def tethered_scorer(net, vertices, tether: float):
    """Predicted reduction minus tether x the candidate's distance from the base path (`tether_distance`)."""
    return lambda d: predicted_reductions(net, d) - tether * tether_distance(d, vertices)


def lookahead_scorer(net, complete, discount: float = 1.0):
    """Predicted reduction now plus discount x the best valid predicted reduction one segment later, the candidate's
    pixels imputed by the generator's completion of the scan so far (its expectation of what they hold)."""

    def score(d: Decision):
        g, k = d.geometry, d.candidates.shape[1]
        now = predicted_reductions(net, d)
        completion = ops.convert_to_tensor(complete(d.partial))[..., 0]  # (N, H, W), on the partial scan's scale
        pixels = ops.reshape(d.unscanned_pixels, (d.n * k, g.image_size, g.image_size))
        partial = ops.repeat(d.partial, k, axis=0)
        imputed = ops.stack(
            [
                partial[..., 0] * (1.0 - pixels) + ops.repeat(completion, k, axis=0) * pixels,
                ops.maximum(partial[..., 1], pixels),
            ],
            axis=-1,
        )
        ends = ops.reshape(d.start[:, None, :] + g.segment_length * d.candidates, (-1, 2))
        later = Decision(d.t + 1, ends, None, None, ops.repeat(d.candidates, k, axis=0), g)
        later.__dict__['partial'] = imputed  # the imagined scan (cached_property slot)
        if d.t + 1 == g.segments:  # the last segment: nothing comes after it
            return now
        best_next = ops.max(ops.where(later.valid, predicted_reductions(net, later), -1e9), axis=1)
        best_next = ops.where(ops.any(later.valid, axis=1), best_next, -1.0)  # a dead end
        return now + discount * ops.reshape(best_next, (d.n, k))

    return score
