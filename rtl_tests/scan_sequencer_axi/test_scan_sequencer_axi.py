"""pytest launcher: the cocotb testbench scan_sequencer_axi_tb.py under Icarus and Verilator (cocotb_tools.runner).

pytest rtl_tests/scan_sequencer_axi                               # CI: a few dozen whole scans per simulator
SEQ_SCANS=1000 pytest -n 2 rtl_tests/scan_sequencer_axi -k scans  # benchmark: writes
                                                              # bench/results/rtl_sim/sequencer_<simulator>.json
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hls.simulators import ROOT, SIMULATORS, build, default_actor_dir, failures, run
from rtl_tests import require_simulator

HERE = Path(__file__).parent
BENCHMARK_SCANS = 1000


@pytest.fixture(scope='module', params=SIMULATORS)
def built(request, tmp_path_factory):
    require_simulator(request.param)
    build_dir = tmp_path_factory.mktemp(f'scan_sequencer_{request.param}')
    runner, sources = build(request.param, default_actor_dir(), build_dir, top='scan_sequencer_axi')
    return request.param, runner, sources, build_dir


def run_tb(built, testcase, **env):
    simulator, runner, sources, build_dir = built
    env = {'ACTOR_DIR': str(default_actor_dir()), **{k: str(v) for k, v in env.items()}}
    xml = run(runner, sources.top, build_dir, 'scan_sequencer_axi_tb', HERE, env, testcase=testcase)
    return failures(xml)


def test_stalls_saturation_registers(built):
    assert run_tb(built, ['run_test_stalls', 'run_test_saturation', 'run_test_registers']) == []


def test_scans(built):
    """Back-to-back scans; SEQ_DWELL sets the microscope's dwell per probe in cycles (default 0: every decision shows)."""
    simulator, _, _, build_dir = built
    scans = int(os.environ.get('SEQ_SCANS', '4'))
    dwell = int(os.environ.get('SEQ_DWELL', '0'))
    result_json = build_dir / 'scans.json'
    assert run_tb(built, ['run_test_scans'], SEQ_SCANS=scans, SEQ_DWELL=dwell, SEQ_RESULT=result_json) == []
    result = json.loads(result_json.read_text())
    assert result['compared']['scans'] == scans and not any(result['mismatches'].values())
    if scans >= BENCHMARK_SCANS or dwell:  # benchmark runs: one file per simulator, so both can run at once (pytest -n 2)
        name = f'sequencer_{simulator}' if not dwell else f'sequencer_dwell{dwell}_{simulator}'
        out = ROOT / 'bench' / 'results' / 'rtl_sim' / f'{name}.json'
        out.parent.mkdir(parents=True, exist_ok=True)
        actor = str(default_actor_dir().relative_to(ROOT))
        out.write_text(json.dumps({**result, 'simulator': simulator, 'actor': actor}, indent=2))
