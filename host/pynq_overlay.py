"""PYNQ drivers for the actor core on a PYNQ-Z2 (imported only on the board, or in tests with a mock `pynq`).

Block design (hls/ writes the Vivado Tcl):  Zynq PS --HP0--> AXI DMA (simple mode, no scatter-gather)
    MM2S stream --> actor core (observation beats in)   actor core (direction beats out) --> S2MM stream
The DMA and the core sit in one hierarchy named `actor`; the core's stream beats follow the ActorContract
(hls.contract): one decision = `beats_in` beats in, `beats_out` beats back, the DMA streams as wide as the core's
TDATA. The AXI DMA carries no TUSER, so the first-decision flag travels in the top bit of the MM2S word (unused by the
observation features) and the block design wires that bit to the core's TUSER[0] (see `dma_words`).

    AxiDmaIP         one DefaultIP per IP: the AXI DMA, driven through its registers (named offsets below)
    ActorHierarchy   DefaultHierarchy grouping the DMA with the core: act_q(obs_q, first) -> out_q
    ActorOverlay     Overlay subclass the user calls: act(obs, first) -> action, act_q(obs_q, first) -> out_q
"""

from __future__ import annotations

import time

import numpy as np
from pynq import DefaultHierarchy, DefaultIP, Overlay, allocate


class DeviceTimeout(RuntimeError):
    """The DMA did not finish a decision in time (core stalled, bitstream not loaded, stream widths wrong)."""


class AxiDmaIP(DefaultIP):
    """AXI DMA in simple mode: one MM2S transfer (observation beats) and one S2MM transfer (direction beats).

    Parameters
    ----------
    description : dict
        The IP's entry from the overlay's hardware description (.hwh).
    """

    bindto = ['xilinx.com:ip:axi_dma:7.1']

    MM2S_DMACR = 0x00
    MM2S_DMASR = 0x04
    MM2S_SA = 0x18
    MM2S_SA_MSB = 0x1C
    MM2S_LENGTH = 0x28
    S2MM_DMACR = 0x30
    S2MM_DMASR = 0x34
    S2MM_DA = 0x48
    S2MM_DA_MSB = 0x4C
    S2MM_LENGTH = 0x58
    CR_RUN = 0x1
    CR_RESET = 0x4
    SR_HALTED = 0x1
    SR_IDLE = 0x2
    SR_ERRORS = 0x70  # DMAIntErr | DMASlvErr | DMADecErr

    def __init__(self, description):
        super().__init__(description=description)
        params = description.get('parameters', {})
        self.stream_bits = int(params.get('c_m_axis_mm2s_tdata_width', 32)), int(params.get('c_s_axis_s2mm_tdata_width', 32))
        self._timeout_s = 1.0
        self.start()

    @property
    def timeout_s(self) -> float:
        """Seconds to wait for a transfer before raising DeviceTimeout."""
        return self._timeout_s

    @timeout_s.setter
    def timeout_s(self, value: float) -> None:
        if not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f'timeout_s must be a positive number of seconds, got {value!r}')
        self._timeout_s = float(value)

    def start(self) -> None:
        """Reset both channels, then set them running."""
        for cr in (self.MM2S_DMACR, self.S2MM_DMACR):
            self.write(cr, self.CR_RESET)
        deadline = time.monotonic() + self._timeout_s
        while (self.read(self.MM2S_DMACR) | self.read(self.S2MM_DMACR)) & self.CR_RESET:
            if time.monotonic() > deadline:
                raise DeviceTimeout('AXI DMA did not come out of reset: is the bitstream loaded?')
        for cr in (self.MM2S_DMACR, self.S2MM_DMACR):
            self.write(cr, self.CR_RUN)

    def _status(self, sr: int, name: str) -> bool:
        status = self.read(sr)
        if status & self.SR_ERRORS:
            raise RuntimeError(f'AXI DMA {name} error, status 0x{status:08x}: restart the overlay')
        return bool(status & self.SR_IDLE)

    def transfer(self, send, recv) -> None:
        """Send one buffer to the core and receive one buffer back (both from `allocate`)."""
        send.flush()
        self.write(self.S2MM_DA, physical_address(recv) & 0xFFFFFFFF)
        self.write(self.S2MM_DA_MSB, physical_address(recv) >> 32)
        self.write(self.S2MM_LENGTH, recv.nbytes)
        self.write(self.MM2S_SA, physical_address(send) & 0xFFFFFFFF)
        self.write(self.MM2S_SA_MSB, physical_address(send) >> 32)
        self.write(self.MM2S_LENGTH, send.nbytes)
        deadline = time.monotonic() + self._timeout_s
        while not (self._status(self.MM2S_DMASR, 'MM2S') and self._status(self.S2MM_DMASR, 'S2MM')):
            if time.monotonic() > deadline:
                raise DeviceTimeout(
                    f'actor core did not answer within {self._timeout_s} s (DMA MM2S status '
                    f'0x{self.read(self.MM2S_DMASR):08x}, S2MM 0x{self.read(self.S2MM_DMASR):08x})'
                )
        recv.invalidate()


