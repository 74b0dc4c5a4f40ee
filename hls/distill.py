"""Distil the trained float actor into the quantized per-step cell (behaviour cloning + DAgger), then export it.

Round 0 clones the teacher on its own closed-loop scans; every later round scans with the student, labels the student's
observations with the teacher's directions (teacher state driven by the same observations) and trains on the union.
Training unrolls the cell over the 20 decisions (BPTT); loss = MSE between the student's action and the teacher's unit
direction. HGQ2's EBOPs regulariser (beta) prunes bits during training.

    python -m hls.distill --checkpoint checkpoints/quality --out hls/build/actor_q      # the committed default: H=16, beta 1e-6

The committed default took 25 minutes with these defaults, sharing the 2-core CPU with two other distillations.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from hls.contract import C_FORMAT, H_FORMAT, ActorContract


def closed_loop(cell, images, geometry, views, teacher=None):
    """Scan images (N, H, W) through detector views (N, 2) with `cell`, using the one closed-loop scanner of training
    (`training.policy.closed_loop`); returns the observations it saw (N, T, 22) and, given a teacher, the teacher's unit
    directions on the same observations (N, T, 2), the teacher's state driven by them."""
    from keras import ops

    from model import scan_ops
    from training.policy import cell_step, unroll, zero_state
    from training.policy import closed_loop as scan

    n = len(images)
    _, obs = scan(
        cell_step(cell), ops.convert_to_tensor(images), ops.convert_to_tensor(views), zero_state(cell, n), geometry
    )
    labels = None
    if teacher is not None:
        v, _ = unroll(cell_step(teacher), obs, zero_state(teacher, n))
        labels = ops.convert_to_numpy(scan_ops.unit_directions(v)).astype(np.float32)
    return ops.convert_to_numpy(obs).astype(np.float32), labels


def make_train_step(student, lr: float = 3e-3):
    """One compiled BPTT step over whole scans (loss = mean over the 20 decisions), traced once and reused by every round.

    The decisions are a symbolic loop (tf.range), so the cell is traced once rather than 20 times per call.
    """
    import tensorflow as tf

    opt = tf.keras.optimizers.Adam(lr)
    units = student.inputs[1].shape[-1]

    @tf.function
    def train_step(o, y):
        steps = tf.shape(o)[1]
        with tf.GradientTape() as tape:
            h = tf.zeros([tf.shape(o)[0], units])
            c = tf.zeros_like(h)
            loss = tf.constant(0.0)
            for t in tf.range(steps):
                v, h, c = student([o[:, t], h, c], training=True)
                loss += tf.reduce_mean(tf.square(v - y[:, t]))
            loss = loss / tf.cast(steps, tf.float32)
            student([o[:, 0], h, c], training=True)  # once more outside the loop: its EBOPs penalties are in scope here
            total = loss + tf.add_n(student.losses) if student.losses else loss
        grads = tape.gradient(total, student.trainable_variables)
        opt.apply_gradients(zip(grads, student.trainable_variables))
        return loss

    return train_step


def fit(train_step, obs, targets, epochs: int, batch: int = 128, seed: int = 0) -> float:
    """Minibatch epochs of `train_step` over whole scans: returns the final epoch's mean loss."""
    import tensorflow as tf
    from tqdm import tqdm

    rng = np.random.default_rng(seed)
    mean = 0.0
    with tqdm(range(epochs), desc=f'{len(obs)} scans', unit='epoch', leave=False) as bar:
        for _ in bar:
            order = rng.permutation(len(obs))
            losses = [
                float(train_step(tf.constant(obs[i]), tf.constant(targets[i])))
                for i in np.array_split(order, max(1, len(order) // batch))
            ]
            mean = float(np.mean(losses))
            bar.set_postfix(loss=f'{mean:.4f}')
    return mean


def distil(checkpoint: Path, units: int, n_images: int, rounds: int, epochs: int, beta: float, seed: int = 0):
    """Returns (student model, contract, training log)."""
    import keras

    from hls.quantized_actor import build_quantized_actor
    from training.checkpoint import load_actor, load_config
    from training.crdpg import detector_views
    from training.data import load_config_split

    keras.utils.set_random_seed(seed)
    teacher = load_actor(checkpoint)
    cfg = load_config(checkpoint)
    geometry = cfg.geometry
    contract = ActorContract(geometry=geometry, units=units, state_formats={'h': vars(H_FORMAT), 'c': vars(C_FORMAT)})
    images = load_config_split(cfg, 'train')[:n_images]
    views = detector_views(cfg, np.random.default_rng(seed), len(images))  # the calibration errors the teacher trained with
    student = build_quantized_actor(contract, units, H_FORMAT, C_FORMAT, beta0=beta)
    obs, labels = closed_loop(teacher, images, geometry, views, teacher)
    train_step = make_train_step(student)
    log = []
    for r in range(rounds):
        loss = fit(train_step, obs, labels, epochs, seed=seed + r)
        log.append({'round': r, 'sequences': len(obs), 'loss': loss})
        print(f'round {r}: {len(obs)} scans, loss {loss:.4f}', flush=True)
        if r + 1 < rounds:
            new_obs, new_labels = closed_loop(student, images, geometry, views, teacher)
            obs, labels = np.concatenate([obs, new_obs]), np.concatenate([labels, new_labels])
    return student, contract, log


def main(argv=None) -> int:
    from model.cli import Parser, integer

    p = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--checkpoint', type=Path, default=Path('checkpoints/quality'))
    p.add_argument('--out', type=Path, default=Path('hls/build/actor_q'))
    p.add_argument('--units', type=integer(1, 4096), default=16, help='LSTM units H of the quantized cell')
    p.add_argument('--images', type=integer(1, 10**9), default=2048, help='training images scanned per DAgger round')
    p.add_argument('--rounds', type=integer(1, 10**9), default=4, help="DAgger rounds (round 0: the teacher's own scans)")
    p.add_argument('--epochs', type=integer(1, 10**9), default=25, help='epochs over all scans so far, per round')
    p.add_argument('--beta', type=float, default=1e-6, help='HGQ2 EBOPs weight: larger prunes more bits')
    args = p.parse_args(argv)
    from training.checkpoint import CheckpointError, verify

    try:
        verify(args.checkpoint)
    except CheckpointError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    from hls.export import export
    from training.checkpoint import load_config
    from training.crdpg import detector_views
    from training.data import load_config_split

    student, contract, log = distil(args.checkpoint, args.units, args.images, args.rounds, args.epochs, args.beta)
    cfg = load_config(args.checkpoint)  # calibrate on the data set and detector views the run trained with
    images = load_config_split(cfg, 'train')[:256]
    observations, _ = closed_loop(
        student, images, contract.geometry, detector_views(cfg, np.random.default_rng(1), len(images))
    )
    export(student, contract, args.out, observations)
    (args.out / 'distill_log.json').write_text(json.dumps(log, indent=2))
    print(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
