"""CRDPG training: the loss terms, the schedules, the phases, exact resume, crash-safe checkpoints, the two backends
agreeing, several devices, several seeds, the command line."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip('keras')
import keras  # noqa: E402
from keras import ops  # noqa: E402

from tests.backend_runner import run_in_backend  # noqa: E402
from training import checkpoint  # noqa: E402
from training.config import ConfigError, load_config  # noqa: E402
from training.crdpg import CRDPG, GeneratorSchedule, step_losses  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# In-process tests use a small scan (32 px, 5 segments of 5 probes): the same code, a fraction of the compile time.
SMALL_SCAN = {'image_size': 32, 'segments': 5, 'probes_per_segment': 5}


def tiny(**overrides):
    return load_config('tiny', geometry=SMALL_SCAN, **overrides)


def images(n=24, seed=0, size=32):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size)).astype(np.float32)


def run_steps(trainer, steps, state=None, rng=None, data=None):
    """Train `steps` global steps; returns (state, rng, metrics of the last step)."""
    data = images() if data is None else data
    state = trainer.initial_state() if state is None else keras.tree.map_structure(ops.convert_to_tensor, state)
    rng = np.random.default_rng(trainer.cfg.seed) if rng is None else rng
    start = int(ops.convert_to_numpy(state['step']))
    for step in range(start, start + steps):
        phase, _ = trainer.phase(step)
        state, metrics = trainer.step_function(phase)(
            state, trainer.draws(rng, step, len(data)), ops.convert_to_tensor(data)
        )
    return state, rng, metrics


def flat(state):
    return checkpoint.flatten(keras.tree.map_structure(ops.convert_to_numpy, state))


def test_step_losses_penalty_every_step_generator_term_only_at_the_end_and_clipped():
    penalties = np.array([[0.0, 0.1, 0.0], [0.1, 0.1, 0.1]], np.float32)
    loss_g = np.array([0.5, 10.0], np.float32)
    mean, mean_square = np.float32(0.5), np.float32(0.5**2 + 0.1**2)  # running std 0.1 -> clip at 0.8
    got = ops.convert_to_numpy(step_losses(penalties, loss_g, mean, mean_square, 3.0))
    np.testing.assert_allclose(got[0], [0.0, 0.1, 0.5 / 0.5], rtol=1e-6)
    np.testing.assert_allclose(got[1], [0.1, 0.1, 0.1 + 0.8 / 0.5], rtol=1e-6)


def test_generator_schedule_decays_and_saws():
    s = GeneratorSchedule(3e-3, iterations=900, decay=0.75, cycle=2 / 9, cycle_min=0.2)
    assert float(s(0)) == pytest.approx(3e-3)
    period = 200
    assert float(s(period - 1)) == pytest.approx(3e-3 * 0.75 ** (5 * 199 / 900) * (1 - 0.8 * 199 / 200), rel=1e-5)
    assert float(s(period)) == pytest.approx(3e-3 * 0.75 ** (5 * 200 / 900), rel=1e-5)  # back to the top of the saw
    assert float(s(period)) > 4 * float(s(period - 1))


def test_exploration_noise_decays_linearly_to_zero_and_phases_follow_the_config():
    trainer = CRDPG(load_config('tiny', iterations=10, pretrain_iterations=2, finetune_iterations=3))
    assert trainer.noise_sigma(0) == pytest.approx(trainer.cfg.ou_sigma)
    assert trainer.noise_sigma(5) == pytest.approx(trainer.cfg.ou_sigma / 2)
    assert trainer.noise_sigma(10) == 0.0
    assert [trainer.phase(s) for s in (0, 1, 2, 11, 12, 14)] == [
        ('pretrain', 0), ('pretrain', 1), ('crdpg', 0), ('crdpg', 9), ('finetune', 0), ('finetune', 2)
    ]  # fmt: skip
    assert trainer.total_steps == 15 and trainer.cfg.generator_updates == 15


def test_iteration_fills_replay_learns_and_moves_targets_towards_live_networks():
    cfg = tiny()
    trainer = CRDPG(cfg)
    state = trainer.initial_state()
    before = flat(state)
    state, _, metrics = run_steps(trainer, 1, state)
    after = flat(state)
    assert all(np.isfinite(float(v)) for v in metrics.values())
    n = cfg.rollouts_per_iteration
    assert np.abs(after['replay/directions'][:n]).sum() > 0 and not after['replay/directions'][n:].any()
    np.testing.assert_allclose(np.linalg.norm(after['replay/directions'][:n], axis=-1), 1.0, rtol=1e-5)  # unit vectors
    for key in before:
        if key.startswith('actor_target/'):  # target <- beta target + (1 - beta) live, live after this update
            live = after[key.replace('actor_target', 'actor')]
            np.testing.assert_allclose(
                after[key], cfg.target_decay * before[key] + (1 - cfg.target_decay) * live, rtol=1e-5, atol=1e-7
            )
    for network in ('actor', 'critics/0', 'generator'):
        assert any(not np.array_equal(before[k], after[k]) for k in before if k.startswith(network + '/')), (
            f'{network} did not learn'
        )
    assert float(after['loss_mean']) > 0


def test_delayed_actor_and_critic_warmup_hold_the_actor_still():
    trainer = CRDPG(tiny(critic_warmup=2, actor_delay=2, twin_critics=True, target_noise=0.2))
    state = trainer.initial_state()
    actor0 = flat(state)
    state, rng, _ = run_steps(trainer, 2, state)  # iterations 0, 1: warm-up
    held = flat(state)
    assert all(np.array_equal(actor0[k], held[k]) for k in actor0 if k.startswith('actor/'))
    assert any(not np.array_equal(actor0[k], held[k]) for k in actor0 if k.startswith('critics/1/'))  # the twin learns
    state, rng, _ = run_steps(trainer, 1, state, rng)  # iteration 2: the actor learns
    moved = flat(state)
    assert any(not np.array_equal(held[k], moved[k]) for k in held if k.startswith('actor/'))
    state, rng, _ = run_steps(trainer, 1, state, rng)  # iteration 3: delayed
    assert all(np.array_equal(moved[k], v) for k, v in flat(state).items() if k.startswith('actor/'))


def test_twin_critic_targets_take_the_more_pessimistic_critic():
    trainer = CRDPG(tiny(twin_critics=True))
    state = trainer.initial_state()
    n, T = 3, trainer.geometry.segments
    x_next = ops.convert_to_tensor(np.random.default_rng(0).uniform(-1, 1, (n, T, 7)).astype(np.float32))
    zeros = lambda cell: [ops.zeros((n, T, s.shape[-1])) for s in cell.inputs[1:]]  # noqa: E731
    consts = {
        'actor_target': state['actor'],
        'critic_targets': state['critics'],
        'target_normals': np.zeros((n, T - 1), np.float32),
    }
    both = trainer._bootstrap(consts, x_next, zeros(trainer.actor), [zeros(c) for c in trainer.critics])
    singles = [
        trainer._bootstrap({**consts, 'critic_targets': [w]}, x_next, zeros(trainer.actor), [zeros(trainer.critics[0])])
        for w in state['critics']
    ]
    np.testing.assert_allclose(ops.convert_to_numpy(both), np.maximum(*map(ops.convert_to_numpy, singles)), rtol=1e-6)
    assert not np.allclose(*map(ops.convert_to_numpy, singles))  # two different critics
    assert not ops.convert_to_numpy(both)[:, -1].any()  # terminal


def test_warm_start_phases_pretrain_clone_and_finetune():
    """Cloning makes the actor scan the base path before CRDPG; pretraining and fine-tuning train the generator only."""
    from model import fixed_paths
    from model.geometry import DEFAULT_GEOMETRY
    from training.evaluate import actor_scans

    cfg = load_config(
        'tiny', pretrain_iterations=2, clone_iterations=150, iterations=1, finetune_iterations=2, loop='scan', clone_lr=1e-2
    )
    trainer = CRDPG(cfg)
    data = images(8, size=96)
    state, rng, metrics = run_steps(trainer, 2, data=data)
    assert set(metrics) == {'losses/generator_mse', 'charts/generator_lr'}
    after_pretrain = flat(state)
    state, rng, metrics = run_steps(trainer, 150, state, rng, data)
    cloned = flat(state)
    assert all(np.array_equal(after_pretrain[k], cloned[k]) for k in cloned if k.startswith('generator'))
    trainer.load_weights(state)
    directions = actor_scans(trainer.actor, data[:3], DEFAULT_GEOMETRY)['directions']
    base = fixed_paths.serpentine(DEFAULT_GEOMETRY)
    untrained = CRDPG(cfg)
    untrained.load_weights(untrained.initial_state())
    before = actor_scans(untrained.actor, data[:3], DEFAULT_GEOMETRY)['directions']
    assert np.mean(np.sum(directions * base, -1)) > 0.9 > 0.5 > np.mean(np.sum(before * base, -1))  # cosine to the base path
    state, rng, _ = run_steps(trainer, 3, state, rng, data)  # the CRDPG iteration, then fine-tuning
    done = flat(state)
    assert any(not np.array_equal(done[k], cloned[k]) for k in done if k.startswith('generator/'))


def test_resume_continues_exactly(tmp_path):
    cfg = tiny(iterations=4)
    trainer = CRDPG(cfg)
    straight, _, _ = run_steps(trainer, 4)
    first, rng, _ = run_steps(trainer, 2)
    checkpoint.save(trainer, trainer.backend.to_numpy(first), rng, tmp_path / 'ckpt')
    state, rng = checkpoint.restore(CRDPG(cfg), tmp_path / 'ckpt')
    assert int(state['step']) == 2
    resumed, _, _ = run_steps(trainer, 2, state, rng)
    a, b = flat(straight), flat(resumed)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_init_from_takes_a_trained_checkpoints_networks_and_refuses_other_sizes(tmp_path):
    from training.train import init_from

    trainer = CRDPG(tiny(iterations=4))
    trained, rng, _ = run_steps(trainer, 2)
    checkpoint.save(trainer, trainer.backend.to_numpy(trained), rng, tmp_path / 'a')
    trained = trainer.backend.to_numpy(trained)
    fresh = trainer.backend.to_numpy(CRDPG(tiny(iterations=4, seed=7)).initial_state())
    state, taken = init_from(fresh, checkpoint.resolve(tmp_path / 'a'))
    assert taken == ['generator', 'actor', 'critic']  # the tiny preset has one critic
    for key in ('generator', 'actor'):
        for got, want in zip(state[key], trained[key]):
            np.testing.assert_array_equal(got, want, err_msg=key)
    for got, want in zip(state['actor_target'], trained['actor']):  # targets start at the trained networks
        np.testing.assert_array_equal(got, want)
    assert state['generator_opt'] is fresh['generator_opt'] and state['replay'] is fresh['replay']  # fresh optimiser, replay
    assert not np.array_equal(fresh['generator'][0], trained['generator'][0])  # the copy is not trivially equal
    bad = cli('-m', 'training.train', '--preset', 'tiny', '--init-from', 'checkpoints/quality', '--out', str(tmp_path / 'b'))
    assert bad.returncode == 2 and 'other layer sizes' in bad.stderr and len(bad.stderr.strip().splitlines()) == 1, (
        bad.stderr
    )


def test_checkpoints_are_verified_kept_three_deep_and_refuse_another_config(tmp_path):
    cfg = tiny()
    trainer = CRDPG(cfg)
    state, rng = trainer.backend.to_numpy(trainer.initial_state()), np.random.default_rng(0)
    root = tmp_path / 'ckpt'
    for step in range(5):
        checkpoint.save(trainer, {**state, 'step': np.int32(step)}, rng, root)
    assert sorted(p.name for p in root.glob('step-*')) == ['step-00000002', 'step-00000003', 'step-00000004']
    assert checkpoint.resolve(root).name == 'step-00000004'
    assert checkpoint.load_generator(root).count_params() == trainer.generator.count_params()
    with pytest.raises(checkpoint.CheckpointError, match='different config'):
        checkpoint.restore(CRDPG(tiny(gamma=0.5)), root)
    newest = checkpoint.resolve(root)
    data = bytearray((newest / 'generator.keras').read_bytes())
    data[len(data) // 2] ^= 0xFF
    (newest / 'generator.keras').write_bytes(bytes(data))
    with pytest.raises(checkpoint.CheckpointError, match='corrupt'):
        checkpoint.load_generator(root)
    (newest / 'manifest.json').unlink()
    with pytest.raises(checkpoint.CheckpointError, match='missing'):
        checkpoint.load_actor(newest)
    with pytest.raises(checkpoint.CheckpointError, match='does not exist'):
        checkpoint.load_actor(tmp_path / 'nowhere')
    exported = checkpoint.export(root / 'step-00000003', tmp_path / 'shipped')
    assert (
        not (exported / 'state.npz').exists()
        and checkpoint.load_actor(exported).count_params() == trainer.actor.count_params()
    )


def test_a_save_that_dies_half_way_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    trainer = CRDPG(tiny())
    state, rng = trainer.backend.to_numpy(trainer.initial_state()), np.random.default_rng(0)
    root = tmp_path / 'ckpt'
    checkpoint.save(trainer, {**state, 'step': np.int32(1)}, rng, root)

    def dies(*args, **kwargs):
        raise OSError('disk full')

    monkeypatch.setattr(np, 'savez', dies)
    with pytest.raises(OSError):
        checkpoint.save(trainer, {**state, 'step': np.int32(2)}, rng, root)
    restored, _ = checkpoint.restore(trainer, root)
    assert int(restored['step']) == 1


def test_a_manifest_must_list_the_files_a_checkpoint_holds_and_a_bad_state_falls_back(tmp_path):
    """A manifest `{}` beside a damaged state.npz verified (and np.load then raised BadZipFile): now the manifest must
    list every checkpoint file of its folder, and restore falls back to the older checkpoint."""
    trainer = CRDPG(tiny())
    state, rng = trainer.backend.to_numpy(trainer.initial_state()), np.random.default_rng(0)
    root = tmp_path / 'ckpt'
    for step in (3, 4):
        checkpoint.save(trainer, {**state, 'step': np.int32(step)}, rng, root)
    newest = checkpoint.resolve(root)
    (newest / 'manifest.json').write_text('{}')
    (newest / 'state.npz').write_bytes(b'PK\x03\x04 not a zip')
    with pytest.raises(checkpoint.CheckpointError, match='does not list .*state.npz'):
        checkpoint.verify(newest)
    restored, _ = checkpoint.restore(trainer, root)
    assert int(restored['step']) == 3
    (root / 'step-00000003' / 'manifest.json').write_text('{}')
    for folder in root.glob('step-*'):
        for name in folder.iterdir():
            if name.name != 'manifest.json':
                name.unlink()
    with pytest.raises(checkpoint.CheckpointError, match='lists no file'):
        checkpoint.verify(root / 'step-00000003')
    r = cli('-m', 'training.checkpoint', 'verify', str(newest))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and 'Traceback' not in r.stderr, r.stderr


def test_blind_actor_learns_one_path_for_every_image():
    from training.crdpg import learned_path
    from training.evaluate import actor_scans

    trainer = CRDPG(tiny(actor_mode='blind'))
    state, _, _ = run_steps(trainer, 1)
    trainer.load_weights(state)
    directions = actor_scans(trainer.actor, images(5, seed=3), trainer.geometry, blind_actor=True)['directions']
    for d in directions[1:]:
        np.testing.assert_array_equal(d, directions[0])
    np.testing.assert_allclose(learned_path(trainer, state), directions[0], atol=1e-5)


AGREE = r"""
import keras
from tests.test_training import tiny, run_steps, flat
from training.crdpg import CRDPG
cfg = tiny(twin_critics=True, target_noise=0.2, view_gain=1.5, view_offset=0.3, augmentations=16)
state, _, metrics = run_steps(CRDPG(cfg), 3)
result.update(flat(state))
result.update({'metric/' + k: np.asarray(float(v)) for k, v in metrics.items()})
"""


def test_tensorflow_and_jax_agree_over_the_first_iterations():
    """One seed, one algorithm: the same weights, draws and updates on both backends, equal to float32 rounding."""
    tf_run, jax_run = (run_in_backend(b, AGREE) for b in ('tensorflow', 'jax'))
    assert tf_run.keys() == jax_run.keys()
    for key in tf_run:
        if key.startswith('replay/image') or key.startswith('replay/augment') or key == 'step':
            np.testing.assert_array_equal(tf_run[key], jax_run[key], err_msg=key)
        else:
            np.testing.assert_allclose(tf_run[key], jax_run[key], rtol=2e-4, atol=2e-5, err_msg=key)
    assert float(tf_run['metric/losses/critic']) > 0


DEVICES = r"""
import keras
from tests.test_training import tiny, run_steps, flat
from training.backend import Backend
from training.crdpg import CRDPG
result.update({'one/' + k: v for k, v in flat(run_steps(CRDPG(tiny()), 2)[0]).items()})
backend = Backend('data_parallel')
result['devices'] = np.asarray(backend.devices)
result.update({'two/' + k: v for k, v in flat(run_steps(CRDPG(tiny(), backend), 2)[0]).items()})
"""
TWO_CPUS = """
import tensorflow as tf
cpu = tf.config.list_physical_devices('CPU')[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
"""


@pytest.mark.parametrize('backend', ['tensorflow', 'jax'])
def test_data_parallel_on_two_devices_equals_one_device(backend):
    """The same global batch split over 2 devices gives the same update as on one (gradients summed across them)."""
    env = {'XLA_FLAGS': '--xla_force_host_platform_device_count=2'} if backend == 'jax' else {}
    got = run_in_backend(backend, (TWO_CPUS if backend == 'tensorflow' else '') + DEVICES, env=env)
    assert int(got['devices']) == 2
    keys = [k[4:] for k in got if k.startswith('one/')]
    moved = max(
        np.abs(got[f'one/{k}'] - flat(CRDPG(tiny()).initial_state()).get(k, got[f'one/{k}'])).max()
        for k in keys
        if k.startswith('generator/')
    )
    assert moved > 1e-4  # the update is not trivially zero
    for k in keys:
        np.testing.assert_allclose(got[f'two/{k}'], got[f'one/{k}'], rtol=1e-4, atol=1e-6, err_msg=k)


def cli(*args, timeout=900, env=None, cwd=ROOT):
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, 'PYTHONPATH': str(ROOT), **(env or {})},
    )  # fmt: skip


def test_config_is_typed_and_range_checked_from_files_and_flags(tmp_path):
    for bad, message in (
        (dict(iterations=-5), r'iterations must lie in \[0, 1000000000\]'),
        (dict(gamma=5.0), r'gamma must lie in \[0.0, 1.0\)'),
        (dict(batch_size=0), r'batch_size must lie in \[1, 4096\]'),
        (dict(batch_size=100_000), r'batch_size must lie in \[1, 4096\]'),
        (dict(actor={'units': 10**8}), r'actor.units must lie in \[1, 4096\]'),
        (dict(seed=-1), r'seed must lie in \[0, 4294967295\]'),
        (dict(checkpoint_every=0), 'checkpoint_every must lie in'),
        (dict(actor={'units': 'x'}), 'actor.units must be an integer'),
        (dict(loop='vectorised'), "loop must be one of 'python', 'scan'"),
        (dict(nonsense=1), 'unknown config key'),
    ):
        with pytest.raises(ConfigError, match=message):
            load_config('small', **bad)
    (tmp_path / 'c.yaml').write_text('actor_lr: 1e-3\ngeometry: {segments: 10}\n')  # YAML reads 1e-3 as a string
    cfg = load_config('small', tmp_path / 'c.yaml')
    assert cfg.actor_lr == 1e-3 and cfg.geometry.segments == 10 and cfg.geometry.probes_per_segment == 20
    (tmp_path / 'list.yaml').write_text('- 1\n- 2\n')
    with pytest.raises(ConfigError, match='mapping'):
        load_config('small', tmp_path / 'list.yaml')
    (tmp_path / 'broken.yaml').write_text('actor_lr: [1e-3\ngamma: 0.9\n')  # a YAML syntax error: one line, not seven
    with pytest.raises(ConfigError, match='is not valid YAML') as error:
        load_config('small', tmp_path / 'broken.yaml')
    assert '\n' not in str(error.value)


@pytest.mark.timeout(3600)  # four training runs: 925 s measured with the machine loaded (make test's timeout is 900 s)
def test_train_cli_runs_resumes_and_refuses_bad_input_with_one_line(tmp_path):
    """cleanrl-style: the real command with a tiny budget, then --resume, then every kind of bad input."""
    out = tmp_path / 'run'
    cmd = ['-m', 'training.train', '--preset', 'tiny', '--out', str(out), '--no-progress', '--loop', 'scan']
    first = cli(*cmd, '--stop-after', '3')
    assert first.returncode == 0, first.stderr[-3000:]
    assert json.loads((checkpoint.resolve(out / 'checkpoint') / 'extras.json').read_text())['step'] == 3
    assert any((out / 'tb').iterdir())
    again = cli(*cmd)
    assert again.returncode == 2 and '--resume' in again.stderr
    done = cli('-m', 'training.train', '--out', str(out), '--resume', '--no-progress')  # the run's own config
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((checkpoint.resolve(out / 'checkpoint') / 'extras.json').read_text())['step'] == 6
    rows = (out / 'learning_curve.csv').read_text().strip().splitlines()[1:]
    assert [int(r.split(',')[0]) for r in rows] == [2, 3, 4, 6]  # log_every 2 and the stop; no duplicates after resume
    damaged = checkpoint.resolve(out / 'checkpoint')
    (damaged / 'actor.keras').write_bytes(b'garbage')
    fallback = cli('-m', 'training.train', '--out', str(out), '--resume', '--no-progress', '--stop-after', '1')
    assert fallback.returncode == 0, fallback.stderr[-3000:]  # the newest checkpoint that verifies is taken, and named
    assert f'skipped a damaged checkpoint (checkpoint file {damaged / "actor.keras"} is corrupt' in fallback.stderr
    for folder in (out / 'checkpoint').glob('step-*'):
        (folder / 'actor.keras').write_bytes(b'garbage')
    for args, message in (
        (('--out', str(out), '--resume'), 'corrupt'),
        (('--preset', 'nonsense', '--out', str(tmp_path / 'x')), 'unknown preset'),
        (('--preset', 'tiny', '--gamma', '5', '--out', str(tmp_path / 'x')), 'gamma must lie in'),
        (('--preset', 'tiny', '--stop-after', '0', '--out', str(tmp_path / 'x')), 'argument --stop-after: must be from 1'),
        (('--preset', 'tiny', '--geometry.image_size', '32', '--out', str(tmp_path / 'x')), 'geometry.image_size'),
        (('--preset', 'tiny', '--dataset', str(tmp_path / 'missing.npy'), '--out', str(tmp_path / 'x')), 'does not exist'),
    ):
        bad = cli('-m', 'training.train', '--no-progress', *args)
        lines = bad.stderr.strip().splitlines()
        assert bad.returncode == 2 and len(lines) == 1 and message in lines[0], bad.stderr[-2000:]


def test_resume_without_latest_continues_from_the_newest_step_folder(tmp_path):
    """A kill between a first checkpoint's rename and its first `latest` leaves step-* folders only: --resume said
    "resuming from .../step-00000003", then "no checkpoint"."""
    cfg = load_config('tiny', n_train=64, n_test=8)
    trainer = CRDPG(cfg)
    state, rng = trainer.backend.to_numpy(trainer.initial_state()), np.random.default_rng(0)
    root = tmp_path / 'run' / 'checkpoint'
    checkpoint.save(trainer, {**state, 'step': np.int32(3)}, rng, root)
    (root / checkpoint.LATEST).unlink()
    r = cli('-m', 'training.train', '--out', str(tmp_path / 'run'), '--resume', '--no-progress', '--stop-after', '1')
    assert r.returncode == 0 and f'{root / "latest"} is missing; resuming from' in r.stderr, r.stderr[-3000:]
    assert json.loads((checkpoint.resolve(root) / 'extras.json').read_text())['step'] == 4


def test_kills_at_random_instants_never_lose_more_than_one_checkpoint_interval(tmp_path):
    """SIGKILL the trainer at random instants (saves every iteration, so many land inside a save), resume each time."""
    out = tmp_path / 'run'
    cmd = ['-m', 'training.train', '--preset', 'tiny', '--out', str(out), '--no-progress', '--loop', 'scan',
           '--iterations', '40', '--checkpoint_every', '1', '--image_every', '1000', '--log_every', '1']  # fmt: skip
    env = {**os.environ, 'PYTHONPATH': str(ROOT)}
    rng = np.random.default_rng(0)
    steps = []
    for attempt in range(4):
        args = [*cmd, '--resume'] if attempt else cmd
        proc = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 600
        while not (out / 'checkpoint' / checkpoint.LATEST).exists() or checkpoint.resolve(out / 'checkpoint').name == (
            steps[-1] if steps else ''
        ):
            assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        steps.append(checkpoint.resolve(out / 'checkpoint').name)
        checkpoint.verify(out / 'checkpoint')  # whatever the instant, the newest checkpoint is complete
    final = cli(*cmd, '--resume')
    assert final.returncode == 0, final.stderr[-3000:]
    assert json.loads((checkpoint.resolve(out / 'checkpoint') / 'extras.json').read_text())['step'] == 40
    assert steps == sorted(steps) and len(set(steps)) == len(steps)  # every resume made progress


def test_several_seeds_in_one_process_equal_separate_runs(tmp_path):
    """--seeds trains members at once (JAX vmap); each member equals the run of its seed alone."""
    base = [
        '-m',
        'training.train',
        '--backend',
        'jax',
        '--preset',
        'tiny',
        '--no-progress',
        '--loop',
        'scan',
        '--iterations',
        '3',
    ]
    together = cli(*base, '--seeds', '0', '1', '--out', str(tmp_path / 'pop'))
    alone = cli(*base, '--seed', '1', '--out', str(tmp_path / 'alone'))
    assert together.returncode == 0 and alone.returncode == 0, together.stderr[-2000:] + alone.stderr[-2000:]
    with (
        np.load(checkpoint.resolve(tmp_path / 'pop-seed1' / 'checkpoint') / 'state.npz') as a,
        np.load(checkpoint.resolve(tmp_path / 'alone' / 'checkpoint') / 'state.npz') as b,
    ):
        for key in a.files:
            np.testing.assert_allclose(a[key], b[key], rtol=1e-4, atol=1e-6, err_msg=key)
    assert checkpoint.load_config(tmp_path / 'pop-seed1' / 'checkpoint').seed == 1
    tf_seeds = cli(*[a if a != 'jax' else 'tensorflow' for a in base], '--seeds', '0', '1', '--out', str(tmp_path / 'tf'))
    assert tf_seeds.returncode == 2 and 'jax' in tf_seeds.stderr


def test_a_run_trained_on_jax_resumes_and_is_evaluated_on_tensorflow(tmp_path):
    out = tmp_path / 'run'
    base = ['-m', 'training.train', '--preset', 'tiny', '--out', str(out), '--no-progress', '--loop', 'scan']
    jax_part = cli(*base, '--backend', 'jax', '--stop-after', '3')
    assert jax_part.returncode == 0, jax_part.stderr[-3000:]
    tf_part = cli('-m', 'training.train', '--backend', 'tensorflow', '--out', str(out), '--resume', '--no-progress')
    assert tf_part.returncode == 0, tf_part.stderr[-3000:]
    report = cli('-m', 'training.report', str(out), '--n-test', '8', env={'KERAS_BACKEND': 'tensorflow'})
    assert report.returncode == 0, report.stderr[-3000:]
    assert json.loads((out / 'report-procedural-test.json').read_text())['actor']['n_images'] == 8
    written = json.loads((out / 'report-procedural-test.json').read_text())
    assert written['baseline'] == str(ROOT / 'checkpoints' / 'spiral') and written['fixed_path']['n_images'] == 8  # 96 px
    assert 'checkpoints/spiral: MSE ratio' in report.stdout and '% interval' in report.stdout


def test_the_shipped_model_on_a_users_file_against_the_shipped_fixed_path(tmp_path):
    """Run from the user's own folder: the shipped checkpoints are found, per-image values and the interval are stored."""
    from tests.host_helpers import smooth_images

    np.save(tmp_path / 'mine.npy', smooth_images(6) * 300 + 1000)  # detector counts, not [-1, 1]
    r = cli('-m', 'training.report', 'actor', '--dataset', 'mine.npy', '--out', 'r', cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'oneDNN' not in r.stderr and 'absl' not in r.stderr  # TensorFlow's start-up lines stay quiet
    report = json.loads((tmp_path / 'r' / 'report-mine-npy-all.json').read_text())  # named per input and split
    assert report['baseline'] == str(ROOT / 'checkpoints' / 'spiral')
    assert report['fixed_path']['n_images'] == report['actor']['n_images'] == 6
    actor, fixed = np.array(report['actor']['per_image_mse']), np.array(report['fixed_path']['per_image_mse'])
    assert len(actor) == 6 and np.isclose(actor.mean(), report['actor']['mse'])
    versus = report['actor_vs_fixed_path']
    assert np.isclose(versus['ratio'], actor.mean() / fixed.mean()) and versus['win_rate'] == np.mean(actor < fixed)
    low, high = versus['interval_95']
    assert low <= versus['ratio'] <= high and f'{low:.3f}-{high:.3f}' in r.stdout
    assert report['target_blur']['sigma_px'] == 2.5 and 'sigma 2.5 px' in r.stdout
    assert report['flat_at_true_mean']['mse'] > 0 and (tmp_path / 'r' / 'scans-mine-npy-all.png').is_file()
    assert (tmp_path / 'r' / 'scans-mine-npy-all-baseline.png').is_file()  # the baseline's paths beside the actor's
    assert 'the default policy (checkpoints/policies.json) is spiral' in r.stdout
    assert not (ROOT / 'checkpoints' / 'quality' / 'report-mine-npy-all.json').exists()  # never written into
