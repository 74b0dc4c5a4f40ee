"""Faults on loopback with real processes: the service killed mid-run, corrupt files, dead actors. Nothing lost."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import numpy as np
import pytest
from host_helpers import (
    PYTHON,
    ROOT,
    FakeService,
    free_port,
    service_log,
    smooth_images,
    start_scanning_host,
    start_service,
    stop,
)

from host import run_scan, schema
from host.actors import ActorError, ScriptedActor
from host.microscope import SimulatedMicroscope
from host.scan import acquire
from host.store import CorruptScan, ScanStore
from model.geometry import DEFAULT_GEOMETRY
from model.interpolation import interpolate

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


@pytest.fixture(scope='module')
def interpolating_service():
    port = free_port()
    proc = start_service(port, '--completer', 'interpolate')
    yield port
    stop(proc)


def stored_scans(root, n: int, prefix: str = 's') -> ScanStore:
    store = ScanStore(root)
    scope = SimulatedMicroscope(smooth_images(4), dwell_s=0)
    for k in range(n):
        store.add(f'{prefix}{k}', *acquire(ScriptedActor(), scope, DEFAULT_GEOMETRY))
    return store


def test_complete_pending_recovers_whole_temporary_files_and_sets_half_written_ones_aside(tmp_path, interpolating_service):
    """What a SIGKILL at the wrong instant leaves: a scan written but not yet renamed, one half-written, a half-written
    completion; and a temporary file whose writer is alive (it holds the lock), which must be left alone."""
    import fcntl

    store = stored_scans(tmp_path, 4)
    (store.pending / 's1.npz').rename(store.pending / '.s1.npz.tmp')
    (store.pending / '.s2.npz.tmp').write_bytes((store.pending / 's2.npz').read_bytes()[:3000])
    (store.pending / 's2.npz').unlink()
    (store.done / '.s0.tif.tmp').write_bytes(b'II*\0 half a TIFF')
    (store.pending / 's3.npz').rename(store.pending / '.s3.npz.tmp')
    with open(store.pending / '.s3.npz.tmp', 'rb') as live_writer:
        fcntl.flock(live_writer, fcntl.LOCK_EX)
        r = run_host('--complete-pending', '--out', str(tmp_path), '--server', f'127.0.0.1:{interpolating_service}')
    assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr
    assert 'recovered 1 whole scan' in r.stderr and '1 half-written scan file' in r.stderr
    assert store.done_ids() == ['s0', 's1'] and store.pending_ids() == []
    assert [p.name for p in store.corrupt.iterdir()] == ['s2.incomplete.npz']
    assert not list(store.done.glob('.*')) and (store.pending / '.s3.npz.tmp').exists()
    arrays, _ = store.load('s1', 'done')
    assert np.array_equal(store.completion('s1'), interpolate(arrays['partial_scan'][None])[0])


def test_two_complete_pending_and_a_live_run_at_once(tmp_path, images_file, interpolating_service):
    """Two --complete-pending and a scanning run share one folder: each scan completed exactly once, no traceback.
    This test holds ROOT/.lock until both --complete-pending have said they wait for it (however slowly they start)."""
    import fcntl

    store = stored_scans(tmp_path, 30)
    server = f'127.0.0.1:{interpolating_service}'
    args = [PYTHON, 'host/run_scan.py', '--complete-pending', '--out', str(tmp_path), '--server', server]
    with open(tmp_path / '.lock', 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        live = start_scanning_host(images_file, 30, interpolating_service, tmp_path, drain_s=60, stderr=subprocess.PIPE)
        twins = [subprocess.Popen(args, cwd=ROOT, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        first_lines = [twin.stderr.readline() for twin in twins]  # each blocks until that process waits for the lock
    assert all('waiting for it' in line for line in first_lines), first_lines
    errors = [p.communicate(timeout=300)[1] for p in [*twins, live]]
    assert {p.returncode for p in twins} <= {0, 3} and live.returncode == 0, errors  # 3: the live run added scans
    assert not any('Traceback' in e for e in errors), errors
    r = run_host('--complete-pending', '--out', str(tmp_path), '--server', server)  # what the live run left
    assert r.returncode == 0, r.stderr
    assert len(store.done_ids()) == 60 and store.pending_ids() == [] and not (tmp_path / 'duplicates.log').exists()
    assert len(list(store.done.glob('*.tif'))) == 60 and not list(tmp_path.rglob('.*.tmp'))


BAD_REPLIES = {
    'shape 2x2': lambda scan_id: schema.completion(scan_id, np.zeros((2, 2))),
    'shape 0x0': lambda scan_id: schema.completion(scan_id, np.zeros((0, 0))),
    'shape [1e9, 0]': lambda scan_id: [reply_header(scan_id, shape=[1e9, 0]), b''],
    'shape [96, "96"]': lambda scan_id: [reply_header(scan_id, shape=[96, '96']), bytes(96 * 96 * 4)],
    'float64': lambda scan_id: [reply_header(scan_id, dtype='float64'), bytes(96 * 96 * 8)],
    'NaN': lambda scan_id: schema.completion(scan_id, np.full((96, 96), np.nan)),
    '3e38': lambda scan_id: schema.completion(scan_id, np.full((96, 96), 3e38)),
    'another scan': lambda scan_id: schema.completion('x' + scan_id, np.zeros((96, 96))),
    'not JSON': lambda scan_id: [b'\xff['],
}


def reply_header(scan_id: str, **fields) -> bytes:
    import json

    header = {'schema': schema.SCHEMA, 'version': schema.VERSION, 'kind': 'completion', 'scan_id': scan_id}
    return json.dumps({**header, 'shape': [96, 96], 'dtype': 'float32', **fields}).encode()


@pytest.mark.parametrize('reply', BAD_REPLIES)
def test_no_bad_reply_is_filed_as_done(tmp_path, images_file, reply, capsys):
    port = free_port()
    fake = FakeService(port, BAD_REPLIES[reply])
    fake.start()
    try:
        args = ['--actor', 'scripted', '--images', images_file, '--scans', '2', '--out', str(tmp_path)]
        rc = run_scan.main([*args, '--server', f'127.0.0.1:{port}', '--timeout', '0.3', '--retries', '1'])
    finally:
        fake.stop()
    store = ScanStore(tmp_path)
    assert rc == 0 and fake.requests == 4  # both scans asked twice, then left for --complete-pending
    assert store.done_ids() == [] and len(store.pending_ids()) == 2 and not list(store.done.iterdir())
    assert 'stays in pending/' in capsys.readouterr().err


def test_a_dead_sender_thread_is_an_error(tmp_path, images_file, monkeypatch, capsys):
    def disk_full(*_):
        raise OSError(28, 'No space left on device')

    port = free_port()
    fake = FakeService(port, lambda scan_id: schema.completion(scan_id, np.zeros((96, 96))))
    fake.start()
    monkeypatch.setattr(ScanStore, 'complete', disk_full)
    try:
        args = ['--actor', 'scripted', '--images', images_file, '--scans', '3', '--out', str(tmp_path)]
        rc = run_scan.main([*args, '--server', f'127.0.0.1:{port}'])
        err = capsys.readouterr().err
        assert rc == 3 and 'sender thread failed' in err and 'No space left on device' in err
        rc = run_scan.main(['--complete-pending', '--out', str(tmp_path), '--server', f'127.0.0.1:{port}'])
        err = capsys.readouterr().err
        assert rc == 3 and 'error: [Errno 28] No space left on device' in err and 'Traceback' not in err
    finally:
        fake.stop()
    assert len(ScanStore(tmp_path).pending_ids()) == 3  # nothing lost: --complete-pending finishes them later


def test_reliability_benchmark_at_a_small_size(tmp_path):
    """bench/reliability.py end to end, board program killed too (the committed run is the full size)."""
    import json

    args = ['--messages', '200', '--scans', '60', '--service-kills', '2', '--board-kills', '2', '--per-run', '40']
    args += ['--overload-boards', '4']
    r = subprocess.run(
        [PYTHON, 'bench/reliability.py', *args, '--out', str(tmp_path / 'reliability.json')],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    result = json.loads((tmp_path / 'reliability.json').read_text())
    assert r.returncode == 0 and all(result['criteria'].values()), r.stdout[-3000:] + r.stderr[-3000:]
    assert result['fault_run']['board_kills'] == 2 and result['fault_run']['scans_stored'] >= 60
    assert (tmp_path / 'reliability.md').read_text().count('| yes |') == len(result['criteria'])


def test_bad_pending_entries_are_set_aside_or_refused_and_the_rest_complete(tmp_path):
    """A scan whose partial_scan holds strings, a folder named like a scan, and a scan without probes (the service
    would refuse it for good): none stops --complete-pending, each lands where the user can see why. The scenario is
    bench/reliability.py's probe, run here against a live service."""
    from bench.reliability import probe_bad_pending_entries

    result = probe_bad_pending_entries(tmp_path)
    assert result['exit_code'] == 0 and result['tracebacks'] == 0 and result['lost'] == result['stuck'] == 0, result
    store = ScanStore(tmp_path / 'bad_pending')
    assert store.done_ids() == ['s0', 's3', 's4', 's5'] and store.pending_ids() == []
    assert (store.corrupt / 's1.npz').is_file() and (store.corrupt / 'folder.npz').is_dir()
    assert (store.refused / 's2.npz').is_file() and 'no probes' in (store.refused / 's2.txt').read_text()


