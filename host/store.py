"""Every acquired scan on disk before it is sent, and each completed exactly once.

    ROOT/pending/<scan_id>.npz   the acquired scan (written atomically: temporary file + rename) waiting for completion
    ROOT/done/<scan_id>.npz      the same file, moved here (rename) once its completion is written
    ROOT/done/<scan_id>.tif      the completed image (float32 TIFF), written before the move
    ROOT/done/<scan_id>.png      optional figure: the scan path over the completion
    ROOT/corrupt/<scan_id>.npz   pending files that could not be read, set aside with the reason in the log

A scan counts as completed when done/<scan_id>.npz exists; a second completion for it is detected, ignored and
logged in ROOT/duplicates.log.
Files hold only arrays and a JSON metadata string: they load with allow_pickle=False.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np


class CorruptScan(ValueError):
    """A pending scan file that cannot be read."""


class DuplicateScan(ValueError):
    """A scan id that is already pending or done."""


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(f'.{path.name}.tmp')
    with open(tmp, 'wb') as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class ScanStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.pending, self.done, self.corrupt = (self.root / d for d in ('pending', 'done', 'corrupt'))
        for d in (self.pending, self.done, self.corrupt):
            d.mkdir(parents=True, exist_ok=True)
        self.duplicates = 0
        self._lock = threading.Lock()

    def is_done(self, scan_id: str) -> bool:
        return (self.done / f'{scan_id}.npz').exists()

    def add(self, scan_id: str, arrays: dict, meta: dict) -> Path:
        """Write an acquired scan to pending/ (atomically) before anything is sent."""
        path = self.pending / f'{scan_id}.npz'
        if path.exists() or self.is_done(scan_id):
            raise DuplicateScan(f'scan id {scan_id} already exists in {self.root}')
        _atomic_write(path, lambda f: np.savez(f, meta=np.array(json.dumps({'scan_id': scan_id, **meta})), **arrays))
        return path

    def pending_ids(self) -> list[str]:
        return sorted(p.stem for p in self.pending.glob('*.npz'))

    def done_ids(self) -> list[str]:
        return sorted(p.stem for p in self.done.glob('*.npz'))

    def load(self, scan_id: str, folder: str = 'pending') -> tuple[dict, dict]:
        """(arrays, meta) of a stored scan; raises CorruptScan with the file and the reason."""
        path = self.root / folder / f'{scan_id}.npz'
        try:
            with np.load(path, allow_pickle=False) as f:
                arrays = {k: f[k] for k in f.files}
            meta = json.loads(str(arrays.pop('meta')))
            if meta.get('scan_id') != scan_id or 'partial_scan' not in arrays:
                raise ValueError('scan id or partial_scan missing')
        except Exception as e:
            raise CorruptScan(f'{path} cannot be read ({type(e).__name__}: {e})') from None
        return arrays, meta

    def set_aside(self, scan_id: str) -> Path:
        """Move an unreadable pending file to corrupt/ so the other scans carry on."""
        target = self.corrupt / f'{scan_id}.npz'
        os.replace(self.pending / f'{scan_id}.npz', target)
        return target

    def complete(self, scan_id: str, image: np.ndarray, figure=None) -> bool:
        """Write the completion and move the scan pending/ -> done/; False (and logged) if it was already done.

        The rename is the commit: if another process (e.g. --complete-pending) moved the scan first, this one
        counts as the duplicate.
        """
        import tifffile

        with self._lock:
            if self.is_done(scan_id):
                return self._duplicate(scan_id)
            _atomic_write(self.done / f'{scan_id}.tif', lambda f: tifffile.imwrite(f, np.asarray(image, np.float32)))
            if figure is not None:
                figure(self.done / f'{scan_id}.png')
            try:
                os.replace(self.pending / f'{scan_id}.npz', self.done / f'{scan_id}.npz')
            except FileNotFoundError:
                return self._duplicate(scan_id)
            return True

    def _duplicate(self, scan_id: str) -> bool:
        self.duplicates += 1
        with open(self.root / 'duplicates.log', 'a') as f:
            f.write(f'{scan_id}\n')
        return False

    def completion(self, scan_id: str) -> np.ndarray:
        import tifffile

        return tifffile.imread(self.done / f'{scan_id}.tif')
