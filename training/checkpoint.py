"""Checkpoints: crash-safe, backend-neutral, verified.

A run keeps its checkpoints under one root (RUN/checkpoint/):

    ROOT/step-00001000/     one complete checkpoint, never changed after it is written:
        config.json         the TrainConfig the run used
        actor.keras ...     the live networks as Keras files (actor, critic, critic2 with twin critics, generator)
        state.npz           the whole training state as arrays: weights, targets, optimizer slots, replay, statistics
        rng.json            the host random generator's state
        extras.json         run facts (step, backend, learned fixed path of a blind actor, ...)
        manifest.json       SHA-256 of every file above: a truncated or altered file is refused, never loaded silently
    ROOT/latest             the name of the newest complete checkpoint

A save writes a new folder beside the old ones, makes it durable (fsync), renames it into place, then switches `latest`
to it and keeps the last `KEEP`; a crash at any instant leaves `latest` naming a complete checkpoint. Every loader takes
either a checkpoint folder or a root. The .keras files and state.npz load under any Keras backend.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np

from model.durable import fsync
from training.config import ConfigError, TrainConfig

MANIFEST = 'manifest.json'
LATEST = 'latest'
KEEP = 3
STATE_FILES = ('state.npz', 'rng.json')
RESUMABLE = ('config.json', *STATE_FILES)
"""What a checkpoint must hold to be resumed; an exported one (networks only) lacks the training state."""


class CheckpointError(RuntimeError):
    """A checkpoint folder is missing, incomplete or corrupt."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def write_manifest(directory: Path) -> None:
    """Hash every file of a folder into its manifest (written last, atomically, durably)."""
    directory = Path(directory)
    files = sorted(p for p in directory.rglob('*') if p.is_file() and p.name != MANIFEST and not p.name.endswith('.tmp'))
    for p in files:
        fsync(p)
    manifest = {str(p.relative_to(directory)): _sha256(p) for p in files}
    tmp = directory / (MANIFEST + '.tmp')
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    fsync(tmp)
    os.replace(tmp, directory / MANIFEST)
    fsync(directory)


def resolve(path: str | Path) -> Path:
    """The newest complete checkpoint under a root (via `latest`), or a checkpoint folder itself (an exported one)."""
    path = Path(path)
    latest = path / LATEST
    if latest.is_file():
        return path / latest.read_text().strip()
    if (path / MANIFEST).is_file():
        return path
    if not path.is_dir():
        raise CheckpointError(
            f'checkpoint folder {path} does not exist: give a trained run or checkpoint folder (make train makes one)'
        )
    raise CheckpointError(f'{path / MANIFEST} is missing: {path} is not a complete checkpoint (was training interrupted?)')


def _held_files(directory: Path) -> list[str]:
    """The files of a folder that make a checkpoint (networks, training state, config, random state, extras)."""
    return sorted(
        p.name
        for p in directory.iterdir()
        if p.is_file() and (p.name in STATE_FILES + ('config.json', 'extras.json') or p.suffix == '.keras')
    )


