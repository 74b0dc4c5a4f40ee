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


def wait_for_log(proc: subprocess.Popen, text: str, count: int = 1, timeout_s: float = 120.0) -> str:
    """Wait until the service's log holds `text` `count` times (an event a test waits for, not a guessed sleep)."""
    deadline = time.monotonic() + timeout_s
    while (log := service_log(proc)).count(text) < count:
        if time.monotonic() > deadline or proc.poll() is not None:
            raise AssertionError(f'the service never logged {text!r} {count} times: {log[-2000:]}')
        time.sleep(0.05)
    return log


def held_bound(proc: subprocess.Popen) -> int:
    """The bound on client data the service announced at start (bytes)."""
    import re

    return int(re.search(r'client data held at most (\d+) bytes', service_log(proc)).group(1))


def flood(port: int, frames: int, frame_bytes: int = 1024, finish: bool = True, host: str = '127.0.0.1'):
    """A fresh connection speaking ZMTP 3 itself (NULL mechanism, as a hostile keyless client can) and sending one
    message of `frames` frames, each under ZeroMQ's per-frame limit; without `finish` its last frame never comes (a
    libzmq client cannot send that: it holds an unfinished message back). Sends until the peer stops reading for 2 s
    or closes. Returns (socket, bytes sent): keep the socket open as long as the connection should stay."""
    sock = socket.create_connection((host, port), timeout=10)
    ready = b'\x05READY' + b'\x0bSocket-Type' + (6).to_bytes(4, 'big') + b'DEALER'
    answer = b''  # the service's greeting and READY: data sent before them ends the handshake (as libzmq clients know)
    try:
        sock.sendall(b'\xff' + bytes(8) + b'\x7f' + bytes([3, 0]) + b'NULL'.ljust(20, b'\0') + bytes(32))
        sock.sendall(bytes([0x04, len(ready)]) + ready)
        while len(answer) < 66 or len(answer) < 66 + answer[65]:
            received = sock.recv(4096)
            if not received:
                return sock, 0
            answer += received
    except OSError:  # refused: the service admits no more connections
        return sock, 0
    head = (lambda flags: bytes([flags | 0x02]) + frame_bytes.to_bytes(8, 'big')) if frame_bytes > 255 else (
        lambda flags: bytes([flags, frame_bytes]))  # fmt: skip
    more = head(0x01) + bytes(frame_bytes)
    per_chunk = max(1, (1 << 20) // len(more))
    sent, left = 0, frames - 1
    sock.settimeout(2.0)
    try:
        while left > 0:
            n = min(per_chunk, left)
            sock.sendall(more * n)
            sent, left = sent + n * len(more), left - n
        sock.sendall(head(0x00 if finish else 0x01) + bytes(frame_bytes))
        sent += len(more)
    except OSError:  # the gate stopped reading (a timeout) or closed the connection
        pass
    return sock, sent


def curve_flood(address: str, keys, frames: int, frame_bytes: int = 1024):
    """A board with a valid key sending one finished message of `frames` frames through libzmq (CURVE). Returns the
    socket (close it when done)."""
    import zmq

    from host.keys import ClientKeys

    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SNDHWM, 0)
    ClientKeys(keys).apply(sock)
    sock.connect(address)
    frame = b'\0' * frame_bytes
    for _ in range(frames - 1):
        sock.send(frame, zmq.SNDMORE)
    sock.send(frame)
    return sock


class FakeService(threading.Thread):
    """A completion service on loopback that answers every request with `reply(scan_id)` (a broken or hostile one),
    and pings as a 96 px service does."""

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

        from host import schema

        while self.running:
            if self.socket.poll(50):
                identity, header, *_ = self.socket.recv_multipart()
                header = json.loads(header)
                if header['kind'] == 'ping':
                    self.socket.send_multipart([identity, *schema.pong(96)])
                    continue
                self.requests += 1
                self.socket.send_multipart([identity, *self.reply(header['scan_id'])])
        self.socket.close(0)

    def stop(self) -> None:
        self.running = False
        self.join(5)
