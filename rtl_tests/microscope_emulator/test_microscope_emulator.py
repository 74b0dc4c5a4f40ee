"""pytest launcher: the cocotb testbench microscope_emulator_tb.py under Icarus and Verilator (dwell 0 under Icarus)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hls.rtl_wrapper.sources import EMULATOR
from hls.simulators import SIMULATORS, compile_sources, failures, run
from rtl_tests import require_simulator

HERE = Path(__file__).parent


@pytest.mark.parametrize('simulator, dwell', [(SIMULATORS[0], 0), *((sim, 3) for sim in SIMULATORS)])
def test_microscope_emulator(simulator, dwell, tmp_path):
    require_simulator(simulator)
    top = 'microscope_emulator'
    runner = compile_sources(simulator, [EMULATOR], top, {'IMAGE_SIZE': 8, 'DWELL_CYCLES': dwell}, tmp_path)
    assert failures(run(runner, top, tmp_path, 'microscope_emulator_tb', HERE)) == []
