"""Reliability on loopback, as a hostile user and a careless operator would test it.

    python bench/reliability.py                     # -> bench/results/reliability.json and reliability.md
    python bench/reliability.py --messages 500 --scans 100 --service-kills 2 --board-kills 1     # a quick try

1. Fuzz: --messages generated messages (valid, mutated, oversized, nested, too many frames, garbage; see
   tests/fuzz_messages.py) sent one at a time to a live completion service. Counted: crashes, messages that got no
   reply where one was due, replies of the wrong kind.
2. Faults: board programs (host/run_scan.py, scripted actor, simulated microscope) acquire at least --scans scans
   into one folder while the service is SIGKILLed and restarted --service-kills times and --board-kills of the board
   programs are SIGKILLed mid-run (each followed by a new run); then --complete-pending (twice at once) finishes
   what was left. A witness thread lists pending/ and done/ every 10 ms. Counted: lost (a scan seen stored, or
   preceding a stored scan of its run, that is not in done/ at the end), duplicated (second completions detected in
   duplicates.log), corrupt (a completion that is not the interpolation of its scan, or a scan file set aside).
3. Probes: the cases a review found, each counted (sent, answered, crashes, tracebacks, lost, stuck, peak memory):
   bad pending entries (a scan of strings, a folder named like a scan, a scan without probes), a down service; client
   floods against the service's memory bound (two concurrent 410 MB many-frame messages, messages whose last frame
   never comes, 500 connections at once, boards with valid CURVE keys flooding): the service's peak (VmHWM) beside the
   bound it announces, named in `memory_bound`; oversized pending scans, a service of another image size, a crafted
   pending file that expands to 1 GB, 50 board programs at the default timeout (--overload-boards); a malformed
   board key and one with a character outside Z85, images with nothing to scan, and a mistake in every command of the
   project (`cli_mistakes`: one line, exit 2, no traceback).
Every count is computed from the files; the exit status is 1 when any criterion fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')  # see host/generator_service.py
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / 'tests')]

from fuzz_messages import fuzz  # noqa: E402
from host_helpers import (  # noqa: E402
    PYTHON,
    curve_flood,
    flood,
    free_port,
    held_bound,
    memory_bytes,
    service_log,
    smooth_images,
    start_scanning_host,
    start_service,
    stop,
    wait_for_log,
)

from host.store import ScanStore  # noqa: E402
from model.interpolation import interpolate  # noqa: E402


def fuzz_run(messages: int, seed: int) -> dict:
    port = free_port()
    service = start_service(port, '--completer', 'interpolate')
    try:
        result = fuzz(f'tcp://127.0.0.1:{port}', service, messages, seed)
        result['service_alive_at_end'] = service.poll() is None
    finally:
        stop(service)
    return result


class Witness(threading.Thread):
    """Lists pending/ and done/ every 10 ms and remembers every scan id it ever saw stored."""

    def __init__(self, out: Path):
        super().__init__(daemon=True)
        self.out, self.seen, self.running = out, set(), True

    def run(self) -> None:
        while self.running:
            for folder in ('pending', 'done'):
                try:
                    names = os.listdir(self.out / folder)
                except FileNotFoundError:
                    continue
                self.seen.update(n[:-4] for n in names if n.endswith('.npz') and not n.startswith('.'))
            time.sleep(0.01)


class ServiceKiller(threading.Thread):
    """SIGKILLs the service every `interval_s` (jittered) and restarts it on the same port, until stopped and
    at least `kills` kills are done."""

    def __init__(self, port: int, kills: int, interval_s: float, rng: random.Random):
        super().__init__(daemon=True)
        self.port, self.kills, self.interval_s, self.rng = port, kills, interval_s, rng
        self.service = start_service(port, '--completer', 'interpolate')
        self.done, self.stopping = 0, threading.Event()

    def run(self) -> None:
        while not (self.stopping.is_set() and self.done >= self.kills):
            time.sleep(self.interval_s * self.rng.uniform(0.5, 1.5))
            os.kill(self.service.pid, signal.SIGKILL)
            self.service.wait()
            self.done += 1
            time.sleep(self.rng.uniform(0.05, 0.5))  # scans keep coming while it is down
            self.service = start_service(self.port, '--completer', 'interpolate')


def fault_run(scans: int, service_kills: int, board_kills: int, per_run: int, seed: int, work: Path) -> dict:
    rng = random.Random(seed)
    images = work / 'images.npy'
    np.save(images, smooth_images(16, seed=seed))
    out, logs = work / 'scans', work / 'logs'
    logs.mkdir()
    port = free_port()
    t0 = time.perf_counter()
    killer = ServiceKiller(port, service_kills, interval_s=1.5, rng=rng)
    witness = Witness(out)
    killer.start()
    witness.start()
    runs = kills = 0
    exit_codes = []  # of the board programs that were not killed
    try:
        while len(witness.seen) < scans or kills < board_kills:
            log = open(logs / f'run{runs}.log', 'w')
            before = len(witness.seen)
            board = start_scanning_host(images, per_run, port, out, drain_s=60, stderr=log)
            runs += 1
            if kills < board_kills:  # kill it mid-run: after its first stored scan, at a random instant
                deadline = time.monotonic() + 60
                while len(witness.seen) == before and board.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.01)
                time.sleep(rng.uniform(0.05, 2.0))
                if board.poll() is None:
                    board.kill()
                    kills += 1
            code = board.wait(600)
            if code != -signal.SIGKILL:
                exit_codes.append(code)
            log.close()
    finally:
        killer.stopping.set()
        killer.join()
    board_phase_s = time.perf_counter() - t0
    left_after_runs = len(ScanStore(out).pending_ids())
    args = [PYTHON, 'host/run_scan.py', '--complete-pending', '--out', str(out), '--server', f'127.0.0.1:{port}']
    twins = [subprocess.Popen([*args, '--timeout', '10'], cwd=ROOT, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    pending_logs = [p.communicate(timeout=1200)[1] for p in twins]
    (logs / 'complete-pending.log').write_text('\n'.join(pending_logs))
    stop(killer.service)
    witness.running = False
    witness.join()
    store = ScanStore(out)
    done = set(store.done_ids())
    implied = set()  # every scan before a stored scan of the same run was stored too (ids: RUNID-NNNNN)
    for scan_id in witness.seen | done:
        run_id, k = scan_id.rsplit('-', 1)
        implied.update(f'{run_id}-{i:05d}' for i in range(int(k)))
    stored = witness.seen | done | implied | set(store.pending_ids())
    text = '\n'.join(p.read_text() for p in logs.iterdir())
    duplicates = (out / 'duplicates.log').read_text().split() if (out / 'duplicates.log').exists() else []
    wrong = []
    for scan_id in sorted(done):  # every completion against the interpolation of its own stored scan
        try:
            arrays, _ = store.load(scan_id, 'done')
            if not np.array_equal(store.completion(scan_id), interpolate(arrays['partial_scan'][None])[0]):
                wrong.append(scan_id)
        except Exception:  # noqa: BLE001  (unreadable in any way: corrupt)
            wrong.append(scan_id)
    set_aside = [p.name for p in store.corrupt.iterdir()]
    return {
        'scans_stored': len(stored),
        'board_runs': runs,
        'board_kills': kills,
        'board_exit_codes_not_killed': sorted(set(exit_codes)),
        'service_kills': killer.done,
        'completed': len(done),
        'left_pending_after_the_runs': left_after_runs,
        'complete_pending_exit_codes': [p.returncode for p in twins],
        'whole_temporary_files_recovered': sum(int(n) for n in re.findall(r'recovered (\d+) whole scan', text)),
        'half_written_files_set_aside': sum(int(n) for n in re.findall(r'(\d+) half-written scan file', text)),
        'tracebacks_in_logs': text.count('Traceback'),
        'lost': len(stored - done),
        'duplicated': len(duplicates) + store.duplicates,
        'corrupt': len(wrong) + sum(not n.endswith('.incomplete.npz') for n in set_aside),
        'completions_checked_against_interpolation': len(done),
        'board_phase_s': round(board_phase_s, 1),
        'seconds': round(time.perf_counter() - t0, 1),
    }


# ---- named probes: the cases a review found, each counted ----------------------------------------------------------
def run_program(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '3', 'PYTHONPATH': str(ROOT)}
    return subprocess.run([PYTHON, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def complete_pending(store) -> subprocess.CompletedProcess:
    """run_scan.py --complete-pending on a store, against a fresh interpolating service."""
    port = free_port()
    service = start_service(port, '--completer', 'interpolate')
    try:
        return run_program(
            'host/run_scan.py', '--complete-pending', '--out', str(store.root), '--server', f'127.0.0.1:{port}'
        )
    finally:
        stop(service)


def row(**counts) -> dict:
    """One probe's record: every key of the table, None where it does not apply."""
    keys = ('sent', 'answered', 'crashes', 'tracebacks', 'lost', 'duplicated', 'corrupt', 'stuck', 'peak_memory_mb')
    return {**{k: None for k in keys}, **counts}


