"""Where the project's shipped files are, from any working folder: the trained checkpoints (`checkpoints/`), the
committed quantized actor (`hls/actors/default`) and the policy registry (`checkpoints/policies.json`).

Paths are relative to the installed package (a source checkout or the editable install `make venv` makes), never to
the working folder, so commands run from a data folder find them.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKPOINTS = ROOT / 'checkpoints'
DEFAULT_ACTOR_DIR = ROOT / 'hls' / 'actors' / 'default'


def locate(path: str | Path) -> Path:
    """A path as the user wrote it if it exists from the working folder; else the project's own file of that name
    (`checkpoints/quality` from anywhere) if there is one; else the path as written (so the error names it)."""
    path = Path(path).expanduser()
    if path.exists() or path.is_absolute() or not (ROOT / path).exists():
        return path
    return ROOT / path
