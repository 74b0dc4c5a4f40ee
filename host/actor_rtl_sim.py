"""The `--actor rtl-sim` backend: the actor core's RTL (hls/rtl_wrapper/actor_axis.v) simulated by Icarus or Verilator.

    with RtlSimActor('hls/build/actor_q', simulator='icarus') as actor:
        actor.reset()
        out_q = actor.step(obs_q)          # int64 (22,) -> int64 (2,)

A subprocess (`python -m hls.rtl_wrapper.bridge`) builds the sources and runs cocotb, whose test
(hls/rtl_wrapper/bridge_tb.py) connects back to a loopback TCP socket opened here; each step sends one decision's
AXI-Stream beat (packed with the contract) and receives the output beat. The first step after reset() carries the
first-of-scan flag.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from hls.contract import ActorContract
from hls.simulators import SIMULATORS

ROOT = Path(__file__).resolve().parents[1]


class RtlSimError(RuntimeError):
    pass


class RtlSimActor:
    def __init__(self, core_dir, simulator: str = 'icarus', start_timeout: float = 600.0, step_timeout: float = 60.0):
        if simulator not in SIMULATORS:
            raise RtlSimError(f'unknown simulator {simulator!r}: choose one of {SIMULATORS}')
        self.contract = ActorContract.from_json(Path(core_dir) / 'contract.json')
        self._build = tempfile.TemporaryDirectory(prefix='actor_rtl_sim_')
        self._listener = socket.create_server(('127.0.0.1', 0))
        self._listener.settimeout(1.0)
        port = self._listener.getsockname()[1]
        cmd = [sys.executable, '-m', 'hls.rtl_wrapper.bridge', '--actor', str(Path(core_dir).resolve()),
               '--simulator', simulator,
               '--build', self._build.name, '--port', str(port)]  # fmt: skip
        self._log = open(Path(self._build.name) / 'simulator.log', 'w')
        self._proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT)
        self._conn = self._accept(start_timeout)
        self._conn.settimeout(step_timeout)
        self._file = self._conn.makefile('rw')
        self._receive()  # {'ready': true}
        self._first = True

    def _accept(self, timeout: float) -> socket.socket:
        waited = 0.0
        while waited < timeout:
            if self._proc.poll() is not None:
                raise RtlSimError(
                    f'the RTL simulation exited (code {self._proc.returncode}) before connecting:\n{self._tail()}'
                )
            try:
                return self._listener.accept()[0]
            except TimeoutError:
                waited += 1.0
        self.close()
        raise RtlSimError(f'the RTL simulation did not connect within {timeout:.0f} s')

    def _tail(self) -> str:
        self._log.flush()
        return (Path(self._build.name) / 'simulator.log').read_text()[-3000:]

    def _receive(self) -> dict:
        try:
            line = self._file.readline()
        except TimeoutError:
            raise RtlSimError('the RTL simulation timed out answering a decision') from None
        if not line:
            raise RtlSimError(f'the RTL simulation closed the connection:\n{self._tail()}')
        return json.loads(line)

    def reset(self) -> None:
        """The next step is decision 0 of a new scan (the core zeroes h and c)."""
        self._first = True

    def step(self, obs_q) -> np.ndarray:
        """Observation integers (22,) -> action integers (2,) from the simulated RTL."""
        ((tdata, tuser, _),) = self.contract.pack_decision(obs_q, self._first)
        self._file.write(json.dumps({'tdata': tdata, 'tuser': tuser}) + '\n')
        self._file.flush()
        self._first = False
        return self.contract.unpack_direction([self._receive()['tdata']])

    def close(self) -> None:
        if getattr(self, '_conn', None) is not None:
            try:
                self._file.write(json.dumps({'close': True}) + '\n')
                self._file.flush()
            except OSError:
                pass
            self._conn.close()
            self._conn = None
        if self._proc.poll() is None:
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._listener.close()
        self._log.close()
        self._build.cleanup()

    def __enter__(self) -> RtlSimActor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
