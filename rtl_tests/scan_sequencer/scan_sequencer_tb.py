"""cocotb testbench of hls/rtl_wrapper/scan_sequencer.v alone (run through test_scan_sequencer.py): the testbench plays
the actor core, so the actions can be anything: every direction, the zero vector, the extremes, paths off every edge.

Every observation beat the sequencer sends the actor, every position word and every report word is compared with
hls.sequencer_model.replay (the model given the same decisions and samples), integer for integer.
"""

from __future__ import annotations

import logging
import random

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamSink

from hls.contract import DEFAULT_CONTRACT, DetectorCalibration, pack_position, pack_report
from hls.sequencer_model import SequencerConfig, replay
from rtl_tests.scan_side import Microscope, count_differences, first_difference

CONTRACT = DEFAULT_CONTRACT
CFG = SequencerConfig(CONTRACT.geometry)
G = CFG.geometry


class ScriptedActor:
    """Answers each observation beat (m_axis_obs) with the next scripted action (s_axis_act) after a random delay;
    records the observations and first flags it was sent."""

    def __init__(self, dut, rng: random.Random, delay=(0, 12)):
        self.dut, self.rng, self.delay = dut, rng, delay
        self.actions: list = []
        self.observations: list = []
        self.first: list = []
        dut.m_axis_obs_tready.value = 0
        dut.s_axis_act_tvalid.value = 0
        cocotb.start_soon(self._run())

    async def _run(self):
        dut = self.dut
        mask = (1 << CONTRACT.input.bits) - 1
        while True:
            dut.m_axis_obs_tready.value = 1
            await RisingEdge(dut.clk)
            if dut.m_axis_obs_tvalid.value != 1:
                continue
            word = int(dut.m_axis_obs_tdata.value)
            words = [(word >> (k * CONTRACT.input.bits)) & mask for k in range(CONTRACT.obs_dim)]
            self.observations.append(CONTRACT.input.from_unsigned(words))
            self.first.append(int(dut.m_axis_obs_tuser.value))
            dut.m_axis_obs_tready.value = 0
            for _ in range(self.rng.randint(*self.delay)):
                await RisingEdge(dut.clk)
            dut.s_axis_act_tdata.value = CONTRACT.pack_direction(self.actions[len(self.observations) - 1])
            dut.s_axis_act_tvalid.value = 1
            await RisingEdge(dut.clk)
            dut.s_axis_act_tvalid.value = 0


class TB:
    def __init__(self, dut, seed: int, outstanding: int = 1, stall: float = 0.0):
        self.dut = dut
        self.rng = random.Random(seed)
        cocotb.start_soon(Clock(dut.clk, 10, unit='ns').start())
        dut.start.value = 0
        dut.watchdog_cycles.value = 256  # the scan IP's reset value
        self.actor = ScriptedActor(dut, self.rng)
        self.scope = Microscope(dut, dut.clk, dut.rstn, self.rng, outstanding, (0, 4), stall)
        self.report = None

    async def reset(self):
        self.dut.rstn.value = 0
        for _ in range(3):
            await RisingEdge(self.dut.clk)
        if self.report is None:
            self.report = AxiStreamSink(AxiStreamBus.from_prefix(self.dut, 'm_axis_report'), self.dut.clk, self.dut.rstn,
                                        reset_active_level=False)  # fmt: skip
            self.report.log.setLevel(logging.WARNING)
            self.report.set_pause_generator(iter(lambda: self.rng.random() < 0.3, None))
        self.dut.rstn.value = 1
        await RisingEdge(self.dut.clk)

    async def scan(self, actions: np.ndarray, raw_image: np.ndarray, cal: DetectorCalibration) -> dict:
        """One scan with scripted actions (T, 2); returns the mismatches counted against the model."""
        dut = self.dut
        dut.offset.value = cal.offset & 0xFFFF
        dut.gain.value = cal.gain
        self.actor.actions, self.actor.observations, self.actor.first = list(actions), [], []
        self.scope.image, first_word = raw_image, len(self.scope.words)
        dut.start.value = 1
        await RisingEdge(dut.clk)
        dut.start.value = 0
        frame = await self.report.recv()
        got_pos = np.asarray(self.scope.words[first_word:], np.int64)
        got_rep = np.frombuffer(bytes(frame.tdata), '<u8')
        # the model: positions follow from the decisions alone, the samples from the positions
        pixels = replay(actions, np.zeros((G.segments, G.probes_per_segment), np.int64), cal, CFG, CONTRACT)['pixels']
        raw = raw_image[pixels[..., 0], pixels[..., 1]]
        want = replay(actions, raw, cal, CFG, CONTRACT)
        p = want['pixels'].reshape(-1, 2)
        want_pos = pack_position(p[:, 0], p[:, 1])
        want_rep = pack_report(raw.reshape(-1), p[:, 0], p[:, 1], np.repeat(actions, G.probes_per_segment, axis=0))
        got_obs = np.asarray(self.actor.observations)
        mismatches = {
            'observations': count_differences(got_obs.reshape(-1), want['observations'].reshape(-1)),
            'first_flags': count_differences(np.asarray(self.actor.first), np.arange(G.segments) == 0),
            'position_words': count_differences(got_pos, want_pos),
            'report_words': count_differences(got_rep, want_rep),
        }
        if any(mismatches.values()):
            dut._log.error('mismatches %s: %s; %s', mismatches, first_difference('position word', got_pos, want_pos),
                           first_difference('report word', got_rep, want_rep))  # fmt: skip
        return mismatches


def action_scripts(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """Scans of scripted actions: all four edges left straight away, the zero vector and the extremes, random ones."""
    lo, hi = CONTRACT.output.qmin, CONTRACT.output.qmax
    edges = [np.tile(v, (G.segments, 1)) for v in ([lo, 0], [hi, 0], [0, lo], [0, hi])]
    special = np.array([[0, 0], [lo, lo], [hi, hi], [lo, hi], [hi, lo], [0, 1], [1, 0], [-1, 0], [0, -1], [1, 1]])
    mixed = special[rng.integers(0, len(special), G.segments)]
    scripts = [*edges, mixed] + [rng.integers(lo, hi + 1, (G.segments, 2)) for _ in range(n)]
    return scripts


@cocotb.test()
@cocotb.parametrize(outstanding=[1, 21])
async def run_test_any_action(dut, outstanding: int):
    tb = TB(dut, seed=outstanding, outstanding=outstanding, stall=0.3)
    await tb.reset()
    rng = np.random.default_rng(outstanding)
    total: dict = {}
    for k, actions in enumerate(action_scripts(rng, 3)):
        cal = DetectorCalibration() if k % 2 else DetectorCalibration.spanning(-1000 * k, 500 + 700 * k)
        raw = rng.integers(-32768, 32768, (G.image_size, G.image_size))
        for key, v in (await tb.scan(actions, raw, cal)).items():
            total[key] = total.get(key, 0) + v
    assert not any(total.values()), total
