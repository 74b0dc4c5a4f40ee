"""The predicted-error greedy policy (training/error_map.py): where it scans, that it never leaves the image, and the
error map's training data."""

import numpy as np
import pytest

pytest.importorskip('keras')
from keras import ops  # noqa: E402

from model import fixed_paths, scan_ops  # noqa: E402
from model.geometry import ScanGeometry  # noqa: E402
from model.scan_numpy import pixel_indices  # noqa: E402
from tests.test_training import SMALL_SCAN, images  # noqa: E402
from training import candidates, error_map, imitation  # noqa: E402

GEOMETRY = ScanGeometry(**SMALL_SCAN)


def band_error(partial, training=False):
    """A stand-in error map: large along rows 14-17 (a band through the centre), small elsewhere."""
    rows = np.zeros((1, 32, 32, 1), np.float32)
    rows[:, 14:18] = 1.0
    return ops.broadcast_to(ops.convert_to_tensor(rows + 0.01), (partial.shape[0], 32, 32, 1))


def test_segment_pixels_marks_each_scanned_pixel_once():
    start = ops.convert_to_tensor(np.float32([[16.0, 16.0], [16.0, 16.0]]))
    direction = ops.convert_to_tensor(np.float32([[0.0, 1.0], [1.0, 0.0]]))
    covered = ops.convert_to_numpy(candidates.segment_pixels(start, direction, GEOMETRY)).reshape(2, 32, 32)
    positions, _ = scan_ops.segment_positions(start, direction, GEOMETRY)
    idx = ops.convert_to_numpy(scan_ops.pixel_indices(positions, 32)[0])
    for i in range(2):
        expect = np.zeros((32, 32))
        expect[idx[i, :, 0], idx[i, :, 1]] = 1
        np.testing.assert_array_equal(covered[i], expect)


def test_a_segment_ending_where_the_next_must_start_outside_counts_as_leaving():
    g = GEOMETRY
    length = g.spacing * g.probes_per_segment
    inside_but_ends_out = np.float32([[16.0, 31.0 - length + g.spacing]])  # last probe inside, next start beyond 31.5
    right = ops.convert_to_tensor(np.float32([[0.0, 1.0]]))
    positions, next_start = scan_ops.segment_positions(ops.convert_to_tensor(inside_but_ends_out), right, g)
    assert not ops.convert_to_numpy(scan_ops.pixel_indices(positions, 32)[1]).any()
    assert ops.convert_to_numpy(candidates.leaves_image(ops.convert_to_tensor(inside_but_ends_out), right, g))[0]
    assert not ops.convert_to_numpy(candidates.leaves_image(ops.convert_to_tensor(np.float32([[16.0, 4.0]])), right, g))[0]


def test_the_greedy_policy_covers_the_predicted_error_and_never_leaves_the_image():
    imgs = ops.convert_to_tensor(images(4))
    views = ops.convert_to_tensor(np.tile(np.float32([1.0, 0.0]), (4, 1)))
    directions = candidates.greedy_scan(
        error_map.scorer(band_error), imgs, views, GEOMETRY, imitation.candidate_directions(8), np.zeros(0)
    )
    directions = ops.convert_to_numpy(directions)
    assert directions.shape == (4, GEOMETRY.segments, 2)
    assert np.allclose(np.abs(directions[:, 0, 1]), 1.0)  # the first segment runs along the band (+-col)
    for d in directions:
        positions = fixed_paths.positions_of(d, GEOMETRY)
        assert not pixel_indices(positions, 32)[1].any()
        rows = np.floor(positions[:, 0] + 0.5)
        assert np.mean((rows >= 14) & (rows < 18)) > 0.4  # most probes on the band: a fixed path's share is ~0.12


def test_the_error_maps_training_pairs_are_the_generators_errors_on_stopped_scans():
    class Flat:  # a stand-in generator: completes every scan to 0
        def predict_on_batch(self, scans):
            return np.zeros((*scans.shape[:3], 1), np.float32)

    imgs = images(8)
    walks = [fixed_paths.random_walk_inside(GEOMETRY, seed=s) for s in range(4)]
    bank = np.stack([fixed_paths.positions_of(w, GEOMETRY) for w in walks])
    scans, errors = error_map.training_batch(Flat(), imgs, bank, GEOMETRY, np.random.default_rng(0), 6)
    assert scans.shape == (6, 32, 32, 2) and errors.shape == (6, 32, 32, 1)
    # the target is |G(scan) - image| = |image| here: each one an augmented (turned, flipped, inverted) training image
    pools = [np.sort(np.abs(im).ravel()) for im in imgs]
    assert all(any(np.allclose(np.sort(e.ravel()), pool, atol=1e-6) for pool in pools) for e in errors[..., 0])
    masks = scans[..., 1].sum((1, 2))
    assert set(np.unique(scans[..., 1])) <= {0.0, 1.0} and masks.min() >= 1 and masks.max() <= GEOMETRY.probes
    assert len(set(masks.tolist())) > 1  # stopped after different numbers of segments
