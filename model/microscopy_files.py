"""Users' images, read the same way by every command (report, reconstruct, run_scan, training, the bench).

Inputs: NumPy arrays (.npy, or the 'images' array, else the first, of a .npz: one 2-D image or a stack [N, H, W] or
[N, H, W, 1]), microscopy files read with rosettasciio (.dm3 .dm4 .emd .tif .tiff .hspy; an RGB picture is averaged to
grey), or a folder of any of them (files of other kinds are named once and skipped). Each 2-D image keeps its
calibration (axis names, scale, offset, units), so outputs can carry it back.

    per_file = read(path, downsample=2)        # [[Image, ...] per file]: stacks split into frames, binned 2 x 2
    per_file = read(path, pixel_size=(0.1, 'nm'))   # resampled to 0.1 nm pixels from each file's calibration
    crops_by_file(path)                        # non-overlapping 96 x 96 crops per file (training, report, run_scan)

Every changed value is named once, as a warning of this module's logger: non-finite pixels (replaced by the image's
finite mean), edges that no 96 x 96 crop covers, skipped files. NumPy only (rosettasciio is imported to read a file).
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
from dataclasses import dataclass
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
ARRAY_SUFFIXES = ('.npy', '.npz')
SUFFIXES = ARRAY_SUFFIXES + MICROSCOPY_SUFFIXES
LENGTH_UNITS_NM = {'pm': 1e-3, 'Å': 0.1, 'A': 0.1, 'nm': 1.0, 'um': 1e3, 'µm': 1e3, 'mm': 1e6}
log = logging.getLogger(__name__)


class DataError(Exception):
    """Input images are missing, malformed or unusable; the message says what to do."""


@dataclass(frozen=True)
class Axis:
    """One calibrated image axis: position of pixel k = offset + k * scale, in `units` ('' = pixels, uncalibrated)."""

    name: str
    scale: float = 1.0
    offset: float = 0.0
    units: str = ''

    def to_rsciio(self, size: int, navigate: bool = False) -> dict:
        return {
            'name': self.name,
            'size': int(size),
            'scale': self.scale,
            'offset': self.offset,
            'units': self.units,
            'navigate': navigate,
        }


@dataclass(frozen=True)
class Image:
    """A 2-D image of a user's file with its calibration; `frame` is its index in the file's stack (None: 2-D file)."""

    data: np.ndarray
    file: Path
    axes: tuple[Axis, Axis]
    frame: int | None = None

    @property
    def source(self) -> str:
        return f'{self.file.name}' if self.frame is None else f'{self.file.name}[{self.frame}]'


# ---- reading -------------------------------------------------------------------------------------------------------
def files_of(path: Path) -> list[Path]:
    """The image files of a file or a folder (recursively, sorted); other files of a folder are named and skipped."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES and not path.is_dir() and path.suffix:
        raise DataError(f'{path}: unsupported format {path.suffix.lower()!r}; use one of {", ".join(SUFFIXES)}')
    if not path.exists():
        raise DataError(
            f'{path} does not exist: pass an image file (.npy .npz {" ".join(MICROSCOPY_SUFFIXES)}) or a folder of them'
        )
    if not path.is_dir():
        if path.suffix.lower() not in SUFFIXES:
            raise DataError(f'{path}: unsupported format {path.suffix.lower()!r}; use one of {", ".join(SUFFIXES)}')
        return [path]
    every = sorted(p for p in path.rglob('*') if p.is_file())
    files = [p for p in every if p.suffix.lower() in SUFFIXES]
    others = [p.relative_to(path).as_posix() for p in every if p.suffix.lower() not in SUFFIXES]
    if others:
        log.warning(
            f'skipped {len(others)} file(s) of {path} that are not images ({", ".join(SUFFIXES)}): {", ".join(others[:10])}{" ..." if len(others) > 10 else ""}'
        )
    if not files:
        raise DataError(f'no image files ({", ".join(SUFFIXES)}) found in {path}')
    return files


def output_name(file: Path, given: Path) -> str:
    """A name for a file's outputs, unique per input: its path under the folder given (or its name), its suffix kept
    ('big.tif' -> 'big-tif', 'runs/a/big.npy' given 'runs' -> 'a_big-npy')."""
    file, given = Path(file), Path(given)
    relative = file.relative_to(given) if given.is_dir() else Path(file.name)
    return '_'.join(relative.with_suffix('').parts) + '-' + file.suffix.lstrip('.').lower()


def read(path: Path, downsample: int = 1, pixel_size: tuple[float, str | None] | None = None) -> list[list[Image]]:
    """The 2-D images of a file or a folder, one list per file (sorted), binned by `downsample` or resampled to
    `pixel_size` (value, units or None for the file's own). In a folder, a file without a usable image is named and
    skipped; a single such file is an error saying what to pass."""
    path = Path(path)
    per_file = []
    for f in files_of(path):
        try:
            images = [resample(image, downsample, pixel_size) for image in _finite(read_file(f))]
        except DataError as e:
            if not path.is_dir():
                raise
            log.warning(f'skipped {e}')
            continue
        per_file.append(images)
    if not per_file:
        raise DataError(f'{path}: none of its files holds a usable 2-D image')
    return per_file


