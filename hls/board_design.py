"""The PYNQ-Z2 block design as data: the one description that the Vivado Tcl (hls/bitstream.py) and the test mock of the
overlay (tests/mock_pynq.py) are both generated from, so the names the driver (host/pynq_overlay.py) looks up cannot
drift from the names the bitstream has.

    Zynq PS7 ── GP0 (AXI4-Lite) ──> scan/dma (registers), scan/sequencer (registers)
             <── HP0 (64-bit) ───── scan/dma (MM2S reads the raw image, S2MM writes the report words)
    hierarchy `scan`:
        dma         AXI DMA, simple mode   MM2S (16-bit stream) -> microscope.s_axis_image
                                           S2MM (64-bit stream) <- sequencer.m_axis_report
        sequencer   scan_sequencer_axi.v   the actor core and the scan sequencer: m_axis_pos -> microscope,
                                           microscope -> s_axis_det
        microscope  microscope_emulator.v  answers each position with the pixel of the image the PS loaded (on a real
                                           instrument: the scan coil DAC and the detector ADC instead)
    one clock, FCLK_CLK0 at 100 MHz, for everything; one reset, FCLK_RESET0_N through a proc_sys_reset, to the DMA and the
    sequencer; the sequencer's scan_aresetn (low also on ABORT) resets the microscope. Build option `scan_clock_mhz`: the
    scan side (the sequencer's scan_clk, the microscope) on FCLK_CLK1 at that frequency instead, unrelated to FCLK_CLK0
    (the sequencer is built with SCAN_CLOCK = 1: asynchronous FIFOs between the clocks; the constraints declare the two
    clock groups asynchronous).
    the sequencer's beam_blank drives a package pin (`PINS`: PMOD JA pin 1), for a beam blanker.

PYNQ names what it finds in the .hwh: `overlay.scan` is the hierarchy (host.pynq_overlay.ScanHierarchy), holding the IPs
with registers: `dma` (PYNQ's own DMA driver binds its VLNV) and `sequencer` (host.pynq_overlay.ScanSequencerIP binds the
module reference's VLNV). The microscope has no registers, so PYNQ lists it nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hls.contract import RAW, REPORT_WORD_BITS

PART = 'xc7z020clg400-1'
BOARD_PART = 'tul.com.tw:pynq-z2:part0:*'
CLOCK_MHZ = 100
HIERARCHY = 'scan'
DESIGN_NAME = 'actor'
"""the block design, hence the overlay's file names: actor.bit and actor.hwh"""
DMA_VLNV = 'xilinx.com:ip:axi_dma:7.1'
STREAM_FIFO_VLNV = 'xilinx.com:ip:axis_data_fifo:2.0'


@dataclass(frozen=True)
class Pin:
    driver: str
    """cell/pin inside the hierarchy"""
    port: str
    """the block design's external port (and the top-level port of the wrapper)"""
    package_pin: str
    iostandard: str = 'LVCMOS33'


PINS = [Pin('sequencer/beam_blank', 'beam_blank', 'Y18')]
"""PYNQ-Z2 PMOD JA pin 1 (ja[0], IO_L17P_T2_34, TUL's master XDC): high while the beam should be blanked"""


def module_vlnv(module: str) -> str:
    """The VLNV Vivado gives a module reference (what its .hwh entry and a PYNQ driver's `bindto` carry)."""
    return f'xilinx.com:module_ref:{module}:1.0'


@dataclass(frozen=True)
class Cell:
    name: str
    """cell name inside the hierarchy (PYNQ's attribute name)"""
    vlnv: str
    config: dict
    """CONFIG.* properties: IP parameters, or a module reference's Verilog parameters"""
    module: str | None = None
    """Verilog top of a module reference (None: a Xilinx IP)"""
    control: str | None = None
    """its AXI4-Lite slave, driven from the PS's GP0 (None: no registers)"""
    memory: tuple[str, ...] = ()
    """its AXI4 masters, on the PS's HP0"""
    clocks: tuple[str, ...] = ()
    """clock pins on the system clock (FCLK_CLK0)"""
    scan_clocks: tuple[str, ...] = ()
    """clock pins on the scan clock (FCLK_CLK1 when the design has one, else FCLK_CLK0 too)"""
    resets: tuple[str, ...] = ()
    """active-low reset pins driven by the system reset"""


