"""How much room a causal scan policy can reach, and the ERD policies against the spiral (issue 25).

    python -m bench.adaptivity                 # every stage, each cached under runs/adaptivity/ (resumes where it stopped)
    python -m bench.adaptivity --only bank labels curve   # some stages

Stages (CPU, TensorFlow; each writes its artifacts under --work and is skipped when they exist):
  bank      a generator per seed trained on a bank of varied paths at every stage (training/generator_fit.py): it labels
            the decisions and completes the "same generator" rows
  labels    clairvoyant labels (training/erd.py) of decisions on training images, rolled in by a mixture of the
            clairvoyant greedy choice, the spiral polygon and random valid candidates; and a validation set
  curve     the deployable room: ERD networks fitted on the labels of 150 ... 3,000 images; each one's held-out regret
            and agreement on the decisions its own policy visits on test images (on-policy labels), and its MSE there
  dagger    a round on the policy's own states: its own generator fine-tuned on its scans at every stage, its visited
            states labelled with that generator, the ERD network refitted on all labels
  tune      the tether weight of the planned policy on validation images
  rows      every scan policy on held-out images (test, unseen family): completed by the bank generator (same generator)
            and by a generator fine-tuned on the policy's own scans (own generator, the comparison that counts), against
            the spiral with its own generator; the best two rows over 3 generator seeds
  geometry  the clairvoyant bound, the spiral polygon and the planned policy at 40 segments x 10 probes

Writes bench/results/adaptivity.json and .md, and the summary into bench/results/quality.json ('adaptivity').
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

STAGES = ('bank', 'labels', 'curve', 'tune', 'rows', 'geometry', 'imitation', 'dagger')


@dataclass(frozen=True)
class Sizes:
    """Every size of the bench (the tests run it small). Training images are used in disjoint ranges: labels from 0,
    tuning from `tune_from`, the learned static path from `static_from`, validation labels from `validation_from`."""

    curve_images: tuple = (150, 500, 1500, 3000)
    """labelled training images of each learning-curve point (the largest labels the policies' network)"""
    bank_updates: int = 1000
    own_updates: int = 1600
    """generator updates on the bank of paths, then on a policy's own scans (the shipped spiral's budget: 1,000 + 1,600)"""
    erd_steps: int = 2000
    """at most this many Adam steps per ERD network (batch 32): two passes over its states, at least 500; the weights at
    the best validation regret are kept"""
    chunk: int = 100
    """training images labelled per stored file"""
    curve_test_images: int = 100
    dagger_images: int = 1500
    tune_from: int = 3000
    tune_images: int = 300
    static_from: int = 3300
    static_images: int = 100
    validation_from: int = 3800
    validation_images: int = 200
    own_path_images: int = 2000
    """training images (one augmentation each) a policy scans for its own generator (the clairvoyant one: half)"""
    geometry_images: int = 100
    decision_scans: int = 5
    slow_images: int = 200
    """held-out images per split of the rows too slow for all of them on this CPU (SLOW_ROWS)"""


class Work:
    """The artifacts of the bench under one folder, and the data and settings every stage shares."""

    def __init__(self, root: Path, n_test: int, progress: bool, sizes: Sizes = Sizes(), network: str = ''):
        from keras import ops

        from model.geometry import ScanGeometry
        from training import imitation
        from training.config import PRESETS
        from training.data import load_split

        self.root, self.n_test, self.progress, self.sizes = root, n_test, progress, sizes
        self.network = network or f'curve-n{max(sizes.curve_images)}'
        self.cfg = PRESETS['imitation']
        self.geometry = ScanGeometry()
        split = dict(n_train=self.cfg.n_train, n_test=self.cfg.n_test, seed=self.cfg.data_seed)
        self.train = ops.convert_to_tensor(load_split('procedural', 'train', **split))
        self.test = {s: load_split('procedural', s, **split)[:n_test] for s in ('test', 'test_unseen')}
        self.candidates = imitation.candidate_directions(16)
        self.blind = imitation.blind_start('serpentine', 1, self.candidates, self.geometry)
        self.results_file = root / 'results.json'
        self.results = json.loads(self.results_file.read_text()) if self.results_file.is_file() else {}
        self._tb = None

    def path(self, *parts: str) -> Path:
        p = self.root.joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def save_results(self) -> None:
        tmp = self.results_file.with_suffix('.tmp')
        tmp.write_text(json.dumps(self.results, indent=2))
        tmp.replace(self.results_file)

    def log(self, run: str):
        """A TensorBoard logger for one fit: log(step, tag, value) -> runs/adaptivity/tb/<run>."""
        from training.tblog import TensorBoard

        board = TensorBoard(self.path('tb', run, 'x').parent)
        return lambda step, tag, value: board.scalars({tag: value}, step)


# ---- shared pieces ------------------------------------------------------------------------------------------------------
def load_network(path: Path):
    import keras

    return keras.models.load_model(path, compile=False)


def save_network(model, path: Path) -> None:
    """Saved under a temporary name and renamed into place: a killed save leaves no file that looks finished."""
    tmp = path.with_name(f'{path.stem}.partial.keras')
    model.save(tmp)
    tmp.replace(path)


def completer(generator, batch: int = 400):
    """The generator as a function of partial scans, in batches of at most `batch` (bounded memory)."""
    from keras import ops

    def complete(scans):
        parts = [generator(scans[i : i + batch], training=False) for i in range(0, scans.shape[0], batch)]
        return parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=0)

    return complete


def views_for(n: int):
    from keras import ops

    return ops.convert_to_tensor(np.tile(np.float32([1.0, 0.0]), (n, 1)))


def base_vertices(geometry):
    from model import fixed_paths
    from training import erd

    return erd.base_vertices(fixed_paths.spiral_polygon(geometry), geometry)


def policy_directions(score, images, geometry, candidates, blind, batch: int = 50, desc: str = '', progress=True):
    """Directions (N, T, 2) of a segment-greedy policy (score: Decision -> (N, K)) on images (N, H, W)."""
    from keras import ops
    from tqdm import tqdm

    from training.candidates import greedy_scan

    out = []
    for i in tqdm(range(0, len(images), batch), desc=desc, disable=not progress, leave=False):
        chunk = ops.convert_to_tensor(images[i : i + batch])
        out.append(ops.convert_to_numpy(greedy_scan(score, chunk, views_for(len(chunk)), geometry, candidates, blind)))
    return np.concatenate(out)