def probe_bad_pending_entries(work: Path) -> dict:
    """Good scans beside a scan of strings, a folder named like a scan and a scan without probes: --complete-pending
    completes the good ones and sets the others aside (corrupt/, refused/ with the reason)."""
    from host.actors import ScriptedActor
    from host.microscope import SimulatedMicroscope
    from host.scan import acquire
    from model.geometry import DEFAULT_GEOMETRY

    store = ScanStore(work / 'bad_pending')
    scope = SimulatedMicroscope(smooth_images(6), dwell_s=0)
    for k in range(6):
        arrays, meta = acquire(ScriptedActor(), scope, DEFAULT_GEOMETRY)
        spoiled = {1: np.full((96, 96, 2), 'x'), 2: np.zeros((96, 96, 2), np.float32)}
        store.add(f's{k}', {**arrays, 'partial_scan': spoiled.get(k, arrays['partial_scan'])}, meta)
    (store.pending / 'folder.npz').mkdir()
    r = complete_pending(store)
    good = {'s0', 's3', 's4', 's5'}
    return row(
        sent=7,
        answered=len(store.done_ids()) + len(list(store.refused.glob('*.npz'))) + len(list(store.corrupt.iterdir())),
        crashes=int(r.returncode not in (0, 3)),
        tracebacks=r.stderr.count('Traceback'),
        lost=len(good - set(store.done_ids())),
        stuck=len(store.pending_ids()),
        exit_code=r.returncode,
        set_aside=sorted(p.name for p in store.corrupt.iterdir()),
        refused=sorted(p.name for p in store.refused.glob('*.npz')),
        summary=r.stderr.strip().splitlines()[-1],
    )


