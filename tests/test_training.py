"""CRDPG training: the loss terms, the schedules, exact resume, checkpoint integrity, the distributed step, the CLI."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip('tensorflow')

from training import checkpoint  # noqa: E402
from training.config import load_config  # noqa: E402
from training.crdpg import CRDPG, GeneratorSchedule, learned_path, step_losses  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


# In-process tests use a small scan (32 px, 5 segments of 5 probes): the same code, a fraction of the tracing time.
SMALL_SCAN = {'image_size': 32, 'segments': 5, 'probes_per_segment': 5}


def tiny(**overrides):
    return load_config('tiny', geometry=SMALL_SCAN, **overrides)


def images(n=24, seed=0, size=32):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size)).astype(np.float32)


def weights(agent):
    models = (agent.actor, agent.critic, agent.actor_target, agent.critic_target, agent.generator)
    return [w.numpy() for m in models for w in m.weights]


def test_step_losses_penalty_every_step_generator_term_only_at_the_end_and_clipped():
    penalties = tf.constant([[0.0, 0.1, 0.0], [0.1, 0.1, 0.1]])
    loss_g = tf.constant([0.5, 10.0])
    mean, mean_square = tf.constant(0.5), tf.constant(0.5**2 + 0.1**2)  # running std 0.1 -> clip at 0.8
    got = step_losses(penalties, loss_g, mean, mean_square, 3.0).numpy()
    np.testing.assert_allclose(got[0], [0.0, 0.1, 0.5 / 0.5], rtol=1e-6)
    np.testing.assert_allclose(got[1], [0.1, 0.1, 0.1 + 0.8 / 0.5], rtol=1e-6)


def test_generator_schedule_decays_and_saws():
    s = GeneratorSchedule(3e-3, iterations=900, decay=0.75, cycle=2 / 9, cycle_min=0.2)
    assert float(s(0)) == pytest.approx(3e-3)
    period = 200
    assert float(s(period - 1)) == pytest.approx(3e-3 * 0.75 ** (5 * 199 / 900) * (1 - 0.8 * 199 / 200), rel=1e-5)
    assert float(s(period)) == pytest.approx(3e-3 * 0.75 ** (5 * 200 / 900), rel=1e-5)  # back to the top of the saw
    assert float(s(period)) > 4 * float(s(period - 1))


def test_exploration_noise_decays_linearly_to_zero():
    cfg = tiny(iterations=10)
    agent = CRDPG(cfg, images())
    assert float(agent._noise_sigma()) == pytest.approx(cfg.ou_sigma)
    agent.iteration_count.assign(5)
    assert float(agent._noise_sigma()) == pytest.approx(cfg.ou_sigma / 2)
    agent.iteration_count.assign(10)
    assert float(agent._noise_sigma()) == 0.0


def test_iteration_fills_replay_and_moves_targets_towards_live_networks():
    cfg = tiny()
    agent = CRDPG(cfg, images())
    before_target = [w.numpy() for w in agent.actor_target.weights]
    before_live = [w.numpy() for w in agent.actor.weights]
    metrics = agent.iteration()
    assert int(agent.replay_size) == cfg.rollouts_per_iteration
    assert all(np.isfinite(float(v)) for v in metrics.values())
    after_target = [w.numpy() for w in agent.actor_target.weights]
    after_live = [w.numpy() for w in agent.actor.weights]
    # target <- beta target + (1 - beta) live, with the live weights after this iteration's update
    for t0, t1, live in zip(before_target, after_target, after_live):
        np.testing.assert_allclose(t1, cfg.target_decay * t0 + (1 - cfg.target_decay) * live, rtol=1e-5, atol=1e-7)
    assert any(not np.array_equal(a, b) for a, b in zip(before_live, after_live)), 'the actor did not learn'


def test_resume_continues_exactly(tmp_path):
    tf.config.experimental.enable_op_determinism()
    cfg = tiny(iterations=4)
    straight = CRDPG(cfg, images())
    for _ in range(4):
        straight.iteration()
    first = CRDPG(cfg, images())
    for _ in range(2):
        first.iteration()
    checkpoint.save(first, tmp_path / 'ckpt')
    resumed = CRDPG(cfg, images())
    assert checkpoint.restore(resumed, tmp_path / 'ckpt') == 2
    for _ in range(2):
        resumed.iteration()
    for a, b in zip(weights(straight), weights(resumed)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(straight.replay_actions.numpy(), resumed.replay_actions.numpy())


def test_corrupt_or_incomplete_checkpoint_is_refused(tmp_path):
    cfg = tiny()
    agent = CRDPG(cfg, images())
    agent.iteration()
    ckpt = tmp_path / 'ckpt'
    checkpoint.save(agent, ckpt)
    assert checkpoint.load_generator(ckpt).count_params() == agent.generator.count_params()
    data = bytearray((ckpt / 'generator.keras').read_bytes())
    data[len(data) // 2] ^= 0xFF
    (ckpt / 'generator.keras').write_bytes(bytes(data))
    with pytest.raises(checkpoint.CheckpointError, match='corrupt'):
        checkpoint.load_generator(ckpt)
    with pytest.raises(checkpoint.CheckpointError, match='corrupt'):
        checkpoint.restore(CRDPG(cfg, images()), ckpt)
    (ckpt / 'manifest.json').unlink()
    with pytest.raises(checkpoint.CheckpointError, match='missing'):
        checkpoint.load_actor(ckpt)
    with pytest.raises(checkpoint.CheckpointError, match='does not exist'):
        checkpoint.load_actor(tmp_path / 'nowhere')


def test_resume_with_a_different_config_is_refused(tmp_path):
    agent = CRDPG(tiny(), images())
    checkpoint.save(agent, tmp_path / 'ckpt')
    with pytest.raises(checkpoint.CheckpointError, match='different config'):
        checkpoint.restore(CRDPG(tiny(seed=1), images()), tmp_path / 'ckpt')


def test_blind_actor_learns_one_path_for_every_image():
    from training.policy import act

    agent = CRDPG(tiny(actor_mode='blind'), images())
    agent.iteration()
    directions = act(agent.actor, tf.constant(images(5, seed=3)), agent.geometry, blind_actor=True).numpy()
    for d in directions[1:]:
        np.testing.assert_array_equal(d, directions[0])
    np.testing.assert_allclose(learned_path(agent), directions[0], atol=1e-4)  # batch of 1 vs 5: float rounding only


DISTRIBUTED = r'''
import json, sys
import numpy as np
import tensorflow as tf
cpu = tf.config.list_physical_devices('CPU')[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
tf.config.experimental.enable_op_determinism()
from training.config import load_config
from training.crdpg import CRDPG
cfg = load_config('tiny', batch_size=4, geometry={'image_size': 32, 'segments': 5, 'probes_per_segment': 5})
imgs = np.random.default_rng(0).uniform(-1, 1, (24, 32, 32)).astype(np.float32)
single = CRDPG(cfg, imgs)
mirrored = CRDPG(cfg, imgs, tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1']))
assert mirrored.strategy.num_replicas_in_sync == 2
ms, mm = single.iteration(), mirrored.iteration()
diff = max(float(np.max(np.abs(a.numpy() - b.numpy()))) for a, b in zip(single.generator.weights + single.actor.weights + single.critic.weights, mirrored.generator.weights + mirrored.actor.weights + mirrored.critic.weights))
moved = max(float(np.max(np.abs(a.numpy() - b))) for a, b in zip(single.generator.weights, [w.numpy() for w in CRDPG(cfg, imgs).generator.weights]))
print(json.dumps({'max_weight_diff': diff, 'moved': moved, 'mse_single': float(ms['losses/generator_mse']), 'mse_mirrored': float(mm['losses/generator_mse'])}))
'''


def test_mirrored_strategy_on_two_devices_equals_one_device():
    """The same global batch split over 2 replicas gives the same update as on one device (gradients all-reduced)."""
    env = {**os.environ, 'PYTHONPATH': str(ROOT), 'TF_CPP_MIN_LOG_LEVEL': '2'}
    proc = subprocess.run([sys.executable, '-c', DISTRIBUTED], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result['mse_single'] == pytest.approx(result['mse_mirrored'], rel=1e-5)
    assert result['moved'] > 1e-4  # the update is not trivially zero
    assert result['max_weight_diff'] < 1e-5 * max(1.0, result['moved'] * 100)


def test_train_cli_smoke_resume_and_errors(tmp_path):
    """cleanrl-style: the real command with a tiny budget, then --resume, then bad input."""
    env = {**os.environ, 'PYTHONPATH': str(ROOT)}
    out = tmp_path / 'run'
    cmd = [sys.executable, '-m', 'training.train', '--preset', 'tiny', '--out', str(out), '--no-progress']
    subprocess.run([*cmd, '--stop-after', '3'], check=True, cwd=ROOT, env=env, timeout=600)
    ckpt = out / 'checkpoint'
    checkpoint.verify(ckpt)
    assert json.loads((ckpt / 'extras.json').read_text())['iteration'] == 3
    assert any((out / 'tb').iterdir())
    again = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    assert again.returncode == 2 and '--resume' in again.stderr
    # the tiny preset runs 6 iterations: resume the 3-iteration run to the end
    subprocess.run([*cmd, '--resume'], check=True, cwd=ROOT, env=env, timeout=600)
    assert json.loads((ckpt / 'extras.json').read_text())['iteration'] == 6
    rows = (out / 'learning_curve.csv').read_text().strip().splitlines()[1:]
    assert [int(r.split(',')[0]) for r in rows] == [2, 4, 6]  # log_every 2, no duplicates after the resume
    (ckpt / 'actor.keras').write_bytes(b'garbage')
    bad = subprocess.run([*cmd, '--resume'], cwd=ROOT, env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and 'corrupt' in bad.stderr
    bad_config = subprocess.run([*cmd[:-1], '--preset', 'nonsense'], cwd=ROOT, env=env, capture_output=True, text=True)
    assert bad_config.returncode == 2 and 'unknown preset' in bad_config.stderr