def scans_of(images, geometry, directions=None, positions=None) -> dict:
    """Partial scans (N, H, W, 2) and off-image share of images along per-image directions or one fixed path."""
    from keras import ops

    from model import scan_ops
    from model.scan_numpy import pixel_indices
    from training.evaluate import fixed_path_scans

    if positions is not None:
        scans = fixed_path_scans(positions, images, geometry)
        return {'partial_scan': scans['partial_scan'], 'off_image': float(scans['off_image'].mean())}
    parts, off = [], []
    for i in range(0, len(images), 200):
        scan = scan_ops.scan_paths(
            ops.convert_to_tensor(images[i : i + 200]), ops.convert_to_tensor(directions[i : i + 200]),
            views_for(len(images[i : i + 200])), geometry,
        )  # fmt: skip
        parts.append(ops.convert_to_numpy(scan['partial_scan']))
        off.append(pixel_indices(ops.convert_to_numpy(scan['positions']), geometry.image_size)[1].reshape(-1))
    return {'partial_scan': np.concatenate(parts), 'off_image': float(np.concatenate(off).mean())}


def per_image_mse(generator, partial_scans, images) -> np.ndarray:
    from training.evaluate import complete

    return np.mean((complete(generator, partial_scans) - images) ** 2, axis=(1, 2))


# ---- stage: bank ----------------------------------------------------------------------------------------------------------
def bank_generator(w: Work, seed: int) -> Path:
    """The generator of seed `seed` trained on the bank of varied paths, at every stage."""
    from model.fixed_paths import path_bank
    from model.networks import build_generator, initialise
    from training.generator_fit import bank_source, fit_generator

    path = w.path(f'seed{seed}', 'bank.keras')
    if not path.is_file():
        generator = build_generator(w.geometry, w.cfg.generator)
        initialise(generator, seed)
        source = bank_source(w.train, path_bank(w.geometry, seed=seed), w.geometry)
        fit_generator(generator, source, w.sizes.bank_updates, w.cfg, total_updates=w.sizes.bank_updates + w.sizes.own_updates, seed=seed,
                      log=w.log(f'bank-seed{seed}'), progress=w.progress, desc=f'bank generator, seed {seed}')  # fmt: skip
        save_network(generator, path)
    return path


def own_generator(w: Work, name: str, seed: int, image_ids, augments, directions=None, positions=None, staged=False):
    """The bank generator of `seed` fine-tuned on one policy's own scans (own_updates, the schedule continued)."""
    from training.generator_fit import fit_generator, fixed_source, paths_source

    path = w.path(f'seed{seed}', f'own-{name}.keras')
    if not path.is_file():
        generator = load_network(bank_generator(w, seed))
        if positions is not None:
            source = fixed_source(w.train, positions, w.geometry)
        else:
            source = paths_source(w.train, image_ids, augments, directions, w.geometry, staged=staged)
        fit_generator(generator, source, w.sizes.own_updates, w.cfg, first_update=w.sizes.bank_updates, seed=seed,
                      total_updates=w.sizes.bank_updates + w.sizes.own_updates, log=w.log(f'own-{name}-seed{seed}'),
                      progress=w.progress, desc=f'{name} generator, seed {seed}')  # fmt: skip
        save_network(generator, path)
    return load_network(path)


# ---- stage: labels ---------------------------------------------------------------------------------------------------------
def mixture_behaviour(vertices, shares=(1 / 3, 1 / 3, 1 / 3)):
    """Roll-in for the first labels: each decision takes the clairvoyant best, the candidate nearest the spiral polygon,
    or a random valid candidate (shares), so the states cover good scans, planned ones and everything between."""
    from keras import ops

    from training import erd

    def behave(d, after, rng):
        pick = rng.choice(3, d.n, p=shares)[:, None]
        tether = -ops.convert_to_numpy(erd.tether_distance(d, vertices))
        return np.where(pick == 0, -after, np.where(pick == 1, tether, rng.random(after.shape)))

    return behave


def policy_behaviour(score, explore: float = 0.2):
    """Roll-in of a DAgger round: the policy's own choice, a random valid candidate with probability `explore`."""
    from keras import ops

    def behave(d, after, rng):
        own = ops.convert_to_numpy(score(d))
        return np.where(rng.random((d.n, 1)) < explore, rng.random(after.shape), own)

    return behave


def label_images(w: Work, generator, rows: np.ndarray, behaviour, seed: int, batch: int = 50):
    """States of training images `rows` (one random augmentation each) rolled in by `behaviour`, labelled with
    `generator`."""
    from keras import ops

    from training import erd
    from training.augment import augment

    rng = np.random.default_rng(seed)
    augments = rng.integers(0, w.cfg.augmentations, len(rows)).astype(np.int32)
    parts = []
    for i in range(0, len(rows), batch):
        imgs = augment(ops.take(w.train, rows[i : i + batch], axis=0), augments[i : i + batch])
        directions, labels = erd.label_rollout(completer(generator), imgs, views_for(imgs.shape[0]), w.geometry,
                                               w.candidates, w.blind, behaviour, rng)  # fmt: skip
        parts.append(erd.to_states(rows[i : i + batch], augments[i : i + batch], directions, labels))
    return erd.States.concatenate(parts)


def labelled(w: Work, name: str, rows: np.ndarray, generator_path: Path, behaviour, seed: int):
    """Labelled states of `rows`, stored in chunks of sizes.chunk images under labels/<name>/ (resumes chunk by chunk)."""
    from tqdm import tqdm

    from training import erd

    parts, generator = [], None
    chunk = w.sizes.chunk
    for c in tqdm(range(0, len(rows), chunk), desc=f'labels {name}', disable=not w.progress):
        path = w.path('labels', name, f'{c // chunk:04d}.npz')
        if not path.is_file():
            generator = generator or load_network(generator_path)
            label_images(w, generator, rows[c : c + chunk], behaviour, seed + c).save(path)
        parts.append(erd.States.load(path))
    return erd.States.concatenate(parts)


def first_labels(w: Work):
    behaviour = mixture_behaviour(base_vertices(w.geometry))
    return labelled(w, 'r0', np.arange(max(w.sizes.curve_images)), bank_generator(w, 0), behaviour, seed=0)


