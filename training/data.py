"""Images for training and evaluation: the embedded procedural set, the paper's WEMD crops, users' microscopy files.

Everything returned by `load_split` is *prepared* the paper's way: non-finite values set to 0, blurred by a symmetric
5 x 5 Gaussian kernel (sigma 2.5 px, the target blur: it keeps at most 15 % of the contrast of 2-5 px fringes; `blur=0`
for none), then each image linearly mapped to [-1, 1]. Users' files are read by the one loader every command shares
(`model.microscopy_files`). NumPy/SciPy only (the host imports it).

    python -m training.data --source procedural          # build the cached default data set and show its statistics
    python -m training.data --source procedural --figure docs/procedural_examples.png   # ... and draw examples
    python -m training.data --source path/to/96x96_stem_crops.npy
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import warnings
from pathlib import Path

import numpy as np
from scipy import ndimage

from model.microscopy_files import CROP, DataError, crops_by_file  # noqa: F401  (DataError: re-exported)

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / 'data' / 'cache'
PROCEDURAL_VERSION = 2
WEMD_SIZE, WEMD_TRAIN = 19_769, 15_815
SPLITS = ('train', 'test', 'test_unseen', 'all')
TRAIN_FRACTION = 0.8  # of the source files (or images) of users' data that train
BLUR_SIZE, BLUR_SIGMA = 5, 2.5  # the paper's target blur: a symmetric 5 x 5 Gaussian kernel, sigma 2.5 px


def target_blur(sigma: float = BLUR_SIGMA) -> dict:
    """The target blur as it is stated in every report and output's metadata."""
    if sigma == 0:
        return {'kernel_px': 0, 'sigma_px': 0.0, 'note': 'no target blur: the generator is asked for the image as scanned'}
    return {
        'kernel_px': BLUR_SIZE,
        'sigma_px': float(sigma),
        'note': f'targets blurred by a symmetric {BLUR_SIZE} x {BLUR_SIZE} Gaussian, sigma {sigma:g} px'
        + (
            " (the paper's; it keeps at most 15 % of the contrast of 2-5 px fringes and inverts 3-4 px ones, "
            'bench/results/target_blur.md: --target-blur 0 for fine lattices)'
            if sigma == BLUR_SIGMA
            else ''
        ),
    }


def blur_kernel(size: int = BLUR_SIZE, sigma: float = BLUR_SIGMA) -> np.ndarray:
    """The paper's symmetric Gaussian blur kernel, normalised to sum 1."""
    x = np.arange(size) - (size - 1) / 2
    k = np.exp(-(x**2) / (2 * sigma**2))
    k2 = np.outer(k, k)
    return k2 / k2.sum()


def prepare(images: np.ndarray, *, drop_constant: bool = False, blur: float = BLUR_SIGMA) -> np.ndarray:
    """Raw images (N, H, W) or (N, H, W, 1) -> blurred (sigma `blur` px, 0: not blurred), per-image [-1, 1] float32.

    An image that is constant after blurring has no contrast to normalise: an error naming it, or, with
    `drop_constant=True` (used for whole data sets), it is dropped with a warning.
    """
    x = np.asarray(images, np.float64)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3 or x.shape[1] != x.shape[2]:
        raise DataError(f'expected images of shape [N, H, W] or [N, H, W, 1] with H == W, got {list(np.shape(images))}')
    x = np.where(np.isfinite(x), x, 0.0)
    if blur:
        x = ndimage.correlate(x, blur_kernel(sigma=blur)[None], mode='nearest')
    lo, hi = x.min(axis=(1, 2)), x.max(axis=(1, 2))
    constant = hi - lo <= 1e-12 * np.maximum(1.0, np.abs(hi))
    if constant.any():
        bad = np.flatnonzero(constant)
        if not drop_constant:
            raise DataError(
                f'image(s) {bad[:10].tolist()} are constant (no contrast to normalise): remove them from the input'
            )
        warnings.warn(f'dropped {len(bad)} constant image(s), e.g. {bad[:5].tolist()}', stacklevel=2)
        x, lo, hi = x[~constant], lo[~constant], hi[~constant]
    return (2 * (x - lo[:, None, None]) / (hi - lo)[:, None, None] - 1).astype(np.float32)