def test_a_down_service_is_given_up_on_after_two_scans_and_the_run_says_how_many_wait(tmp_path):
    store = ScanStore(tmp_path)
    scope = SimulatedMicroscope(smooth_images(6), dwell_s=0)
    for k in range(6):
        store.add(f's{k}', *acquire(ScriptedActor(), scope, DEFAULT_GEOMETRY))
    start = time.monotonic()
    r = run_host('--complete-pending', '--out', str(tmp_path), '--server', f'127.0.0.1:{free_port()}', '--timeout', '0.5')
    seconds = time.monotonic() - start
    assert r.returncode == 3 and 'did not answer: 6 scan(s) wait in' in r.stderr and 'Traceback' not in r.stderr
    assert store.pending_ids() == [f's{k}' for k in range(6)]
    assert r.stderr.count('stays in pending/') == 2, r.stderr  # two scans tried, the other four not
    print(f'service down: gave up after {seconds:.1f} s')


@pytest.mark.parametrize('fill', [np.nan, np.inf, 7.0])
def test_images_with_nothing_to_scan_are_refused(tmp_path, fill):
    images = smooth_images(3)
    images[1] = fill
    path = tmp_path / 'images.npy'
    np.save(path, images)
    r = run_host('--images', str(path), '--server', 'none', '--out', str(tmp_path / 'scans'), '--scans', '1')
    said = (
        'no finite value (all NaN or Inf): nothing to scan' if fill != 7.0 else 'image(s) [1] are constant (nothing to scan)'
    )
    assert r.returncode == 2 and 'images.npy' in r.stderr and said in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_first_image_beyond_the_images_is_refused(tmp_path, images_file):
    r = run_host('--images', images_file, '--first-image', '999999', '--server', 'none', '--out', str(tmp_path))
    assert r.returncode == 2 and '--first-image 999999 is beyond the 8 images' in r.stderr


