"""Training configuration: one typed, range-checked dataclass, presets, YAML/JSON overrides, and a command line with one
flag per field (`--gamma 0.9`, `--actor.units 128`), so every setting can come from any of the three.

Presets: `small` (a 2-core CPU in minutes, or a GPU), `paper` (the paper's settings, for a GPU), `tiny` (tests).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import typing
from dataclasses import dataclass, field
from pathlib import Path

from model.geometry import ScanGeometry
from model.specs import GeneratorSpec, RecurrentSpec


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong type or out of range; the message says which and what to use."""


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
    """M: CRDPG iterations"""
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
    """the generator's rate is multiplied by decay**(5 m / M_G) at its m-th of M_G updates"""
    generator_lr_cycle: float = 2 / 9
    """period of the sawtooth cyclic factor, as a fraction of the generator's updates"""
    generator_lr_cycle_min: float = 0.2
    """the sawtooth falls linearly from 1.0 to this value in each period"""
    ou_theta: float = 0.1
    ou_sigma: float = 0.2
    """Ornstein-Uhlenbeck rotation noise (radians); its scale decays linearly to 0 over the CRDPG iterations"""
    action_norm_weight: float = 0.01
    """keeps |mu| near 1 (the direction is mu/|mu|; a bounded |mu| keeps the fixed-point range of the FPGA core small)"""
    augmentations: int = 8
    """8: the paper's flips and quarter turns; 16: also contrast inversion (ABF-like)"""
    view_gain: float = 1.0
    """detector views: each scan's calibrated values are gain * image + offset, gain log-uniform in [1/g, g] (1: off)"""
    view_offset: float = 0.0
    """detector views: offset uniform in [-o, o]"""
    twin_critics: bool = False
    """TD3: two critics, targets from the more pessimistic (larger predicted loss) of the two target critics"""
    target_noise: float = 0.0
    """TD3 target-policy smoothing: the target actor's direction is rotated by N(0, this) radians (0: off)"""
    target_noise_clip: float = 0.5
    """TD3 target-policy smoothing: the rotation is clipped to +- this many radians"""
    actor_delay: int = 1
    """TD3: the actor (and its target) learns every this many iterations"""
    critic_warmup: int = 0
    """CRDPG iterations at the start in which only the critic and generator learn (the actor holds still)"""
    pretrain_iterations: int = 0
    """warm start: generator updates on a broad bank of valid paths before anything else"""
    clone_iterations: int = 0
    """warm start: actor updates cloning the base path (after pretraining, before CRDPG)"""
    base_path: str = 'serpentine'
    """the fixed segment path the actor clones: 'serpentine' or 'random_walk'"""
    clone_lr: float = 1e-3
    """Adam learning rate of behaviour cloning"""
    clone_noise: float = 0.3
    """Ornstein-Uhlenbeck sigma (radians) of the perturbed paths whose observations the clone learns from"""
    anchor_weight: float = 0.0
    """during CRDPG, the actor's loss also holds it near the base path: + this x mean squared distance of its outputs to
    the base path's directions (TD3+BC style; 0: off)"""
    imitate_iterations: int = 0
    """DAgger iterations (after cloning, before CRDPG): each rolls in `rollouts_per_iteration` scans with a mixture of the
    greedy teacher and the actor, labels every decision with the teacher's scores, then updates the actor on the
    aggregate of all labelled scans and the generator on their partial scans (see training/imitation.py)"""
    teacher_directions: int = 16
    """K: candidate directions the greedy teacher tries at each decision"""
    teacher_blind_segments: int = 1
    """the teacher's first decisions follow the base path (nothing seen yet; a spread-out start helps the myopic greedy)"""
    dagger_beta_end: float = 0.0
    """share of roll-in decisions the teacher takes at the end of imitation (falls linearly from 1; 1: behaviour cloning
    of the teacher's own scans, no DAgger)"""
    imitation_temperature: float = 0.05
    """targets: softmax of -(score / best score - 1) / this over the candidates (0: the teacher's choice alone)"""
    imitation_concentration: float = 8.0
    """kappa of the von Mises over the candidates that the actor's direction defines (the imitation loss)"""
    actor_updates_per_iteration: int = 4
    """imitation: actor updates on the aggregate buffer per DAgger iteration"""
    stage_training: bool = False
    """the generator learns to complete scans stopped after a random number of segments (1..T) in pretraining and
    imitation, as the teacher asks of it (fine-tuning trains on whole scans)"""
    finetune_iterations: int = 0
    """generator updates on the noise-free policy's own paths after CRDPG"""
    loop: str = 'python'
    """how the T decisions are compiled: 'python' (unrolled: slow to compile, fast to run) or 'scan' (a loop)"""
    seed: int = 0
    """seed of the networks' weights and of every random draw of training"""
    data_seed: int = 0
    """seed of the data set (procedural images, users' train/test split): fixed while training seeds vary"""
    downsample: int = 1
    """users' files: bin N x N pixels before 96 x 96 crops are cut"""
    pixel_size: str = ''
    """users' files: resample to this pixel size from their calibration, e.g. '0.05nm' ('': as they are)"""
    target_blur: float = 2.5
    """sigma (px) of the symmetric 5 x 5 Gaussian blur of the target images: the paper's 2.5 keeps at most 15 percent of
    the contrast of 2-5 px fringes (bench/results/target_blur.md); 0 for none"""
    distribute: str = 'none'
    """'none', 'data_parallel' (every local device: tf.distribute.MirroredStrategy or keras.distribution.DataParallel)
    or 'multiworker' (TensorFlow, TF_CONFIG cluster)"""
    log_every: int = 50
    """scalars to TensorBoard every this many iterations"""
    image_every: int = 1000
    """paths and completions to TensorBoard every this many iterations"""
    checkpoint_every: int = 1000
    """training state saved every this many iterations (and at the end)"""

    def __post_init__(self):
        check = _Checks()
        check.choice('actor_mode', self.actor_mode, ('adaptive', 'blind'))
        check.choice('base_path', self.base_path, ('serpentine', 'random_walk'))
        check.choice('loop', self.loop, ('python', 'scan'))
        check.choice('distribute', self.distribute, ('none', 'data_parallel', 'multiworker'))
        check.choice('augmentations', self.augmentations, (8, 16))
        # upper bounds: far beyond any sensible run, low enough that a typo fails here and not as an out-of-memory
        for name, high in (
            ('n_train', 10**7),
            ('n_test', 10**7),
            ('batch_size', 4096),
            ('rollouts_per_iteration', 4096),
            ('replay_capacity', 10**6),
            ('actor_delay', 1000),
            ('actor_updates_per_iteration', 1000),
            ('log_every', 10**9),
            ('image_every', 10**9),
            ('checkpoint_every', 10**9),
        ):
            check.within(name, getattr(self, name), 1, high)
        for name in (
            'iterations',
            'critic_warmup',
            'pretrain_iterations',
            'clone_iterations',
            'imitate_iterations',
            'finetune_iterations',
        ):
            check.within(name, getattr(self, name), 0, 10**9)
        check.within('teacher_blind_segments', self.teacher_blind_segments, 0, self.geometry.segments)
        for name in ('seed', 'data_seed'):
            check.within(name, getattr(self, name), 0, 2**32 - 1)
        for name in ('gamma', 'target_decay', 'loss_decay'):
            check.within(name, getattr(self, name), 0.0, 1.0, high_open=True)
        for name in ('actor_lr', 'critic_lr', 'generator_lr', 'clone_lr'):
            check.within(name, getattr(self, name), 0.0, 1.0, low_open=True)
        check.within('generator_lr_decay', self.generator_lr_decay, 0.0, 1.0, low_open=True)
        check.within('generator_lr_cycle', self.generator_lr_cycle, 0.0, 1.0, low_open=True)
        check.within('generator_lr_cycle_min', self.generator_lr_cycle_min, 0.0, 1.0)
        check.within('ou_theta', self.ou_theta, 0.0, 1.0)
        for name in (
            'clip_sigmas',
            'ou_sigma',
            'action_norm_weight',
            'target_noise',
            'target_noise_clip',
            'clone_noise',
            'view_offset',
            'anchor_weight',
        ):
            check.at_least(name, getattr(self, name), 0.0)
        check.at_least('view_gain', self.view_gain, 1.0)
        check.within('teacher_directions', self.teacher_directions, 2, 360)
        check.within('downsample', self.downsample, 1, 1024)
        check.within('target_blur', self.target_blur, 0.0, 10.0)
        if self.pixel_size:
            import argparse

            from model.cli import pixel_size

            try:
                pixel_size(self.pixel_size)
            except argparse.ArgumentTypeError as e:
                raise ConfigError(f'pixel_size {e}') from None
            if self.downsample > 1:
                raise ConfigError('pixel_size and downsample exclude each other: give one')
        check.within('dagger_beta_end', self.dagger_beta_end, 0.0, 1.0)
        check.at_least('imitation_temperature', self.imitation_temperature, 0.0)
        check.at_least('imitation_concentration', self.imitation_concentration, 0.0)
        for net in ('actor', 'critic'):
            check.within(f'{net}.units', getattr(self, net).units, 1, 4096)
            check.within(f'{net}.depth', getattr(self, net).depth, 1, 16)
        check.within('generator.channels', self.generator.channels, 1, 1024)
        check.within('generator.residual_blocks', self.generator.residual_blocks, 0, 64)
        if self.rollouts_per_iteration > self.replay_capacity:
            raise ConfigError(
                f'rollouts_per_iteration ({self.rollouts_per_iteration}) must not exceed replay_capacity ({self.replay_capacity})'
            )

    @property
    def total_iterations(self) -> int:
        """Every phase's iterations: pretraining, cloning, imitation, CRDPG, fine-tuning."""
        return (
            self.pretrain_iterations
            + self.clone_iterations
            + self.imitate_iterations
            + self.iterations
            + self.finetune_iterations
        )

    @property
    def generator_updates(self) -> int:
        """How often the generator learns in a run (pretraining, every imitation and CRDPG iteration, fine-tuning)."""
        return self.pretrain_iterations + self.imitate_iterations + self.iterations + self.finetune_iterations

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        """Build from plain values, checking every key and type; raises ConfigError saying what is wrong."""
        return _build(cls, d, prefix='')


