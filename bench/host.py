"""Board-program benchmarks on loopback: end-to-end scans/s per actor backend, host overhead per decision,
completion-service throughput by batch size, and a fault run (service SIGKILLed and restarted mid-run).

    python bench/host.py                          # all parts -> bench/results/host.json (+ the table in docs/host.md)
    python bench/host.py --scans 100 --fault-scans 500 --kills 5

Correctness is asserted before any number is written: every scan completed exactly once, the integer backends
chose identical paths, none lost, none duplicated.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')  # see host/generator_service.py
import numpy as np  # noqa: E402

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from host.actors import DEFAULT_ACTOR_DIR, ActorError, make_actor  # noqa: E402
from host.client import CompletionClient  # noqa: E402
from host.microscope import SimulatedMicroscope, load_images  # noqa: E402
from host.run_scan import run_scans  # noqa: E402
from host.sender import Sender, complete_pending  # noqa: E402
from host.store import ScanStore  # noqa: E402
from model.geometry import DEFAULT_GEOMETRY  # noqa: E402
from tests.host_helpers import free_port, smooth_images, start_scanning_host, start_service, stop  # noqa: E402


def end_to_end(backend: str, images, scans: int, port: int, args) -> dict:
    """Scans through the whole pipeline (actor, microscope, store, sender, service); paths kept for comparison."""
    actor = make_actor(backend, args.actor_dir, args.checkpoint)
    with tempfile.TemporaryDirectory() as d:
        store = ScanStore(d)
        sender = Sender(store, CompletionClient(f'tcp://127.0.0.1:{port}', timeout_s=30))
        sender.start()
        scope = SimulatedMicroscope(images, dwell_s=args.dwell_us * 1e-6)
        t0 = time.perf_counter()
        timings = run_scans(actor, scope, store, sender, scans, run_id=backend)
        acquired = time.perf_counter() - t0
        sender.stop(600)
        total = max(sender.completed_at.values()) - t0
        assert store.pending_ids() == [] and len(store.done_ids()) == scans, 'every scan must be completed once'
        paths = np.stack([store.load(s['scan_id'], 'done')[0]['positions'] for s in timings])
        actor_s = sum(s['actor_s'] for s in timings)
        scope_s = sum(s['scan_s'] for s in timings)
        loop_s = sum(s['t_end'] - s['t_start'] for s in timings)
        decisions = scans * DEFAULT_GEOMETRY.segments
        pipeline = [
            {
                'scan': k,
                'scan_start_ms': 1e3 * (s['t_start'] - t0),
                'scan_end_ms': 1e3 * (s['t_end'] - t0),
                'completed_ms': 1e3 * (sender.completed_at[s['scan_id']] - t0),
            }
            for k, s in enumerate(timings[:6])
        ]
        overlapped = sum(timings[k + 1]['t_start'] < sender.completed_at[timings[k]['scan_id']] for k in range(scans - 1))
    return {
        'backend': backend,
        'scans': scans,
        'dwell_us_per_probe': args.dwell_us,
        'acquisition_scans_per_s': scans / acquired,
        'end_to_end_scans_per_s': scans / total,
        'actor_us_per_decision': 1e6 * actor_s / decisions,
        'microscope_us_per_segment': 1e6 * scope_s / decisions,
        'host_overhead_us_per_decision': 1e6 * (loop_s - actor_s - scope_s) / decisions,
        'scans_started_before_previous_completed': int(overlapped),
        'pipeline_first_scans': pipeline,
    }, paths


def scripted_partial_scans(images, n: int) -> list:
    """Partial scans (H, W, 2) of the first n images along the scripted path: the requests of the speed measurements."""
    from host.scan import acquire

    scope = SimulatedMicroscope(images, dwell_s=0)
    return [acquire(make_actor('scripted'), scope, DEFAULT_GEOMETRY)[0]['partial_scan'] for _ in range(n)]


def service_throughput(completer: list[str], batch_sizes, requests: int, images) -> list[dict]:
    """Completions per second through the service with `window` requests outstanding and --max-batch window."""
    import zmq

    from host import schema

    partials = scripted_partial_scans(images, 8)
    rows = []
    for batch in batch_sizes:
        port = free_port()
        t = time.perf_counter()
        proc = start_service(port, *completer, '--max-batch', str(batch), '--batch-wait-ms', '5', wait_s=300)
        startup_s = time.perf_counter() - t
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.connect(f'tcp://127.0.0.1:{port}')
        for warm in range(batch):  # first calls build the graph
            sock.send_multipart(schema.request(f'w{warm}', partials[0]))
        for _ in range(batch):
            sock.recv_multipart()
        sent = received = 0
        t = time.perf_counter()
        while received < requests:
            while sent < requests and sent - received < 2 * batch:
                sock.send_multipart(schema.request(f'r{sent}', partials[sent % len(partials)]))
                sent += 1
            scan_id, image = schema.parse_reply(sock.recv_multipart(), (96, 96))
            assert image.shape == (96, 96) and np.isfinite(image).all()
            received += 1
        rows.append({'max_batch': batch, 'completions_per_s': requests / (time.perf_counter() - t), 'startup_s': startup_s})
        sock.close(0)
        stop(proc)
    return rows


def fault_run(images_path: str, scans: int, kills: int, interval_s: float) -> dict:
    """run_scan.py as its own process; the service is SIGKILLed and restarted `kills` times while it scans."""
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        service = start_service(port, '--completer', 'interpolate')
        host = start_scanning_host(images_path, scans, port, d, drain_s=120)
        done_kills = 0
        for _ in range(kills):
            time.sleep(interval_s)
            if host.poll() is not None:
                break
            os.kill(service.pid, signal.SIGKILL)
            service.wait()
            done_kills += 1
            time.sleep(0.3)
            service = start_service(port, '--completer', 'interpolate')
        assert host.wait(600) == 0
        store = ScanStore(d)
        later = len(store.pending_ids())
        complete_pending(store, CompletionClient(f'tcp://127.0.0.1:{port}', timeout_s=10))
        stop(service)
        ids = store.done_ids()
        expected = {f'{i}' for i in range(scans)}
        got = [s.rsplit('-', 1)[1].lstrip('0') or '0' for s in ids]
        duplicated = len(got) - len(set(got)) + store.duplicates + (Path(d, 'duplicates.log').exists())
        lost = len(expected - set(got)) + len(store.pending_ids())
        tifs = len(list(store.done.glob('*.tif')))
    result = {
        'scans': scans,
        'kills': done_kills,
        'completed_later_with_complete_pending': later,
        'completed': len(ids),
        'tiffs': tifs,
        'lost': lost,
        'duplicated': duplicated,
    }
    assert lost == 0 and duplicated == 0 and tifs == scans, result
    return result


def reference_engines(actor_dir: str, decisions: int = 400) -> list[dict]:
    """Microseconds per single decision of the integer reference: da4ml's compiled interpreter vs NumPy alone (what the
    board runs when da4ml is not installed), on the same observations; their actions must be equal."""
    from hls.reference import ReferenceActor

    rows, actions = [], {}
    for engine in ('da4ml', 'numpy'):
        actor = ReferenceActor.from_file(actor_dir, engine=engine)
        rng = np.random.default_rng(0)
        obs = rng.integers(actor.contract.input.qmin, actor.contract.input.qmax + 1, (decisions, actor.contract.obs_dim))
        t = time.perf_counter()
        actions[engine] = np.stack([actor.step(o, first=i % 20 == 0) for i, o in enumerate(obs)])
        rows.append(
            {
                'engine': engine,
                'decisions': decisions,
                'us_per_decision': round((time.perf_counter() - t) / decisions * 1e6, 1),
            }
        )
    assert np.array_equal(actions['da4ml'], actions['numpy']), 'the NumPy interpreter disagrees with da4ml'
    return rows


PARTS = ('end-to-end', 'service', 'faults')


def bare_generator_rate(checkpoint: str, images, calls: int) -> float:
    """Completions per second of the generator called in this process at batch 1 (the completer the service runs, no
    sockets, no validation): what the service's batch-1 rate is measured against."""
    from host.workstation import GeneratorCompleter

    completer = GeneratorCompleter(checkpoint)
    partial = scripted_partial_scans(images, 1)[0][None]
    for _ in range(3):  # the first calls build the graph
        completer(partial)
    start = time.perf_counter()
    for _ in range(calls):
        completer(partial)
    return calls / (time.perf_counter() - start)


