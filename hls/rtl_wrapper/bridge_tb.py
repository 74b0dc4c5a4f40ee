"""cocotb side of the RTL-sim bridge (host/actor_rtl_sim.py): serves decisions from a TCP socket to actor_axis.v.

Connects to 127.0.0.1:$RTL_BRIDGE_PORT. Protocol, one JSON object per line: request {"tdata": int, "tuser": int}
-> reply {"tdata": int} (the output beat); request {"close": true} ends the simulation. The socket calls block the
simulator while the host thinks, which is what a stalled AXI-Stream master looks like to the core.
"""

from __future__ import annotations

import json
import logging
import os
import socket

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource


@cocotb.test()
async def serve(dut):
    source = AxiStreamSource(AxiStreamBus.from_prefix(dut, 's_axis'), dut.aclk, dut.aresetn, reset_active_level=False)
    sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, 'm_axis'), dut.aclk, dut.aresetn, reset_active_level=False)
    for bus in (source, sink):
        bus.log.setLevel(logging.WARNING)
    cocotb.start_soon(Clock(dut.aclk, 10, unit='ns').start())
    dut.aresetn.value = 0
    for _ in range(3):
        await RisingEdge(dut.aclk)
    dut.aresetn.value = 1
    nbytes = len(dut.s_axis_tdata) // 8
    with socket.create_connection(('127.0.0.1', int(os.environ['RTL_BRIDGE_PORT']))) as conn, conn.makefile('rw') as f:
        f.write(json.dumps({'ready': True}) + '\n')
        f.flush()
        for line in f:
            req = json.loads(line)
            if req.get('close'):
                break
            await source.send(AxiStreamFrame(int(req['tdata']).to_bytes(nbytes, 'little'), tuser=int(req['tuser'])))
            frame = await sink.recv()
            f.write(json.dumps({'tdata': int.from_bytes(bytes(frame.tdata), 'little')}) + '\n')
            f.flush()