def probe_service_down(work: Path, scans: int = 6) -> dict:
    """--complete-pending with no service: it gives up after two unanswered scans, says how many wait, exits 3."""
    store = ScanStore(work / 'service_down')
    from host.actors import ScriptedActor
    from host.microscope import SimulatedMicroscope
    from host.scan import acquire
    from model.geometry import DEFAULT_GEOMETRY

    scope = SimulatedMicroscope(smooth_images(scans), dwell_s=0)
    for k in range(scans):
        store.add(f's{k}', *acquire(ScriptedActor(), scope, DEFAULT_GEOMETRY))
    t0 = time.perf_counter()
    r = run_program(
        'host/run_scan.py', '--complete-pending', '--out', str(store.root), '--server', f'127.0.0.1:{free_port()}'
    )
    return row(
        sent=scans,
        answered=0,
        crashes=int(r.returncode not in (0, 3)),
        tracebacks=r.stderr.count('Traceback'),
        lost=scans - len(store.pending_ids()),
        stuck=0 if f'{scans} scan(s) wait in' in r.stderr else scans,  # waiting, and the user told so, is not stuck
        exit_code=r.returncode,
        seconds=round(time.perf_counter() - t0, 1),
        last_line=r.stderr.strip().splitlines()[-1],
    )


def _gated_service(*extra: str, keys: Path | None = None):
    """A keyless (or keyed) interpolating service, warmed by one completion: (process, port, its memory before, the
    bound on client data it announced, in bytes)."""
    from host.client import CompletionClient

    port = free_port()
    args = ('--completer', 'interpolate', '--message-timeout', '2', *extra)
    if keys is None:
        service = start_service(port, *args)
    else:
        service = start_service(port, *args, '--keys', str(keys / 'service'), keys=keys / 'board')
    client = CompletionClient(f'tcp://127.0.0.1:{port}', None if keys is None else keys / 'board', timeout_s=30)
    client.complete('warm', _a_partial_scan())
    client.close()
    return service, port, memory_bytes(service.pid, 'VmHWM'), held_bound(service)


def _a_partial_scan() -> np.ndarray:
    partial = np.zeros((96, 96, 2), np.float32)
    partial[::5, ::5] = 0.5, 1
    return partial


def _still_serves(port: int, keys: Path | None = None) -> bool:
    from host.client import CompletionClient

    client = CompletionClient(f'tcp://127.0.0.1:{port}', None if keys is None else keys / 'board', timeout_s=30)
    try:
        partial = _a_partial_scan()
        return bool(np.array_equal(client.complete('after', partial), interpolate(partial[None])[0]))
    finally:
        client.close()


def _memory_row(service, port, before, bound, sent, keys=None, refused=0, **counts) -> dict:
    """A flood probe's record: answered = hostile connections closed by the gate (or refused at the connection cap)."""
    peak = memory_bytes(service.pid, 'VmHWM')
    serves = _still_serves(port, keys)
    text = service_log(service)
    closed = text.count('closed the connection of')
    return row(
        sent=sent,
        answered=min(sent, closed + refused),
        crashes=int(service.poll() is not None),
        tracebacks=text.count('Traceback'),
        peak_memory_mb=_mb(peak),
        memory_before_mb=_mb(before),
        bound_mb=_mb(before + bound),
        under_bound=peak <= before + bound,
        serves_after=serves,
        connections_closed=closed,
        **counts,
    )


def probe_flood_concurrent(message_mb: int = 410) -> dict:
    """Two clients sending a `message_mb` MB message of 1 KiB frames at once (each frame under ZeroMQ's per-frame
    limit; libzmq would gather both whole): the service's peak memory (VmHWM) against its bound."""
    from concurrent.futures import ThreadPoolExecutor

    service, port, before, bound = _gated_service()
    try:
        frames = message_mb << 10
        with ThreadPoolExecutor(2) as pool:
            floods = list(pool.map(lambda _: flood(port, frames), range(2)))
        wait_for_log(service, 'closed the connection of', 2)
        return _memory_row(service, port, before, bound, sent=2, message_mb=message_mb,
                           mb_taken_from_each_client=[_mb(n) for _, n in floods])  # fmt: skip
    finally:
        stop(service)


def probe_unfinished_message(message_mb: int = 467) -> dict:
    """Two connections whose message never ends (every frame flagged MORE; `message_mb` MB each), and 20 that send a
    small unfinished message and then wait: each is closed (at once when it outgrows what a connection may hold,
    after --message-timeout otherwise); the service's peak memory against its bound."""
    service, port, before, bound = _gated_service()
    try:
        t0 = time.perf_counter()
        floods = [flood(port, message_mb << 10, finish=False) for _ in range(2)]
        idle = [flood(port, 50, finish=False) for _ in range(20)]
        wait_for_log(service, 'closed the connection of', 22)
        seconds = time.perf_counter() - t0
        result = _memory_row(
            service, port, before, bound, sent=22, message_mb=message_mb, seconds_to_close_all=round(seconds, 1)
        )
        for sock, _ in floods + idle:
            sock.close()
        return result
    finally:
        stop(service)


