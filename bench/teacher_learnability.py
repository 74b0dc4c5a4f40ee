"""Can the actor's observations predict the greedy teacher's choices? Measured offline on an imitation run's buffer.

    python bench/teacher_learnability.py                       # runs/imitation-adaptive-seed0 (bench/quality.py --preset imitation)
    python bench/teacher_learnability.py RUN --epochs 60

The DAgger buffer of an imitation run holds every labelled scan: its image, augmentation, detector view, the directions
taken and the teacher's target distribution over the K candidates at every decision. Here the scans are split (the last
--held-out of them held out), the actor's observations are recomputed along the stored paths, and predictors of the
teacher's choice are fitted on the rest with the imitation loss (von Mises cross entropy, training/imitation.py):

  chance             a uniformly random candidate
  per-step fixed     the candidate the teacher chose most often at each decision (a fixed path learned from the labels)
  LSTM, positions    an LSTM of the actor's size fed only the position features (probe values zeroed)
  LSTM, all          the same fed the actor's whole observation; and one of twice the width

Reported on held-out and training scans, decisions after the blind start: agreement (the predicted direction's nearest
candidate is the teacher's) and regret (that candidate's relative score excess over the teacher's best, recovered from
the soft targets: excess_k = -temperature * log(p_k / p_best), capped where p_k underflows), with 95 % bootstrap
intervals over held-out scans. If the LSTM fed probe values does no better than the fixed row, the teacher's choices are
not a function of what the actor sees. Writes bench/results/teacher_learnability.json and .md.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

BOOTSTRAP = 2000


def buffer_of(run: Path):
    """(config, observations (N, T, D) as the actor saw them, targets (N, T, K)) of the newest checkpoint's buffer."""
    from keras import ops

    from model import scan_ops
    from training import checkpoint
    from training.augment import augment
    from training.data import load_config_split

    directory = checkpoint.verify(run / 'checkpoint')
    cfg = checkpoint.load_config(directory)
    with np.load(directory / 'state.npz') as f:
        demos = {k.split('/', 1)[1]: f[k] for k in f.files if k.startswith('demos/')}
    if not demos:
        raise SystemExit(f'{run} is not an imitation run (its training state holds no demos buffer)')
    filled = int(np.count_nonzero(np.abs(demos['targets']).sum(axis=(1, 2))))  # unfilled slots hold all-zero targets
    demos = {k: v[:filled] for k, v in demos.items()}
    images = load_config_split(cfg, 'train')
    imgs = augment(ops.take(images, demos['image'], axis=0), demos['augment'])
    obs = np.asarray(scan_ops.scan_paths(imgs, demos['directions'], demos['view'], cfg.geometry)['observations'])
    seen = np.concatenate([np.zeros_like(obs[:, :1]), obs[:, :-1]], axis=1).astype(np.float32)
    return cfg, seen, demos['targets'].astype(np.float32)


def excess(targets, temperature: float):
    """Relative score excess over the best candidate (N, T, K), inverted from softmax targets."""
    p = np.maximum(targets, 1e-30)
    return -temperature * np.log(p / p.max(axis=-1, keepdims=True))


def fit_lstm(x, targets, candidates, kappa: float, units: int, depth: int, epochs: int, seed: int):
    """An LSTM (depth x units) trained on x (N, T, D) with the imitation loss; returns its predict function."""
    import keras
    from keras import ops

    keras.utils.set_random_seed(seed)
    cand = ops.convert_to_tensor(candidates)

    def loss(y_true, y_pred):
        u = y_pred / ops.sqrt(ops.sum(ops.square(y_pred), axis=-1, keepdims=True) + 1e-12)
        return -ops.mean(ops.sum(y_true * ops.log_softmax(kappa * ops.matmul(u, ops.transpose(cand)), axis=-1), -1), -1)

    inp = keras.Input(x.shape[1:])
    h = inp
    for _ in range(depth):
        h = keras.layers.LSTM(units, return_sequences=True)(h)
    model = keras.Model(inp, keras.layers.Dense(2)(h))
    model.compile(keras.optimizers.Adam(1e-3), loss)
    model.fit(x, targets, epochs=epochs, batch_size=32, verbose=0)
    return lambda xs: model.predict(xs, verbose=0)


def scores(choice, best, regret_of, rng):
    """Agreement and regret per held-out scan, with bootstrap intervals; choice, best (N, T') candidate indices."""
    agree = (choice == best).mean(axis=1)
    regret = np.take_along_axis(regret_of, choice[..., None], axis=-1)[..., 0].mean(axis=1)
    out = {}
    for name, per_scan in (('agreement', agree), ('regret', regret)):
        boots = [per_scan[rng.integers(0, len(per_scan), len(per_scan))].mean() for _ in range(BOOTSTRAP)]
        out[name] = float(per_scan.mean())
        out[f'{name}_interval95'] = [float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975))]
    return out