def read_file(path: Path) -> list[Image]:
    """Every 2-D image of one file (stacks split into frames), values as stored, with the file's calibration."""
    suffix = path.suffix.lower()
    if suffix in ARRAY_SUFFIXES:
        data = _read_array(path)
        if data.ndim == 4 and data.shape[-1] == 1:
            data = data[..., 0]
        if data.ndim not in (2, 3) or min(data.shape[-2:]) < 2:
            raise DataError(
                f'{path} has shape {list(data.shape)}: pass a 2-D image [H, W] or a stack [N, H, W] (or [N, H, W, 1])'
            )
        signals = [{'data': data, 'axes': None}]
    else:
        signals = _read_rsciio(path)
    images = []
    for s in signals:
        data, axes = _image_axes(path, s)
        calibration = tuple(
            Axis(a.get('name') or n, float(a.get('scale') or 1), float(a.get('offset') or 0), _units(a))
            for a, n in zip(axes[-2:], ('y', 'x'))
        )
        if data.ndim == 2:
            images.append(Image(data, path, calibration))
        else:
            images += [Image(frame, path, calibration, k) for k, frame in enumerate(data)]
    if not images:
        raise DataError(f'{path} holds no image: is the file complete?')
    return images


def _read_array(path: Path) -> np.ndarray:
    """A .npy array, or the 'images' array (else the first) of a .npz archive; never unpickles."""
    try:
        if path.suffix.lower() == '.npy':
            data = np.load(path, mmap_mode='r', allow_pickle=False)
        else:
            with np.load(path, allow_pickle=False) as f:
                if not f.files:
                    raise ValueError('an empty archive')
                data = f['images'] if 'images' in f.files else f[f.files[0]]
    except Exception as e:  # noqa: BLE001  (NumPy, zipfile and the OS raise many kinds for one unreadable file)
        raise DataError(f'{path} is not a readable NumPy file, corrupt or truncated? ({type(e).__name__}: {e})') from None
    if data.dtype.kind not in 'biuf':
        raise DataError(f'{path} holds {data.dtype} values; images must be real numbers')
    return data


def _read_rsciio(path: Path) -> list[dict]:
    try:
        module = importlib.import_module(f'rsciio.{RSCIIO_READERS[path.suffix.lower()]}')
        return module.file_reader(str(path))
    except Exception as e:  # noqa: BLE001  (every reader raises its own exception types)
        raise DataError(
            f'{path}: rosettasciio could not read it, the file is corrupt, truncated or not of its format '
            f'({type(e).__name__}: {e})'
        ) from None


def _image_axes(path: Path, signal: dict) -> tuple[np.ndarray, list[dict]]:
    """(data, axes) of one signal as 2-D images: RGB pictures to grey; spectrum images and 4D-STEM refused by their
    axes (rosettasciio's `navigate` flags say which axes are the signal's, not the array's shape)."""
    data = np.asarray(signal['data'])
    if data.dtype.names:  # an RGB(A) picture: a structured array of colour channels
        channels = [n for n in data.dtype.names if n.upper() in 'RGB']
        data = np.mean([data[n].astype(np.float64) for n in channels or data.dtype.names], axis=0)
    if data.dtype.kind not in 'biuf':
        raise DataError(f'{path}: holds {data.dtype} values; images must be real numbers')
    axes = signal.get('axes') or [{'navigate': i < data.ndim - 2} for i in range(data.ndim)]
    if data.ndim == 3 and data.shape[-1] in (3, 4) and len(axes) == 3 and all(not a.get('navigate', False) for a in axes):
        return data[..., :3].mean(-1), axes[:2]  # an RGB(A) picture stored as three signal axes
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
    if data.ndim not in (2, 3):
        raise DataError(f'{path}: a {data.ndim}-D signal of shape {list(data.shape)}: pass 2-D images or a stack of them')
    return data, axes


def _units(axis: dict) -> str:
    units = axis.get('units')
    return '' if units is None or str(units) in ('', '<undefined>', 'px', 'pixel', 'pixels') else str(units)


def _finite(images: list[Image]) -> list[Image]:
    """Non-finite pixels replaced by their image's finite mean, named once per file; an image without a finite pixel
    is an error."""
    fixed, count = [], 0
    for image in images:
        data = np.asarray(image.data, np.float64)
        finite = np.isfinite(data)
        if np.abs(np.where(finite, data, 0)).max() > np.finfo(np.float32).max:
            raise DataError(f'{image.source} holds values too large to normalise (beyond 3.4e38): rescale the images')
        if not finite.all():
            if not finite.any():
                raise DataError(f'{image.source}: no finite value (all NaN or Inf): nothing to scan')
            count += int((~finite).sum())
            data = np.where(finite, data, data[finite].mean())
        fixed.append(dataclasses.replace(image, data=data))
    if count:
        log.warning(f"{images[0].file}: {count} non-finite pixel(s) (NaN/Inf) replaced by their image's mean")
    return fixed