class _Checks:
    @staticmethod
    def choice(name, value, allowed):
        if value not in allowed:
            raise ConfigError(f'{name} must be one of {", ".join(map(repr, allowed))}, got {value!r}')

    @staticmethod
    def at_least(name, value, low):
        if not value >= low:
            raise ConfigError(f'{name} must be at least {low}, got {value!r}')

    @staticmethod
    def within(name, value, low, high, low_open=False, high_open=False):
        ok = (value > low if low_open else value >= low) and (value < high if high_open else value <= high)
        if not ok:
            interval = f'{"(" if low_open else "["}{low}, {high}{")" if high_open else "]"}'
            raise ConfigError(f'{name} must lie in {interval}, got {value!r}')


NESTED = {'geometry': ScanGeometry, 'actor': RecurrentSpec, 'critic': RecurrentSpec, 'generator': GeneratorSpec}


def _field_types(cls) -> dict:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _convert(name: str, value, kind):
    """A plain value (from JSON, YAML or the command line) -> the field's type, or ConfigError."""
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ('true', 'false', '1', '0', 'yes', 'no'):
            return value.lower() in ('true', '1', 'yes')
        raise ConfigError(f'{name} must be true or false, got {value!r}')
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, (int, str, float)):
            raise ConfigError(f'{name} must be an integer, got {value!r}')
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(f'{name} must be an integer, got {value!r}') from None
        if not number.is_integer():
            raise ConfigError(f'{name} must be an integer, got {value!r}')
        return int(number)
    if kind is float:
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            raise ConfigError(f'{name} must be a number, got {value!r}') from None
        if not math.isfinite(number):
            raise ConfigError(f'{name} must be a finite number, got {value!r}')
        return number
    if kind is str:
        if not isinstance(value, str):
            raise ConfigError(f'{name} must be a string, got {value!r}')
        return value
    raise ConfigError(f'{name}: unsupported field type {kind}')