def test_scans_no_service_can_take_are_refused_and_never_block_the_others(tmp_path, interpolating_service):
    """Two readable 200 x 200 scans (acquired at 96 px) sorting first: ZeroMQ dropped each request, the sender took the
    service for down and skipped the 5 good scans on every run. Now they are checked against the service's announced
    limits and their own geometry before sending: refused with the reason, the rest complete."""
    store = stored_scans(tmp_path, 5, prefix='b')
    for k in range(2):
        arrays, meta = acquire(ScriptedActor(), SimulatedMicroscope(smooth_images(1), dwell_s=0), DEFAULT_GEOMETRY)
        big = np.zeros((200, 200, 2), np.float32)
        big[:96, :96] = arrays['partial_scan']
        store.add(f'a{k}', {**arrays, 'partial_scan': big}, meta)
    r = run_host('--complete-pending', '--out', str(tmp_path), '--server', f'127.0.0.1:{interpolating_service}')
    assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr
    assert store.done_ids() == [f'b{k}' for k in range(5)] and store.pending_ids() == []
    assert store.refused_ids() == ['a0', 'a1'] and 'acquired at 96x96 px' in (store.refused / 'a0.txt').read_text()


@pytest.mark.parametrize('size', [64, 128])
def test_a_service_for_another_image_size_keeps_the_scans_pending_and_says_so_once(tmp_path, size):
    """--image-size 128 against 96 px scans sent every scan to refused/ as permanent; --image-size 64 kept them pending
    behind a false "did not answer". A configuration mismatch is the service's fault: one line, scans kept."""
    store = stored_scans(tmp_path, 3)
    port = free_port()
    service = start_service(port, '--completer', 'interpolate', '--image-size', str(size))
    try:
        r = run_host('--complete-pending', '--out', str(tmp_path), '--server', f'127.0.0.1:{port}')
    finally:
        stop(service)
    assert r.returncode == 3 and 'Traceback' not in r.stderr, r.stderr
    assert store.pending_ids() == ['s0', 's1', 's2'] and store.refused_ids() == [] and store.done_ids() == []
    assert r.stderr.count('configuration mismatch') == 1 and f'completes {size}x{size} px' in r.stderr, r.stderr
    assert 'did not answer' not in r.stderr and '3 still pending (3 of another image size' in r.stderr


