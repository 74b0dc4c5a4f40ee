"""A 7-series delay estimate of da4ml's integer graph: cuts the actor core into pipeline stages and reports each stage.

da4ml's own latency model (carry_size = -1) counts every adder as one unit whatever its width and a constant adder as
zero; a stage cut at 5 units could chain about 9 carry chains, or a DSP multiply and 4-5 adders, which a -1 Zynq-7020
may not close at 10 ns. Here every operation gets a delay in nanoseconds from the cells it maps to:

    adder / subtracter / constant adder / negation of n bits: a net, the LUT in front of the carry chain, the first
        CARRY4 (S -> CO3), one CARRY4 bypass per further 4 bits, the last sum output (CIN -> O3)
    table lookup with a b-bit address (distributed ROM, da4ml's rom_style): a net and a LUT6, plus MUXF7 / MUXF8 for
        7 and 8 address bits, plus a LUT level and a net per 2 more
    multiplier (a DSP48E1, no internal registers): a net and the DSP's A -> P delay; a 1-bit operand is an AND (one LUT)
    MSB mux, ReLU: a net and a LUT; wiring (input, constant, quantize = bit selection): nothing

The cell delays are the slowest corner of Project X-Ray's database for the Zynq-7000 (`zynq7/timings/*.sdf` in
f4pga/prjxray-db: CLBLL_L CARRY4, LUT6, F7AMUX and FF_INIT, DSP_L DSP48E1 with AREG = MREG = PREG = 0). Routing is not
in those files: the Zynq estimate takes every net as NET_NS, a typical hop between neighbouring slices (`ASSUMED`; only a
place and route measures it). `Routing` generalises that to a routed device: a net costs net_ns + fanout_ns * log2(its
fan-out) (+ dsp_ns into or out of a multiplier block), and the cells scale by logic_scale; `STAND_IN` holds those terms
fitted to the routed critical paths of the open ECP5 stand-in (bench/timing_calibration.py, make pnr), so the model
predicts what that router measures. A stage's critical path is clock-to-out + its longest chain + one more net + setup.

`pipeline(comb, budget_ns)` assigns each operation its arrival time, starting an operation in the next stage where it
would straddle a stage boundary (da4ml's own rule) or where it reads a multiplier block's product (a register follows
every multiplier block: the stand-in routed a multiplier and the adders behind it in one 6.5 ns stage at 84 MHz), and cuts
the graph there with da4ml's `to_pipeline`; `stage_delays`
estimates any pipeline's stages, so the old and the new cut can be compared.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from da4ml.trace.pipeline import to_pipeline
from da4ml.types import CombLogic, Op, Pipeline, minimal_kif

CLOCK_TO_Q_NS = 0.303  # FF_INIT CLK -> Q
SETUP_NS = 0.109  # FF_INIT SETUP CE (the larger of CE and D)
LUT_NS = 0.124  # LUT6 A -> O6
CARRY_FIRST_NS = 0.508  # CARRY4 S0 -> CO3
CARRY_NEXT_NS = 0.114  # CARRY4 CIN -> CO3
CARRY_SUM_NS = 0.313  # CARRY4 CIN -> O3
MUXF7_NS = 0.276  # F7AMUX S0 -> OUT (MUXF8 taken as the same)
DSP_MULTIPLY_NS = 3.841  # DSP48E1 A -> P, multiply, no A/M/P registers
NET_NS = 0.8  # one routed net: about four interconnect pips (see the module docstring)
CLOCK_UNCERTAINTY_NS = 0.2  # jitter and skew reserve (assumed)


class Routing(NamedTuple):
    """What a routed net costs, and how the routed device's cells compare with the Zynq cells above."""

    net_ns: float
    fanout_ns: float = 0.0
    """per doubling of the driver's fan-out"""
    dsp_ns: float = 0.0
    """extra on a net into or out of a multiplier block"""
    logic_scale: float = 1.0

    def net(self, fanout: int = 1, dsp: bool = False) -> float:
        return self.net_ns + self.fanout_ns * math.log2(max(fanout, 1)) + (self.dsp_ns if dsp else 0.0)