def main(argv=None) -> int:
    from model.cli import Parser, integer

    p = Parser(prog='python bench/teacher_learnability.py', description=__doc__.split('\n\n')[0])
    p.add_argument('run', nargs='?', default='runs/imitation-adaptive-seed0', help='an imitation run folder')
    p.add_argument(
        '--held-out', type=integer(1, 10**9), default=200, help='scans held out of the fit (the last ones stored)'
    )
    p.add_argument('--epochs', type=integer(1, 10**9), default=60)
    p.add_argument('--seed', type=integer(0, 2**32 - 1), default=0)
    p.add_argument('--out', default=str(ROOT / 'bench' / 'results' / 'teacher_learnability'))
    args = p.parse_args(argv)
    run = Path(args.run)
    if not (run / 'checkpoint').is_dir():
        print(
            f'error: {run} holds no checkpoint: train it first (python bench/quality.py --preset imitation)', file=sys.stderr
        )
        return 2

    from training import imitation

    cfg, x, targets = buffer_of(run)
    if len(x) <= args.held_out:
        print(f'error: the buffer holds {len(x)} scans: pass --held-out below that', file=sys.stderr)
        return 2
    candidates = imitation.candidate_directions(cfg.teacher_directions)
    blind, k = cfg.teacher_blind_segments, cfg.teacher_directions
    train, test = slice(0, len(x) - args.held_out), slice(len(x) - args.held_out, len(x))
    best = targets.argmax(-1)[:, blind:]
    regret_of = excess(targets, cfg.imitation_temperature)[:, blind:]
    rng = np.random.default_rng(args.seed)
    nearest = lambda v: np.argmax(v @ candidates.T, axis=-1)[:, blind:]  # noqa: E731

    rows = {}
    rows['chance'] = {
        'held_out': scores(rng.integers(0, k, best[test].shape), best[test], regret_of[test], rng),
        'train': scores(rng.integers(0, k, best[train].shape), best[train], regret_of[train], rng),
    }
    mode = np.array([np.bincount(best[train, t], minlength=k).argmax() for t in range(best.shape[1])])
    rows['per_step_fixed'] = {
        split: scores(np.broadcast_to(mode, best[s].shape), best[s], regret_of[s], rng)
        for split, s in (('held_out', test), ('train', train))
    }
    positions_only = x.copy()
    positions_only[..., :-2] = 0.0
    units, depth = cfg.actor.units, cfg.actor.depth
    for name, feats, width in (
        ('lstm_positions', positions_only, units),
        ('lstm_all', x, units),
        ('lstm_all_wide', x, 2 * units),
    ):
        start = time.time()
        predict = fit_lstm(
            feats[train], targets[train], candidates, cfg.imitation_concentration, width, depth, args.epochs, args.seed
        )
        rows[name] = {
            split: scores(nearest(predict(feats[s])), best[s], regret_of[s], rng)
            for split, s in (('held_out', test), ('train', train))
        }
        rows[name]['units'], rows[name]['fit_seconds'] = width, round(time.time() - start, 1)
        print(f'{name}: held-out agreement {rows[name]["held_out"]["agreement"]:.3f}', flush=True)

    import keras

    result = {
        'run': str(run),
        'scans': len(x),
        'held_out_scans': args.held_out,
        'decisions_per_scan': int(best.shape[1]),
        'candidates': k,
        'epochs': args.epochs,
        'backend': keras.backend.backend(),
        'regret_cap': float(-cfg.imitation_temperature * np.log(1e-30)),
        'predictors': rows,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix('.json').write_text(json.dumps(result, indent=2))
    lines = [
        f'# Can the actor predict the greedy teacher? ({len(x)} labelled scans of {run}, {args.held_out} held out)',
        '',
        '| predictor | held-out agreement | held-out regret | train agreement | train regret |',
        '|---|---|---|---|---|',
    ]
    fmt = lambda s, m: f'{s[m]:.3f} ({s[m + "_interval95"][0]:.3f}-{s[m + "_interval95"][1]:.3f})'  # noqa: E731
    for name, r in rows.items():
        h, t = r['held_out'], r['train']
        lines.append(f'| {name} | {fmt(h, "agreement")} | {fmt(h, "regret")} | {t["agreement"]:.3f} | {t["regret"]:.3f} |')
    lines += [
        '',
        f"Agreement: the predicted direction is the teacher's choice among {k} candidates (chance {1 / k:.3f}). Regret: the",
        "chosen candidate's relative completion-MSE excess over the teacher's best (0.05 = 5 % worse), capped at "
        f'{result["regret_cap"]:.2f}. Intervals: 95 % bootstrap over held-out scans. Written by bench/teacher_learnability.py.',
    ]
    out.with_suffix('.md').write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