def probe_many_connections(connections: int = 500) -> dict:
    """`connections` clients at once, each holding a small unfinished message: the service admits --max-connections
    (64), refuses the rest; peak memory against its bound."""
    service, port, before, bound = _gated_service()
    try:
        held = [flood(port, 50, finish=False) for _ in range(connections)]
        wait_for_log(service, 'closed the connection of', 64)
        refused = sum(sent == 0 for _, sent in held)  # closed before the handshake: the connection cap
        result = _memory_row(service, port, before, bound, sent=connections, refused=refused, refused_at_the_cap=refused)
        for sock, _ in held:
            sock.close()
        return result
    finally:
        stop(service)


def probe_keyed_flood(work: Path, message_mb: int = 100) -> dict:
    """A CURVE service: two boards holding valid keys each send a `message_mb` MB many-frame message at once, and 50
    clients without keys connect and send; peak memory against the bound (keyless clients hold nothing)."""
    from concurrent.futures import ThreadPoolExecutor

    keys = work / 'flood_keys'
    run_program('-m', 'host.keys', str(keys))
    service, port, before, bound = _gated_service(keys=keys)
    try:
        address = f'tcp://127.0.0.1:{port}'
        with ThreadPoolExecutor(2) as pool:
            boards = list(pool.map(lambda _: curve_flood(address, keys / 'board', message_mb << 10), range(2)))
        strangers = [flood(port, 1000, finish=False) for _ in range(50)]
        wait_for_log(service, 'closed the connection of', 2)
        result = _memory_row(service, port, before, bound, sent=2, keys=keys, message_mb=message_mb,
                             keyless_clients=50, keyless_bytes_taken=sum(n for _, n in strangers))  # fmt: skip
        strangers = [sock for sock, _ in strangers]
        for sock in boards + strangers:
            sock.close()
        return result
    finally:
        stop(service)


def _mb(n: int) -> float:
    return round(n / 2**20, 1)


def _stored(root: Path, n: int, prefix: str = 's') -> ScanStore:
    from host.actors import ScriptedActor
    from host.microscope import SimulatedMicroscope
    from host.scan import acquire
    from model.geometry import DEFAULT_GEOMETRY

    store = ScanStore(root)
    scope = SimulatedMicroscope(smooth_images(n), dwell_s=0)
    for k in range(n):
        store.add(f'{prefix}{k}', *acquire(ScriptedActor(), scope, DEFAULT_GEOMETRY))
    return store


def probe_oversized_pending_scans(work: Path) -> dict:
    """Two readable 200 x 200 scans (acquired at 96 px) sorting first, then 5 good ones: checked against the service's
    announced limits and their own geometry, they go to refused/ with the reason; the 5 complete."""
    store = _stored(work / 'oversized', 5, prefix='b')
    for k, (arrays, meta) in enumerate(store.load(f'b{k}') for k in range(2)):
        big = np.zeros((200, 200, 2), np.float32)
        big[:96, :96] = arrays['partial_scan']
        store.add(f'a{k}', {**arrays, 'partial_scan': big}, {**meta, 'scan_id': f'a{k}'})
    r = complete_pending(store)
    good = {f'b{k}' for k in range(5)}
    return row(
        sent=7,
        answered=len(store.done_ids()) + len(store.refused_ids()),
        crashes=int(r.returncode not in (0, 3)),
        tracebacks=r.stderr.count('Traceback'),
        lost=len(good - set(store.done_ids())),
        stuck=len(store.pending_ids()),
        exit_code=r.returncode,
        refused=store.refused_ids(),
    )


def probe_image_size_mismatch(work: Path) -> dict:
    """A service started for 128 px (and one for 64 px) against 96 px scans: the scans stay in pending/, one line
    says why, nothing goes to refused/; a service of the right size then completes them all."""
    store, lines, codes = _stored(work / 'mismatch', 5), [], []
    for size in (128, 64, 96):
        port = free_port()
        service = start_service(port, '--completer', 'interpolate', '--image-size', str(size))
        try:
            r = run_program(
                'host/run_scan.py', '--complete-pending', '--out', str(store.root), '--server', f'127.0.0.1:{port}'
            )
        finally:
            stop(service)
        codes.append(r.returncode)
        lines.append(r.stderr.count('configuration mismatch'))
    return row(
        sent=5,
        answered=len(store.done_ids()),
        crashes=sum(c not in (0, 3) for c in codes),
        tracebacks=0,
        lost=5 - len(store.done_ids()) - len(store.pending_ids()),
        stuck=len(store.pending_ids()),
        refused_for_a_mismatch=len(store.refused_ids()),
        exit_codes_128_64_96=codes,
        mismatch_lines_128_64_96=lines,
    )