@dataclass(frozen=True)
class Design:
    cells: list[Cell]
    streams: list[tuple[str, str]]
    """AXI-Stream connections (master cell/interface, slave cell/interface), inside the hierarchy"""
    scan_resets: list[tuple[str, str]] = field(default_factory=list)
    """(driver cell/pin, reset cell/pin): resets driven by a cell instead of the system reset"""
    pins: list[Pin] = field(default_factory=list)
    scan_clock_mhz: float | None = None
    """the scan side's own clock (FCLK_CLK1), or None: one clock"""

    def cell(self, name: str) -> Cell:
        return next(c for c in self.cells if c.name == name)

    @property
    def addressable(self) -> list[Cell]:
        """The cells PYNQ lists (they have registers)."""
        return [c for c in self.cells if c.control]


def dma_config(image_bits: int = RAW.bits, report_bits: int = REPORT_WORD_BITS) -> dict:
    """AXI DMA in simple mode: each memory-map side as wide as its stream (the DataMover needs stream <= memory map;
    32 bits is the narrowest memory map)."""
    return {
        'c_include_sg': 0,
        'c_sg_length_width': 23,
        'c_include_mm2s': 1,
        'c_include_s2mm': 1,
        'c_m_axis_mm2s_tdata_width': image_bits,
        'c_m_axi_mm2s_data_width': max(32, image_bits),
        'c_s_axis_s2mm_tdata_width': report_bits,
        'c_m_axi_s2mm_data_width': max(32, report_bits),
        'c_mm2s_burst_size': 16,
        'c_s2mm_burst_size': 16,
    }


def design(
    sequencer_parameters: dict, image_size: int, dwell_cycles: int = 0, scan_clock_mhz: float | None = None
) -> Design:
    """The block design for a scan IP built with these parameters (hls.rtl_wrapper.sources.prepare(...,
    top='scan_sequencer_axi').parameters), with the scan side on its own clock if scan_clock_mhz is given."""
    sequencer = dict(sequencer_parameters) | ({'SCAN_CLOCK': 1} if scan_clock_mhz else {})
    # with a scan clock the DMA's image stream to the microscope crosses into it through an independent-clock FIFO
    image_fifo = Cell(
        'image_fifo', STREAM_FIFO_VLNV, {'IS_ACLK_ASYNC': 1, 'FIFO_DEPTH': 16, 'TDATA_NUM_BYTES': RAW.bits // 8},
        clocks=('s_axis_aclk',), scan_clocks=('m_axis_aclk',), resets=('s_axis_aresetn',),
    )  # fmt: skip
    image_path = (
        [('dma/M_AXIS_MM2S', 'image_fifo/S_AXIS'), ('image_fifo/M_AXIS', 'microscope/s_axis_image')]
        if scan_clock_mhz
        else [('dma/M_AXIS_MM2S', 'microscope/s_axis_image')]
    )
    return Design(
        cells=[
            Cell(
                'dma', DMA_VLNV, dma_config(), control='S_AXI_LITE', memory=('M_AXI_MM2S', 'M_AXI_S2MM'),
                clocks=('s_axi_lite_aclk', 'm_axi_mm2s_aclk', 'm_axi_s2mm_aclk'), resets=('axi_resetn',),
            ),
            Cell(
                'sequencer', module_vlnv('scan_sequencer_axi'), sequencer, module='scan_sequencer_axi',
                control='s_axi_control', clocks=('aclk',), scan_clocks=('scan_clk',), resets=('aresetn',),
            ),
            Cell(
                'microscope', module_vlnv('microscope_emulator'), {'IMAGE_SIZE': image_size, 'DWELL_CYCLES': dwell_cycles},
                module='microscope_emulator', scan_clocks=('aclk',),
            ),
            *([image_fifo] if scan_clock_mhz else []),
        ],
        streams=[
            *image_path,
            ('sequencer/m_axis_pos', 'microscope/s_axis_pos'),
            ('microscope/m_axis_det', 'sequencer/s_axis_det'),
            ('sequencer/m_axis_report', 'dma/S_AXIS_S2MM'),
        ],
        scan_resets=[('sequencer/scan_aresetn', 'microscope/aresetn')],
        pins=PINS,
        scan_clock_mhz=scan_clock_mhz,
    )  # fmt: skip
