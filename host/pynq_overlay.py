"""PYNQ drivers of the scan overlay on a PYNQ-Z2 (imported only on the board, or in tests with a mock `pynq`).

The overlay (hls/board_design.py; `make bitstream`) runs whole scans in the fabric: the scan sequencer asks the actor
core for each segment's direction, sends the probe positions to the microscope (on the board: an emulator holding the
image the PS loaded) and reports every probe back. The PS only loads an image, starts the scan and collects the report:

    overlay.scan.dma        PYNQ's own AXI DMA driver (pynq.lib.dma.DMA): MM2S sends the raw image, S2MM receives the
                            report words
    overlay.scan.sequencer  ScanSequencerIP: the sequencer's registers (hls.contract.SEQUENCER_REGISTERS)
    overlay.scan            ScanHierarchy: configure(contract, calibration), run(raw_image) -> report words
    ScanOverlay             the Overlay subclass the user calls: overlay.scan.run(raw_image)

PYNQ's DMA driver waits without a timeout and has no reset in simple mode, so the hierarchy polls the channel's `idle`
with a deadline and, after a timeout, aborts the sequencer (which resets the core and the microscope side), sets the
DMA's soft-reset bit (which resets both channels) and restarts both channels with PYNQ's `start()`.
"""

from __future__ import annotations

import time

import numpy as np
import pynq.lib.dma  # noqa: F401 (PYNQ's AXI DMA driver: importing it binds it to the DMA's VLNV)
from pynq import DefaultHierarchy, DefaultIP, Overlay, allocate

from hls.board_design import module_vlnv
from hls.contract import (
    CONTROL_ABORT,
    CONTROL_START,
    GAIN,
    RAW,
    REPORT_WORD_BITS,
    SEQUENCER_REGISTERS,
    STATUS_BUSY,
    STATUS_DONE,
)

DMA_CONTROL = 0x00
"""MM2S_DMACR of the AXI DMA; its bit 2 (RESET) resets both channels"""
DMA_RESET = 0x4


class DeviceTimeout(RuntimeError):
    """A scan did not finish in time (core or microscope stalled, bitstream not loaded, DMA stopped)."""


class ScanSequencerIP(DefaultIP):
    """The scan sequencer's AXI4-Lite registers (hls/rtl_wrapper/scan_sequencer_axi.v).

    Parameters
    ----------
    description : dict
        The IP's entry from the overlay's hardware description (.hwh).
    """

    bindto = [module_vlnv('scan_sequencer_axi')]

    CONTROL = SEQUENCER_REGISTERS['CONTROL']
    STATUS = SEQUENCER_REGISTERS['STATUS']
    OFFSET = SEQUENCER_REGISTERS['OFFSET']
    GAIN = SEQUENCER_REGISTERS['GAIN']
    SCANS = SEQUENCER_REGISTERS['SCANS']
    SCAN_CYCLES = SEQUENCER_REGISTERS['SCAN_CYCLES']
    DEAD_CYCLES = SEQUENCER_REGISTERS['DEAD_CYCLES']
    DECISION_CYCLES = SEQUENCER_REGISTERS['DECISION_CYCLES']
    GEOMETRY = SEQUENCER_REGISTERS['GEOMETRY']
    PROBE_IDLE_CYCLES = SEQUENCER_REGISTERS['PROBE_IDLE_CYCLES']
    PROBE_IDLE_TOTAL = SEQUENCER_REGISTERS['PROBE_IDLE_TOTAL']

    def __init__(self, description):
        super().__init__(description=description)

    @property
    def offset(self) -> int:
        """Calibration offset: the raw sample that maps to feature 0 (signed 16 bits)."""
        u = self.read(self.OFFSET) & 0xFFFF
        return u - (1 << 16) if u >= 1 << 15 else u

    @offset.setter
    def offset(self, value: int) -> None:
        if not isinstance(value, (int, np.integer)) or not RAW.qmin <= value <= RAW.qmax:
            raise ValueError(f'offset must be an integer in [{RAW.qmin}, {RAW.qmax}], got {value!r}')
        self.write(self.OFFSET, int(value) & 0xFFFF)

    @property
    def gain(self) -> int:
        """Calibration gain word (gain * 2**24, unsigned 24 bits)."""
        return self.read(self.GAIN) & GAIN.qmax

    @gain.setter
    def gain(self, value: int) -> None:
        if not isinstance(value, (int, np.integer)) or not GAIN.qmin <= value <= GAIN.qmax:
            raise ValueError(f'gain must be an integer word in [0, {GAIN.qmax}] (gain * 2**24), got {value!r}')
        self.write(self.GAIN, int(value))

    @property
    def busy(self) -> bool:
        return bool(self.read(self.STATUS) & STATUS_BUSY)

    @property
    def done(self) -> bool:
        return bool(self.read(self.STATUS) & STATUS_DONE)

    @property
    def geometry(self) -> tuple[int, int, int]:
        """(image size, probes per segment, segments) the sequencer was built for."""
        word = self.read(self.GEOMETRY)
        return word & 0xFFFF, word >> 16 & 0xFF, word >> 24 & 0xFF

    def counters(self) -> dict:
        """The last scan's clock-cycle counts (hls.contract.SEQUENCER_REGISTERS) and the scans finished since reset."""
        return {
            'scans': self.read(self.SCANS),
            'scan_cycles': self.read(self.SCAN_CYCLES),
            'dead_cycles': self.read(self.DEAD_CYCLES),
            'decision_cycles': self.read(self.DECISION_CYCLES),
            'probe_idle_cycles': self.read(self.PROBE_IDLE_CYCLES),
            'probe_idle_total': self.read(self.PROBE_IDLE_TOTAL),
        }

    def start(self) -> None:
        if self.busy:
            raise RuntimeError('the sequencer is still scanning: wait for it or abort()')
        self.write(self.CONTROL, CONTROL_START)

    def abort(self) -> None:
        """Drop the scan in flight: resets the sequencer, the actor core and the microscope side (the fabric only: the
        DMA's S2MM channel may be left mid-packet, so drivers call ScanHierarchy.abort(), which resets it too)."""
        self.write(self.CONTROL, CONTROL_ABORT)