def physical_address(buffer) -> int:
    """Physical address of a PYNQ buffer (`device_address` in PYNQ 3, `physical_address` before)."""
    return int(getattr(buffer, 'device_address', None) or buffer.physical_address)


def dma_words(contract, beats) -> list[int]:
    """Contract beats [(tdata, tuser, tlast)] -> MM2S words: TUSER in the top bit; TLAST is the DMA's end of transfer."""
    top = contract.tdata_in_bits - 1
    if contract.obs_dim * contract.input.bits > top:
        raise ValueError(f'no spare TDATA bit for the first-decision flag in {contract.tdata_in_bits}-bit words')
    return [int(tdata) | (int(tuser) & 1) << top for tdata, tuser, _ in beats]


def to_bytes(words: list[int], buffer) -> None:
    """Stream words -> rows of a (beats, bytes per word) uint8 DMA buffer, little-endian as on the AXI bus."""
    for row, word in zip(buffer, words):
        row[:] = np.frombuffer(word.to_bytes(buffer.shape[1], 'little'), np.uint8)


def from_bytes(buffer) -> list[int]:
    return [int.from_bytes(row.tobytes(), 'little') for row in buffer]


class ActorHierarchy(DefaultHierarchy):
    """The AXI DMA and the actor core it feeds; `configure(contract)` before `act_q`."""

    @staticmethod
    def checkhierarchy(description):
        return 'axi_dma' in description['ip']

    def __init__(self, description):
        super().__init__(description)
        self.contract = None

    def configure(self, contract, timeout_s: float = 1.0) -> None:
        """Check the stream widths against the contract and allocate the DMA buffers once."""
        widths = (contract.tdata_in_bits, contract.tdata_out_bits)
        if self.axi_dma.stream_bits != widths:
            raise ValueError(
                f'the contract needs {widths[0]}/{widths[1]}-bit streams (in/out), the DMA streams are '
                f'{self.axi_dma.stream_bits[0]}/{self.axi_dma.stream_bits[1]} bits: rebuild the bitstream for this actor'
            )
        self.contract = contract
        self.axi_dma.timeout_s = timeout_s
        self.send = allocate(shape=(contract.beats_in, widths[0] // 8), dtype=np.uint8)
        self.recv = allocate(shape=(contract.beats_out, widths[1] // 8), dtype=np.uint8)

    def act_q(self, obs_q: np.ndarray, first: bool) -> np.ndarray:
        """One decision: observation integers (obs_dim,) -> output integers (2,)."""
        if self.contract is None:
            raise RuntimeError('call configure(contract) first')
        to_bytes(dma_words(self.contract, self.contract.pack_decision(obs_q, bool(first))), self.send)
        self.axi_dma.transfer(self.send, self.recv)
        return np.asarray(self.contract.unpack_direction(from_bytes(self.recv)), np.int64)

    def close(self) -> None:
        for buf in (getattr(self, 'send', None), getattr(self, 'recv', None)):
            if buf is not None:
                buf.freebuffer()


class ActorOverlay(Overlay):
    """The actor bitstream: `act(obs, first)` for float observations, `act_q(obs_q, first)` for integers.

    Parameters
    ----------
    bitfile : str
        The .bit file (its .hwh beside it).
    contract : hls.contract.ActorContract
        The fixed-point contract the core was built with.
    timeout_s : float
        Seconds to wait for one decision.
    """

    def __init__(self, bitfile: str, contract, timeout_s: float = 1.0, **kwargs):
        super().__init__(bitfile, **kwargs)
        self.contract = contract
        self.actor.configure(contract, timeout_s)

    def act_q(self, obs_q: np.ndarray, first: bool) -> np.ndarray:
        return self.actor.act_q(obs_q, first)

    def act(self, obs: np.ndarray, first: bool) -> np.ndarray:
        return self.contract.decode_action(self.act_q(self.contract.encode_observation(obs), first))
