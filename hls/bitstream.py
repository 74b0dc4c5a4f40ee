"""`make bitstream`: the Vivado Tcl for the PYNQ-Z2 overlay (hls/board_design.py) and, with Vivado, the run.

    python -m hls.bitstream [--actor hls/build/actor_q] [--out build/bitstream] [--tcl-only]

Writes <out>/pynq_z2.tcl (hls/bitstream/pynq_z2.tcl.in with the cells and nets of hls.board_design) and the Verilog it
adds under <out>/rtl (the da4ml core with its tables' rom_style kept, the port glue, the scan sequencer, the microscope
emulator), then runs `vivado -mode batch -source` to write <out>/actor.bit and <out>/actor.hwh (PYNQ loads both by the
same basename). Without `vivado` on PATH it writes the Tcl, says what is needed and exits with code 2.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from hls import board_design
from hls.export import missing_actor_file

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name('bitstream') / 'pynq_z2.tcl.in'
PART = board_design.PART
NO_VIVADO = """vivado not found on PATH: the bitstream needs AMD Vivado 2023.2 or newer with Zynq-7000 device support
(optionally the PYNQ-Z2 board files). Source its settings, then run:
    source /tools/Xilinx/Vivado/<version>/settings64.sh
    vivado -mode batch -source {tcl}
