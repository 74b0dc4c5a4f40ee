"""Scan quality at equal dose: the adaptive system against fixed paths, with seeds, intervals, floors and headroom.

    python bench/quality.py                       # the quality preset: trains what is missing under runs/, evaluates
    python bench/quality.py --dataset my.tif      # the shipped checkpoints on a user's images (training.report, no training)
    python bench/quality.py --dataset my.tif --train-missing   # every method's runs (trained where missing) on them

Every method scans 400 probes (1/23 of the pixels) and is completed by a generator trained for its own paths for the
same number of updates: the adaptive actor with the generator trained alongside it (CRDPG, with the preset's warm starts,
TD3 options and fine-tuning), and each fixed path (spiral, serpentine, an inside random walk) with a generator of its own
(pretrained on the same bank of paths, then trained on that path). Floors every learned completion must beat: a flat
image at each image's true mean (an oracle no scan can know), and linear interpolation of each path's samples.

Reported on the held-out test split and on the unseen family (settings training never saw), over every training seed:
MSE, PSNR, SSIM per method; adaptive / best fixed MSE with a 95 % bootstrap interval over images (seeds averaged per
image), its per-seed values, the per-image win rate, the probes the adaptive actor wasted off the image, and the
headroom: the per-image best of all fixed paths over the best single one (what choosing a path per image could gain).
Ablation rows: the paper's CRDPG alone (--plain-seeds) and the actor anchored to its cloned path (--anchor-seeds), each
with its ratio, interval and path spread (how much an actor's paths differ between images; 0: one fixed path).
Run folders are reused only if their saved configuration is the one asked for (never a run of other data).
Writes bench/results/quality.json, quality.md, quality_ablations.json/.md, quality_paths.png, learning_curves.png (other
presets: quality_<preset>.json and so on). Presets whose actor imitates the greedy teacher (`--preset imitation`) also
report the teacher itself on the first --oracle-images images: the adaptivity bound.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')  # threaded BLAS makes SciPy's triangulation 100x slower on 2 busy cores
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from training.stats import bootstrap_ratio, path_spread_deg  # noqa: E402

# the paper's CRDPG alone at the same generator updates (no warm starts, no TD3): the first row of the ablation table
PLAIN = dict(
    pretrain_iterations=0,
    clone_iterations=0,
    finetune_iterations=0,
    critic_warmup=0,
    twin_critics=False,
    target_noise=0.0,
    actor_delay=1,
)
# the quality preset with one more lever: the actor penalised for leaving the cloned path during CRDPG
ANCHOR = dict(anchor_weight=1.0)
# ablation runs beside the full system: folder kind -> (method name, overrides, what it is)
LEVERS = {
    'plain': ('plain_crdpg', PLAIN, "the paper's CRDPG (no warm start, no TD3), same generator and data"),
    'anchor': ('anchored_actor', ANCHOR, 'all of the above, and the actor anchored to the cloned path (anchor_weight 1)'),
}


class Runs:
    """The run folders of the comparison, trained with the standard commands where missing or incomplete."""

    def __init__(self, root: Path, preset: str, backend: str, overrides: dict):
        from training.config import load_config

        self.root, self.preset, self.backend, self.overrides = root, preset, backend, overrides
        self.cfg = load_config(preset, **overrides)

    def folder(self, kind: str, seed: int) -> Path:
        return self.root / f'{self.preset}-{kind}-seed{seed}'

    def config_of(self, kind: str, seed: int):
        changes = {**(LEVERS[kind][1] if kind in LEVERS else {}), 'seed': seed}
        if kind == 'plain':
            changes['iterations'] = self.cfg.generator_updates  # equal generator updates
        return self.cfg.replace(**changes)

    def _complete(self, kind: str, seed: int) -> bool:
        """A finished run of exactly the wanted configuration (refuses to reuse one of other data or settings)."""
        from training import checkpoint

        folder = self.folder(kind, seed)
        if not (folder / 'checkpoint').exists():
            return False
        saved = checkpoint.load_config(folder / 'checkpoint')
        if saved != self.config_of(kind, seed):
            print(
                f'error: {folder} holds a run of another configuration or data set; pass another --runs folder',
                file=sys.stderr,
            )
            raise SystemExit(2)
        step = checkpoint.load_extras(folder / 'checkpoint')['step']
        return step >= (saved.generator_updates if kind.startswith('fixed-') else saved.total_iterations)

    def _train(self, module: str, folder: Path, *args: str) -> None:
        resume = ['--resume'] if (folder / 'checkpoint').exists() else ['--preset', self.preset, *self._flags()]
        cmd = [
            sys.executable,
            '-m',
            module,
            '--backend',
            self.backend,
            '--out',
            str(folder),
            '--no-progress',
            *resume,
            *args,
        ]
        print('+', ' '.join(cmd[1:]), flush=True)
        subprocess.run(cmd, check=True, cwd=ROOT)

    def _flags(self) -> list[str]:
        return [item for k, v in self.overrides.items() for item in (f'--{k}', str(v))]

    def ensure(self, seeds: list[int], fixed_seeds: dict, lever_seeds: dict) -> None:
        for seed in seeds:
            if not self._complete('adaptive', seed):
                self._train('training.train', self.folder('adaptive', seed), '--seed', str(seed))
        for kind, kind_seeds in lever_seeds.items():
            for seed in kind_seeds:
                if not self._complete(kind, seed):
                    preset, wanted = self.cfg.to_dict(), self.config_of(kind, seed).to_dict()
                    flags = [x for k, v in wanted.items() if v != preset[k] and k != 'seed' for x in (f'--{k}', str(v))]
                    self._train('training.train', self.folder(kind, seed), '--seed', str(seed), *flags)
        for seed in sorted({s for ss in fixed_seeds.values() for s in ss}):
            paths = [p for p, ss in fixed_seeds.items() if seed in ss and not self._complete(f'fixed-{p}', seed)]
            if not paths:
                continue
            # the pretraining on the bank of paths is the same for every path of a seed: train it once, then fork
            first = self.folder(f'fixed-{paths[0]}', seed)
            if not (first / 'checkpoint').exists() and self.cfg.pretrain_iterations:
                self._train(
                    'training.fixed_path',
                    first,
                    '--seed',
                    str(seed),
                    '--path',
                    paths[0],
                    '--stop-after',
                    str(self.cfg.pretrain_iterations),
                )
                for path in paths[1:]:
                    shutil.copytree(first, self.folder(f'fixed-{path}', seed))
            for path in paths:
                self._train('training.fixed_path', self.folder(f'fixed-{path}', seed), '--seed', str(seed), '--path', path)


def evaluate(runs: Runs, images, seeds, fixed_seeds, lever_seeds, label: str, views=None, oracle_images: int = 0) -> dict:
    """Every method on one image set: per-method scores over seeds, ratios, intervals, floors and headroom; with
    `oracle_images`, the greedy teacher on the first that many images (the adaptivity bound)."""
    from training import checkpoint
    from training.evaluate import actor_scans, complete, fixed_path_scans, interpolate, random_direction_scans, score

    g = runs.cfg.geometry
    rng = np.random.default_rng(0)
    per_image, methods, shown = {}, {}, {}

    def record(name, per_seed_scores, **facts):
        mse = np.mean([s['per_image_mse'] for s in per_seed_scores], axis=0)
        per_image[name] = mse
        methods[name] = {
            'mse': float(mse.mean()),
            'psnr': float(np.mean([s['psnr'] for s in per_seed_scores])),
            'ssim': float(np.mean([s['ssim'] for s in per_seed_scores])),
            'mse_per_seed': [float(s['mse']) for s in per_seed_scores],
            'seeds': len(per_seed_scores),
            **facts,
        }
        print(
            f'[{label}] {name:34s} MSE {methods[name]["mse"]:.5f}  PSNR {methods[name]["psnr"]:.2f}  SSIM {methods[name]["ssim"]:.3f}  seeds {len(per_seed_scores)}',
            flush=True,
        )

    def actor_run(kind, seed):
        """A trained actor's scans of the images, its generator, the completions' scores."""
        ckpt = runs.folder(kind, seed) / 'checkpoint'
        scans = actor_scans(checkpoint.load_actor(ckpt), images, g, views=views)
        generator = checkpoint.load_generator(ckpt)
        return scans, generator, score(complete(generator, scans['partial_scan']), images)

    adaptive, interpolated, random_dirs, off, spread = [], [], [], [], []
    for seed in seeds:
        scans, generator, scores = actor_run('adaptive', seed)
        adaptive.append(scores)
        interpolated.append(score(interpolate(scans['partial_scan']), images))
        off.append(float(scans['off_image'].mean()))
        spread.append(path_spread_deg(scans['directions']))
        rscans = random_direction_scans(images, g, seed)
        random_dirs.append(score(complete(generator, rscans['partial_scan']), images))
        if seed == seeds[0]:
            shown['adaptive'] = (scans['positions'], scans['partial_scan'], complete(generator, scans['partial_scan'][:3]))
    record(
        'adaptive',
        adaptive,
        kind='adaptive actor + its generator',
        off_image_fraction=float(np.mean(off)),
        off_image_fraction_per_seed=off,
        path_spread_deg=float(np.mean(spread)),
    )
    record('adaptive_interpolated', interpolated, kind='adaptive actor samples, linear interpolation')
    record('random_directions', random_dirs, kind='random directions per scan + the adaptive generator')
    for kind, kind_seeds in lever_seeds.items():
        lever_scores, lever_off, lever_spread = [], [], []
        for seed in kind_seeds:
            scans, _, scores = actor_run(kind, seed)
            lever_scores.append(scores)
            lever_off.append(float(scans['off_image'].mean()))
            lever_spread.append(path_spread_deg(scans['directions']))
        if kind_seeds:
            name, _, what = LEVERS[kind]
            record(
                name,
                lever_scores,
                kind=what,
                off_image_fraction=float(np.mean(lever_off)),
                path_spread_deg=float(np.mean(lever_spread)),
            )
    for path, path_seeds in fixed_seeds.items():
        scores, positions = [], None
        for seed in path_seeds:
            ckpt = runs.folder(f'fixed-{path}', seed) / 'checkpoint'
            positions = checkpoint.load_fixed_positions(ckpt)
            fscans = fixed_path_scans(positions, images, g)
            completions = complete(checkpoint.load_generator(ckpt), fscans['partial_scan'])
            scores.append(score(completions, images))
        distinct = int(fscans['partial_scan'][0, ..., 1].sum())
        record(
            f'fixed_{path}',
            scores,
            kind='fixed path + its own generator',
            distinct_pixels=distinct,
            off_image_fraction=float(fscans['off_image'].mean()),
        )
        record(
            f'fixed_{path}_interpolated',
            [score(interpolate(fscans['partial_scan']), images)],
            kind='fixed path, linear interpolation',
        )
        shown[f'fixed_{path}'] = (fscans['positions'], fscans['partial_scan'], completions[:3])
    flat = np.broadcast_to(images.mean(axis=(1, 2), keepdims=True), images.shape)
    record('flat_true_mean', [score(flat, images)], kind="a flat image at each image's true mean (oracle floor)")

    fixed_names = [f'fixed_{p}' for p in fixed_seeds]
    best = min(fixed_names, key=lambda n: methods[n]['mse'])
    a, b = per_image['adaptive'], per_image[best]
    bound = adaptivity_bound(runs, images[:oracle_images], seeds, views, per_image, best, rng) if oracle_images else None
    per_image_best = np.min([per_image[n] for n in fixed_names], axis=0)
    best_per_seed = {s: methods[best]['mse_per_seed'][i] for i, s in enumerate(fixed_seeds[best[6:]])}
    result = {
        'n_images': len(images),
        'methods': methods,
        'best_fixed': best,
        'adaptive_over_best_fixed_mse': float(a.mean() / b.mean()),
        'adaptive_over_best_fixed_interval95': bootstrap_ratio(a, b, rng),
        'adaptive_over_best_fixed_per_seed': {
            str(s): methods['adaptive']['mse_per_seed'][i] / best_per_seed.get(s, b.mean()) for i, s in enumerate(seeds)
        },
        'adaptive_win_rate': float(np.mean(a < b)),
        'levers_over_best_fixed': {
            name: {
                'mse_ratio': float(per_image[name].mean() / b.mean()),
                'interval95': bootstrap_ratio(per_image[name], b, rng),
            }
            for name, _, _ in LEVERS.values()
            if name in per_image
        },
        'adaptive_over_random_directions_mse': float(a.mean() / per_image['random_directions'].mean()),
        'headroom_per_image_best_fixed_over_best_fixed': float(per_image_best.mean() / b.mean()),
        'headroom_interval95': bootstrap_ratio(per_image_best, b, rng),
        'off_image_fraction': methods['adaptive']['off_image_fraction'],
        'below_flat_floor': {
            n: m['mse'] < methods['flat_true_mean']['mse'] for n, m in methods.items() if n != 'flat_true_mean'
        },
        'oracle_greedy': bound,
    }
    return result, shown


def adaptivity_bound(runs: Runs, images, seeds, views, per_image: dict, best: str, rng) -> dict:
    """The clairvoyant greedy teacher of each adaptive run, choosing and completing with that run's own generator, on
    `images` (the first n of the set): its MSE against the best fixed path and the run's actor on the same images."""
    from training import checkpoint, imitation
    from training.evaluate import complete, score, teacher_scans

    n, cfg = len(images), runs.cfg
    candidates = imitation.candidate_directions(cfg.teacher_directions)
    blind = imitation.blind_start(cfg.base_path, cfg.teacher_blind_segments, candidates, cfg.geometry)
    per_seed, off = [], []
    for seed in seeds:
        generator = checkpoint.load_generator(runs.folder('adaptive', seed) / 'checkpoint')
        scans = teacher_scans(generator, images, cfg.geometry, candidates, blind, views=None if views is None else views[:n])
        per_seed.append(score(complete(generator, scans['partial_scan']), images)['per_image_mse'])
        off.append(float(scans['off_image'].mean()))
        print(f'oracle_greedy (seed {seed}, {n} images) MSE {per_seed[-1].mean():.5f}', flush=True)
    oracle, fixed, actor = np.mean(per_seed, axis=0), per_image[best][:n], per_image['adaptive'][:n]
    return {
        'n_images': n,
        'teacher_directions': cfg.teacher_directions,
        'blind_segments': cfg.teacher_blind_segments,
        'mse': float(oracle.mean()),
        'mse_per_seed': [float(m.mean()) for m in per_seed],
        'off_image_fraction': float(np.mean(off)),
        'best_fixed_mse_same_images': float(fixed.mean()),
        'adaptive_mse_same_images': float(actor.mean()),
        'oracle_over_best_fixed': float(oracle.mean() / fixed.mean()),
        'oracle_over_best_fixed_interval95': bootstrap_ratio(oracle, fixed, rng),
        'adaptive_over_oracle': float(actor.mean() / oracle.mean()),
        'adaptive_over_oracle_interval95': bootstrap_ratio(actor, oracle, rng),
    }


