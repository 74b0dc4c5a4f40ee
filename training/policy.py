"""Running the per-step actor and critic cells in `keras.ops` (any backend): over given sequences, and closed-loop in
the scan. `closed_loop` is the one scanner of training, evaluation and distillation (the board's is
`model.scan_numpy.ScanEnvironment`; tests keep the two bit-identical).

A cell is used through a step function `(x, state) -> (y, state)`: `cell_step(cell)` calls the Keras model,
`cell_step(cell, weights)` calls it statelessly with the given weights (what the compiled training step does).
Loops over the T decisions are Python loops (unrolled into the graph), or `ops.scan` with `loop='scan'`: faster to
compile, slower to run.
"""

from __future__ import annotations

from keras import ops

from model import scan_ops
from model.geometry import ScanGeometry


def zero_state(cell, batch: int) -> list:
    """All-zero [h_1, c_1, ..., h_L, c_L] for a cell model built by model.networks.build_recurrent_cell."""
    return [ops.zeros((batch, s.shape[-1])) for s in cell.inputs[1:]]


def cell_step(cell, weights=None):
    """(x, state) -> (y, state) for a per-step cell: the model itself, or stateless with `weights` (its trainable ones).

    The function's `out_dim` attribute is the width of y.
    """

    def step(x, state):
        if weights is None:
            y, *state = cell([x, *state])
        else:
            (y, *state), _ = cell.stateless_call(weights, [], [x, *state])
        return y, list(state)

    step.out_dim = cell.outputs[0].shape[-1]
    return step


def _loop(body, carry: list, xs: list, steps: int, loop: str) -> list:
    """carry = body(carry, [x[:, t] for x in xs]) for t < steps; returns every step's carry stacked on axis 1 (N, T, ...).

    `ops.scan` (loop='scan') needs each step's output to be the carry itself, hence this shape.
    """
    if loop == 'scan':
        time_major = [ops.moveaxis(x, 1, 0) for x in xs]
        _, ys = ops.scan(lambda c, x: (body(c, x),) * 2, carry, time_major, length=steps)
        return [ops.moveaxis(y, 0, 1) for y in ys]
    outs = []
    for t in range(steps):
        carry = body(carry, [x[:, t] for x in xs])
        outs.append(carry)
    return [ops.stack(parts, axis=1) for parts in zip(*outs)]


def unroll(step, inputs, state: list, loop: str = 'python'):
    """Run a step function over inputs (N, T, D): outputs (N, T, out) and the state after every step [(N, T, units)]."""

    def body(carry, x):
        y, new_state = step(x[0], carry[1:])
        return [y, *new_state]

    y0 = ops.zeros((inputs.shape[0], step.out_dim))
    y, *states = _loop(body, [y0, *state], [inputs], inputs.shape[1], loop)
    return y, states


def blind(observations, geometry: ScanGeometry):
    """Withhold the probe values (keep the position features): a blind actor can only learn one fixed path."""
    p = geometry.probes_per_segment
    return ops.concatenate([ops.zeros_like(observations[..., :p]), observations[..., p:]], axis=-1)


def ou_angles(normals, sigma, theta: float):
    """Ornstein-Uhlenbeck rotation angles (N, T) from standard normals (N, T): eps_t = eps_{t-1} - theta eps_{t-1} + sigma W_t,
    eps_0 = 0 before the first decision's noise."""
    eps = ops.zeros_like(normals[:, 0])
    angles = []
    for t in range(normals.shape[1]):
        eps = eps + theta * (0.0 - eps) + sigma * normals[:, t]
        angles.append(eps)
    return ops.stack(angles, axis=1)


def closed_loop(step, images, views, state: list, geometry: ScanGeometry, *, blind_actor=False, angles=None, loop='python'):
    """Scan images (N, H, W) seen through detector views (N, 2) closed-loop: the actor picks each direction from what the
    earlier segments saw, optionally rotated by exploration angles (N, T).

    Returns the unit directions taken (N, T, 2) and the observations x_0 .. x_{T-1} the actor saw (N, T, D).
    """
    n, T = images.shape[0], geometry.segments
    x0 = ops.zeros((n, geometry.probes_per_segment + 2))
    angles = ops.zeros((n, T)) if angles is None else angles

    def body(carry, xs):
        x, start, _, _, *state = carry
        v, state = step(blind(x, geometry) if blind_actor else x, state)
        direction = scan_ops.rotate(scan_ops.unit_directions(v), xs[0])
        x_next, start, *_ = scan_ops.scan_segment(images, start, direction, views, geometry)
        return [x_next, start, direction, x, *state]

    carry = [x0, scan_ops.initial_start(n, geometry), ops.zeros((n, 2)), x0, *state]
    stacked = _loop(body, carry, [angles], T, loop)
    return stacked[2], stacked[3]