def probe_crafted_pending_file(work: Path, expands_to_mb: int = 1024) -> dict:
    """A ~1 MB pending file with a compressed extra member that expands to `expands_to_mb` MB, before 3 good scans:
    --complete-pending sets it aside without decompressing it; its peak memory (the child's maximum resident size)."""
    import zipfile

    store = _stored(work / 'crafted', 4)
    with zipfile.ZipFile(store.pending / 's0.npz', 'a', zipfile.ZIP_DEFLATED) as archive:
        with archive.open('junk.npy', 'w', force_zip64=True) as f:
            for _ in range(expands_to_mb):
                f.write(bytes(1 << 20))
    file_mb = _mb((store.pending / 's0.npz').stat().st_size)
    port = free_port()
    service = start_service(port, '--completer', 'interpolate')
    try:  # run_scan.py under a wrapper that reports its own peak (VmHWM: this program's, not its parent's before exec)
        argv = ['host/run_scan.py', '--complete-pending', '--out', str(store.root), '--server', f'127.0.0.1:{port}']
        r = run_program('-c', PEAK_REPORTER, *argv)
    finally:
        stop(service)
    err, peak = r.stderr.rsplit('VmHWM', 1)
    return row(
        sent=4,
        answered=len(store.done_ids()) + len(list(store.corrupt.iterdir())),
        crashes=int(r.returncode not in (0, 3)),
        tracebacks=err.count('Traceback'),
        lost=3 - len(store.done_ids()),
        stuck=len(store.pending_ids()),
        peak_memory_mb=round(int(peak.split()[1]) / 1024, 1),
        file_mb=file_mb,
        expands_to_mb=expands_to_mb,
        set_aside=sorted(p.name for p in store.corrupt.iterdir()),
    )


PEAK_REPORTER = """
import runpy, sys
sys.argv, code = sys.argv[1:], 0
try:
    runpy.run_path(sys.argv[0], run_name='__main__')
except SystemExit as e:
    code = e.code
print(next(line for line in open('/proc/self/status') if line.startswith('VmHWM')), file=sys.stderr)
sys.exit(code)
"""
"""python -c PEAK_REPORTER SCRIPT ARGS: runs SCRIPT, then prints its peak resident memory as the last line of stderr."""


