"""Completion service: a separate process that completes partial scans with the trained generator (GPU workstation).

    python -m host.generator_service --checkpoint checkpoints/small             # 127.0.0.1:5555
    python -m host.generator_service --bind 0.0.0.0 --token SECRET --checkpoint checkpoints/small
    python -m host.generator_service --completer interpolate                    # classical baseline, no TensorFlow

ZeroMQ ROUTER socket, message schema in `host.schema`. Requests arriving together are batched (up to --max-batch,
waiting at most --batch-wait-ms after the first) and completed in one generator call. A malformed, oversized or
non-finite request gets an error reply; the service stays up. Networking and validation import no TensorFlow; only
`--completer generator` loads it (lazily, through training.checkpoint).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time

# One BLAS thread: the scipy triangulation in `--completer interpolate` slows down 1000-fold when OpenBLAS threads
# compete for busy cores, and TensorFlow does not use OpenBLAS. Must be set before NumPy loads.
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import numpy as np  # noqa: E402

from host import schema  # noqa: E402
from host.completers import GeneratorCompleter, interpolate  # noqa: E402

LOOPBACK = ('127.0.0.1', 'localhost')
MAX_MESSAGE_BYTES = 1 << 22
"""ZeroMQ drops (and disconnects) any larger message before it reaches Python: 4 MiB, far above a 96x96x2 scan."""


def _log(message: str) -> None:
    print(f'[generator_service] {message}', file=sys.stderr, flush=True)


class CompletionService:
    """Receive, validate, batch, complete, reply. `completer(partial_scans (N,H,W,2)) -> (N,H,W)`."""

    def __init__(
        self,
        completer,
        image_size: int,
        address: str,
        token: str | None = None,
        max_batch: int = 16,
        batch_wait_ms: float = 5.0,
    ):
        import zmq

        self.completer, self.image_size, self.token = completer, image_size, token
        self.max_batch, self.batch_wait = max_batch, batch_wait_ms / 1000.0
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.ROUTER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        self.socket.bind(address)
        self.served = self.errors = self.batches = 0

    def _reply(self, envelope: list[bytes], frames: list[bytes]) -> None:
        self.socket.send_multipart(envelope + frames)

    def _receive(self, timeout_ms: int):
        """One message as (envelope, frames), or None after timeout_ms."""
        if not self.socket.poll(timeout_ms):
            return None
        msg = self.socket.recv_multipart()
        split = msg.index(b'') + 1 if b'' in msg[:2] else 1  # REQ clients add an empty delimiter frame
        return msg[:split], msg[split:]

    def _collect(self, first) -> list:
        """Valid requests for one batch: the first one, then whatever arrives within batch_wait (up to max_batch)."""
        batch, deadline, message = [], time.monotonic() + self.batch_wait, first
        while message is not None:
            envelope, frames = message
            try:
                kind, header, partial = schema.parse_request(frames, self.image_size, self.token)
            except schema.SchemaError as e:
                self.errors += 1
                _log(f'rejected a request: {e}')
                self._reply(envelope, schema.error(None, str(e)))
            else:
                if kind == 'ping':
                    self._reply(envelope, schema.pong())
                else:
                    batch.append((envelope, header['scan_id'], partial))
            remaining = deadline - time.monotonic()
            if len(batch) >= self.max_batch or remaining <= 0:
                break
            message = self._receive(int(remaining * 1000) + 1)
        return batch

    def _complete(self, batch: list) -> None:
        try:
            images = self.completer(np.stack([partial for _, _, partial in batch]))
        except Exception as e:  # a failing completion must not take the service down
            self.errors += len(batch)
            _log(f'completion failed: {e!r}')
            for envelope, scan_id, _ in batch:
                self._reply(envelope, schema.error(scan_id, f'completion failed: {e}'))
            return
        for (envelope, scan_id, _), image in zip(batch, images):
            self._reply(envelope, schema.completion(scan_id, image))
        self.served += len(batch)
        self.batches += 1

    def serve(self, max_requests: int | None = None) -> None:
        """Serve until interrupted (or until `max_requests` completions, for benchmarks)."""
        while max_requests is None or self.served < max_requests:
            first = self._receive(1000)
            if first is not None:
                batch = self._collect(first)
                if batch:
                    self._complete(batch)

    def close(self) -> None:
        self.socket.close(0)
        self.context.term()


def warm_up(completer, image_size: int) -> None:
    """One completion before serving, so the first real request does not pay for imports and graph building."""
    partial = np.zeros((1, image_size, image_size, 2), np.float32)
    partial[0, :: image_size // 4, :: image_size // 4, 1] = 1
    completer(partial)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog='python -m host.generator_service', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        '--checkpoint', default='checkpoints/small', help='checkpoint folder with generator.keras (default %(default)s)'
    )
    p.add_argument(
        '--completer',
        choices=('generator', 'interpolate'),
        default='generator',
        help='generator: the trained network (TensorFlow); interpolate: classical baseline, no model',
    )
    p.add_argument('--bind', default='127.0.0.1', help='address to listen on (default %(default)s; others need --token)')
    p.add_argument('--port', type=int, default=5555)
    p.add_argument('--token', default=None, help='shared secret every request must carry (required unless loopback)')
    p.add_argument('--image-size', type=int, default=96, help='side of the scans for --completer interpolate')
    p.add_argument('--max-batch', type=int, default=16, help='most requests completed in one generator call')
    p.add_argument('--batch-wait-ms', type=float, default=5.0, help='how long to wait for more requests after the first')
    args = p.parse_args(argv)
    if args.bind not in LOOPBACK and not args.token:
        p.error(f'listening on {args.bind} (not loopback) requires --token SECRET, shared with run_scan.py --token')
    if args.max_batch < 1 or args.batch_wait_ms < 0:
        p.error('--max-batch must be >= 1 and --batch-wait-ms >= 0')
    if args.completer == 'generator':
        try:
            completer = GeneratorCompleter(args.checkpoint)
        except Exception as e:
            print(
                f'error: cannot load the generator from {args.checkpoint}: {e}\n'
                f'train one (make train) or pass --checkpoint DIR, or use --completer interpolate',
                file=sys.stderr,
            )
            return 2
        image_size = completer.image_size
    else:
        completer, image_size = interpolate, args.image_size
    warm_up(completer, image_size)
    address = f'tcp://{args.bind}:{args.port}'
    try:
        service = CompletionService(completer, image_size, address, args.token, args.max_batch, args.batch_wait_ms)
    except Exception as e:
        print(f'error: cannot listen on {address}: {e} (is another service running? pick --port)', file=sys.stderr)
        return 2
    _log(f'ready on {address}: completer={args.completer} image={image_size} max_batch={args.max_batch}')
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop cleanly (with the summary) on kill / systemd stop
    try:
        service.serve()
    except KeyboardInterrupt:
        pass
    finally:
        _log(f'served {service.served} completions in {service.batches} batches, {service.errors} errors')
        service.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
