"""The scan environment: nearest-pixel sampling, edge penalties, path geometry, observations, NumPy == TensorFlow."""

import numpy as np
import pytest

from model import scan_numpy as sn
from model.geometry import DEFAULT_GEOMETRY as G
from model.geometry import ScanGeometry
from model.observation import encode_observation, obs_dim


def index_image(size=96):
    return np.arange(size * size, dtype=np.float32).reshape(size, size)


def random_case(seed, n=16):
    """Images, actions and detector views, with the corner cases every environment must agree on."""
    rng = np.random.default_rng(seed)
    images = rng.uniform(-1, 1, (n, 96, 96)).astype(np.float32)
    actions = rng.normal(size=(n, G.segments, 2)).astype(np.float32)
    actions[0, 3] = 0.0  # a zero action must give direction (0, 1) in both
    actions[1] = [0.0, 1.0]  # straight right: leaves the image after two segments
    actions[2, :, 0] = -1e-3  # almost straight, tiny components
    views = np.stack([rng.uniform(0.5, 1.5, n), rng.uniform(-0.5, 0.5, n)], -1).astype(np.float32)
    views[:2] = (1.0, 0.0)  # perfect calibration
    return images, actions, views


KERAS_SCANS = r"""
import keras
from keras import ops
from model import scan_ops
from model.geometry import DEFAULT_GEOMETRY as G
from tests.test_scan_env import random_case, index_image
images, actions, views = random_case(SEED)
inputs = [ops.convert_to_tensor(a) for a in (images, actions, views)]
scan = lambda i, a, v: scan_ops.scan_paths(i, scan_ops.unit_directions(a), v, G)
if keras.backend.backend() == 'jax':
    import jax
    compiled = jax.jit(scan)
else:
    import tensorflow as tf
    compiled = tf.function(scan)
for name, fn in (('eager', scan), ('compiled', compiled)):
    for key, value in fn(*inputs).items():
        result[f'{name}/{key}'] = ops.convert_to_numpy(value)
halves = np.array([[[10.5, -0.5], [-0.6, 95.49], [95.5, 3.4999], [47.5, 48.5]]], np.float32)
values, idx, off = scan_ops.sample(ops.convert_to_tensor(index_image()[None]), ops.convert_to_tensor(halves), 96)
result.update(halves_values=ops.convert_to_numpy(values), halves_idx=ops.convert_to_numpy(idx), halves_off=ops.convert_to_numpy(off))
"""


@pytest.mark.parametrize('backend', ['tensorflow', 'jax'])
@pytest.mark.parametrize('seed', [0, 1])
def test_keras_environment_equals_numpy_under_both_backends(backend, seed):
    """Executed op by op, the keras.ops environment equals NumPy bit for bit; compiled (XLA may fuse a*b+c into one
    rounding) every pixel is the same and positions and values agree to float32 rounding."""
    from tests.backend_runner import run_in_backend

    got = run_in_backend(backend, KERAS_SCANS.replace('SEED', str(seed)))
    images, actions, views = random_case(seed)
    for n in range(len(images)):
        ref = sn.rollout(images[n], actions[n], G, views[n])
        for key in ('positions', 'indices', 'values', 'observations', 'penalties', 'partial_scan'):
            np.testing.assert_array_equal(ref[key], got[f'eager/{key}'][n], err_msg=f'{key} differs for scan {n}')
        np.testing.assert_array_equal(ref['indices'], got['compiled/indices'][n])
        np.testing.assert_allclose(got['compiled/positions'][n], ref['positions'], atol=1e-4)  # 20 segments of rounding
        for key in ('values', 'observations', 'partial_scan'):
            np.testing.assert_allclose(got[f'compiled/{key}'][n], ref[key], atol=1e-5)
    assert got['eager/penalties'][1].sum() > 0  # the off-image case really was exercised
    # exact half-pixel and edge cases, where floor-vs-round or float differences would show
    halves = np.array([[10.5, -0.5], [-0.6, 95.49], [95.5, 3.4999], [47.5, 48.5]], np.float32)
    ref_values, ref_idx, ref_off = sn.sample(index_image(), halves)
    np.testing.assert_array_equal(got['halves_values'][0], ref_values)
    np.testing.assert_array_equal(got['halves_idx'][0], ref_idx)
    np.testing.assert_array_equal(got['halves_off'][0], ref_off)


def test_partial_scan_is_normalised_by_its_own_samples_and_independent_of_the_view():
    image = np.random.default_rng(3).uniform(-0.5, 0.7, (96, 96)).astype(np.float32)
    actions = sn.unit_directions(np.random.default_rng(4).normal(size=(G.segments, 2)))
    plain = sn.rollout(image, actions, G)
    seen = plain['partial_scan'][plain['partial_scan'][..., 1] > 0, 0]
    assert seen.min() == -1.0 and seen.max() == 1.0  # the scan's own extremes, not the image's
    viewed = sn.rollout(image, actions, G, view=(1.7, -0.4))
    np.testing.assert_allclose(viewed['partial_scan'], plain['partial_scan'], atol=2e-6)  # the generator's input
    np.testing.assert_allclose(viewed['values'], 1.7 * plain['values'] - 0.4, rtol=1e-6)  # the actor's input
    assert not np.allclose(viewed['observations'], plain['observations'])
    constant = sn.rollout(np.zeros((96, 96), np.float32), actions, G)
    assert not constant['partial_scan'][..., 0].any() and constant['partial_scan'][..., 1].sum() > 0


