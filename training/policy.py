"""Running the per-step actor and critic cells: over replayed sequences (training) and closed-loop in the scan (acting)."""

from __future__ import annotations

import tensorflow as tf

from model import scan_tf
from model.geometry import ScanGeometry


def zero_state(cell, batch) -> list:
    """All-zero [h_1, c_1, ..., h_L, c_L] for a cell model built by model.networks.build_recurrent_cell."""
    return [tf.zeros(tf.stack([batch, s.shape[-1]])) for s in cell.inputs[1:]]


def unroll(cell, inputs: tf.Tensor, state=None):
    """Run a cell over inputs (N, T, D): outputs (N, T, out) and the state after every step (list of (N, T, units))."""
    state = zero_state(cell, tf.shape(inputs)[0]) if state is None else state
    outputs, states = [], []
    for t in range(inputs.shape[1]):
        y, *state = cell([inputs[:, t], *state])
        outputs.append(y)
        states.append(state)
    return tf.stack(outputs, 1), [tf.stack([s[k] for s in states], 1) for k in range(len(state))]


def blind(observations: tf.Tensor, geometry: ScanGeometry) -> tf.Tensor:
    """Withhold the probe values (keep the position features): a blind actor can only learn one fixed path."""
    p = geometry.probes_per_segment
    return tf.concat([tf.zeros_like(observations[..., :p]), observations[..., p:]], axis=-1)


def rotate(direction: tf.Tensor, angle: tf.Tensor) -> tf.Tensor:
    """Rotate unit directions (N, 2) = (row, col) by angles (N,) in radians."""
    c, s = tf.cos(angle), tf.sin(angle)
    return tf.stack([c * direction[:, 0] - s * direction[:, 1], s * direction[:, 0] + c * direction[:, 1]], axis=-1)


def act(actor, images: tf.Tensor, geometry: ScanGeometry, *, blind_actor: bool = False, noise=None):
    """Scan images (N, H, W) closed-loop: the actor picks each direction from what the earlier segments saw.

    noise: None for deterministic acting, or (generator, sigma, theta) for Ornstein-Uhlenbeck rotation noise
    eps_t = eps_{t-1} + theta (0 - eps_{t-1}) + sigma W, eps_0 = 0. Returns the unit directions taken (N, T, 2).
    """
    n = tf.shape(images)[0]
    x = tf.zeros(tf.stack([n, actor.inputs[0].shape[-1]]))
    state = zero_state(actor, n)
    start = scan_tf.initial_start(n, geometry)
    eps = tf.zeros(tf.stack([n]))
    directions = []
    for _ in range(geometry.segments):
        v, *state = actor([blind(x, geometry) if blind_actor else x, *state])
        d = scan_tf.unit_directions(v)
        if noise is not None:
            rng, sigma, theta = noise
            eps = eps + theta * (0.0 - eps) + sigma * rng.normal(tf.stack([n]))
            d = rotate(d, eps)
        x, start, _, _, _ = scan_tf.scan_segment(images, start, d, geometry)
        directions.append(d)
    return tf.stack(directions, 1)