class ScanHierarchy(DefaultHierarchy):
    """The AXI DMA and the scan sequencer: `configure(contract, calibration)`, then `run(raw_image)` per scan."""

    @staticmethod
    def checkhierarchy(description):
        return {'dma', 'sequencer'} <= set(description['ip'])

    def __init__(self, description):
        super().__init__(description)
        self.contract = None
        self.image = self.report = None

    def configure(self, contract, calibration, timeout_s: float = 1.0) -> None:
        """Check the overlay against the contract, write the calibration, allocate the DMA buffers once."""
        g = contract.geometry
        if self.sequencer.geometry != (g.image_size, g.probes_per_segment, g.segments):
            raise ValueError(
                f'the sequencer scans {self.sequencer.geometry} (image size, probes, segments), the contract '
                f'{(g.image_size, g.probes_per_segment, g.segments)}: rebuild the bitstream for this actor'
            )
        params = self.dma.description['parameters']
        widths = int(params['c_m_axis_mm2s_tdata_width']), int(params['c_s_axis_s2mm_tdata_width'])
        if widths != (RAW.bits, REPORT_WORD_BITS):  # MM2S carries the raw image's samples, S2MM the report words
            raise ValueError(
                f'DMA streams are {widths[0]}/{widths[1]} bits, the contract needs {RAW.bits} (raw samples) / '
                f'{REPORT_WORD_BITS} (report words): rebuild the bitstream'
            )
        if not timeout_s > 0:
            raise ValueError(f'timeout_s must be a positive number of seconds, got {timeout_s!r}')
        self.contract, self.timeout_s = contract, float(timeout_s)
        self.sequencer.offset, self.sequencer.gain = calibration.offset, calibration.gain
        self.close()
        self.image = allocate(shape=(g.image_size, g.image_size), dtype=np.int16)
        self.report = allocate(shape=(g.probes,), dtype=np.uint64)

    def _wait(self, channel, what: str) -> None:
        deadline = time.monotonic() + self.timeout_s
        while not channel.idle:
            if channel.error or time.monotonic() > deadline:
                counters = self.sequencer.counters()
                self.abort()
                raise DeviceTimeout(
                    f'{what} did not finish within {self.timeout_s} s (DMA error: {bool(channel.error)}, '
                    f'sequencer {counters}); the sequencer, the core and the DMA were reset'
                )
        channel.wait()  # idle: returns at once, invalidates the buffer

    def run(self, raw_image: np.ndarray) -> np.ndarray:
        """One whole scan of `raw_image` (raw detector samples, int16, image size squared): the report words (T * P,)."""
        if self.contract is None:
            raise RuntimeError('call configure(contract, calibration) first')
        if np.shape(raw_image) != self.image.shape:
            raise ValueError(f'expected a raw image of shape {self.image.shape}, got {np.shape(raw_image)}')
        self.image[:] = RAW.quantize(raw_image)  # saturated onto the detector word: a cast to int16 would wrap
        self.image.flush()
        self.dma.sendchannel.transfer(self.image)
        self._wait(self.dma.sendchannel, 'loading the image')
        self.dma.recvchannel.transfer(self.report)
        self.sequencer.start()
        self._wait(self.dma.recvchannel, 'the scan')
        return np.array(self.report, np.uint64)

    def abort(self) -> None:
        """Drop the scan in flight, whole: abort the sequencer (core and microscope side too), reset the DMA (its S2MM
        channel may be mid-packet), restart its channels. Called after a timeout; the next run() starts clean."""
        self.sequencer.abort()
        self.dma.write(DMA_CONTROL, DMA_RESET)
        deadline = time.monotonic() + self.timeout_s
        while self.dma.read(DMA_CONTROL) & DMA_RESET:
            if time.monotonic() > deadline:
                raise DeviceTimeout('the AXI DMA did not come out of reset: is the bitstream loaded?')
        self.dma.sendchannel.start()
        self.dma.recvchannel.start()

    def close(self) -> None:
        for buf in (self.image, self.report):
            if buf is not None:
                buf.freebuffer()
        self.image = self.report = None


class ScanOverlay(Overlay):
    """The scan bitstream (actor.bit + actor.hwh): `scan.run(raw_image)` -> report words.

    Parameters
    ----------
    bitfile : str
        The .bit file (its .hwh beside it).
    contract : hls.contract.ActorContract
        The fixed-point contract the core was built with.
    calibration : hls.contract.DetectorCalibration
        Offset and gain of the detector samples.
    timeout_s : float
        Seconds to wait for one scan (and for one image load).
    """

    def __init__(self, bitfile: str, contract, calibration, timeout_s: float = 1.0, **kwargs):
        super().__init__(bitfile, **kwargs)
        self.contract = contract
        self.scan.configure(contract, calibration, timeout_s)
