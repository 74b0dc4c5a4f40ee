"""Evaluate a trained system on held-out images or a user's files and draw its scans.

    python -m training.report runs/demo                                    # a run folder: its own test split
    python -m training.report checkpoints/quality --dataset my_crops.npy   # the shipped model on your images

RUN is a run folder of training.train (RUN/checkpoint), a checkpoint root, or a checkpoint folder such as the shipped
`checkpoints/quality`. Compared on the same images: the actor's paths completed by its generator; the fixed path to
beat (`--baseline`, default the shipped `checkpoints/spiral`: the best fixed path measured, completed by the generator
trained for it); random directions and linear interpolation of the actor's samples; and the floor no scan can beat
without knowing the image, a flat image at its true mean. `--dataset FILE` evaluates, without retraining, a .npy of
96x96 crops or microscopy files (.dm3/.dm4/.emd/.tif/.hspy), all of them by default (`--split all`). Writes
report-<data>.json and scans-<data>.png into the run folder, or into --out (default reports/<name> for a checkpoint
folder, which is never written into), and learning_curve.png where the run kept its curve.
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

DEFAULT_BASELINE = 'checkpoints/spiral'


def summary(scores: dict) -> dict:
    """A score without its per-image arrays, for JSON."""
    return {k: v for k, v in scores.items() if k != 'per_image_mse'}


def locate(path: Path) -> tuple[Path, Path | None]:
    """(checkpoint, run folder or None) of a run folder, a checkpoint root or a checkpoint folder."""
    return (path / 'checkpoint', path) if (path / 'checkpoint').is_dir() else (path, None)


def baseline_scans(folder: str, images, geometry):
    """A fixed-path checkpoint's completions and scans of `images` along its path, by the generator trained for it."""
    from training import checkpoint
    from training.evaluate import complete, fixed_path_scans

    scans = fixed_path_scans(checkpoint.load_fixed_positions(folder), images, geometry)
    return complete(checkpoint.load_generator(folder), scans['partial_scan']), scans


def main(argv=None) -> int:
    from model.cli import Parser, integer

    p = Parser(prog='python -m training.report', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('run', type=Path, help='a run folder (RUN/checkpoint), a checkpoint root, or a checkpoint folder')
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
    p.add_argument('--baseline', default=DEFAULT_BASELINE, help='fixed-path checkpoint to compare with; "none" to skip')
    p.add_argument('--out', type=Path, help='folder for the report and figures (default: the run folder, or reports/NAME)')
    args = p.parse_args(argv)

    from training import checkpoint
    from training.data import DataError, load_split
    from training.evaluate import actor_scans, complete, interpolate, random_direction_scans, score
    from training.figures import learning_curves, paths_and_completions

    ckpt, run = locate(args.run)
    out = args.out or run or Path('reports') / args.run.name
    try:
        cfg = checkpoint.load_config(ckpt)
        actor, generator = checkpoint.load_actor(ckpt), checkpoint.load_generator(ckpt)
        dataset = args.dataset or cfg.dataset
        split = args.split or ('all' if args.dataset else 'test')
        test = load_split(dataset, split, n_train=cfg.n_train, n_test=cfg.n_test, seed=cfg.data_seed)[: args.n_test]
        g = cfg.geometry
        fixed, note = None, ''
        if args.baseline != 'none':
            if checkpoint.load_config(args.baseline).geometry != g:
                if args.baseline != DEFAULT_BASELINE:
                    raise checkpoint.CheckpointError(
                        f'{args.baseline} scans another geometry than {ckpt}: pass a matching --baseline'
                    )
                note = f'no fixed-path row: {DEFAULT_BASELINE} scans another geometry (pass --baseline for this one)'
            else:
                fixed = baseline_scans(args.baseline, test, g)
        out.mkdir(parents=True, exist_ok=True)
    except (checkpoint.CheckpointError, DataError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    except OSError as e:
        print(f'error: cannot write the report to {out} ({e.strerror or e}): pass --out a writable folder', file=sys.stderr)
        return 2
    scans = actor_scans(actor, test, g, blind_actor=cfg.actor_mode == 'blind')
    completions = complete(generator, scans['partial_scan'])
    random_scans = random_direction_scans(test, g, cfg.seed)
    rows = {
        'actor': summary(score(completions, test)),
        'random_directions': summary(score(complete(generator, random_scans['partial_scan']), test)),
        'actor_samples_interpolated': summary(score(interpolate(scans['partial_scan']), test)),
        'flat_at_true_mean': summary(score(test * 0 + test.mean(axis=(1, 2), keepdims=True), test)),
    }
    if fixed is not None:
        rows['fixed_path'] = summary(score(fixed[0], test))
    data_name = Path(dataset).stem if args.dataset else f'{dataset}-{split}'
    report = {
        'checkpoint': str(ckpt),
        'baseline': None if fixed is None else args.baseline,
        'dataset': dataset,
        'split': split,
        'n_test': len(test),
        **rows,
        'off_image_fraction': float(scans['off_image'].mean()),
        'actor_over_random_mse': rows['actor']['mse'] / rows['random_directions']['mse'],
    }
    if fixed is not None:
        report['actor_over_fixed_path_mse'] = rows['actor']['mse'] / rows['fixed_path']['mse']
    (out / f'report-{data_name}.json').write_text(json.dumps(report, indent=2))
    figure = out / f'scans-{data_name}.png'
    paths_and_completions(test[:6], scans['positions'][:6], scans['partial_scan'][:6], completions[:6], path=figure)
    written = [out / f'report-{data_name}.json', figure]
    curve = (run or ckpt) / 'learning_curve.csv'
    if curve.is_file():
        with open(curve, newline='') as f:
            kept = [r for r in csv.DictReader(f) if r['generator_mse']]
        curves = {
            'iteration': [int(r['iteration']) for r in kept],
            'generator_mse': [float(r['generator_mse']) for r in kept],
        }
        learning_curves({'generator': curves}, out / 'learning_curve.png')
        written.append(out / 'learning_curve.png')
    for key in rows:
        r = rows[key]
        print(
            f'{key:28s} MSE {r["mse"]:.5f}  PSNR {r["psnr"]:.2f} dB  SSIM {r["ssim"]:.3f}  ({r["n_images"]} images of {dataset}, {split})'
        )
    if fixed is not None:
        verdict = 'beat' if report['actor_over_fixed_path_mse'] < 1 else 'do NOT beat'
        print(
            f"the actor's paths {verdict} the fixed path of {args.baseline}: MSE ratio {report['actor_over_fixed_path_mse']:.3f}"
        )
    print(note or f"{100 * report['off_image_fraction']:.1f} % of the actor's probes fell off the image")
    tb = f'; TensorBoard: tensorboard --logdir {run / "tb"}' if run is not None and (run / 'tb').is_dir() else ''
    print(f'wrote {", ".join(map(str, written))}{tb}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
