"""Scan quality at equal dose: the adaptive actor vs fixed paths vs classical interpolation, on held-out images.

    python bench/quality.py --preset small         # trains whatever is missing under runs/, then evaluates

Trains (or reuses) under runs/: the adaptive CRDPG run, a blind CRDPG run (its learned fixed path), and one generator per
fixed path for the same number of iterations. Writes bench/results/quality.json, quality.md, quality_paths.png and
learning_curves.png.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')  # threaded BLAS makes SciPy's triangulation 100x slower on 2 busy cores
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIXED = ('spiral', 'serpentine', 'random_walk')


def run(cmd: list[str]) -> None:
    print('+', ' '.join(cmd), flush=True)
    subprocess.run([sys.executable, *cmd], check=True, cwd=ROOT)


def ensure_runs(preset: str, runs: Path, seed: int, extra: list[str], fixed: tuple[str, ...]) -> dict:
    """Train every model the comparison needs unless its run folder already holds a complete one."""
    dirs = {
        'adaptive': runs / f'{preset}-adaptive-seed{seed}',
        'blind': runs / f'{preset}-blind-seed{seed}',
        **{name: runs / f'{preset}-fixed-{name}-seed{seed}' for name in fixed},
    }
    common = ['--preset', preset, '--seed', str(seed), '--no-progress', *extra]
    for mode in ('adaptive', 'blind'):
        if not (dirs[mode] / 'checkpoint' / 'manifest.json').exists():
            run(['-m', 'training.train', '--actor-mode', mode, '--out', str(dirs[mode]), *common])
    for name in fixed:
        if name != 'learned' and not (dirs[name] / 'manifest.json').exists():
            run(['-m', 'training.fixed_path', '--path', name, '--out', str(dirs[name]), *common])
    if 'learned' in fixed and not (dirs['learned'] / 'manifest.json').exists():
        run(['-m', 'training.fixed_path', '--learned', str(dirs['blind'] / 'checkpoint'), '--out', str(dirs['learned']), *common])
    return dirs


def read_curve(path: Path) -> dict:
    with open(path, newline='') as f:
        rows = list(csv.DictReader(f))
    return {'iteration': [int(r['iteration']) for r in rows], 'generator_mse': [float(r['generator_mse']) for r in rows]}


def git_commit() -> str:
    try:
        return subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--preset', default='small')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--runs', default='runs', help='folder of training runs (reused when complete)')
    p.add_argument('--n-test', type=int, default=1000, help='held-out images to evaluate (at least 500 for the report)')
    p.add_argument('--out', default='bench/results')
    p.add_argument('--train-arg', action='append', default=[], help='extra argument for the training commands (repeatable)')
    p.add_argument('--fixed', nargs='+', default=[*FIXED, 'learned'], choices=[*FIXED, 'learned'], help='fixed paths to compare')
    args = p.parse_args(argv)

    import numpy as np

    from training import checkpoint
    from training.data import load_split
    from training.evaluate import actor_scans, complete, fixed_path_scans, interpolate, random_direction_scans, score
    from training.figures import learning_curves, paths_and_completions

    runs, out = ROOT / args.runs, ROOT / args.out
    out.mkdir(parents=True, exist_ok=True)
    dirs = ensure_runs(args.preset, runs, args.seed, args.train_arg, tuple(args.fixed))
    cfg = checkpoint.load_config(dirs['adaptive'] / 'checkpoint')
    g = cfg.geometry
    test = load_split(cfg.dataset, 'test', n_train=cfg.n_train, n_test=cfg.n_test, seed=cfg.seed)[: args.n_test]
    results, shown = {}, {}

    def record(name, scans, completions, **facts):
        results[name] = {**score(completions, test), **facts}
        shown[name] = (scans['positions'] if 'positions' in scans else None, scans['partial_scan'], completions)
        print(f"{name:32s} mse {results[name]['mse']:.5f}  psnr {results[name]['psnr']:.2f}  ssim {results[name]['ssim']:.3f}", flush=True)

    # (a) the adaptive actor with the generator trained alongside it
    adaptive_dir = dirs['adaptive'] / 'checkpoint'
    actor, generator = checkpoint.load_actor(adaptive_dir), checkpoint.load_generator(adaptive_dir)
    scans = actor_scans(actor, test, g)
    record('adaptive', scans, complete(generator, scans['partial_scan']), kind='adaptive actor + its CRDPG generator')
    record('adaptive_interpolated', scans, interpolate(scans['partial_scan']), kind='adaptive actor samples, linear interpolation')
    rscans = random_direction_scans(test, g, args.seed)
    record('random_directions', rscans, complete(generator, rscans['partial_scan']), kind='random directions per scan + the CRDPG generator')
    # (b) fixed paths, each with a generator trained on it for the same iterations
    # each generator is evaluated on exactly the probe positions it was trained with (saved beside it)
    paths = {name: np.load(dirs[name] / 'positions.npy') for name in args.fixed}
    for name, positions in paths.items():
        fscans = {'positions': np.broadcast_to(positions, (len(test), *positions.shape)), 'partial_scan': fixed_path_scans(positions, test, g.image_size)}
        gen = checkpoint.load_model(dirs[name], 'generator')
        distinct = int(fscans['partial_scan'][0, ..., 1].sum())
        record(f'fixed_{name}', fscans, complete(gen, fscans['partial_scan']), kind='fixed path + its own generator', distinct_pixels=distinct)
        record(f'fixed_{name}_interpolated', fscans, interpolate(fscans['partial_scan']), kind='fixed path, linear interpolation')

    fixed_names = [f'fixed_{n}' for n in paths]
    best_fixed = min(fixed_names, key=lambda n: results[n]['mse'])
    summary = {
        'dataset': cfg.dataset,
        'preset': cfg.preset,
        'iterations': cfg.iterations,
        'n_test': len(test),
        'git_commit': git_commit(),
        'probes_per_scan': g.probes,
        'coverage': g.coverage,
        'methods': results,
        'fixed_paths_compared': list(args.fixed),
        'best_fixed': best_fixed,
        'adaptive_over_best_fixed_mse': results['adaptive']['mse'] / results[best_fixed]['mse'],
        'adaptive_over_random_directions_mse': results['adaptive']['mse'] / results['random_directions']['mse'],
    }
    (out / 'quality.json').write_text(json.dumps(summary, indent=2))
    lines = ['| method | MSE | PSNR (dB) | SSIM |', '|---|---|---|---|']
    lines += [f"| {k} | {v['mse']:.5f} | {v['psnr']:.2f} | {v['ssim']:.3f} |" for k, v in sorted(results.items(), key=lambda kv: kv[1]['mse'])]
    lines.append(f"\nadaptive / best fixed ({best_fixed}) MSE = {summary['adaptive_over_best_fixed_mse']:.3f}; "
                 f"adaptive / random directions = {summary['adaptive_over_random_directions_mse']:.3f}")  # fmt: skip
    (out / 'quality.md').write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))

    # figures: the same three test images under every generator-completed method, and the learning curves
    show = [m for m in ('adaptive', 'random_directions', *fixed_names) if m in shown]
    pick = [0, 1, 2]
    cols = [(m, i) for m in show for i in pick]
    paths_and_completions(
        [test[i] for _, i in cols], [shown[m][0][i] for m, i in cols], [shown[m][1][i] for m, i in cols],
        [shown[m][2][i] for m, i in cols], titles=[m for m, _ in cols], path=out / 'quality_paths.png',
    )  # fmt: skip
    curves = {'adaptive (CRDPG)': read_curve(dirs['adaptive'] / 'learning_curve.csv'), 'blind (CRDPG)': read_curve(dirs['blind'] / 'learning_curve.csv')}
    curves.update({f'fixed {n}': read_curve(dirs[n] / 'learning_curve.csv') for n in paths})
    learning_curves(curves, out / 'learning_curves.png')
    return 0


if __name__ == '__main__':
    sys.exit(main())
