"""Actor backends: the float actor scans like the training code; the integer backends (reference, rtl-sim, the PYNQ
driver on a mock DMA) choose identical paths, integer for integer."""

from __future__ import annotations

import os
from pathlib import Path

import mock_pynq
import numpy as np
import pytest
from host_helpers import ROOT, smooth_images

from host.actors import ActorError, FloatActor, make_actor
from host.microscope import SimulatedMicroscope
from host.scan import acquire
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
    np.testing.assert_allclose(got, expected['positions'], atol=1e-3)
    assert not np.array_equal(got[0], got[1])  # the actor reacts to what it sees


# ---- integer backends -------------------------------------------------------------------------------------------
ACTOR_DIR = Path(os.environ.get('ACTOR_DIR', ROOT / 'hls' / 'actors' / 'default'))
needs_quantized_actor = pytest.mark.skipif(
    not (ACTOR_DIR / 'contract.json').is_file(), reason=f'no quantized actor in {ACTOR_DIR}: run make hls first'
)


def core_device(contract, reference):
    """The simulated actor core behind the mock DMA, wired as the block design wires it: the MM2S word's top bit is
    TUSER, the rest TDATA; then the contract's unpacking, one reference step, the contract's packing."""
    top = contract.tdata_in_bits - 1

    def device(words):
        beats = [(w & ~(1 << top), w >> top & 1, 1) for w in words]
        obs_q, first = contract.unpack_decision(beats)
        return [contract.pack_direction(reference.step(np.asarray(obs_q, np.int64), first=first))]

    return device


@pytest.fixture
def board(monkeypatch):
    """A mock PYNQ board holding actor.bit: returns the DMA register model."""
    from hls.contract import ActorContract
    from hls.reference import ReferenceActor

    mock_pynq.install(monkeypatch)
    contract = ActorContract.from_json(ACTOR_DIR / 'contract.json')
    widths = contract.tdata_in_bits, contract.tdata_out_bits
    return mock_pynq.design('actor.bit', core_device(contract, ReferenceActor.from_file(ACTOR_DIR)), *widths)


@needs_quantized_actor
def test_integer_backends_choose_identical_paths(board):
    images = smooth_images(4, seed=3)
    images[3] = np.where(images[3] > 0, 1.0, -1.0)  # saturated probe values
    backends = ['reference', 'pynq']
    try:
        import host.actor_rtl_sim  # noqa: F401

        backends.append('rtl-sim')
    except ImportError:
        pass
    scans = {b: scan_all(make_actor(b, ACTOR_DIR, overlay='actor.bit'), images) for b in backends}
    ref = scans['reference']
    assert all(s['actions_q'].shape == (DEFAULT_GEOMETRY.segments, 2) for s in ref)
    assert len({s['actions_q'].tobytes() for s in ref}) == len(images)  # the paths depend on the images
    for b in backends[1:]:
        for got, want in zip(scans[b], ref):
            assert np.array_equal(got['actions_q'], want['actions_q']), b
            assert np.array_equal(got['positions'], want['positions']), b


@needs_quantized_actor
def test_reference_backend_resets_state_each_scan():
    actor = make_actor('reference', ACTOR_DIR)
    image = smooth_images(1)
    first = scan_all(actor, np.repeat(image, 2, axis=0))
    assert np.array_equal(first[0]['actions_q'], first[1]['actions_q'])


@needs_quantized_actor
def test_pynq_driver_validates_and_times_out(board):
    from host.pynq_overlay import DeviceTimeout

    actor = make_actor('pynq', ACTOR_DIR, overlay='actor.bit', timeout_s=0.05)
    dma = actor.core.__self__.actor.axi_dma
    with pytest.raises(ValueError, match='positive'):
        dma.timeout_s = -1
    actor.reset()
    actor.step(np.zeros(DEFAULT_GEOMETRY.probes_per_segment + 2))
    board.stall = True
    with pytest.raises(DeviceTimeout, match='did not answer within 0.05 s'):
        actor.step(np.zeros(DEFAULT_GEOMETRY.probes_per_segment + 2))
    mock_pynq.design('narrow.bit', None, 64, 32)
    with pytest.raises(ActorError, match='rebuild the bitstream'):
        make_actor('pynq', ACTOR_DIR, overlay='narrow.bit')
    with pytest.raises(ActorError, match='not found'):
        make_actor('pynq', ACTOR_DIR, overlay='missing.bit')
