"""Actor backends. Per decision: `reset()` at the start of each scan, `step(obs (22,)) -> action (2,)`; per scan (the
fabric runs the whole scan loop): `acquire(microscope, geometry) -> (arrays, meta)`.

    pynq       whole scans in the FPGA on a PYNQ board: the scan sequencer and the core (host.pynq_overlay); per scan
    rtl-sim    the core's RTL in a simulator (host.actor_rtl_sim.RtlSimActor); per decision
    reference  the bit-exact integer model (hls.reference.ReferenceActor); per decision
    float      the trained Keras actor (training.checkpoint.load_actor; needs TensorFlow: workstation only)
    policy     a registered policy (checkpoints/policies.json; default: the best measured one): its fixed path (NumPy
               only, FixedPathActor) or its float actor
    scripted   no model: a fixed turning path, for trying the pipeline before any actor exists

The per-decision integer backends share `IntegerActor`: observations are encoded to the contract's input grid, the core
computes an integer output, the contract decodes it. `last_q` keeps the integer output (stored with each scan), and the
first decision of every scan carries first=True so the core resets its recurrent state.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from model import policies
from model.scan_numpy import partial_scan, pixel_indices
from model.shipped import DEFAULT_ACTOR_DIR, locate  # noqa: F401  (DEFAULT_ACTOR_DIR: the committed quantized actor)

BACKENDS = ('pynq', 'rtl-sim', 'reference', 'float', 'policy', 'scripted')


class ActorError(RuntimeError):
    """The actor backend failed (missing files, dead device, timeout)."""


def load_contract(actor_dir: str | Path):
    """The ActorContract of a quantized actor folder and the SHA-256 of its contract.json."""
    path = Path(actor_dir) / 'contract.json'
    if not path.is_file():
        raise ActorError(f'{path} not found: pass --actor-dir a quantized actor folder (python -m hls.distill makes one)')
    from hls.contract import ActorContract

    return ActorContract.from_json(path), hashlib.sha256(path.read_bytes()).hexdigest()


class IntegerActor:
    """Float observations -> contract integers -> `core(obs_q, first) -> out_q` -> float action."""

    def __init__(self, name: str, contract, core, contract_hash: str):
        self.name, self.contract, self.core, self.contract_hash = name, contract, core, contract_hash
        self.first, self.last_q = True, None

    def reset(self) -> None:
        self.first = True

    def step(self, obs: np.ndarray) -> np.ndarray:
        obs_q = np.asarray(self.contract.encode_observation(np.asarray(obs, np.float64)), np.int64)
        self.last_q = np.asarray(self.core(obs_q, self.first), np.int64)
        self.first = False
        return np.asarray(self.contract.decode_action(self.last_q), np.float64)


def reference_core(actor_dir: str | Path):
    """ReferenceActor as a core: first=True zeroes its recurrent state before the step, as the FPGA core does."""
    from hls.reference import ReferenceActor

    ref = ReferenceActor.from_file(actor_dir)
    return lambda obs_q, first: ref.step(obs_q, first=first)


class FabricActor:
    """The pynq backend: the fabric runs each whole scan (host.pynq_overlay.ScanOverlay); the PS converts the image to
    raw detector samples for the board's microscope emulator, starts the scan and rebuilds the scan record from the
    report words with the sequencer's model (hls.sequencer_model.replay), checking the fabric's pixels against it."""

    name = 'pynq'
    last_q = None

    def __init__(self, overlay, contract, contract_hash: str, calibration, clock_hz: float = 100e6):
        from hls.sequencer_model import SequencerConfig

        self.overlay, self.contract, self.contract_hash, self.calibration = overlay, contract, contract_hash, calibration
        self.cfg = SequencerConfig(contract.geometry)
        self.clock_hz = clock_hz

    def acquire(self, microscope, geometry) -> tuple[dict, dict]:
        """One scan in the fabric; returns (arrays, meta) like host.scan.acquire."""
        import time

        from hls.contract import unpack_report
        from hls.sequencer_model import replay
        from model.scan_numpy import partial_scan

        if geometry != self.contract.geometry:
            raise ActorError(f'the overlay scans {self.contract.geometry}, not {geometry}')
        if not hasattr(microscope, 'images') or getattr(microscope, 'dose', None) or getattr(microscope, 'jitter_px', 0):
            raise ActorError(
                'the pynq backend scans in the fabric, whose microscope emulator holds a stored image: use the simulated '
                "microscope without --dose and --jitter (a real instrument connects to the sequencer's streams instead)"
            )
        meta = {'time_start': time.time(), **microscope.begin_scan()}
        raw_image = self.calibration.raw(microscope.images[microscope.image_id])
        t0 = time.perf_counter()
        words = self.overlay.scan.run(raw_image)
        wall = time.perf_counter() - t0
        g = self.contract.geometry
        report = unpack_report(words)
        actions_q = report['action'].reshape(g.segments, g.probes_per_segment, 2)
        if np.any(actions_q != actions_q[:, :1]):
            raise ActorError('the report words of one segment carry different decisions: fabric fault')
        actions_q = actions_q[:, 0]
        raw = report['raw'].reshape(g.segments, g.probes_per_segment)
        scan = replay(actions_q, raw, self.calibration, self.cfg, self.contract)
        reported = np.stack([report['row'], report['col']], -1).reshape(scan['pixels'].shape)
        if not np.array_equal(reported, scan['pixels']):
            bad = int(np.sum(np.any(reported != scan['pixels'], -1)))
            raise ActorError(f'{bad} probe positions of the fabric differ from the sequencer model: fabric fault')
        counters = self.overlay.scan.sequencer.counters()
        values = self.calibration.feature(raw).astype(np.float32)
        arrays = {
            'positions': (scan['positions'] / 2.0**self.cfg.position_frac).astype(np.float32),
            'values': values,
            'observations': self.contract.input.to_float(scan['observations']).astype(np.float32),
            'actions': self.contract.decode_action(actions_q).astype(np.float32),
            'actions_q': actions_q.astype(np.int64),
            'actor_s': np.full(g.segments, counters['decision_cycles'] / self.clock_hz, np.float32),
            'scan_s': np.full(g.segments, wall / g.segments, np.float32),
            'partial_scan': partial_scan(values, scan['pixels'], g.image_size),
        }
        meta.update(
            time_end=time.time(), backend=self.name, contract_hash=self.contract_hash, geometry=geometry.to_json(),
            calibration={'offset': self.calibration.offset, 'gain': self.calibration.gain}, fabric_cycles=counters,
        )  # fmt: skip
        return arrays, meta


class FixedPathActor:
    """A registered fixed-path policy (the spiral): the same probe positions in every scan, read from its checkpoint's
    extras.json, scanned segment by segment. NumPy only; like the fabric, it runs the whole scan in one call."""

    last_q = contract_hash = None

    def __init__(self, policy: policies.Policy):
        self.name = f'policy:{policy.name}'
        try:
            self.positions = np.asarray(
                json.loads((policy.checkpoint / 'extras.json').read_text())['fixed_positions'], np.float32
            )
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ActorError(
                f'{policy.checkpoint} holds no fixed path ({type(e).__name__}: {e}): restore the checkpoint'
            ) from None

    def acquire(self, microscope, geometry) -> tuple[dict, dict]:
        g = geometry
        if self.positions.shape != (g.probes, 2):
            raise ActorError(f'the fixed path has {len(self.positions)} probes, the scan geometry {g.probes}')
        meta = {'time_start': time.time(), **microscope.begin_scan()}
        positions = self.positions.reshape(g.segments, g.probes_per_segment, 2)
        values, scan_s = [], []
        for segment in positions:
            t0 = time.perf_counter()
            values.append(microscope.scan_segment(segment))
            scan_s.append(time.perf_counter() - t0)
        values = np.asarray(values, np.float32)
        arrays = {
            'positions': positions,
            'values': values,
            'observations': np.zeros((0,), np.float32),
            'actions': np.zeros((0, 2), np.float32),
            'actions_q': np.zeros((0,), np.int64),
            'actor_s': np.zeros(g.segments, np.float32),
            'scan_s': np.asarray(scan_s, np.float32),
            'partial_scan': partial_scan(values, pixel_indices(positions, g.image_size)[0], g.image_size),
        }
        meta.update(time_end=time.time(), backend=self.name, contract_hash=None, geometry=geometry.to_json())
        return arrays, meta


class ScriptedActor:
    """No model: each segment turns by a fixed angle (a deterministic path that ignores the observations)."""

    def __init__(self, turn: float = 2.0):
        self.name, self.contract_hash, self.last_q, self.turn = 'scripted', None, None, turn
        self.reset()

    def reset(self) -> None:
        self.t = 0

    def step(self, obs: np.ndarray) -> np.ndarray:
        angle, self.t = self.t * self.turn, self.t + 1
        return np.array([math.sin(angle), math.cos(angle)])


def make_actor(
    backend: str,
    actor_dir: str | Path = DEFAULT_ACTOR_DIR,
    checkpoint: str | Path | None = None,
    overlay: str | None = None,
    timeout_s: float = 1.0,
    calibration=None,
    policy: str | None = None,
):
    """Build one backend by name; raises ActorError with what to do when it cannot start. calibration: the detector's
    hls.contract.DetectorCalibration (pynq backend; default: offset 0, gain 2**-14); checkpoint: the float actor's
    (default: the registered actor policy's); policy: a registered policy's name (default: the best measured one)."""
    actor_dir = locate(actor_dir)  # the committed actor from any working folder
    try:
        if backend == 'scripted':
            return ScriptedActor()
        if backend in ('float', 'policy'):
            chosen = policies.get(policy if backend == 'policy' else 'actor')
            if chosen.kind == 'fixed':
                return FixedPathActor(chosen)
            from host.workstation import FloatActor  # Keras and training/: never on the board

            return FloatActor(locate(checkpoint) if checkpoint is not None and backend == 'float' else chosen.checkpoint)
        contract, digest = load_contract(actor_dir)
        if backend == 'reference':
            return IntegerActor(backend, contract, reference_core(actor_dir), digest)
        if backend == 'rtl-sim':
            from host.actor_rtl_sim import RtlSimActor

            sim = RtlSimActor(actor_dir)

            def rtl_core(obs_q, first):
                if first:
                    sim.reset()
                return sim.step(obs_q)

            return IntegerActor(backend, contract, rtl_core, digest)
        if backend == 'pynq':
            if overlay is None:
                raise ActorError('the pynq backend needs --overlay actor.bit')
            from hls.contract import DetectorCalibration
            from host.pynq_overlay import ScanOverlay

            calibration = replace(calibration or DetectorCalibration(), input=contract.input)
            board = ScanOverlay(overlay, contract=contract, calibration=calibration, timeout_s=timeout_s)
            return FabricActor(board, contract, digest, calibration)
    except ActorError:
        raise
    except Exception as e:
        raise ActorError(f'cannot start the {backend} actor backend: {type(e).__name__}: {e}') from e
    raise ActorError(f'unknown actor backend {backend!r}: choose one of {", ".join(BACKENDS)}')