def verify(path: str | Path, required: tuple[str, ...] = ()) -> Path:
    """Check every file against the manifest; returns the checkpoint folder or raises CheckpointError saying what to do.

    The manifest must list at least one file and every checkpoint file the folder holds (a manifest `{}` beside a
    damaged state.npz is refused, not trusted), and the `required` files (what the caller will load)."""
    directory = resolve(path)
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise CheckpointError(f'{manifest_path} is missing: {directory} is not a complete checkpoint')
    try:
        manifest = json.loads(manifest_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CheckpointError(f'{manifest_path} is corrupt ({e}); restore the folder or train again') from None
    if not isinstance(manifest, dict) or not all(isinstance(v, str) for v in manifest.values()):
        raise CheckpointError(f'{manifest_path} is not a manifest (file name -> SHA-256); restore the folder or train again')
    unlisted = [name for name in (*_held_files(directory), *required) if name not in manifest]
    if not manifest or unlisted:
        what = f'does not list {", ".join(sorted(set(unlisted)))}' if unlisted else 'lists no file'
        raise CheckpointError(f'{manifest_path} {what}: {directory} is not a complete checkpoint; restore it or train again')
    for name, digest in manifest.items():
        file = directory / name
        if not file.is_file():
            raise CheckpointError(f'checkpoint file {file} is missing; restore the folder or train again')
        if _sha256(file) != digest:
            raise CheckpointError(
                f'checkpoint file {file} is corrupt (SHA-256 differs from {MANIFEST}); restore it or train again'
            )
    return directory


def holds_checkpoint(root: str | Path) -> bool:
    """Whether a training root holds any checkpoint (`latest`, a checkpoint folder itself, or a step-* folder: a run
    killed between its first checkpoint's rename and its first `latest` has only that)."""
    root = Path(root)
    return (root / LATEST).is_file() or (root / MANIFEST).is_file() or any(p.is_dir() for p in root.glob('step-*'))


def newest_intact(root: str | Path, required: tuple[str, ...] = ()) -> tuple[Path, list[str]]:
    """The newest checkpoint under a training root that verifies (holding the `required` files), and why each newer
    one was passed over: a damaged newest checkpoint, or a missing `latest`, falls back to the step-* folders kept
    beside it. Raises the newest one's CheckpointError if none verifies (or `root` is a single checkpoint folder)."""
    root = Path(root)
    try:
        return verify(root, required), []
    except CheckpointError as newest:
        older = sorted((p for p in root.glob('step-*') if p.is_dir()), reverse=True)
        pointer = (root / LATEST).is_file() or (root / MANIFEST).is_file()
        skipped = [f'skipped a damaged checkpoint ({newest})' if pointer else f'{root / LATEST} is missing']
        for folder in older:
            try:
                return verify(folder, required), skipped
            except CheckpointError as e:
                if str(e) != str(newest):
                    skipped.append(f'skipped a damaged checkpoint ({e})')
        raise newest from None


def load_config(path: str | Path) -> TrainConfig:
    directory = verify(path, ('config.json',))
    try:
        return TrainConfig.from_dict(json.loads((directory / 'config.json').read_text()))
    except ConfigError as e:
        raise CheckpointError(f'{directory / "config.json"}: {e}') from e


def load_extras(path: str | Path) -> dict:
    directory = verify(path)
    file = directory / 'extras.json'
    return json.loads(file.read_text()) if file.is_file() else {}


def load_model(path: str | Path, name: str):
    import keras

    directory = verify(path, (f'{name}.keras',))
    file = directory / f'{name}.keras'
    if not file.is_file():
        raise CheckpointError(f'{file} is missing from the checkpoint')
    return keras.models.load_model(file, compile=False)


def load_actor(path: str | Path):
    """The trained actor: a per-step cell (x, h_1, c_1, ...) -> (action, h_1', c_1', ...)."""
    return load_model(path, 'actor')


def load_fixed_positions(path: str | Path) -> np.ndarray:
    """The probe positions (T * P, 2) a fixed-path run (training.fixed_path) was trained on, kept in its extras."""
    extras = load_extras(path)
    if 'fixed_positions' not in extras:
        raise CheckpointError(f'{path} is not a fixed-path checkpoint (training.fixed_path): it holds no fixed_positions')
    return np.asarray(extras['fixed_positions'], np.float32)


def load_generator(path: str | Path):
    """The trained generator: partial scans (N, H, W, 2) -> completions (N, H, W, 1)."""
    return load_model(path, 'generator')


# ---- the training state as flat arrays -------------------------------------------------------------------------------
def flatten(tree, prefix: str = '') -> dict:
    """A nested dict/list of arrays -> {'a/0/b': array}."""
    if isinstance(tree, dict):
        return {k: v for key in tree for k, v in flatten(tree[key], f'{prefix}{key}/').items()}
    if isinstance(tree, (list, tuple)):
        return {k: v for i, item in enumerate(tree) for k, v in flatten(item, f'{prefix}{i}/').items()}
    return {prefix.rstrip('/'): np.asarray(tree)}


def unflatten_like(template, arrays: dict, prefix: str = ''):
    """Fill a nested structure shaped like `template` from flat arrays, checking every key, shape and dtype."""
    if isinstance(template, dict):
        return {key: unflatten_like(template[key], arrays, f'{prefix}{key}/') for key in template}
    if isinstance(template, (list, tuple)):
        return [unflatten_like(item, arrays, f'{prefix}{i}/') for i, item in enumerate(template)]
    key = prefix.rstrip('/')
    if key not in arrays:
        raise CheckpointError(f'training state lacks {key}: the checkpoint belongs to another kind of run')
    value, want = arrays[key], np.asarray(template)
    if value.shape != want.shape or value.dtype.kind != want.dtype.kind:
        raise CheckpointError(
            f'training state {key} is {value.dtype}{list(value.shape)}, expected {want.dtype}{list(want.shape)}'
        )
    return value.astype(want.dtype)  # counters are int32 on JAX, int64 on TensorFlow


def save(trainer, state: dict, rng: np.random.Generator, root: str | Path, extras: dict | None = None) -> Path:
    """Write a complete checkpoint of `state` under `root` and switch `latest` to it; returns its folder."""
    import keras

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob('.tmp-*'):
        shutil.rmtree(stale, ignore_errors=True)
    arrays = flatten(state)
    step = int(arrays['step'])
    name = f'step-{step:08d}'
    tmp = root / f'.tmp-{name}'
    tmp.mkdir()
    trainer.load_weights(state)
    for model_name, model in trainer.models().items():
        model.save(tmp / f'{model_name}.keras')
    np.savez(tmp / 'state.npz', **arrays)
    (tmp / 'rng.json').write_text(json.dumps(rng.bit_generator.state))
    (tmp / 'config.json').write_text(trainer.cfg.to_json())
    (tmp / 'extras.json').write_text(
        json.dumps({'step': step, 'backend': keras.backend.backend(), **(extras or {})}, indent=2)
    )
    write_manifest(tmp)
    final = root / name
    if final.exists():  # the same step saved again (a resumed run that stopped where it started)
        shutil.rmtree(final)
    os.replace(tmp, final)
    fsync(root)
    pointer = root / (LATEST + '.tmp')
    pointer.write_text(name)
    fsync(pointer)
    os.replace(pointer, root / LATEST)
    fsync(root)
    for old in sorted(p for p in root.glob('step-*') if p.is_dir())[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def restore(trainer, root: str | Path) -> tuple[dict, np.random.Generator]:
    """The training state and host random generator of the newest checkpoint, for a trainer built with the same config."""
    directory, _ = newest_intact(root, RESUMABLE)
    saved = load_config(directory).to_dict()  # fields added since the save take their defaults
    if saved != trainer.cfg.to_dict():
        diff = sorted(k for k in saved if saved[k] != trainer.cfg.to_dict().get(k))
        raise CheckpointError(
            f'checkpoint {directory} was trained with a different config (keys {diff}); resume with the same config'
        )
    try:
        with np.load(directory / 'state.npz', allow_pickle=False) as f:
            arrays = dict(f)
        rng = np.random.default_rng()
        rng.bit_generator.state = json.loads((directory / 'rng.json').read_text())
    except (OSError, ValueError, TypeError, KeyError, zipfile.BadZipFile) as e:  # listed and hashed, yet unreadable
        raise CheckpointError(f'{directory} holds an unreadable training state ({type(e).__name__}: {e})') from None
    state = unflatten_like(trainer.backend.to_numpy(trainer.initial_state()), arrays)
    return state, rng


def export(path: str | Path, destination: str | Path, with_state: bool = False) -> Path:
    """Copy a verified checkpoint's networks, config and extras (and with `with_state` its training state) into a new
    checkpoint folder with its own manifest: what to ship or commit (checkpoints/quality is one)."""
    source = verify(path)
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    skip = {MANIFEST} | (set() if with_state else {'state.npz', 'rng.json'})
    for file in source.iterdir():
        if file.is_file() and file.name not in skip:
            shutil.copy2(file, destination / file.name)
    write_manifest(destination)
    return destination


def main(argv=None) -> int:
    """`python -m training.checkpoint export RUN/checkpoint DEST [--with-state]`; `... verify PATH`."""
    import sys

    from model.cli import Parser

    p = Parser(prog='python -m training.checkpoint', description='Verify or export a checkpoint.')
    sub = p.add_subparsers(dest='command', required=True)
    v = sub.add_parser('verify', help='check every file of a checkpoint against its manifest')
    v.add_argument('path')
    e = sub.add_parser('export', help="copy a checkpoint's networks (and optionally its training state) to a new folder")
    e.add_argument('path')
    e.add_argument('destination')
    e.add_argument('--with-state', action='store_true', help='also the training state, so the copy can be resumed')
    args = p.parse_args(argv)
    try:
        if args.command == 'verify':
            print(f'{verify(args.path)}: complete, every file matches its manifest')
        else:
            print(f'exported to {export(args.path, args.destination, args.with_state)}')
    except CheckpointError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    except OSError as err:
        print(f'error: cannot write {args.destination} ({err.strerror or err}): pass a writable folder', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
