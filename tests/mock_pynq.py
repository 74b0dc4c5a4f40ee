"""A stand-in for the `pynq` package off the board (as PYNQ's own tests use mock register devices).

It provides what host/pynq_overlay.py uses -- DefaultIP (read/write, bindto registry), DefaultHierarchy (checkhierarchy),
Overlay (binds drivers to a registered design), allocate (buffers with physical addresses) and pynq.lib.dma.DMA (the
channel API of PYNQ's simple-mode DMA driver: transfer, idle, error, wait, start, stop) -- and `board(...)`, which
registers a bitstream whose hierarchy, IP names, VLNVs and parameters come from hls.board_design, the description the
Vivado Tcl is generated from. Behind the registers sits `MockFabric`: the microscope emulator and the scan sequencer,
computed by hls.sequencer_model (the sequencer's bit-exact model) when the driver writes START.
"""

from __future__ import annotations

import sys
import types

import numpy as np

from hls import board_design
from hls.contract import CONTROL_ABORT, CONTROL_START, SEQUENCER_REGISTERS, STATUS_BUSY, STATUS_DONE, DetectorCalibration

MEMORY: dict[int, np.ndarray] = {}
_next_address = [0x1000_0000]


class MockBuffer(np.ndarray):
    """An `allocate`d buffer: array data plus a physical address, flush/invalidate/freebuffer."""

    def flush(self):
        self.flushes = getattr(self, 'flushes', 0) + 1

    def invalidate(self):
        pass

    def freebuffer(self):
        MEMORY.pop(self.physical_address, None)


def allocate(shape, dtype):
    buf = np.zeros(shape, dtype).view(MockBuffer)
    buf.physical_address = _next_address[0]
    _next_address[0] += 0x10000
    MEMORY[buf.physical_address] = buf
    return buf


class MockFabric:
    """The hierarchy's logic behind the registers: the microscope emulator's image, the sequencer (by its model).

    `stall = True` models a scan that never finishes (a dead microscope): START leaves the sequencer busy.
    """

    def __init__(self, actor, cfg):
        self.actor, self.cfg = actor, cfg
        self.image = None
        self.stall = False
        self.busy = self.done = False
        self.scans = 0
        self.starts = self.aborts = 0
        self.on_report = None  # set by the DMA: receives the report words
        g = cfg.geometry
        self.regs = {
            'OFFSET': 0, 'GAIN': DetectorCalibration().gain, 'SCANS': 0, 'SCAN_CYCLES': 0, 'DEAD_CYCLES': 0,
            'DECISION_CYCLES': 0, 'GEOMETRY': g.segments << 24 | g.probes_per_segment << 16 | g.image_size,
            'PROBE_IDLE_CYCLES': 0, 'PROBE_IDLE_TOTAL': 0,
        }  # fmt: skip

    def load_image(self, words: np.ndarray) -> None:
        n = self.cfg.geometry.image_size
        self.image = np.asarray(words, np.int16).reshape(n, n)

    def start(self) -> None:
        from hls.sequencer_model import run_scans

        if self.busy:
            return
        self.starts += 1
        self.busy, self.done = True, False
        if self.stall:
            return
        u = self.regs['OFFSET'] & 0xFFFF
        cal = DetectorCalibration(offset=u - (1 << 16) if u >= 1 << 15 else u, gain=self.regs['GAIN'])
        scan = run_scans(self.actor, self.image[None], cal, self.cfg)
        if self.on_report is not None:
            self.on_report(scan['reports'][0])
        self.busy, self.done = False, True
        self.scans += 1
        self.regs['SCANS'] = self.scans

    def abort(self) -> None:
        self.aborts += 1
        self.busy = self.done = False


class MockSequencerRegisters:
    """The scan sequencer's AXI4-Lite registers (hls.contract.SEQUENCER_REGISTERS) over a MockFabric."""

    def __init__(self, fabric: MockFabric):
        self.fabric = fabric
        self.names = {offset: name for name, offset in SEQUENCER_REGISTERS.items()}

    def read(self, offset):
        name = self.names[offset]
        if name == 'STATUS':
            return STATUS_BUSY * self.fabric.busy | STATUS_DONE * self.fabric.done
        return 0 if name == 'CONTROL' else self.fabric.regs[name]

    def write(self, offset, value):
        assert isinstance(value, int) and 0 <= value < 2**32, f'register write of {value!r}'
        name = self.names[offset]
        if name == 'CONTROL':
            if value & CONTROL_ABORT:
                self.fabric.abort()
            if value & CONTROL_START:  # with ABORT: after its reset (scan_sequencer_axi.v)
                self.fabric.start()
        elif name in ('OFFSET', 'GAIN'):
            self.fabric.regs[name] = value
        else:
            raise AssertionError(f'write to read-only register {name}')


