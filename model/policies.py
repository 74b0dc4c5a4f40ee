"""The scanning policies a user can choose and the default one, read from one file: `checkpoints/policies.json`.

    {"default": "spiral", "baseline": "spiral",
     "policies": {"spiral": {"kind": "fixed", "checkpoint": "spiral", "about": "..."},
                  "actor":  {"kind": "actor", "checkpoint": "quality", "about": "..."}}}

`default` is the best measured policy: training.reconstruct, training.report and run_scan.py's workstation modes use
it unless told otherwise. `baseline` is the best fixed path every other policy is compared with. To switch the
default, or to add a policy, edit that file (a new kind also needs its scanner in `training.scanners.KINDS`).
NumPy-free, so the board program can read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from model.shipped import CHECKPOINTS

REGISTRY = CHECKPOINTS / 'policies.json'


class PolicyError(ValueError):
    """An unknown policy name or a malformed registry; the message says what to pass."""


@dataclass(frozen=True)
class Policy:
    name: str
    kind: str  # 'fixed': one path for every image; 'actor': the recurrent actor picks each segment's direction
    checkpoint: Path  # the folder holding its generator (and its actor or fixed path)
    about: str


def _registry() -> dict:
    path = REGISTRY
    try:
        registry = json.loads(path.read_text())
        missing = {'default', 'baseline', 'policies'} - set(registry)
    except (OSError, ValueError, TypeError) as e:
        raise PolicyError(f'{path} is unreadable ({type(e).__name__}: {e}): restore it from the repository') from None
    if missing or any(registry[k] not in registry['policies'] for k in ('default', 'baseline')):
        raise PolicyError(
            f'{path} lacks {sorted(missing) or "the default or baseline policy"}: restore it from the repository'
        )
    return registry


def names() -> list[str]:
    """Every registered policy's name, the default first."""
    registry = _registry()
    return sorted(registry['policies'], key=lambda n: (n != registry['default'], n))


def default_name() -> str:
    return _registry()['default']


def baseline_name() -> str:
    return _registry()['baseline']


def get(name: str | None = None) -> Policy:
    """A registered policy by name (None: the default); its checkpoint path is resolved next to the registry."""
    registry = _registry()
    name = registry['default'] if name is None else name
    if name not in registry['policies']:
        raise PolicyError(f'unknown policy {name!r}: pass --policy one of {", ".join(names())}')
    entry = registry['policies'][name]
    return Policy(name, entry['kind'], REGISTRY.parent / entry['checkpoint'], entry.get('about', ''))