def _build(cls, d, prefix: str):
    if not isinstance(d, dict):
        raise ConfigError(f'{prefix.rstrip(".") or "the configuration"} must be a mapping of keys to values, got {d!r}')
    types = _field_types(cls)
    unknown = sorted(set(d) - set(types))
    if unknown:
        raise ConfigError(
            f'unknown config key(s) {", ".join(prefix + k for k in unknown)}; valid keys: {", ".join(sorted(types))}'
        )
    values = {}
    for key, value in d.items():
        kind = types[key]
        if dataclasses.is_dataclass(kind):
            values[key] = _build(kind, value, f'{prefix}{key}.') if not isinstance(value, kind) else value
        else:
            values[key] = _convert(prefix + key, value, kind)
    try:
        return cls(**values)
    except ConfigError:
        raise
    except (TypeError, ValueError) as e:
        raise ConfigError(f'{prefix.rstrip(".") or "configuration"}: {e}') from None


_SMALL = dict(
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
)

PRESETS = {
    # The paper's settings (Algorithm 1), for a GPU.
    'paper': TrainConfig(),
    # A 2-core CPU in about 10 minutes: smaller networks, fewer iterations, several rollouts per iteration so the
    # replay fills quickly; every term of the algorithm is kept.
    'small': TrainConfig(preset='small', **_SMALL),
    # The small networks with every lever of the quality work: a U-Net generator pretrained on a bank of paths, the actor
    # cloned from the serpentine, TD3's twin critics, target smoothing and delayed actor, a critic warm-up, the generator
    # fine-tuned on the final paths, contrast inversion and miscalibrated detector views. For a GPU (minutes).
    'quality': TrainConfig(
        preset='quality',
        **{**_SMALL, 'iterations': 4000, 'generator': GeneratorSpec(channels=16, residual_blocks=2, skips=True)},
        pretrain_iterations=1500,
        clone_iterations=500,
        finetune_iterations=1500,
        critic_warmup=500,
        twin_critics=True,
        target_noise=0.2,
        actor_delay=2,
        augmentations=16,
        view_gain=1.5,
        view_offset=0.3,
        loop='scan',
    ),
    # The actor taught by the greedy teacher (DAgger) instead of CRDPG: the quality preset's networks, data and detector
    # views; a generator that completes scans at every stage (the teacher scores its candidates with it), imitation, then
    # the generator fine-tuned on the actor's own scans. Sized for a 2-core CPU (about an hour; the teacher's generator
    # passes are most of it).
    'imitation': TrainConfig(
        preset='imitation',
        **{
            **_SMALL,
            'iterations': 0,
            'rollouts_per_iteration': 2,
            'generator': GeneratorSpec(channels=16, residual_blocks=2, skips=True),
        },
        pretrain_iterations=1000,
        imitate_iterations=600,
        actor_updates_per_iteration=8,
        finetune_iterations=1000,
        stage_training=True,
        augmentations=16,
        view_gain=1.5,
        view_offset=0.3,
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
# Seconds, for tests: the imitation preset's phases at the tiny size.
PRESETS['tiny_imitation'] = PRESETS['tiny'].replace(
    preset='tiny_imitation',
    iterations=0,
    imitate_iterations=2,
    finetune_iterations=2,
    stage_training=True,
    teacher_directions=4,
)


def _read_file(path: Path) -> dict:
    if not path.is_file():
        raise ConfigError(f'config file {path} not found')
    text = path.read_text()
    try:
        if path.suffix in ('.yaml', '.yml'):
            import yaml

            loaded = yaml.safe_load(text) or {}
        else:
            loaded = json.loads(text)
    except Exception as e:  # noqa: BLE001  (yaml and json raise their own error types)
        raise ConfigError(
            f'config file {path} is not valid {"YAML" if path.suffix in (".yaml", ".yml") else "JSON"}: {" ".join(str(e).split())}'
        ) from None
    if not isinstance(loaded, dict):
        raise ConfigError(f'config file {path} must hold a mapping of keys to values')
    return loaded


def merge(base: dict, update: dict) -> dict:
    """Nested dicts: `update`'s values over `base`'s."""
    out = dict(base)
    for key, value in update.items():
        out[key] = merge(out[key], value) if isinstance(out.get(key), dict) and isinstance(value, dict) else value
    return out


def load_config(preset: str = 'small', config_file: str | Path | None = None, **overrides) -> TrainConfig:
    """A preset, then the keys of a YAML/JSON file, then keyword overrides (None values are ignored; nested fields as
    dicts, e.g. geometry={'image_size': 32}). Raises ConfigError."""
    if preset not in PRESETS:
        raise ConfigError(f'unknown preset {preset!r}; choose one of {", ".join(sorted(PRESETS))}')
    d = PRESETS[preset].to_dict()
    if config_file is not None:
        d = merge(d, _read_file(Path(config_file)))
    d = merge(d, {k: v for k, v in overrides.items() if v is not None})
    return TrainConfig.from_dict(d)


# ---- the command line: one flag per field -----------------------------------------------------------------------------
def _flag_help(cls) -> dict:
    """Each field's docstring (the string literal under it in the class body)."""
    import ast
    import inspect

    body = ast.parse(inspect.getsource(cls)).body[0].body
    docs = {}
    for node, after in zip(body, body[1:]):
        if isinstance(node, ast.AnnAssign) and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            docs[node.target.id] = ' '.join(str(after.value.value).split())
    return docs


def add_config_flags(parser: argparse.ArgumentParser, skip=('preset',)) -> None:
    """One `--name` flag per TrainConfig field (nested: `--actor.units`), each defaulting to None (= keep the preset's)."""
    group = parser.add_argument_group('configuration (every field; defaults come from --preset, then --config)')
    docs = _flag_help(TrainConfig)
    for name, kind in _field_types(TrainConfig).items():
        if name in skip:
            continue
        if dataclasses.is_dataclass(kind):
            sub_docs = _flag_help(kind)
            for sub, sub_kind in _field_types(kind).items():
                group.add_argument(
                    f'--{name}.{sub}', dest=f'{name}.{sub}', metavar=sub_kind.__name__.upper(), help=sub_docs.get(sub, '')
                )
        else:
            aliases = [f'--{name.replace("_", "-")}'] if '_' in name else []  # --target-blur as well as --target_blur
            group.add_argument(f'--{name}', *aliases, dest=name, metavar=kind.__name__.upper(), help=docs.get(name, ''))


def config_overrides(args: argparse.Namespace) -> dict:
    """The flags given on the command line as nested overrides for load_config (strings, converted and checked there)."""
    out: dict = {}
    for key, value in vars(args).items():
        if value is None or key == 'preset' or key.split('.')[0] not in _field_types(TrainConfig):
            continue
        if '.' in key:
            top, sub = key.split('.', 1)
            out.setdefault(top, {})[sub] = value
        else:
            out[key] = value
    return out
