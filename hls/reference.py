"""The bit-exact integer model of the quantized per-step cell: what the core computes, in Python.

It runs the integer dataflow graph da4ml traced from the HGQ2 cell (`comb_logic.json`: adds, shifts, table lookups,
quantizations on fixed-point words), the same graph the Verilog is generated from, with da4ml's compiled interpreter
where da4ml is installed and with NumPy alone (hls.integer_graph) elsewhere, e.g. on the board. Every value is a fixed-point
number, so the results are exact: integers in, integers out. The recurrent state (h, c) is kept as integers and fed back;
`reset()` (and a decision with first=True on the wire) zeroes it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hls.contract import ActorContract, FixedPoint
from hls.export import missing_actor_file
from hls.integer_graph import IntegerGraph


class Da4mlGraph:
    """The same graph run by da4ml's compiled interpreter (about 10x faster than NumPy per decision)."""

    def __init__(self, path: Path):
        from da4ml._binary import dais_interp_run
        from da4ml.types import CombLogic

        logic = CombLogic.load(path)
        self.shape = tuple(logic.shape)
        # CombLogic.predict re-serialises the whole graph on every call (~35 ms); serialise once, interpret per decision
        self._program, self._run = logic.to_binary(), dais_interp_run

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self._run(self._program, np.ascontiguousarray(x, np.float64), 1)


def load_graph(path: Path, engine: str = 'auto'):
    """The actor's integer graph: engine 'da4ml' (compiled), 'numpy' (no da4ml: the board) or 'auto' (da4ml if installed)."""
    if engine not in ('auto', 'da4ml', 'numpy'):
        raise ValueError(f"engine must be 'auto', 'da4ml' or 'numpy', not {engine!r}")
    if engine != 'numpy':
        try:
            return Da4mlGraph(path)
        except ImportError:
            if engine == 'da4ml':
                raise
    return IntegerGraph.load(path)


class ReferenceActor:
    def __init__(self, contract: ActorContract, graph):
        """graph: a callable (N, inputs) -> (N, outputs) on fixed-point grids (IntegerGraph or Da4mlGraph)."""
        self.contract = contract
        self.graph = graph
        self.h_format = FixedPoint(**contract.state_formats['h'])
        self.c_format = FixedPoint(**contract.state_formats['c'])
        n_in = contract.obs_dim + 2 * contract.units
        if graph.shape != (n_in, 2 + 2 * contract.units):
            raise ValueError(f'comb logic shape {graph.shape} does not match the contract (units {contract.units})')
        self.reset()

    @classmethod
    def from_file(cls, path: str | Path, engine: str = 'auto') -> ReferenceActor:
        """Load an actor folder (contract.json + comb_logic.json), e.g. hls/build/actor_q/."""
        path = Path(path)
        if message := missing_actor_file(path):
            raise FileNotFoundError(message)
        return cls(ActorContract.from_json(path / 'contract.json'), load_graph(path / 'comb_logic.json', engine))

    def reset(self, batch: int | None = None) -> None:
        shape = (self.contract.units,) if batch is None else (batch, self.contract.units)
        self.h = np.zeros(shape, np.int64)
        self.c = np.zeros(shape, np.int64)

    @property
    def state(self) -> tuple[np.ndarray, np.ndarray]:
        return self.h.copy(), self.c.copy()

    def graph_inputs(self, obs_q, h_q, c_q) -> np.ndarray:
        """Integers (N, 22), (N, H), (N, H) -> the graph's inputs (N, 22 + 2H) on their fixed-point grids."""
        return np.concatenate(
            [self.contract.input.to_float(obs_q), self.h_format.to_float(h_q), self.c_format.to_float(c_q)], -1
        )

    def cell(self, obs_q, h_q, c_q) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One decision on explicit integers (N, 22), (N, H), (N, H) -> action (N, 2), h' (N, H), c' (N, H)."""
        y = self.graph(self.graph_inputs(obs_q, h_q, c_q))
        u = self.contract.units
        ints = lambda v, fmt: np.round(v * 2.0**fmt.frac).astype(np.int64)  # noqa: E731 (exact: v is on the grid)
        return ints(y[:, :2], self.contract.output), ints(y[:, 2 : 2 + u], self.h_format), ints(y[:, 2 + u :], self.c_format)

    def step(self, obs_q, first: bool = False) -> np.ndarray:
        """Next action integers (2,) or (N, 2) from observation integers (22,) or (N, 22); first=True resets the state."""
        obs_q = np.asarray(obs_q, np.int64)
        single = obs_q.ndim == 1
        batch = obs_q.reshape(-1, self.contract.obs_dim)
        if first or self.h.shape[:-1] != (() if single else (len(batch),)):
            self.reset(None if single else len(batch))
        action, h, c = self.cell(batch, self.h.reshape(len(batch), -1), self.c.reshape(len(batch), -1))
        self.h, self.c = (h[0], c[0]) if single else (h, c)
        return action[0] if single else action