def generator_checkpoint(path: str | None, tmp: str) -> tuple[str, str]:
    """The trained generator if there is one, else the paper-size architecture with random weights."""
    if path and Path(path, 'generator.keras').is_file():
        return path, 'trained checkpoint'
    from model.networks import GeneratorSpec, build_generator
    from training.checkpoint import write_manifest

    build_generator(DEFAULT_GEOMETRY, GeneratorSpec()).save(Path(tmp, 'generator.keras'))
    write_manifest(Path(tmp))
    return tmp, 'random weights, paper-size architecture (no trained checkpoint found)'


def markdown(result: dict) -> str:
    """The results as the tables in docs/host.md."""
    lines = [
        f'Measured on {result["machine"]} (load average {result["load_average_at_start"]} at the start of the last run: '
        f'a shared machine), loopback, images: {result["images"]}; '
        + ', '.join(f'{part} on {date}' for part, date in result.get('measured', {'all parts': result['date']}).items())
        + '.',
        '',
        '| backend | scans | acquisition scans/s | end-to-end scans/s | actor us/decision | '
        'host overhead us/decision | microscope us/segment |',
        '|---|---|---|---|---|---|---|',
    ]
    for r in result['end_to_end']:
        if 'skipped' in r:
            lines.append(f'| {r["backend"]} | skipped: {r["skipped"]} | | | | | |')
            continue
        lines.append(
            f'| {r["backend"]} | {r["scans"]} | {r["acquisition_scans_per_s"]:.1f} | {r["end_to_end_scans_per_s"]:.1f} '
            f'| {r["actor_us_per_decision"]:.0f} | {r["host_overhead_us_per_decision"]:.0f} '
            f'| {r["microscope_us_per_segment"]:.0f} |'
        )
    first = next(r for r in result['end_to_end'] if 'skipped' not in r)
    lines += [
        '',
        f'Pipelining ({first["backend"]}): {first["scans_started_before_previous_completed"]} of '
        f"{first['scans'] - 1} scans started before the previous scan's completion came back.",
        '',
        '| scan | scan start (ms) | scan end (ms) | completion back (ms) |',
        '|---|---|---|---|',
    ]
    lines += [
        f'| {p["scan"]} | {p["scan_start_ms"]:.1f} | {p["scan_end_ms"]:.1f} | {p["completed_ms"]:.1f} |'
        for p in first['pipeline_first_scans']
    ]
    lines += [
        '',
        'Integer reference, one decision at a time (the board runs the NumPy engine where da4ml is not installed):',
        '',
    ]
    lines += ['| engine | us/decision |', '|---|---|'] + [
        f'| {r["engine"]} | {r["us_per_decision"]:.0f} |' for r in result['reference_engines']
    ]
    svc = result['service']
    lines += [
        '',
        f'Completion service on {svc["device"]}, generator: {svc["generator"]}.',
        '',
        '| completer | max batch | completions/s | service start-up (s) |',
        '|---|---|---|---|',
    ]
    for name in ('generator', 'interpolate'):
        lines += [
            f'| {name} | {r["max_batch"]} | {r["completions_per_s"]:.1f} | {r["startup_s"]:.1f} |'
            for r in svc[f'{name}_by_batch']
        ]
    if 'bare_generator_batch1_per_s' in svc:
        lines += [
            f'| the generator called in-process, no service (same run) | 1 | {svc["bare_generator_batch1_per_s"]:.1f} | - |',
            '',
            f'At batch 1 the service delivers {100 * svc.get("service_over_bare_batch1", float("nan")):.0f} % of the bare '
            "generator's rate.",
        ]
    f = result['fault_run']
    lines += [
        '',
        f'Fault run: {f["scans"]} scans, service SIGKILLed and restarted {f["kills"]} times: {f["completed"]} '
        f'completed ({f["completed_later_with_complete_pending"]} of them later with --complete-pending), '
        f'lost {f["lost"]}, duplicated {f["duplicated"]}.',
    ]
    return '\n'.join(lines) + '\n'


