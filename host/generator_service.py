"""Completion service: a separate process that completes partial scans with the trained generator (GPU workstation).

    python -m host.generator_service --checkpoint checkpoints/quality             # 127.0.0.1:5555
    python -m host.keys keys/                                                   # once: CURVE keys for a board
    python -m host.generator_service --bind 0.0.0.0 --keys keys/service --checkpoint checkpoints/quality
    python -m host.generator_service --completer interpolate                    # classical baseline, no TensorFlow

Clients connect to a gate (`host.gate`) that relays them to a ZeroMQ ROUTER socket and bounds what each connection can
make the service hold (--max-connections, --message-timeout); message schema in `host.schema`. Requests arriving
together are batched (up to --max-batch, waiting at most --batch-wait-ms after the first) and completed in one
generator call; requests whose clients have stopped waiting are dropped, and under overload a request that cannot be
completed in time is answered "busy". Nothing a client sends stops the service: frames larger than a valid request's
payload close the connection, messages with too many frames or bytes are refused before parsing, a malformed,
non-finite or absurd request gets an error reply, a batch that fails is completed scan by scan so that a bad scan fails
only itself. Beyond loopback the service requires CURVE keys
(`host.keys`): only boards whose public keys it holds can connect. Networking and validation import no TensorFlow;
only `--completer generator` loads it (lazily, through training.checkpoint).
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import sys
import time

# One BLAS thread: the scipy triangulation in `--completer interpolate` slows down 1000-fold when OpenBLAS threads
# compete for busy cores, and TensorFlow does not use OpenBLAS. Must be set before NumPy loads.
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import numpy as np  # noqa: E402

from host import schema  # noqa: E402
from host.gate import Gate  # noqa: E402
from host.keys import KeyFileError, serve_securely  # noqa: E402
from model import cli  # noqa: E402
from model.interpolation import interpolate  # noqa: E402
from model.shipped import locate  # noqa: E402

WINDOW_MESSAGES, WINDOW_FRAMES = 2, 64
"""What a connection may have sent that the service has not read yet (see host.gate): two messages of the largest
valid size (with room for their framing), and at most 64 frames."""


def window_bytes(image_size: int) -> int:
    return WINDOW_MESSAGES * (schema.max_wire_bytes(image_size) + schema.MAX_HEADER_BYTES + 1024)


def _log(message: str) -> None:
    print(f'[generator_service] {message}', file=sys.stderr, flush=True)


class CompletionService:
    """Receive, validate, queue, complete in batches, reply. `completer(partial_scans (N,H,W,2)) -> (N,H,W)`.

    Clients reach the service through its gate (`host.gate`), which bounds what each connection can make it hold;
    libzmq's socket listens only on the gate's private Unix socket. Every waiting message is read at once and requests
    are queued; a request whose client has stopped waiting (its `timeout_ms` has passed) is dropped unanswered, and a
    request that cannot be completed before its client stops waiting is answered "busy" at once, so that under overload
    the service computes only answers someone waits for.
    """

    def __init__(
        self,
        completer,
        image_size: int,
        host: str,
        port: int,
        keys: str | None = None,
        max_batch: int = 16,
        batch_wait_ms: float = 5.0,
        max_connections: int = 64,
        message_timeout_s: float = 10.0,
    ):
        import zmq

        self.completer, self.image_size = completer, image_size
        self.max_batch, self.batch_wait = max_batch, batch_wait_ms / 1000.0
        self.max_bytes = schema.max_message_bytes(image_size)
        self.queue: collections.deque = collections.deque()  # (envelope, scan_id, partial, deadline or None)
        self.seconds_per_scan = 0.0  # running mean of a completion's cost, for the busy estimate
        self.served = self.errors = self.batches = self.expired = self.busy = 0
        self.srcfd = zmq.SRCFD  # a message's source socket: the gate's connection it came through
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.ROUTER)
        self.authenticator = self.gate = None
        try:
            self.socket.setsockopt(zmq.LINGER, 0)
            # ZeroMQ disconnects a client sending any larger frame before it reaches Python (the limit is per frame)
            self.socket.setsockopt(zmq.MAXMSGSIZE, schema.max_wire_bytes(image_size))
            if keys is not None:
                self.authenticator = serve_securely(self.context, self.socket, keys)
            self.gate = Gate(
                host,
                port,
                window_bytes=window_bytes(image_size),
                window_frames=WINDOW_FRAMES,
                max_frame=schema.max_wire_bytes(image_size),
                max_connections=max_connections,
                stall_s=message_timeout_s,
                log=_log,
            )
            self.socket.bind(self.gate.inner_address)
            self.gate.start()
        except BaseException:
            self.close()
            raise

    def _reply(self, envelope: list[bytes], frames: list[bytes]) -> None:
        self.socket.send_multipart(envelope + frames)

    def _receive(self, timeout_ms: int):
        """One message as (envelope, frames, when it reached the gate), or None after timeout_ms. Frames and bytes are
        counted as each frame is read (ZeroMQ's RCVMORE): past the limits, the rest of the message is read and dropped
        frame by frame, never kept, and the message is answered with an error before any parsing (frames None). The
        gate is told what was read."""
        if not self.socket.poll(timeout_ms):
            return None
        identity = self.socket.recv(copy=False)  # a ROUTER socket prefixes every message with the client's identity
        source = identity.get(self.srcfd)
        envelope, body, frames, size, more, delimiter = [identity.bytes], [], 0, 0, identity.more, 0
        while more:
            frame = self.socket.recv(copy=False)
            more = frame.more
            if len(envelope) == 1 and frames == 0 and len(frame) == 0:
                envelope.append(b'')  # REQ clients add an empty delimiter frame
                delimiter = 1
                continue
            frames, size = frames + 1, size + len(frame)
            if frames <= schema.MAX_FRAMES and size <= self.max_bytes:
                body.append(frame.bytes)
            else:
                body = []  # over the limits: drop what was kept, count the rest without keeping it
        arrived = self.gate.consumed(source, frames + delimiter) or time.monotonic()
        if frames > schema.MAX_FRAMES or size > self.max_bytes:
            self.errors += 1
            _log(f'refused a message of {frames} frames, {size} bytes')
            limits = f'at most {schema.MAX_FRAMES} frames and {self.max_bytes} bytes'
            self._reply(envelope, schema.error(None, f'message of {frames} frames, {size} bytes: {limits}', True))
            release_freed_memory()
            return envelope, None, arrived
        return envelope, body, arrived

    def _read_waiting(self, timeout_ms: int) -> None:
        """Read every message waiting (the first within timeout_ms): answer pings and bad requests, queue the others,
        and answer "busy" to a request that cannot be completed before its client stops waiting."""
        message = self._receive(timeout_ms)
        while message is not None:
            envelope, frames, arrived = message
            request = None if frames is None else self._validate(envelope, frames, arrived)
            if request is not None:
                envelope, scan_id, partial, deadline = request
                now, wait = time.monotonic(), (len(self.queue) + 1) * self.seconds_per_scan  # the scans ahead, and it
                if deadline is not None and deadline < now:
                    self.expired += 1  # its client has stopped waiting already
                elif self.queue and deadline is not None and now + wait > deadline:
                    self.busy += 1
                    self._reply(envelope, schema.error(scan_id, f'busy: {len(self.queue)} scans queued', False, wait))
                else:
                    self.queue.append(request)
            message = self._receive(0)

    def _validate(self, envelope: list[bytes], frames: list[bytes], arrived: float):
        """(envelope, scan_id, partial, deadline) of a valid request (its deadline: `timeout_ms` after it `arrived`);
        a ping is answered, anything else gets an error."""
        try:
            kind, header, partial = schema.parse_request(frames, self.image_size)
        except Exception as e:  # a SchemaError, or a bug that one message must not turn into a stopped service
            self.errors += 1
            _log(f'rejected a request: {e}')
            if isinstance(e, schema.SchemaError):
                self._reply(envelope, schema.error(e.scan_id, str(e), permanent=e.permanent))
            else:
                self._reply(envelope, schema.error(None, repr(e)))
            return None
        if kind == 'ping':
            self._reply(envelope, schema.pong(self.image_size))
            return None
        timeout = header.get('timeout_ms')
        deadline = arrived + timeout / 1000 if timeout else None
        return envelope, header['scan_id'], partial, deadline

    def _next_batch(self) -> list:
        """Up to max_batch queued requests whose clients still wait, oldest first; the others are dropped unanswered."""
        batch, now = [], time.monotonic()
        while self.queue and len(batch) < self.max_batch:
            request = self.queue.popleft()
            if request[3] is not None and request[3] < now:
                self.expired += 1
            else:
                batch.append(request)
        return batch

    def _complete(self, batch: list) -> None:
        """Complete a batch in one call; if that fails, each scan alone, so that a bad scan fails only itself."""
        t0 = time.perf_counter()
        try:
            images = np.asarray(self.completer(np.stack([request[2] for request in batch])), np.float32)
            if images.shape != (len(batch), self.image_size, self.image_size):
                raise ValueError(f'the completer returned shape {list(images.shape)}')
        except Exception as e:  # a failing completion must not take the service down
            if len(batch) > 1:
                _log(f'a batch of {len(batch)} failed ({e!r}): completing its scans one by one')
                for request in batch:
                    self._complete([request])
                return
            envelope, scan_id = batch[0][:2]
            self.errors += 1
            _log(f'completion of {scan_id} failed: {e!r}')
            self._reply(envelope, schema.error(scan_id, f'completion failed: {e}'))
            return
        cost = (time.perf_counter() - t0) / len(batch)
        self.seconds_per_scan = cost if not self.batches else 0.8 * self.seconds_per_scan + 0.2 * cost
        for (envelope, scan_id, *_), image in zip(batch, images):
            try:
                schema.check_values(image, 'completion')
            except schema.SchemaError as e:
                self.errors += 1
                _log(f'completion of {scan_id} refused: {e}')
                self._reply(envelope, schema.error(scan_id, f'completion failed: {e}'))
                continue
            self._reply(envelope, schema.completion(scan_id, image))
            self.served += 1
        self.batches += 1

    def serve(self, max_requests: int | None = None) -> None:
        """Serve until interrupted (or until `max_requests` completions, for benchmarks). Requests arriving within
        batch_wait of the oldest queued one are completed with it (up to max_batch)."""
        while max_requests is None or self.served < max_requests:
            try:
                if not self.queue:
                    self._read_waiting(1000)
                    continue
                collect_until = time.monotonic() + self.batch_wait
                while len(self.queue) < self.max_batch and (left := collect_until - time.monotonic()) > 0:
                    self._read_waiting(int(left * 1000) + 1)
                batch = self._next_batch()
                if batch:
                    self._complete(batch)
                self._read_waiting(0)
            except Exception as e:  # the last line of defence: log, drop the message, keep serving
                self.errors += 1
                _log(f'error while serving, message dropped: {e!r}')

    def close(self) -> None:
        """Stop the gate, the socket and the key checker (ZAP) thread, then the context; never blocks."""
        if self.gate is not None:
            self.gate.close()
        self.socket.close(0)
        if self.authenticator is not None:
            self.authenticator.stop()
        self.context.term()


def release_freed_memory() -> None:
    """Hand freed heap back to the system (glibc keeps it otherwise): after a refused flood of small frames the
    service's memory returns to its size before the flood. A no-op where there is no glibc."""
    import ctypes
    import ctypes.util

    try:
        ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):
        pass


