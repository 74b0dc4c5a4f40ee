"""Adaptive partial scans: the actor core picks each segment's direction, the service completes finished scans.

On a PYNQ-Z2 board (actor core in the FPGA, generator service on a GPU workstation; keys from python -m host.keys):
    python host/run_scan.py --overlay actor.bit --server gpu-host:5555 --keys keys/board --scans 100
On a workstation, against a simulated microscope, completed in the same process (the best measured policy, or
--policy NAME of checkpoints/policies.json; --actor reference scans with the integer core instead):
    python host/run_scan.py --actor policy --server local --scans 20 --out scans/
or completed by a service, as on the board:
    python -m host.generator_service --completer interpolate &          # or --checkpoint checkpoints/quality
    python host/run_scan.py --microscope sim --actor reference --scans 20 --out scans/
Later, finish scans that the service could not complete in time:
    python host/run_scan.py --complete-pending --out scans/

Every scan is written to OUT/pending/ before it is sent, moved to OUT/done/ (with its completion as a TIFF) once
completed, exactly once. Scanning never waits for the service: a sender thread completes scans in the background,
retrying with backoff; if the service is down, or its replies are not valid completions, scans wait in pending/.
--complete-pending first recovers whole scans a killed run left in temporary files; two of them on one OUT take
turns. Each run also writes OUT/run-<run_id>.hspy: its scans, paths, completions and, for the simulated microscope, the
images scanned and each completion's MSE against its image (host/run_stack.py). Exit status: 0 when every scan was acquired; 2 on bad arguments, images or folders, or when the actor backend
or the microscope failed (the scans acquired until then are kept); 3 when --complete-pending left scans pending or
the sender thread failed (the scans wait in pending/).
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import sys
import time
import uuid
from pathlib import Path

if __package__ in (None, ''):  # run as a script (python host/run_scan.py): make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from host.actors import BACKENDS, DEFAULT_ACTOR_DIR, ActorError, make_actor  # noqa: E402
from host.client import BadAddress, CompletionClient  # noqa: E402
from host.keys import KeyFileError  # noqa: E402
from host.sender import Sender, complete_pending  # noqa: E402
from host.store import ScanStore, StoreError  # noqa: E402
from model import cli, policies  # noqa: E402
from model.geometry import DEFAULT_GEOMETRY, ScanGeometry  # noqa: E402
from model.microscopy_files import DataError  # noqa: E402


def _log(message: str) -> None:
    print(f'[run_scan] {message}', file=sys.stderr, flush=True)


def run_scans(
    actor,
    microscope,
    store: ScanStore,
    sender: Sender | None,
    scans: int,
    geometry: ScanGeometry = DEFAULT_GEOMETRY,
    run_id: str | None = None,
) -> list[dict]:
    """Acquire `scans` scans; each is stored, then queued for completion while the next one runs.

    Returns one timing record per scan (scan_id, t_start, t_end in perf_counter seconds, actor_s, scan_s).
    An actor or microscope failure propagates after the scans acquired so far are stored and queued.
    """
    from host.scan import acquire

    run_id = run_id or time.strftime('%Y%m%d-%H%M%S-') + uuid.uuid4().hex[:6]
    timings = []
    for k in range(scans):
        scan_id = f'{run_id}-{k:05d}'
        t0 = time.perf_counter()
        arrays, meta = acquire(actor, microscope, geometry)
        t1 = time.perf_counter()
        store.add(scan_id, arrays, meta)
        if sender is not None:
            sender.submit(scan_id)
        timings.append(
            {
                'scan_id': scan_id,
                't_start': t0,
                't_end': t1,
                't_stored': time.perf_counter(),
                'actor_s': float(arrays['actor_s'].sum()),
                'scan_s': float(arrays['scan_s'].sum()),
            }
        )
    return timings


def figure(path: Path, arrays: dict, meta: dict, image) -> None:
    """PNG: the scan path over its completion."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(6, 3))
    ax[0].imshow(arrays['partial_scan'][..., 0], cmap='gray', vmin=-1, vmax=1)
    pos = arrays['positions'].reshape(-1, 2)
    ax[0].plot(pos[:, 1], pos[:, 0], 'r-', lw=0.6)
    ax[0].set_title(f'path ({meta["backend"]})', fontsize=8)
    ax[1].imshow(image, cmap='gray', vmin=-1, vmax=1)
    ax[1].set_title('completion', fontsize=8)
    for a in ax:
        a.axis('off')
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def parse_args(argv=None) -> argparse.Namespace:
    p = cli.Parser(prog='run_scan.py', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_argument_group('actor')
    g.add_argument(
        '--actor',
        choices=BACKENDS,
        default=None,
        help='actor backend (default: pynq with --overlay, else reference): pynq = whole scans in the FPGA on the '
        "board, rtl-sim = the core's RTL in a simulator, reference = bit-exact integer model, float = trained Keras "
        'actor (needs TensorFlow), policy = a registered policy (--policy), scripted = fixed turning path, no model',
    )
    g.add_argument(
        '--policy',
        default=None,
        help=f'--actor policy: a policy of checkpoints/policies.json, {", ".join(policies.names())} (default: the best '
        f'measured one, {policies.default_name()})',
    )
    g.add_argument('--overlay', default=None, help='bitstream (.bit, with its .hwh beside it) holding the actor core')
    g.add_argument(
        '--actor-dir', default=DEFAULT_ACTOR_DIR, help='quantized actor folder with contract.json (default %(default)s)'
    )
    g.add_argument(
        '--checkpoint',
        default=None,
        help="--actor float and --server local: checkpoint folder (default: the registered actor's)",
    )
    g.add_argument(
        '--device-timeout',
        type=cli.real(0, 3600, above=True),
        default=1.0,
        help='seconds to wait for one scan from the FPGA, in (0, 3600]',
    )
    g.add_argument(
        '--detector-offset',
        type=cli.integer(-(2**15), 2**15 - 1),
        default=0,
        help='pynq: raw detector sample that maps to 0 (signed 16 bits)',
    )
    g.add_argument(
        '--detector-gain',
        type=cli.real(0, 1, above=True),
        default=2.0**-14,
        help='pynq: feature units per raw count, in (0, 1] (24 fraction bits)',
    )
    g = p.add_argument_group('microscope')
    g.add_argument('--microscope', choices=('sim',), default='sim', help='sim: simulated microscope reading --images')
    g.add_argument(
        '--images',
        default='procedural',
        help='"procedural" (embedded test split), or a file or folder of images (.npy .npz .dm3 .dm4 .emd .tif .hspy)',
    )
    cli.add_image_options(g)
    g.add_argument('--first-image', type=cli.integer(0, 2**31), default=0, help='index of the first image to scan')
    g.add_argument(
        '--dose',
        type=cli.real(0, 1e9, above=True),
        default=None,
        help='electrons per probe for Poisson shot noise, in (0, 1e9] (default: noiseless)',
    )
    g.add_argument(
        '--jitter', type=cli.real(0, 96), default=0.0, help='scan-position jitter, standard deviation in pixels, [0, 96]'
    )
    g.add_argument('--dwell-us', type=cli.real(0, 1e6), default=1.0, help='dwell time per probe in microseconds, [0, 1e6]')
    g.add_argument('--seed', type=cli.integer(0, 2**63), default=0, help='seed of the shot noise and jitter')
    g = p.add_argument_group('scans and completion')
    g.add_argument('--scans', type=cli.integer(0, 10**9), default=10, help='number of scans to acquire')
    g.add_argument('--out', default='scans', help='folder for pending/, done/ and corrupt/ (default %(default)s)')
    g.add_argument(
        '--server',
        type=lambda text: text if text == 'local' else cli.endpoint(text),
        default='127.0.0.1:5555',
        help='completion service HOST:PORT; "local" to complete in this process (workstation, TensorFlow); "none" to only '
        'store scans',
    )
    g.add_argument(
        '--keys', default=None, help="this board's key folder from python -m host.keys DIR (DIR/NAME): CURVE encryption"
    )
    g.add_argument('--timeout', type=cli.real(0, 3600, above=True), default=2.0, help='seconds to wait for one completion')
    g.add_argument(
        '--retries', type=cli.integer(0, 100), default=3, help='retries per scan before it waits in pending/ for later'
    )
    g.add_argument('--drain', type=cli.real(0, 1e6), default=30.0, help='seconds to wait for the sender after the last scan')
    g.add_argument('--figures', action='store_true', help='write a PNG of path and completion beside each completed scan')
    g.add_argument(
        '--complete-pending', action='store_true', help='only complete the scans waiting in OUT/pending/, then exit'
    )
    args = p.parse_args(argv)
    if args.actor is None:
        args.actor = 'pynq' if args.overlay else 'reference'
    if args.complete_pending and args.server == 'none':
        p.error('--complete-pending needs --server HOST:PORT (or local)')
    try:
        args.policy_entry = policies.get(args.policy)
        args.completion_checkpoint = (
            args.policy_entry.checkpoint if args.actor == 'policy' else (args.checkpoint or policies.get('actor').checkpoint)
        )
    except policies.PolicyError as e:
        p.error(str(e))
    if args.figures and importlib.util.find_spec('matplotlib') is None:
        p.error('--figures needs matplotlib (pip install matplotlib), or leave --figures out')
    return args


def report_recovered(store: ScanStore) -> None:
    """Recover the scans a killed run left in temporary files, and say what was found."""
    recovered, incomplete = store.recover()
    if recovered:
        _log(f'recovered {len(recovered)} whole scan(s) a killed run left in temporary files: now in {store.pending}')
    if incomplete:
        _log(f'{len(incomplete)} half-written scan file(s) of an interrupted run moved to {store.corrupt}')


def main(argv=None) -> int:
    args = parse_args(argv)
    cli.setup_logging(args, '[run_scan]')  # the image loader's notes (a trimmed edge, NaN) as one line each
    try:
        store = ScanStore(args.out)
        if args.server == 'local':
            from host.workstation import LocalClient  # Keras and training/: a workstation, never the board

            client = LocalClient(args.completion_checkpoint)
            _log(f'completing in this process with {args.completion_checkpoint} on {client.device}')
        else:
            client = None if args.server == 'none' else CompletionClient(f'tcp://{args.server}', args.keys, args.timeout)
    except (StoreError, KeyFileError, BadAddress) as e:
        _log(f'error: {e}')
        return 2
    except (FileNotFoundError, ImportError) as e:
        _log(f'error: --server local cannot load a generator ({e}): pass --checkpoint a checkpoint folder')
        return 2
    draw = figure if args.figures else None
    if args.complete_pending:
        try:
            with store.exclusive(lambda: _log(f'another --complete-pending is running on {store.root}: waiting for it')):
                report_recovered(store)
                outcomes = complete_pending(store, client, args.retries, 0.1, draw)
        except OSError as e:  # a full disk, a folder made read-only: the scans stay in pending/
            _log(f'error: {e}; the scans not completed wait in {store.pending}')
            return 3
        finally:
            client.close()
        left, count = len(store.pending_ids()), collections.Counter(outcomes.values())
        _log(
            f'{count["done"]} completed, {count["elsewhere"]} taken by another process, {left} still pending '
            f"({count['mismatch']} of another image size than the service's), {count['corrupt']} corrupt (moved to "
            f'{store.corrupt}), {count["refused"]} refused (moved to {store.refused}, reasons beside them)'
        )
        if count['waiting']:
            _log(
                f'error: the completion service at {args.server} did not answer: {left} scan(s) wait in {store.pending}; '
                'start it and run --complete-pending again'
            )
        return 0 if left == 0 else 3

    from host.microscope import SimulatedMicroscope, load_images

    try:
        images = load_images(args.images, downsample=args.downsample, pixel_size=args.pixel_size)
    except DataError as e:
        _log(f'error: {e}')
        return 2
    if args.first_image >= len(images):
        _log(
            f'error: --first-image {args.first_image} is beyond the {len(images)} images of {args.images}: pass 0 to {len(images) - 1}'
        )
        return 2
    microscope = SimulatedMicroscope(images, args.dose, args.jitter, args.dwell_us * 1e-6, args.seed, args.first_image)
    try:
        from hls.contract import GAIN, DetectorCalibration

        calibration = DetectorCalibration(offset=args.detector_offset, gain=round(args.detector_gain * 2**GAIN.frac))
        actor = make_actor(
            args.actor, args.actor_dir, args.checkpoint, args.overlay, args.device_timeout, calibration, args.policy
        )
    except (ActorError, ValueError) as e:
        _log(f'error: {e}')
        return 2
    report_recovered(store)
    sender = None if client is None else Sender(store, client, args.retries, 0.1, draw)
    if sender is not None:
        sender.start()
    status = 0
    run_id = time.strftime('%Y%m%d-%H%M%S-') + uuid.uuid4().hex[:6]
    t0 = time.perf_counter()
    try:
        run_scans(actor, microscope, store, sender, args.scans, run_id=run_id)
    except Exception as e:  # a dead backend or microscope, a full disk: keep what was acquired, report, exit non-zero
        stored = [i for i in store.pending_ids() + store.done_ids() if i.startswith(run_id)]
        _log(
            f'error: scanning stopped after {len(stored)} stored scans '
            f'({type(e).__name__}: {e}); the stored scans are kept in {store.root}'
        )
        status = 2
    elapsed = time.perf_counter() - t0
    if sender is not None:
        sender.stop(args.drain)
        if sender.error is not None:
            _log(f'error: the sender thread failed ({sender.error}): finish the pending scans with --complete-pending')
            status = status or 3
    done = sum(o == 'done' for o in (sender.outcomes.values() if sender else []))
    device = getattr(client, 'device', None) or (
        'none (--server none)' if client is None else f'the service at {args.server}'
    )
    stored = sum(i.startswith(run_id) for i in store.pending_ids() + store.done_ids() + store.refused_ids())
    _log(
        f'{stored} scans stored in {elapsed:.2f} s ({stored / max(elapsed, 1e-9):.1f} scans/s, actor {actor.name}); '
        f'{done} completed now{"" if client is None else f" on {device}"}, {len(store.pending_ids())} pending in {store.pending}'
        + (' (finish with --complete-pending)' if store.pending_ids() else '')
    )
    settings = {
        'actor': actor.name,
        'images': args.images,
        'dose': 'none' if args.dose is None else args.dose,
        'jitter_px': args.jitter,
        'dwell_us': args.dwell_us,
        'completed_on': device,
        'geometry': DEFAULT_GEOMETRY.to_json(),
    }
    try:
        from host.run_stack import write_run_stack

        stack = write_run_stack(store, run_id, microscope.images, settings)
        if stack is not None:
            _log(f'wrote {stack} (scans, paths, completions, images and per-scan scores)')
    except ImportError as e:  # a board without rosettasciio or h5py: the scans are all in OUT already
        _log(f'no run stack: {e.name} is not installed (the scans are in {store.root})')
    except OSError as e:
        _log(f'error: cannot write the run stack in {store.root} ({e.strerror or e}); the scans are kept')
    return status


if __name__ == '__main__':
    sys.exit(main())
