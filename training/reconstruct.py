"""Scan a user's image of any size with a policy, complete every tile and give the whole completed image back, calibrated.

    python -m training.reconstruct image.dm4 --out recon/                  # the default policy: the best measured one
    python -m training.reconstruct stack.tif --policy actor --out recon/   # another registered policy
    python -m training.reconstruct folder/ --pixel-size 0.05nm --out recon/

The image (every frame of a stack, every image file of a folder) is blurred by the target blur (the generator was trained
to give blurred images: 5 x 5 Gaussian, sigma 2.5 px; --target-blur 0 for none), cut into overlapping 96 x 96 tiles
(--overlap px; the last row and column of tiles sit on the far edges, an image smaller than 96 px is mirror-padded),
each tile mapped to [-1, 1] by its own minimum and maximum as in training, scanned along the policy's path (1/23 of its
pixels) and completed by the policy's generator; the completions go back to the image's intensities and are blended
where tiles overlap (weights falling linearly to the tile's edges), so every pixel is kept and none is dropped.

Written per input, named after it (big.tif -> big-tif-POLICY-...), as .hspy with the input's axes, units and
calibration and the scan settings under original_metadata.adaptive_stem, plus .tif with resolution tags:
  -completed   the completed image
  -scan        the sparse scan: the probed values at their pixels, NaN elsewhere
  -error       completed minus the reference (the input after the target blur), since the input is a full image
and a line per input with the error (RMSE in the input's units, and the mean MSE over tiles in the models' [-1, 1] units).
The policies are listed in checkpoints/policies.json (`--policy`; its `default` is the best measured one).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

from model import policies  # noqa: E402
from model.microscopy_files import CROP, DataError, Image, files_of, output_name, read  # noqa: E402

log = logging.getLogger('adaptive_stem.reconstruct')
CHUNK = 256  # tiles scanned and completed at once


def tile_starts(n: int, stride: int) -> list[int]:
    """Origins of 96-px tiles along an axis of n >= 96 px: every `stride` px, the last one flush with the far edge."""
    return sorted({*range(0, n - CROP, stride), n - CROP})


def blend_weights() -> np.ndarray:
    """(96, 96) weights of a tile's pixels when overlapping tiles are averaged: highest in the middle, falling linearly
    towards the edges but never to 0, so an image's own edges (covered by one tile) keep their values."""
    ramp = np.minimum(np.arange(CROP) + 0.5, CROP - 0.5 - np.arange(CROP)) / (CROP / 2)
    return np.outer(ramp, ramp)


def target(frames: np.ndarray, blur: float) -> np.ndarray:
    """The reference the generator is asked for: the frames blurred by the target blur (0: as they are)."""
    from scipy import ndimage

    from training.data import blur_kernel

    frames = np.asarray(frames, np.float64)
    return ndimage.correlate(frames, blur_kernel(sigma=blur)[None], mode='nearest') if blur else frames