def augment(image: np.ndarray, k: int) -> np.ndarray:
    """The 16-fold augmentation (matches training.augment.augment): k % 4 quarter turns, (k // 4) % 2 = 1 transposed
    first, k >= 8 contrast inverted (ABF-like); k < 8 are the paper's eight flips/rotations."""
    image = np.asarray(image)
    if (k // 4) % 2:
        image = np.swapaxes(image, -1, -2)
    image = np.rot90(image, k % 4, axes=(-2, -1))
    return -image if k >= 8 else image


# ---- the embedded default ------------------------------------------------------------------------------------------
def default_dataset_path(n_train: int, n_test: int, seed: int) -> Path:
    """Cache file of the procedural set with these parameters (under data/cache/, git-ignored)."""
    return CACHE / f'procedural-v{PROCEDURAL_VERSION}-train{n_train}-test{n_test}-seed{seed}.npy'


def ensure_default_dataset(n_train: int = 4000, n_test: int = 1000, seed: int = 0, progress: bool = True) -> Path:
    """Generate the procedural data set once and cache it; returns its path.

    The file holds raw images in split order: n_train 'train' and n_test 'test' images of the 'seen' family, then n_test
    'test_unseen' images of the 'unseen' family (scene settings training never sees; see training/procedural.py). The
    file name holds the generator version and the parameters, so other parameters get their own file; a JSON file
    beside it records them and the images' SHA-256. The .npy is renamed into place last: a cache without both is rebuilt.
    """
    from training.procedural import generate_images

    path = default_dataset_path(n_train, n_test, seed)
    if path.is_file() and path.with_suffix('.json').is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    if progress:
        print(f'generating {n_train + 2 * n_test} procedural STEM images -> {path}', file=sys.stderr)
    images = np.concatenate([generate_images(n_train + n_test, seed, 'seen'), generate_images(n_test, seed, 'unseen')])
    tmp = path.with_suffix('.tmp.npy')
    np.save(tmp, images)
    meta = {
        'version': PROCEDURAL_VERSION,
        'n_train': n_train,
        'n_test': n_test,
        'n_test_unseen': n_test,
        'seed': seed,
        'sha256': hashlib.sha256(images.tobytes()).hexdigest(),
    }
    path.with_suffix('.json').write_text(json.dumps(meta, indent=2))
    tmp.replace(path)
    return path


def procedural_split(split: str, n_train: int, n_test: int, seed: int) -> np.ndarray:
    """Raw images of one split of the cached procedural set (built on first use)."""
    raw = np.load(ensure_default_dataset(n_train, n_test, seed), mmap_mode='r')
    start = {'train': 0, 'test': n_train, 'test_unseen': n_train + n_test}[split]
    stop = start + (n_train if split == 'train' else n_test)
    return np.asarray(raw[start:stop])


def procedural_scenes(split: str, n_train: int, n_test: int, seed: int) -> list[str]:
    """The scene type (training/procedural.py SCENES) of every image of a procedural split, in split order (the samples
    are drawn again: a few seconds per thousand)."""
    from training.procedural import generate_samples

    family, skip, n = {
        'train': ('seen', 0, n_train),
        'test': ('seen', n_train, n_test),
        'test_unseen': ('unseen', 0, n_test),
    }[split]
    return [sample.scene for k, sample in enumerate(generate_samples(skip + n, seed, family)) if k >= skip]


# ---- the paper's data and users' files ------------------------------------------------------------------------------
def is_crops_file(path: Path) -> bool:
    """A .npy of 96 x 96 crops ([N, 96, 96, 1] like the paper's file, or [N, 96, 96]): read memory-mapped, split by crop.
    Any other .npy (one image, a stack of larger ones) goes through the shared loader like a .tif."""
    try:
        shape = np.load(path, mmap_mode='r', allow_pickle=False).shape
    except Exception:  # noqa: BLE001  (the loader names what is wrong with it)
        return False
    return len(shape) in (3, 4) and shape[1:3] == (CROP, CROP) and (len(shape) == 3 or shape[3] == 1)


def read_npy_crops(path: Path) -> np.ndarray:
    """A .npy of 96x96 crops, [N, 96, 96, 1] like the paper's `96x96_stem_crops.npy` or [N, 96, 96]: (N, 96, 96),
    memory-mapped."""
    try:
        x = np.load(path, mmap_mode='r', allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise DataError(
            f'{path} is not a readable NumPy .npy array ({e}); expected 96x96_stem_crops.npy of shape [N, 96, 96, 1]'
        ) from e
    if x.dtype.kind not in 'biuf':
        raise DataError(f'{path} holds {x.dtype} values; expected real numbers (the detector counts of 96x96 crops)')
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3 or x.shape[1:] != (CROP, CROP):
        raise DataError(f'{path} has shape {list(x.shape)}; expected [N, 96, 96, 1] (or [N, 96, 96]) crops')
    return x


# ---- splitting users' data --------------------------------------------------------------------------------------------
def grouped_split(groups: np.ndarray, seed: int, split: str) -> np.ndarray:
    """Indices (ascending) of the items in 'train' or 'test': the groups are shuffled by the seed, the first 80 % of
    them (rounded, at least one on each side) train and the rest test, so all items of one group land on one side."""
    ids = np.unique(groups)
    if len(ids) < 2:
        raise DataError(
            f'all {len(groups)} image(s) come from one source, and one source cannot sit on both sides of the train/test '
            'split: supply at least two files (or, in a .npy, two images)'
        )
    order = np.random.default_rng(seed).permutation(ids)
    n_train_groups = min(len(ids) - 1, max(1, round(TRAIN_FRACTION * len(ids))))
    in_train = np.isin(groups, order[:n_train_groups])
    return np.flatnonzero(in_train if split == 'train' else ~in_train)


def npy_split(path: Path, split: str, seed: int) -> np.ndarray:
    """A user's .npy of 96x96 crops: the WEMD file (19,769 crops) keeps the paper's ordered split (first 15,815 train,
    last 3,954 test); any other size is shuffled by the seed and split 80/20, each crop on its own (source unknown)."""
    crops = read_npy_crops(path)
    if split == 'all':
        return np.asarray(crops, np.float32)
    if len(crops) == WEMD_SIZE:
        part = crops[:WEMD_TRAIN] if split == 'train' else crops[WEMD_TRAIN:]
    else:
        warnings.warn(
            f'{path} holds {len(crops)} images, not the 19,769 of WEMD: split 80/20 at random (seed {seed}), '
            'each image on its own',
            stacklevel=3,
        )
        part = crops[grouped_split(np.arange(len(crops)), seed, split)]
    return np.asarray(part, np.float32)


def microscopy_split(path: Path, split: str, seed: int, downsample: int, pixel_size=None) -> np.ndarray:
    """Crops of users' files (the shared loader), split by file: files shuffled by the seed, about 80 % of them train."""
    per_file = crops_by_file(path, downsample, pixel_size)
    if split == 'all':
        return np.concatenate(per_file)
    groups = np.concatenate([np.full(len(c), i) for i, c in enumerate(per_file)])
    return np.concatenate(per_file)[grouped_split(groups, seed, split)]


def load_config_split(cfg, split: str) -> np.ndarray:
    """`load_split` with a training configuration's data settings (data set, sizes, seed, downsampling, target blur)."""
    from model.cli import pixel_size

    return load_split(
        cfg.dataset,
        split,
        n_train=cfg.n_train,
        n_test=cfg.n_test,
        seed=cfg.data_seed,
        downsample=cfg.downsample,
        pixel_size=pixel_size(cfg.pixel_size) if cfg.pixel_size else None,
        blur=cfg.target_blur,
    )


def load_split(
    source: str = 'procedural',
    split: str = 'train',
    *,
    n_train: int = 4000,
    n_test: int = 1000,
    seed: int = 0,
    downsample: int = 1,
    pixel_size=None,
    blur: float = BLUR_SIGMA,
) -> np.ndarray:
    """Prepared images (N, 96, 96) float32 in [-1, 1] of one split: 'train', 'test', (procedural only) 'test_unseen',
    or (users' data only) 'all', every image of the source, for evaluating trained runs on data they never saw.

    source and its splits:
      - 'procedural': the embedded default, generated once and cached (seed `seed`): n_train 'train' and n_test 'test'
        images of the 'seen' scene settings, and n_test 'test_unseen' images of settings training never sees
        (held-out lattice kinds, all ABF contrast), for measuring generalisation;
      - a .npy of 96x96 crops: the WEMD file `96x96_stem_crops.npy` (exactly 19,769 crops) keeps the paper's ordered
        split (first 15,815 train, last 3,954 test); a file of any other size is shuffled by `seed` and split 80/20;
      - other files (a file or a folder of .npy/.npz/.dm3/.dm4/.emd/.tif/.hspy, read by `model.microscopy_files`,
        binned by `downsample` or resampled to `pixel_size`): whole files are shuffled by `seed` and about 80 % of
        them train, so crops of one file never sit on both sides.
    `blur` is the target blur's sigma in px (0: none).
    """
    if split not in SPLITS:
        raise DataError(f'split must be one of {", ".join(map(repr, SPLITS))}, got {split!r}')
    if source == 'procedural':
        if downsample > 1 or pixel_size:
            raise DataError("--downsample and --pixel-size resample users' files; the procedural set is made at its size")
        if split == 'all':
            raise DataError(
                "the 'all' split is for evaluating on users' data; the procedural set has 'train', 'test' and 'test_unseen'"
            )
        part = procedural_split(split, n_train, n_test, seed)
    else:
        path = Path(source)
        if not path.exists():
            raise DataError(f"{path} does not exist: pass 'procedural', a 96x96_stem_crops.npy file, or microscopy files")
        if split == 'test_unseen':
            raise DataError(f"{source}: the 'test_unseen' split exists only for the procedural source; use 'test'")
        if path.suffix.lower() == '.npy' and (downsample > 1 or pixel_size) and is_crops_file(path):
            raise DataError(
                f'{path} holds 96 x 96 crops: they cannot be binned or resampled; leave out --downsample and --pixel-size'
            )
        crops = path.suffix.lower() == '.npy' and is_crops_file(path)
        part = npy_split(path, split, seed) if crops else microscopy_split(path, split, seed, downsample, pixel_size)
    if len(part) == 0:
        raise DataError(f'{source}: the {split} split is empty; supply more images')
    images = prepare(part, drop_constant=True, blur=blur)
    if not np.isfinite(images).all() or len(images) == 0:
        raise DataError(f'{source}: no usable images in the {split} split (all constant or non-finite)')
    return images


def main(argv=None) -> int:
    from model.cli import Parser, add_image_options, add_verbosity, integer, setup_logging

    p = Parser(prog='python -m training.data', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        '--source', default='procedural', help="'procedural', a 96x96_stem_crops.npy path, or microscopy files/folder"
    )
    p.add_argument('--n-train', type=integer(1, 10**7), default=4000, help='procedural: training images')
    p.add_argument(
        '--n-test', type=integer(1, 10**7), default=1000, help="procedural: images in 'test' and in 'test_unseen'"
    )
    p.add_argument(
        '--seed', type=integer(0, 2**32 - 1), default=0, help="procedural: the generator's seed; users' data: the split's"
    )
    p.add_argument('--figure', type=Path, help='procedural: also write a PNG grid of example images per scene type')
    add_image_options(p)
    add_verbosity(p)
    args = p.parse_args(argv)
    setup_logging(args, 'data')
    try:
        if args.figure and args.source != 'procedural':
            raise DataError('--figure shows procedural examples: use it with --source procedural')
        if args.figure:
            from training.procedural import save_examples

            save_examples(args.figure, args.seed)
            print(f'wrote {args.figure}')
        for split in SPLITS[:3] if args.source == 'procedural' else SPLITS[:2]:
            x = load_split(
                args.source,
                split,
                n_train=args.n_train,
                n_test=args.n_test,
                seed=args.seed,
                downsample=args.downsample,
                pixel_size=args.pixel_size,
            )
            print(f'{split}: {len(x)} images {x.shape[1]}x{x.shape[2]}, mean {x.mean():+.3f}, std {x.std():.3f}')
    except DataError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    except OSError as e:
        print(
            f'error: cannot write {e.filename or args.figure} ({e.strerror or e}): pass a writable --figure path',
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
