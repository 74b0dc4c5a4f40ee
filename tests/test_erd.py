"""The ERD policies (training/erd.py) and their scanner (training/candidates.py): the clairvoyant labels agree with the
teacher's, a stored state rebuilds the planes a live decision sees, the loss ignores invalid candidates, the choice
metrics, the planned policy follows its base path, the network learns a reduction a stand-in generator makes, and the
generator fit continues the runs' learning-rate schedule."""

import numpy as np
import pytest

pytest.importorskip('keras')
from keras import ops  # noqa: E402

from model import fixed_paths  # noqa: E402
from model.geometry import ScanGeometry  # noqa: E402
from model.scan_numpy import pixel_indices  # noqa: E402
from tests.test_training import SMALL_SCAN, images  # noqa: E402
from training import candidates, erd, imitation  # noqa: E402

GEOMETRY = ScanGeometry(**SMALL_SCAN)
CANDIDATES = imitation.candidate_directions(8)


def views(n):
    return ops.convert_to_tensor(np.tile(np.float32([1.0, 0.0]), (n, 1)))


def band_completion(partial):
    """A stand-in generator: the scanned values where scanned, 0 elsewhere (so scanning the bright band pays)."""
    return partial[..., :1] * partial[..., 1:2]


def band_images(n):
    imgs = np.full((n, 32, 32), -1.0, np.float32)
    imgs[:, 14:18] = 1.0
    return imgs


def test_the_clairvoyant_labels_are_the_teachers_scores_on_valid_candidates():
    imgs = images(3)
    labels = []

    def record(d, after, rng):
        labels.append((d, after))
        return -after

    directions, _ = erd.label_rollout(band_completion, ops.convert_to_tensor(imgs), views(3), GEOMETRY, CANDIDATES, [0],
                                      record, np.random.default_rng(0))  # fmt: skip
    assert len(labels) == GEOMETRY.segments - 1  # every decision after the blind one
    for d, after in labels:
        teacher = ops.convert_to_numpy(
            imitation.teacher_scores(
                band_completion,
                ops.convert_to_tensor(imgs),
                views(3),
                ops.convert_to_tensor(directions),
                d.t,
                CANDIDATES,
                GEOMETRY,
            )  # fmt: skip
        )
        valid = ops.convert_to_numpy(d.valid)
        np.testing.assert_allclose(after[valid], teacher[valid], rtol=1e-5, atol=1e-6)
        assert np.all(teacher[~valid] >= imitation.OFF_IMAGE)  # the teacher and the scanner agree on what leaves


def test_a_stored_state_rebuilds_the_planes_and_candidate_pixels_a_live_decision_sees():
    imgs = ops.convert_to_tensor(images(4))
    seen = {}

    def record(d, after, rng):
        seen[d.t] = (ops.convert_to_numpy(erd.decision_features(d)), ops.convert_to_numpy(d.unscanned_pixels))
        return rng.random(after.shape)

    directions, labels = erd.label_rollout(band_completion, imgs, views(4), GEOMETRY, CANDIDATES, [], record,
                                           np.random.default_rng(1))  # fmt: skip
    states = erd.to_states(np.arange(4), np.zeros(4, np.int32), directions, labels)
    assert len(states) == 4 * GEOMETRY.segments
    for t in (0, 2, GEOMETRY.segments - 1):
        s = states.take(states.t == t)
        features, pixels = erd.state_inputs(imgs, ops.convert_to_tensor(s.directions), s.t, CANDIDATES, GEOMETRY)
        np.testing.assert_array_equal(ops.convert_to_numpy(features), seen[t][0])
        np.testing.assert_array_equal(ops.convert_to_numpy(pixels), seen[t][1])
    assert seen[0][0][..., 1].sum() == 0 and seen[2][0][..., 1].sum() > 0  # nothing scanned before the first decision


def test_the_loss_ignores_invalid_candidates_and_is_lowest_at_the_labels():
    loss = erd.erd_loss(4, temperature=0.05, rank_weight=0.1)
    r = np.float32([[0.3, 0.1, -0.2, 0.0]])
    valid = np.float32([[1, 1, 1, 0]])
    target = ops.convert_to_tensor(np.concatenate([r, valid], 1))
    exact = float(loss(target, ops.convert_to_tensor(r))[0])
    other_invalid = float(loss(target, ops.convert_to_tensor(np.float32([[0.3, 0.1, -0.2, 9.0]])))[0])
    swapped = float(loss(target, ops.convert_to_tensor(np.float32([[0.1, 0.3, -0.2, 0.0]])))[0])
    assert other_invalid == pytest.approx(exact)
    assert swapped > exact + 1e-3


