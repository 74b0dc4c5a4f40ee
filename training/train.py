"""Train the actor, critic and generator together with CRDPG.

    python -m training.train --preset small                  # about 10 minutes on a 2-core CPU
    python -m training.train --preset paper --out runs/paper  # the paper's 1e6 iterations, for a GPU
    python -m training.train --preset small --resume --out runs/small   # continue an interrupted run exactly
    python -m training.train --config configs/my.yaml        # a preset plus the keys of a YAML/JSON file

TensorBoard: `tensorboard --logdir runs`.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog='python -m training.train', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--preset', default='small', help="'small' (CPU, minutes), 'paper' (GPU, 1e6 iterations) or 'tiny' (tests)")
    p.add_argument('--config', help='YAML or JSON file whose keys override the preset (see training/config.py)')
    p.add_argument('--out', help='run folder (default runs/<preset>-<actor_mode>-seed<seed>)')
    p.add_argument('--resume', action='store_true', help='continue the run in --out from its last checkpoint')
    p.add_argument('--iterations', type=int, help='override M')
    p.add_argument('--seed', type=int, help='override the seed')
    p.add_argument('--actor-mode', choices=['adaptive', 'blind'], help="'blind' withholds observations: learns one fixed path")
    p.add_argument('--dataset', help="'procedural' (default), a 96x96_stem_crops.npy path, or microscopy files")
    p.add_argument('--distribute', choices=['none', 'mirrored', 'multiworker'], help='tf.distribute strategy')
    p.add_argument('--stop-after', type=int, help='save and stop after this many iterations (jobs with time limits); --resume continues')
    p.add_argument('--no-progress', action='store_true', help='no progress bar')
    return p.parse_args(argv)


def make_strategy(name: str):
    import tensorflow as tf

    if name == 'mirrored':
        return tf.distribute.MirroredStrategy()
    if name == 'multiworker':
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def log_images(writer, agent, images, step):
    """Deterministic scans of a few fixed test images, drawn over the images with their completions."""
    import numpy as np
    import tensorflow as tf

    from model import scan_tf
    from training.figures import paths_and_completions
    from training.policy import act

    directions = act(agent.actor, images, agent.geometry, blind_actor=agent.cfg.actor_mode == 'blind')
    scan = scan_tf.scan_paths(images, directions, agent.geometry)
    completion = agent.generator(scan['partial_scan'])[..., 0].numpy()
    png = paths_and_completions(images.numpy(), scan['positions'].numpy(), scan['partial_scan'].numpy(), completion)
    with writer.as_default():
        tf.summary.image('scans/paths_and_completions', tf.image.decode_png(png)[None], step=step)
    return np.mean((completion - images.numpy()) ** 2)


def main(argv=None) -> int:
    args = parse_args(argv)
    from training.config import load_config

    try:
        cfg = load_config(
            args.preset, args.config, iterations=args.iterations, seed=args.seed, actor_mode=args.actor_mode,
            dataset=args.dataset, distribute=args.distribute,
        )  # fmt: skip
    except (ValueError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    out = Path(args.out or f'runs/{cfg.preset}-{cfg.actor_mode}-seed{cfg.seed}')
    ckpt = out / 'checkpoint'
    if (ckpt / 'manifest.json').exists() and not args.resume:
        print(f'error: {out} already holds a checkpoint: pass --resume to continue it, or choose another --out', file=sys.stderr)
        return 2
    if args.resume and not (ckpt / 'manifest.json').exists():
        print(f'error: --resume: no checkpoint in {ckpt}', file=sys.stderr)
        return 2

    import tensorflow as tf
    from tqdm import tqdm

    from training import checkpoint
    from training.crdpg import CRDPG, learned_path
    from training.data import DataError, load_split

    try:
        train_images = load_split(cfg.dataset, 'train', n_train=cfg.n_train, n_test=cfg.n_test, seed=cfg.seed)
        test_images = load_split(cfg.dataset, 'test', n_train=cfg.n_train, n_test=cfg.n_test, seed=cfg.seed)
    except DataError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    agent = CRDPG(cfg, train_images, make_strategy(cfg.distribute))
    start = 0
    if args.resume:
        try:
            start = checkpoint.restore(agent, ckpt)
        except checkpoint.CheckpointError as e:
            print(f'error: {e}', file=sys.stderr)
            return 2
        print(f'resumed {out} at iteration {start}')
    out.mkdir(parents=True, exist_ok=True)
    writer = tf.summary.create_file_writer(str(out / 'tb'))
    with writer.as_default():
        table = '\n'.join(f'|{k}|{v}|' for k, v in cfg.to_dict().items())
        tf.summary.text('hyperparameters', f'|param|value|\n|-|-|\n{table}', step=start)
    curve_path = out / 'learning_curve.csv'
    header = ['iteration', 'generator_mse', 'critic_loss', 'actor_loss', 'over_edge_penalty', 'seconds']
    kept = []
    if start and curve_path.exists():  # drop rows logged after the checkpoint we resume from
        with open(curve_path, newline='') as f:
            kept = [row for row in list(csv.reader(f))[1:] if row and int(row[0]) <= start]
    curve_file = open(curve_path, 'w', newline='')
    curve = csv.writer(curve_file)
    curve.writerows([header, *kept])
    preview = tf.constant(test_images[:6])
    t0 = time.perf_counter()
    end = cfg.iterations if args.stop_after is None else min(cfg.iterations, start + args.stop_after)
    bar = tqdm(range(start, end), initial=start, total=cfg.iterations, disable=args.no_progress, desc='CRDPG')
    for m in bar:
        metrics = agent.iteration()
        step = m + 1
        if step % cfg.log_every == 0 or step == cfg.iterations:
            values = {k: float(v) for k, v in metrics.items()}
            with writer.as_default():
                for k, v in values.items():
                    tf.summary.scalar(k, v, step=step)
                tf.summary.scalar('charts/iterations_per_second', (step - start) / (time.perf_counter() - t0), step=step)
            curve.writerow([step, values['losses/generator_mse'], values['losses/critic'], values['losses/actor'],
                            values['charts/over_edge_penalty_per_scan'], round(time.perf_counter() - t0, 2)])  # fmt: skip
            curve_file.flush()
            bar.set_postfix(mse=f"{values['losses/generator_mse']:.4f}", critic=f"{values['losses/critic']:.3f}")
        if step % cfg.image_every == 0 or step == cfg.iterations:
            log_images(writer, agent, preview, step)
        if step % cfg.checkpoint_every == 0 or step == end:
            extras = {'learned_path': learned_path(agent).tolist()} if cfg.actor_mode == 'blind' else {}
            checkpoint.save(agent, ckpt, extras)
    curve_file.close()
    writer.flush()
    print(f'done: {end} of {cfg.iterations} iterations, checkpoint in {ckpt}, TensorBoard logs in {out / "tb"}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
