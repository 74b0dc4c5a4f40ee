"""The 7-series delay estimate that cuts the actor core into pipeline stages (hls/timing.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hls import timing

ACTOR = Path(__file__).resolve().parents[1] / 'hls' / 'actors' / 'default'


@pytest.fixture(scope='module')
def logic():
    from da4ml.types import CombLogic

    return CombLogic.load(ACTOR / 'comb_logic.json')


def test_delays_grow_with_width():
    assert timing.adder_ns(4) < timing.adder_ns(16) < timing.adder_ns(32) < timing.adder_ns(64)
    assert timing.adder_ns(32) - timing.adder_ns(16) == pytest.approx(4 * timing.CARRY_NEXT_NS)
    assert timing.table_ns(6) < timing.table_ns(8) < timing.table_ns(10)


def test_every_stage_fits_the_clock(logic):
    for period in (10.0, 8.0):
        stages = timing.stage_delays(timing.pipeline(logic, period))
        assert max(s['critical_path_ns'] for s in stages) <= period - timing.CLOCK_UNCERTAINTY_NS + 1e-9


def test_da4ml_unit_latency_cut_overfills_stages(logic):
    """da4ml's own model (every adder one unit, constant adders free) at cutoff 5: stages the estimate puts above 10 ns."""
    from da4ml.trace.pipeline import to_pipeline

    worst = max(s['critical_path_ns'] for s in timing.stage_delays(to_pipeline(logic, 5.0, verbose=False)))
    assert worst > 10.0


def test_pipelined_core_computes_what_the_graph_computes(logic):
    pipe = timing.pipeline(logic, 10.0)
    rng = np.random.default_rng(0)
    lo, hi, step = (np.array(v) for v in zip(*logic.inp_qint))
    x = lo + step * rng.integers(0, np.round((hi - lo) / step) + 1, (8, len(lo)))
    for row in x:
        assert np.array_equal(np.asarray(pipe(row), np.float64), np.asarray(logic(row), np.float64))


def test_the_stand_in_terms_are_the_fitted_ones():
    """hls.timing.STAND_IN is what bench/timing_calibration.py last fitted to the routed paths (rerun it, copy them)."""
    import json

    fitted = json.loads((ACTOR.parents[2] / 'bench' / 'results' / 'timing_calibration.json').read_text())['fitted']
    assert timing.STAND_IN._asdict() == fitted
