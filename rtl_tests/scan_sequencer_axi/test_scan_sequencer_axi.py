"""pytest launcher: the cocotb testbench scan_sequencer_axi_tb.py under Icarus and Verilator (cocotb_tools.runner).

pytest rtl_tests/scan_sequencer_axi                               # CI: a few dozen whole scans per simulator
SEQ_SCANS=1000 pytest -n 2 rtl_tests/scan_sequencer_axi -k scans  # benchmark: writes
                                                              # bench/results/rtl_sim/sequencer_<simulator>.json
TWO_CLOCK_SCANS=1000 pytest -n 2 rtl_tests/scan_sequencer_axi -k two_clocks   # benchmark: writes
                                                              # bench/results/rtl_sim/two_clocks_<simulator>.json
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from hls.simulators import ROOT, SIMULATORS, build, compile_sources, default_actor_dir, failures, run
from rtl_tests import require_simulator

HERE = Path(__file__).parent


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
    tests = ['run_test_stalls', 'run_test_saturation', 'run_test_registers', 'run_test_free_running_detector',
             'run_test_watchdog']  # fmt: skip
    assert run_tb(built, tests) == []


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
    if 'SEQ_SCANS' in os.environ:  # benchmark runs: one file per simulator, so both can run at once (pytest -n 2)
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


@pytest.fixture(scope='module', params=SIMULATORS)
def built_two_clocks(request, tmp_path_factory):
    """The scan IP built with SCAN_CLOCK = 1: the scan side on its own clock through asynchronous FIFOs."""
    require_simulator(request.param)
    build_dir = tmp_path_factory.mktemp(f'two_clocks_{request.param}')
    _, sources = build(request.param, default_actor_dir(), build_dir, top='scan_sequencer_axi')
    params = sources.parameters | {'SCAN_CLOCK': 1}
    runner = compile_sources(request.param, sources.files, sources.top, params, build_dir)
    return request.param, runner, sources, build_dir


def test_two_clocks(built_two_clocks):
    """Scan clocks unrelated to aclk (10 ns), slower and faster, each with a random period and phase: every position,
    report, observation and state word equals the one-clock model (a sample lost, duplicated or reordered would show in
    the report words, which carry each raw sample and its pixel), with stalls and random dwell too."""
    simulator, _, sources, build_dir = built_two_clocks
    scans = int(os.environ.get('TWO_CLOCK_SCANS', '2'))
    rng = random.Random(22 + scans)
    ratios = [rng.uniform(0.3, 0.9), rng.uniform(1.1, 3.0)] + [
        rng.uniform(0.3, 3.0) for _ in range(2 if 'TWO_CLOCK_SCANS' in os.environ else 0)
    ]
    runs = []
    for k, ratio in enumerate(ratios):
        clock = {'SCAN_PERIOD_NS': round(10 / ratio, 3), 'SCAN_PHASE_NS': round(rng.uniform(0, 10 / ratio), 3)}
        result_json = build_dir / f'scans_{k}.json'
        tests = ['run_test_scans'] + (['run_test_stalls'] if k < 2 else [])
        assert run_tb(built_two_clocks, tests, SEQ_SCANS=scans, SEQ_RESULT=result_json, **clock) == [], clock
        result = json.loads(result_json.read_text())
        assert result['compared']['scans'] == scans and not any(result['mismatches'].values()) and result['wraps'] == 0
        runs.append({'scan_clock_ratio': round(ratio, 3), **result})
    if 'TWO_CLOCK_SCANS' in os.environ:  # the benchmark
        out = ROOT / 'bench' / 'results' / 'rtl_sim' / f'two_clocks_{simulator}.json'
        actor = str(default_actor_dir().relative_to(ROOT))
        out.write_text(json.dumps({'simulator': simulator, 'actor': actor, 'runs': runs}, indent=2))