def reconstruct(frames: np.ndarray, scanner, blur: float, overlap: int) -> dict:
    """Frames (N, H, W) of any size -> completed, scan (NaN where no probe), reference and error (N, H, W) float32,
    plus per-tile MSE in [-1, 1] units and the share of pixels probed."""
    reference = target(frames, blur)
    n, h, w = reference.shape
    ph, pw = max(h, CROP), max(w, CROP)
    padded = np.pad(reference, ((0, 0), (0, ph - h), (0, pw - w)), mode='symmetric')
    stride = CROP - overlap
    origins = [(f, r, c) for f in range(n) for r in tile_starts(ph, stride) for c in tile_starts(pw, stride)]
    weights = blend_weights()
    acc, wsum = np.zeros((n, ph, pw)), np.zeros((n, ph, pw))
    probed_sum, probed_n = np.zeros((n, ph, pw)), np.zeros((n, ph, pw))
    tile_mse = []
    for i in range(0, len(origins), CHUNK):
        chunk = origins[i : i + CHUNK]
        tiles = np.stack([padded[f, r : r + CROP, c : c + CROP] for f, r, c in chunk])
        lo, hi = tiles.min(axis=(1, 2), keepdims=True), tiles.max(axis=(1, 2), keepdims=True)
        span = hi - lo
        normalised = np.where(span > 0, 2 * (tiles - lo) / np.where(span > 0, span, 1) - 1, 0).astype(np.float32)
        scans = scanner.scan(normalised)
        completions = np.asarray(scanner.complete(scans['partial_scan']), np.float64)
        tile_mse += np.mean((completions - normalised) ** 2, axis=(1, 2)).tolist()
        back = lo + (completions + 1) / 2 * span
        mask = scans['partial_scan'][..., 1] > 0  # a probe reads its nearest pixel: the value there is what it saw
        for (f, r, c), completion, value, m in zip(chunk, back, tiles, mask):
            acc[f, r : r + CROP, c : c + CROP] += weights * completion
            wsum[f, r : r + CROP, c : c + CROP] += weights
            probed_sum[f, r : r + CROP, c : c + CROP] += np.where(m, value, 0)
            probed_n[f, r : r + CROP, c : c + CROP] += m
    completed = (acc / wsum)[:, :h, :w]
    with np.errstate(invalid='ignore'):
        scan = np.where(probed_n > 0, probed_sum / np.maximum(probed_n, 1), np.nan)[:, :h, :w]
    return {
        'completed': completed.astype(np.float32),
        'scan': scan.astype(np.float32),
        'reference': reference.astype(np.float32),
        'error': (completed - reference).astype(np.float32),
        'tile_mse': np.asarray(tile_mse),
        'tiles': len(origins),
        'probed_fraction': float((probed_n[:, :h, :w] > 0).mean()),
    }


def settings(scanner, images: list[Image], args, result: dict, device: str) -> dict:
    """What a later reader needs to know about how the output was made: original_metadata.adaptive_stem."""
    from training.data import target_blur

    g = scanner.geometry
    return {
        'source': str(images[0].file),
        'frames': len(images),
        'policy': scanner.policy.name,
        'policy_kind': scanner.policy.kind,
        'policy_about': scanner.policy.about,
        'checkpoint': str(scanner.policy.checkpoint),
        'default_policy': policies.default_name(),
        'geometry': json.loads(g.to_json()),
        'probes_per_tile': g.probes,
        'tile_coverage': g.coverage,
        'pixels_probed_fraction': result['probed_fraction'],
        'tile_px': CROP,
        'tile_overlap_px': args.overlap,
        'tiles': result['tiles'],
        'blending': 'overlapping tiles averaged with weights falling linearly from the tile centre to its edges',
        'normalisation': 'each tile mapped to [-1, 1] by its own minimum and maximum, as in training and evaluation, and '
        'the completion mapped back with them (a live scan would know only its samples)',
        'downsample': args.downsample,
        'pixel_size': 'none'
        if args.pixel_size is None
        else f'{args.pixel_size[0]:g} {args.pixel_size[1] or "(file units)"}',
        'target_blur': target_blur(args.target_blur),
        'device': device,
        'scores': {
            'rmse_input_units': float(np.sqrt(np.mean(result['error'].astype(np.float64) ** 2))),
            'tile_mse_mean_normalised': float(result['tile_mse'].mean()),
            'reference': 'the input after the target blur',
        },
    }


def write_outputs(out: Path, name: str, images: list[Image], result: dict, meta: dict, tif: bool) -> list[Path]:
    """name-completed, name-scan and name-error as .hspy (and .tif), a stack where the input was one."""
    from model.signal_files import write

    axes, frame = images[0].axes, images[0].frame
    squeeze = (lambda a: a[0]) if frame is None and len(images) == 1 else (lambda a: a)
    written = []
    for part, title in (
        ('completed', 'completed'),
        ('scan', 'sparse scan (NaN: not probed)'),
        ('error', 'completed - reference'),
    ):
        title = f'{images[0].file.name}: {title} ({meta["policy"]})'
        written += write(out / f'{name}-{part}', squeeze(result[part]), axes, title, meta, tif=tif)
    return written


