"""cocotb testbench of hls/rtl_wrapper/scan_sequencer_axi.v, the board's scan IP (run through test_scan_sequencer_axi.py).

Every position word the scan coil receives and every report word the PS receives (raw sample, pixel, and the decision of
its segment) is compared with hls.sequencer_model.run_scans, integer for integer, and so is every observation word the
sequencer hands the core and the core's h and c registers after every decision (a 1-LSB error in the calibration shows
in the first scan, not only once it has moved a path). Every decision's inputs also go through the NumPy interpreter of
the core's graph, which counts the quantize steps that overflowed and wrapped (0 for a saturating core). Environment variables set by the
pytest launcher: ACTOR_DIR (the quantized actor folder), SEQ_SCANS (scans in run_test_scans), SEQ_RESULT (a JSON file
for run_test_scans' counts and cycle measurements), and for a scan IP built with SCAN_CLOCK = 1: SCAN_PERIOD_NS and
SCAN_PHASE_NS, the scan side's own clock (the microscope runs on it; its cycle counts are then not the sequencer's).
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from pathlib import Path

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge, Timer
from cocotbext.axi import AxiLiteBus, AxiLiteMaster, AxiStreamBus, AxiStreamSink

from hls.build_hls import decision_inputs
from hls.contract import CONTROL_ABORT, CONTROL_START, STATUS_BUSY, STATUS_DONE, DetectorCalibration, unpack_report
from hls.contract import SEQUENCER_REGISTERS as REG
from hls.extremes import extreme_scans
from hls.integer_graph import IntegerGraph
from hls.reference import ReferenceActor
from hls.sequencer_model import SequencerConfig, run_scans
from rtl_tests.scan_side import Microscope, count_differences, first_difference

PERIOD_NS = 10


class TB:
    def __init__(self, dut, seed: int = 0, outstanding: int = 1, dwell=(0, 0), stall: float = 0.0, report_stall=0.0):
        self.dut = dut
        self.ref = ReferenceActor.from_file(os.environ['ACTOR_DIR'])
        self.contract = self.ref.contract
        self.cfg = SequencerConfig(self.contract.geometry)
        self.rng = random.Random(seed)
        cocotb.start_soon(Clock(dut.aclk, PERIOD_NS, unit='ns').start())
        self.axil = AxiLiteMaster(
            AxiLiteBus.from_prefix(dut, 's_axi_control'), dut.aclk, dut.aresetn, reset_active_level=False
        )
        for bus in (self.axil.write_if, self.axil.read_if):
            bus.log.setLevel(logging.WARNING)
        self.report_stall = report_stall
        self.report = None
        self.two_clocks = 'SCAN_PERIOD_NS' in os.environ
        scan_clock = dut.aclk
        if self.two_clocks:
            scan_clock = dut.scan_clk
            cocotb.start_soon(
                start_clock(scan_clock, float(os.environ['SCAN_PERIOD_NS']), float(os.environ['SCAN_PHASE_NS']))
            )
        self.scope = Microscope(dut, scan_clock, dut.scan_aresetn, self.rng, outstanding, dwell, stall)
        self.obs_words: list[int] = []  # the observation beats the core took
        self.states: list[tuple[int, int]] = []  # the core's (h, c) registers as each action beat went out
        self.core_at_reset = (0, 0)  # len(obs_words), len(states) when the scan side was last in reset
        self.graph = IntegerGraph.load(Path(os.environ['ACTOR_DIR']) / 'comb_logic.json')  # counts wraps
        cocotb.start_soon(self._core_monitor())

    async def _core_monitor(self):
        dut = self.dut
        while True:
            await RisingEdge(dut.aclk)
            if dut.scan_aresetn.value == 0:
                self.core_at_reset = (len(self.obs_words), len(self.states))
            if dut.obs_tvalid.value == 1 and dut.obs_tready.value == 1:
                self.obs_words.append(int(dut.obs_tdata.value))
            if dut.act_tvalid.value == 1 and dut.act_tready.value == 1:
                self.states.append((int(dut.actor.h.value), int(dut.actor.c.value)))

    async def reset(self):
        self.dut.aresetn.value = 0
        for _ in range(3 if not self.two_clocks else 40):  # the scan side's synchroniser must see it (3 scan clocks)
            await RisingEdge(self.dut.aclk)
        if self.report is None:  # the PS's DMA is reset with the scan side (the driver resets its DMA after an ABORT)
            self.report = AxiStreamSink(
                AxiStreamBus.from_prefix(self.dut, 'm_axis_report'), self.dut.aclk, self.dut.scan_aresetn,
                reset_active_level=False,
            )  # fmt: skip
            self.report.log.setLevel(logging.WARNING)
            if self.report_stall:
                self.report.set_pause_generator(iter(lambda: self.rng.random() < self.report_stall, None))
        self.dut.aresetn.value = 1
        await RisingEdge(self.dut.aclk)

    async def read(self, name: str) -> int:
        return int.from_bytes(await self.axil.read(REG[name], 4), 'little')

    async def write(self, name: str, value: int) -> None:
        await self.axil.write(REG[name], (value & 0xFFFFFFFF).to_bytes(4, 'little'))

    async def scan(self, raw_image: np.ndarray, calibration: DetectorCalibration, control: int = CONTROL_START):
        """One whole scan, started by writing `control` to CONTROL. Returns the model's scan and the mismatches counted
        against it: position words and report words that differ (a missing or extra word counts as one), decisions
        (segments whose report words carry another action than the model's), observation words the core took and h, c
        words after each decision that differ (a missing decision counts all its words)."""
        expected = run_scans(self.ref, raw_image[None], calibration, self.cfg)
        inputs, _ = decision_inputs(self.ref, expected['observations'], expected['h'], expected['c'], expected['actions'])
        self.graph(np.concatenate(inputs, 1).astype(np.float64))
        await self.write('OFFSET', calibration.offset)
        await self.write('GAIN', calibration.gain)
        self.scope.image = raw_image
        first_word = len(self.scope.words)
        first_obs, first_state = len(self.obs_words), len(self.states)
        await self.write('CONTROL', control)
        frame = await self.report.recv()
        if control & CONTROL_ABORT:  # the words the aborted scan put out until the reset are not this scan's
            first_word = self.scope.words_at_reset
            first_obs, first_state = self.core_at_reset
        while await self.read('STATUS') & STATUS_BUSY:
            pass
        status = await self.read('STATUS')
        assert status == STATUS_DONE, f'STATUS 0x{status:x} after the last report word (expected DONE, not BUSY)'
        got_pos = np.asarray(self.scope.words[first_word:], np.int64)
        got_rep = np.frombuffer(bytes(frame.tdata), '<u8')
        want_pos, want_rep = expected['position_words'][0], expected['reports'][0]
        g = self.cfg.geometry
        got_obs, got_states = self.core_words(first_obs, first_state)
        got_actions = unpack_report(got_rep)['action'][:: g.probes_per_segment] if len(got_rep) == g.probes else None
        mismatches = {
            'position_words': count_differences(got_pos, want_pos),
            'report_words': count_differences(got_rep, want_rep),
            'decisions': g.segments if got_actions is None else int(np.any(got_actions != expected['actions'][0], -1).sum()),
            'observation_words': word_differences(got_obs, expected['observations'][0]),
            'state_words': word_differences(got_states, np.concatenate([expected['h'][0], expected['c'][0]], -1)),
        }
        if any(mismatches.values()):
            self.dut._log.error('mismatches %s: %s; %s', mismatches, first_difference('position word', got_pos, want_pos),
                                first_difference('report word', got_rep, want_rep))  # fmt: skip
        return expected, mismatches

    def core_words(self, first_obs: int, first_state: int) -> tuple[np.ndarray, np.ndarray]:
        """The observation words (decisions, 22) and h, c words (decisions, 2H) the core saw since those indices."""
        c, u = self.contract, self.contract.units
        obs = [c.input.unpack(w, c.obs_dim) for w in self.obs_words[first_obs:]]
        states = [np.concatenate([self.ref.h_format.unpack(h, u), self.ref.c_format.unpack(cc, u)])
                  for h, cc in self.states[first_state:]]  # fmt: skip
        return np.reshape(obs, (-1, c.obs_dim)), np.reshape(states, (-1, 2 * u))


def word_differences(got: np.ndarray, want: np.ndarray) -> int:
    """Words that differ between (decisions, words) arrays; a missing or extra decision counts all its words."""
    n = min(len(got), len(want))
    return int(np.sum(got[:n] != want[:n])) + abs(len(got) - len(want)) * want.shape[1]


async def start_clock(signal, period_ns: float, phase_ns: float) -> None:
    """A clock unrelated to aclk: its own period, its first edge phase_ns after time 0."""
    signal.value = 0
    await Timer(round(phase_ns * 1000), unit='ps')
    await Clock(signal, 2 * round(period_ns * 500), unit='ps').start()


def add(total: dict, counts: dict) -> None:
    for k, v in counts.items():
        total[k] = total.get(k, 0) + v


def test_images(n: int) -> np.ndarray:
    from training.data import load_split

    images = load_split('procedural', 'test')
    return images[np.arange(n) % len(images)]


def calibrations(rng: random.Random, n: int) -> list[DetectorCalibration]:
    """Detector calibrations of a few kinds: the default, offset detectors, narrow and wide raw ranges."""
    out = []
    for k in range(n):
        lo = rng.randint(-30000, 20000)
        out.append(DetectorCalibration() if k == 0 else DetectorCalibration.spanning(lo, lo + rng.randint(200, 12000)))
    return out


def probe_idle_times(scope: Microscope, scans: int, segments: int, probes: int) -> list[int]:
    """Per segment: cycles from probe 0's sample in to probe 1's position taken beyond the one-cycle turnaround every
    probe has (0 when it was taken earlier), from the microscope's handshake log: the beam waiting on probe 0 for the
    segment's decision."""
    idle = []
    for s in range(scans):
        for t in range(segments):
            first = s * segments * probes + t * probes
            idle.append(max(scope.pos_cycles[first + 1] - scope.det_cycles[first] - 1, 0))
    return idle


def dead_times(scope: Microscope, first_sample: int, scans: int, segments: int, probes: int) -> tuple[list, list]:
    """Per segment boundary: cycles from the last sample of a segment in to the next segment's first position taken
    (0 when it was taken earlier), from the microscope's handshake log."""
    dead = []
    for s in range(scans):
        for t in range(1, segments):
            last_in = scope.det_cycles[first_sample + s * segments * probes + t * probes - 1]
            first_out = scope.pos_cycles[first_sample + s * segments * probes + t * probes]
            dead.append(max(first_out - last_in, 0))
    return dead


@cocotb.test()
@cocotb.parametrize(seed=[1, 2, 3], outstanding=[1, 21])
async def run_test_stalls(dut, seed: int, outstanding: int):
    """Whole scans with random stalls on the position stream, random dwell on the detector stream and random backpressure
    on the report stream; one beam (1) and a queueing scan coil (21)."""
    tb = TB(dut, seed, outstanding=outstanding, dwell=(0, 6), stall=0.3, report_stall=0.3)
    await tb.reset()
    images = test_images(2 + seed)[-2:]
    mismatches = {}
    for image, cal in zip(images, calibrations(tb.rng, 2)):
        add(mismatches, (await tb.scan(cal.raw(image), cal))[1])
    assert not any(mismatches.values()), mismatches


@cocotb.test()
async def run_test_saturation(dut):
    """Whole scans at the extremes of the detector word (hls.extremes: saturated, zero, negative full scale, salt and
    pepper, uniform over the whole word, also at 4x over-gain) and with a calibration at its own extremes (full gain,
    offset +full scale): every word, observation and state equal the model, and no quantize step of the core wraps."""
    tb = TB(dut, seed=7)
    await tb.reset()
    n = tb.cfg.geometry.image_size
    scans = [(raw, cal) for _, raw, cal in extreme_scans(n, seed=7)]
    scans.append((np.full((n, n), -32768), DetectorCalibration(offset=32767, gain=(1 << 24) - 1)))
    mismatches = {}
    for raw, cal in scans:
        add(mismatches, (await tb.scan(raw, cal))[1])
    dut._log.info('saturation: %d scans, mismatches %s, %d wraps', len(scans), mismatches, tb.graph.wraps)
    assert not any(mismatches.values()), mismatches
    assert tb.graph.wraps == 0, f'{tb.graph.wraps} quantize steps wrapped'


@cocotb.test()
async def run_test_registers(dut):
    """The register map: reset values, read-back, the geometry word; START is ignored while busy; ABORT stops a scan in
    flight and a clean scan follows."""
    tb = TB(dut, seed=5)
    await tb.reset()
    g = tb.cfg.geometry
    assert await tb.read('STATUS') == 0
    assert await tb.read('GAIN') == DetectorCalibration().gain and await tb.read('OFFSET') == 0
    assert await tb.read('GEOMETRY') == g.segments << 24 | g.probes_per_segment << 16 | g.image_size
    await tb.write('OFFSET', -1234)
    assert await tb.read('OFFSET') == -1234 & 0xFFFFFFFF
    cal = DetectorCalibration.spanning(-2000, 6000)
    image = cal.raw(test_images(1)[0])
    tb.scope.image = image
    await tb.write('OFFSET', cal.offset)
    await tb.write('GAIN', cal.gain)
    await tb.write('CONTROL', CONTROL_START)
    for _ in range(300):
        await RisingEdge(dut.aclk)
    assert await tb.read('STATUS') == STATUS_BUSY
    await tb.write('CONTROL', CONTROL_START)  # ignored: busy
    assert await tb.read('STATUS') == STATUS_BUSY
    await tb.write('CONTROL', CONTROL_ABORT)
    assert await tb.read('STATUS') == 0
    for _ in range(20):
        await RisingEdge(dut.aclk)
    assert tb.report.empty()
    tb.scope.words.clear()
    scans = await tb.read('SCANS')
    _, mismatches = await tb.scan(image, cal)
    assert not any(mismatches.values()), mismatches
    assert await tb.read('SCANS') == scans + 1
    # ABORT and START in one write, mid-scan: the scan side is held in reset RESET_CYCLES cycles, then a whole clean
    # scan runs (START used to be lost under the reset)
    await tb.write('CONTROL', CONTROL_START)
    for _ in range(300):
        await RisingEdge(dut.aclk)
    low = cocotb.start_soon(cycles_low(dut.aclk, dut.scan_aresetn))
    _, mismatches = await tb.scan(image, cal, CONTROL_ABORT | CONTROL_START)
    assert not any(mismatches.values()), mismatches
    assert await low == 16, f'scan_aresetn low for {low.result()} cycles after ABORT, expected 16'
    assert await tb.read('SCANS') == scans + 2


@cocotb.test()
async def run_test_free_running_detector(dut):
    """A free-running ADC: samples arriving between scans are taken (tready high), discarded and counted (DISCARDED),
    and the scans before and after them are unchanged."""
    tb = TB(dut, seed=9)
    await tb.reset()
    cal = DetectorCalibration.spanning(-2000, 6000)
    images = [cal.raw(im) for im in test_images(2)]
    tb.scope.free_running(37)
    for _ in range(60):
        await RisingEdge(dut.aclk)
    assert await tb.read('DISCARDED') == 37 and not tb.scope.unsolicited
    _, mismatches = await tb.scan(images[0], cal)
    tb.scope.free_running(5)
    _, more = await tb.scan(images[1], cal)  # the five arrive before the scan's first position word goes out
    assert not any(mismatches.values()) and not any(more.values()), (mismatches, more)
    assert await tb.read('DISCARDED') == 42 and tb.scope.held_off == 0


@cocotb.test()
async def run_test_watchdog(dut):
    """The PS stops taking report words for 500 cycles mid-scan: beam_blank is high on every cycle the stall has lasted
    longer than WATCHDOG cycles (and the sequencer counts exactly those, STALL_BLANK_CYCLES); the scan then completes
    word for word."""
    tb = TB(dut, seed=10)
    await tb.reset()
    await tb.write('WATCHDOG', 40)
    assert await tb.read('WATCHDOG') == 40
    counts = {'over': 0, 'blanked': 0}

    async def stall_and_watch():
        for _ in range(400):
            await RisingEdge(dut.aclk)
        tb.report.pause = True
        run = 0
        for cycle in range(1200):
            await RisingEdge(dut.aclk)
            if cycle == 500:
                tb.report.pause = False
            if run > 40:  # the stall had lasted over 40 cycles before this one
                counts['over'] += 1
                counts['blanked'] += int(dut.beam_blank.value)
            stalled = dut.m_axis_report_tvalid.value == 1 and dut.m_axis_report_tready.value == 0
            run = run + 1 if stalled else 0

    watcher = cocotb.start_soon(stall_and_watch())
    cal = DetectorCalibration()
    _, mismatches = await tb.scan(cal.raw(test_images(1)[0]), cal)
    await watcher
    assert not any(mismatches.values()), mismatches
    assert counts['over'] > 300 and counts['blanked'] == counts['over'], counts
    assert await tb.read('STALL_BLANK_CYCLES') == counts['over']


async def cycles_low(clock, signal) -> int:
    """Cycles an active-low signal stays low, from the next time it goes low."""
    while int(signal.value):
        await RisingEdge(clock)
    n = 0
    while not int(signal.value):
        n += 1
        await RisingEdge(clock)
    return n


@cocotb.test()
async def run_test_scans(dut):
    """SEQ_SCANS back-to-back scans (one beam, fixed dwell, no stalls) of held-out images, every tenth of them one of
    hls.extremes' detector images instead: every word compared, wraps counted, and the cycle counts measured here and by
    the sequencer's own counters."""
    dwell = int(os.environ.get('SEQ_DWELL', '0'))
    tb = TB(dut, seed=11, dwell=(dwell, dwell))
    await tb.reset()
    scans = int(os.environ.get('SEQ_SCANS', '4'))
    g = tb.cfg.geometry
    images = test_images(scans)
    extremes = extreme_scans(g.image_size, seed=11)
    compared = {'scans': 0, 'extreme_scans': 0, 'decisions': 0, 'position_words': 0, 'report_words': 0,
                'observation_words': 0, 'state_words': 0}  # fmt: skip
    mismatches = {'decisions': 0, 'position_words': 0, 'report_words': 0, 'observation_words': 0, 'state_words': 0}
    counters = {'scan_cycles': [], 'dead_cycles': [], 'decision_cycles': [], 'probe_idle_cycles': [], 'probe_idle_total': []}
    start = time.perf_counter()
    for k, image in enumerate(images):
        if k % 10 == 9:
            _, raw, cal = extremes[(k // 10) % len(extremes)]
            compared['extreme_scans'] += 1
        else:
            cal = DetectorCalibration()
            raw = cal.raw(image)
        expected, counts = await tb.scan(raw, cal)
        add(mismatches, counts)
        compared['scans'] += 1
        compared['observation_words'] += expected['observations'][0].size
        compared['state_words'] += expected['h'][0].size + expected['c'][0].size
        compared['decisions'] += expected['actions'].shape[1]
        compared['position_words'] += expected['position_words'].shape[1]
        compared['report_words'] += expected['reports'].shape[1]
        for name in counters:
            counters[name].append(await tb.read(name.upper()))
    wall = time.perf_counter() - start
    dead = dead_times(tb.scope, 0, scans, g.segments, g.probes_per_segment)
    idle = probe_idle_times(tb.scope, scans, g.segments, g.probes_per_segment)
    result = {
        'compared': compared, 'mismatches': mismatches, 'wraps': tb.graph.wraps, 'dwell_cycles': dwell, 'wall_s': round(wall, 2),
        'scan_cycles': {'min': min(counters['scan_cycles']), 'max': max(counters['scan_cycles'])},
        'dead_time_cycles': {'max': max(dead), 'mean': round(float(np.mean(dead)), 3)},
        'decision_cycles': {'max': max(counters['decision_cycles']), 'min': min(counters['decision_cycles'])},
        'probe_idle_cycles': {'max': max(idle), 'mean': round(float(np.mean(idle)), 3),
                              'per_scan_total_mean': round(float(np.mean(counters['probe_idle_total'])), 3)},
        'detector_held_off_cycles': tb.scope.held_off,
        'scan_clock_ns': {k: float(os.environ[k]) for k in ('SCAN_PERIOD_NS', 'SCAN_PHASE_NS')} if tb.two_clocks else None,
        'clock_mhz': 1000 / PERIOD_NS,
    }  # fmt: skip
    dut._log.info('scans: %s', result)
    if os.environ.get('SEQ_RESULT'):
        Path(os.environ['SEQ_RESULT']).write_text(json.dumps(result))
    assert not any(mismatches.values()), mismatches
    assert tb.graph.wraps == 0, f'{tb.graph.wraps} quantize steps wrapped'
    assert tb.scope.held_off == 0, f'the detector was held off for {tb.scope.held_off} cycles'
    if tb.two_clocks:
        return  # the microscope counted scan clock cycles: its gaps are not the sequencer's
    assert max(dead) == max(counters['dead_cycles']), f'dead time: testbench {max(dead)}, sequencer {counters}'
    per_scan = [sum(idle[k : k + g.segments]) for k in range(0, len(idle), g.segments)]
    assert counters['probe_idle_total'] == per_scan, f'probe idle per scan: testbench {per_scan}, sequencer {counters}'
    assert max(idle) == max(counters['probe_idle_cycles']), f'probe idle: testbench {max(idle)}, sequencer {counters}'