def table(result: dict, title: str) -> list[str]:
    lines = [
        f'### {title} ({result["n_images"]} images)',
        '',
        '| method | MSE (mean over seeds) | per seed | PSNR (dB) | SSIM |',
        '|---|---|---|---|---|',
    ]
    for name, m in sorted(result['methods'].items(), key=lambda kv: kv[1]['mse']):
        seeds = ', '.join(f'{v:.5f}' for v in m['mse_per_seed']) if m['seeds'] > 1 else ''
        lines.append(f'| {name} | {m["mse"]:.5f} | {seeds} | {m["psnr"]:.2f} | {m["ssim"]:.3f} |')
    lo, hi = result['adaptive_over_best_fixed_interval95']
    hlo, hhi = result['headroom_interval95']
    per_seed = ', '.join(f'{v:.3f}' for v in result['adaptive_over_best_fixed_per_seed'].values())
    lines += [
        '',
        f'adaptive / best fixed ({result["best_fixed"]}) MSE = **{result["adaptive_over_best_fixed_mse"]:.3f}** (95 % interval {lo:.3f}-{hi:.3f}; per seed {per_seed}); '
        f'adaptive wins on {100 * result["adaptive_win_rate"]:.1f} % of the images; adaptive / random directions = {result["adaptive_over_random_directions_mse"]:.3f}; '
        f'probes off the image: {100 * result["off_image_fraction"]:.2f} %; '
        f'path spread {result["methods"]["adaptive"]["path_spread_deg"]:.1f} degrees (0: one path for every image).',
        f'headroom: per-image best fixed path / best single fixed path = {result["headroom_per_image_best_fixed_over_best_fixed"]:.3f} ({hlo:.3f}-{hhi:.3f}).',
        'below the flat-mean floor: '
        + ', '.join(f'{n} {"yes" if v else "**NO**"}' for n, v in result['below_flat_floor'].items()),
        '',
    ]
    if bound := result.get('oracle_greedy'):
        lo, hi = bound['oracle_over_best_fixed_interval95']
        alo, ahi = bound['adaptive_over_oracle_interval95']
        lines += [
            f'adaptivity bound, the clairvoyant greedy teacher (K = {bound["teacher_directions"]}, first {bound["blind_segments"]} '
            f"segment(s) on the base path) choosing and completing with the adaptive run's generator, first {bound['n_images']} images: "
            f'MSE {bound["mse"]:.5f}, / best fixed = **{bound["oracle_over_best_fixed"]:.3f}** ({lo:.3f}-{hi:.3f}); '
            f'adaptive / teacher = {bound["adaptive_over_oracle"]:.3f} ({alo:.3f}-{ahi:.3f}); teacher probes off the image '
            f'{100 * bound["off_image_fraction"]:.2f} %.',
            '',
        ]
    return lines


