"""Faults on loopback with real processes: the service killed mid-run, corrupt files, dead actors. Nothing lost."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import numpy as np
import pytest
from host_helpers import PYTHON, ROOT, free_port, service_log, smooth_images, start_scanning_host, start_service, stop

from host import run_scan
from host.actors import ActorError, ScriptedActor
from host.completers import interpolate
from host.microscope import SimulatedMicroscope
from host.scan import acquire
from host.store import ScanStore
from model.geometry import DEFAULT_GEOMETRY

SCANS, KILLS = 200, 3


def run_host(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '2'}
    return subprocess.run(
        [PYTHON, 'host/run_scan.py', *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def images_file(tmp_path):
    path = tmp_path / 'images.npy'
    np.save(path, smooth_images(8))
    return str(path)


def test_service_killed_and_restarted_during_200_scans(tmp_path, images_file):
    port = free_port()
    out = tmp_path / 'scans'
    service = start_service(port, '--completer', 'interpolate')
    host = start_scanning_host(images_file, SCANS, port, out, drain_s=60, stderr=subprocess.PIPE)
    kills_while_scanning = 0
    try:
        for _ in range(KILLS):
            time.sleep(0.4)
            os.kill(service.pid, signal.SIGKILL)
            kills_while_scanning += host.poll() is None
            stop(service)
            time.sleep(0.3)  # scans keep coming while the service is down
            service = start_service(port, '--completer', 'interpolate')
        try:
            _, err = host.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            host.kill()
            _, err = host.communicate()
            raise AssertionError(f'run_scan.py did not finish: {err}') from None
        assert host.returncode == 0, err
        left = ScanStore(out).pending_ids()
        r = run_host('--complete-pending', '--out', str(out), '--server', f'127.0.0.1:{port}', '--timeout', '5')
        assert r.returncode == 0, r.stderr + service_log(service)
    finally:
        stop(service)
        if host.poll() is None:
            host.kill()
    assert kills_while_scanning == KILLS, 'the run ended before the service was killed: make the scans slower'
    store = ScanStore(out)
    ids = store.done_ids()
    assert len(ids) == SCANS == len(set(ids)) and ids[-1].endswith(f'-{SCANS - 1:05d}')  # every scan exactly once
    assert store.pending_ids() == [] and not list(store.corrupt.iterdir()) and not (out / 'duplicates.log').exists()
    assert len(list(store.done.glob('*.tif'))) == SCANS and not list(out.rglob('.*.tmp'))
    for scan_id in ids[::50]:
        arrays, meta = store.load(scan_id, 'done')
        assert np.array_equal(store.completion(scan_id), interpolate(arrays['partial_scan'][None])[0])
    print(f'{SCANS} scans, {KILLS} kills, {len(left)} completed later with --complete-pending, 0 lost, 0 duplicated')


def test_corrupt_pending_file_is_set_aside_and_the_others_complete(tmp_path):
    store = ScanStore(tmp_path)
    scope = SimulatedMicroscope(smooth_images(3), dwell_s=0)
    for k in range(3):
        store.add(f's{k}', *acquire(ScriptedActor(), scope, DEFAULT_GEOMETRY))
    path = store.pending / 's1.npz'
    path.write_bytes(path.read_bytes()[:200])
    port = free_port()
    service = start_service(port, '--completer', 'interpolate')
    try:
        r = run_host('--complete-pending', '--out', str(tmp_path), '--server', f'127.0.0.1:{port}')
    finally:
        stop(service)
    assert r.returncode == 0, r.stderr + service_log(service)
    assert 's1.npz cannot be read' in r.stderr and 'moved to' in r.stderr
    assert store.done_ids() == ['s0', 's2'] and store.pending_ids() == [] and (store.corrupt / 's1.npz').exists()


def test_dead_actor_backend_is_a_clear_error(tmp_path, images_file):
    r = run_host(
        '--actor',
        'reference',
        '--actor-dir',
        str(tmp_path / 'missing'),
        '--images',
        images_file,
        '--server',
        'none',
        '--out',
        str(tmp_path / 'scans'),
    )
    assert r.returncode == 2 and 'contract.json not found' in r.stderr
    r = run_host('--actor', 'pynq', '--images', images_file, '--server', 'none', '--out', str(tmp_path / 'scans'))
    assert r.returncode == 2 and 'error' in r.stderr


class DyingActor(ScriptedActor):
    """Answers `lives` decisions, then times out like an FPGA that stopped responding."""

    def __init__(self, lives: int):
        super().__init__()
        self.lives = lives

    def step(self, obs):
        self.lives -= 1
        if self.lives < 0:
            raise ActorError('actor core did not answer within 1.0 s (device timeout)')
        return super().step(obs)


def test_device_timeout_mid_scan_exits_non_zero_and_keeps_the_scans(tmp_path, images_file, monkeypatch, capsys):
    monkeypatch.setattr(run_scan, 'make_actor', lambda *a, **k: DyingActor(2 * DEFAULT_GEOMETRY.segments + 5))
    rc = run_scan.main(['--images', images_file, '--server', 'none', '--out', str(tmp_path), '--scans', '5'])
    assert rc == 2
    err = capsys.readouterr().err
    assert 'device timeout' in err and 'after 2 stored scans' in err
    store = ScanStore(tmp_path)
    assert len(store.pending_ids()) == 2
    for scan_id in store.pending_ids():
        arrays, _ = store.load(scan_id)
        assert arrays['positions'].shape == (DEFAULT_GEOMETRY.segments, DEFAULT_GEOMETRY.probes_per_segment, 2)
