"""A deployable greedy policy without clairvoyance (SLADS-like): scan where the generator's predicted error is largest.

Error map. A small CNN E (the generator's architecture, narrower) learns, from a partial scan stopped after any
segment, the generator's absolute error at every pixel, |G(scan) - image|: a function of what was seen, so a live scan
can use it. It is trained after the generator, on the same bank of paths the generator was pretrained on
(model.fixed_paths.path_bank), each stopped after a random number of segments, on augmented training images.

Policy. At decision t, with segments 0..t-1 scanned: E maps the partial scan to predicted errors e; each of the K
candidate directions (training.candidates) is scored by the predicted squared error it would cover, sum of e^2 over
the not yet scanned pixels of its segment; a candidate that leaves the image, or whose next segment would start
outside it, is never taken. The largest score wins. Its first `blind` decisions follow the base
path, as the clairvoyant teacher's do. It runs in software beside the completion service (two networks per decision),
not in the FPGA; it can also be the teacher of an imitation.

    python -m training.error_map RUN_FOLDER --iterations 600      # -> RUN_FOLDER/error_map.keras
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from keras import ops

from model import scan_ops
from model.geometry import ScanGeometry
from model.specs import GeneratorSpec

ERROR_NET = GeneratorSpec(channels=16, residual_blocks=2, skips=True)
"""the error map's network: the generator's layout at half the width, fewer blocks, U-Net skips"""


def build_error_net(geometry: ScanGeometry, seed: int = 0):
    """Partial scan (H, W, 2) -> predicted absolute error of the generator (H, W, 1)."""
    from model.networks import build_generator, initialise

    net = build_generator(geometry, ERROR_NET)
    initialise(net, seed)
    return net


def training_batch(generator, images, bank, geometry: ScanGeometry, rng: np.random.Generator, batch: int):
    """(partial scans, the generator's absolute errors) of augmented images along bank paths stopped at random stages."""
    from training.augment import augment

    imgs = augment(ops.take(images, rng.integers(0, len(images), batch), axis=0), rng.integers(0, 16, batch))
    positions = ops.take(ops.convert_to_tensor(bank), rng.integers(0, len(bank), batch), axis=0)
    keep = scan_ops.stage_mask(rng.integers(1, geometry.segments + 1, batch).astype(np.int32), geometry, per_probe=True)
    views = np.tile(np.float32([1.0, 0.0]), (batch, 1))
    scans = ops.convert_to_numpy(scan_ops.scan_positions(imgs, positions, views, geometry.image_size, keep))
    errors = np.abs(np.asarray(generator.predict_on_batch(scans))[..., 0] - ops.convert_to_numpy(imgs))
    return scans, errors[..., None]


def train_error_net(
    generator, images, geometry: ScanGeometry, iterations: int, seed: int = 0, batch: int = 32, progress=True
):
    """E fitted to `generator`'s errors on `images` (N, H, W) for `iterations` Adam steps; returns (E, loss curve)."""
    import keras
    from tqdm import tqdm

    from model.fixed_paths import path_bank

    net = build_error_net(geometry, seed)
    net.compile(keras.optimizers.Adam(1e-3), 'mse')
    bank, rng, losses = path_bank(geometry, seed=0), np.random.default_rng(seed), []
    for _ in tqdm(range(iterations), desc='error map', disable=not progress):
        losses.append(float(net.train_on_batch(*training_batch(generator, images, bank, geometry, rng, batch))))
    return net, losses


def scorer(error_net):
    """The policy's scoring function for `training.candidates.greedy_scan`: the predicted squared error each candidate
    would cover on pixels not yet scanned."""

    def score(d):
        unseen = ops.reshape(ops.square(error_net(d.partial, training=False)[..., 0]), (d.n, 1, -1))
        return ops.sum(d.unscanned_pixels * unseen, axis=2)

    return score


def main(argv=None) -> int:
    from model.cli import Parser, integer
    from training import checkpoint
    from training.data import DataError, load_config_split

    p = Parser(
        prog='python -m training.error_map', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument('run', type=Path, help='a run folder of training.train (its generator is the one whose error is learned)')
    p.add_argument('--iterations', type=integer(1, 10**7), default=600, help='Adam steps of batch 32 (default %(default)s)')
    p.add_argument('--seed', type=integer(0, 2**32 - 1), default=0)
    p.add_argument('--no-progress', action='store_true')
    args = p.parse_args(argv)
    try:
        cfg = checkpoint.load_config(args.run / 'checkpoint')
        generator = checkpoint.load_generator(args.run / 'checkpoint')
        images = load_config_split(cfg, 'train')
    except (checkpoint.CheckpointError, DataError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    start = time.time()
    net, losses = train_error_net(generator, images, cfg.geometry, args.iterations, args.seed, progress=not args.no_progress)
    net.save(args.run / 'error_map.keras')
    tail = float(np.mean(losses[-max(1, len(losses) // 10) :]))
    print(
        f'wrote {args.run / "error_map.keras"}: {args.iterations} steps in {time.time() - start:.0f} s, final MSE {tail:.4f}'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