class DefaultIP:
    drivers: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for vlnv in getattr(cls, 'bindto', []):
            DefaultIP.drivers[vlnv] = cls

    def __init__(self, description):
        self._device = description['device']

    def read(self, offset):
        return self._device.read(offset)

    def write(self, offset, value):
        self._device.write(offset, value)


class _Channel:
    """PYNQ's _SDMAChannel API over the mock fabric: MM2S feeds the microscope's image, S2MM takes the report."""

    def __init__(self, dma, offset: int):
        self.dma, self._offset = dma, offset
        self.started = False
        self.busy = False
        self.buffer = None
        self.start()

    @property
    def running(self):
        return self.started

    @property
    def idle(self):
        return self.started and not self.busy

    @property
    def error(self):
        return False

    def start(self):
        self.started, self.busy, self.buffer = True, False, None

    def stop(self):
        self.started = False

    def transfer(self, array, start=0, nbytes=0):
        if not self.started:
            raise RuntimeError('DMA channel not started')
        if self.busy:
            raise RuntimeError('DMA channel not idle')
        assert array.physical_address in MEMORY, 'transfer of a buffer that was not allocated'
        self.buffer, self.busy = array, True
        if self._offset == 0:  # MM2S: the image streams into the microscope emulator at once
            self.dma.fabric.load_image(np.asarray(array).reshape(-1))
            self.busy = False

    def wait(self):
        if not self.started:
            raise RuntimeError('DMA channel not started')
        while not self.idle:
            pass
        self.buffer = None


class DMA(DefaultIP):
    """Mock of pynq.lib.dma.DMA in simple mode (its channel API; MM2S_DMACR's reset bit resets both channels)."""

    bindto = [board_design.DMA_VLNV]

    def __init__(self, description):
        super().__init__(description)
        self.description = description
        self.fabric = description['device']
        self.resets = 0
        self.sendchannel = _Channel(self, 0x00)
        self.recvchannel = _Channel(self, 0x30)
        self.fabric.on_report = self._report

    def _report(self, words):
        ch = self.recvchannel
        if ch.started and ch.busy:
            ch.buffer[:] = np.asarray(words, np.uint64).reshape(ch.buffer.shape)
            ch.busy = False

    def read(self, offset):
        return 0  # the reset bit clears at once

    def write(self, offset, value):
        assert offset == 0x00 and value == 0x4, f'unexpected DMA register write 0x{value:x} to 0x{offset:x}'
        self.resets += 1
        for ch in (self.sendchannel, self.recvchannel):
            ch.started, ch.busy, ch.buffer = False, False, None


class DefaultHierarchy:
    drivers: list = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        DefaultHierarchy.drivers.append(cls)

    def __init__(self, description):
        for name, ip in description['ip'].items():
            setattr(self, name, DefaultIP.drivers[ip['type']](ip))


class Overlay:
    designs: dict = {}
    """bitfile -> {hierarchy name: {'ip': {name: {'type': vlnv, 'parameters': {...}, 'device': register device}}}}"""

    def __init__(self, bitfile, download=True):
        if bitfile not in Overlay.designs:
            raise OSError(f'bitstream {bitfile} not found')
        for name, description in Overlay.designs[bitfile].items():
            driver = next(d for d in reversed(DefaultHierarchy.drivers) if d.checkhierarchy(description))
            setattr(self, name, driver(description))


def install(monkeypatch) -> types.ModuleType:
    """Make `import pynq` (and pynq.lib.dma) return this module for one test; forget host.pynq_overlay afterwards."""
    module = sys.modules[__name__]
    lib = types.ModuleType('pynq.lib')
    dma = types.ModuleType('pynq.lib.dma')
    dma.DMA = DMA
    lib.dma = dma
    monkeypatch.setitem(sys.modules, 'pynq', module)
    monkeypatch.setitem(sys.modules, 'pynq.lib', lib)
    monkeypatch.setitem(sys.modules, 'pynq.lib.dma', dma)
    monkeypatch.delitem(sys.modules, 'host.pynq_overlay', raising=False)
    return module


def board(bitfile: str, actor, sequencer_parameters: dict | None = None) -> MockFabric:
    """Register a bitstream with the hierarchy of hls.board_design (its addressable IPs, their VLNVs and parameters),
    backed by a MockFabric scanning with `actor` (hls.reference.ReferenceActor). Returns the fabric."""
    from hls.sequencer_model import SequencerConfig

    cfg = SequencerConfig(actor.contract.geometry)
    params = sequencer_parameters or cfg.verilog_parameters(actor.contract)
    design = board_design.design(params, cfg.geometry.image_size)
    fabric = MockFabric(actor, cfg)
    devices = {'dma': fabric, 'sequencer': MockSequencerRegisters(fabric)}
    Overlay.designs[bitfile] = {
        board_design.HIERARCHY: {
            'ip': {
                c.name: {'type': c.vlnv, 'parameters': {k: str(v) for k, v in c.config.items()}, 'device': devices[c.name]}
                for c in design.addressable
            }
        }
    }
    return fabric
