"""Checkpoints: a folder holding the exported models, the training state and a manifest of SHA-256 hashes.

    DIR/config.json         the TrainConfig the run used
    DIR/actor.keras         live actor (per-step cell), critic.keras, generator.keras
    DIR/train_state/        tf.train.Checkpoint: every network, optimizer, target, the replay buffer, RNG, counters
    DIR/extras.json         run facts (iteration, learned fixed path for blind actors, ...)
    DIR/manifest.json       sha256 of every file above: a truncated or altered file is refused, never loaded silently
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from training.config import TrainConfig

MANIFEST = 'manifest.json'


class CheckpointError(RuntimeError):
    """A checkpoint folder is missing, incomplete or corrupt."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def write_manifest(directory: Path) -> None:
    directory = Path(directory)
    files = sorted(p for p in directory.rglob('*') if p.is_file() and p.name != MANIFEST and not p.name.endswith('.tmp'))
    manifest = {str(p.relative_to(directory)): _sha256(p) for p in files}
    tmp = directory / (MANIFEST + '.tmp')
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.replace(tmp, directory / MANIFEST)


def verify(directory: str | Path) -> dict:
    """Check every file against the manifest; raise CheckpointError saying what is wrong and what to do."""
    directory = Path(directory)
    if not directory.is_dir():
        raise CheckpointError(f'checkpoint folder {directory} does not exist: train first (make train) or pass --checkpoint')
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise CheckpointError(f'{manifest_path} is missing: {directory} is not a complete checkpoint (was training interrupted?)')
    try:
        manifest = json.loads(manifest_path.read_text())
    except json.JSONDecodeError as e:
        raise CheckpointError(f'{manifest_path} is corrupt ({e}); restore the folder or train again') from e
    for name, digest in manifest.items():
        path = directory / name
        if not path.is_file():
            raise CheckpointError(f'checkpoint file {path} is missing; restore the folder or train again')
        if _sha256(path) != digest:
            raise CheckpointError(f'checkpoint file {path} is corrupt (SHA-256 differs from {MANIFEST}); restore it or train again')
    return manifest


def load_config(directory: str | Path) -> TrainConfig:
    verify(directory)
    return TrainConfig.from_dict(json.loads((Path(directory) / 'config.json').read_text()))


def load_extras(directory: str | Path) -> dict:
    verify(directory)
    path = Path(directory) / 'extras.json'
    return json.loads(path.read_text()) if path.is_file() else {}


def load_model(directory: str | Path, name: str):
    import keras

    verify(directory)
    path = Path(directory) / f'{name}.keras'
    if not path.is_file():
        raise CheckpointError(f'{path} is missing from the checkpoint')
    return keras.models.load_model(path, compile=False)


def load_actor(directory: str | Path):
    """The trained actor: a per-step cell (x, h_1, c_1, ...) -> (action, h_1', c_1', ...)."""
    return load_model(directory, 'actor')


def load_critic(directory: str | Path):
    return load_model(directory, 'critic')


def load_generator(directory: str | Path):
    """The trained generator: partial scans (N, H, W, 2) -> completions (N, H, W, 1)."""
    return load_model(directory, 'generator')


def save(agent, directory: str | Path, extras: dict | None = None) -> None:
    """Write the training state, the exported models and the manifest (the manifest last, so a crash leaves no valid one)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MANIFEST).unlink(missing_ok=True)
    for old in (directory / 'train_state').glob('*') if (directory / 'train_state').is_dir() else []:
        old.unlink()
    agent.checkpoint().write(str(directory / 'train_state' / 'state'))
    agent.actor.save(directory / 'actor.keras')
    agent.critic.save(directory / 'critic.keras')
    agent.generator.save(directory / 'generator.keras')
    (directory / 'config.json').write_text(agent.cfg.to_json())
    (directory / 'extras.json').write_text(json.dumps({'iteration': int(agent.iteration_count.numpy()), **(extras or {})}, indent=2))
    write_manifest(directory)


def restore(agent, directory: str | Path) -> int:
    """Load the full training state into `agent` (built with the same config); returns the iteration reached."""
    verify(directory)
    saved = json.loads((Path(directory) / 'config.json').read_text())
    if saved != json.loads(agent.cfg.to_json()):
        diff = sorted(k for k in saved if saved[k] != agent.cfg.to_dict().get(k))
        raise CheckpointError(f'checkpoint {directory} was trained with a different config (keys {diff}); resume with the same config')
    status = agent.checkpoint().read(str(Path(directory) / 'train_state' / 'state'))
    status.assert_existing_objects_matched()
    return int(agent.iteration_count.numpy())