def write_docs(result: dict, path: Path) -> None:
    """Replace the text between the two bench markers in docs/host.md."""
    start, end = '<!-- bench/host.py results -->', '<!-- end of bench/host.py results -->'
    text = path.read_text()
    if start in text and end in text:
        text = text[: text.index(start) + len(start)] + '\n' + markdown(result) + text[text.index(end) :]
        path.write_text(text)


def main() -> None:
    from model.cli import Parser, integer, real

    p = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--scans', type=integer(1, 10**9), default=50, help='scans per backend for the end-to-end rate')
    p.add_argument('--backends', nargs='+', default=['reference', 'rtl-sim', 'scripted'])
    p.add_argument('--actor-dir', default=DEFAULT_ACTOR_DIR)
    p.add_argument('--checkpoint', default='checkpoints/quality')
    p.add_argument('--images', default='procedural', help='procedural or a .npy file')
    p.add_argument('--dwell-us', type=real(0, 1e6), default=1.0)
    p.add_argument('--batch-sizes', type=integer(1, 4096), nargs='+', default=[1, 4, 16, 32])
    p.add_argument('--requests', type=integer(1, 10**9), default=64, help='completions per batch size')
    p.add_argument('--fault-scans', type=integer(0, 10**9), default=300)
    p.add_argument('--kills', type=integer(0, 10**9), default=4)
    p.add_argument('--out', default='bench/results/host.json')
    p.add_argument('--docs', default='docs/host.md', help='markdown file whose results section is rewritten')
    p.add_argument(
        '--parts', nargs='+', choices=PARTS, default=list(PARTS), help='what to measure; the others are kept from --out'
    )
    args = p.parse_args()
    try:
        images = load_images(args.images)
    except Exception as e:  # the embedded data set may not be built yet: smooth random images instead
        print(f'cannot load {args.images} ({e}); using smooth random images', file=sys.stderr)
        images = smooth_images(32)
    previous = json.loads(Path(args.out).read_text()) if Path(args.out).is_file() else {}
    result = {
        **previous,
        'machine': f'{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}',
        'load_average_at_start': round(os.getloadavg()[0], 2),
        'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
        'images': args.images,
    }
    result['measured'] = {**previous.get('measured', {}), **{part: result['date'] for part in args.parts}}
    if 'end-to-end' in args.parts:
        port = free_port()
        service = start_service(port, '--completer', 'interpolate')
        runs, paths = [], {}
        try:
            for backend in args.backends:
                try:
                    row, paths[backend] = end_to_end(backend, images, args.scans, port, args)
                except ActorError as e:
                    print(f'skipping {backend}: {e}', file=sys.stderr)
                    runs.append({'backend': backend, 'skipped': str(e)})
                    continue
                runs.append(row)
                print(json.dumps({k: v for k, v in row.items() if k != 'pipeline_first_scans'}), flush=True)
        finally:
            stop(service)
        integer = [b for b in ('reference', 'rtl-sim') if b in paths]
        for b in integer[1:]:
            assert np.array_equal(paths[b], paths[integer[0]]), f'{b} chose different paths than {integer[0]}'
        result['end_to_end'] = runs
        result['reference_engines'] = reference_engines(args.actor_dir)
        print(json.dumps(result['reference_engines']), flush=True)
        result['integer_backends_identical_paths'] = integer
    if 'service' in args.parts:
        with tempfile.TemporaryDirectory() as tmp:
            ckpt, what = generator_checkpoint(args.checkpoint, tmp)
            result['service'] = {
                'generator': what,
                'device': 'CPU (TensorFlow)',
                'generator_by_batch': service_throughput(['--checkpoint', ckpt], args.batch_sizes, args.requests, images),
                'interpolate_by_batch': service_throughput(['--completer', 'interpolate'], [1, 16], args.requests, images),
                'bare_generator_batch1_per_s': bare_generator_rate(ckpt, images, args.requests),
            }
            batch1 = next((r for r in result['service']['generator_by_batch'] if r['max_batch'] == 1), None)
            if batch1 is not None:
                result['service']['service_over_bare_batch1'] = (
                    batch1['completions_per_s'] / result['service']['bare_generator_batch1_per_s']
                )
        print(json.dumps(result['service']), flush=True)
    if 'faults' in args.parts:
        with tempfile.TemporaryDirectory() as tmp:
            np.save(Path(tmp, 'images.npy'), images[:16])
            result['fault_run'] = fault_run(str(Path(tmp, 'images.npy')), args.fault_scans, args.kills, 0.8)
        print(json.dumps(result['fault_run']), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + '\n')
    write_docs(result, Path(args.docs))
    print(markdown(result))
    print(f'wrote {args.out} and {args.docs}')


if __name__ == '__main__':
    main()
