"""Outputs a microscopist opens in HyperSpy (.hspy) or any image viewer (.tif), with the input's calibration.

    write(out / 'big-tif-spiral-completed', image, axes, title='...', settings={...})
        -> big-tif-spiral-completed.hspy (axes, units, scale, offset; `settings` under original_metadata.adaptive_stem)
           big-tif-spiral-completed.tif  (resolution tags and ImageJ unit from the same calibration)

A stack (N, H, W) gets a navigation axis first. Both files are written through a temporary name and renamed, so a
killed run leaves no half-written output under the final name. NumPy only; rosettasciio (and h5py, tifffile) are
imported to write.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from model.microscopy_files import Axis

PACKAGE = {'name': 'adaptive-partial-stem', 'version': '0.1.0'}


def signal(
    data: np.ndarray, axes: tuple[Axis, Axis], title: str, settings: dict, navigation: list[Axis] | None = None
) -> dict:
    """A rosettasciio signal dictionary (what HyperSpy's `load` builds a Signal2D from); the axes before the image's
    two are navigation axes (`navigation`, default 'frame')."""
    data = np.asarray(data, np.float32)
    navigation = navigation or [Axis('frame')] * (data.ndim - 2)
    axis_dicts = [a.to_rsciio(n, navigate=True) for a, n in zip(navigation, data.shape[:-2])]
    axis_dicts += [a.to_rsciio(n) for a, n in zip(axes, data.shape[-2:])]
    return {
        'data': data,
        'axes': axis_dicts,
        'metadata': {'General': {'title': title}, 'Signal': {'signal_type': '', 'quantity': 'Intensity'}},
        'original_metadata': {'adaptive_stem': _hdf5_safe(settings)},
        'tmp_parameters': {},
        'attributes': {'_lazy': False},
        'package_info': dict(PACKAGE),
        'learning_results': {},
        'models': {},
    }


def write(
    stem: Path, data, axes: tuple[Axis, Axis], title: str, settings: dict, navigation=None, tif: bool = True
) -> list[Path]:
    """Write `stem`.hspy (and `stem`.tif); returns the paths written."""
    from rsciio import hspy, tiff

    sig = signal(data, axes, title, settings, navigation)
    written = []
    for suffix, writer, kwargs in (('.hspy', hspy.file_writer, {'show_progressbar': False}), ('.tif', tiff.file_writer, {})):
        if suffix == '.tif' and not tif:
            continue
        final = stem.with_name(stem.name + suffix)
        tmp = final.with_name(f'.{final.stem}.tmp{suffix}')
        writer(str(tmp), sig, **kwargs)
        os.replace(tmp, final)
        written.append(final)
    return written


def _hdf5_safe(value):
    """Nested dicts of str/int/float/bool and numeric arrays for HDF5: lists and other values become JSON text."""
    if isinstance(value, dict):
        return {str(k): _hdf5_safe(v) for k, v in value.items()}
    if isinstance(value, np.ndarray) and value.dtype.kind in 'biuf':
        return value
    if isinstance(value, (str, bool, int, float)) and not isinstance(value, np.generic):
        return value
    if value is None:
        return 'none'
    return json.dumps(value, default=float)
