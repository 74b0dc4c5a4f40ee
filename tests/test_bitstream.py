"""`make bitstream`: the generated Vivado Tcl, the board description it comes from (hls/board_design.py), the modules it
references, and the PYNQ mock generated from the same description; no Vivado -> exit 2 + message."""

import re
import shutil
import subprocess
import sys

import pytest

from hls import bitstream, board_design

ACTOR = bitstream.ROOT / 'hls' / 'actors' / 'default'


@pytest.fixture(scope='module')
def tcl(tmp_path_factory):
    return bitstream.write_tcl(ACTOR, tmp_path_factory.mktemp('bitstream'))


@pytest.fixture(scope='module')
def design(tcl):
    from hls.rtl_wrapper.sources import prepare

    sources = prepare(ACTOR, tcl.parent / 'rtl', top='scan_sequencer_axi')
    return board_design.design(sources.parameters, sources.contract.geometry.image_size)


def sources_of(tcl) -> list[str]:
    return [f for group in re.findall(r'add_files -norecurse \{([^}]*)\}', tcl.read_text()) for f in group.split()]


def test_tcl_names_existing_files_and_part(tcl):
    text = tcl.read_text()
    assert '@' not in re.sub(r'#.*', '', text), 'unreplaced template placeholder'
    assert re.search(r'^set part xc7z020clg400-1$', text, re.M)
    files = sources_of(tcl)
    names = {bitstream.Path(f).name for f in files}
    assert {'scan_sequencer_axi.v', 'actor_axis.v', 'microscope_emulator.v', 'actor_core.v'} <= names
    assert any(f.endswith('.mem') for f in files)
    assert [f for f in files if not bitstream.Path(f).is_file()] == []
    assert 'CONFIG.c_include_sg {0}' in text and 'PCW_FPGA0_PERIPHERAL_FREQMHZ {100}' in text


def test_tcl_writes_no_bitstream_that_misses_timing(tcl):
    """The flow stops after routing, reads the worst setup and hold slack and errors out below 0 (or when Vivado reports
    none); the only write_bitstream comes after that check."""
    text = re.sub(r'#.*', '', tcl.read_text())
    route = text.index('launch_runs impl_1 -to_step route_design')
    wns = text.index('set wns [get_property SLACK [get_timing_paths -delay_type max')
    whs = text.index('set whs [get_property SLACK [get_timing_paths -delay_type min')
    gate = re.search(r'if \{\$wns eq "" \|\| \$whs eq "" \|\| \$wns < 0 \|\| \$whs < 0\} \{\s*error "timing not met', text)
    assert gate and route < wns < gate.start() and whs < gate.start()
    assert text.count('write_bitstream') == 1 and text.index('write_bitstream') > gate.end()
    assert 'write_bitstream -jobs' not in text and '-to_step write_bitstream' not in text


def test_tcl_builds_the_described_hierarchy(tcl, design):
    """Every cell of the description is created in the hierarchy under its name, every stream, clock and reset wired."""
    text = tcl.read_text()
    h = board_design.HIERARCHY
    for c in design.cells:
        made = f'-reference {c.module} {h}/{c.name}' if c.module else f'-vlnv {c.vlnv} {h}/{c.name}'
        assert f'create_bd_cell -type {"module" if c.module else "ip"} {made}' in text
        for pin in c.clocks + c.scan_clocks:  # one clock: the scan side on FCLK_CLK0 too
            assert re.search(rf'connect_bd_net \[get_bd_pins ps7/FCLK_CLK0\].*\[get_bd_pins {h}/{c.name}/{pin}\]', text)
        for pin in c.resets:
            assert re.search(rf'connect_bd_net \[get_bd_pins rst_fclk0/peripheral_aresetn\].*{h}/{c.name}/{pin}\]', text)
        if c.control:
            assert re.search(rf'Master "/ps7/M_AXI_GP0".*\[get_bd_intf_pins {h}/{c.name}/{c.control}\]', text)
        for port in c.memory:
            assert re.search(rf'Slave "/ps7/S_AXI_HP0".*\[get_bd_intf_pins {h}/{c.name}/{port}\]', text)
    for master, slave in design.streams:
        assert f'connect_bd_intf_net [get_bd_intf_pins {h}/{master}] [get_bd_intf_pins {h}/{slave}]' in text
    for driver, pin in design.scan_resets:
        assert f'connect_bd_net [get_bd_pins {h}/{driver}] [get_bd_pins {h}/{pin}]' in text
    # the DMA's memory maps are at least as wide as its streams (the DataMover requires it)
    dma = design.cell('dma').config
    assert dma['c_m_axi_mm2s_data_width'] >= dma['c_m_axis_mm2s_tdata_width']
    assert dma['c_m_axi_s2mm_data_width'] >= dma['c_s_axis_s2mm_tdata_width']


def test_beam_blank_drives_a_package_pin(tcl, design):
    """The sequencer's beam_blank leaves the block design as a port, constrained to PMOD JA pin 1 (Y18, LVCMOS33), by a
    constraints file the Tcl adds."""
    text = tcl.read_text()
    h = board_design.HIERARCHY
    assert 'create_bd_port -dir O beam_blank' in text
    assert f'connect_bd_net [get_bd_pins {h}/sequencer/beam_blank] [get_bd_ports beam_blank]' in text
    xdc = re.search(r'add_files -fileset constrs_1 -norecurse \{([^}]*)\}', text).group(1)
    assert 'set_property -dict { PACKAGE_PIN Y18 IOSTANDARD LVCMOS33 } [get_ports { beam_blank }]' in open(xdc).read()
    assert 'beam_blank' in ports(tcl, 'scan_sequencer_axi')
    assert 'FCLK_CLK1' not in text and 'clk_fpga_1' not in open(xdc).read()  # one clock unless asked


