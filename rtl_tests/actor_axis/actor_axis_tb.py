"""cocotb testbench of hls/rtl_wrapper/actor_axis.v, the per-decision core (run through test_actor_axis.py).

Every output word, and after every closed-loop decision the wrapper's h and c registers, are compared with
hls.reference.ReferenceActor (integer equality) and the differences are counted; every decision's inputs also go through
the NumPy interpreter of the same graph, which counts the quantize steps that overflowed and wrapped (0 for a saturating
core).
Environment variables set by the pytest launcher: ACTOR_DIR (the quantized actor folder), CORE_CYCLES (the core's
pipeline registers: the latency asserted here), RTL_DECISIONS (decisions in the closed-loop scans), RTL_RESULT (a
JSON file the scans test writes its numbers to).
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
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

from hls.extremes import extreme_observations
from hls.integer_graph import IntegerGraph
from hls.reference import ReferenceActor
from model.scan_numpy import ScanEnvironment

PERIOD_NS = 10


class TB:
    def __init__(self, dut):
        self.dut = dut
        self.ref = ReferenceActor.from_file(os.environ['ACTOR_DIR'])
        self.contract = self.ref.contract
        self.core_cycles = int(os.environ['CORE_CYCLES'])
        self.source = AxiStreamSource(
            AxiStreamBus.from_prefix(dut, 's_axis'), dut.aclk, dut.aresetn, reset_active_level=False
        )
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, 'm_axis'), dut.aclk, dut.aresetn, reset_active_level=False)
        for bus in (self.source, self.sink):
            bus.log.setLevel(logging.WARNING)  # one INFO line per frame would dominate the run time
        self.cycle = 0
        self.accepted, self.emitted = [], []
        self.decisions = self.mismatches = self.state_mismatches = 0
        self.inputs = []  # every closed-loop decision's (obs, h, c) as the graph's inputs, for the wrap count
        cocotb.start_soon(Clock(dut.aclk, PERIOD_NS, unit='ns').start())
        cocotb.start_soon(self._monitor())

    async def _monitor(self):
        """Count cycles and log the cycle of every input and output handshake."""
        dut = self.dut
        while True:
            await RisingEdge(dut.aclk)
            self.cycle += 1
            if dut.s_axis_tvalid.value == 1 and dut.s_axis_tready.value == 1:
                self.accepted.append(self.cycle)
            if dut.m_axis_tvalid.value == 1 and dut.m_axis_tready.value == 1:
                self.emitted.append(self.cycle)

    async def reset(self):
        self.dut.aresetn.value = 0
        for _ in range(3):
            await RisingEdge(self.dut.aclk)
        self.dut.aresetn.value = 1
        await RisingEdge(self.dut.aclk)

    def set_pauses(self, seed: int | None, source: float = 0.4, sink: float = 0.5):
        """Random tvalid gaps and tready backpressure (seed None: none)."""
        if seed is None:
            self.source.clear_pause_generator()
            self.sink.clear_pause_generator()
            return
        rng = random.Random(seed)
        self.source.set_pause_generator(iter(lambda: rng.random() < source, None))
        self.sink.set_pause_generator(iter(lambda: rng.random() < sink, None))

    async def send(self, obs_q, first: bool) -> None:
        ((tdata, tuser, _),) = self.contract.pack_decision(obs_q, first)
        await self.source.send(AxiStreamFrame(tdata.to_bytes(self.contract.tdata_in_bits // 8, 'little'), tuser=tuser))

    async def receive(self, expected) -> np.ndarray:
        """The next output beat; counts it as a mismatch unless it equals `expected` (reference integers)."""
        frame = await self.sink.recv()
        out = self.contract.unpack_direction([int.from_bytes(bytes(frame.tdata), 'little')])
        self.decisions += 1
        if not np.array_equal(out, expected):
            self.mismatches += 1
            self.dut._log.error('decision %d: RTL %s != reference %s', self.decisions, out, expected)
        return out

    async def decide(self, obs_q, first: bool) -> np.ndarray:
        """One decision through the wrapper, compared with the reference (output and the h, c registers after it);
        returns the RTL's output integers."""
        obs_q = np.asarray(obs_q, np.int64)
        h, c = (np.zeros_like(s) for s in self.ref.state) if first else self.ref.state
        self.inputs.append(self.ref.graph_inputs(obs_q[None], h[None], c[None]))
        await self.send(obs_q, first)
        out = await self.receive(self.ref.step(obs_q, first=first))
        for name, fmt, want in (('h', self.ref.h_format, self.ref.h), ('c', self.ref.c_format, self.ref.c)):
            got = fmt.unpack(int(getattr(self.dut, name).value), len(want))
            if bad := int(np.sum(got != want)):
                self.state_mismatches += bad
                self.dut._log.error('decision %d: %d words of %s differ: RTL %s, reference %s', self.decisions, bad,
                                    name, got, want)  # fmt: skip
        return out

    def wraps(self) -> int:
        """Quantize steps that wrapped over every closed-loop decision so far (NumPy interpreter of the graph)."""
        graph = IntegerGraph.load(Path(os.environ['ACTOR_DIR']) / 'comb_logic.json')
        graph(np.concatenate(self.inputs))
        return graph.wraps

    async def scan(self, image) -> None:
        """A closed-loop scan: the RTL's directions drive the environment."""
        env = ScanEnvironment(self.contract.geometry)
        obs = env.reset(image)
        for t in range(self.contract.geometry.segments):
            out = await self.decide(self.contract.encode_observation(obs), first=t == 0)
            obs = env.step(self.contract.decode_action(out).astype(np.float32))


