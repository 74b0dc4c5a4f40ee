"""The greedy teacher and the DAgger phase: partial scans stopped part-way, the teacher's choice, the imitation loss,
the aggregate buffer and the teacher's share of the roll-in."""

import numpy as np
import pytest

pytest.importorskip('keras')
from keras import ops  # noqa: E402

from model import fixed_paths, scan_ops  # noqa: E402
from model.geometry import ScanGeometry  # noqa: E402
from model.scan_numpy import pixel_indices  # noqa: E402
from tests.test_training import SMALL_SCAN, flat, images, run_steps, tiny  # noqa: E402
from training import imitation  # noqa: E402
from training.crdpg import CRDPG  # noqa: E402

GEOMETRY = ScanGeometry(**SMALL_SCAN)


def random_paths(n, seed=0):
    angle = np.random.default_rng(seed).uniform(0, 2 * np.pi, (n, GEOMETRY.segments))
    return np.stack([np.sin(angle), np.cos(angle)], -1).astype(np.float32)


def scan(imgs, directions):
    views = np.tile(np.float32([1.3, 0.2]), (len(imgs), 1))
    return scan_ops.scan_paths(
        ops.convert_to_tensor(imgs), ops.convert_to_tensor(directions), ops.convert_to_tensor(views), GEOMETRY
    )


def test_a_scan_kept_whole_is_the_whole_partial_scan_and_a_stopped_one_is_its_first_segments():
    imgs, directions = images(6), random_paths(6)
    whole = scan(imgs, directions)
    kept_all = scan_ops.partial_scans(whole['values'], whole['indices'], 32, ops.ones(whole['values'].shape, 'bool'))
    np.testing.assert_array_equal(
        ops.convert_to_numpy(kept_all)[..., 1], ops.convert_to_numpy(whole['partial_scan'])[..., 1]
    )
    np.testing.assert_allclose(ops.convert_to_numpy(kept_all), ops.convert_to_numpy(whole['partial_scan']), atol=1e-6)
    stages = np.array([1, 2, 3, 4, 5, 2], np.int32)
    keep = ops.broadcast_to(scan_ops.stage_mask(ops.convert_to_tensor(stages), GEOMETRY)[:, :, None], whole['values'].shape)
    stopped = ops.convert_to_numpy(scan_ops.partial_scans(whole['values'], whole['indices'], 32, keep))
    for i, s in enumerate(stages):  # the same scan acted out for s segments only
        p = GEOMETRY.probes_per_segment
        alone = scan_ops.partial_scans(whole['values'][i : i + 1, :s], whole['indices'][i : i + 1, :s], 32)
        np.testing.assert_array_equal(stopped[i, ..., 1], ops.convert_to_numpy(alone)[0, ..., 1])
        np.testing.assert_allclose(stopped[i], ops.convert_to_numpy(alone)[0], atol=1e-6)
        assert stopped[i, ..., 1].sum() <= s * p
    per_probe = ops.convert_to_numpy(scan_ops.stage_mask(ops.convert_to_tensor(stages), GEOMETRY, per_probe=True))
    assert per_probe.shape == (6, GEOMETRY.probes) and list(per_probe.sum(1)) == list(stages * GEOMETRY.probes_per_segment)


def mask_completion(partial):
    """A stand-in generator: predicts 1 where the scan has sampled, 0 elsewhere."""
    return partial[..., 1:2]


def test_the_teacher_takes_the_candidate_that_lowers_the_completion_error_and_never_leaves_the_image():
    """Against the stand-in generator, the error falls where a segment covers the bright band: the teacher must follow it."""
    image = np.zeros((1, 32, 32), np.float32)
    image[0, 15:18, 16:] = 1.0  # a band from the centre to the right edge
    candidates = imitation.candidate_directions(8)
    views = ops.convert_to_tensor(np.float32([[1.0, 0.0]]))
    directions = ops.zeros((1, GEOMETRY.segments, 2))
    scores = ops.convert_to_numpy(
        imitation.teacher_scores(mask_completion, ops.convert_to_tensor(image), views, directions, 0, candidates, GEOMETRY)
    )
    assert scores.shape == (1, 8) and np.argmin(scores[0]) == 0  # candidate 0 points along +col, into the band
    # from the right edge every candidate but those pointing back inside leaves the image and scores OFF_IMAGE more
    taken, targets, _ = imitation.rollout(
        mask_completion, ops.convert_to_tensor(image), views, GEOMETRY, candidates, np.zeros(0, np.int32)
    )
    taken, targets = ops.convert_to_numpy(taken), ops.convert_to_numpy(targets)
    assert np.allclose(taken[0, 0], candidates[0]) and np.allclose(targets.sum(-1), 1.0)
    positions = fixed_paths.positions_of(taken[0], GEOMETRY)
    assert not pixel_indices(positions, 32)[1].any()  # no probe of the teacher's scan left the image


def test_soft_targets_favour_the_best_candidate_and_harden_to_its_choice():
    scores = ops.convert_to_tensor(np.float32([[0.2, 0.1, 0.105, 0.3]]))
    soft = ops.convert_to_numpy(imitation.soft_targets(scores, 0.05))[0]
    assert np.isclose(soft.sum(), 1.0) and np.argmax(soft) == 1 and soft[2] > soft[0] > soft[3]
    np.testing.assert_array_equal(ops.convert_to_numpy(imitation.soft_targets(scores, 0.0))[0], [0, 1, 0, 0])


def test_the_imitation_loss_is_lowest_along_the_target_direction():
    candidates = imitation.candidate_directions(16)
    target = np.zeros((1, 1, 16), np.float32)
    target[0, 0, 5] = 1.0
    losses = [
        float(
            ops.convert_to_numpy(
                imitation.imitation_loss(ops.convert_to_tensor(3.0 * c[None, None]), target, candidates, 8.0)
            )[0]
        )
        for c in candidates
    ]
    assert np.argmin(losses) == 5 and losses[13] == max(losses)  # lowest along u_5, highest opposite it


def test_dagger_aggregates_labelled_scans_and_hands_the_roll_in_from_teacher_to_actor():
    cfg = tiny(
        iterations=0,
        imitate_iterations=4,
        stage_training=True,
        teacher_directions=8,
        base_path='random_walk',
    )
    trainer = CRDPG(cfg)
    assert [trainer.teacher_share(m) for m in range(4)] == pytest.approx([1.0, 2 / 3, 1 / 3, 0.0])
    state, rng, metrics = run_steps(trainer, 2, data=images())
    assert {'losses/imitation', 'charts/teacher_share', 'charts/actor_agrees_with_teacher'} <= set(metrics)
    demos = flat(state)
    n = cfg.rollouts_per_iteration * 2
    targets = demos['demos/targets']
    np.testing.assert_allclose(targets[:n].sum(-1), 1.0, atol=1e-5)  # every visited decision labelled
    assert not targets[n:].any()  # the rest of the buffer still empty
    blind_start = trainer.teacher_blind_path[0]
    assert np.all(targets[:n, 0, blind_start] == 1.0)  # the first decision follows the base path
    np.testing.assert_allclose(demos['demos/directions'][:n, 0], np.broadcast_to(trainer.candidates[blind_start], (n, 2)))
    before = flat(trainer.initial_state())
    assert any(not np.array_equal(demos[k], before[k]) for k in demos if k.startswith('actor/'))
    assert any(not np.array_equal(demos[k], before[k]) for k in demos if k.startswith('generator/'))
