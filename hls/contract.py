"""The fixed-point contract of the actor core: what crosses the wires, defined once (NumPy only: the board imports it).

One decision = one AXI-Stream beat in, one beat out.

    in  (s_axis, TDATA_IN_BITS = 256): the 22 observation features, each a signed `input` fixed-point word
        (10 bits, 2 integer bits incl. sign: value = q / 256, range [-2, 2)), packed little-end first
        (feature k in bits [10k, 10k+10)), upper bits 0. TUSER[0] = 1 on the first decision of a scan: the core zeroes
        its recurrent state (h, c) before computing it. TLAST = 1 (every beat is a whole decision).
    out (m_axis, TDATA_OUT_BITS = 32): the action vector v = (v_row, v_col) as two signed `output` words
        (10 bits, 2 integer bits: value = q / 256) in bits [0, 10) and [10, 20). The direction of the next segment is
        v / |v| (see model.observation). TLAST = 1.

This per-decision beat is what hls/rtl_wrapper/actor_axis.v takes (the RTL-sim backend; inside the scan sequencer on the
board, which builds the beats itself).

Rounding: features are rounded half up to the grid (floor(x * 256 + 0.5)) and saturated; the quantized actor's own
input quantizer uses the same grid, so the Python reference, the hls4ml C simulation and the RTL see identical integers.
The recurrent state never leaves the core; its fixed-point formats are properties of the trained quantized actor
(`hls/build/actor_q/contract.json` records them; `H_FORMAT` and `C_FORMAT` are the defaults new actors are built with).

The scan sequencer (hls/rtl_wrapper/scan_sequencer.v, model: hls/sequencer_model.py) runs whole scans in the fabric and
adds three wire formats and the detector calibration, all defined here:
    position word (m_axis_pos, 16 bits): the nearest pixel of one probe, row in bits [7:0], col in [15:8] (clamped to the
        image: an off-image probe reads the nearest edge pixel, as in model.scan_numpy).
    detector word (s_axis_det, 16 bits): one raw detector sample, a signed 16-bit integer, one per position word, in order.
    report word (m_axis_report, 64 bits, one per probe, TLAST on the scan's last probe): four 16-bit lanes
        [raw sample, row | col << 8, action v_row, action v_col] (the actions sign-extended; a probe reports the decision
        that chose its segment).
    calibration: the actor sees each raw sample as the probe feature (raw - offset) * gain, rounded half up and saturated
        onto the `input` grid (`DetectorCalibration`; offset: signed 16 bits, gain: unsigned 0.24 fixed point, both
        written by the PS before a scan).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from model.geometry import ScanGeometry
from model.observation import obs_dim


@dataclass(frozen=True)
class FixedPoint:
    bits: int
    """total bits (incl. sign)"""
    integer: int
    """integer bits incl. sign: the range is [-2**(integer-1), 2**(integer-1))"""
    signed: bool = True

    @property
    def frac(self) -> int:
        return self.bits - self.integer

    @property
    def qmin(self) -> int:
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def qmax(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1

    def quantize(self, x) -> np.ndarray:
        """Round half up to the grid, saturate: float -> integers."""
        x = np.asarray(x, np.float64)
        if not np.isfinite(x).all():
            raise ValueError('cannot quantize non-finite values')
        return np.clip(np.floor(x * 2.0**self.frac + 0.5), self.qmin, self.qmax).astype(np.int64)

    def to_float(self, q) -> np.ndarray:
        return np.asarray(q, np.int64) / 2.0**self.frac

    def to_unsigned(self, q) -> np.ndarray:
        """Two's complement bit pattern of each word."""
        return np.asarray(q, np.int64) & ((1 << self.bits) - 1)

    def from_unsigned(self, u) -> np.ndarray:
        u = np.asarray(u, np.int64) & ((1 << self.bits) - 1)
        return np.where(self.signed & (u >= (1 << (self.bits - 1))), u - (1 << self.bits), u)

    def unpack(self, bus: int, n: int) -> np.ndarray:
        """One bus value holding n words, word 0 in the least significant bits (the RTL's h, c and observation buses) ->
        the n words."""
        mask = (1 << self.bits) - 1
        return self.from_unsigned([int(bus) >> (k * self.bits) & mask for k in range(n)])


