"""What the scan sequencer's testbenches share: the microscope on its scan-side streams, and word comparisons."""

from __future__ import annotations

import random
from collections import deque

import cocotb
import numpy as np
from cocotb.triggers import RisingEdge

from hls.contract import unpack_report


class Microscope:
    """The scan coil and the detector: takes position words (m_axis_pos) and answers each with the raw sample of its
    pixel in `image` (s_axis_det), in order; everything pending is dropped while `resetn` is low.

    outstanding: how many position words it holds before answering (1: one beam that takes the next position only after
    the previous sample went out; more: a scan coil that queues positions). dwell: (min, max) clock cycles from taking a
    position to offering its sample. stall: probability that it holds tready low in a cycle where it could take a word.
    `free_running(n)` offers n more samples that answer no position word, as a free-running ADC does between scans.
    """

    def __init__(self, dut, clock, resetn, rng: random.Random, outstanding: int = 1, dwell=(0, 0), stall: float = 0.0):
        self.dut, self.clock, self.resetn, self.rng = dut, clock, resetn, rng
        self.outstanding, self.dwell, self.stall = outstanding, dwell, stall
        self.image = None
        self.cycle = 0
        self.words: list[int] = []
        self.words_at_reset = 0  # len(words) when resetn was last low: the words after it belong to the next scan
        self.pos_cycles: list[int] = []
        self.det_cycles: list[int] = []
        self.held_off = 0  # cycles a detector sample was offered and not taken
        self.unsolicited: deque = deque()  # samples answering no position word, offered when none is pending
        dut.m_axis_pos_tready.value = 0
        dut.s_axis_det_tvalid.value = 0
        dut.s_axis_det_tdata.value = 0
        cocotb.start_soon(self._run())

    def free_running(self, n: int) -> None:
        self.unsolicited.extend(range(n))

    async def _run(self):
        dut = self.dut
        pending: deque = deque()  # (raw sample, cycle it may go out)
        pos_ready = det_valid = False
        source = pending  # the queue of the sample on offer
        while True:
            await RisingEdge(self.clock)
            self.cycle += 1
            if self.resetn.value == 0:  # the scan side is reset (the sequencer's reset, ABORT): drop what is pending
                pending.clear()
                self.unsolicited.clear()
                self.words_at_reset = len(self.words)
                pos_ready = det_valid = False
                dut.s_axis_det_tvalid.value = 0
                dut.m_axis_pos_tready.value = 0
                continue
            if pos_ready and dut.m_axis_pos_tvalid.value == 1:
                word = int(dut.m_axis_pos_tdata.value)
                self.words.append(word)
                self.pos_cycles.append(self.cycle)
                row, col = word & 0xFF, word >> 8 & 0xFF
                pending.append((int(self.image[row, col]), self.cycle + 1 + self.rng.randint(*self.dwell)))
            if det_valid and dut.s_axis_det_tready.value == 1:
                source.popleft()
                if source is pending:
                    self.det_cycles.append(self.cycle)
                det_valid = False
            elif det_valid:
                self.held_off += 1  # a sample offered and not taken: an ADC would lose it
            if not det_valid and pending and pending[0][1] <= self.cycle:
                dut.s_axis_det_tdata.value = pending[0][0] & 0xFFFF
                det_valid, source = True, pending
            elif not det_valid and not pending and self.unsolicited:
                dut.s_axis_det_tdata.value = 0x7FFF
                det_valid, source = True, self.unsolicited
            dut.s_axis_det_tvalid.value = int(det_valid)
            pos_ready = len(pending) < self.outstanding and self.rng.random() >= self.stall
            dut.m_axis_pos_tready.value = int(pos_ready)


def count_differences(got, want) -> int:
    n = min(len(got), len(want))
    return int(np.sum(got[:n] != want[:n])) + abs(len(got) - len(want))


def first_difference(name, got, want) -> str:
    n = min(len(got), len(want))
    diff = np.flatnonzero(got[:n] != want[:n])
    if len(diff) == 0:
        return f'{name}s equal' if len(got) == len(want) else f'{len(got)} {name}s, expected {len(want)}'
    k = int(diff[0])
    if name == 'report word':
        return f'{name} {k}: RTL {unpack_report(got[k])}, model {unpack_report(want[k])}'
    return f'{name} {k}: RTL 0x{int(got[k]):04x}, model 0x{int(want[k]):04x}'
