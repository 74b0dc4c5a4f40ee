"""pytest launcher: the cocotb testbench actor_axis_tb.py under Icarus and Verilator (cocotb_tools.runner).

pytest rtl_tests/actor_axis                                 # CI: 1,000 closed-loop decisions per simulator
RTL_DECISIONS=100000 pytest -n 2 rtl_tests/actor_axis       # benchmark: writes bench/results/rtl_sim/<simulator>.json
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hls.simulators import ROOT, SIMULATORS, build, default_actor_dir, failures, run
from rtl_tests import require_simulator

HERE = Path(__file__).parent
TESTS = ('run_test_scans', 'run_test_queued', 'run_test_saturation', 'run_test_backpressure', 'run_test_reset_mid_scan')


@pytest.fixture(scope='module', params=SIMULATORS)
def built(request, tmp_path_factory):
    require_simulator(request.param)
    build_dir = tmp_path_factory.mktemp(f'actor_axis_{request.param}')
    runner, sources = build(request.param, default_actor_dir(), build_dir)
    return request.param, runner, sources, build_dir


def test_actor_axis(built):
    simulator, runner, sources, build_dir = built
    decisions = int(os.environ.get('RTL_DECISIONS', '1000'))
    result_json = build_dir / 'scans.json'
    env = {
        'ACTOR_DIR': str(default_actor_dir()), 'CORE_CYCLES': str(sources.parameters['CORE_CYCLES']),
        'RTL_DECISIONS': str(decisions), 'RTL_RESULT': str(result_json),
    }  # fmt: skip
    xml = run(runner, sources.top, build_dir, 'actor_axis_tb', HERE, env, testcase=list(TESTS))
    assert failures(xml) == []
    result = json.loads(result_json.read_text())
    assert result['decisions'] >= decisions and result['mismatches'] == result['state_mismatches'] == result['wraps'] == 0
    if 'RTL_DECISIONS' in os.environ:  # the benchmark: one file per simulator, so both can run at once (pytest -n 2)
        out = ROOT / 'bench' / 'results' / 'rtl_sim' / f'{simulator}.json'
        out.parent.mkdir(parents=True, exist_ok=True)
        actor = str(default_actor_dir().relative_to(ROOT))
        out.write_text(json.dumps({**result, 'simulator': simulator, 'actor': actor}, indent=2))
