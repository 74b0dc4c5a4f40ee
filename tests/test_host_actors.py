"""Actor backends: the float actor scans like the training code; the per-decision integer backends (reference, rtl-sim)
choose identical paths, integer for integer; the PYNQ driver on a mock board (tests/mock_pynq.py) records exactly what
the sequencer model scans, times out and recovers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mock_pynq
import numpy as np
import pytest
from host_helpers import ROOT, smooth_images

from host.actors import ActorError, make_actor
from host.microscope import SimulatedMicroscope
from host.scan import acquire
from host.workstation import FloatActor
from model.geometry import DEFAULT_GEOMETRY


def scan_all(actor, images: np.ndarray) -> list[dict]:
    scope = SimulatedMicroscope(images, dwell_s=0)
    return [acquire(actor, scope, DEFAULT_GEOMETRY)[0] for _ in images]


def test_float_actor_scans_like_the_training_code(tmp_path):
    from model.networks import RecurrentSpec, build_actor
    from training.checkpoint import write_manifest
    from training.config import TrainConfig
    from training.evaluate import actor_scans

    model = build_actor(DEFAULT_GEOMETRY, RecurrentSpec(units=16, depth=2))
    model.save(tmp_path / 'actor.keras')
    (tmp_path / 'config.json').write_text(TrainConfig().to_json())
    write_manifest(tmp_path)
    images = smooth_images(3)
    scans = scan_all(FloatActor(tmp_path), images)
    expected = actor_scans(model, images, DEFAULT_GEOMETRY)
    got = np.stack([s['positions'] for s in scans])
    np.testing.assert_allclose(got, expected['positions'], atol=1e-3)  # one image at a time vs a batch: float rounding
    np.testing.assert_array_equal(np.stack([s['partial_scan'] for s in scans]), expected['partial_scan'])  # same pixels
    assert not np.array_equal(got[0], got[1])  # the actor reacts to what it sees


# ---- integer backends -------------------------------------------------------------------------------------------
ACTOR_DIR = Path(os.environ.get('ACTOR_DIR', ROOT / 'hls' / 'actors' / 'default'))
needs_quantized_actor = pytest.mark.skipif(
    not (ACTOR_DIR / 'contract.json').is_file(), reason=f'no quantized actor in {ACTOR_DIR}: run make hls first'
)


@pytest.fixture
def board(monkeypatch):
    """A mock PYNQ board holding actor.bit (hls.board_design's hierarchy, the sequencer model behind it)."""
    from hls.reference import ReferenceActor

    mock_pynq.install(monkeypatch)
    return mock_pynq.board('actor.bit', ReferenceActor.from_file(ACTOR_DIR))


@needs_quantized_actor
def test_integer_backends_choose_identical_paths():
    images = smooth_images(4, seed=3)
    images[3] = np.where(images[3] > 0, 1.0, -1.0)  # saturated probe values
    backends = ['reference']
    try:
        import host.actor_rtl_sim  # noqa: F401

        backends.append('rtl-sim')
    except ImportError:
        pass
    scans = {b: scan_all(make_actor(b, ACTOR_DIR), images) for b in backends}
    ref = scans['reference']
    assert all(s['actions_q'].shape == (DEFAULT_GEOMETRY.segments, 2) for s in ref)
    assert len({s['actions_q'].tobytes() for s in ref}) == len(images)  # the paths depend on the images
    for b in backends[1:]:
        for got, want in zip(scans[b], ref):
            assert np.array_equal(got['actions_q'], want['actions_q']), b
            assert np.array_equal(got['positions'], want['positions']), b


@needs_quantized_actor
def test_fabric_backend_records_what_the_sequencer_scanned(board):
    """The pynq backend on the mock board: the scan record rebuilt from the report words equals the sequencer model's
    scan of the same raw image (decisions, positions, observations, values)."""
    from hls.contract import DetectorCalibration
    from hls.reference import ReferenceActor
    from hls.sequencer_model import SequencerConfig, run_scans

    images = smooth_images(3, seed=4)
    cal = DetectorCalibration.spanning(-3000, 9000)
    actor = make_actor('pynq', ACTOR_DIR, overlay='actor.bit', calibration=cal)
    scans = scan_all(actor, images)
    cfg = SequencerConfig(DEFAULT_GEOMETRY)
    want = run_scans(ReferenceActor.from_file(ACTOR_DIR), cal.raw(images), cal, cfg)
    got = {k: np.stack([s[k] for s in scans]) for k in scans[0]}
    assert np.array_equal(got['actions_q'], want['actions'])
    assert np.array_equal(got['positions'], (want['positions'] / 2.0**cfg.position_frac).astype(np.float32))
    assert np.array_equal(got['observations'], actor.contract.input.to_float(want['observations']))
    assert np.array_equal(got['values'], cal.feature(want['raw']).astype(np.float32))
    assert board.starts == 3 and board.regs['OFFSET'] == cal.offset & 0xFFFF and board.regs['GAIN'] == cal.gain


@needs_quantized_actor
def test_pynq_driver_validates_times_out_and_recovers(board):
    from host.pynq_overlay import DeviceTimeout

    actor = make_actor('pynq', ACTOR_DIR, overlay='actor.bit', timeout_s=0.05)
    hierarchy = actor.overlay.scan
    with pytest.raises(ValueError, match='offset must be'):
        hierarchy.sequencer.offset = 40000
    with pytest.raises(ValueError, match='gain must be'):
        hierarchy.sequencer.gain = -1
    images = smooth_images(2)
    scan_all(actor, images[:1])
    board.stall = True
    with pytest.raises(DeviceTimeout, match='did not finish within 0.05 s'):
        scan_all(actor, images[1:])
    assert board.aborts == 1 and hierarchy.dma.resets == 1 and not board.busy
    board.stall = False
    assert scan_all(actor, images[1:])[0]['actions_q'].shape == (DEFAULT_GEOMETRY.segments, 2)  # scanning again
    with pytest.raises(ActorError, match='fabric'):
        make_actor('pynq', ACTOR_DIR, overlay='actor.bit').acquire(SimulatedMicroscope(images, dose=10.0), DEFAULT_GEOMETRY)
    with pytest.raises(ActorError, match='not found'):
        make_actor('pynq', ACTOR_DIR, overlay='missing.bit')


@needs_quantized_actor
def test_pynq_driver_refuses_a_bitstream_for_another_geometry(monkeypatch):
    from dataclasses import replace

    from hls.contract import ActorContract
    from hls.reference import ReferenceActor

    mock_pynq.install(monkeypatch)
    ref = ReferenceActor.from_file(ACTOR_DIR)
    ref.contract = replace(ref.contract, geometry=replace(DEFAULT_GEOMETRY, segments=12))
    mock_pynq.board('other.bit', ref)
    assert ActorContract.from_json(ACTOR_DIR / 'contract.json').geometry.segments != 12
    with pytest.raises(ActorError, match='rebuild the bitstream'):
        make_actor('pynq', ACTOR_DIR, overlay='other.bit')


@needs_quantized_actor
def test_the_board_program_imports_nothing_from_training_or_keras(tmp_path):
    """A board has no TensorFlow: run_scan.py with the reference core, storing scans, while `training`, `keras` and
    `tensorflow` cannot be imported at all."""
    np.save(tmp_path / 'images.npy', smooth_images(2))
    code = (
        'import sys; sys.modules.update(training=None, keras=None, tensorflow=None); '
        'from host import run_scan; sys.exit(run_scan.main(sys.argv[1:]))'
    )
    args = ['--images', str(tmp_path / 'images.npy'), '--server', 'none', '--scans', '2', '--out', str(tmp_path / 'scans')]
    r = subprocess.run([sys.executable, '-c', code, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and len(list((tmp_path / 'scans' / 'pending').glob('*.npz'))) == 2, r.stderr[-2000:]


@needs_quantized_actor
def test_pynq_driver_saturates_raw_values_outside_the_detector_word(board):
    """A raw image with values beyond int16 is scanned as the same image clipped to the detector word, not wrapped
    (40,000 would become -25,536)."""
    from hls.contract import RAW, unpack_report

    actor = make_actor('pynq', ACTOR_DIR, overlay='actor.bit')
    n = DEFAULT_GEOMETRY.image_size
    raw = np.where(np.add.outer(np.arange(n), np.arange(n)) % 2 == 0, 40000, -1_000_000).astype(np.int64)
    got = unpack_report(actor.overlay.scan.run(raw))['raw']
    want = unpack_report(actor.overlay.scan.run(np.clip(raw, RAW.qmin, RAW.qmax)))['raw']
    assert np.array_equal(got, want) and set(np.unique(got)) <= {RAW.qmin, RAW.qmax} and RAW.qmax in got
