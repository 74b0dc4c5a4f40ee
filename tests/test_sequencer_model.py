"""The scan sequencer's NumPy model (hls/sequencer_model.py) and the calibration and word formats of hls/contract.py.

The RTL is compared with this model in rtl_tests/scan_sequencer; here the model is compared with the float environment
(model.scan_numpy) and with exact arithmetic."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from hls.contract import DEFAULT_CONTRACT, RAW, DetectorCalibration, FixedPoint, pack_report, unpack_report
from hls.sequencer_model import (
    SequencerConfig,
    exact_position_division,
    pixels,
    position_features,
    replay,
    run_scans,
    segment_positions,
    step_vectors,
)
from model.geometry import DEFAULT_GEOMETRY, ScanGeometry
from model.observation import encode_position
from model.scan_numpy import path_positions, pixel_indices

ACTOR = Path(__file__).resolve().parents[1] / 'hls' / 'actors' / 'default'
CFG = SequencerConfig(DEFAULT_GEOMETRY)
AGREEMENT = 0.999  # the least share of probes on which the model must choose the float environment's pixel


def model_pixels(actions_q: np.ndarray, cfg: SequencerConfig = CFG) -> np.ndarray:
    """Nearest pixels (N, T, P, 2) of whole paths of integer actions (N, T, 2), by the sequencer's arithmetic."""
    start = np.full((len(actions_q), 2), cfg.centre, np.int64)
    out = []
    for t in range(cfg.geometry.segments):
        pos, start = segment_positions(start, step_vectors(actions_q[:, t], cfg), cfg)
        out.append(pixels(pos, cfg)[0])
    return np.stack(out, 1)


def float_pixels(actions_q: np.ndarray, geometry: ScanGeometry = DEFAULT_GEOMETRY) -> np.ndarray:
    """The same paths in the float32 environment."""
    actions = DEFAULT_CONTRACT.decode_action(actions_q).astype(np.float32)
    return np.stack([pixel_indices(path_positions(a, geometry)[0], geometry.image_size)[0] for a in actions])


def agreement(actions_q) -> float:
    return float(np.mean(np.all(model_pixels(actions_q) == float_pixels(actions_q), -1)))


def test_pixels_agree_with_the_float_environment_on_random_directions():
    rng = np.random.default_rng(0)
    actions = rng.integers(-512, 512, (600, DEFAULT_GEOMETRY.segments, 2))
    actions[:50] = 0  # zero actions: direction (0, 1)
    actions[50:100, :, 0] = 0  # axis directions, where positions land on pixel boundaries most often
    assert agreement(actions) >= AGREEMENT


def test_pixels_agree_with_the_float_environment_on_the_actors_paths():
    from hls.reference import ReferenceActor
    from hls.scan import reference_scans
    from training.data import load_split

    actions = reference_scans(ReferenceActor.from_file(ACTOR), load_split('procedural', 'test')[:150])['action']
    assert agreement(actions) >= AGREEMENT


def test_step_has_the_spacing_and_the_actions_direction():
    rng = np.random.default_rng(1)
    actions = np.concatenate([rng.integers(-512, 512, (5000, 2)), [[0, 0], [0, 1], [0, -1], [1, 0], [-512, 0], [511, -512]]])
    steps = step_vectors(actions, CFG) / 2.0**CFG.position_frac
    v = np.where(np.all(actions == 0, -1, keepdims=True), [0, 1], actions).astype(np.float64)
    exact = DEFAULT_GEOMETRY.spacing * v / np.linalg.norm(v, axis=-1, keepdims=True)
    assert np.max(np.abs(steps - exact)) < 2e-6 * DEFAULT_GEOMETRY.spacing
    assert np.allclose(steps[-6], [0, DEFAULT_GEOMETRY.spacing], atol=2e-6)  # zero action: (0, 1)