ASSUMED = Routing(NET_NS)
"""the Zynq estimate: every net NET_NS, Project X-Ray's cells as they are"""
STAND_IN = Routing(net_ns=1.882, fanout_ns=0.015, dsp_ns=1.171, logic_scale=1.364)
"""fitted to the ECP5 stand-in's routed critical paths at speed grade 6 (bench/results/timing_calibration.json)"""


def width(op: Op) -> int:
    k, i, f = minimal_kif(op.qint)
    return max(int(k + i + f), 1)


def adder_cells_ns(bits: int) -> float:
    """The cells of an adder of `bits` bits (no net): the LUT, the carry chain, the sum output."""
    blocks = math.ceil(bits / 4)
    return LUT_NS + CARRY_FIRST_NS + max(blocks - 2, 0) * CARRY_NEXT_NS + (CARRY_SUM_NS if blocks > 1 else 0.0)


def adder_ns(bits: int) -> float:
    return NET_NS + adder_cells_ns(bits)


def table_levels(address_bits: int) -> int:
    """LUT levels (each behind its own net) of a distributed ROM beyond the first: one per 2 address bits over 8."""
    return math.ceil(max(address_bits - 8, 0) / 2)


def table_cells_ns(address_bits: int) -> float:
    return (LUT_NS + MUXF7_NS * (address_bits >= 7) + MUXF7_NS * (address_bits >= 8)
            + table_levels(address_bits) * LUT_NS)  # fmt: skip


def table_ns(address_bits: int) -> float:
    return NET_NS * (1 + table_levels(address_bits)) + table_cells_ns(address_bits)


def op_parts(op: Op, ops: list[Op]) -> tuple[float, int, bool]:
    """An operation's cells (ns, Zynq), the nets on its path (its input's and any inside it), and whether it is a
    multiplier block (see the module docstring)."""
    code = op.opcode
    if code in (-1, 3, 5):
        return 0.0, 0, False
    if code in (0, 1, 4, -3):
        return adder_cells_ns(width(op)), 1, False
    if code in (2, 6):
        return LUT_NS, 1, False
    if code in (-2, -6):
        return LUT_NS + adder_cells_ns(width(ops[op.id0])), 2, False
    if code == 7:
        if min(width(ops[op.id0]), width(ops[op.id1])) <= 1:
            return LUT_NS, 1, False
        return DSP_MULTIPLY_NS, 1, True
    if code == 8:
        bits = width(ops[op.id0])
        return table_cells_ns(bits), 1 + table_levels(bits), False
    raise ValueError(f'no delay model for opcode {code}')


def op_delay(op: Op, ops: list[Op], fanout: int = 1, routing: Routing = ASSUMED) -> float:
    """Nanoseconds from an operation's last input to its output: its cells (scaled) and its nets, the first with the
    fan-out of the input that drives it."""
    cells, nets, dsp = op_parts(op, ops)
    if nets == 0:
        return 0.0
    return routing.logic_scale * cells + routing.net(fanout, dsp) + (nets - 1) * routing.net()


def fanouts(comb: CombLogic) -> list[int]:
    """How many operations read each operation's result."""
    count = [0] * len(comb.ops)
    for op in comb.ops:
        for i in _inputs(op):
            count[i] += 1
    return count


def _inputs(op: Op) -> list[int]:
    ids = [] if op.opcode in (-1, 5) else [op.id0]
    if op.opcode in (0, 1, 7, 6, -6):
        ids.append(op.id1)
    if op.opcode in (6, -6):
        ids.append(op.data & 0xFFFFFFFF)
    return [i for i in ids if i >= 0]


def stage_budget_ns(period_ns: float, routing: Routing = ASSUMED) -> float:
    """The longest operation chain one stage may hold at this clock period."""
    return period_ns - CLOCK_UNCERTAINTY_NS - routing.logic_scale * (CLOCK_TO_Q_NS + SETUP_NS) - routing.net()


