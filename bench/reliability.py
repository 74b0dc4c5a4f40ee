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
Every count is computed from the files; the exit status is 1 when any criterion fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
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
from host_helpers import PYTHON, free_port, smooth_images, start_scanning_host, start_service, stop  # noqa: E402

from host.completers import interpolate  # noqa: E402
from host.store import ScanStore  # noqa: E402


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
    lines += ['', '| criterion | met |', '|---|---|']
    lines += [f'| {k} | {"yes" if v else "NO"} |' for k, v in result['criteria'].items()]
    return '\n'.join(lines) + '\n'


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--messages', type=int, default=20_000, help='fuzzed messages (default %(default)s)')
    p.add_argument('--scans', type=int, default=1000, help='at least this many scans in the fault run')
    p.add_argument('--service-kills', type=int, default=10)
    p.add_argument('--board-kills', type=int, default=5)
    p.add_argument('--per-run', type=int, default=150, help='scans each board program is asked for')
    p.add_argument('--seed', type=int, default=0)
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
    result['criteria'] = criteria(result, args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + '\n')
    out.with_suffix('.md').write_text(markdown(result))
    print(markdown(result))
    return 0 if all(result['criteria'].values()) else 1


if __name__ == '__main__':
    sys.exit(main())
