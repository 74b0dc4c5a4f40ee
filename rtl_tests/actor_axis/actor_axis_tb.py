"""cocotb testbench of hls/rtl_wrapper/actor_axis.v (run through test_actor_axis.py, not directly).

Every output word is compared with hls.reference.ReferenceActor (integer equality). Environment variables set by
the pytest launcher: ACTOR_DIR (the quantized actor folder), RTL_DECISIONS (decisions in the closed-loop scans),
RTL_RESULT (a JSON file the scans test writes its numbers to).
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

from hls.reference import ReferenceActor
from model.scan_numpy import ScanEnvironment

PERIOD_NS = 10


class TB:
    def __init__(self, dut):
        self.dut = dut
        self.ref = ReferenceActor.from_file(os.environ['ACTOR_DIR'])
        self.contract = self.ref.contract
        self.source = AxiStreamSource(
            AxiStreamBus.from_prefix(dut, 's_axis'), dut.aclk, dut.aresetn, reset_active_level=False
        )
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, 'm_axis'), dut.aclk, dut.aresetn, reset_active_level=False)
        for bus in (self.source, self.sink):
            bus.log.setLevel(logging.WARNING)  # one INFO line per frame would dominate the run time
        self.cycle = 0
        self.accepted, self.emitted = [], []
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

    def set_pauses(self, seed: int | None):
        """Random tvalid gaps and tready backpressure (seed None: none)."""
        if seed is None:
            self.source.clear_pause_generator()
            self.sink.clear_pause_generator()
            return
        rng = random.Random(seed)
        self.source.set_pause_generator(iter(lambda: rng.random() < 0.4, None))
        self.sink.set_pause_generator(iter(lambda: rng.random() < 0.5, None))

    async def decide(self, obs_q, first: bool) -> np.ndarray:
        """One decision through the wrapper; asserts it equals the reference and returns the output integers."""
        ((tdata, tuser, tlast),) = self.contract.pack_decision(obs_q, first)
        nbytes = self.contract.tdata_in_bits // 8
        await self.source.send(AxiStreamFrame(tdata.to_bytes(nbytes, 'little'), tuser=tuser))
        frame = await self.sink.recv()
        out = self.contract.unpack_direction([int.from_bytes(bytes(frame.tdata), 'little')])
        expected = self.ref.step(np.asarray(obs_q, np.int64), first=first)
        assert np.array_equal(out, expected), f'RTL {out} != reference {expected} (first={first})'
        return out

    async def scan(self, image) -> int:
        """A closed-loop scan: the RTL's directions drive the environment. Returns the number of decisions."""
        env = ScanEnvironment(self.contract.geometry)
        obs = env.reset(image)
        for t in range(self.contract.geometry.segments):
            out = await self.decide(self.contract.encode_observation(obs), first=t == 0)
            obs = env.step(self.contract.decode_action(out).astype(np.float32))
        return self.contract.geometry.segments


def test_images(n: int) -> np.ndarray:
    from training.data import load_split

    images = load_split('procedural', 'test')
    return images[np.arange(n) % len(images)]


@cocotb.test()
async def run_test_scans(dut):
    """Back-to-back closed-loop scans of real test images (state reset by TUSER only), RTL_DECISIONS decisions."""
    tb = TB(dut)
    await tb.reset()
    decisions = int(os.environ.get('RTL_DECISIONS', '1000'))
    scans = -(-decisions // tb.contract.geometry.segments)
    images = test_images(min(scans, 1000))  # distinct held-out images, reused only beyond 1,000 scans
    start, done = time.perf_counter(), 0
    first_cycle = None
    for k in range(scans):
        done += await tb.scan(images[k % len(images)])
        first_cycle = tb.accepted[0] if first_cycle is None else first_cycle
    wall = time.perf_counter() - start
    latency = [o - a for a, o in zip(tb.accepted, tb.emitted)]
    interval = np.diff(tb.accepted)
    result = {
        'decisions': done, 'mismatches': 0, 'wall_s': round(wall, 2), 'decisions_per_s': round(done / wall, 1),
        'latency_cycles': int(max(latency)), 'cycles_per_decision': round(float(np.mean(interval)), 2),
        'clock_mhz': 1000 / PERIOD_NS,
    }  # fmt: skip
    dut._log.info('scans: %s', result)
    assert len(tb.accepted) == len(tb.emitted) == done
    if os.environ.get('RTL_RESULT'):
        Path(os.environ['RTL_RESULT']).write_text(json.dumps(result))


@cocotb.test()
async def run_test_saturation(dut):
    """All-max, all-min and alternating extreme input words over a scan-length sequence (open loop)."""
    tb = TB(dut)
    await tb.reset()
    lo, hi = tb.contract.input.qmin, tb.contract.input.qmax
    n = tb.contract.obs_dim
    alt = np.where(np.arange(n) % 2 == 0, hi, lo)
    patterns = [np.full(n, hi), np.full(n, lo), alt, alt[::-1]]
    for p in patterns:
        for t in range(tb.contract.geometry.segments):
            await tb.decide(p, first=t == 0)


@cocotb.test()
async def run_test_backpressure(dut):
    """Random tready backpressure and tvalid gaps: closed-loop scans still match word for word."""
    tb = TB(dut)
    await tb.reset()
    tb.set_pauses(seed=1)
    for image in test_images(3):
        await tb.scan(image)
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
    ((tdata, tuser, _),) = tb.contract.pack_decision(tb.contract.encode_observation(obs), False)
    await tb.source.send(AxiStreamFrame(tdata.to_bytes(tb.contract.tdata_in_bits // 8, 'little'), tuser=tuser))
    await tb.source.wait()
    for _ in range(3):
        await RisingEdge(dut.aclk)
    await tb.reset()
    tb.source.clear()
    tb.sink.clear()
    assert dut.m_axis_tvalid.value == 0 and dut.s_axis_tready.value == 1
    await tb.scan(image)