def test_nearest_pixel_rounds_half_up_and_clamps_off_image_probes():
    positions = np.array([[10.6, 10.4], [10.5, 3.5], [-0.4, 0.0], [-0.6, 0.0], [95.4, 95.6]], np.float32)
    idx, off = sn.pixel_indices(positions, 96)
    assert idx.tolist() == [[11, 10], [11, 4], [0, 0], [0, 0], [95, 95]]
    assert off.tolist() == [False, False, False, True, True]
    values, _, _ = sn.sample(index_image(), positions)
    assert values.tolist() == [11 * 96 + 10, 11 * 96 + 4, 0, 0, 95 * 96 + 95]


def test_edge_penalty_only_on_segments_that_leave_the_image():
    actions = np.zeros((G.segments, 2), np.float32)
    actions[:, 1] = 1.0  # right from the centre: segment 0 ends at col 76.3, segment 1 crosses the edge
    out = sn.rollout(index_image(), actions, G)
    assert out['penalties'][0] == 0.0
    assert out['penalties'][1] == np.float32(G.over_edge_penalty) == np.float32(0.1)
    assert np.all(out['penalties'][1:] == np.float32(0.1))
    # off-image probes read the nearest edge pixel
    assert np.all(out['values'][5] == 48 * 96 + 95)
    other = ScanGeometry(over_edge_penalty=0.25)
    assert sn.rollout(index_image(), actions, other)['penalties'][1] == np.float32(0.25)


def test_penalty_is_charged_to_exactly_the_segment_with_the_off_image_probe():
    positions = np.full((G.segments, G.probes_per_segment, 2), 48.0, np.float32)
    positions[3, 7] = [-0.4, 0.0]  # rounds to row 0: on the image
    positions[7, 19] = [-0.6, 0.0]  # rounds to row -1: off the image
    positions[11, 0] = [48.0, 95.4999]  # last column, still on
    _, off = sn.pixel_indices(positions, G.image_size)
    expected = np.zeros(G.segments, np.float32)
    expected[7] = np.float32(0.1)
    np.testing.assert_array_equal(sn.step_penalties(off, G), expected)


def test_path_geometry_contiguous_segments_of_exact_spacing():
    actions = np.random.default_rng(0).normal(size=(G.segments, 2)).astype(np.float32)
    positions, starts = sn.path_positions(actions, G)
    assert positions.shape == (20, 20, 2) and starts.shape == (21, 2)
    np.testing.assert_array_equal(positions[0, 0], [48.0, 48.0])
    flat = positions.reshape(-1, 2).astype(np.float64)
    np.testing.assert_allclose(np.linalg.norm(np.diff(flat, axis=0), axis=1), np.sqrt(2), atol=1e-4)
    for t in range(G.segments):
        np.testing.assert_array_equal(positions[t, 0], starts[t])  # segment t starts where t - 1 ended
    assert G.probes == 400 and G.coverage == pytest.approx(1 / 23.04)


def test_stepwise_environment_equals_whole_path_rollout_and_observation_layout():
    image = np.random.default_rng(1).uniform(-1, 1, (96, 96)).astype(np.float32)
    actions = np.random.default_rng(2).normal(size=(G.segments, 2)).astype(np.float32)
    env = sn.ScanEnvironment(G)
    x0 = env.reset(image)
    assert x0.shape == (obs_dim(G),) == (22,) and not x0.any()
    observations = [env.step(a) for a in actions]
    assert env.done
    with pytest.raises(RuntimeError, match='reset'):
        env.step(actions[0])
    ref = sn.rollout(image, actions, G)
    np.testing.assert_array_equal(np.array(observations), ref['observations'])
    np.testing.assert_array_equal(env.partial_scan(), ref['partial_scan'])
    # observation t = the 20 probe values of segment t, then the next start relative to the centre / 48
    np.testing.assert_array_equal(ref['observations'][4, :20], ref['values'][4])
    np.testing.assert_allclose(ref['observations'][4, 20:], np.clip((ref['starts'][5] - 48) / 48, -2, 2), rtol=1e-6)
    distinct = {tuple(i) for i in ref['indices'].reshape(-1, 2)}
    assert ref['partial_scan'][..., 1].sum() == len(distinct)


def test_unit_directions_and_bad_shapes():
    np.testing.assert_array_equal(sn.unit_directions(np.zeros(2)), [0.0, 1.0])
    np.testing.assert_allclose(sn.unit_directions(np.array([3.0, 4.0])), [0.6, 0.8], rtol=1e-6)
    with pytest.raises(ValueError, match=r'\(20, 2\)'):
        sn.path_positions(np.zeros((19, 2)), G)
    with pytest.raises(ValueError, match='square'):
        sn.sample(np.zeros((96, 95)), np.zeros((1, 2)))
    with pytest.raises(ValueError, match='20 probe values'):
        encode_observation(np.zeros(19), np.zeros(2), G)