def warm_up(completer, image_size: int) -> None:
    """One completion before serving, so the first real request does not pay for imports and graph building."""
    partial = np.zeros((1, image_size, image_size, 2), np.float32)
    partial[0, :: max(1, image_size // 4), :: max(1, image_size // 4), 1] = 1
    completer(partial)


def parse_args(argv=None) -> argparse.Namespace:
    p = cli.Parser(
        prog='python -m host.generator_service',
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        '--checkpoint',
        default='checkpoints/quality',
        type=lambda path: str(locate(path)),  # the shipped checkpoints from any working folder
        help='checkpoint folder with generator.keras (default %(default)s)',
    )
    p.add_argument(
        '--completer',
        choices=('generator', 'interpolate'),
        default='generator',
        help='generator: the trained network (TensorFlow); interpolate: classical baseline, no model',
    )
    p.add_argument('--bind', default='127.0.0.1', help='address to listen on (default %(default)s; others need --keys)')
    p.add_argument('--port', type=cli.port, default=5555, help='TCP port, 1-65535 (default %(default)s)')
    p.add_argument(
        '--keys',
        default=None,
        help='service key folder made by python -m host.keys DIR (DIR/service): CURVE, required beyond loopback',
    )
    p.add_argument(
        '--image-size',
        type=cli.integer(4, schema.MAX_IMAGE_SIZE),
        default=96,
        help='side of the scans for --completer interpolate (default %(default)s)',
    )
    p.add_argument(
        '--max-batch', type=cli.integer(1, 1024), default=16, help='most requests completed in one generator call'
    )
    p.add_argument(
        '--batch-wait-ms',
        type=cli.real(0, 10_000),
        default=5.0,
        help='how long to wait for more requests after the first (default %(default)s)',
    )
    p.add_argument(
        '--max-connections',
        type=cli.integer(1, 10_000),
        default=64,
        help='clients connected at once; more are refused (default %(default)s; bounds the memory clients can fill)',
    )
    p.add_argument(
        '--message-timeout',
        type=cli.real(0, 3600, above=True),
        default=10.0,
        help='seconds a connection may hold a message the service cannot read yet (unfinished, or too large) before it '
        'is closed (default %(default)s)',
    )
    args = p.parse_args(argv)
    if not cli.is_loopback(args.bind) and args.keys is None:
        p.error(
            f'listening on {args.bind} (beyond loopback) needs --keys DIR/service: create them with python -m host.keys DIR'
        )
    return args


def _stop_while_starting(*_) -> None:
    """Ctrl-C before the service serves: nothing is held yet, so stop at once, whatever the loading code catches."""
    _log('interrupted')
    os._exit(130)


def main(argv=None) -> int:
    """The service's command; Ctrl-C or SIGTERM at any point stops it with one line, never a traceback."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop cleanly (with the summary) on kill / systemd stop
    signal.signal(signal.SIGINT, _stop_while_starting)
    try:
        return _run(parse_args(argv))
    except KeyboardInterrupt:
        _log('interrupted')
        return 130


def _run(args) -> int:
    if args.completer == 'generator':
        try:
            from host.workstation import GeneratorCompleter  # Keras and training/ (lazily: interpolate needs neither)

            completer = GeneratorCompleter(args.checkpoint)
        except Exception as e:
            print(
                f'error: cannot load the generator from {args.checkpoint} ({e}): train one (make train), pass '
                f'--checkpoint DIR, or use --completer interpolate',
                file=sys.stderr,
            )
            return 2
        image_size = completer.image_size
    else:
        completer, image_size = interpolate, args.image_size
    warm_up(completer, image_size)
    address = f'tcp://{cli.bracketed(args.bind)}:{args.port}'
    try:
        service = CompletionService(
            completer,
            image_size,
            args.bind,
            args.port,
            args.keys,
            args.max_batch,
            args.batch_wait_ms,
            args.max_connections,
            args.message_timeout,
        )
    except KeyFileError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    except Exception as e:
        print(f'error: cannot listen on {address}: {e} (is another service running? pick --port)', file=sys.stderr)
        return 2
    secure = f'CURVE keys {args.keys}' if args.keys else 'loopback, no keys'
    backend = f' backend={completer.backend}' if args.completer == 'generator' else ''
    held = args.max_connections * service.gate.bound_per_connection()
    _log(
        f'ready on {address} ({secure}): completer={args.completer}{backend} image={image_size} '
        f'max_batch={args.max_batch} max_connections={args.max_connections}, client data held at most {held} bytes'
    )
    signal.signal(signal.SIGINT, signal.default_int_handler)  # serving: Ctrl-C ends with the summary below
    try:
        service.serve()
    except KeyboardInterrupt:
        pass
    finally:
        _log(
            f'served {service.served} completions in {service.batches} batches, {service.errors} errors, '
            f'{service.busy} answered busy, {service.expired} dropped unanswered (their clients had stopped waiting), '
            f'{service.gate.cut} connections closed by the gate'
        )
        service.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