The Tcl was written to {tcl}."""


def config(values: dict) -> str:
    return ' '.join(f'CONFIG.{k} {{{v}}}' for k, v in values.items())


def cells_tcl(design: board_design.Design) -> str:
    """The hierarchy, its cells, their stream nets, clocks and resets."""
    h = board_design.HIERARCHY
    lines = [f'create_bd_cell -type hier {h}']
    for c in design.cells:
        if c.module:
            lines.append(f'create_bd_cell -type module -reference {c.module} {h}/{c.name}')
        else:
            lines.append(f'create_bd_cell -type ip -vlnv {c.vlnv} {h}/{c.name}')
        lines.append(f'set_property -dict [list {config(c.config)}] [get_bd_cells {h}/{c.name}]')
    for master, slave in design.streams:
        lines.append(f'connect_bd_intf_net [get_bd_intf_pins {h}/{master}] [get_bd_intf_pins {h}/{slave}]')
    pins = lambda kind: ' '.join(f'[get_bd_pins {h}/{c.name}/{p}]' for c in design.cells for p in getattr(c, kind))  # noqa: E731
    if design.scan_clock_mhz:
        lines.append(f'connect_bd_net [get_bd_pins ps7/FCLK_CLK0] [get_bd_pins rst_fclk0/slowest_sync_clk] {pins("clocks")}')
        lines.append(f'connect_bd_net [get_bd_pins ps7/FCLK_CLK1] {pins("scan_clocks")}')
    else:
        lines.append(
            f'connect_bd_net [get_bd_pins ps7/FCLK_CLK0] [get_bd_pins rst_fclk0/slowest_sync_clk] {pins("clocks")} '
            f'{pins("scan_clocks")}'
        )
    resets = ' '.join(f'[get_bd_pins {h}/{c.name}/{pin}]' for c in design.cells for pin in c.resets)
    lines.append(f'connect_bd_net [get_bd_pins rst_fclk0/peripheral_aresetn] {resets}')
    for driver, pin in design.scan_resets:
        lines.append(f'connect_bd_net [get_bd_pins {h}/{driver}] [get_bd_pins {h}/{pin}]')
    for pin in design.pins:
        lines.append(f'create_bd_port -dir O {pin.port}')
        lines.append(f'connect_bd_net [get_bd_pins {h}/{pin.driver}] [get_bd_ports {pin.port}]')
    return '\n'.join(lines)


def constraints(design: board_design.Design) -> str:
    """The XDC: each pin's package pin and I/O standard; with a scan clock, FCLK_CLK0 and FCLK_CLK1 (Vivado's
    clk_fpga_0 and clk_fpga_1) are asynchronous groups (only the FIFOs' synchronisers cross between them)."""
    lines = [
        f'set_property -dict {{ PACKAGE_PIN {p.package_pin} IOSTANDARD {p.iostandard} }} [get_ports {{ {p.port} }}]'
        for p in design.pins
    ]
    if design.scan_clock_mhz:
        lines.append('set_clock_groups -asynchronous -group [get_clocks clk_fpga_0] -group [get_clocks clk_fpga_1]')
    return '\n'.join(lines) + '\n'


def ps_clock_config(design: board_design.Design) -> str:
    """The PS7 properties that enable FCLK_CLK1 at the scan clock's frequency (nothing with one clock)."""
    if not design.scan_clock_mhz:
        return ''
    return f' CONFIG.PCW_EN_CLK1_PORT {{1}} CONFIG.PCW_FPGA1_PERIPHERAL_FREQMHZ {{{design.scan_clock_mhz:g}}}'


def axi_tcl(design: board_design.Design) -> str:
    h, clk = board_design.HIERARCHY, f'/ps7/FCLK_CLK0 ({board_design.CLOCK_MHZ} MHz)'
    clocks = f'Clk_master "{clk}" Clk_slave "{clk}" Clk_xbar "{clk}"'  # the keys of Vivado 2017.3 on (was one "Clk")
    lines = []
    for c in design.cells:
        if c.control:
            lines.append(
                f'apply_bd_automation -rule xilinx.com:bd_rule:axi4 -config {{Master "/ps7/M_AXI_GP0" {clocks}}} '
                f'[get_bd_intf_pins {h}/{c.name}/{c.control}]'
            )
        for port in c.memory:
            lines.append(
                f'apply_bd_automation -rule xilinx.com:bd_rule:axi4 -config {{Slave "/ps7/S_AXI_HP0" {clocks}}} '
                f'[get_bd_intf_pins {h}/{c.name}/{port}]'
            )
    return '\n'.join(lines)


def write_tcl(actor_dir: Path, out: Path, scan_clock_mhz: float | None = None) -> Path:
    """Generate the RTL sources, the constraints and the Tcl; returns the Tcl's path."""
    from hls.rtl_wrapper.sources import EMULATOR, prepare

    out = out.resolve()
    sources = prepare(actor_dir, out / 'rtl', top='scan_sequencer_axi')
    design = board_design.design(sources.parameters, sources.contract.geometry.image_size, scan_clock_mhz=scan_clock_mhz)
    xdc = out / 'pynq_z2.xdc'
    xdc.write_text(constraints(design))
    files = [*sources.files, EMULATOR]
    mems = sorted((out / 'rtl' / 'da4ml' / 'src' / 'memfiles').glob('*.mem'))
    values = {
        '@OUT@': str(out),
        '@PART@': board_design.PART,
        '@BOARD_PART@': board_design.BOARD_PART,
        '@DESIGN@': board_design.DESIGN_NAME,
        '@HIERARCHY@': board_design.HIERARCHY,
        '@CLOCK_MHZ@': str(board_design.CLOCK_MHZ),
        '@SOURCES@': ' '.join(str(f.resolve()) for f in files),
        '@MEMFILES@': ' '.join(str(m) for m in mems),
        '@CONSTRAINTS@': str(xdc),
        '@PS_CLOCKS@': ps_clock_config(design),
        '@CELLS@': cells_tcl(design),
        '@AXI@': axi_tcl(design),
    }
    text = TEMPLATE.read_text()
    for key, value in values.items():
        text = text.replace(key, value)
    tcl = out / 'pynq_z2.tcl'
    tcl.write_text(text)
    return tcl


def main(argv=None) -> int:
    from model.cli import Parser, real

    p = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        '--actor',
        type=Path,
        default=None,
        help='quantized actor folder (default: hls/build/actor_q, else hls/actors/default)',
    )
    p.add_argument('--out', type=Path, default=ROOT / 'build' / 'bitstream')
    p.add_argument('--tcl-only', action='store_true', help='write the Tcl and sources, do not run Vivado')
    p.add_argument(
        '--scan-clock-mhz', type=real(1, 500), default=None,
        help='run the scan side (scan coil, detector, microscope) on its own clock, FCLK_CLK1 at this frequency',
    )  # fmt: skip
    args = p.parse_args(argv)
    actor = args.actor
    if actor is None:
        built = ROOT / 'hls' / 'build' / 'actor_q'
        actor = built if (built / 'comb_logic.json').exists() else ROOT / 'hls' / 'actors' / 'default'
    if message := missing_actor_file(actor):
        print(f'error: {message}', file=sys.stderr)
        return 2
    tcl = write_tcl(actor, args.out, args.scan_clock_mhz)
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
