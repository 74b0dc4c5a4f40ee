"""Every acquired scan on disk before it is sent, and each completed exactly once, by one process at a time.

    ROOT/pending/<scan_id>.npz   the acquired scan (written atomically: temporary file + rename) waiting for completion
    ROOT/done/<scan_id>.npz      the same file, moved here (rename) once its completion is written
    ROOT/done/<scan_id>.tif      the completed image (float32 TIFF), written before the move
    ROOT/done/<scan_id>.png      optional figure: the scan path over the completion
    ROOT/corrupt/<scan_id>.npz   pending entries that could not be read (or are not files), set aside, reason in the log
    ROOT/refused/<scan_id>.npz   scans the service refuses for good (all-NaN, no probes, a shape it does not complete),
    ROOT/refused/<scan_id>.txt   and why, in one line: resending cannot help, the user decides
    ROOT/corrupt/<scan_id>.incomplete.npz   a scan file a killed run left half-written (see `recover`)

A scan counts as completed when done/<scan_id>.npz exists; a second completion for it is detected, ignored and
logged in ROOT/duplicates.log. Processes sharing ROOT (a run, --complete-pending) coordinate with fcntl locks,
which the kernel releases when a process dies: the writer of a temporary file holds a lock on it until the rename,
a process completing a scan holds a lock on its pending file (`claim`), --complete-pending holds ROOT/.lock.
Files hold only arrays and a JSON metadata string: they load with allow_pickle=False.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from model.durable import fsync


class CorruptScan(ValueError):
    """A pending scan file that cannot be read."""


class DuplicateScan(ValueError):
    """A scan id that is already pending or done."""


class StoreError(Exception):
    """The scan folder cannot be used (a file, not writable); the message says what to do."""


def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file, locked until it is renamed into place (see `recover`), then fsync the folder.
    A write that fails (a full disk) removes its temporary file: nothing half-written is left behind."""
    tmp = path.with_name(f'.{path.name}.tmp')
    with open(tmp, 'wb') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        except BaseException:
            os.unlink(tmp)
            raise
        os.replace(tmp, path)
    fsync(path.parent)


@contextlib.contextmanager
def _unless_locked(path: Path):
    """Open and lock `path` without waiting: yields the open file, or None when another process holds its lock, or
    when it was renamed meanwhile (the lock then belongs to a file under another name)."""
    try:
        f = open(path, 'rb')
    except FileNotFoundError:
        yield None
        return
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        try:
            same = os.stat(path).st_ino == os.fstat(f.fileno()).st_ino
        except FileNotFoundError:
            same = False
        yield f if same else None


class ScanStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.pending, self.done, self.corrupt, self.refused = (
            self.root / d for d in ('pending', 'done', 'corrupt', 'refused')
        )
        try:
            for d in (self.pending, self.done, self.corrupt, self.refused):
                d.mkdir(parents=True, exist_ok=True)
                tempfile.TemporaryFile(dir=d).close()  # writable?
        except OSError as e:
            raise StoreError(f'cannot keep scans in {self.root} ({e.strerror or e}): pass --out a writable folder') from None
        self.duplicates = 0

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
        return sorted(p.stem for p in self.pending.glob('*.npz') if p.is_file())

    def set_aside_strays(self) -> list[Path]:
        """Move entries of pending/ named like scans that are not files (a folder `<id>.npz`) to corrupt/; returns where
        they went. Nothing is deleted; the scans beside them carry on."""
        moved = []
        for entry in sorted(self.pending.glob('*.npz')):
            if not entry.is_file() and not entry.is_symlink():
                target = self.corrupt / entry.name
                if not target.exists():
                    os.replace(entry, target)
                    moved.append(target)
        return moved

    def done_ids(self) -> list[str]:
        return sorted(p.stem for p in self.done.glob('*.npz'))

    def refused_ids(self) -> list[str]:
        return sorted(p.stem for p in self.refused.glob('*.npz'))

    def load(self, scan_id: str, folder: str = 'pending') -> tuple[dict, dict]:
        """(arrays, meta) of a stored scan; raises CorruptScan with the file and the reason."""
        return _read(self.root / folder / f'{scan_id}.npz', scan_id)

    @contextlib.contextmanager
    def claim(self, scan_id: str):
        """Hold a pending scan while completing it: yields True, or False when another process holds it or it is no
        longer pending. The lock stays with the file through its move to done/ and ends with the block."""
        with _unless_locked(self.pending / f'{scan_id}.npz') as f:
            yield f is not None

    @contextlib.contextmanager
    def exclusive(self, waiting=None):
        """Hold ROOT/.lock (one --complete-pending at a time); calls `waiting()` first if another process holds it."""
        with open(self.root / '.lock', 'a') as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if waiting is not None:
                    waiting()
                fcntl.flock(f, fcntl.LOCK_EX)
            yield

    def set_aside(self, scan_id: str) -> Path:
        """Move an unreadable pending file to corrupt/ so the other scans carry on (call it holding the claim)."""
        target = self.corrupt / f'{scan_id}.npz'
        os.replace(self.pending / f'{scan_id}.npz', target)
        return target

    def refuse(self, scan_id: str, reason: str) -> Path:
        """Move a pending scan the service refuses for good to refused/, with the reason beside it (hold the claim)."""
        _atomic_write(self.refused / f'{scan_id}.txt', lambda f: f.write((' '.join(reason.split()) + '\n').encode()))
        target = self.refused / f'{scan_id}.npz'
        os.replace(self.pending / f'{scan_id}.npz', target)
        fsync(self.refused)
        return target

    def complete(self, scan_id: str, image: np.ndarray, figure=None) -> bool:
        """Write the completion and move the scan pending/ -> done/; False (and logged) if it was already done.
        Call it holding `claim(scan_id)`: the rename is the commit."""
        import tifffile

        if self.is_done(scan_id):
            return self._duplicate(scan_id)
        _atomic_write(self.done / f'{scan_id}.tif', lambda f: tifffile.imwrite(f, np.asarray(image, np.float32)))
        if figure is not None:
            figure(self.done / f'{scan_id}.png')
        try:
            os.replace(self.pending / f'{scan_id}.npz', self.done / f'{scan_id}.npz')
        except FileNotFoundError:
            return self._duplicate(scan_id)
        fsync(self.done)
        return True

    def _duplicate(self, scan_id: str) -> bool:
        self.duplicates += 1
        with open(self.root / 'duplicates.log', 'a') as f:
            f.write(f'{scan_id}\n')
        return False

    def recover(self) -> tuple[list[str], list[Path]]:
        """Temporary files left by killed processes -> (recovered scan ids, incomplete files set aside).

        A complete scan file (it reads back whole, with its own scan id) is renamed into pending/, to be completed
        like any other; a half-written one (or a second copy of a stored scan) is moved to corrupt/ as
        <scan_id>.incomplete.npz; a half-written completion in done/ is removed (its scan is still pending).
        Files whose writer is alive are left alone."""
        recovered, incomplete = [], []
        for tmp in sorted(self.pending.glob('.*.npz.tmp')):
            scan_id = tmp.name[1 : -len('.npz.tmp')]
            with _unless_locked(tmp) as f:
                if f is None:
                    continue
                target = self.pending / f'{scan_id}.npz'
                try:
                    _read(tmp, scan_id)
                    whole = not target.exists() and not self.is_done(scan_id)
                except CorruptScan:
                    whole = False
                if not whole:
                    target = self.corrupt / f'{scan_id}.incomplete.npz'
                os.replace(tmp, target)
                if whole:
                    recovered.append(scan_id)
                else:
                    incomplete.append(target)
        for tmp in self.done.glob('.*.tif.tmp'):
            with _unless_locked(tmp) as f:
                if f is not None:
                    tmp.unlink()
        return recovered, incomplete

    def completion(self, scan_id: str) -> np.ndarray:
        import tifffile

        return tifffile.imread(self.done / f'{scan_id}.tif')


MAX_SCAN_BYTES = 32 << 20
"""The most bytes a stored scan's arrays may hold once read (a 1024 x 1024 partial scan is 8 MB): a crafted file
(a small compressed member that would expand to gigabytes) is refused before anything is decompressed."""


def _read_arrays(path: Path) -> dict:
    """The arrays of an .npz file, read member by member: each member's size (from the zip directory, which bounds
    what zipfile will decompress) and each array's size (from its .npy header) are checked before they are read."""
    import zipfile

    arrays = {}
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        if total > MAX_SCAN_BYTES:
            raise ValueError(f'its arrays hold {total} bytes once decompressed, a scan at most {MAX_SCAN_BYTES}')
        for member in members:
            if not member.filename.endswith('.npy'):
                raise ValueError(f'member {member.filename!r} is not an array')
            with archive.open(member) as f:
                version = np.lib.format.read_magic(f)
                if version not in ((1, 0), (2, 0)):
                    raise ValueError(f'member {member.filename!r} is a .npy of version {version}, not 1.0 or 2.0')
                header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                shape, fortran, dtype = header(f)
                size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
                if dtype.hasobject or size > member.file_size:
                    raise ValueError(f'member {member.filename!r} declares {dtype}{list(shape)}, more than it holds')
                data = bytearray(f.read(size))
                if len(data) != size:
                    raise ValueError(f'member {member.filename!r} is truncated')
            arrays[member.filename[: -len('.npy')]] = np.frombuffer(data, dtype).reshape(
                shape, order='F' if fortran else 'C'
            )
    return arrays


def _read(path: Path, scan_id: str) -> tuple[dict, dict]:
    try:
        arrays = _read_arrays(path)
        meta = json.loads(str(arrays.pop('meta')))
        if not isinstance(meta, dict) or meta.get('scan_id') != scan_id or 'partial_scan' not in arrays:
            raise ValueError('scan id or partial_scan missing')
        partial = arrays['partial_scan']
        if partial.dtype.kind != 'f' or partial.ndim != 3 or partial.shape[-1] != 2 or partial.shape[0] != partial.shape[1]:
            raise ValueError(f'partial_scan is {partial.dtype}{list(partial.shape)}, expected float [H, H, 2]')
    except Exception as e:
        raise CorruptScan(f'{path} cannot be read ({type(e).__name__}: {e})') from None
    return arrays, meta