def probe_overload(work: Path, boards: int = 50, scans: int = 4) -> dict:
    """`boards` board programs at once (scripted actor, default --timeout 2 s and --retries 3) against one service
    completing with the shipped generator (TensorFlow on this CPU), then --complete-pending for what they left: every
    scan completed once. Counted from the files; the service's "busy" answers and the requests it dropped unanswered
    (their clients had stopped waiting) from its log."""
    images = work / 'overload.npy'
    np.save(images, smooth_images(8))
    port = free_port()
    service = start_service(port, '--checkpoint', str(ROOT / 'checkpoints' / 'quality'), wait_s=300)
    env = {**os.environ, 'PYTHONPATH': str(ROOT), 'OPENBLAS_NUM_THREADS': '1'}
    t0 = time.perf_counter()
    try:
        runs = [
            subprocess.Popen(
                [
                    PYTHON,
                    'host/run_scan.py',
                    '--actor',
                    'scripted',
                    '--images',
                    str(images),
                    '--scans',
                    str(scans),
                    '--dwell-us',
                    '0',
                    '--out',
                    str(work / 'boards' / f'b{b}'),
                    '--server',
                    f'127.0.0.1:{port}',
                ],
                cwd=ROOT,
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for b in range(boards)
        ]
        errors = [p.communicate(timeout=1200)[1] for p in runs]
        board_seconds = time.perf_counter() - t0
        stores = [ScanStore(work / 'boards' / f'b{b}') for b in range(boards)]
        done_by_the_runs = sum(len(s.done_ids()) for s in stores)
        finish = [run_program('host/run_scan.py', '--complete-pending', '--out', str(s.root), '--server', f'127.0.0.1:{port}')
                  for s in stores if s.pending_ids()]  # fmt: skip
        service.terminate()
        service.wait(30)
    finally:
        stop(service)
    text = service_log(service)
    done = sum(len(s.done_ids()) for s in stores)
    duplicates = sum((s.root / 'duplicates.log').exists() for s in stores)
    return row(
        sent=boards * scans,
        answered=done,
        crashes=sum(p.returncode not in (0,) for p in runs) + sum(r.returncode != 0 for r in finish),
        tracebacks=sum(e.count('Traceback') for e in errors) + sum(r.stderr.count('Traceback') for r in finish),
        lost=boards * scans - done - sum(len(s.pending_ids()) for s in stores),
        duplicated=duplicates,
        stuck=sum(len(s.pending_ids()) for s in stores),
        completed_by_the_runs=done_by_the_runs,
        left_for_complete_pending=boards * scans - done_by_the_runs,
        answered_busy=int(re.search(r'(\d+) answered busy', text).group(1)),
        dropped_unanswered=int(re.search(r'(\d+) dropped unanswered', text).group(1)),
        served=int(re.search(r'served (\d+) completions', text).group(1)),
        board_phase_s=round(board_seconds, 1),
    )


def probe_malformed_board_key(work: Path) -> dict:
    """A bad .key file among the boards' keys: the service refuses to start, naming the file (it used to start and
    lock every board out)."""
    r = run_program('-m', 'host.keys', str(work / 'keys'))
    (work / 'keys' / 'service' / 'clients' / 'broken.key').write_text('not a key\n')
    r = run_program('-m', 'host.generator_service', '--completer', 'interpolate', '--keys', str(work / 'keys' / 'service'),
                    '--port', str(free_port()))  # fmt: skip
    return row(
        sent=1,
        answered=int(r.returncode == 2 and 'broken.key' in r.stderr),
        crashes=int(r.returncode not in (0, 2)),
        tracebacks=r.stderr.count('Traceback'),
        exit_code=r.returncode,
        message=r.stderr.strip().splitlines()[-1] if r.stderr.strip() else '',
    )


def probe_board_key_outside_z85(work: Path) -> dict:
    """A board key of the right length with one character outside the Z85 alphabet: the service refuses to start with
    one line naming the file (it hung in context.term(), its ZAP thread never stopped; Ctrl-C printed tracebacks)."""
    run_program('-m', 'host.keys', str(work / 'z85keys'))
    key = work / 'z85keys' / 'service' / 'clients' / 'board.key'
    public = key.read_text().split('"')[1]
    key.write_text(key.read_text().replace(public, '~' + public[1:]))
    args = ('-m', 'host.generator_service', '--completer', 'interpolate', '--keys', str(work / 'z85keys' / 'service'))
    try:
        r = run_program(*args, '--port', str(free_port()), timeout=60)
    except subprocess.TimeoutExpired:
        return row(sent=1, answered=0, crashes=1, stuck=1, hung=True)
    return row(
        sent=1,
        answered=int(r.returncode == 2 and 'board.key holds a malformed key' in r.stderr),
        crashes=int(r.returncode not in (0, 2)),
        tracebacks=r.stderr.count('Traceback'),
        exit_code=r.returncode,
        lines=len(r.stderr.strip().splitlines()),
        hung=False,
    )


def probe_images_with_nothing_to_scan(work: Path) -> dict:
    """run_scan --images with an all-NaN, an all-Inf and a constant image: refused (exit 2), never "completed"."""
    codes = []
    for fill in (np.nan, np.inf, 7.0):
        images = smooth_images(3)
        images[1] = fill
        np.save(work / 'flat.npy', images)
        r = run_program(
            'host/run_scan.py', '--images', str(work / 'flat.npy'), '--server', 'none', '--out', str(work / 'flat')
        )
        codes.append(r.returncode)
    return row(sent=3, answered=codes.count(2), crashes=sum(c not in (0, 2) for c in codes), exit_codes=codes)


def cli_mistakes(work: Path) -> list[tuple[tuple[str, ...], str]]:
    """(command line, the words its one-line error must hold) for a mistake in every command of the project; files
    the mistakes need are made under `work`."""
    (work / 'a_file').write_text('')
    (work / 'empty.npy').write_bytes(b'')
    unwritable = work / 'a_file' / 'below'  # a path under a file: nobody can write it, root included
    listed = work / 'listed'
    shutil.copytree(ROOT / 'checkpoints' / 'quality', listed)
    (listed / 'manifest.json').write_text('[]')
    run = ('-m', 'training.train', '--preset', 'tiny')
    return [
        ((*run, '--out', str(unwritable)), 'cannot write the run folder'),
        ((*run, '--out', str(work / 'r'), '--dataset', str(work / 'empty.npy')), 'is not a readable NumPy'),
        ((*run, '--batch_size', '100000'), 'batch_size must lie in'),
        ((*run, '--actor.units', '100000000'), 'actor.units must lie in'),
        ((*run, '--seed', '-1'), 'seed must lie in'),
        ((*run, '--stop-after', '0'), 'argument --stop-after'),
        ((*run, '--no-such-flag'), 'unrecognized arguments'),
        (('-m', 'training.checkpoint', 'export', 'checkpoints/quality', str(unwritable)), 'cannot write'),
        (('-m', 'training.checkpoint', 'verify', str(work / 'missing')), 'does not exist'),
        (('-m', 'training.checkpoint', 'verify', str(listed)), 'is not a manifest'),
        (('-m', 'training.data', '--figure', str(unwritable / 'x.png')), 'cannot write'),
        (('-m', 'training.data', '--n-train', '-5'), 'argument --n-train'),
        (('-m', 'training.report', 'checkpoints/quality', '--n-test', '0'), 'argument --n-test'),
        (('bench/host.py', '--scans', '-5'), 'argument --scans'),
        (('bench/quality.py', '--seeds', 'x'), 'argument --seeds'),
        (('bench/train_speed.py', '--iterations', '0'), 'argument --iterations'),
        (('-m', 'bench.hardware', '--images', '0'), 'argument --images'),
        (('bench/reliability.py', '--messages', '-1'), 'argument --messages'),
        (('-m', 'bench.actor_sweep', '--rounds', '0'), 'argument --rounds'),
        (('bench/teacher_learnability.py', '--epochs', '0'), 'argument --epochs'),
        (('hls/distill.py', '--units', '0'), 'argument --units'),
        (('hls/build_hls.py', '--images', '0'), 'argument --images'),
        (('hls/build_rtl.py', '--period-ns', '-1'), 'argument --period-ns'),
        (('hls/bitstream.py', '--no-such-flag'), 'unrecognized arguments'),
        (('host/run_scan.py', '--dose', '-1'), 'argument --dose'),
        (('host/run_scan.py', '--server', '::1:5555'), 'argument --server'),
        (('-m', 'host.generator_service', '--port', '70000'), 'argument --port'),
        (('-m', 'host.keys', str(work), '--client', 'a/b'), '--client must be'),
    ]


def probe_cli_mistakes(work: Path) -> dict:
    """Every command of cli_mistakes: its exit status, tracebacks, and lines of error output (1 wanted)."""
    cases, failures, tracebacks = cli_mistakes(work), [], 0
    for args, words in cases:
        r = run_program(*args)
        lines = [x for x in r.stderr.strip().splitlines() if not x.startswith(('I0000', 'WARNING: All log'))]
        tracebacks += r.stderr.count('Traceback')
        if r.returncode != 2 or len(lines) != 1 or words not in lines[0]:
            failures.append({'command': ' '.join(args), 'exit': r.returncode, 'stderr': lines[-3:]})
    return row(sent=len(cases), answered=len(cases) - len(failures), tracebacks=tracebacks, not_one_line=failures)


def probes(work: Path, overload_boards: int = 50) -> dict:
    return {
        'bad_pending_entries': probe_bad_pending_entries(work),
        'service_down': probe_service_down(work),
        'flood_concurrent': probe_flood_concurrent(),
        'unfinished_message': probe_unfinished_message(),
        'many_connections': probe_many_connections(),
        'keyed_flood': probe_keyed_flood(work),
        'oversized_pending_scans': probe_oversized_pending_scans(work),
        'image_size_mismatch': probe_image_size_mismatch(work),
        'crafted_pending_file': probe_crafted_pending_file(work),
        'overload': probe_overload(work, overload_boards),
        'malformed_board_key': probe_malformed_board_key(work),
        'board_key_outside_z85': probe_board_key_outside_z85(work),
        'images_with_nothing_to_scan': probe_images_with_nothing_to_scan(work),
        'cli_mistakes': probe_cli_mistakes(work),
    }


MEMORY_PROBES = ('flood_concurrent', 'unfinished_message', 'many_connections', 'keyed_flood')


def memory_bound(probes: dict) -> dict:
    """The service's peaks under the client floods, each beside the bound it must stay under (its memory before the
    flood plus what admitted connections may make it hold, as the service announces it)."""
    out = {}
    for name in MEMORY_PROBES:
        out[f'{name}_peak_mb'] = probes[name]['peak_memory_mb']
        out[f'{name}_bound_mb'] = probes[name]['bound_mb']
    out['all_under_bound'] = all(probes[name]['under_bound'] for name in MEMORY_PROBES)
    return out


def criteria(result: dict, args) -> dict:
    f, z = result['fault_run'], result['fuzz']
    return {
        f'fuzz: at least {args.messages} messages': z['messages'] >= args.messages,
        'fuzz: 0 crashes, 0 unanswered, 0 wrong replies': z['crashes'] == z['unanswered'] == z['wrong'] == 0,
        f'faults: at least {args.scans} scans': f['scans_stored'] >= args.scans,
        f'faults: service killed at least {args.service_kills} times': f['service_kills'] >= args.service_kills,
        f'faults: board program killed at least {args.board_kills} times': f['board_kills'] >= args.board_kills,
        'faults: 0 lost, 0 duplicated, 0 corrupt': f['lost'] == f['duplicated'] == f['corrupt'] == 0,
        'faults: no traceback in any log; every board run not killed and --complete-pending exit 0': (
            f['tracebacks_in_logs'] == 0
            and set(f['board_exit_codes_not_killed']) <= {0}
            and f['complete_pending_exit_codes'] == [0, 0]
        ),
        'probes: 0 crashes, 0 tracebacks, 0 lost, 0 stuck': all(
            not (p[k] or 0) for p in result['probes'].values() for k in ('crashes', 'tracebacks', 'lost', 'stuck')
        ),
        'probes: every bad input answered (refused, set aside or one-line error)': all(
            p['answered'] == p['sent'] for name, p in result['probes'].items() if name != 'service_down'
        ),
        'probes: peak memory under the bound in every flood (concurrent, unfinished, many connections, keyed)': result[
            'memory_bound'
        ]['all_under_bound'],
        'probes: the service completes scans after every flood': all(
            result['probes'][name]['serves_after'] for name in MEMORY_PROBES
        ),
        'probes: 50 boards at the default timeout: every scan completed once': (
            result['probes']['overload']['answered'] == result['probes']['overload']['sent']
            and not result['probes']['overload']['duplicated']
        ),
    }


def markdown(result: dict) -> str:
    z, f = result['fuzz'], result['fault_run']
    kinds = ', '.join(f'{n} {k}' for k, n in z['by_kind'].items())
    lines = [
        f'Measured {result["date"]} on {result["machine"]} (load average {result["load_average_at_start"]} at the '
        f'start), loopback, `{result["command"]}`.',
        '',
        f'Fuzz: {z["messages"]} messages in {z["seconds"]} s ({kinds}): {z["completions"]} completions, '
        f'{z["errors"]} error replies, {z["pongs"]} pongs (mutated into a ping), {z["dropped"]} closed unanswered '
        f'by the gate (a frame over the limit, or a message that can never fit what a connection may hold); {z["crashes"]} crashes, {z["unanswered"]} unanswered, {z["wrong"]} replies of '
        'the wrong kind.',
        '',
        'Fault run: a scan is stored once its file is renamed into pending/; a half-written file is a scan whose write a '
        'kill interrupted (never stored, like a scan killed mid-acquisition), set aside in corrupt/ as '
        '<scan_id>.incomplete.npz, not deleted.',
        '',
        '| fault run | count |',
        '|---|---|',
    ]
    lines += [f'| {k.replace("_", " ")} | {v} |' for k, v in f.items()]
    keys = ('sent', 'answered', 'crashes', 'tracebacks', 'lost', 'stuck', 'peak_memory_mb')
    lines += ['', '| probe | ' + ' | '.join(k.replace('_', ' ') for k in keys) + ' |', '|---' * (len(keys) + 1) + '|']
    for name, probe in result['probes'].items():
        cells = ['-' if probe[k] is None else str(probe[k]) for k in keys]
        lines.append(f'| {name.replace("_", " ")} | ' + ' | '.join(cells) + ' |')
    p, m, down = result['probes'], result['memory_bound'], result['probes']['service_down']
    lines += [
        '',
        'Service memory under client floods (VmHWM, MB; bound = memory before + what the admitted connections may make '
        'it hold, as the service announces it):',
        '',
        '| flood | peak | bound |',
        '|---|---|---|',
    ]
    lines += [f'| {n.replace("_", " ")} | {m[f"{n}_peak_mb"]} | {m[f"{n}_bound_mb"]} |' for n in MEMORY_PROBES]
    o = p['overload']
    lines += [
        '',
        f'Concurrent flood: two clients each sending a {p["flood_concurrent"]["message_mb"]} MB message of 1 KiB '
        f'frames; unfinished: two {p["unfinished_message"]["message_mb"]} MB messages that never end and 20 small ones '
        f'left waiting (all closed within {p["unfinished_message"]["seconds_to_close_all"]} s); many connections: '
        f'{p["many_connections"]["sent"]} at once ({p["many_connections"]["refused_at_the_cap"]} refused at the cap); keyed: '
        f'two boards with valid keys sending {p["keyed_flood"]["message_mb"]} MB each, 50 keyless clients refused by '
        f'CURVE. Overload: {o["sent"]} scans from 50 boards at the default 2 s timeout: {o["completed_by_the_runs"]} '
        f'completed by the runs, the rest by --complete-pending; {o["answered_busy"]} requests answered busy, '
        f'{o["dropped_unanswered"]} dropped unanswered (their clients had stopped waiting), {o["served"]} completions '
        f'computed for {o["answered"]} scans. A crafted {p["crafted_pending_file"]["file_mb"]} MB pending file that '
        f'expands to {p["crafted_pending_file"]["expands_to_mb"]} MB: --complete-pending peaked at '
        f'{p["crafted_pending_file"]["peak_memory_mb"]} MB. '
        f'Service down: --complete-pending gave up after {down["seconds"]} s with "{down["last_line"]}".',
    ]
    lines += ['', '| criterion | met |', '|---|---|']
    lines += [f'| {k} | {"yes" if v else "NO"} |' for k, v in result['criteria'].items()]
    return '\n'.join(lines) + '\n'


def main() -> int:
    from model.cli import Parser, integer

    p = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--messages', type=integer(0, 10**9), default=20_000, help='fuzzed messages (default %(default)s)')
    p.add_argument('--scans', type=integer(1, 10**9), default=1000, help='at least this many scans in the fault run')
    p.add_argument('--service-kills', type=integer(0, 10**9), default=10)
    p.add_argument('--board-kills', type=integer(0, 10**9), default=5)
    p.add_argument('--per-run', type=integer(1, 10**9), default=150, help='scans each board program is asked for')
    p.add_argument(
        '--overload-boards', type=integer(1, 1000), default=50, help='board programs at once in the overload probe'
    )
    p.add_argument('--seed', type=integer(0, 2**32 - 1), default=0)
    p.add_argument('--out', default='bench/results/reliability.json')
    args = p.parse_args()
    result = {
        'command': 'python bench/reliability.py ' + ' '.join(sys.argv[1:]),
        'machine': f'{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}',
        'load_average_at_start': round(os.getloadavg()[0], 2),
        'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
    }
    result['fuzz'] = fuzz_run(args.messages, args.seed)
    print(json.dumps(result['fuzz']), flush=True)
    with tempfile.TemporaryDirectory() as work:
        result['fault_run'] = fault_run(
            args.scans, args.service_kills, args.board_kills, args.per_run, args.seed, Path(work)
        )
    print(json.dumps(result['fault_run']), flush=True)
    with tempfile.TemporaryDirectory() as work:
        result['probes'] = probes(Path(work), args.overload_boards)
    result['memory_bound'] = memory_bound(result['probes'])
    print(json.dumps(result['probes']), flush=True)
    result['criteria'] = criteria(result, args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + '\n')
    out.with_suffix('.md').write_text(markdown(result))
    print(markdown(result))
    return 0 if all(result['criteria'].values()) else 1


if __name__ == '__main__':
    sys.exit(main())