def test_choice_quality_counts_agreement_and_regret_against_the_best_valid_candidate():
    after = np.float32([[1.0, 2.0, 0.5], [1.0, 2.0, 4.0]])
    valid = np.array([[True, True, False], [True, True, True]])
    q = erd.choice_quality(np.float32([[0.0, 1.0, 9.0], [5.0, 0.0, 0.0]]), after, valid)
    assert q['agreement'] == 0.5  # row 0 chose 2.0 (the invalid 0.5 does not count), row 1 the best
    assert q['regret'] == pytest.approx((1.0 + 0.0) / 2)
    assert q['random_regret'] == pytest.approx((0.5 + (0 + 1 + 3) / 3) / 2)
    assert q['random_agreement'] == pytest.approx((1 / 2 + 1 / 3) / 2)


def test_a_heavy_tether_retraces_the_spiral_polygon_and_a_light_one_deviates_where_the_map_points():
    g = ScanGeometry(image_size=96, segments=20, probes_per_segment=20)
    polygon = fixed_paths.spiral_polygon(g)
    assert not pixel_indices(fixed_paths.positions_of(polygon, g), 96)[1].any()
    vertices = erd.base_vertices(polygon, g)

    class Flat:
        def __call__(self, x, training=False):
            return ops.zeros((*x.shape[:3], 1))

    class LeftHalf:  # measuring pays only in the left half of the image
        def __call__(self, x, training=False):
            return ops.broadcast_to(ops.convert_to_tensor((np.arange(96) < 48).astype(np.float32))[None, None, :, None],
                                    (x.shape[0], 96, 96, 1))  # fmt: skip

    imgs = ops.convert_to_tensor(np.zeros((2, 96, 96), np.float32))
    offered = erd.base_relative_candidates(vertices, 16)
    heavy = candidates.greedy_scan(erd.tethered_scorer(Flat(), vertices, 1.0), imgs, views(2), g, offered, [0])
    np.testing.assert_allclose(ops.convert_to_numpy(heavy)[0], polygon, atol=1e-5)
    light = ops.convert_to_numpy(candidates.greedy_scan(erd.tethered_scorer(LeftHalf(), vertices, 1e-3), imgs, views(2),
                                                        g, offered, [0]))  # fmt: skip
    positions = fixed_paths.positions_of(light[0], g)
    assert not pixel_indices(positions, 96)[1].any()
    left = lambda p: np.mean(p[:, 1] < 47.5)  # noqa: E731
    assert left(positions) > left(fixed_paths.positions_of(polygon, g)) + 0.2


def test_the_network_learns_where_scanning_reduces_the_stand_in_error():
    """Labels from the band completion: candidates along the band reduce the error most. After a short fit the ERD
    policy agrees with the clairvoyant choice far more often than a random one."""
    imgs = band_images(24)
    states = []
    for seed in range(3):
        directions, labels = erd.label_rollout(
            band_completion, ops.convert_to_tensor(imgs[8 * seed : 8 * seed + 8]), views(8), GEOMETRY, CANDIDATES, [],
            lambda d, after, rng: rng.random(after.shape), np.random.default_rng(seed),
        )  # fmt: skip
        states.append(erd.to_states(np.arange(8 * seed, 8 * seed + 8), np.zeros(8, np.int32), directions, labels))
    states = erd.States.concatenate(states)
    net = erd.build_erd_net(GEOMETRY, seed=0)
    train, held = states.take(states.image < 16), states.take(states.image >= 16)
    erd.fit_erd(net, ops.convert_to_tensor(imgs), train, CANDIDATES, GEOMETRY, steps=150, batch=16, lr=3e-3,
                progress=False)  # fmt: skip
    predicted = erd.predict_states(net, ops.convert_to_tensor(imgs), held, CANDIDATES, GEOMETRY)
    q = erd.choice_quality(predicted, held.after, held.valid)
    assert q['regret'] < 0.5 * q['random_regret']


def test_the_generator_fit_continues_the_runs_schedule():
    from training.crdpg import GeneratorSchedule
    from training.generator_fit import Shifted

    schedule = GeneratorSchedule(3e-3, 2600, 0.75, 2 / 9, 0.2)
    shifted = Shifted(schedule, 1000)
    for step in (0, 5, 577):
        assert float(shifted(step)) == pytest.approx(float(schedule(1000 + step)))
