"""bench/quality.py end to end at the tiny size: it trains the missing runs with the standard commands, evaluates every
method on held-out images and writes the results the README quotes (the committed run is the quality preset)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY_S = 3000
"""Each call trains and evaluates several tiny runs: minutes idle, far longer on a loaded 2-core machine (make test
runs every test under --timeout 900, which these override)."""


def quality(tmp_path, *args, preset='tiny'):
    cmd = [
        sys.executable,
        'bench/quality.py',
        '--preset',
        preset,
        '--runs',
        str(tmp_path / 'runs'),
        '--out',
        str(tmp_path / 'out'),
    ]
    env = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '3'}
    return subprocess.run([*cmd, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=HEAVY_S)


@pytest.mark.timeout(2 * HEAVY_S + 600)
def test_quality_benchmark_at_the_tiny_size(tmp_path):
    args = ['--seeds', '0', '--random-walk-seeds', '0', '--plain-seeds', '--anchor-seeds', '0', '--n-test', '16']
    r = quality(tmp_path, *args)
    assert r.returncode == 0, r.stderr[-3000:]
    result = json.loads((tmp_path / 'out' / 'quality_tiny.json').read_text())
    methods = result['methods']
    assert {'adaptive', 'anchored_actor', 'fixed_spiral', 'fixed_serpentine', 'fixed_random_walk', 'flat_true_mean'} <= set(
        methods
    )
    assert 'plain_crdpg' not in methods  # --plain-seeds with no seed skips that run
    assert not (tmp_path / 'runs' / 'tiny-plain-seed0').exists()
    best = result['best_fixed']
    assert methods[best]['mse'] == min(methods[f'fixed_{p}']['mse'] for p in ('spiral', 'serpentine', 'random_walk'))
    ratio, (lo, hi) = result['adaptive_over_best_fixed_mse'], result['adaptive_over_best_fixed_interval95']
    assert ratio == methods['adaptive']['mse'] / methods[best]['mse'] and lo <= ratio <= hi
    assert result['test_unseen']['n_images'] == result['test_miscalibrated']['n_images'] == result['n_images'] == 16
    assert 0 <= methods['adaptive']['path_spread_deg'] <= 180 and 'path_spread_deg' in methods['anchored_actor']
    rows = json.loads((tmp_path / 'out' / 'quality_tiny_ablations.json').read_text())['rows']
    assert [r['ratio'] for r in rows] == [ratio, result['levers_over_best_fixed']['anchored_actor']['mse_ratio']]
    assert (tmp_path / 'out' / 'quality_tiny_paths.png').stat().st_size > 0

    # a second call reuses the finished runs: nothing is trained again
    again = quality(tmp_path, *args)
    assert again.returncode == 0 and '+ -m training' not in again.stdout, again.stdout[-2000:]


@pytest.mark.timeout(2 * HEAVY_S + 600)
def test_quality_benchmark_of_the_imitation_actor_reports_the_greedy_teacher(tmp_path):
    """An imitation preset: the actor taught by the greedy teacher against the fixed paths, and the teacher itself (the
    adaptivity bound) on the first images, compared on the same images."""
    args = ['--seeds', '0', '--fixed-seeds', '0', '--plain-seeds', '--anchor-seeds', '--n-test', '8', '--oracle-images', '4']
    r = quality(tmp_path, *args, preset='tiny_imitation')
    assert r.returncode == 0, r.stderr[-3000:]
    result = json.loads((tmp_path / 'out' / 'quality_tiny_imitation.json').read_text())
    bound, methods = result['oracle_greedy'], result['methods']
    assert bound['n_images'] == 4 and bound['teacher_directions'] == 4
    assert bound['oracle_over_best_fixed'] == bound['mse'] / bound['best_fixed_mse_same_images']
    lo, hi = bound['oracle_over_best_fixed_interval95']
    assert lo <= bound['oracle_over_best_fixed'] <= hi
    assert bound['best_fixed_mse_same_images'] != methods[result['best_fixed']]['mse']  # 4 of the 8 images, not all
    assert result['test_unseen']['oracle_greedy']['n_images'] == 4
    assert 'adaptivity bound' in (tmp_path / 'out' / 'quality_tiny_imitation.md').read_text()