def reconstruct_inputs(scanner, per_input: list, out: Path, options, device: str) -> list[Path]:
    """Reconstruct every image of every input [(path given, read(path) result)] and write the outputs; returns them.
    options: overlap, downsample, pixel_size, target_blur, tif."""
    written, taken = [], set()
    for path, per_file in per_input:
        for suffix, images in groups(per_file):
            name = f'{output_name(images[0].file, path)}{suffix}-{scanner.policy.name}'
            if name in taken:  # two inputs of one name from different folders: neither overwrites the other
                name = next(f'{name}-{k}' for k in range(2, len(taken) + 3) if f'{name}-{k}' not in taken)
                log.warning(f'{images[0].file}: another input has its name; its outputs are called {name}-...')
            taken.add(name)
            result = reconstruct(np.stack([im.data for im in images]), scanner, options.target_blur, options.overlap)
            meta = settings(scanner, images, options, result, device)
            files = write_outputs(out, name, images, result, meta, options.tif)
            scores = meta['scores']
            log.info(
                f'{images[0].file.name}: {len(images)} image(s) of {images[0].data.shape[0]} x {images[0].data.shape[1]} px, '
                f'{result["tiles"]} tiles, {100 * result["probed_fraction"]:.1f} % of pixels probed by {scanner.policy.name}; '
                f'RMSE {scores["rmse_input_units"]:.4g} (input units), tile MSE {scores["tile_mse_mean_normalised"]:.4f} '
                f'([-1, 1] units) -> {", ".join(p.name for p in files)}'
            )
            written += files
    return written


def groups(per_file: list[list[Image]]) -> list[tuple[str, list[Image]]]:
    """(name suffix, images) per output: one stack per file, or one output per image where a file's images differ in
    shape or calibration."""
    out = []
    for images in per_file:
        if len({(im.data.shape, im.axes) for im in images}) == 1:
            out.append(('', images))
        else:
            out += [(f'-{k}', [im]) for k, im in enumerate(images)]
    return out


def parse_args(argv=None) -> argparse.Namespace:
    from model.cli import Parser, add_image_options, add_verbosity, integer, real

    p = Parser(
        prog='python -m training.reconstruct', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        'inputs', nargs='+', type=Path, help='image files (.npy .npz .dm3 .dm4 .emd .tif .hspy) or folders of them'
    )
    p.add_argument('--out', type=Path, required=True, help='folder for the outputs (made if missing)')
    p.add_argument(
        '--policy',
        default=None,
        help=f'a policy of checkpoints/policies.json (default: the best measured one, {policies.default_name()})',
    )
    add_image_options(p)
    p.add_argument(
        '--overlap',
        type=integer(0, CROP // 2),
        default=32,
        help='pixels by which neighbouring tiles overlap (0-48, default 32)',
    )
    p.add_argument(
        '--target-blur',
        type=real(0, 10),
        default=None,
        help="sigma (px) of the 5 x 5 Gaussian target blur; 0 for none (default: the policy's training setting, the paper's 2.5)",
    )
    p.add_argument('--no-tif', action='store_true', help='write .hspy only')
    add_verbosity(p)
    args = p.parse_args(argv)
    try:
        args.policy_entry = policies.get(args.policy)
    except policies.PolicyError as e:
        p.error(str(e))
    return args


def main(argv=None) -> int:
    from model.cli import quiet_keras, setup_logging

    args = parse_args(argv)
    setup_logging(args, 'reconstruct')
    try:
        for path in args.inputs:
            files_of(path)  # every input exists and is of a known kind, before anything is read
        args.out.mkdir(parents=True, exist_ok=True)
        if not os.access(args.out, os.W_OK):
            raise PermissionError(13, 'not writable')
        per_input = [(path, read(path, args.downsample, args.pixel_size)) for path in args.inputs]
    except DataError as e:
        log.error(str(e))
        return 2
    except OSError as e:
        log.error(f'cannot write to {args.out} ({e.strerror or e}): pass --out a writable folder')
        return 2
    quiet_keras(args.verbose)
    from training import checkpoint, scanners
    from training.backend import device_name

    try:
        scanner = scanners.load(args.policy_entry)
    except (checkpoint.CheckpointError, policies.PolicyError) as e:
        log.error(f'{e}')
        return 2
    device = device_name()
    args.target_blur = scanner.cfg.target_blur if args.target_blur is None else args.target_blur
    log.info(f'policy {scanner.policy.name} ({scanner.policy.checkpoint}), completing on {device}')
    args.tif = not args.no_tif
    try:
        reconstruct_inputs(scanner, per_input, args.out, args, device)
    except OSError as e:
        log.error(f'cannot write to {args.out} ({e.strerror or e}): pass --out a writable folder with room')
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