@dataclass(frozen=True)
class ActorContract:
    geometry: ScanGeometry = field(default_factory=ScanGeometry)
    input: FixedPoint = FixedPoint(10, 2)
    output: FixedPoint = FixedPoint(10, 2)
    tdata_in_bits: int = 256
    tdata_out_bits: int = 32
    units: int = 0
    """LSTM units of the quantized cell (0 until a trained actor fills it in)"""
    state_formats: dict = field(default_factory=dict)
    """fixed-point formats of h and c inside the core (documentation; the state never crosses the bus)"""

    def __post_init__(self):
        if self.obs_dim * self.input.bits > self.tdata_in_bits:
            raise ValueError(f'{self.obs_dim} x {self.input.bits}-bit features do not fit {self.tdata_in_bits}-bit TDATA')
        if 2 * self.output.bits > self.tdata_out_bits:
            raise ValueError(f'2 x {self.output.bits}-bit outputs do not fit {self.tdata_out_bits}-bit TDATA')

    @property
    def obs_dim(self) -> int:
        return obs_dim(self.geometry)

    @property
    def beats_in(self) -> int:
        return 1

    @property
    def beats_out(self) -> int:
        return 1

    def encode_observation(self, obs) -> np.ndarray:
        """Observation features (..., 22) float -> input integers (..., 22)."""
        obs = np.asarray(obs, np.float64)
        if obs.shape[-1] != self.obs_dim:
            raise ValueError(f'expected {self.obs_dim} observation features, got shape {obs.shape}')
        return self.input.quantize(obs)

    def decode_action(self, q) -> np.ndarray:
        """Output integers (..., 2) -> action vector (direction = v / |v|)."""
        return self.output.to_float(q)

    def pack_decision(self, obs_q, first: bool) -> list[tuple[int, int, int]]:
        """One decision's input integers -> AXI-Stream beats [(tdata, tuser, tlast)]."""
        obs_q = np.asarray(obs_q, np.int64).reshape(-1)
        if obs_q.shape != (self.obs_dim,) or obs_q.min() < self.input.qmin or obs_q.max() > self.input.qmax:
            raise ValueError(f'expected {self.obs_dim} integers in [{self.input.qmin}, {self.input.qmax}], got {obs_q}')
        tdata = 0
        for k, u in enumerate(self.input.to_unsigned(obs_q)):
            tdata |= int(u) << (k * self.input.bits)
        return [(tdata, int(bool(first)), 1)]

    def unpack_decision(self, beats) -> tuple[np.ndarray, bool]:
        """Inverse of pack_decision (what the core sees): (input integers, first flag)."""
        ((tdata, tuser, _),) = beats
        mask = (1 << self.input.bits) - 1
        words = [(int(tdata) >> (k * self.input.bits)) & mask for k in range(self.obs_dim)]
        return self.input.from_unsigned(words), bool(tuser & 1)

    def pack_direction(self, out_q) -> int:
        """Output integers (2,) -> the output beat's TDATA (what the core sends)."""
        u = self.output.to_unsigned(np.asarray(out_q, np.int64).reshape(2))
        return int(u[0]) | (int(u[1]) << self.output.bits)

    def unpack_direction(self, beats) -> np.ndarray:
        """Output beats' TDATA -> output integers (2,)."""
        if len(beats) != self.beats_out:
            raise ValueError(f'expected {self.beats_out} output beat(s), got {len(beats)}')
        tdata = int(beats[0])
        mask = (1 << self.output.bits) - 1
        return self.output.from_unsigned([tdata & mask, (tdata >> self.output.bits) & mask])

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json())

    @classmethod
    def from_json(cls, path: str | Path) -> ActorContract:
        d = json.loads(Path(path).read_text())
        return cls(
            geometry=ScanGeometry(**d['geometry']), input=FixedPoint(**d['input']), output=FixedPoint(**d['output']),
            tdata_in_bits=d['tdata_in_bits'], tdata_out_bits=d['tdata_out_bits'], units=d['units'],
            state_formats=d['state_formats'],
        )  # fmt: skip


DEFAULT_CONTRACT = ActorContract()

H_FORMAT = FixedPoint(8, 1)
"""h and h' of newly distilled actors (hls.distill): value = q / 128, range [-1, 1)"""
C_FORMAT = FixedPoint(12, 4)
"""c and c' of newly distilled actors: value = q / 256, range [-8, 8)"""

# ---- the scan sequencer's wire formats ----------------------------------------------------------------------------------
RAW = FixedPoint(16, 16)
"""a raw detector sample: a signed 16-bit integer"""
GAIN = FixedPoint(24, 0, signed=False)
"""the calibration gain register: unsigned, 24 fractional bits (value = word / 2**24, range [0, 1))"""
REPORT_WORD_BITS = 64
SEQUENCER_REGISTERS = {
    'CONTROL': 0x00,  # write: bit 0 START a scan, bit 1 ABORT (reset the sequencer and the core)
    'STATUS': 0x04,  # read: bit 0 BUSY, bit 1 DONE
    'OFFSET': 0x08,  # DetectorCalibration.offset
    'GAIN': 0x0C,  # DetectorCalibration.gain
    'SCANS': 0x10,  # scans finished since reset
    'SCAN_CYCLES': 0x14,  # the last scan: clock cycles from START to its last report word
    'DEAD_CYCLES': 0x18,  # the last scan: longest gap from a segment's last sample in to the next first position out
    'DECISION_CYCLES': 0x1C,  # the last scan: longest gap from a segment's last sample in to the next segment's step
    'GEOMETRY': 0x20,  # read-only: image size [15:0], probes per segment [23:16], segments [31:24]
    'PROBE_IDLE_CYCLES': 0x24,  # the last scan: longest wait of the beam on probe 0 (its sample in to probe 1 taken)
    'PROBE_IDLE_TOTAL': 0x28,  # the last scan: the sum of those waits
    'DISCARDED': 0x2C,  # detector samples discarded since reset or ABORT (they answered no position word)
    'WATCHDOG': 0x30,  # read/write: report-stream stall cycles after which beam_blank goes high (reset 256)
    'STALL_BLANK_CYCLES': 0x34,  # the last scan: cycles the beam was blanked by that watchdog
}
"""AXI4-Lite registers of the scan IP (hls/rtl_wrapper/scan_sequencer_axi.v), byte offsets of 32-bit words"""
CONTROL_START, CONTROL_ABORT = 0x1, 0x2
STATUS_BUSY, STATUS_DONE = 0x1, 0x2


