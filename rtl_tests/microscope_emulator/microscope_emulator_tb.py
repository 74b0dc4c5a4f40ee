"""cocotb testbench of hls/rtl_wrapper/microscope_emulator.v (run through test_microscope_emulator.py).

Loads images through s_axis_image as the AXI DMA does, sends position words and checks that each sample is the stored
pixel, DWELL_CYCLES + 2 cycles after its position was taken when nothing stalls, in order under random stalls.
"""

from __future__ import annotations

import logging
import random

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

from hls.contract import pack_position


class TB:
    def __init__(self, dut):
        self.dut = dut
        self.n = int(dut.IMAGE_SIZE.value)
        self.dwell = int(dut.DWELL_CYCLES.value)
        cocotb.start_soon(Clock(dut.aclk, 10, unit='ns').start())
        bus = dict(clock=dut.aclk, reset=dut.aresetn, reset_active_level=False)
        self.image = AxiStreamSource(AxiStreamBus.from_prefix(dut, 's_axis_image'), **bus)
        self.pos = AxiStreamSource(AxiStreamBus.from_prefix(dut, 's_axis_pos'), **bus)
        self.det = AxiStreamSink(AxiStreamBus.from_prefix(dut, 'm_axis_det'), **bus)
        for s in (self.image, self.pos, self.det):
            s.log.setLevel(logging.WARNING)
        self.cycle = 0
        self.taken, self.answered = [], []
        cocotb.start_soon(self._monitor())

    async def _monitor(self):
        dut = self.dut
        while True:
            await RisingEdge(dut.aclk)
            self.cycle += 1
            if dut.s_axis_pos_tvalid.value == 1 and dut.s_axis_pos_tready.value == 1:
                self.taken.append(self.cycle)
            if dut.m_axis_det_tvalid.value == 1 and dut.m_axis_det_tready.value == 1:
                self.answered.append(self.cycle)

    async def reset(self):
        self.dut.aresetn.value = 0
        for _ in range(3):
            await RisingEdge(self.dut.aclk)
        self.dut.aresetn.value = 1
        await RisingEdge(self.dut.aclk)

    async def load(self, raw: np.ndarray):
        await self.image.send(AxiStreamFrame(np.asarray(raw, '<i2').tobytes()))
        await self.image.wait()

    async def probe(self, raw: np.ndarray, rows, cols) -> np.ndarray:
        for r, c in zip(rows, cols):
            await self.pos.send(AxiStreamFrame(int(pack_position(r, c)).to_bytes(2, 'little')))
        samples = []
        for _ in rows:
            frame = await self.det.recv()
            samples.append(int.from_bytes(bytes(frame.tdata), 'little', signed=True))
        return np.asarray(samples)


@cocotb.test()
@cocotb.parametrize(stalls=[False, True])
async def run_test_lookup(dut, stalls: bool):
    tb = TB(dut)
    await tb.reset()
    rng = np.random.default_rng(1)
    if stalls:
        r = random.Random(2)
        tb.pos.set_pause_generator(iter(lambda: r.random() < 0.4, None))
        tb.det.set_pause_generator(iter(lambda: r.random() < 0.5, None))
    for _ in range(2):  # a second image replaces the first (TLAST restarts the address)
        raw = rng.integers(-32768, 32768, (tb.n, tb.n))
        await tb.load(raw)
        rows, cols = rng.integers(0, tb.n, 40), rng.integers(0, tb.n, 40)
        rows[:4], cols[:4] = [0, 0, tb.n - 1, tb.n - 1], [0, tb.n - 1, 0, tb.n - 1]
        first = len(tb.taken)
        samples = await tb.probe(raw, rows, cols)
        assert np.array_equal(samples, raw[rows, cols])
        taken, answered = tb.taken[first:], tb.answered[first:]
        assert len(taken) == len(answered) == len(rows) and all(a > t for t, a in zip(taken, answered))
        assert all(t > a for a, t in zip(answered, taken[1:])), 'one beam: the next position after the previous sample'
        if not stalls:
            assert set(a - t for t, a in zip(taken, answered)) == {tb.dwell + 2}