def arrival_times(
    comb: CombLogic, budget_ns: float | None = None, routing: Routing = ASSUMED, register_multipliers: bool = True
) -> list[float]:
    """Each operation's output time (ns) from the stage inputs; with budget_ns, an operation that would cross a multiple of
    the budget starts at that multiple instead (it begins the next stage), and so does one that reads a multiplier
    block's product (register_multipliers; False: the rule of the cuts routed before issue 22)."""
    times: list[float] = []
    fanout = fanouts(comb)
    for op in comb.ops:
        ins = _inputs(op)
        first = max(ins, key=times.__getitem__) if ins else None
        base = times[first] if ins else 0.0
        d = op_delay(op, comb.ops, fanout[first] if ins else 1, routing)
        if budget_ns is not None:
            if d > budget_ns:
                raise ValueError(f'one operation ({op}) takes {d:.2f} ns, more than a stage may ({budget_ns:.2f} ns)')
            stage = math.floor(base / budget_ns + 1e-9)
            after_multiplier = register_multipliers and any(op_parts(comb.ops[i], comb.ops)[2] for i in ins)
            if base + d > (stage + 1) * budget_ns + 1e-9 or (after_multiplier and base > stage * budget_ns + 1e-9):
                base = (stage + 1) * budget_ns
        times.append(base + d)
    return times


def pipeline(
    comb: CombLogic, period_ns: float = 10.0, routing: Routing = ASSUMED, register_multipliers: bool = True
) -> Pipeline:
    """Cut the graph so that no stage's estimated critical path exceeds the clock period."""
    budget = stage_budget_ns(period_ns, routing)
    times = arrival_times(comb, budget, routing, register_multipliers)
    timed = CombLogic(
        shape=comb.shape, inp_shifts=comb.inp_shifts, out_idxs=comb.out_idxs, out_shifts=comb.out_shifts,
        out_negs=comb.out_negs, ops=[op._replace(latency=t) for op, t in zip(comb.ops, times)],
        carry_size=comb.carry_size, adder_size=comb.adder_size, lookup_tables=comb.lookup_tables,
    )  # fmt: skip
    return to_pipeline(timed, budget, retiming=False, verbose=False)


def stage_delays(pipe: Pipeline, routing: Routing = ASSUMED) -> list[dict]:
    """Per stage: its longest operation chain and the estimated register-to-register critical path (ns), the operations on
    that chain by kind, and what the chain is made of (Zynq cell ns, nets, log2 fan-outs of the nets, multiplier nets:
    the terms bench/timing_calibration.py fits)."""
    stages = []
    for comb in pipe.solutions:
        times = arrival_times(comb, routing=routing)
        fanout = fanouts(comb)
        worst = max(range(len(times)), key=times.__getitem__) if times else None
        chain: dict[str, int] = {}
        parts = {'cells_ns': CLOCK_TO_Q_NS + SETUP_NS, 'nets': 1, 'fanout_log2': 0.0, 'dsp_nets': 0}
        i = worst
        while i is not None and comb.ops[i].opcode != -1:
            op = comb.ops[i]
            ins = _inputs(op)
            first = max(ins, key=times.__getitem__) if ins else None
            cells, nets, dsp = op_parts(op, comb.ops)
            if nets:
                kind = {0: 'add', 1: 'add', 4: 'add', -3: 'add', 7: 'multiply', 8: 'table'}.get(op.opcode, 'lut')
                chain[kind] = chain.get(kind, 0) + 1
                parts['cells_ns'] += cells
                parts['nets'] += nets
                parts['fanout_log2'] += math.log2(max(fanout[first], 1)) if ins else 0.0
                parts['dsp_nets'] += int(dsp)
            i = first
        logic = times[worst] if times else 0.0
        stages.append({
            'logic_ns': round(logic, 3),
            'critical_path_ns': round(routing.logic_scale * (CLOCK_TO_Q_NS + SETUP_NS) + logic + routing.net(), 3),
            'chain': chain,
            'parts': {k: round(v, 3) for k, v in parts.items()},
        })  # fmt: skip
    return stages
