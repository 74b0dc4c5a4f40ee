"""Fixed scan paths: equal dose, exact spacing, inside the image, and the pixels sampled are the intended ones."""

import json

import numpy as np
import pytest

from model import fixed_paths
from model.geometry import DEFAULT_GEOMETRY as G
from model.scan_numpy import sample

PATHS = sorted(fixed_paths.FIXED_PATHS)


def index_image(size=96):
    """Each pixel holds its own flat index, so a sampled value says exactly which pixel was read."""
    return np.arange(size * size, dtype=np.float64).reshape(size, size)


def nearest_pixel_by_hand(position, size=96):
    """Independent nearest-pixel rule: round half up (never floor), clamp to the image."""
    r, c = (min(max(int(np.floor(float(v) + 0.5)), 0), size - 1) for v in position)
    return r * size + c


@pytest.mark.parametrize('name', PATHS)
def test_equal_dose_exact_spacing_and_start_at_centre(name):
    positions = fixed_paths.FIXED_PATHS[name](G)
    assert positions.shape == (G.probes, 2) == (400, 2)
    steps = np.linalg.norm(np.diff(positions.astype(np.float64), axis=0), axis=1)
    np.testing.assert_allclose(steps, np.sqrt(2), atol=1e-4)
    np.testing.assert_allclose(positions[0], G.start, atol=1e-5)


@pytest.mark.parametrize('name', PATHS)
def test_fixed_paths_stay_inside_the_image(name):
    positions = fixed_paths.FIXED_PATHS[name](G)
    assert fixed_paths.path_penalty(positions, G) == 0.0
    assert positions.min() > -0.5 and positions.max() < G.image_size - 0.5


@pytest.mark.parametrize('name', PATHS)
def test_sampled_pixels_are_the_intended_ones(name):
    """The paper's public code mutated positions in place and sampled the wrong pixels for its spiral: catch that."""
    positions = fixed_paths.FIXED_PATHS[name](G)
    kept = positions.copy()
    values, _, _ = sample(index_image(), positions)
    np.testing.assert_array_equal(positions, kept)  # sampling must not modify the path
    expected = [nearest_pixel_by_hand(p) for p in positions]
    assert values.astype(np.int64).tolist() == expected
    scan = fixed_paths.partial_scan_for(index_image(), positions, G)
    assert scan[..., 1].sum() == len(set(expected))
    np.testing.assert_array_equal(np.flatnonzero(scan[..., 1].ravel()), sorted(set(expected)))


def test_spiral_and_serpentine_visit_almost_400_distinct_pixels():
    for name in ('spiral', 'serpentine'):
        visited = {nearest_pixel_by_hand(p) for p in fixed_paths.FIXED_PATHS[name](G)}
        assert len(visited) >= 390, (name, len(visited))


def test_spiral_lies_on_an_archimedean_spiral_ending_inside_the_image():
    offset = fixed_paths.spiral(G).astype(np.float64) - G.start
    radius = np.linalg.norm(offset, axis=1)
    phi = np.unwrap(np.arctan2(offset[1:, 0], offset[1:, 1]))  # phi = 0 points along +col; probe 1 is at phi < pi
    b = radius[1:] / phi
    np.testing.assert_allclose(b, b[0], rtol=1e-4)  # r = b * phi along the whole path
    assert np.all(np.diff(radius) > 0)
    r_max = G.image_size / 2 - 1 - G.spacing  # the chosen outer radius
    assert r_max - 0.01 < radius[-1] < r_max + 1e-4
    assert 3.5 < phi[-1] / (2 * np.pi) < 4.5  # ~3.9 turns of pitch 2 pi b ~ 11.6 px


def test_random_walks_are_seeded_and_only_the_inside_variant_never_leaves():
    a = fixed_paths.random_walk(G, seed=5)
    np.testing.assert_array_equal(a, fixed_paths.random_walk(G, seed=5))
    assert not np.array_equal(a, fixed_paths.random_walk(G, seed=6))
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-6)
    for seed in range(10):
        inside = fixed_paths.positions_of(fixed_paths.random_walk_inside(G, seed=seed), G)
        assert fixed_paths.path_penalty(inside, G) == 0.0
    free = [fixed_paths.path_penalty(fixed_paths.positions_of(fixed_paths.random_walk(G, seed=s), G), G) for s in range(10)]
    assert max(free) > 0  # unconstrained random directions do leave the image


def test_path_penalty_counts_segments_with_off_image_probes():
    positions = fixed_paths.FIXED_PATHS['serpentine'](G).copy()
    positions[25] = [-0.6, 10.0]  # segment 1
    positions[399] = [50.0, 95.5]  # segment 19
    assert fixed_paths.path_penalty(positions, G) == pytest.approx(2 * G.over_edge_penalty)


def test_learned_path_is_validated(tmp_path):
    directions = fixed_paths.serpentine(G)
    learned = fixed_paths.learned_fixed_path(directions.tolist(), G)
    np.testing.assert_array_equal(learned, fixed_paths.FIXED_PATHS['serpentine'](G))
    (tmp_path / 'extras.json').write_text(json.dumps({'learned_path': directions.tolist()}))
    assert fixed_paths.load_learned_path(tmp_path / 'extras.json', G).shape == (400, 2)
    (tmp_path / 'path.json').write_text(json.dumps(directions.tolist()))
    assert fixed_paths.load_learned_path(tmp_path / 'path.json', G).shape == (400, 2)
    with pytest.raises(ValueError, match='20 finite'):
        fixed_paths.learned_fixed_path(directions[:5], G)
    bad = directions.copy()
    bad[3, 0] = np.nan
    with pytest.raises(ValueError, match='finite'):
        fixed_paths.learned_fixed_path(bad, G)
    (tmp_path / 'other.json').write_text(json.dumps({'seed': 1}))
    with pytest.raises(ValueError, match="no 'learned_path'"):
        fixed_paths.load_learned_path(tmp_path / 'other.json', G)
    with pytest.raises(ValueError, match='cannot read'):
        fixed_paths.load_learned_path(tmp_path / 'missing.json', G)
