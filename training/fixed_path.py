"""Train a generator for one fixed scan path (the non-adaptive baselines), with the CRDPG run's generator settings.

    python -m training.fixed_path --path spiral --preset small --out runs/small-spiral
    python -m training.fixed_path --learned runs/small-blind-seed0/checkpoint --preset small --out runs/small-learned

Same batch size, iterations, learning-rate schedule and flip/rotation augmentation as the generator trained inside
CRDPG, so the comparison is at equal dose and equal training.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')


def train_generator(cfg, train_images, positions, out: Path, progress: bool = True):
    """Train a fresh generator on partial scans along `positions` (P, 2); writes generator.keras and a learning curve."""
    import keras
    import numpy as np
    import tensorflow as tf
    from tqdm import tqdm

    from model.networks import build_generator
    from model.scan_numpy import pixel_indices
    from training.checkpoint import write_manifest
    from training.crdpg import GeneratorSchedule
    from training.pipeline import augment_tf

    g = cfg.geometry
    keras.utils.set_random_seed(cfg.seed)
    rng = tf.random.Generator.from_seed(cfg.seed)
    images = tf.constant(np.asarray(train_images, np.float32))
    idx = tf.constant(pixel_indices(positions, g.image_size)[0].astype(np.int32))
    mask = tf.scatter_nd(idx, tf.ones([len(positions)]), [g.image_size, g.image_size])
    mask = tf.minimum(mask, 1.0)
    generator = build_generator(g, cfg.generator)
    opt = keras.optimizers.Adam(GeneratorSchedule(cfg.generator_lr, cfg.iterations, cfg.generator_lr_decay, cfg.generator_lr_cycle, cfg.generator_lr_cycle_min))

    @tf.function
    def step():
        ids = rng.uniform([cfg.batch_size], 0, tf.shape(images)[0], dtype=tf.int32)
        batch = augment_tf(tf.gather(images, ids), rng.uniform([cfg.batch_size], 0, 8, dtype=tf.int32))
        scan = tf.stack([batch * mask, tf.broadcast_to(mask, tf.shape(batch))], -1)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(generator(scan, training=True)[..., 0] - batch))
        opt.apply(tape.gradient(loss, generator.trainable_variables), generator.trainable_variables)
        return loss

    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with open(out / 'learning_curve.csv', 'w', newline='') as f:
        curve = csv.writer(f)
        curve.writerow(['iteration', 'generator_mse', 'seconds'])
        for m in tqdm(range(cfg.iterations), disable=not progress, desc='generator'):
            loss = step()
            if (m + 1) % cfg.log_every == 0:
                curve.writerow([m + 1, float(loss), round(time.perf_counter() - t0, 2)])
                f.flush()
    generator.save(out / 'generator.keras')
    np.save(out / 'positions.npy', np.asarray(positions, np.float32))
    (out / 'config.json').write_text(cfg.to_json())
    write_manifest(out)
    return generator


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog='python -m training.fixed_path', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument('--path', help='a fixed path from model.fixed_paths.FIXED_PATHS (spiral, serpentine, random_walk)')
    which.add_argument('--learned', help="checkpoint folder of a 'blind' CRDPG run: its learned fixed path")
    p.add_argument('--preset', default='small')
    p.add_argument('--config', help='YAML/JSON overrides of the preset')
    p.add_argument('--iterations', type=int)
    p.add_argument('--seed', type=int)
    p.add_argument('--out', required=True, help='output folder')
    p.add_argument('--no-progress', action='store_true')
    args = p.parse_args(argv)

    from model import fixed_paths
    from training.checkpoint import CheckpointError, load_extras
    from training.config import load_config
    from training.data import DataError, load_split

    cfg = load_config(args.preset, args.config, iterations=args.iterations, seed=args.seed)
    try:
        if args.learned:
            learned = load_extras(args.learned).get('learned_path')
            if learned is None:
                raise CheckpointError(f"{args.learned} holds no learned path: train it with '--actor-mode blind'")
            positions = fixed_paths.learned_fixed_path(learned, cfg.geometry)
        elif args.path in fixed_paths.FIXED_PATHS:
            positions = fixed_paths.FIXED_PATHS[args.path](cfg.geometry)
        else:
            raise ValueError(f'unknown path {args.path!r}; choose one of {sorted(fixed_paths.FIXED_PATHS)}')
        train_images = load_split(cfg.dataset, 'train', n_train=cfg.n_train, n_test=cfg.n_test, seed=cfg.seed)
    except (CheckpointError, DataError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    train_generator(cfg, train_images, positions, Path(args.out), progress=not args.no_progress)
    print(json.dumps({'out': args.out, 'probes': len(positions)}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
