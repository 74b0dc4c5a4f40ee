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
   bad pending entries (a scan of strings, a folder named like a scan, a scan without probes), a down service, one
   message of 400,000 small frames (the service's peak and after memory), a malformed board key, images with nothing
   to scan, and a mistake in every command of the project (`cli_mistakes`: one line, exit 2, no traceback).
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
from host_helpers import PYTHON, free_port, memory_bytes, smooth_images, start_scanning_host, start_service, stop  # noqa: E402

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
    port = free_port()
    service = start_service(port, '--completer', 'interpolate')
    try:
        r = run_program('host/run_scan.py', '--complete-pending', '--out', str(store.root), '--server', f'127.0.0.1:{port}')
    finally:
        stop(service)
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


def probe_many_frames_flood(frames: int = 400_000, frame_bytes: int = 1024) -> dict:
    """One message of many small frames, each under ZeroMQ's per-frame limit. Peak: the service's VmHWM (libzmq holds a
    whole multipart message before the first frame can be read); after: its resident memory once refused."""
    import zmq

    from host import schema
    from host.client import CompletionClient

    port = free_port()
    service = start_service(port, '--completer', 'interpolate')
    try:
        before = _memory_mb(service.pid, 'VmRSS')
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.SNDHWM, 0)
        sock.connect(f'tcp://127.0.0.1:{port}')
        for _ in range(frames - 1):
            sock.send(b'\0' * frame_bytes, zmq.SNDMORE)
        sock.send(b'\0' * frame_bytes)
        answered = sock.poll(120_000) and schema.parse_header(sock.recv_multipart()[0])['kind'] == 'error'
        sock.close(0)
        client = CompletionClient(f'tcp://127.0.0.1:{port}', timeout_s=10)
        client.ping()
        client.close()
        return row(
            sent=1,
            answered=int(bool(answered)),
            crashes=int(service.poll() is not None),
            peak_memory_mb=_memory_mb(service.pid, 'VmHWM'),
            message_mb=round(frames * frame_bytes / 2**20, 1),
            memory_before_mb=before,
            memory_after_mb=_memory_mb(service.pid, 'VmRSS'),
        )
    finally:
        stop(service)


def _memory_mb(pid: int, key: str) -> float:
    return round(memory_bytes(pid, key) / 2**20, 1)


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


def probes(work: Path) -> dict:
    return {
        'bad_pending_entries': probe_bad_pending_entries(work),
        'service_down': probe_service_down(work),
        'many_frames_flood': probe_many_frames_flood(),
        'malformed_board_key': probe_malformed_board_key(work),
        'images_with_nothing_to_scan': probe_images_with_nothing_to_scan(work),
        'cli_mistakes': probe_cli_mistakes(work),
    }


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
        'probes: memory back within 50 MB of its start after a many-frames flood': (
            result['probes']['many_frames_flood']['memory_after_mb']
            - result['probes']['many_frames_flood']['memory_before_mb']
            < 50
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
        f'{z["errors"]} error replies, {z["pongs"]} pongs (mutated into a ping), {z["dropped"]} dropped by ZeroMQ '
        f'(a frame over the limit); {z["crashes"]} crashes, {z["unanswered"]} unanswered, {z["wrong"]} replies of '
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
    flood, down = result['probes']['many_frames_flood'], result['probes']['service_down']
    lines += [
        '',
        f'Many-frames flood: one message of {flood["message_mb"]} MB in 1 KiB frames; the service held '
        f'{flood["memory_before_mb"]} MB before, peaked at {flood["peak_memory_mb"]} MB (libzmq assembles a whole '
        f'multipart message before the first frame can be read) and held {flood["memory_after_mb"]} MB after refusing it. '
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
        result['probes'] = probes(Path(work))
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