def main(argv=None) -> int:
    from model.cli import Parser, add_image_options, integer

    p = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--preset', default='quality')
    p.add_argument(
        '--backend', default='tensorflow', choices=['tensorflow', 'jax'], help='backend of any training still needed'
    )
    p.add_argument(
        '--seeds',
        type=integer(0, 2**32 - 1),
        nargs='+',
        default=[0, 1, 2],
        help='training seeds of the adaptive system and the fixed paths',
    )
    p.add_argument(
        '--fixed-seeds',
        type=integer(0, 2**32 - 1),
        nargs='+',
        help='training seeds of the spiral and the serpentine (default: --seeds)',
    )
    p.add_argument(
        '--serpentine-seeds',
        type=integer(0, 2**32 - 1),
        nargs='+',
        help='training seeds of the serpentine (default: --fixed-seeds)',
    )
    p.add_argument(
        '--random-walk-seeds',
        type=integer(0, 2**32 - 1),
        nargs='*',
        default=[0],
        help='training seeds of the random walk (clearly the weakest path); none: skip',
    )
    p.add_argument(
        '--plain-seeds',
        type=integer(0, 2**32 - 1),
        nargs='*',
        default=[0],
        help="seeds of the paper's CRDPG alone (ablation row)",
    )
    p.add_argument(
        '--anchor-seeds',
        type=integer(0, 2**32 - 1),
        nargs='*',
        default=[0],
        help='seeds of the anchored actor (ablation row); none: skip',
    )
    p.add_argument('--runs', default='runs', help='folder of training runs (reused when complete and of this configuration)')
    p.add_argument('--n-test', type=integer(1, 10**9), default=1000, help='held-out images to evaluate')
    p.add_argument(
        '--dataset',
        help='other images, all of them: the shipped checkpoints are evaluated (training.report actor), nothing trains',
    )
    p.add_argument(
        '--train-missing',
        action='store_true',
        help='with --dataset: evaluate every method of the comparison, training the runs that are missing under --runs',
    )
    p.add_argument(
        '--oracle-images',
        type=int,
        default=200,
        help='imitation presets: the greedy teacher (the adaptivity bound) on this many held-out images (0: skip)',
    )
    p.add_argument('--out', default='bench/results')
    add_image_options(p)
    args = p.parse_args(argv)
    if args.dataset and not args.train_missing:  # the shipped checkpoints, never a training run
        from training import report

        image_options = (
            ['--downsample', str(args.downsample)]
            if args.pixel_size is None
            else ['--pixel-size', f'{args.pixel_size[0]}{args.pixel_size[1] or ""}']
        )
        out = str(ROOT / args.out / 'quality-dataset')
        return report.main(['actor', '--dataset', args.dataset, '--n-test', str(args.n_test), '--out', out, *image_options])

    global np
    import numpy as np

    from training.crdpg import detector_views
    from training.data import DataError, load_split
    from training.figures import learning_curves, paths_and_completions

    runs = Runs(ROOT / args.runs, args.preset, args.backend, {})
    fixed_seeds = {
        'spiral': args.fixed_seeds or args.seeds,
        'serpentine': args.serpentine_seeds or args.fixed_seeds or args.seeds,
        'random_walk': args.random_walk_seeds,
    }
    fixed_seeds = {path: seeds for path, seeds in fixed_seeds.items() if seeds}
    lever_seeds = {'plain': args.plain_seeds, 'anchor': args.anchor_seeds}
    runs.ensure(args.seeds, fixed_seeds, lever_seeds)
    cfg = runs.cfg
    split = dict(n_train=cfg.n_train, n_test=cfg.n_test, seed=cfg.data_seed)
    try:
        sets = {'test': load_split(args.dataset, 'all', downsample=args.downsample, pixel_size=args.pixel_size)[: args.n_test]} if args.dataset else {
            'test': load_split(cfg.dataset, 'test', **split)[: args.n_test],
            'test_unseen': load_split(cfg.dataset, 'test_unseen', **split)[: args.n_test],
        }  # fmt: skip
    except DataError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    results, shown = {}, None
    oracle_images = args.oracle_images if runs.cfg.imitate_iterations else 0
    for name, images in sets.items():
        results[name], s = evaluate(runs, images, args.seeds, fixed_seeds, lever_seeds, name, oracle_images=oracle_images)
        shown = shown or (images, s)
    test = sets['test']
    views = detector_views(cfg, np.random.default_rng(1), len(test))  # the calibration errors of training
    miscal, _ = evaluate(runs, test, args.seeds, fixed_seeds, {}, 'test, miscalibrated detector', views)
    results['test_miscalibrated'] = miscal
    summary = {
        'dataset': args.dataset or cfg.dataset,
        'preset': args.preset,
        'config': cfg.to_dict(),
        'seeds': args.seeds,
        'fixed_path_seeds': fixed_seeds,
        'git_commit': subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout.strip(),
        'probes_per_scan': cfg.geometry.probes,
        'coverage': cfg.geometry.coverage,
        **{k: v for k, v in results['test'].items() if k != 'methods'},
        'methods': results['test']['methods'],
        'test_unseen': results.get('test_unseen'),
        'test_miscalibrated': results['test_miscalibrated'],
    }
    out = ROOT / args.out
    out.mkdir(parents=True, exist_ok=True)
    stem = 'quality' if args.preset == 'quality' else f'quality_{args.preset}'  # one set of files per preset
    stem += '' if not args.dataset else f'-{Path(args.dataset).stem}'
    (out / f'{stem}.json').write_text(json.dumps(summary, indent=2))
    lines = [
        f'# Quality at equal dose ({cfg.geometry.probes} probes, 1/{1 / cfg.geometry.coverage:.2f} of the pixels), preset {args.preset}, data {summary["dataset"]}',
        '',
    ]
    lines += table(results['test'], 'held-out test images')
    if 'test_unseen' in results:
        lines += table(results['test_unseen'], 'unseen family (settings training never saw)')
    lines += table(
        results['test_miscalibrated'], 'held-out test images, detector miscalibrated as in training (gain, offset per image)'
    )
    (out / f'{stem}.md').write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    if not args.dataset:
        ablations(runs, results, args, out, stem)
        images, s = shown
        names = [n for n in ('adaptive', *[f'fixed_{p}' for p in fixed_seeds]) if n in s]
        cols = [(n, i) for n in names for i in range(3)]
        paths_and_completions(
            [images[i] for _, i in cols], [s[n][0][i] for n, i in cols], [s[n][1][i] for n, i in cols], [s[n][2][i] for n, i in cols],
            titles=[n for n, _ in cols], path=out / f'{stem}_paths.png',
        )  # fmt: skip
        curves = {}
        for kind in ['adaptive', *[f'fixed-{p}' for p in fixed_seeds], *[k for k, ss in lever_seeds.items() if ss]]:
            with open(runs.folder(kind, 0) / 'learning_curve.csv', newline='') as f:
                rows = [r for r in csv.DictReader(f) if r['generator_mse']]
            curves[kind] = {
                'iteration': [int(r['iteration']) for r in rows],
                'generator_mse': [float(r['generator_mse']) for r in rows],
            }
        learning_curves(curves, out / ('learning_curves.png' if stem == 'quality' else f'{stem}_learning_curves.png'))
    return 0