def test_position_features_are_the_contracts_rounding_of_the_exact_position():
    rng = np.random.default_rng(2)
    n, frac = DEFAULT_GEOMETRY.image_size, CFG.position_frac
    starts = np.concatenate([rng.integers(-600 << frac, 700 << frac, (3000, 2)), [[CFG.centre, CFG.centre]]])
    got = position_features(starts, CFG, DEFAULT_CONTRACT)
    fmt = DEFAULT_CONTRACT.input
    for s, q in zip(starts[:300], got[:300]):
        for x, qx in zip(s, q):
            f = (Fraction(int(x), 2**frac) - Fraction(n, 2)) / Fraction(n, 2) * 2**fmt.frac + Fraction(1, 2)
            assert qx == min(max(f.numerator // f.denominator, fmt.qmin), fmt.qmax)
    assert np.array_equal(got[-1], [0, 0])  # the centre
    float_path = DEFAULT_CONTRACT.encode_observation(
        np.concatenate([np.zeros((len(starts), 20)), encode_position(starts / 2.0**frac, DEFAULT_GEOMETRY)], -1)
    )[:, 20:]
    assert np.mean(float_path == got) >= AGREEMENT


@pytest.mark.parametrize('image_size', [96, 64, 95, 128])
def test_the_rtls_division_by_the_image_size_is_exact(image_size):
    assert exact_position_division(SequencerConfig(ScanGeometry(image_size=image_size)), DEFAULT_CONTRACT.input.bits)


@pytest.mark.parametrize('offset, gain', [(0, 1 << 10), (-32768, (1 << 24) - 1), (1234, 77), (32767, 1), (-5, 1 << 16)])
def test_calibration_is_the_contracts_rounding_of_the_real_feature(offset, gain):
    cal = DetectorCalibration(offset=offset, gain=gain)
    raw = np.arange(RAW.qmin, RAW.qmax + 1)
    assert np.array_equal(cal.feature_q(raw), DEFAULT_CONTRACT.input.quantize(cal.feature(raw)))


def test_calibration_spanning_maps_the_range_onto_minus_one_to_one():
    cal = DetectorCalibration.spanning(1000, 9000)
    assert np.allclose(cal.feature([1000, 5000, 9000]), [-1, 0, 1], atol=1e-4)
    assert np.array_equal(cal.raw(cal.feature([1000, 5000, 9000])), [1000, 5000, 9000])
    with pytest.raises(ValueError, match='gain'):
        DetectorCalibration(gain=1 << 24)
    with pytest.raises(ValueError, match='offset'):
        DetectorCalibration(offset=40000)


def test_report_words_round_trip():
    rng = np.random.default_rng(3)
    raw, row, col = rng.integers(-32768, 32768, 50), rng.integers(0, 96, 50), rng.integers(0, 96, 50)
    action = rng.integers(-512, 512, (50, 2))
    back = unpack_report(pack_report(raw, row, col, action))
    assert np.array_equal(back['raw'], raw) and np.array_equal(back['row'], row) and np.array_equal(back['col'], col)
    assert np.array_equal(back['action'], action)


def test_replay_rebuilds_a_scan_from_its_decisions_and_samples():
    from hls.reference import ReferenceActor
    from training.data import load_split

    ref = ReferenceActor.from_file(ACTOR)
    cal = DetectorCalibration.spanning(-20000, 20000, ref.contract.input)
    scans = run_scans(ref, cal.raw(load_split('procedural', 'test')[:3]), cal, CFG)
    for k in range(3):
        again = replay(scans['actions'][k], scans['raw'][k], cal, CFG, ref.contract)
        for key in ('positions', 'pixels', 'observations'):
            assert np.array_equal(again[key], scans[key][k]), key
        assert np.array_equal(again['starts'], scans['starts'][k])


def test_sequencer_config_derives_widths_from_the_geometry():
    assert CFG.position_bits == 31 and CFG.position_int == 11  # positions within +-1024 px: a whole path off the centre
    big = SequencerConfig(ScanGeometry(image_size=256, segments=40, probes_per_segment=30))
    assert 2 ** (big.position_int - 1) > 128 + 40 * 30 * big.geometry.spacing
    with pytest.raises(ValueError, match='256'):
        SequencerConfig(ScanGeometry(image_size=300))
    assert FixedPoint(24, 0, signed=False).qmax == (1 << 24) - 1
