"""Training configuration: one dataclass, two presets (`small` for a 2-core CPU, `paper` for a GPU), YAML/JSON overrides."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from model.geometry import ScanGeometry
from model.networks import GeneratorSpec, RecurrentSpec


@dataclass(frozen=True)
class TrainConfig:
    preset: str = 'paper'
    """name of the preset these values started from"""
    geometry: ScanGeometry = field(default_factory=ScanGeometry)
    """scan geometry (image size, T, probes per segment, spacing, edge penalty)"""
    dataset: str = 'procedural'
    """'procedural' (the embedded default), a path to 96x96_stem_crops.npy, or microscopy files (see docs/data.md)"""
    n_train: int = 4000
    """procedural dataset: training images"""
    n_test: int = 1000
    """procedural dataset: held-out test images"""
    actor_mode: str = 'adaptive'
    """'adaptive' (the actor sees probe values) or 'blind' (probe values withheld: learns the best fixed path)"""
    iterations: int = 1_000_000
    """M: training iterations"""
    batch_size: int = 32
    """N: histories replayed per iteration"""
    rollouts_per_iteration: int = 1
    """new scans acted out and stored per iteration (the paper: 1)"""
    replay_capacity: int = 100_000
    """complete histories kept in the replay buffer"""
    actor: RecurrentSpec = field(default_factory=RecurrentSpec)
    critic: RecurrentSpec = field(default_factory=RecurrentSpec)
    generator: GeneratorSpec = field(default_factory=GeneratorSpec)
    gamma: float = 0.97
    """discount of future step losses"""
    target_decay: float = 0.9997
    """beta: target networks are this EMA of the live ones"""
    loss_decay: float = 0.997
    """beta_L: running mean (and mean square) of generator losses for normalising and clipping"""
    clip_sigmas: float = 3.0
    """generator losses used for RL are clipped this many running standard deviations above the running mean"""
    actor_lr: float = 5e-4
    critic_lr: float = 1e-3
    generator_lr: float = 3e-3
    generator_lr_decay: float = 0.75
    """the generator's rate is multiplied by decay**(5 m / M)"""
    generator_lr_cycle: float = 2 / 9
    """period of the sawtooth cyclic factor, as a fraction of M"""
    generator_lr_cycle_min: float = 0.2
    """the sawtooth falls linearly from 1.0 to this value in each period"""
    ou_theta: float = 0.1
    ou_sigma: float = 0.2
    """Ornstein-Uhlenbeck rotation noise (radians); its scale decays linearly to 0 over training"""
    action_norm_weight: float = 0.01
    """keeps |mu| near 1 (the direction is mu/|mu|; a bounded |mu| keeps the fixed-point range of the FPGA core small)"""
    seed: int = 0
    distribute: str = 'none'
    """'none', 'mirrored' (all local GPUs/devices) or 'multiworker' (TF_CONFIG cluster)"""
    log_every: int = 50
    """scalars to TensorBoard every this many iterations"""
    image_every: int = 1000
    """paths and completions to TensorBoard every this many iterations"""
    checkpoint_every: int = 1000
    """training state saved every this many iterations (and at the end)"""

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        nested = {'geometry': ScanGeometry, 'actor': RecurrentSpec, 'critic': RecurrentSpec, 'generator': GeneratorSpec}
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f'unknown config keys {sorted(unknown)}; valid keys: {sorted(known)}')
        values = {k: (nested[k](**v) if k in nested and isinstance(v, dict) else v) for k, v in d.items()}
        return cls(**values)


PRESETS = {
    # The paper's settings (Algorithm 1), for a GPU.
    'paper': TrainConfig(),
    # A 2-core CPU in about 10 minutes: smaller networks, fewer iterations, several rollouts per iteration so the
    # replay fills quickly; every term of the algorithm is kept.
    'small': TrainConfig(
        preset='small',
        iterations=2000,
        batch_size=32,
        rollouts_per_iteration=4,
        replay_capacity=10_000,
        actor=RecurrentSpec(units=64, depth=2),
        critic=RecurrentSpec(units=64, depth=2),
        generator=GeneratorSpec(channels=8, residual_blocks=2),
        target_decay=0.99,
        loss_decay=0.99,
        log_every=20,
        image_every=500,
        checkpoint_every=500,
    ),
    # Seconds, for tests.
    'tiny': TrainConfig(
        preset='tiny',
        n_train=64,
        n_test=16,
        iterations=6,
        batch_size=4,
        rollouts_per_iteration=2,
        replay_capacity=32,
        actor=RecurrentSpec(units=8, depth=2),
        critic=RecurrentSpec(units=8, depth=2),
        generator=GeneratorSpec(channels=4, residual_blocks=1),
        target_decay=0.9,
        loss_decay=0.9,
        log_every=2,
        image_every=3,
        checkpoint_every=3,
    ),
}


def load_config(preset: str = 'small', config_file: str | Path | None = None, **overrides) -> TrainConfig:
    """A preset, then the keys of a YAML/JSON file, then keyword overrides (None values are ignored)."""
    if preset not in PRESETS:
        raise ValueError(f'unknown preset {preset!r}; choose one of {sorted(PRESETS)}')
    d = PRESETS[preset].to_dict()
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            raise FileNotFoundError(f'config file {path} not found')
        text = path.read_text()
        if path.suffix in ('.yaml', '.yml'):
            import yaml

            loaded = yaml.safe_load(text) or {}
        else:
            loaded = json.loads(text)
        for key, value in loaded.items():
            d[key] = {**d[key], **value} if isinstance(d.get(key), dict) and isinstance(value, dict) else value
    d.update({k: v for k, v in overrides.items() if v is not None})
    return TrainConfig.from_dict(d)