def ablations(runs: Runs, results: dict, args, out: Path, stem: str) -> None:
    """One row per lever: what changed, iterations, the ratio to the best fixed path and its interval (plain CRDPG first)."""
    rows = []
    test = results['test']
    cfg = runs.cfg
    imitated = "imitation of the clairvoyant segment-greedy teacher (DAgger), generator trained at every stage, fine-tuned on the actor's own scans"
    rows.append({
        'lever': imitated if cfg.imitate_iterations else 'warm starts (generator pretrained on a bank of paths, actor cloned from the serpentine), TD3 (twin critics, target smoothing, delayed actor), critic warm-up, generator fine-tuned on the final paths',
        'iterations': cfg.total_iterations, 'seeds': len(args.seeds), 'ratio': test['adaptive_over_best_fixed_mse'],
        'interval95': test['adaptive_over_best_fixed_interval95'], 'off_image_fraction': test['off_image_fraction'],
        'path_spread_deg': test['methods']['adaptive']['path_spread_deg'],
    })  # fmt: skip
    for kind, (name, _, what) in LEVERS.items():
        if name in test['levers_over_best_fixed']:
            m, lever = test['methods'][name], test['levers_over_best_fixed'][name]
            rows.insert(0 if kind == 'plain' else len(rows), {'lever': what, 'iterations': runs.config_of(kind, 0).total_iterations, 'seeds': m['seeds'],
                         'ratio': lever['mse_ratio'], 'interval95': lever['interval95'], 'off_image_fraction': m['off_image_fraction'],
                         'path_spread_deg': m['path_spread_deg']})  # fmt: skip
    (out / f'{stem}_ablations.json').write_text(json.dumps({'best_fixed': test['best_fixed'], 'rows': rows}, indent=2))
    lines = [
        '| lever | iterations | seeds | adaptive / best fixed | 95 % interval | probes off the image | path spread (deg) |',
        '|---|---|---|---|---|---|---|',
    ]
    for r in rows:
        interval = '-' if r['interval95'] is None else f'{r["interval95"][0]:.3f}-{r["interval95"][1]:.3f}'
        lines.append(
            f'| {r["lever"]} | {r["iterations"]} | {r["seeds"]} | {r["ratio"]:.3f} | {interval} | {100 * r["off_image_fraction"]:.2f} % | {r["path_spread_deg"]:.1f} |'
        )
    note = (
        "Path spread: the mean angle between a scan's segment directions and the mean path over all test images; "
        'near 0 the actor scans one fixed path whatever the image.'
    )
    (out / f'{stem}_ablations.md').write_text(
        f'Best fixed path: {test["best_fixed"]}.\n\n' + '\n'.join(lines) + f'\n\n{note}\n'
    )


if __name__ == '__main__':
    sys.exit(main())
