"""Shared helpers for the host tests: free ports, a completion service in its own process, small test images."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    """A free port below the kernel's ephemeral range, picked at random: a port freed by a killed service is then
    not handed to a parallel test (as bind-to-port-0 would do), so a restarted service gets its port back."""
    rng = random.SystemRandom()
    while True:
        port = rng.randrange(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(('127.0.0.1', port))
            except OSError:
                continue
            return port


def smooth_images(n: int = 6, size: int = 96, seed: int = 0) -> np.ndarray:
    """Smooth random images in [-1, 1] (stand-ins for specimen areas)."""
    from scipy.ndimage import gaussian_filter

    images = gaussian_filter(np.random.default_rng(seed).normal(size=(n, size, size)), (0, 3, 3))
    lo, hi = images.min(axis=(1, 2), keepdims=True), images.max(axis=(1, 2), keepdims=True)
    return (2 * (images - lo) / (hi - lo) - 1).astype(np.float32)


def start_service(
    port: int, *extra: str, wait_s: float = 60.0, keys=None, env: dict | None = None, host: str = '127.0.0.1'
) -> subprocess.Popen:
    """Start `python -m host.generator_service` (with extra environment variables `env`, e.g. KERAS_BACKEND) and wait
    until it answers a ping at `host` (through a board's `keys` folder for a service started with --keys)."""
    from host.client import CompletionClient, ServiceUnavailable

    env = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '2', 'PYTHONPATH': str(ROOT), **(env or {})}
    args = [PYTHON, '-m', 'host.generator_service', '--port', str(port), *extra]
    log = tempfile.TemporaryFile('w+')
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stderr=log, text=True)
    proc.log = log
    client = CompletionClient(f'tcp://{host}:{port}', keys, timeout_s=0.2)
    deadline = time.monotonic() + wait_s
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f'service exited with {proc.returncode}: {service_log(proc)}')
            try:
                client.ping()
                return proc
            except ServiceUnavailable:
                continue
        proc.kill()
        raise RuntimeError(f'service did not answer within {wait_s} s')
    finally:
        client.close()


def start_scanning_host(images_file, scans: int, port: int, out, drain_s: float, stderr=subprocess.DEVNULL):
    """`host/run_scan.py` in its own process, as in the fault runs: scripted actor, 50 us dwell per probe (slow enough
    for the service to be killed mid-run), 0.5 s completion timeout and 2 retries before a scan waits in pending/."""
    args = ['--actor', 'scripted', '--images', str(images_file), '--scans', str(scans), '--dwell-us', '50']
    args += [
        '--server',
        f'127.0.0.1:{port}',
        '--timeout',
        '0.5',
        '--retries',
        '2',
        '--out',
        str(out),
        '--drain',
        str(drain_s),
    ]
    return subprocess.Popen([PYTHON, 'host/run_scan.py', *args], cwd=ROOT, stderr=stderr, text=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)


def memory_bytes(pid: int, key: str = 'VmRSS') -> int:
    """A process's memory from Linux /proc: resident now (VmRSS) or its peak (VmHWM)."""
    for line in open(f'/proc/{pid}/status'):
        if line.startswith(key + ':'):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f'no {key} for process {pid}')


def service_log(proc: subprocess.Popen) -> str:
    proc.log.seek(0)
    return proc.log.read()


class FakeService(threading.Thread):
    """A completion service on loopback that answers every request with `reply(scan_id)` (a broken or hostile one)."""

    def __init__(self, port: int, reply):
        import zmq

        super().__init__(daemon=True)
        self.reply, self.requests = reply, 0
        self.socket = zmq.Context.instance().socket(zmq.ROUTER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.bind(f'tcp://127.0.0.1:{port}')
        self.running = True

    def run(self) -> None:
        import json

        while self.running:
            if self.socket.poll(50):
                identity, header, *_ = self.socket.recv_multipart()
                self.requests += 1
                self.socket.send_multipart([identity, *self.reply(json.loads(header)['scan_id'])])
        self.socket.close(0)

    def stop(self) -> None:
        self.running = False
        self.join(5)
