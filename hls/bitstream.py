"""`make bitstream`: the Vivado Tcl for a PYNQ-Z2 overlay (Zynq PS7 + AXI DMA + the actor core) and, with Vivado, the run.

    python -m hls.bitstream [--actor hls/build/actor_q] [--out build/bitstream] [--tcl-only]

Writes <out>/pynq_z2.tcl (from hls/bitstream/pynq_z2.tcl.in) with the core's Verilog (da4ml pipeline + glue +
hls/rtl_wrapper/actor_axis.v + actor_axis_dma.v) under <out>/rtl, then runs `vivado -mode batch -source` to write
<out>/actor.bit and <out>/actor.hwh (PYNQ loads both by the same basename). The AXI DMA's MM2S stream has no TUSER:
on the board, the first-of-scan flag is TDATA bit 255 (see actor_axis_dma.v). Without `vivado` on PATH it writes the
Tcl, says what is needed and exits with code 2.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from hls.export import missing_actor_file

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name('bitstream') / 'pynq_z2.tcl.in'
PART = 'xc7z020clg400-1'
NO_VIVADO = """vivado not found on PATH: the bitstream needs AMD Vivado 2023.2 or newer with Zynq-7000 device support
(optionally the PYNQ-Z2 board files). Source its settings, then run:
    source /tools/Xilinx/Vivado/<version>/settings64.sh
    vivado -mode batch -source {tcl}
The Tcl was written to {tcl}."""


def write_tcl(actor_dir: Path, out: Path) -> Path:
    """Generate the RTL sources and the Tcl; returns the Tcl's path."""
    from hls.rtl_wrapper.sources import prepare

    out = out.resolve()
    sources = prepare(actor_dir, out / 'rtl')
    files = [*sources.files, Path(__file__).with_name('rtl_wrapper') / 'actor_axis_dma.v']
    mems = sorted((out / 'rtl' / 'da4ml' / 'src' / 'memfiles').glob('*.mem'))
    params = ' '.join(f'CONFIG.{k} {{{v}}}' for k, v in sources.parameters.items())
    text = TEMPLATE.read_text()
    values = {
        '@OUT@': str(out),
        '@SOURCES@': ' '.join(str(f.resolve()) for f in files),
        '@MEMFILES@': ' '.join(str(m) for m in mems),
        '@TDATA_IN@': str(sources.contract.tdata_in_bits),
        '@TDATA_OUT@': str(sources.contract.tdata_out_bits),
        '@PARAMETERS@': params,
    }
    for key, value in values.items():
        text = text.replace(key, value)
    tcl = out / 'pynq_z2.tcl'
    tcl.write_text(text)
    return tcl


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        '--actor',
        type=Path,
        default=None,
        help='quantized actor folder (default: hls/build/actor_q, else hls/actors/default)',
    )
    p.add_argument('--out', type=Path, default=ROOT / 'build' / 'bitstream')
    p.add_argument('--tcl-only', action='store_true', help='write the Tcl and sources, do not run Vivado')
    args = p.parse_args(argv)
    actor = args.actor
    if actor is None:
        built = ROOT / 'hls' / 'build' / 'actor_q'
        actor = built if (built / 'comb_logic.json').exists() else ROOT / 'hls' / 'actors' / 'default'
    if message := missing_actor_file(actor):
        print(f'error: {message}', file=sys.stderr)
        return 2
    tcl = write_tcl(actor, args.out)
    print(f'wrote {tcl}')
    if args.tcl_only:
        return 0
    vivado = shutil.which('vivado')
    if vivado is None:
        print(NO_VIVADO.format(tcl=tcl), file=sys.stderr)
        return 2
    return subprocess.run([vivado, '-mode', 'batch', '-source', str(tcl)], cwd=tcl.parent).returncode


if __name__ == '__main__':
    sys.exit(main())
