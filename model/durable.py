"""Durable writes: a file or a folder's entries flushed to the disk (NumPy-free, used by host/ and training/)."""

from __future__ import annotations

import os
from pathlib import Path


def fsync(path: Path) -> None:
    """Flush a file, or a folder's entries (a power cut after a rename keeps the new name), to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
