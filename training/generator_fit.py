"""A generator fitted to the partial scans of one scan source, with the training runs' learning-rate schedule.

Used where a scan policy is not an actor CRDPG trains: the ERD policies (training/erd.py) and the fixed paths they are
compared with get their generators from here, all by the same code and budget, so a comparison between them is at equal
dose and equal training. A source draws a batch of (augmented training image, partial scan) pairs:

  bank_source    a random path of model.fixed_paths.path_bank per image, stopped after a random number of segments
                 (the generator then completes scans at every stage: the ERD labels need that)
  fixed_source   one fixed path for every image
  paths_source   a policy's own scans: stored (image, augmentation, directions) triples
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from model import scan_ops
from model.geometry import ScanGeometry
from training.augment import augment
from training.config import TrainConfig


def _views(n: int):
    return ops.convert_to_tensor(np.tile(np.float32([1.0, 0.0]), (n, 1)))


def bank_source(images, bank: np.ndarray, geometry: ScanGeometry, augmentations: int = 16):
    def draw(rng: np.random.Generator, batch: int):
        imgs = augment(ops.take(images, rng.integers(0, len(images), batch), axis=0), rng.integers(0, augmentations, batch))
        positions = ops.take(ops.convert_to_tensor(bank), rng.integers(0, len(bank), batch), axis=0)
        stages = rng.integers(1, geometry.segments + 1, batch).astype(np.int32)
        keep = scan_ops.stage_mask(stages, geometry, per_probe=True)
        return imgs, scan_ops.scan_positions(imgs, positions, _views(batch), geometry.image_size, keep)

    return draw


def fixed_source(images, positions: np.ndarray, geometry: ScanGeometry, augmentations: int = 16):
    def draw(rng: np.random.Generator, batch: int):
        imgs = augment(ops.take(images, rng.integers(0, len(images), batch), axis=0), rng.integers(0, augmentations, batch))
        path = ops.broadcast_to(ops.convert_to_tensor(np.asarray(positions, np.float32)), (batch, *np.shape(positions)))
        return imgs, scan_ops.scan_positions(imgs, path, _views(batch), geometry.image_size)

    return draw


def paths_source(
    images, image_ids: np.ndarray, augments: np.ndarray, directions: np.ndarray, geometry: ScanGeometry, staged=False
):  # fmt: skip
    """With `staged`, each scan stopped after a random number of segments (a generator the ERD labels can use)."""

    def draw(rng: np.random.Generator, batch: int):
        rows = rng.integers(0, len(image_ids), batch)
        imgs = augment(ops.take(images, image_ids[rows], axis=0), augments[rows])
        scan = scan_ops.scan_paths(imgs, ops.convert_to_tensor(directions[rows]), _views(batch), geometry)
        if not staged:
            return imgs, scan['partial_scan']
        stages = rng.integers(1, geometry.segments + 1, batch).astype(np.int32)
        keep = ops.broadcast_to(scan_ops.stage_mask(stages, geometry)[:, :, None], scan['values'].shape)
        return imgs, scan_ops.partial_scans(scan['values'], scan['indices'], geometry.image_size, keep)

    return draw


class Shifted(keras.optimizers.schedules.LearningRateSchedule):
    """A learning-rate schedule read `offset` updates later (a run continued by a fresh optimizer)."""

    def __init__(self, schedule, offset: int):
        self.schedule, self.offset = schedule, float(offset)

    def __call__(self, step):
        return self.schedule(ops.cast(step, 'float32') + self.offset)

    def get_config(self):
        return {'schedule': self.schedule.get_config(), 'offset': self.offset}


def fit_generator(
    generator, source, updates: int, cfg: TrainConfig, *, first_update: int = 0, total_updates: int | None = None,
    seed: int = 0, log=None, progress: bool = True, desc: str = 'generator',
):  # fmt: skip
    """`updates` Adam steps of the generator on batches (cfg.batch_size) from `source`, its learning rate following the
    training runs' schedule (training.crdpg.GeneratorSchedule over total_updates) from update `first_update` on.
    Returns the per-update MSE."""
    from tqdm import tqdm

    from training.crdpg import GeneratorSchedule

    total = total_updates or first_update + updates
    schedule = GeneratorSchedule(
        cfg.generator_lr, total, cfg.generator_lr_decay, cfg.generator_lr_cycle, cfg.generator_lr_cycle_min
    )
    generator.compile(keras.optimizers.Adam(Shifted(schedule, first_update)), 'mse')
    rng, losses = np.random.default_rng(seed), []
    for step in tqdm(range(updates), desc=desc, disable=not progress):
        imgs, scans = source(rng, cfg.batch_size)
        losses.append(float(generator.train_on_batch(scans, ops.expand_dims(imgs, -1))))
        if log:
            log(first_update + step, 'generator/mse', losses[-1])
    return losses
