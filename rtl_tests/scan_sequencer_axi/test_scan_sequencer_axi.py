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

from hls.simulators import ROOT, SIMULATORS, build, compile_sources, default_actor_dir, failures, run
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
    assert result['compared']['scans'] == scans and not any(result['mismatches'].values()) and result['wraps'] == 0
    contract = built[2].contract
    decisions = scans * contract.geometry.segments  # observations and state really compared, every decision
    assert result['compared']['observation_words'] == decisions * contract.obs_dim
    assert result['compared']['state_words'] == decisions * 2 * contract.units
    if scans >= BENCHMARK_SCANS or dwell:  # benchmark runs: one file per simulator, so both can run at once (pytest -n 2)
        name = f'sequencer_{simulator}' if not dwell else f'sequencer_dwell{dwell}_{simulator}'
        out = ROOT / 'bench' / 'results' / 'rtl_sim' / f'{name}.json'
        out.parent.mkdir(parents=True, exist_ok=True)
        actor = str(default_actor_dir().relative_to(ROOT))
        out.write_text(json.dumps({**result, 'simulator': simulator, 'actor': actor}, indent=2))


def test_a_one_lsb_calibration_error_fails_at_ci_length(tmp_path):
    """Mutation check: probe_calibration.v rounding up from a quarter instead of a half (the probe feature 1 LSB high on
    about a quarter of the probes) must fail the CI-sized run of run_test_scans, on the observation words."""
    from hls.rtl_wrapper.sources import HERE as WRAPPERS
    from hls.rtl_wrapper.sources import prepare

    require_simulator('icarus')
    sources = prepare(default_actor_dir(), tmp_path, 'scan_sequencer_axi', icarus=True)
    text = (WRAPPERS / 'probe_calibration.v').read_text()
    rounding = '(product + (1 <<< (SHIFT - 1)))'
    assert rounding in text
    mutated = tmp_path / 'probe_calibration.v'
    mutated.write_text(text.replace(rounding, '(product + (1 <<< (SHIFT - 2)))'))
    files = [mutated if f.name == mutated.name else f for f in sources.files]
    runner = compile_sources('icarus', files, sources.top, sources.parameters, tmp_path)
    env = {'ACTOR_DIR': str(default_actor_dir()), 'SEQ_SCANS': '4', 'SEQ_RESULT': str(tmp_path / 'scans.json')}
    with pytest.raises(SystemExit):  # cocotb's runner exits when a test failed
        run(runner, sources.top, tmp_path, 'scan_sequencer_axi_tb', HERE, env, ['run_test_scans'])
    mismatches = json.loads((tmp_path / 'scans.json').read_text())['mismatches']
    print(f'one-LSB calibration error, 4 scans: {mismatches}')
    assert mismatches['observation_words'] > 0  # decisions, positions and reports may all still agree at this length
