"""pytest launcher: the cocotb testbench scan_sequencer_tb.py (the sequencer alone, the testbench as its actor) under
Icarus and Verilator."""

from __future__ import annotations

from pathlib import Path

import pytest

from hls.contract import DEFAULT_CONTRACT
from hls.rtl_wrapper.sources import HERE as WRAPPER_DIR
from hls.rtl_wrapper.sources import SEQUENCER_MODULES
from hls.sequencer_model import SequencerConfig
from hls.simulators import SIMULATORS, compile_sources, failures, run
from rtl_tests import require_simulator

HERE = Path(__file__).parent


@pytest.mark.parametrize('simulator', SIMULATORS)
def test_scan_sequencer(simulator, tmp_path):
    require_simulator(simulator)
    top = 'scan_sequencer'
    params = SequencerConfig(DEFAULT_CONTRACT.geometry).verilog_parameters(DEFAULT_CONTRACT)
    runner = compile_sources(simulator, [WRAPPER_DIR / f for f in SEQUENCER_MODULES], top, params, tmp_path)
    assert failures(run(runner, top, tmp_path, 'scan_sequencer_tb', HERE)) == []