def validation_labels(w: Work):
    behaviour = mixture_behaviour(base_vertices(w.geometry))
    rows = np.arange(w.sizes.validation_from, w.sizes.validation_from + w.sizes.validation_images)
    return labelled(w, 'validation', rows, bank_generator(w, 0), behaviour, seed=10**6)


# ---- stage: curve (the deployable room) -------------------------------------------------------------------------------
def fit_network(w: Work, name: str, states=None):
    """The ERD network `name` fitted to `states` (kept at its best validation regret); cached under erd/."""
    from training import erd

    path = w.path('erd', f'{name}.keras')
    if path.is_file():
        return load_network(path)
    steps = int(np.clip(2 * len(states) // 32, min(500, w.sizes.erd_steps), w.sizes.erd_steps))
    net = erd.build_erd_net(w.geometry, seed=0)
    losses, checks = erd.fit_erd(net, w.train, states, w.candidates, w.geometry, steps=steps,
                                 validation=(w.train, validation_labels(w)), check_every=500, log=w.log(f'erd-{name}'),
                                 progress=w.progress)  # fmt: skip
    save_network(net, path)
    w.results.setdefault('erd_fits', {})[name] = {
        'states': len(states), 'images': int(len(np.unique(states.image))), 'steps': steps,
        'final_loss': float(np.mean(losses[-max(1, steps // 10):])),
        'validation': [{'step': step, **q} for step, q in checks],
    }  # fmt: skip
    w.save_results()
    return net


def on_policy(w: Work, score, generator, images, seed: int = 0, batch: int = 50):
    """Roll a policy (score) over held-out images, labelling each decision it visits clairvoyantly with `generator`:
    (choice quality of its scores on its own decisions, its directions)."""
    from keras import ops

    from training import erd

    scores, after, valid, directions = [], [], [], []

    def behave(d, clairvoyant, rng):
        own = ops.convert_to_numpy(score(d))
        scores.append(own)
        return own

    for i in range(0, len(images), batch):
        chunk = ops.convert_to_tensor(images[i : i + batch])
        dirs, labels = erd.label_rollout(completer(generator), chunk, views_for(chunk.shape[0]), w.geometry,
                                         w.candidates, w.blind, behave, np.random.default_rng(seed))  # fmt: skip
        directions.append(dirs)
        after += [a for _, _, a, _ in labels]
        valid += [v for _, _, _, v in labels]
    return erd.choice_quality(np.concatenate(scores), np.concatenate(after), np.concatenate(valid)), np.concatenate(
        directions
    )


def oracle_directions(w: Work, generator, images, geometry=None, blind=None, batch: int = 50):
    """The clairvoyant segment-greedy policy's directions: each decision takes the candidate whose completion by
    `generator` is closest to the true image."""
    from keras import ops

    from training import erd

    out = []
    for i in range(0, len(images), batch):
        chunk = ops.convert_to_tensor(images[i : i + batch])
        dirs, _ = erd.label_rollout(completer(generator), chunk, views_for(chunk.shape[0]), geometry or w.geometry,
                                    w.candidates, w.blind if blind is None else blind, lambda d, after, rng: -after,
                                    None)  # fmt: skip
        out.append(dirs)
    return np.concatenate(out)


def ratio_row(policy_mse, baseline_mse, rng) -> dict:
    from training.stats import bootstrap_ratio

    return {
        'mse': float(policy_mse.mean()),
        'ratio': float(policy_mse.mean() / baseline_mse.mean()),
        'ratio_interval95': bootstrap_ratio(policy_mse, baseline_mse, rng),
        'wins': float(np.mean(policy_mse < baseline_mse)),
    }


def curve(w: Work) -> None:
    """Held-out regret, agreement and MSE of ERD networks fitted on growing label sets, on their own decisions."""
    from model import fixed_paths
    from training import erd

    if 'curve' in w.results and all(str(n) in w.results['curve']['points'] for n in w.sizes.curve_images):
        return
    generator, n_images = load_network(bank_generator(w, 0)), w.sizes.curve_test_images
    images, rng = w.test['test'][:n_images], np.random.default_rng(0)
    spiral = per_image_mse(generator, scans_of(images, w.geometry, positions=fixed_paths.spiral(w.geometry))['partial_scan'],
                           images)  # fmt: skip
    result = w.results.setdefault('curve', {'images': n_images, 'generator': 'bank seed 0', 'points': {}})
    if 'oracle_greedy' not in result:
        oracle = scans_of(images, w.geometry, directions=oracle_directions(w, generator, images))['partial_scan']
        result['oracle_greedy'] = ratio_row(per_image_mse(generator, oracle, images), spiral, rng)
    labels, points = first_labels(w), result['points']
    for n in w.sizes.curve_images:
        if str(n) in points:
            continue
        net = fit_network(w, f'curve-n{n}', labels.take(labels.image < n))
        quality, directions = on_policy(w, erd.erd_scorer(net), generator, images)
        mse = per_image_mse(generator, scans_of(images, w.geometry, directions=directions)['partial_scan'], images)
        points[str(n)] = {**quality, 'states': int(np.sum(labels.image < n)), 'erd_greedy': ratio_row(mse, spiral, rng)}
        w.save_results()


# ---- stage: dagger (the policy's own distribution) -----------------------------------------------------------------------
def training_paths(w: Work, name: str, score, seed: int = 7):
    """A policy's directions on training images 0..n-1, one random augmentation each (for its own generator)."""
    from keras import ops

    from training.augment import augment

    path = w.path('paths', f'train-{name}.npz')
    if not path.is_file():
        n_images = w.sizes.own_path_images
        ids = np.arange(n_images)
        augments = np.random.default_rng(seed).integers(0, w.cfg.augmentations, n_images).astype(np.int32)
        images = ops.convert_to_numpy(augment(ops.take(w.train, ids, axis=0), augments))
        directions = policy_directions(score, images, w.geometry, *offered(w, name), desc=f'{name} paths',
                                       progress=w.progress)  # fmt: skip
        np.savez(path, ids=ids, augments=augments, directions=directions)
    with np.load(path) as f:
        return f['ids'], f['augments'], f['directions']


def dagger(w: Work) -> None:
    """One DAgger round: the ERD policy's own generator (every stage), its own states labelled with it, a refit."""
    from training import erd

    first = fit_network(w, f'curve-n{max(w.sizes.curve_images)}')
    ids, augments, directions = training_paths(w, 'erd_greedy', erd.erd_scorer(first))
    own_generator(w, 'erd_greedy-staged', 0, ids, augments, directions, staged=True)
    own_path = w.path('seed0', 'own-erd_greedy-staged.keras')
    rows, behaviour = np.arange(w.sizes.dagger_images), policy_behaviour(erd.erd_scorer(first))
    own_states = labelled(w, 'r1', rows, own_path, behaviour, seed=1)
    net = fit_network(w, 'dagger', erd.States.concatenate([first_labels(w), own_states]))
    if 'dagger' not in w.results:
        images, generator = w.test['test'][: w.sizes.curve_test_images], load_network(bank_generator(w, 0))
        w.results['dagger'] = {
            'states_added': len(own_states),
            'first': on_policy(w, erd.erd_scorer(first), generator, images)[0],
            'after_round': on_policy(w, erd.erd_scorer(net), generator, images)[0],
        }
        w.save_results()


# ---- stage: tune ---------------------------------------------------------------------------------------------------------
TETHERS = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
TETHER_SLACK = 1.005
"""the planned policy takes the lightest tether whose validation MSE is within 0.5 % of the best one: the most adaptive
setting that costs nothing measurable (a heavy enough tether is the fixed polygon itself)"""


def network(w: Work):
    return fit_network(w, w.network)


def tune(w: Work) -> None:
    """MSE (bank generator) of the tethered policy per tether weight, and of the lookahead policy, on validation images."""
    from keras import ops

    from model import fixed_paths
    from training import erd

    if 'tune' in w.results:
        return
    rows = slice(w.sizes.tune_from, w.sizes.tune_from + w.sizes.tune_images)
    images = ops.convert_to_numpy(w.train[rows])
    generator, net, vertices = load_network(bank_generator(w, 0)), network(w), base_vertices(w.geometry)

    def mse_of(directions=None, positions=None):
        return float(
            per_image_mse(generator, scans_of(images, w.geometry, directions, positions)['partial_scan'], images).mean()
        )

    def policy(score, desc, candidates=w.candidates, blind=w.blind):
        return policy_directions(score, images, w.geometry, candidates, blind, desc=desc, progress=w.progress)

    planned = planned_candidates(w, w.geometry)

    result = {
        'images': f'training images {rows.start}-{rows.stop - 1}',
        'network': w.network,
        'spiral': mse_of(positions=fixed_paths.spiral(w.geometry)),
        'spiral_polygon': mse_of(positions=fixed_paths.FIXED_PATHS['spiral_polygon'](w.geometry)),
        'tethers': {str(t): mse_of(policy(erd.tethered_scorer(net, vertices, t), f'tether {t}', *planned)) for t in TETHERS},
        'lookahead': mse_of(policy(erd.lookahead_scorer(net, completer(generator)), 'lookahead')),
    }
    best = min(result['tethers'].values())
    result['chosen_tether'] = min(float(t) for t, mse in result['tethers'].items() if mse <= TETHER_SLACK * best)
    w.results['tune'] = result
    w.save_results()


# ---- stage: rows ---------------------------------------------------------------------------------------------------------
FIXED_ROWS = ('spiral', 'spiral_polygon', 'learned_static')
OWN_ROWS = FIXED_ROWS + ('erd_greedy', 'erd_planned')
"""rows completed by their own generators on every held-out image"""
SLOW_ROWS = ('oracle_greedy', 'erd_lookahead', 'oracle_greedy_spiral_generator')
"""rows too slow for every image on this CPU: the first sizes.slow_images of each split, against the spiral on the same
images; completed by the bank generator (oracle_greedy_spiral_generator: chosen and completed by the spiral's own)"""


def learned_static(w: Work):
    """One path for every image, chosen segment by segment: the candidate whose completion (bank generator) has the
    lowest mean MSE over training images from sizes.static_from (the greedy shared path: planned, not adaptive)."""
    from keras import ops

    from model.fixed_paths import positions_of
    from training import erd
    from training.candidates import greedy_scan

    if 'learned_static' not in w.results:
        n_images = w.sizes.static_images
        images = w.train[w.sizes.static_from : w.sizes.static_from + n_images]
        complete = completer(load_network(bank_generator(w, 0)))

        def shared(d):
            _, after = erd.clairvoyant_mse(complete, images, views_for(n_images), d)
            return np.broadcast_to(-after.mean(0, keepdims=True), after.shape)

        directions = ops.convert_to_numpy(
            greedy_scan(shared, images, views_for(n_images), w.geometry, w.candidates, w.blind)
        )
        w.results['learned_static'] = directions[0].tolist()
        w.save_results()
    return positions_of(np.float32(w.results['learned_static']), w.geometry)


def planned_candidates(w: Work, geometry):
    """The planned policy's candidates and blind start: deviations from the spiral polygon, its first segment on it."""
    from training import erd

    return erd.base_relative_candidates(base_vertices(geometry), len(w.candidates)), [0]


def offered(w: Work, name: str):
    """(candidates, blind start) a row's decisions choose among."""
    return planned_candidates(w, w.geometry) if name == 'erd_planned' else (w.candidates, w.blind)


def scorer_of(w: Work, name: str):
    """A row's scoring function, or the generator its clairvoyant choice uses."""
    from training import erd

    if name == 'oracle_greedy':
        return load_network(bank_generator(w, 0))
    if name == 'oracle_greedy_spiral_generator':
        return generator_of(w, 'spiral', 0)
    net = network(w)
    if name == 'erd_greedy':
        return erd.erd_scorer(net)
    if name == 'erd_planned':
        return erd.tethered_scorer(net, base_vertices(w.geometry), w.results['tune']['chosen_tether'])
    if name == 'erd_lookahead':
        return erd.lookahead_scorer(net, completer(load_network(bank_generator(w, 0))))
    raise ValueError(f'unknown row {name!r}')


def directions_of(w: Work, name: str, images, desc: str):
    score = scorer_of(w, name)
    if name.startswith('oracle_greedy'):
        return oracle_directions(w, score, images)
    return policy_directions(score, images, w.geometry, *offered(w, name), desc=desc, progress=w.progress)


def fixed_positions(w: Work, name: str):
    from model import fixed_paths

    return learned_static(w) if name == 'learned_static' else fixed_paths.FIXED_PATHS[name](w.geometry)


def held_out(w: Work, name: str, split: str) -> np.ndarray:
    """The held-out images a row is scored on: every one, or the first sizes.slow_images for a slow row."""
    return w.test[split][: w.sizes.slow_images] if name in SLOW_ROWS else w.test[split]


def held_out_directions(w: Work, name: str, split: str):
    path = w.path('paths', f'{split}-{name}.npy')
    if not path.is_file():
        np.save(path, directions_of(w, name, held_out(w, name, split), f'{name} {split}'))
    return np.load(path)


def row_scans(w: Work, name: str, split: str) -> dict:
    if name in FIXED_ROWS:
        return scans_of(w.test[split], w.geometry, positions=fixed_positions(w, name))
    return scans_of(held_out(w, name, split), w.geometry, directions=held_out_directions(w, name, split))


def generator_of(w: Work, name: str, seed: int):
    """A row's own generator of one seed (the bank generator fine-tuned on its scans of training images)."""
    if name in FIXED_ROWS:
        return own_generator(w, name, seed, None, None, positions=fixed_positions(w, name))
    return own_generator(w, name, seed, *training_paths(w, name, scorer_of(w, name)))


def per_image(w: Work, name: str, split: str, generator_name: str, generator=None) -> np.ndarray:
    """Per-image MSE of a row on a split, completed by a named generator (cached; `generator` makes it when missing)."""
    key = f'{split}/{name}/{generator_name}'
    store = w.path('per_image.npz')
    cached = dict(np.load(store)) if store.is_file() else {}
    if key not in cached:
        cached[key] = per_image_mse(generator(), row_scans(w, name, split)['partial_scan'], held_out(w, name, split))
        np.savez(store, **cached)
    return cached[key]


def rows(w: Work) -> None:
    """Every row on both splits against the spiral: completed by the bank generator (same generator) and by its own
    (seed 0; seeds 1, 2 for the spiral, the best two other rows and the best adaptive row); off-image share, path
    spread, per scene kind."""
    from training import checkpoint
    from training.data import procedural_scenes
    from training.stats import path_spread_deg

    if 'rows' in w.results:
        return
    bank = lambda: load_network(bank_generator(w, 0))  # noqa: E731
    own = lambda name, seed: lambda: generator_of(w, name, seed)  # noqa: E731
    for split in w.test:
        for name in OWN_ROWS:
            per_image(w, name, split, 'bank0', bank)
            per_image(w, name, split, 'own0', own(name, 0))
        per_image(w, 'oracle_greedy', split, 'bank0', bank)
        per_image(w, 'erd_lookahead', split, 'bank0', bank)
        per_image(w, 'oracle_greedy_spiral_generator', split, 'own0', own('spiral', 0))
        per_image(w, 'spiral', split, 'shipped', lambda: checkpoint.load_generator(ROOT / 'checkpoints' / 'spiral'))
    spiral0 = per_image(w, 'spiral', 'test', 'own0').mean()
    contenders = {n: per_image(w, n, 'test', 'own0').mean() / spiral0 for n in OWN_ROWS if n != 'spiral'}
    best_two = sorted(contenders, key=contenders.get)[:2]
    best_adaptive = min(('erd_greedy', 'erd_planned'), key=contenders.get)
    seeded = ('spiral', *best_two, *({best_adaptive} - set(best_two)))
    for seed in (1, 2):
        for name in seeded:
            for split in w.test:
                per_image(w, name, split, f'own{seed}', own(name, seed))
    rng, table = (
        np.random.default_rng(0),
        {'best_two': best_two, 'best_adaptive': best_adaptive, 'slow_images': w.sizes.slow_images},
    )
    for split in w.test:
        scenes = np.array(procedural_scenes(split, w.cfg.n_train, w.cfg.n_test, w.cfg.data_seed)[: w.n_test])
        spiral_same = per_image(w, 'spiral', split, 'bank0')
        table[split] = {'spiral_shipped_generator_mse': float(per_image(w, 'spiral', split, 'shipped').mean())}
        for name in OWN_ROWS + SLOW_ROWS:
            n = len(held_out(w, name, split))
            seeds = [0, 1, 2] if name in seeded else [0]
            row = {'images': n, 'off_image': row_scans(w, name, split)['off_image'],
                   'path_spread_deg': 0.0 if name in FIXED_ROWS else path_spread_deg(held_out_directions(w, name, split))}  # fmt: skip
            if name != 'oracle_greedy_spiral_generator':
                row['same_generator'] = ratio_row(per_image(w, name, split, 'bank0'), spiral_same[:n], rng)
            if name in OWN_ROWS or name == 'oracle_greedy_spiral_generator':
                own_mse = np.mean([per_image(w, name, split, f'own{s}') for s in seeds], axis=0)
                spiral_own = np.mean([per_image(w, 'spiral', split, f'own{s}')[:n] for s in seeds], axis=0)
                per_seed = [per_image(w, name, split, f'own{s}').mean() / per_image(w, 'spiral', split, f'own{s}')[:n].mean()
                            for s in seeds]  # fmt: skip
                row['own_generator'] = {**ratio_row(own_mse, spiral_own, rng), 'seeds': seeds,
                                        'ratio_per_seed': [float(r) for r in per_seed]}  # fmt: skip
                kinds = scenes[:n]
                row['ratio_per_scene'] = {
                    k: float(own_mse[kinds == k].mean() / spiral_own[kinds == k].mean()) for k in sorted(set(kinds))
                }
            table[split][name] = row
    table['decision_ms_cpu'] = decision_time(w)
    w.results['rows'] = table
    w.save_results()


def decision_time(w: Work) -> dict:
    """Milliseconds per decision of the adaptive rows at batch 1 on this CPU (the host-side mode's dead time)."""
    out = {}
    for name in ('erd_greedy', 'erd_planned', 'erd_lookahead'):
        scans = w.sizes.decision_scans
        score, images, (candidates, blind) = scorer_of(w, name), w.test['test'][:scans], offered(w, name)
        policy_directions(score, images[:1], w.geometry, candidates, blind, batch=1, progress=False)  # warm-up
        started = time.perf_counter()
        policy_directions(score, images, w.geometry, candidates, blind, batch=1, progress=False)
        out[name] = 1000 * (time.perf_counter() - started) / (scans * (w.geometry.segments - len(blind)))
    return out


# ---- stage: geometry ----------------------------------------------------------------------------------------------------
def geometry(w: Work) -> None:
    """The clairvoyant bound, the spiral polygon and the ERD policies at 40 segments x 10 probes and at 20 x 20, on the
    first held-out images, completed by the bank generator (trained at 20 x 20) against the spiral."""
    from model import fixed_paths
    from model.geometry import ScanGeometry
    from training import erd, imitation

    if 'geometries' in w.results:
        return
    generator, net, rng = load_network(bank_generator(w, 0)), network(w), np.random.default_rng(0)
    n_images = w.sizes.geometry_images
    images = w.test['test'][:n_images]
    out = {'images': n_images, 'generator': 'bank seed 0 (trained at 20 x 20)'}
    for segments, probes in ((20, 20), (40, 10)):
        g = ScanGeometry(segments=segments, probes_per_segment=probes)
        blind = imitation.blind_start('serpentine', 1, w.candidates, g)
        vertices = erd.base_vertices(fixed_paths.spiral_polygon(g), g)

        def mse(directions=None, positions=None):
            return per_image_mse(generator, scans_of(images, g, directions, positions)['partial_scan'], images)

        def policy(score, candidates=w.candidates, start=blind):
            return mse(policy_directions(score, images, g, candidates, start, progress=False))

        spiral = mse(positions=fixed_paths.spiral(g))
        out[f'{segments}x{probes}'] = {
            name: ratio_row(values, spiral, rng)
            for name, values in {
                'spiral_polygon': mse(positions=fixed_paths.FIXED_PATHS['spiral_polygon'](g)),
                'oracle_greedy': mse(oracle_directions(w, generator, images, geometry=g, blind=blind)),
                'erd_greedy': policy(erd.erd_scorer(net)),
                'erd_planned': policy(
                    erd.tethered_scorer(net, vertices, w.results['tune']['chosen_tether']), *planned_candidates(w, g)
                ),
            }.items()
        }
    w.results['geometries'] = out
    w.save_results()


# ---- stage: imitation (the FPGA actor learns the winner) -------------------------------------------------------------
def observations_along(images, directions, geometry):
    """What the actor sees at each decision (N, T, D): x_0 = 0, then each segment's observation, along given paths."""
    from keras import ops

    from model import scan_ops

    obs = ops.convert_to_numpy(
        scan_ops.scan_paths(
            ops.convert_to_tensor(images), ops.convert_to_tensor(directions), views_for(len(images)), geometry
        )['observations']  # fmt: skip
    )
    return np.concatenate([np.zeros_like(obs[:, :1]), obs[:, :-1]], axis=1).astype(np.float32)


def closed_loop_lstm(predict, images, geometry):
    """Directions (N, T, 2) of a sequence LSTM acting closed-loop: each decision sees the observations so far."""
    from keras import ops

    from model import scan_ops

    n = len(images)
    imgs, views = ops.convert_to_tensor(images), views_for(n)
    xs, directions = [np.zeros((n, geometry.probes_per_segment + 2), np.float32)], []
    start = scan_ops.initial_start(n, geometry)
    for _ in range(geometry.segments):
        v = predict(np.stack(xs, 1))[:, -1]
        u = ops.convert_to_numpy(scan_ops.unit_directions(ops.convert_to_tensor(v)))
        directions.append(u)
        x, start, *_ = scan_ops.scan_segment(imgs, start, ops.convert_to_tensor(u), views, geometry)
        xs.append(ops.convert_to_numpy(x))
    return np.stack(directions, 1)


def imitation(w: Work) -> None:
    """Can an LSTM with the FPGA actor's observations follow the best ERD row? Fitted on that policy's scans of training
    images (one-hot targets over the candidates), scored on its held-out scans (agreement, teacher forced) and closed
    loop on held-out images, completed by the teacher's own generator, against the spiral with its own."""
    from keras import ops

    from bench.teacher_learnability import fit_lstm
    from training.augment import augment

    if 'imitation' in w.results or 'rows' not in w.results:
        return
    own = {n: w.results['rows']['test'][n]['own_generator']['ratio'] for n in ('erd_greedy', 'erd_planned')}
    teacher = min(own, key=own.get)
    ids, augments, train_dirs = training_paths(w, teacher, scorer_of(w, teacher))
    train_images = ops.convert_to_numpy(augment(ops.take(w.train, ids, axis=0), augments))
    onehot = lambda d: np.eye(len(w.candidates), dtype=np.float32)[np.argmax(d @ w.candidates.T, -1)]  # noqa: E731
    result, rng = {'teacher': teacher, 'training_scans': len(ids)}, np.random.default_rng(0)
    generator = generator_of(w, teacher, 0)
    for name, units, depth in (('lstm_2x64', 64, 2), ('lstm_1x16', 16, 1)):
        started = time.time()
        predict = fit_lstm(observations_along(train_images, train_dirs, w.geometry), onehot(train_dirs), w.candidates,
                           8.0, units, depth, epochs=30, seed=0)  # fmt: skip
        row = {'fit_seconds': round(time.time() - started, 1)}
        for split in w.test:
            images, taught = w.test[split], held_out_directions(w, teacher, split)
            forced = predict(observations_along(images, taught, w.geometry))
            agree = np.argmax(forced @ w.candidates.T, -1) == np.argmax(taught @ w.candidates.T, -1)
            directions = closed_loop_lstm(predict, images, w.geometry)
            mse = per_image_mse(generator, scans_of(images, w.geometry, directions=directions)['partial_scan'], images)
            row[split] = {
                'agreement_teacher_forced': float(agree[:, len(w.blind) :].mean()),
                'chance': 1.0 / len(w.candidates),
                'closed_loop_over_spiral_own': ratio_row(mse, per_image(w, 'spiral', split, 'own0'), rng),
                'closed_loop_over_teacher': float(mse.mean() / per_image(w, teacher, split, 'own0').mean()),
                'off_image': scans_of(images, w.geometry, directions=directions)['off_image'],
            }
        result[name] = row
    w.results['imitation'] = result
    w.save_results()


# ---- outputs ----------------------------------------------------------------------------------------------------------------
def interval_text(row: dict) -> str:
    low, high = row['ratio_interval95']
    return f'{row["ratio"]:.3f} ({low:.3f}-{high:.3f})'


def markdown(result: dict) -> str:
    lines = [
        f'# How much room a causal scan policy reaches: ERD policies against the spiral ({result["device"]})',
        '',
        f'`{result["command"]}`, {result["date"]}. Generators: {result["sizes"]["bank_updates"]} updates on a bank of '
        f"varied paths at every stage, then {result['sizes']['own_updates']} on a policy's own scans (the shipped spiral's budget). Ratios are MSE / the spiral's "
        'MSE with 95 % bootstrap intervals over images; wins: share of images where the row beats the spiral.',
        '',
    ]
    curve = result.get('curve')
    if curve:
        lines += [
            f'## The deployable room (first {curve["images"]} test images, {curve["generator"]} generator)',
            '',
            'ERD networks fitted on the clairvoyant labels of growing numbers of training images; held-out agreement with '
            'the clairvoyant best candidate and regret (relative excess MSE of the chosen candidate over the best) on the '
            "decisions each network's own policy visits; its scans' MSE against the spiral with the same generator.",
            '',
            '| labelled images | states | agreement | random agreement | regret | random regret | ERD greedy / spiral |',
            '|---|---|---|---|---|---|---|',
        ]
        for n, q in curve['points'].items():
            lines.append(
                f'| {n} | {q["states"]} | {q["agreement"]:.3f} | {q["random_agreement"]:.3f} | {q["regret"]:.3f} | '
                f'{q["random_regret"]:.3f} | {interval_text(q["erd_greedy"])} |'
            )
        if 'oracle_greedy' in curve:
            lines += ['', f'Clairvoyant greedy on the same images: {interval_text(curve["oracle_greedy"])}.']
        ablation = result.get('curve_without_distance_plane')
        if ablation:
            lines += [
                '',
                'The same network without the distance-to-scan plane (six planes, this bench otherwise unchanged; its first run '
                'here, stopped after 1,500 images):',
                '',
                '| labelled images | agreement | random agreement | regret | random regret | ERD greedy / spiral |',
                '|---|---|---|---|---|---|',
                *[
                    f'| {n} | {q["agreement"]:.3f} | {q["random_agreement"]:.3f} | {q["regret"]:.3f} | '
                    f'{q["random_regret"]:.3f} | {interval_text(q["erd_greedy"])} |'
                    for n, q in ablation['points'].items()
                ],
            ]
        lines.append('')
    if 'dagger' in result:
        d = result['dagger']
        lines += [
            "## One DAgger round on the policy's own states",
            '',
            f'{d["states_added"]} states of the ERD policy (20 % random), labelled with its own generator (every stage); '
            f'held-out regret {d["first"]["regret"]:.3f} -> {d["after_round"]["regret"]:.3f}, agreement '
            f'{d["first"]["agreement"]:.3f} -> {d["after_round"]["agreement"]:.3f}.',
            '',
        ]
    if 'tune' in result:
        t, grid = result['tune'], result.get('tune_fixed_grid', {}).get('tethers', {})
        lines += [
            f'## Tether weight of the planned policy ({t["images"]}, bank generator, network {t["network"]})',
            '',
            "Candidates: the direction to the spiral polygon's next vertex turned by multiples of 22.5 degrees (so a heavy "
            "tether retraces the polygon); beside it, the first run's fixed grid of 16 directions (the tether cannot follow "
            'the polygon exactly there).',
            '',
            '| policy | MSE | with the fixed grid |',
            '|---|---|---|',
            f'| spiral | {t["spiral"]:.5f} | |',
            f'| spiral polygon | {t["spiral_polygon"]:.5f} | |',
            *[
                f'| ERD, tether {k} | {v:.5f} | ' + (f'{grid[k]:.5f} |' if k in grid else '|')
                for k, v in t['tethers'].items()
            ],
            *[f'| ERD, tether {k} | | {v:.5f} |' for k, v in grid.items() if k not in t['tethers']],
            f'| ERD lookahead (2 segments, fixed grid) | {t["lookahead"]:.5f} | |',
            '',
            f'Chosen tether: {t["chosen_tether"]} (the lightest within {100 * (TETHER_SLACK - 1):.1f} % of the best '
            "validation MSE). Tethers whose scans are the polygon's exactly (the same MSE): "
            + (', '.join(k for k, v in t['tethers'].items() if v == t['spiral_polygon']) or 'none')
            + '.',
            '',
        ]
    rows = result.get('rows')
    if rows:
        lines += ['## Every policy on held-out images', '']
        for split in ('test', 'test_unseen'):
            r = rows[split]
            lines += [
                f'### {split} (the shipped spiral generator on the spiral: MSE {r["spiral_shipped_generator_mse"]:.5f})',
                '',
                '| row | images | own generator: MSE | / spiral, own generators (95 %) | wins | seeds | same (bank) '
                'generator: / spiral (95 %) | wins | off-image probes | path spread (deg) |',
                '|---|---|---|---|---|---|---|---|---|---|',
            ]
            for name in OWN_ROWS + SLOW_ROWS:
                x, own, same = r[name], r[name].get('own_generator'), r[name].get('same_generator')
                lines.append(
                    f'| {name} | {x["images"]} | '
                    + (f'{own["mse"]:.5f} | {interval_text(own)} | {100 * own["wins"]:.0f} % | {len(own["seeds"])} | '
                       if own else '- | - | - | - | ')
                    + (f'{interval_text(same)} | {100 * same["wins"]:.0f} % | ' if same else '- | - | ')
                    + f'{100 * x["off_image"]:.2f} % | {x["path_spread_deg"]:.1f} |'
                )  # fmt: skip
            scenes = sorted(r['spiral']['ratio_per_scene'])
            lines += ['', 'Per scene kind (own generators, / spiral with its own):', '',
                      '| row | ' + ' | '.join(scenes) + ' |', '|---|' + '---|' * len(scenes)]  # fmt: skip
            for name in OWN_ROWS[1:] + ('oracle_greedy_spiral_generator',):
                per_scene = r[name]['ratio_per_scene']
                lines.append(f'| {name} | ' + ' | '.join(f'{per_scene.get(s, float("nan")):.3f}' for s in scenes) + ' |')
            lines.append('')
        lines += [
            f'Seeds 1 and 2 (generators) for the spiral, the best two other rows ({", ".join(rows["best_two"])}) and the '
            f'best adaptive row ({rows["best_adaptive"]}). '
            "Decision time per segment at batch 1 on this CPU (a host-side mode's dead time, the beam blanked): "
            + ', '.join(f'{k} {v:.1f} ms' for k, v in rows['decision_ms_cpu'].items())
            + '.',
            '',
        ]
    im = result.get('imitation')
    if im:
        lines += [
            f"## The FPGA actor's LSTM taught by the best ERD row ({im['teacher']}, {im['training_scans']} training scans)",
            '',
            '| LSTM | split | agreement (teacher forced) | chance | closed loop / spiral, own generators (95 %) | '
            '/ teacher | off-image probes |',
            '|---|---|---|---|---|---|---|',
        ]
        for name in ('lstm_2x64', 'lstm_1x16'):
            for split in ('test', 'test_unseen'):
                x = im[name][split]
                lines.append(
                    f'| {name} | {split} | {x["agreement_teacher_forced"]:.3f} | {x["chance"]:.3f} | '
                    f'{interval_text(x["closed_loop_over_spiral_own"])} | {x["closed_loop_over_teacher"]:.3f} | '
                    f'{100 * x["off_image"]:.2f} % |'
                )
        lines.append('')
    geo = result.get('geometries')
    if geo:
        lines += [
            f'## Geometry (first {geo["images"]} test images, {geo["generator"]}; / spiral with the same generator)',
            '',
            '| segments x probes | spiral polygon | clairvoyant greedy | ERD greedy | ERD planned |',
            '|---|---|---|---|---|',
        ]
        for key in ('20x20', '40x10'):
            g = geo[key]
            lines.append(
                f'| {key} | {interval_text(g["spiral_polygon"])} | {interval_text(g["oracle_greedy"])} | '
                f'{interval_text(g["erd_greedy"])} | {interval_text(g["erd_planned"])} |'
            )
        lines.append('')
    return '\n'.join(lines) + '\n'


def figures(w: Work, out: Path, n_images: int = 6) -> None:
    """adaptivity_room.png (the learning curve) and adaptivity_paths.png (paths and completions of the spiral, the
    planned and the greedy ERD policy on the first test images, each completed by its own generator, seed 0)."""
    from training.evaluate import complete
    from training.figures import deployable_room, policies_side_by_side

    curve = w.results.get('curve')
    if curve and curve.get('points') and 'oracle_greedy' in curve:
        deployable_room(curve['points'], curve['oracle_greedy']['ratio'], out / 'adaptivity_room.png')
    if 'rows' not in w.results:
        return
    from model.fixed_paths import positions_of

    images, positions, completions = w.test['test'][:n_images], {}, {}
    for name in ('spiral', 'erd_planned', 'erd_greedy'):
        if name in FIXED_ROWS:
            positions[name] = np.broadcast_to(fixed_positions(w, name), (n_images, w.geometry.probes, 2))
        else:
            positions[name] = [positions_of(d, w.geometry) for d in held_out_directions(w, name, 'test')[:n_images]]
        scans = row_scans(w, name, 'test')['partial_scan'][:n_images]
        completions[name] = complete(generator_of(w, name, 0), scans)
    policies_side_by_side(images, positions, completions, out / 'adaptivity_paths.png')


def write(w: Work, command: str, out: Path = ROOT / 'bench' / 'results') -> None:
    """bench/results/adaptivity.json and .md, and the summary into quality.json ('adaptivity')."""
    import keras

    result = {
        'command': command,
        'device': f'CPU ({platform.machine()}, {os.cpu_count()} cores), Keras on {keras.backend.backend()}',
        'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
        'n_test': w.n_test,
        'sizes': asdict(w.sizes),
        'candidates': len(w.candidates),
        'network': w.network,
        **w.results,
    }
    (out / 'adaptivity.json').write_text(json.dumps(result, indent=2))
    (out / 'adaptivity.md').write_text(markdown(result))
    figures(w, out)
    quality = json.loads((out / 'quality.json').read_text())
    quality['adaptivity'] = {
        'source': 'bench/results/adaptivity.json',
        'command': command,
        'rows': {split: {k: v for k, v in r.items()} for split, r in result.get('rows', {}).items()
                 if split in ('test', 'test_unseen')},
        'geometries': result.get('geometries'),
        'deployable_room': {'learning_curve': result.get('curve'), 'dagger': result.get('dagger')},
        'imitation': result.get('imitation'),
    }  # fmt: skip
    (out / 'quality.json').write_text(json.dumps(quality, indent=2))


def main(argv=None) -> int:
    from model.cli import Parser, integer

    p = Parser(prog='python -m bench.adaptivity', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--only', nargs='+', choices=STAGES, default=list(STAGES), help='stages to run (default: all)')
    p.add_argument('--work', type=Path, default=ROOT / 'runs' / 'adaptivity', help='artifacts folder')
    p.add_argument('--n-test', type=integer(10, 1000), default=500, help='held-out images per split')
    p.add_argument('--network', default='', help='the ERD network the rows use (under erd/; default: the largest curve one)')
    p.add_argument('--no-progress', action='store_true')
    args = p.parse_args(argv)
    w = Work(args.work, args.n_test, not args.no_progress, network=args.network)
    for stage in args.only:
        started = time.time()
        STAGE_FUNCTIONS[stage](w)
        print(f'stage {stage}: {time.time() - started:.0f} s', flush=True)
    write(w, 'python -m bench.adaptivity ' + ' '.join(argv if argv is not None else sys.argv[1:]))
    return 0


STAGE_FUNCTIONS = {
    'bank': lambda w: [bank_generator(w, s) for s in (0,)],
    'labels': lambda w: (first_labels(w), validation_labels(w)),
    'curve': curve,
    'dagger': dagger,
    'tune': tune,
    'rows': rows,
    'geometry': geometry,
    'imitation': imitation,
}


if __name__ == '__main__':
    raise SystemExit(main())
