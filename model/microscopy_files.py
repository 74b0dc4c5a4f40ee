"""Users' microscopy files (.dm3 .dm4 .emd .tif .tiff .hspy) read with rosettasciio and cut into 96x96 crops.

NumPy only (rosettasciio is imported when a file is read): the board program and the training data both use it.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np

CROP = 96
RSCIIO_READERS = {
    '.dm3': 'digitalmicrograph',
    '.dm4': 'digitalmicrograph',
    '.emd': 'emd',
    '.tif': 'tiff',
    '.tiff': 'tiff',
    '.hspy': 'hspy',
}
MICROSCOPY_SUFFIXES = tuple(RSCIIO_READERS)


class DataError(Exception):
    """Input images are missing, malformed or unusable; the message says what to do."""


def tiles(image: np.ndarray, downsample: int = 1) -> list[np.ndarray]:
    """96 x 96 crops of a 2-D image (after averaging `downsample` x `downsample` blocks), row by row; the rest is cut off."""
    if downsample > 1:
        h, w = (s // downsample * downsample for s in image.shape)
        image = image[:h, :w].reshape(h // downsample, downsample, w // downsample, downsample).mean(axis=(1, 3))
    h, w = image.shape
    return [image[r : r + CROP, c : c + CROP] for r in range(0, h - CROP + 1, CROP) for c in range(0, w - CROP + 1, CROP)]


def load_microscopy(path: Path, downsample: int = 1) -> np.ndarray:
    """Read .dm3/.dm4/.emd/.tif/.hspy files (a file or a folder) with rosettasciio; tile 2-D images into 96x96 crops."""
    return np.concatenate(load_microscopy_by_file(path, downsample))


def load_microscopy_by_file(path: Path, downsample: int = 1) -> list[np.ndarray]:
    """As `load_microscopy`, one array of crops per file (files in sorted order): the unit that splits keep together,
    since one file's images may show the same area (stacks, detectors). In a folder, a file without a usable image (a
    spectrum image, 4D-STEM, images under 96 x 96) is skipped, named on stderr with the reason; a single file like that
    is an error saying what to pass."""
    files = sorted(p for p in path.rglob('*') if p.suffix.lower() in MICROSCOPY_SUFFIXES) if path.is_dir() else [path]
    if not files:
        raise DataError(f'no microscopy files ({", ".join(MICROSCOPY_SUFFIXES)}) found in {path}')
    per_file = []
    for f in files:
        try:
            crops = [t for img in _read_images(f) for t in tiles(img, downsample)]
            if not crops:
                raise DataError(f'{f}: no 2-D image of at least {CROP}x{CROP} px (after downsampling by {downsample})')
        except DataError as e:
            if not path.is_dir():
                raise
            print(f'warning: skipped {e}', file=sys.stderr)
            continue
        per_file.append(np.stack(crops).astype(np.float32))
    if not per_file:
        raise DataError(f'{path}: no 2-D image of at least {CROP}x{CROP} px (after downsampling by {downsample}) was found')
    return per_file


def _read_images(path: Path) -> list[np.ndarray]:
    """The 2-D images of a file: every signal whose signal axes are two (an image, or a stack of them along navigation
    axes). A spectrum image (one signal axis) or 4D-STEM (two signal and two navigation axes) is refused: the reader's
    axes (rosettasciio's `navigate` flags) say which is which, not the array's shape."""
    suffix = path.suffix.lower()
    if suffix not in RSCIIO_READERS:
        raise DataError(f'{path}: unsupported format {suffix!r}; use one of {", ".join(MICROSCOPY_SUFFIXES)}')
    try:
        module = importlib.import_module(f'rsciio.{RSCIIO_READERS[suffix]}')
        signals = module.file_reader(str(path))
    except Exception as e:  # noqa: BLE001  (every reader raises its own exception types)
        raise DataError(
            f'{path}: rosettasciio could not read it ({type(e).__name__}: {e}); is the file complete and of that format?'
        ) from e
    images = []
    for s in signals:
        data = np.asarray(s['data'])
        if data.dtype.kind not in 'biuf':
            raise DataError(f'{path}: holds {data.dtype} values; images must be real numbers')
        if data.ndim == 3 and data.shape[-1] in (3, 4) and suffix in ('.tif', '.tiff'):
            images.append(data[..., :3].mean(-1))  # an RGB(A) picture
            continue
        axes = s.get('axes') or [{'navigate': i < data.ndim - 2} for i in range(data.ndim)]
        signal_axes = sum(not a.get('navigate', False) for a in axes)
        if signal_axes == 1 and data.ndim >= 2:
            raise DataError(
                f'{path}: a spectrum image ({data.ndim - 1} navigation axes of {list(data.shape[:-1])} positions, '
                f'{data.shape[-1]} channels), not an image: pass an image, e.g. its sum over an energy window saved as .tif'
            )
        if signal_axes == 2 and data.ndim == 4:
            raise DataError(
                f'{path}: 4D-STEM ({list(data.shape[:2])} probe positions x {list(data.shape[2:])} diffraction '
                'pixels), not an image: pass a virtual detector image, e.g. the sum over an annular range saved as .tif'
            )
        if data.ndim == 2:
            images.append(data)
        elif data.ndim == 3:
            images += list(data)  # an image stack
        else:
            raise DataError(
                f'{path}: a {data.ndim}-D signal of shape {list(data.shape)}: pass 2-D images or a stack of them'
            )
    return images
