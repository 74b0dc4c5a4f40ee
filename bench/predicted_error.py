"""The predicted-error greedy policy (training/error_map.py) against fixed paths, on held-out images.

    python bench/predicted_error.py          # after bench/quality.py --preset imitation (its runs are reused)

The policy needs a generator that completes scans stopped after any segment: the imitation run's (stage-trained). Its
error map is trained for that generator when missing (RUN/error_map.keras, --iterations). Rows, each on the held-out
test split and the unseen family (--n-test images each): the greedy policy completed by the run's generator; the
spiral and the serpentine completed by the same generator; each fixed path completed by the generator trained for it
(the baseline that counts). Ratios of mean MSE with 95 % bootstrap intervals over images. One seed of every network:
at these budgets a seed moves a fixed path's MSE by ~10 %, so a ratio inside 0.9-1.1 is not a difference.
Writes bench/results/predicted_error.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402


def evaluate(split: str, run: Path, fixed_runs: dict, n_test: int, rng) -> dict:
    import keras
    from keras import ops

    from model import fixed_paths, scan_ops
    from training import checkpoint, imitation
    from training.candidates import greedy_scan
    from training.data import load_config_split
    from training.error_map import scorer
    from training.evaluate import complete, fixed_path_scans, perfect_views, score
    from training.stats import bootstrap_ratio

    cfg = checkpoint.load_config(run / 'checkpoint')
    g = cfg.geometry
    generator = checkpoint.load_generator(run / 'checkpoint')
    error_net = keras.models.load_model(run / 'error_map.keras', compile=False)
    images = load_config_split(cfg, split)[:n_test]
    candidates = imitation.candidate_directions(cfg.teacher_directions)
    blind = imitation.blind_start(cfg.base_path, cfg.teacher_blind_segments, candidates, g)
    start = time.perf_counter()
    parts = []
    for i in range(0, len(images), 100):
        chunk = ops.convert_to_tensor(images[i : i + 100])
        views = ops.convert_to_tensor(perfect_views(chunk.shape[0]))
        directions = greedy_scan(scorer(error_net), chunk, views, g, candidates, blind)
        parts.append(scan_ops.scan_paths(chunk, directions, views, g))
    seconds = time.perf_counter() - start
    greedy_partial = np.concatenate([ops.convert_to_numpy(p['partial_scan']) for p in parts])
    off = np.concatenate([ops.convert_to_numpy(p['penalties']) > 0 for p in parts])
    rows = {'greedy_predicted_error': score(complete(generator, greedy_partial), images)}
    for name, folder in fixed_runs.items():
        scans = fixed_path_scans(fixed_paths.FIXED_PATHS[name](g), images, g)
        rows[f'{name}_same_generator'] = score(complete(generator, scans['partial_scan']), images)
        own = checkpoint.load_generator(folder / 'checkpoint')
        rows[f'{name}_own_generator'] = score(complete(own, scans['partial_scan']), images)
    greedy = rows['greedy_predicted_error']['per_image_mse']
    best_own = min(fixed_runs, key=lambda n: rows[f'{n}_own_generator']['mse'])
    best_same = min(fixed_runs, key=lambda n: rows[f'{n}_same_generator']['mse'])
    own, same = rows[f'{best_own}_own_generator']['per_image_mse'], rows[f'{best_same}_same_generator']['per_image_mse']
    return {
        'n_images': len(images),
        'methods': {k: {m: v for m, v in r.items() if m != 'per_image_mse'} for k, r in rows.items()},
        'best_fixed_own_generator': best_own,
        'greedy_over_best_fixed_own_generator': float(greedy.mean() / own.mean()),
        'greedy_over_best_fixed_own_generator_interval95': bootstrap_ratio(greedy, own, rng),
        'greedy_wins_per_image_own_generator': float(np.mean(greedy < own)),
        'best_fixed_same_generator': best_same,
        'greedy_over_best_fixed_same_generator': float(greedy.mean() / same.mean()),
        'greedy_over_best_fixed_same_generator_interval95': bootstrap_ratio(greedy, same, rng),
        'greedy_off_image_segments': float(off.mean()),
        'greedy_seconds_per_scan_cpu': seconds / len(images),
    }


def markdown(result: dict) -> str:
    lines = [
        f'# Predicted-error greedy policy (SLADS-like) against fixed paths ({result["device"]}, 1 seed)',
        '',
        f'Run `{result["run"]}` (its generator completes the greedy scans; error map trained for it, '
        f'{result["error_map_iterations"]} steps). `{result["command"]}`.',
        '',
        '| split | greedy MSE | best fixed, own generator | greedy / it (95 % interval) | greedy wins | '
        'best fixed, same generator | greedy / it (95 % interval) | off-image segments |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for split, r in result['splits'].items():
        m = r['methods']
        own, same = r['best_fixed_own_generator'], r['best_fixed_same_generator']
        iv = lambda k: f'{r[k]:.3f} ({r[k + "_interval95"][0]:.3f}-{r[k + "_interval95"][1]:.3f})'  # noqa: E731
        lines.append(
            f'| {split} | {m["greedy_predicted_error"]["mse"]:.5f} | {own} {m[f"{own}_own_generator"]["mse"]:.5f} | '
            f'{iv("greedy_over_best_fixed_own_generator")} | {100 * r["greedy_wins_per_image_own_generator"]:.0f} % | '
            f'{same} {m[f"{same}_same_generator"]["mse"]:.5f} | {iv("greedy_over_best_fixed_same_generator")} | '
            f'{100 * r["greedy_off_image_segments"]:.2f} % |'
        )
    lines += ['', 'Every method and generator:', '', '| split | method | MSE | PSNR | SSIM |', '|---|---|---|---|---|']
    for split, r in result['splits'].items():
        for name, s in r['methods'].items():
            lines.append(f'| {split} | {name} | {s["mse"]:.5f} | {s["psnr"]:.2f} | {s["ssim"]:.3f} |')
    return '\n'.join(lines) + '\n'


def main(argv=None) -> int:
    from model.cli import Parser, integer

    p = Parser(
        prog='python bench/predicted_error.py', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument('--run', type=Path, default=Path('runs/imitation-adaptive-seed0'), help='a stage-trained run folder')
    p.add_argument('--fixed', nargs='+', default=['spiral', 'serpentine'], choices=['spiral', 'serpentine', 'random_walk'])
    p.add_argument('--fixed-run', default='runs/imitation-fixed-{path}-seed0', help='folder pattern of the fixed-path runs')
    p.add_argument('--n-test', type=integer(1, 10**6), default=500)
    p.add_argument('--iterations', type=integer(1, 10**7), default=600, help='error-map training steps, if it is missing')
    p.add_argument('--seed', type=integer(0, 2**32 - 1), default=0)
    p.add_argument('--out', type=Path, default=ROOT / 'bench' / 'results' / 'predicted_error')
    args = p.parse_args(argv)
    fixed_runs = {name: Path(args.fixed_run.format(path=name)) for name in args.fixed}
    for folder in (args.run, *fixed_runs.values()):
        if not (folder / 'checkpoint').is_dir():
            print(
                f'error: {folder} holds no checkpoint: run python bench/quality.py --preset imitation first', file=sys.stderr
            )
            return 2
    if not (args.run / 'error_map.keras').is_file():
        from training import error_map

        if error_map.main([str(args.run), '--iterations', str(args.iterations), '--seed', str(args.seed)]):
            return 2
    import keras

    rng = np.random.default_rng(args.seed)
    result = {
        'command': 'python bench/predicted_error.py ' + ' '.join(argv if argv is not None else sys.argv[1:]),
        'device': f'CPU ({platform.machine()}, {os.cpu_count()} cores), Keras on {keras.backend.backend()}',
        'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
        'run': str(args.run),
        'fixed_runs': {k: str(v) for k, v in fixed_runs.items()},
        'error_map_iterations': args.iterations,
        'splits': {split: evaluate(split, args.run, fixed_runs, args.n_test, rng) for split in ('test', 'test_unseen')},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix('.json').write_text(json.dumps(result, indent=2))
    args.out.with_suffix('.md').write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