def test_images(n: int) -> np.ndarray:
    from training.data import load_split

    images = load_split('procedural', 'test')
    return images[np.arange(n) % len(images)]


@cocotb.test()
async def run_test_scans(dut):
    """Back-to-back closed-loop scans of held-out images (state reset by TUSER only), RTL_DECISIONS decisions."""
    tb = TB(dut)
    await tb.reset()
    decisions = int(os.environ.get('RTL_DECISIONS', '1000'))
    scans = -(-decisions // tb.contract.geometry.segments)
    images = test_images(min(scans, 1000))  # distinct held-out images, reused only beyond 1,000 scans
    start = time.perf_counter()
    for k in range(scans):
        await tb.scan(images[k % len(images)])
    wall = time.perf_counter() - start
    latency = [o - a for a, o in zip(tb.accepted, tb.emitted)]
    result = {
        'decisions': tb.decisions, 'mismatches': tb.mismatches, 'state_mismatches': tb.state_mismatches,
        'wraps': tb.wraps(), 'wall_s': round(wall, 2),
        'decisions_per_s': round(tb.decisions / wall, 1), 'latency_cycles': int(max(latency)),
        'cycles_per_decision': round(float(np.mean(np.diff(tb.accepted))), 2), 'clock_mhz': 1000 / PERIOD_NS,
    }  # fmt: skip
    dut._log.info('scans: %s', result)
    if os.environ.get('RTL_RESULT'):
        Path(os.environ['RTL_RESULT']).write_text(json.dumps(result))
    assert tb.mismatches == 0, f'{tb.mismatches} of {tb.decisions} decisions differ from the reference'
    assert tb.state_mismatches == 0 and result['wraps'] == 0, result
    assert len(tb.accepted) == len(tb.emitted) == tb.decisions == scans * tb.contract.geometry.segments
    assert set(latency) == {tb.core_cycles + 1}, f'latency {set(latency)} cycles, expected {tb.core_cycles + 1}'


@cocotb.test()
async def run_test_queued(dut):
    """Independent decisions queued back to back (the wrapper holds tready low while it computes), random tvalid gaps
    and tready backpressure: every output in order, equal to the reference; with the sink always ready, each output
    handshake comes CORE_CYCLES + 1 cycles after its input handshake and the next input is taken on the cycle after."""
    tb = TB(dut)
    await tb.reset()
    rng = np.random.default_rng(3)
    c = tb.contract
    n = 60
    obs = rng.integers(c.input.qmin, c.input.qmax + 1, (n, c.obs_dim))
    first = rng.random(n) < 0.2
    first[0] = True
    expected = [tb.ref.step(o, first=bool(f)) for o, f in zip(obs, first)]
    for pauses in (None, 4):
        tb.set_pauses(pauses)
        accepted, emitted = len(tb.accepted), len(tb.emitted)
        for o, f in zip(obs, first):
            await tb.send(o, bool(f))  # queued: send returns once the beat is in the source's queue
        for e in expected:
            await tb.receive(e)
        latency = [o - a for a, o in zip(tb.accepted[accepted:], tb.emitted[emitted:])]
        if pauses is None:
            assert set(latency) == {tb.core_cycles + 1}, f'latency {set(latency)}, expected {tb.core_cycles + 1}'
            assert set(np.diff(tb.accepted[accepted:])) == {tb.core_cycles + 2}
        else:
            assert min(latency) == tb.core_cycles + 1 and len(latency) == n
    assert tb.mismatches == 0, f'{tb.mismatches} of {tb.decisions} decisions differ from the reference'


@cocotb.test()
async def run_test_saturation(dut):
    """Extreme observations (hls.extremes: all max, all min, zero, alternating, then uniform over the whole input grid),
    each pattern held for a scan-length sequence of decisions with the state fed back (open loop), so that h and c run
    to their extremes too: outputs and state equal the reference, and no quantize step wraps."""
    tb = TB(dut)
    await tb.reset()
    patterns = extreme_observations(tb.contract, 6, seed=int(os.environ.get('RTL_SEED', '0')))
    for p in patterns:
        for t in range(tb.contract.geometry.segments):
            await tb.decide(p, first=t == 0)
    wraps = tb.wraps()
    dut._log.info('saturation: %d decisions, %d mismatches, %d state words differ, %d wraps', tb.decisions,
                  tb.mismatches, tb.state_mismatches, wraps)  # fmt: skip
    assert tb.decisions == len(patterns) * tb.contract.geometry.segments
    assert tb.mismatches == 0, f'{tb.mismatches} of {tb.decisions} decisions differ from the reference'
    assert tb.state_mismatches == 0 and wraps == 0, (tb.state_mismatches, wraps)


@cocotb.test()
async def run_test_backpressure(dut):
    """Random tready backpressure and tvalid gaps: closed-loop scans still match word for word."""
    tb = TB(dut)
    await tb.reset()
    tb.set_pauses(seed=1)
    for image in test_images(3):
        await tb.scan(image)
    assert tb.mismatches == 0, f'{tb.mismatches} of {tb.decisions} decisions differ from the reference'
    assert tb.state_mismatches == 0
    assert len(tb.accepted) == len(tb.emitted) == 3 * tb.contract.geometry.segments


@cocotb.test()
async def run_test_reset_mid_scan(dut):
    """aresetn asserted while a decision is in flight, then a clean scan matches the reference."""
    tb = TB(dut)
    await tb.reset()
    image = test_images(1)[0]
    env = ScanEnvironment(tb.contract.geometry)
    obs = env.reset(image)
    for t in range(7):
        out = await tb.decide(tb.contract.encode_observation(obs), first=t == 0)
        obs = env.step(tb.contract.decode_action(out).astype(np.float32))
    await tb.send(tb.contract.encode_observation(obs), False)
    await tb.source.wait()
    for _ in range(3):
        await RisingEdge(dut.aclk)
    await tb.reset()
    tb.source.clear()
    tb.sink.clear()
    assert dut.m_axis_tvalid.value == 0 and dut.s_axis_tready.value == 1
    await tb.scan(image)
    assert tb.mismatches == 0, f'{tb.mismatches} of {tb.decisions} decisions differ from the reference'
    assert tb.state_mismatches == 0