# ---- resampling ------------------------------------------------------------------------------------------------------
def resample(image: Image, downsample: int = 1, pixel_size: tuple[float, str | None] | None = None) -> Image:
    """Bin `downsample` x `downsample` pixels (a partial block at the far edges is averaged too: nothing dropped), or
    resample to `pixel_size` = (value, units; None = the file's units) by area averaging; the calibration follows."""
    if pixel_size is None:
        factors = (float(downsample),) * 2
    else:
        value, units = pixel_size
        factors = tuple(value * _unit_ratio(image, axis, units) / axis.scale for axis in image.axes)
    if factors == (1.0, 1.0):
        return image
    data = _area_resample(_area_resample(image.data, factors[0], 0), factors[1], 1)
    axes = tuple(
        dataclasses.replace(a, scale=a.scale * f, offset=a.offset + (f - 1) / 2 * a.scale)
        for a, f in zip(image.axes, factors)
    )
    return dataclasses.replace(image, data=data, axes=axes)


def _unit_ratio(image: Image, axis: Axis, units: str | None) -> float:
    """How many of the axis's units one of `units` is (1 for the axis's own units)."""
    if not axis.units or axis.scale <= 0:
        raise DataError(
            f'{image.source} has no pixel calibration (axis {axis.name!r}): use --downsample N instead of --pixel-size'
        )
    if units is None or units == axis.units:
        return 1.0
    if units not in LENGTH_UNITS_NM or axis.units not in LENGTH_UNITS_NM:
        raise DataError(f'{image.source} is calibrated in {axis.units!r}: pass --pixel-size in {axis.units} (a bare number)')
    return LENGTH_UNITS_NM[units] / LENGTH_UNITS_NM[axis.units]


def _area_resample(data: np.ndarray, factor: float, axis: int) -> np.ndarray:
    """Resample along `axis` so that each new pixel averages `factor` old ones (area-weighted; factor < 1 upsamples);
    the last new pixel covers what is left of the edge."""
    n = data.shape[axis]
    m = max(1, int(np.ceil(n / factor - 1e-9)))
    integral = np.concatenate([np.zeros_like(np.take(data, [0], axis)), np.cumsum(data, axis)], axis)
    edges = np.minimum(np.arange(m + 1) * factor, n)
    lo, frac = np.minimum(np.floor(edges).astype(int), n - 1), edges - np.minimum(np.floor(edges), n - 1)
    shape = [1] * data.ndim
    shape[axis] = m + 1
    at = np.take(integral, lo, axis) + frac.reshape(shape) * np.take(np.diff(integral, axis=axis), lo, axis)
    return np.diff(at, axis=axis) / np.diff(edges).reshape([m if i == axis else 1 for i in range(data.ndim)])


# ---- 96 x 96 crops ---------------------------------------------------------------------------------------------------
def crops_of(images: list[Image]) -> list[np.ndarray]:
    """Non-overlapping 96 x 96 crops of one file's images, row by row; edges no crop covers are named once per file."""
    crops, cut = [], set()
    for image in images:
        h, w = image.data.shape
        crops += [
            image.data[r : r + CROP, c : c + CROP]
            for r in range(0, h - CROP + 1, CROP)
            for c in range(0, w - CROP + 1, CROP)
        ]
        if h >= CROP and w >= CROP and (h % CROP or w % CROP):
            cut.add((h % CROP, w % CROP, h, w))
    if not crops:
        shape = images[0].data.shape
        raise DataError(
            f'{images[0].file}: no 2-D image of at least {CROP}x{CROP} px (it has {shape[0]} x {shape[1]} px): pass larger images (or less --downsample), or use training.reconstruct, which pads'
        )
    for rows, cols, h, w in sorted(cut):
        log.warning(
            f'{images[0].file}: the last {rows} row(s) and {cols} column(s) of its {h} x {w} px image(s) are in no {CROP} x {CROP} crop (training.reconstruct covers them)'
        )
    return [np.asarray(c, np.float32) for c in crops]


def crops_by_file(path: Path, downsample: int = 1, pixel_size=None) -> list[np.ndarray]:
    """96 x 96 crops (N, 96, 96) float32 per file (files in sorted order): the unit that splits keep together, since one
    file's images may show the same area (stacks, detectors)."""
    per_file = []
    for images in read(path, downsample, pixel_size):
        try:
            per_file.append(np.stack(crops_of(images)))
        except DataError as e:
            if not Path(path).is_dir():
                raise
            log.warning(f'skipped {e}')
    if not per_file:
        raise DataError(f'{path}: no 2-D image of at least {CROP}x{CROP} px was found (after --downsample / --pixel-size)')
    return per_file


def load_microscopy(path: Path, downsample: int = 1, pixel_size=None) -> np.ndarray:
    """Every 96 x 96 crop of a file or a folder, (N, 96, 96) float32."""
    return np.concatenate(crops_by_file(path, downsample, pixel_size))
