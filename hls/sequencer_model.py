"""The scan sequencer in NumPy: the bit-exact reference of hls/rtl_wrapper/scan_sequencer.v (integers in, integers out).

The fabric runs a whole scan on its own. Per decision t (t = 0 .. T-1):
    1. the actor core turns observation x_t into its action v_t = (v_row, v_col) (contract output integers);
    2. `step_vectors`: a CORDIC turns v_t into the step s_t = spacing * v_t / |v_t| on the position grid (a zero
       action means the direction (0, 1), as in model.observation);
    3. `segment_positions`: probe k of segment t sits at start_t + k * s_t, and start_{t+1} = start_t + P * s_t (exact
       fixed-point sums, so successive probes are exactly one step apart, as in model.geometry);
    4. `pixels`: each probe reads the nearest pixel, floor(x + 1/2), clamped to the image (`position word`);
    5. the detector answers each position word with a raw sample; `DetectorCalibration.feature_q` turns the segment's
       P samples into the next observation's probe features, `position_features` turns start_{t+1} into its two
       position features (the contract's rounding of (x - N/2) / (N/2), saturated at +-2);
    6. every probe is reported to the PS as one report word (hls.contract.pack_report).
Decision 0 sees zeros and the centre, and resets the core's recurrent state (first flag).

Positions are signed fixed point with `position_frac` fractional bits (pixels). The CORDIC runs `cordic_iterations`
micro-rotations of the action vector (vectoring) and, with the same signs, of a constant vector of length
spacing / K (K the CORDIC gain), which ends at spacing * (cos, sin) of the action's angle; the rounding steps are
spelled out in `step_vectors`. tests/test_sequencer_model.py checks that these positions choose the same pixels as
the float32 environment (model.scan_numpy) on at least 99.9 % of probes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hls.contract import GAIN, ActorContract, DetectorCalibration, pack_position, pack_report
from model.geometry import ScanGeometry


@dataclass(frozen=True)
class SequencerConfig:
    """Fixed-point formats of the sequencer, all derived from the geometry plus four precision choices."""

    geometry: ScanGeometry = field(default_factory=ScanGeometry)
    position_frac: int = 20
    """fractional bits of probe positions and steps (pixels)"""
    cordic_iterations: int = 22
    """micro-rotations of the CORDIC (the direction's angle error is about 2**-(iterations - 1) rad)"""
    cordic_guard: int = 22
    """extra fractional bits of the action vector inside the CORDIC"""
    step_guard: int = 4
    """extra fractional bits of the rotated step vector before it is rounded onto the position grid"""

    def __post_init__(self):
        if self.geometry.image_size > 256:
            raise ValueError('position words hold 8-bit pixel indices: image_size must be <= 256')
        if self.geometry.probes_per_segment < 2 or self.geometry.segments > 255 or self.geometry.probes_per_segment > 254:
            raise ValueError('the sequencer needs 2 .. 254 probes per segment and at most 255 segments')
        if not 0 < self.position_frac <= 30 or not 4 <= self.cordic_iterations <= 30:
            raise ValueError(f'unsupported sequencer precision {self}')

    @property
    def position_int(self) -> int:
        """Integer bits (incl. sign) of positions: the centre plus a whole scan's path in any direction fits."""
        g = self.geometry
        reach = g.image_size / 2 + g.segments * g.probes_per_segment * g.spacing + 1
        return math.ceil(math.log2(reach)) + 1

    @property
    def position_bits(self) -> int:
        return self.position_int + self.position_frac

    @property
    def cordic_gain(self) -> float:
        """K = prod sqrt(1 + 2**-2i): how much the micro-rotations lengthen a vector."""
        return math.prod(math.sqrt(1 + 2.0 ** (-2 * i)) for i in range(self.cordic_iterations))

    @property
    def step_frac(self) -> int:
        return self.position_frac + self.step_guard

    @property
    def step_bits(self) -> int:
        """The rotated vector (length <= spacing, signed) on the finer step grid."""
        return math.ceil(math.log2(self.geometry.spacing + 1)) + 1 + self.step_frac

    @property
    def w0(self) -> int:
        """Start of the rotated vector: spacing / K on the step grid (it ends at length spacing)."""
        return round(self.geometry.spacing / self.cordic_gain * 2.0**self.step_frac)

    def vector_bits(self, action_bits: int) -> int:
        """The action vector inside the CORDIC: |v| * K < 2**(action_bits + 1), signed, plus guard bits."""
        return action_bits + 2 + self.cordic_guard

    @property
    def centre(self) -> int:
        """The first segment's start (both coordinates) on the position grid."""
        return self.geometry.image_size << (self.position_frac - 1)

    def position_divider(self, input_bits: int) -> tuple[int, int, int, int]:
        """(clamp, offset, multiplier, shift) of the position feature's division by the image size in the RTL.

        q = floor(m / N) for the clamped m in [-clamp, clamp] is computed as
        ((m + offset) * multiplier >> shift) - offset / N
        with offset a multiple of N above clamp; `exact_position_division` checks every m of the range.
        """
        n = self.geometry.image_size
        clamp = ((1 << (input_bits - 1)) + 1) * n
        offset = n << math.ceil(math.log2(clamp / n + 1))
        span_bits = math.ceil(math.log2(clamp + offset + 1))
        shift = span_bits + math.ceil(math.log2(n))
        return clamp, offset, -(-(1 << shift) // n), shift

    def verilog_parameters(self, contract: ActorContract) -> dict:
        """Parameters of scan_sequencer.v for this geometry, precision and contract."""
        g = self.geometry
        clamp, offset, multiplier, shift = self.position_divider(contract.input.bits)
        return {
            'IMAGE_SIZE': g.image_size,
            'SEGMENTS': g.segments,
            'PROBES': g.probes_per_segment,
            'FEATURE_BITS': contract.input.bits,
            'FEATURE_FRAC': contract.input.frac,
            'ACTION_BITS': contract.output.bits,
            'POS_BITS': self.position_bits,
            'POS_FRAC': self.position_frac,
            'STEP_BITS': self.step_bits,
            'STEP_GUARD': self.step_guard,
            'CORDIC_ITERATIONS': self.cordic_iterations,
            'CORDIC_GUARD': self.cordic_guard,
            'VECTOR_BITS': self.vector_bits(contract.output.bits),
            'W0': self.w0,
            'DIV_CLAMP': clamp,
            'DIV_OFFSET': offset,
            'DIV_MULTIPLIER': multiplier,
            'DIV_SHIFT': shift,
            'GAIN_FRAC': GAIN.frac,
        }


def step_vectors(action_q, cfg: SequencerConfig) -> np.ndarray:
    """Action integers (..., 2) (v_row, v_col) -> step integers (..., 2) (row, col) on the position grid.

    CORDIC in vectoring mode on (x, y) = (v_col, v_row): each micro-rotation i turns (x, y) by -+atan(2**-i) towards
    the x axis (the sign of y chooses), and turns (wx, wy), started at (spacing / K, 0), the opposite way; after the last
    one (wx, wy) = spacing * (cos, sin) of the action's angle. A vector with x < 0 is negated first (so its angle is
    within +-90 degrees, where the CORDIC converges) and w negated at the end. Shifts are arithmetic (floor), w is
    rounded half up onto the position grid at the end.
    """
    a = np.asarray(action_q, np.int64)
    vr, vc = a[..., 0], a[..., 1]
    vc = np.where((vr == 0) & (vc == 0), 1, vc)  # the zero vector means direction (0, 1)
    neg = vc < 0
    x = np.where(neg, -vc, vc) << cfg.cordic_guard
    y = np.where(neg, -vr, vr) << cfg.cordic_guard
    wx = np.full(np.shape(x), cfg.w0, np.int64)
    wy = np.zeros(np.shape(x), np.int64)
    for i in range(cfg.cordic_iterations):
        down = y >= 0  # rotate (x, y) clockwise, w counter-clockwise
        x, y = np.where(down, x + (y >> i), x - (y >> i)), np.where(down, y - (x >> i), y + (x >> i))
        wx, wy = np.where(down, wx - (wy >> i), wx + (wy >> i)), np.where(down, wy + (wx >> i), wy - (wx >> i))
    wx, wy = np.where(neg, -wx, wx), np.where(neg, -wy, wy)
    half = 1 << (cfg.step_guard - 1)
    return np.stack([(wy + half) >> cfg.step_guard, (wx + half) >> cfg.step_guard], -1)


def segment_positions(start, step, cfg: SequencerConfig) -> tuple[np.ndarray, np.ndarray]:
    """Segment start (..., 2) and step (..., 2) -> probe positions (..., P, 2) and the next start (..., 2), integers."""
    start, step = np.asarray(start, np.int64), np.asarray(step, np.int64)
    k = np.arange(cfg.geometry.probes_per_segment, dtype=np.int64)[:, None]
    return start[..., None, :] + k * step[..., None, :], start + cfg.geometry.probes_per_segment * step


def pixels(positions, cfg: SequencerConfig) -> tuple[np.ndarray, np.ndarray]:
    """Positions (..., 2) -> nearest pixel indices (..., 2), floor(x + 1/2) clamped to the image, and off-image flags."""
    raw = (np.asarray(positions, np.int64) + (1 << (cfg.position_frac - 1))) >> cfg.position_frac
    n = cfg.geometry.image_size
    return np.clip(raw, 0, n - 1), np.any((raw < 0) | (raw >= n), axis=-1)


def position_features(start, cfg: SequencerConfig, contract: ActorContract) -> np.ndarray:
    """Segment start (..., 2) -> the observation's two position features: the contract's rounding (half up, saturated) of
    (x - N/2) / (N/2) for the exact fixed-point x, i.e. floor((2 (x - N/2) 2**f + N/2) / N) in integers."""
    n, fmt = cfg.geometry.image_size, contract.input
    d = np.asarray(start, np.int64) - cfg.centre
    m = (d * (1 << (fmt.frac + 1)) + (n << (cfg.position_frac - 1))) >> cfg.position_frac
    return np.clip(np.floor_divide(m, n), fmt.qmin, fmt.qmax)


def exact_position_division(cfg: SequencerConfig, input_bits: int) -> bool:
    """Whether the RTL's multiply-and-shift division by the image size equals floor division on its whole range."""
    clamp, offset, multiplier, shift = cfg.position_divider(input_bits)
    m = np.arange(-clamp, clamp + 1, dtype=np.int64)
    rtl = (((m + offset) * multiplier) >> shift) - offset // cfg.geometry.image_size
    return bool(np.array_equal(rtl, np.floor_divide(m, cfg.geometry.image_size)))


def replay(actions_q, raw, calibration: DetectorCalibration, cfg: SequencerConfig, contract: ActorContract) -> dict:
    """One scan's geometry and observations recomputed from its decisions (T, 2) and raw samples (T, P), as the
    sequencer computed them (what the PS rebuilds from the report words): starts (T + 1, 2), positions (T, P, 2),
    pixels (T, P, 2), off_image (T, P), observations (T, obs_dim), all integers."""
    g = cfg.geometry
    actions_q, raw = np.asarray(actions_q, np.int64), np.asarray(raw, np.int64)
    starts = [np.full(2, cfg.centre, np.int64)]
    positions = []
    for t in range(g.segments):
        pos, nxt = segment_positions(starts[-1], step_vectors(actions_q[t], cfg), cfg)
        positions.append(pos)
        starts.append(nxt)
    positions, starts = np.stack(positions), np.stack(starts)
    pix, off = pixels(positions, cfg)
    features = np.concatenate([calibration.feature_q(raw[:-1]), position_features(starts[1:-1], cfg, contract)], -1)
    observations = np.concatenate([np.zeros((1, contract.obs_dim), np.int64), features])
    return {'starts': starts, 'positions': positions, 'pixels': pix, 'off_image': off, 'observations': observations}


def run_scans(actor, raw_images, calibration: DetectorCalibration, cfg: SequencerConfig | None = None) -> dict:
    """Whole scans as the sequencer runs them, closed-loop through `actor` (hls.reference.ReferenceActor), with a
    detector that answers each position word with the raw image's pixel there (what microscope_emulator.v does).

    raw_images: (N, H, W) raw detector samples (int16 values). Returns integer arrays, for N scans:
        actions (N, T, 2)         the core's outputs, decision by decision
        observations (N, T, 22)   the core's inputs
        h (N, T, H), c (N, T, H)  the core's recurrent state after each decision
        steps (N, T, 2), starts (N, T + 1, 2), positions (N, T, P, 2)   fixed-point geometry
        pixels (N, T, P, 2), off_image (N, T, P), position_words (N, T * P)   what the scan coil receives
        raw (N, T, P)             the detector's answers
        reports (N, T * P) uint64 what the PS receives
    """
    contract = actor.contract
    cfg = cfg or SequencerConfig(contract.geometry)
    g = cfg.geometry
    raw_images = np.asarray(raw_images, np.int64)
    n = len(raw_images)
    start = np.full((n, 2), cfg.centre, np.int64)
    obs = np.zeros((n, contract.obs_dim), np.int64)
    names = ('actions', 'observations', 'h', 'c', 'steps', 'starts', 'positions', 'pixels', 'off_image', 'raw')
    rec = {k: [] for k in names}
    actor.reset(n)
    for t in range(g.segments):
        action = actor.step(obs, first=t == 0)
        step = step_vectors(action, cfg)
        pos, nxt = segment_positions(start, step, cfg)
        pix, off = pixels(pos, cfg)
        raw = raw_images[np.arange(n)[:, None], pix[..., 0], pix[..., 1]]
        for key, v in zip(rec, (action, obs, *actor.state, step, start, pos, pix, off, raw)):
            rec[key].append(v)
        obs = np.concatenate([calibration.feature_q(raw), position_features(nxt, cfg, contract)], -1)
        start = nxt
    out = {k: np.stack(v, 1) for k, v in rec.items()}
    out['starts'] = np.concatenate([out['starts'], start[:, None]], 1)
    flat = lambda a: a.reshape(n, g.probes, *a.shape[3:])  # noqa: E731
    actions_per_probe = np.repeat(out['actions'], g.probes_per_segment, axis=1)
    out['position_words'] = pack_position(flat(out['pixels'])[..., 0], flat(out['pixels'])[..., 1])
    pix = flat(out['pixels'])
    out['reports'] = pack_report(flat(out['raw']), pix[..., 0], pix[..., 1], actions_per_probe)
    return out