def test_scan_clock_option(tmp_path):
    """--scan-clock-mhz: FCLK_CLK1 at that frequency clocks the scan side (the sequencer's scan_clk, the microscope, the
    image FIFO's read side), the sequencer is built with SCAN_CLOCK = 1, the clocks are asynchronous groups."""
    text = bitstream.write_tcl(ACTOR, tmp_path, scan_clock_mhz=37.5).read_text()
    h = board_design.HIERARCHY
    assert 'CONFIG.PCW_EN_CLK1_PORT {1} CONFIG.PCW_FPGA1_PERIPHERAL_FREQMHZ {37.5}' in text
    scan_side = re.search(r'connect_bd_net \[get_bd_pins ps7/FCLK_CLK1\](.*)', text).group(1)
    for pin in ('sequencer/scan_clk', 'microscope/aclk', 'image_fifo/m_axis_aclk'):
        assert f'[get_bd_pins {h}/{pin}]' in scan_side
    system = re.search(r'connect_bd_net \[get_bd_pins ps7/FCLK_CLK0\](.*)', text).group(1)
    assert f'{h}/sequencer/aclk]' in system and 'scan_clk' not in system and 'microscope' not in system
    assert re.search(rf'CONFIG.SCAN_CLOCK {{1}}.*\[get_bd_cells {h}/sequencer\]', text)
    assert (
        f'connect_bd_intf_net [get_bd_intf_pins {h}/image_fifo/M_AXIS] [get_bd_intf_pins {h}/microscope/s_axis_image]'
        in text
    )
    xdc = (tmp_path / 'pynq_z2.xdc').read_text()
    assert 'set_clock_groups -asynchronous -group [get_clocks clk_fpga_0] -group [get_clocks clk_fpga_1]' in xdc


def ports(tcl, module: str) -> set[str]:
    text = next(bitstream.Path(f).read_text() for f in sources_of(tcl) if f.endswith(f'/{module}.v'))
    start = text.index(f'module {module}')
    header = text[start : text.index(');', start)]
    return set(re.findall(r'(?:input|output)\s+(?:reg\s+)?(?:signed\s+)?(?:\[[^\]]*\]\s*)?(\w+)', header))


def test_module_references_have_the_pins_the_tcl_wires(tcl, design):
    for c in design.cells:
        if not c.module:
            continue
        have = ports(tcl, c.module)
        needed = set(c.clocks) | set(c.scan_clocks) | set(c.resets) | {p.driver.split('/')[1] for p in design.pins
                                                                         if p.driver.startswith(f'{c.name}/')}  # fmt: skip
        for end in [end for stream in design.streams for end in stream] + [p for d in design.scan_resets for p in d]:
            cell, pin = end.split('/')
            if cell == c.name:
                needed |= {f'{pin}_tdata', f'{pin}_tvalid', f'{pin}_tready'} if 'axis' in pin else {pin}
        if c.control:
            needed |= {f'{c.control}_{s}' for s in ('awaddr', 'wdata', 'bvalid', 'araddr', 'rdata', 'rvalid')}
        assert needed <= have, f'{c.module} lacks {sorted(needed - have)}'


@pytest.mark.skipif(shutil.which('iverilog') is None, reason='iverilog not installed')
@pytest.mark.parametrize('cell', ['sequencer', 'microscope'])
def test_module_references_elaborate_with_their_parameters(tcl, design, cell):
    """What the block design instantiates elaborates (Icarus, the synthesis copy of the core with rom_style stripped)."""
    from hls.rtl_wrapper.sources import EMULATOR, prepare

    c = design.cell(cell)
    files = [EMULATOR] if cell == 'microscope' else prepare(ACTOR, tcl.parent / 'icarus', c.module, icarus=True).files
    out = tcl.parent / f'{cell}.vvp'
    cmd = ['iverilog', '-g2012', '-o', str(out), '-s', c.module, *[f'-P{c.module}.{k}={v}' for k, v in c.config.items()]]
    res = subprocess.run([*cmd, *map(str, files)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_the_mock_overlay_has_the_bitstreams_names(design, monkeypatch):
    """tests/mock_pynq.py builds its overlay from the same description: hierarchy and IP names, VLNVs the drivers bind."""
    import mock_pynq

    from hls.reference import ReferenceActor

    mock_pynq.install(monkeypatch)
    from host.pynq_overlay import ScanHierarchy, ScanSequencerIP

    mock_pynq.board('names.bit', ReferenceActor.from_file(ACTOR))
    (hierarchy,) = mock_pynq.Overlay.designs['names.bit']
    ips = mock_pynq.Overlay.designs['names.bit'][hierarchy]['ip']
    assert hierarchy == board_design.HIERARCHY and set(ips) == {c.name for c in design.addressable}
    assert ScanHierarchy.checkhierarchy({'ip': ips})
    assert ips['sequencer']['type'] in ScanSequencerIP.bindto == [board_design.module_vlnv('scan_sequencer_axi')]
    assert ips['dma']['type'] == board_design.DMA_VLNV


def test_without_vivado_exits_2_with_message(tmp_path):
    env = {'PATH': str(tmp_path), 'TF_CPP_MIN_LOG_LEVEL': '2'}
    res = subprocess.run([sys.executable, '-m', 'hls.bitstream', '--actor', str(ACTOR), '--out', str(tmp_path / 'bs')],
                         cwd=bitstream.ROOT, env=env, capture_output=True, text=True)  # fmt: skip
    assert res.returncode == 2, res.stderr
    assert 'vivado not found on PATH' in res.stderr and 'vivado -mode batch -source' in res.stderr
    assert (tmp_path / 'bs' / 'pynq_z2.tcl').is_file()
