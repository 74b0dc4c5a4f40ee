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
in those files: every net is taken as NET_NS, a typical hop between neighbouring slices (an assumption; only a place and
route measures it). A stage's critical path is clock-to-out + its longest chain + one more net + setup.

`pipeline(comb, budget_ns)` assigns each operation its arrival time, starting an operation in the next stage where it
would straddle a stage boundary (da4ml's own rule), and cuts the graph there with da4ml's `to_pipeline`; `stage_delays`
estimates any pipeline's stages, so the old and the new cut can be compared.
"""

from __future__ import annotations

import math

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


def width(op: Op) -> int:
    k, i, f = minimal_kif(op.qint)
    return max(int(k + i + f), 1)


def adder_ns(bits: int) -> float:
    blocks = math.ceil(bits / 4)
    return NET_NS + LUT_NS + CARRY_FIRST_NS + max(blocks - 2, 0) * CARRY_NEXT_NS + (CARRY_SUM_NS if blocks > 1 else 0.0)


def table_ns(address_bits: int) -> float:
    t = NET_NS + LUT_NS
    if address_bits >= 7:
        t += MUXF7_NS
    if address_bits >= 8:
        t += MUXF7_NS
    return t + math.ceil(max(address_bits - 8, 0) / 2) * (NET_NS + LUT_NS)


def op_delay(op: Op, ops: list[Op]) -> float:
    """Nanoseconds from an operation's last input to its output (see the module docstring)."""
    code = op.opcode
    if code in (-1, 3, 5):
        return 0.0
    if code in (0, 1, 4, -3):
        return adder_ns(width(op))
    if code in (2, 6, -6):
        return NET_NS + LUT_NS + (adder_ns(width(ops[op.id0])) if code in (-2, -6) else 0.0)
    if code == -2:
        return NET_NS + LUT_NS + adder_ns(width(ops[op.id0]))
    if code == 7:
        if min(width(ops[op.id0]), width(ops[op.id1])) <= 1:
            return NET_NS + LUT_NS
        return NET_NS + DSP_MULTIPLY_NS
    if code == 8:
        return table_ns(width(ops[op.id0]))
    raise ValueError(f'no delay model for opcode {code}')


def _inputs(op: Op) -> list[int]:
    ids = [] if op.opcode in (-1, 5) else [op.id0]
    if op.opcode in (0, 1, 7, 6, -6):
        ids.append(op.id1)
    if op.opcode in (6, -6):
        ids.append(op.data & 0xFFFFFFFF)
    return [i for i in ids if i >= 0]


def stage_budget_ns(period_ns: float) -> float:
    """The longest operation chain one stage may hold at this clock period."""
    return period_ns - CLOCK_UNCERTAINTY_NS - CLOCK_TO_Q_NS - NET_NS - SETUP_NS


def arrival_times(comb: CombLogic, budget_ns: float | None = None) -> list[float]:
    """Each operation's output time (ns) from the stage inputs; with budget_ns, an operation that would cross a multiple of
    the budget starts at that multiple instead (it begins the next stage)."""
    times: list[float] = []
    for op in comb.ops:
        base = max((times[i] for i in _inputs(op)), default=0.0)
        d = op_delay(op, comb.ops)
        if budget_ns is not None:
            if d > budget_ns:
                raise ValueError(f'one operation ({op}) takes {d:.2f} ns, more than a stage may ({budget_ns:.2f} ns)')
            stage = math.floor(base / budget_ns + 1e-9)
            if base + d > (stage + 1) * budget_ns + 1e-9:
                base = (stage + 1) * budget_ns
        times.append(base + d)
    return times


def pipeline(comb: CombLogic, period_ns: float = 10.0) -> Pipeline:
    """Cut the graph so that no stage's estimated critical path exceeds the clock period."""
    budget = stage_budget_ns(period_ns)
    times = arrival_times(comb, budget)
    timed = CombLogic(
        shape=comb.shape, inp_shifts=comb.inp_shifts, out_idxs=comb.out_idxs, out_shifts=comb.out_shifts,
        out_negs=comb.out_negs, ops=[op._replace(latency=t) for op, t in zip(comb.ops, times)],
        carry_size=comb.carry_size, adder_size=comb.adder_size, lookup_tables=comb.lookup_tables,
    )  # fmt: skip
    return to_pipeline(timed, budget, retiming=False, verbose=False)


def stage_delays(pipe: Pipeline) -> list[dict]:
    """Per stage: its longest operation chain and the estimated register-to-register critical path (ns), plus the
    operations on that chain by kind."""
    stages = []
    for comb in pipe.solutions:
        times = arrival_times(comb)
        worst = max(range(len(times)), key=times.__getitem__) if times else None
        chain: dict[str, int] = {}
        i = worst
        while i is not None and comb.ops[i].opcode != -1:
            op = comb.ops[i]
            if op_delay(op, comb.ops) > 0:
                kind = {0: 'add', 1: 'add', 4: 'add', -3: 'add', 7: 'multiply', 8: 'table'}.get(op.opcode, 'lut')
                chain[kind] = chain.get(kind, 0) + 1
            ins = _inputs(op)
            i = max(ins, key=times.__getitem__) if ins else None
        logic = times[worst] if times else 0.0
        stages.append({
            'logic_ns': round(logic, 3),
            'critical_path_ns': round(CLOCK_TO_Q_NS + logic + NET_NS + SETUP_NS, 3),
            'chain': chain,
        })  # fmt: skip
    return stages
