"""A stand-in for the `pynq` package off the board (as PYNQ's own tests use mock register devices).

It provides the calls host/pynq_overlay.py makes -- DefaultIP (read/write, bindto registry), DefaultHierarchy
(checkhierarchy), Overlay (binds drivers to a registered design), allocate (buffers with physical addresses) -- backed
by `MockAxiDma`, a register-level model of the AXI DMA in simple mode whose streams feed a device function
`words_in -> words_out` (the simulated actor core; words are ints, buffers are (beats, bytes per word) uint8).
"""

from __future__ import annotations

import sys
import types

import numpy as np

MEMORY: dict[int, np.ndarray] = {}
_next_address = [0x1000_0000]


class MockBuffer(np.ndarray):
    """An `allocate`d buffer: array data plus a physical address, flush/invalidate/freebuffer."""

    def flush(self):
        self.flushes = getattr(self, 'flushes', 0) + 1

    def invalidate(self):
        pass

    def freebuffer(self):
        MEMORY.pop(self.device_address, None)


def allocate(shape, dtype):
    buf = np.zeros(shape, dtype).view(MockBuffer)
    buf.device_address = _next_address[0]
    _next_address[0] += 0x10000
    MEMORY[buf.device_address] = buf
    return buf


class MockAxiDma:
    """AXI DMA registers: a write to MM2S_LENGTH streams the source buffer into `device`; a write to S2MM_LENGTH
    arms the receive side, which is filled with the device's answer. `stall=True` models a core that never answers."""

    def __init__(self, device):
        self.device, self.regs, self.stall, self.outbox = device, {}, False, None
        self.reset_polls = 0

    def read(self, offset):
        return self.regs.get(offset, 0)

    def write(self, offset, value):
        assert isinstance(value, int) and 0 <= value < 2**32, f'register write of {value!r}'
        if offset in (0x00, 0x30) and value & 0x4:
            self.regs[offset] = 0  # reset completes at once
            self.regs[offset + 4] = 0x1  # halted
            return
        self.regs[offset] = value
        if offset in (0x00, 0x30) and value & 0x1:
            self.regs[offset + 4] = 0x0  # running, not idle until a transfer finishes
        if offset == 0x28:  # MM2S_LENGTH: stream the source buffer out
            src = MEMORY[self.regs[0x18] | self.regs.get(0x1C, 0) << 32]
            assert value == src.nbytes, 'MM2S length must be the whole buffer'
            self.regs[0x04] = 0x0
            if not self.stall:
                self.outbox = self.device([int.from_bytes(row.tobytes(), 'little') for row in src])
                self.regs[0x04] = 0x2
                self._deliver()
        if offset == 0x58:  # S2MM_LENGTH: arm the receive side
            self.regs[0x34] = 0x0
            self._deliver()

    def _deliver(self):
        if self.outbox is None or 0x58 not in self.regs:
            return
        dst = MEMORY[self.regs[0x48] | self.regs.get(0x4C, 0) << 32]
        assert self.regs[0x58] == dst.nbytes == len(self.outbox) * dst.shape[1], 'S2MM length must fit the answer'
        for row, word in zip(dst, self.outbox):
            row[:] = np.frombuffer(word.to_bytes(dst.shape[1], 'little'), np.uint8)
        self.outbox = None
        del self.regs[0x58]
        self.regs[0x34] = 0x2


class DefaultIP:
    drivers: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for vlnv in getattr(cls, 'bindto', []):
            DefaultIP.drivers[vlnv] = cls

    def __init__(self, description):
        self.description = description
        self._device = description['device']

    def read(self, offset):
        return self._device.read(offset)

    def write(self, offset, value):
        self._device.write(offset, value)


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
    """Make `import pynq` return this module for one test (and forget host.pynq_overlay afterwards)."""
    module = sys.modules[__name__]
    monkeypatch.setitem(sys.modules, 'pynq', module)
    monkeypatch.delitem(sys.modules, 'host.pynq_overlay', raising=False)
    return module


def design(bitfile: str, device, in_bits: int, out_bits: int) -> MockAxiDma:
    """Register a bitstream holding the `actor` hierarchy (AXI DMA + core); returns the DMA's register model."""
    dma = MockAxiDma(device)
    params = {'c_m_axis_mm2s_tdata_width': str(in_bits), 'c_s_axis_s2mm_tdata_width': str(out_bits)}
    Overlay.designs[bitfile] = {
        'actor': {'ip': {'axi_dma': {'type': 'xilinx.com:ip:axi_dma:7.1', 'parameters': params, 'device': dma}}}
    }
    return dma
