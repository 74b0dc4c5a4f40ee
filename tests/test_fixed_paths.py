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


def test_random_walk_is_seeded_and_inside_variant_never_leaves():
    a = fixed_paths.random_walk_actions(G, seed=5)
    np.testing.assert_array_equal(a, fixed_paths.random_walk_actions(G, seed=5))
    assert not np.array_equal(a, fixed_paths.random_walk_actions(G, seed=6))
    for seed in range(10):
        assert fixed_paths.path_penalty(fixed_paths.positions_of(fixed_paths.random_walk_actions(G, seed=seed), G), G) == 0.0
    free = [fixed_paths.path_penalty(fixed_paths.positions_of(fixed_paths.random_walk_actions(G, seed=s, inside=False), G), G) for s in range(10)]
    assert max(free) > 0  # unconstrained random directions do leave the image


def test_learned_path_is_validated(tmp_path):
    directions = fixed_paths.serpentine_actions(G)
    np.testing.assert_array_equal(fixed_paths.learned_fixed_path(directions.tolist(), G), fixed_paths.FIXED_PATHS['serpentine'](G))
    (tmp_path / 'extras.json').write_text(json.dumps({'learned_path': directions.tolist()}))
    assert fixed_paths.load_learned_path(tmp_path / 'extras.json', G).shape == (400, 2)
    with pytest.raises(ValueError, match='20 finite'):
        fixed_paths.learned_fixed_path(directions[:5], G)
    bad = directions.copy()
    bad[3, 0] = np.nan
    with pytest.raises(ValueError, match='finite'):
        fixed_paths.learned_fixed_path(bad, G)