def test_a_crafted_pending_file_is_set_aside_without_being_decompressed(tmp_path):
    """A small file with a compressed extra member that expands to 300 MB: read member by member, sizes checked before
    anything is decompressed (it used to allocate it all: an out-of-memory kill on a 512 MB board, every run)."""
    import tracemalloc
    import zipfile

    store = stored_scans(tmp_path, 1)
    path = store.pending / 's0.npz'
    with zipfile.ZipFile(path, 'a', zipfile.ZIP_DEFLATED) as archive, archive.open('junk.npy', 'w', force_zip64=True) as f:
        for _ in range(300):
            f.write(bytes(1 << 20))
    assert path.stat().st_size < 2 << 20
    tracemalloc.start()
    try:
        with pytest.raises(CorruptScan, match='once decompressed'):
            store.load('s0')
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, f'{peak >> 20} MB allocated to refuse it'


def test_the_summaries_count_what_was_set_aside_and_what_a_full_disk_stored(tmp_path, images_file, monkeypatch, capsys):
    """--complete-pending counts a folder it set aside; a run stopped by a full disk counts the scans it stored (it said
    "0 scans") and leaves no half-written file for the next run to report as "from a killed run"."""
    import host.store

    store = stored_scans(tmp_path / 'bad', 1)
    (store.pending / 'folder.npz').mkdir()
    (store.pending / 's9.npz').write_bytes(b'not a scan')
    port = free_port()
    fake = FakeService(port, lambda scan_id: schema.completion(scan_id, np.zeros((96, 96))))
    fake.start()
    try:
        rc = run_scan.main(['--complete-pending', '--out', str(tmp_path / 'bad'), '--server', f'127.0.0.1:{port}'])
        assert rc == 0 and '2 corrupt' in capsys.readouterr().err
        writes, savez = [0], np.savez

        def fills_the_disk(file, **arrays):
            writes[0] += 1
            if writes[0] > 3:
                file.write(b'half a scan')
                raise OSError(28, 'No space left on device')
            savez(file, **arrays)

        monkeypatch.setattr(host.store.np, 'savez', fills_the_disk)
        args = ['--actor', 'scripted', '--images', images_file, '--scans', '6', '--out', str(tmp_path / 'full')]
        rc = run_scan.main([*args, '--server', f'127.0.0.1:{port}'])
        err = capsys.readouterr().err
        assert rc == 2 and 'after 3 stored scans' in err and '3 scans stored' in err, err
        assert not list((tmp_path / 'full').rglob('.*.tmp'))
    finally:
        fake.stop()


def test_a_malformed_service_key_on_the_board_names_the_file(tmp_path, images_file):
    keys = tmp_path / 'keys'
    subprocess.run([PYTHON, '-m', 'host.keys', str(keys)], cwd=ROOT, check=True, capture_output=True, timeout=60)
    key_file = keys / 'board' / 'server.key'
    public = key_file.read_text().split('"')[1]
    key_file.write_text(key_file.read_text().replace(public, '~' + public[1:]))  # "~" is outside the Z85 alphabet
    r = run_host('--images', images_file, '--scans', '1', '--out', str(tmp_path / 'scans'), '--keys', str(keys / 'board'))
    assert r.returncode == 2 and 'server.key holds a malformed key' in r.stderr and 'Invalid argument' not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_a_busy_service_is_asked_again_not_taken_for_down(tmp_path):
    """A "busy" answer is not an attempt: the scan is resent after the wait the service asks for and completes, even
    with --retries 0 (an old sender counted it as a failure and left the scan pending)."""
    store = stored_scans(tmp_path, 2)
    answers = []

    def busy_three_times(scan_id):
        answers.append(scan_id)
        if len(answers) <= 3:
            return schema.error(scan_id, 'busy: 40 scans queued', False, retry_after_s=0.05)
        return schema.completion(scan_id, np.zeros((96, 96)))

    port = free_port()
    fake = FakeService(port, busy_three_times)
    fake.start()
    try:
        r = run_host('--complete-pending', '--out', str(tmp_path), '--server', f'127.0.0.1:{port}', '--retries', '0')
    finally:
        fake.stop()
    assert r.returncode == 0 and store.done_ids() == ['s0', 's1'] and answers == ['s0'] * 4 + ['s1'], r.stderr
