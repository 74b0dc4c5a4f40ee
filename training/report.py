"""Evaluate a trained run on held-out images and draw its scans: `python -m training.report runs/demo`.

Compares the actor's paths with random directions (both completed by the run's generator) and with linear interpolation
of the actor's samples, and counts the probes that fell off the image. `--dataset FILE` evaluates the run, without
retraining, on other images: a .npy of 96x96 crops or microscopy files (.dm3/.dm4/.emd/.tif/.hspy), all of them by
default (`--split all`; they were never trained on). Writes RUN/report.json (or report-<data>.json), RUN/scans.png and
RUN/learning_curve.png.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')  # threaded BLAS makes SciPy's triangulation 100x slower on 2 busy cores


def summary(scores: dict) -> dict:
    """A score without its per-image arrays, for JSON."""
    return {k: v for k, v in scores.items() if k != 'per_image_mse'}


def main(argv=None) -> int:
    from host.cli import Parser, integer

    p = Parser(prog='python -m training.report', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('run', help='run folder written by training.train (holds checkpoint/ and learning_curve.csv)')
    p.add_argument('--n-test', type=integer(1, 10**9), default=500, help='images to evaluate (at most; default 500)')
    p.add_argument(
        '--dataset',
        help="other images to evaluate on: a .npy of 96x96 crops or microscopy files (default: the run's own test split)",
    )
    p.add_argument(
        '--split',
        choices=['test', 'test_unseen', 'all'],
        help="'test' (default for the run's data), 'test_unseen' (procedural), 'all' (default with --dataset)",
    )
    args = p.parse_args(argv)

    from training import checkpoint
    from training.data import DataError, load_split
    from training.evaluate import actor_scans, complete, interpolate, random_direction_scans, score
    from training.figures import learning_curves, paths_and_completions

    run = Path(args.run)
    try:
        cfg = checkpoint.load_config(run / 'checkpoint')
        actor, generator = checkpoint.load_actor(run / 'checkpoint'), checkpoint.load_generator(run / 'checkpoint')
        dataset = args.dataset or cfg.dataset
        split = args.split or ('all' if args.dataset else 'test')
        test = load_split(dataset, split, n_train=cfg.n_train, n_test=cfg.n_test, seed=cfg.data_seed)[: args.n_test]
    except (checkpoint.CheckpointError, DataError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    g = cfg.geometry
    scans = actor_scans(actor, test, g, blind_actor=cfg.actor_mode == 'blind')
    completions = complete(generator, scans['partial_scan'])
    random_scans = random_direction_scans(test, g, cfg.seed)
    report = {
        'run': str(run),
        'dataset': dataset,
        'split': split,
        'n_test': len(test),
        'actor': summary(score(completions, test)),
        'random_directions': summary(score(complete(generator, random_scans['partial_scan']), test)),
        'actor_samples_interpolated': summary(score(interpolate(scans['partial_scan']), test)),
        'off_image_fraction': float(scans['off_image'].mean()),
    }
    report['actor_over_random_mse'] = report['actor']['mse'] / report['random_directions']['mse']
    name = 'report.json' if not args.dataset else f'report-{Path(dataset).stem}.json'
    (run / name).write_text(json.dumps(report, indent=2))
    paths_and_completions(
        test[:6], scans['positions'][:6], scans['partial_scan'][:6], completions[:6], path=run / 'scans.png'
    )
    with open(run / 'learning_curve.csv', newline='') as f:
        rows = [r for r in csv.DictReader(f) if r['generator_mse']]
    learning_curves(
        {
            'generator': {
                'iteration': [int(r['iteration']) for r in rows],
                'generator_mse': [float(r['generator_mse']) for r in rows],
            }
        },
        run / 'learning_curve.png',
    )
    for key in ('actor', 'random_directions', 'actor_samples_interpolated'):
        r = report[key]
        print(
            f'{key:28s} MSE {r["mse"]:.5f}  PSNR {r["psnr"]:.2f} dB  SSIM {r["ssim"]:.3f}  ({r["n_images"]} images of {dataset}, {split})'
        )
    verdict = 'beat' if report['actor_over_random_mse'] < 1 else 'do NOT beat'
    print(f"the actor's paths {verdict} random directions: MSE ratio {report['actor_over_random_mse']:.3f}; "
          f"{100 * report['off_image_fraction']:.1f} % of its probes fell off the image")  # fmt: skip
    print(
        f'wrote {run / name}; figures: {run / "scans.png"}, {run / "learning_curve.png"}; TensorBoard: tensorboard --logdir {run / "tb"}'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
