"""da4ml's integer dataflow graph (`comb_logic.json`) run with NumPy alone: the reference actor on the board.

The PYNQ-Z2's ARM (armv7l) has no da4ml wheel, and its compiled interpreter is the only part of da4ml the reference
needs; so this module reads the JSON that `da4ml.types.CombLogic.save` writes and executes its operations itself,
vectorised over a batch. Every buffer value is a fixed-point number held in float64: the widths in these graphs stay far
below float64's 53-bit mantissa, so the arithmetic is exact and the results equal da4ml's integer for integer
(tests/test_integer_graph.py runs both over full scans).

It also counts wraps: every element where a quantize (or ReLU) step's result differs from the plain truncation of its
input, i.e. where the value overflowed its format and wrapped around (`wraps`, summed over all calls; the saturating cores
exported since issue 22 must keep it at 0 whatever the inputs).

Operation semantics follow `da4ml.types.CombLogic.__call__` (da4ml 0.6): each op writes one buffer slot, `qint` is
its (min, max, step) interval. Opcodes:
    -1 input   0/1 a +/- b*2**data   2/-2 relu(+/-a)   3/-3 quantize(+/-a) (truncate, wrap)   4 a + constant
    5 constant   6/-6 mux on the sign (MSB) of a third slot   7 a*b   8 table lookup
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np


def minimal_kif(lo: float, hi: float, step: float) -> tuple[int, int, int]:
    """(sign bit, integer bits, fractional bits) of the narrowest fixed-point type holding [lo, hi] on `step`."""
    if lo == hi == 0:
        return 0, 0, 0
    k = int(lo < 0)
    f = int(-math.log2(step))
    bits = int(math.ceil(math.log2(max(abs(round(lo / step)), round(hi / step) + 1))))
    return k, bits - f, f


def wrap(v: np.ndarray, k: int, i: int, f: int) -> np.ndarray:
    """Truncate v to 2**-f and wrap it into k sign, i integer bits (two's complement)."""
    b, eps = k + i + f, 2.0**-f
    bias = 2.0 ** (b - 1) * k
    return eps * ((np.floor(v / eps) + bias) % 2.0**b - bias)


def signed32(x: int) -> int:
    return ((x & 0xFFFFFFFF) + (1 << 31)) % (1 << 32) - (1 << 31)


class IntegerGraph:
    """Callable: inputs (N, n_in) on their fixed-point grids -> outputs (N, n_out), exactly as the traced core."""

    def __init__(self, data: list):
        if not (isinstance(data, list) and len(data) in (8, 9)):
            raise ValueError('not a da4ml comb_logic.json (expected a list of 8 or 9 fields)')
        self.shape = tuple(data[0])
        self.inp_scale = 2.0 ** np.asarray(data[1], np.float64)
        self.out_idx = np.asarray(data[2], np.int64)
        self.out_scale = 2.0 ** np.asarray(data[3], np.float64) * np.where(data[4], -1.0, 1.0) * (self.out_idx >= 0)
        self.ops = [(int(o[0]), int(o[1]), int(o[2]), int(o[3]), tuple(o[4])) for o in data[5]]
        self.tables = [self._float_table(t) for t in (data[8] if len(data) > 8 else None) or []]
        self.wraps = 0
        """elements that overflowed a quantize or ReLU step and wrapped, over every call so far"""
        if unknown := {op[2] for op in self.ops} - {-1, 0, 1, 2, -2, 3, -3, 4, 5, 6, -6, 7, 8}:
            raise ValueError(f'comb logic uses opcodes {sorted(unknown)} that this interpreter does not implement')

    @classmethod
    def load(cls, path: str | Path) -> IntegerGraph:
        return cls(json.loads(Path(path).read_text()))

    @staticmethod
    def _float_table(table: dict) -> np.ndarray:
        q = table['spec']['out_qint']
        return wrap(np.asarray(table['table'], np.float64) * q['step'], *minimal_kif(q['min'], q['max'], q['step']))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float64) * self.inp_scale
        buf: list[np.ndarray] = []
        for id0, id1, opcode, data, (lo, hi, step) in self.ops:
            if opcode == -1:
                v = x[:, id0]
            elif opcode in (0, 1):
                v = buf[id0] + (1 - 2 * opcode) * 2.0**data * buf[id1]
            elif opcode in (2, -2):
                _, i, f = minimal_kif(lo, hi, step)
                t = np.floor(np.maximum(0.0, buf[id0] if opcode == 2 else -buf[id0]) * 2.0**f) / 2.0**f
                v = t % 2.0**i
                self.wraps += int(np.count_nonzero(v != t))
            elif opcode in (3, -3):
                k, i, f = minimal_kif(lo, hi, step)
                t = np.floor((buf[id0] if opcode == 3 else -buf[id0]) * 2.0**f) / 2.0**f
                v = wrap(t, k, i, f)
                self.wraps += int(np.count_nonzero(v != t))
            elif opcode == 4:
                v = buf[id0] + data * step
            elif opcode == 5:
                v = np.full(len(x), data * step)
            elif opcode in (6, -6):
                v = self._msb_mux(buf, id0, id1, opcode, data)
            elif opcode == 7:
                v = buf[id0] * buf[id1]
            else:  # 8: table lookup, indexed by the key's position on its own grid
                k_lo, _, k_step = self.ops[id0][4]
                v = self.tables[data][np.rint((buf[id0] - k_lo) / k_step).astype(np.int64)]
            buf.append(v)
        out = np.stack([buf[i] if i >= 0 else np.zeros(len(x)) for i in self.out_idx], 1)
        return out * self.out_scale

    def _msb_mux(self, buf, id0, id1, opcode, data):
        """buf[id0] where the key's most significant bit is set, else (+/-)buf[id1] * 2**shift."""
        id_key, shift = data & 0xFFFFFFFF, signed32(data >> 32)
        key, (k_lo, k_hi, k_step) = buf[id_key], self.ops[id_key][4]
        msb = key < 0 if k_lo < 0 else key >= 2.0 ** (minimal_kif(k_lo, k_hi, k_step)[1] - 1)
        other = (buf[id1] if opcode == 6 else -buf[id1]) * 2.0**shift
        return np.where(msb, buf[id0], other)
