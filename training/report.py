"""Evaluate a trained system on held-out images or a user's files, judge it against the best fixed path, draw its scans.

    python -m training.report runs/demo                                    # a run folder: its own test split
    python -m training.report actor --dataset my_image.tif                 # the shipped actor on your images
    python -m training.report actor --dataset folder/ --save-completions   # ... and every file reconstructed whole

RUN is a registered policy with an actor (checkpoints/policies.json: `actor`), a run folder of training.train
(RUN/checkpoint), a checkpoint root, or a checkpoint folder. Compared on the same images: the actor's paths completed by
its generator; the best fixed path (`--baseline`, default the registry's baseline: the shipped spiral with the generator
trained for it); random directions and linear interpolation of the actor's samples; and the floor no scan can beat
without knowing the image, a flat image at its true mean. Printed and stored: every method's MSE, PSNR and SSIM with
each image's MSE, and the actor against the fixed path: the MSE ratio, its 95 % bootstrap interval over images and the
share of images the actor wins; it says so when every method is worse than the flat floor (the images are then outside
what the models learned, and their ratio says little).

`--dataset FILE` evaluates, without retraining, any images the shared loader reads (.npy/.npz, .dm3/.dm4/.emd/.tif/.hspy,
or a folder; `--downsample`/`--pixel-size` first), all of them by default (`--split all`), cut into 96 x 96 crops and
prepared as in training (target blur: 5 x 5 Gaussian, sigma 2.5 px; `--target-blur`). Writes
report-<data>-<split>.json and scans-<data>-<split>.png (with the error map) into the run folder, or into --out (default
reports/<name> for a checkpoint folder, which is never written into), and learning_curve.png where the run kept its
curve; `--save-completions` adds each file reconstructed whole by the actor and by the baseline (training.reconstruct)
under completions/.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')  # threaded BLAS makes SciPy's triangulation 100x slower on 2 busy cores

from model import policies  # noqa: E402
from model.microscopy_files import DataError, files_of, output_name, read  # noqa: E402
from model.shipped import locate  # noqa: E402

log = logging.getLogger('adaptive_stem.report')
LEARNED = ('actor', 'fixed_path', 'random_directions')


def summary(scores: dict) -> dict:
    """A score for JSON, its per-image MSE as a list."""
    return {k: (v.tolist() if k == 'per_image_mse' else v) for k, v in scores.items()}


def locate_run(run: str) -> tuple[Path, Path | None]:
    """(checkpoint, run folder or None) of a registered policy name, a run folder, a checkpoint root or folder."""
    if not Path(run).exists() and run in policies.names():
        return policies.get(run).checkpoint, None
    path = locate(run)
    return (path / 'checkpoint', path) if (path / 'checkpoint').is_dir() else (path, None)


def data_label(dataset: str, split: str) -> str:
    """A name unique per input and split: 'procedural-test', 'big-tif-all', 'folder-all'."""
    path = Path(dataset)
    if dataset == 'procedural':
        return f'{dataset}-{split}'
    return f'{path.resolve().name if path.is_dir() else output_name(path, path)}-{split}'


def parse_args(argv=None) -> argparse.Namespace:
    from model.cli import Parser, add_image_options, add_verbosity, integer, real

    p = Parser(prog='python -m training.report', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('run', help='a registered policy with an actor (actor), a run folder, a checkpoint root or folder')
    p.add_argument('--n-test', type=integer(1, 10**9), default=500, help='images to evaluate (at most; default 500)')
    p.add_argument(
        '--dataset',
        help="other images to evaluate on: a file or folder the shared loader reads (default: the run's own test split)",
    )
    p.add_argument(
        '--split',
        choices=['test', 'test_unseen', 'all'],
        help="'test' (default for the run's data), 'test_unseen' (procedural), 'all' (default with --dataset)",
    )
    p.add_argument(
        '--baseline',
        default=None,
        help=f'fixed-path checkpoint to compare with (default: the registered baseline, {policies.baseline_name()}); "none" to skip',
    )
    p.add_argument('--out', type=Path, help='folder for the report and figures (default: the run folder, or reports/NAME)')
    add_image_options(p)
    p.add_argument(
        '--target-blur',
        type=real(0, 10),
        default=None,
        help="sigma (px) of the 5 x 5 target blur; 0 for none (default: the run's training setting, the paper's 2.5)",
    )
    p.add_argument(
        '--save-completions',
        action='store_true',
        help='also reconstruct each file of --dataset whole (training.reconstruct) into OUT/completions/',
    )
    add_verbosity(p)
    args = p.parse_args(argv)
    if args.save_completions and not args.dataset:
        p.error('--save-completions reconstructs your files: give them with --dataset')
    return args


def check(args) -> tuple[Path, Path | None, Path, str | None]:
    """Everything that can be checked before TensorFlow loads: (checkpoint, run folder, output folder, baseline)."""
    ckpt, run = locate_run(args.run)
    if not ckpt.exists():
        raise DataError(
            f'{args.run} is neither a registered policy ({", ".join(policies.names())}) nor a folder: give a run or checkpoint folder'
        )
    baseline = None
    if args.baseline != 'none':
        baseline = policies.get(policies.baseline_name()).checkpoint if args.baseline is None else locate(args.baseline)
        if not baseline.exists():
            raise DataError(f'--baseline {args.baseline} does not exist: give a fixed-path checkpoint folder, or none')
    if args.dataset:
        files_of(Path(args.dataset))
    out = args.out or run or Path('reports') / ckpt.name
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not os.access(out, os.W_OK):
            raise PermissionError(13, 'not writable')
    except OSError as e:
        raise DataError(f'cannot write the report to {out} ({e.strerror or e}): pass --out a writable folder') from None
    return ckpt, run, out, baseline


def main(argv=None) -> int:
    from model.cli import quiet_keras, setup_logging

    args = parse_args(argv)
    setup_logging(args, 'report')
    try:
        ckpt, run, out, baseline = check(args)
    except (DataError, policies.PolicyError) as e:
        log.error(str(e))
        return 2
    quiet_keras(args.verbose)
    from training import checkpoint
    from training.data import load_split, target_blur
    from training.evaluate import actor_scans, complete, fixed_path_scans, interpolate, random_direction_scans, score
    from training.figures import learning_curves, paths_and_completions
    from training.stats import compare

    try:
        cfg = checkpoint.load_config(ckpt)
        args.target_blur = cfg.target_blur if args.target_blur is None else args.target_blur
        actor, generator = checkpoint.load_actor(ckpt), checkpoint.load_generator(ckpt)
        dataset = args.dataset or cfg.dataset
        split = args.split or ('all' if args.dataset else 'test')
        test = load_split(
            dataset,
            split,
            n_train=cfg.n_train,
            n_test=cfg.n_test,
            seed=cfg.data_seed,
            downsample=args.downsample,
            pixel_size=args.pixel_size,
            blur=args.target_blur,
        )[: args.n_test]
        g = cfg.geometry
        fixed, note = None, ''
        if baseline is not None:
            if checkpoint.load_config(baseline).geometry != g:
                if args.baseline is not None:
                    raise checkpoint.CheckpointError(
                        f'{baseline} scans another geometry than {ckpt}: pass a matching --baseline'
                    )
                note = f'no fixed-path row: {baseline} scans another geometry (pass --baseline for this one)'
            else:
                fixed_scans = fixed_path_scans(checkpoint.load_fixed_positions(baseline), test, g)
                fixed = complete(checkpoint.load_generator(baseline), fixed_scans['partial_scan'])
    except (checkpoint.CheckpointError, DataError) as e:
        log.error(str(e))
        return 2
    scans = actor_scans(actor, test, g, blind_actor=cfg.actor_mode == 'blind')
    completions = complete(generator, scans['partial_scan'])
    random_scans = random_direction_scans(test, g, cfg.seed)
    rows = {
        'actor': score(completions, test),
        'random_directions': score(complete(generator, random_scans['partial_scan']), test),
        'actor_samples_interpolated': score(interpolate(scans['partial_scan']), test),
        'flat_at_true_mean': score(test * 0 + test.mean(axis=(1, 2), keepdims=True), test),
    }
    if fixed is not None:
        rows['fixed_path'] = score(fixed, test)
    floor = rows['flat_at_true_mean']['mse']
    worse_than_floor = sorted(k for k in rows if k != 'flat_at_true_mean' and rows[k]['mse'] >= floor)
    label = data_label(dataset, split)
    report = {
        'checkpoint': str(ckpt),
        'baseline': None if fixed is None else str(baseline),
        'dataset': dataset,
        'split': split,
        'n_test': len(test),
        'downsample': args.downsample,
        'pixel_size': args.pixel_size,
        'target_blur': target_blur(args.target_blur),
        **{k: summary(v) for k, v in rows.items()},
        'off_image_fraction': float(scans['off_image'].mean()),
        'actor_over_random_mse': rows['actor']['mse'] / rows['random_directions']['mse'],
        'methods_worse_than_flat_floor': worse_than_floor,
        'every_method_worse_than_flat_floor': len(worse_than_floor) == len(rows) - 1,
    }
    if fixed is not None:
        versus = compare(rows['actor']['per_image_mse'], rows['fixed_path']['per_image_mse'])
        report['actor_over_fixed_path_mse'] = rows['actor']['mse'] / rows['fixed_path']['mse']
        report['actor_vs_fixed_path'] = versus
    (out / f'report-{label}.json').write_text(json.dumps(report, indent=2))
    figure = out / f'scans-{label}.png'
    paths_and_completions(
        test[:6], scans['positions'][:6], scans['partial_scan'][:6], completions[:6], path=figure, error_map=True
    )
    written = [out / f'report-{label}.json', figure]
    if fixed is not None:
        written.append(out / f'scans-{label}-baseline.png')
        paths_and_completions(
            test[:6],
            fixed_scans['positions'][:6],
            fixed_scans['partial_scan'][:6],
            fixed[:6],
            path=written[-1],
            error_map=True,
        )
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
    if args.save_completions:
        written += save_completions(args, ckpt, baseline, out / 'completions')
    print(f'the default policy (checkpoints/policies.json) is {policies.default_name()}: the best measured one')
    for key, r in rows.items():
        print(
            f'{key:28s} MSE {r["mse"]:.5f}  PSNR {r["psnr"]:.2f} dB  SSIM {r["ssim"]:.3f}  ({r["n_images"]} images of {dataset}, {split})'
        )
    if fixed is not None:
        low, high = versus['interval_95']
        verdict = {'better': 'beat', 'worse': 'do NOT beat', 'not distinguishable': 'cannot be told apart from'}[
            versus['verdict']
        ]
        print(
            f"the actor's paths {verdict} the fixed path of {baseline}: MSE ratio {versus['ratio']:.3f} (95 % interval "
            f'{low:.3f}-{high:.3f}), the actor wins on {100 * versus["win_rate"]:.1f} % of {versus["n_images"]} images'
        )
    if report['every_method_worse_than_flat_floor']:
        print(
            f"every method is worse than a flat image at each image's true mean (MSE {floor:.5f}): these images are outside "
            'what the models learned, and the ratio between methods says little about them'
        )
    elif worse_than_floor:
        print(f'worse than a flat image at the true mean (MSE {floor:.5f}): {", ".join(worse_than_floor)}')
    print(note or f"{100 * report['off_image_fraction']:.1f} % of the actor's probes fell off the image")
    print(target_blur(args.target_blur)['note'])
    tb = f'; TensorBoard: tensorboard --logdir {run / "tb"}' if run is not None and (run / 'tb').is_dir() else ''
    print(f'wrote {", ".join(map(str, written))}{tb}')
    return 0


def save_completions(args, ckpt: Path, baseline: Path | None, out: Path) -> list[Path]:
    """Each file of --dataset reconstructed whole by the evaluated actor and by the baseline (training.reconstruct)."""
    from training import scanners
    from training.backend import device_name
    from training.reconstruct import reconstruct_inputs

    out.mkdir(exist_ok=True)
    per_input = [(Path(args.dataset), read(Path(args.dataset), args.downsample, args.pixel_size))]
    options = SimpleNamespace(
        overlap=32, downsample=args.downsample, pixel_size=args.pixel_size, target_blur=args.target_blur, tif=True
    )
    written = []
    for name, kind, folder in (('actor', 'actor', ckpt), (baseline and baseline.name, 'fixed', baseline)):
        if folder is not None:
            scanner = scanners.load(policies.Policy(name, kind, folder, f'training.report --save-completions: {folder}'))
            written += reconstruct_inputs(scanner, per_input, out, options, device_name())
    return written


if __name__ == '__main__':
    sys.exit(main())
