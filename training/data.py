"""Images for training and evaluation: the embedded procedural set, the paper's WEMD crops, users' microscopy files.

Everything returned by `load_split` is *prepared* the paper's way: non-finite values set to 0, blurred by a symmetric
5 x 5 Gaussian kernel (sigma 2.5 px), then each image linearly mapped to [-1, 1]. NumPy/SciPy only (the host imports it).

    python -m training.data --source procedural          # build the cached default data set and show its statistics
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

from model.microscopy_files import CROP, DataError, load_microscopy  # noqa: F401  (DataError: re-exported)

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / 'data' / 'cache'
PROCEDURAL_VERSION = 1
WEMD_SIZE, WEMD_TRAIN = 19_769, 15_815


def blur_kernel(size: int = 5, sigma: float = 2.5) -> np.ndarray:
    """The paper's symmetric Gaussian blur kernel, normalised to sum 1."""
    x = np.arange(size) - (size - 1) / 2
    k = np.exp(-(x**2) / (2 * sigma**2))
    k2 = np.outer(k, k)
    return k2 / k2.sum()


def prepare(images: np.ndarray, *, drop_constant: bool = False) -> np.ndarray:
    """Raw images (N, H, W) or (N, H, W, 1) -> blurred, per-image [-1, 1] float32.

    An image that is constant after blurring has no contrast to normalise: an error naming it, or, with
    `drop_constant=True` (used for whole data sets), it is dropped with a warning.
    """
    x = np.asarray(images, np.float64)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3 or x.shape[1] != x.shape[2]:
        raise DataError(f'expected images of shape [N, H, W] or [N, H, W, 1] with H == W, got {list(np.shape(images))}')
    x = np.where(np.isfinite(x), x, 0.0)
    x = ndimage.correlate(x, blur_kernel()[None], mode='nearest')
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
    """The paper's 8-fold augmentation: k % 4 quarter turns, k >= 4 transposed first (matches pipeline.augment_tf)."""
    image = np.asarray(image)
    if k >= 4:
        image = np.swapaxes(image, -1, -2)
    return np.rot90(image, k % 4, axes=(-2, -1))


# ---- the embedded default ------------------------------------------------------------------------------------------
def default_dataset_path(n_train: int, n_test: int, seed: int) -> Path:
    """Cache file of the procedural set with these parameters (under data/cache/, git-ignored)."""
    return CACHE / f'procedural-v{PROCEDURAL_VERSION}-train{n_train}-test{n_test}-seed{seed}.npy'


def ensure_default_dataset(n_train: int = 4000, n_test: int = 1000, seed: int = 0, progress: bool = True) -> Path:
    """Generate the procedural data set once (raw images, train first, then test) and cache it; returns its path.

    The file name holds the generator version and the parameters, so other parameters get their own file; a JSON file
    beside it records them and the images' SHA-256. The .npy is renamed into place last: a cache without both is rebuilt.
    """
    from training.procedural import generate_images

    path = default_dataset_path(n_train, n_test, seed)
    if path.is_file() and path.with_suffix('.json').is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    if progress:
        print(f'generating {n_train + n_test} procedural STEM images -> {path}', file=sys.stderr)
    images = generate_images(n_train + n_test, seed)
    tmp = path.with_suffix('.tmp.npy')
    np.save(tmp, images)
    meta = {
        'version': PROCEDURAL_VERSION,
        'n_train': n_train,
        'n_test': n_test,
        'seed': seed,
        'sha256': hashlib.sha256(images.tobytes()).hexdigest(),
    }
    path.with_suffix('.json').write_text(json.dumps(meta, indent=2))
    tmp.replace(path)
    return path


# ---- the paper's data and users' files ------------------------------------------------------------------------------
def load_wemd(path: Path, split: str) -> np.ndarray:
    """The paper's `96x96_stem_crops.npy` [N, 96, 96, 1]: ordered split, first 15,815 train and last 3,954 test."""
    try:
        x = np.load(path, mmap_mode='r', allow_pickle=False)
    except (ValueError, OSError) as e:
        raise DataError(
            f'{path} is not a readable NumPy .npy array ({e}); expected 96x96_stem_crops.npy of shape [N, 96, 96, 1]'
        ) from e
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[1:] != (CROP, CROP, 1):
        raise DataError(f'{path} has shape {list(x.shape)}; expected [N, 96, 96, 1] (or [N, 96, 96]) crops')
    n_train = WEMD_TRAIN if len(x) == WEMD_SIZE else int(round(len(x) * WEMD_TRAIN / WEMD_SIZE))
    if len(x) != WEMD_SIZE:
        warnings.warn(
            f'{path} holds {len(x)} images, not the 19,769 of WEMD: using the same ordered 80/20 split ({n_train} train)',
            stacklevel=2,
        )
    part = x[:n_train] if split == 'train' else x[n_train:]
    return np.asarray(part[..., 0], np.float32)


def load_split(
    source: str = 'procedural',
    split: str = 'train',
    *,
    n_train: int = 4000,
    n_test: int = 1000,
    seed: int = 0,
    downsample: int = 1,
) -> np.ndarray:
    """Prepared images (N, 96, 96) float32 in [-1, 1] for 'train' or 'test'.

    source: 'procedural' (the embedded default, generated once and cached), a `96x96_stem_crops.npy`, or microscopy
    files (a file or a folder; users' images are split in order, the first 80 % for training).
    """
    if split not in ('train', 'test'):
        raise DataError(f"split must be 'train' or 'test', got {split!r}")
    if source == 'procedural':
        raw = np.load(ensure_default_dataset(n_train, n_test, seed))
        part = raw[:n_train] if split == 'train' else raw[n_train : n_train + n_test]
    else:
        path = Path(source)
        if not path.exists():
            raise DataError(f"{path} does not exist: pass 'procedural', a 96x96_stem_crops.npy file, or microscopy files")
        if path.suffix == '.npy':
            part = load_wemd(path, split)
        else:
            crops = load_microscopy(path, downsample)
            cut = int(round(0.8 * len(crops)))
            part = crops[:cut] if split == 'train' else crops[cut:]
    if len(part) == 0:
        raise DataError(f'{source}: the {split} split is empty; supply more images')
    images = prepare(part, drop_constant=True)
    if not np.isfinite(images).all() or len(images) == 0:
        raise DataError(f'{source}: no usable images in the {split} split (all constant or non-finite)')
    return images


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog='python -m training.data', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        '--source', default='procedural', help="'procedural', a 96x96_stem_crops.npy path, or microscopy files/folder"
    )
    p.add_argument('--n-train', type=int, default=4000, help='procedural: training images')
    p.add_argument('--n-test', type=int, default=1000, help='procedural: test images')
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args(argv)
    try:
        for split in ('train', 'test'):
            x = load_split(args.source, split, n_train=args.n_train, n_test=args.n_test, seed=args.seed)
            print(f'{split}: {len(x)} images {x.shape[1]}x{x.shape[2]}, mean {x.mean():+.3f}, std {x.std():.3f}')
    except DataError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