@dataclass(frozen=True)
class DetectorCalibration:
    """Raw detector samples -> the probe features the actor sees: (raw - offset) * gain, on the contract's input grid.

    The one definition of the calibration: the sequencer RTL, its NumPy model, the host and the tests call this; the float
    training side computes `feature` (the same real number, before rounding).
    """

    offset: int = 0
    """raw sample that maps to feature 0 (signed 16 bits)"""
    gain: int = 1 << 10
    """GAIN word: feature units per raw count times 2**24 (default 2**-14: raw +-16384 -> feature +-1)"""
    input: FixedPoint = FixedPoint(10, 2)
    """the probe features' grid (the contract's `input`)"""

    def __post_init__(self):
        if not RAW.qmin <= self.offset <= RAW.qmax:
            raise ValueError(f'offset must be a signed 16-bit integer, got {self.offset}')
        if not GAIN.qmin <= self.gain <= GAIN.qmax:
            raise ValueError(f'gain must be an unsigned 24-bit word (gain * 2**24), got {self.gain}')

    @classmethod
    def spanning(cls, lo: float, hi: float, input: FixedPoint = FixedPoint(10, 2)) -> DetectorCalibration:
        """The calibration that maps raw samples lo .. hi onto features -1 .. +1 (as the training images are normalised)."""
        if not RAW.qmin <= lo < hi <= RAW.qmax:
            raise ValueError(f'need {RAW.qmin} <= lo < hi <= {RAW.qmax}, got {lo}, {hi}')
        gain = min(max(round(2.0 / (hi - lo) * 2.0**GAIN.frac), 1), GAIN.qmax)
        return cls(offset=int(np.floor((lo + hi) / 2 + 0.5)), gain=gain, input=input)

    def feature(self, raw) -> np.ndarray:
        """The real-valued probe feature (raw - offset) * gain, exact in float64 (|raw - offset| < 2**17, gain < 2**24)."""
        return (np.asarray(raw, np.int64) - self.offset) * (self.gain / 2.0**GAIN.frac)

    def feature_q(self, raw) -> np.ndarray:
        """The feature as the actor's input integers: round half up, saturate (what the sequencer computes)."""
        shift = GAIN.frac - self.input.frac
        q = ((np.asarray(raw, np.int64) - self.offset) * self.gain + (1 << (shift - 1))) >> shift
        return np.clip(q, self.input.qmin, self.input.qmax)

    def raw(self, feature) -> np.ndarray:
        """A detector that sees `feature` (e.g. a normalised image value) sends this raw sample (rounded, saturated)."""
        if self.gain == 0:
            raise ValueError('gain 0 maps every sample to 0: no inverse')
        return RAW.quantize(np.asarray(feature, np.float64) * 2.0**GAIN.frac / self.gain + self.offset)


def pack_position(row, col) -> np.ndarray:
    """Nearest-pixel indices (row, col) -> position words."""
    return np.asarray(row, np.int64) | np.asarray(col, np.int64) << 8


def unpack_position(word) -> tuple[np.ndarray, np.ndarray]:
    word = np.asarray(word, np.int64)
    return word & 0xFF, word >> 8 & 0xFF


def pack_report(raw, row, col, action_q) -> np.ndarray:
    """One report word per probe: lanes [raw, row | col << 8, v_row, v_col] -> uint64 words."""
    action_q = np.asarray(action_q, np.int64)
    lanes = [np.asarray(raw, np.int64), pack_position(row, col), action_q[..., 0], action_q[..., 1]]
    return sum((lane & 0xFFFF).astype(np.uint64) << np.uint64(16 * k) for k, lane in enumerate(lanes))


def unpack_report(words) -> dict:
    """Report words (...) -> {'raw', 'row', 'col', 'action'} integer arrays (action (..., 2))."""
    words = np.asarray(words, np.uint64)
    lane = [((words >> np.uint64(16 * k)) & np.uint64(0xFFFF)).astype(np.int64) for k in range(4)]
    signed = lambda u: np.where(u >= 1 << 15, u - (1 << 16), u)  # noqa: E731
    row, col = unpack_position(lane[1])
    return {'raw': signed(lane[0]), 'row': row, 'col': col, 'action': np.stack([signed(lane[2]), signed(lane[3])], -1)}
