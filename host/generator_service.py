"""Completion service: a separate process that completes partial scans with the trained generator (GPU workstation).

    python -m host.generator_service --checkpoint checkpoints/quality             # 127.0.0.1:5555
    python -m host.keys keys/                                                   # once: CURVE keys for a board
    python -m host.generator_service --bind 0.0.0.0 --keys keys/service --checkpoint checkpoints/quality
    python -m host.generator_service --completer interpolate                    # classical baseline, no TensorFlow

ZeroMQ ROUTER socket, message schema in `host.schema`. Requests arriving together are batched (up to --max-batch,
waiting at most --batch-wait-ms after the first) and completed in one generator call. Nothing a client sends stops
the service: ZeroMQ drops frames larger than a valid request's payload, messages with too many frames or bytes are
refused before parsing, a malformed, non-finite or absurd request gets an error reply, a batch that fails is
completed scan by scan so that a bad scan fails only itself. Beyond loopback the service requires CURVE keys
(`host.keys`): only boards whose public keys it holds can connect. Networking and validation import no TensorFlow;
only `--completer generator` loads it (lazily, through training.checkpoint).
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
from host.keys import KeyFileError, serve_securely  # noqa: E402
from model import cli  # noqa: E402
from model.interpolation import interpolate  # noqa: E402
from model.shipped import locate  # noqa: E402


def _log(message: str) -> None:
    print(f'[generator_service] {message}', file=sys.stderr, flush=True)


class CompletionService:
    """Receive, validate, batch, complete, reply. `completer(partial_scans (N,H,W,2)) -> (N,H,W)`."""

    def __init__(
        self,
        completer,
        image_size: int,
        address: str,
        keys: str | None = None,
        max_batch: int = 16,
        batch_wait_ms: float = 5.0,
    ):
        import zmq

        self.completer, self.image_size = completer, image_size
        self.max_batch, self.batch_wait = max_batch, batch_wait_ms / 1000.0
        self.max_bytes = schema.MAX_HEADER_BYTES + schema.max_frame_bytes(image_size)
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.ROUTER)
        self.authenticator = None
        try:
            self.socket.setsockopt(zmq.LINGER, 0)
            # ZeroMQ disconnects a client sending any larger frame before it reaches Python (the limit is per frame)
            self.socket.setsockopt(zmq.MAXMSGSIZE, schema.max_wire_bytes(image_size))
            self.socket.setsockopt(zmq.IPV6, 1)  # listen on IPv6 addresses too (--bind ::1)
            if keys is not None:
                self.authenticator = serve_securely(self.context, self.socket, keys)
            self.socket.bind(address)
        except BaseException:
            self.close()
            raise
        self.served = self.errors = self.batches = 0

    def _reply(self, envelope: list[bytes], frames: list[bytes]) -> None:
        self.socket.send_multipart(envelope + frames)

    def _receive(self, timeout_ms: int):
        """One message as (envelope, frames), or None after timeout_ms. Frames and bytes are counted as each frame is
        read (ZeroMQ's RCVMORE): past the limits, the rest of the message is read and dropped frame by frame, never
        kept, and the message is answered with an error before any parsing."""
        if not self.socket.poll(timeout_ms):
            return None
        identity = self.socket.recv(copy=False)  # a ROUTER socket prefixes every message with the client's identity
        envelope, body, frames, size, more = [identity.bytes], [], 0, 0, identity.more
        while more:
            frame = self.socket.recv(copy=False)
            more = frame.more
            if len(envelope) == 1 and frames == 0 and len(frame) == 0:
                envelope.append(b'')  # REQ clients add an empty delimiter frame
                continue
            frames, size = frames + 1, size + len(frame)
            if frames <= schema.MAX_FRAMES and size <= self.max_bytes:
                body.append(frame.bytes)
            else:
                body = []  # over the limits: drop what was kept, count the rest without keeping it
        if frames > schema.MAX_FRAMES or size > self.max_bytes:
            self.errors += 1
            _log(f'refused a message of {frames} frames, {size} bytes')
            limits = f'at most {schema.MAX_FRAMES} frames and {self.max_bytes} bytes'
            self._reply(envelope, schema.error(None, f'message of {frames} frames, {size} bytes: {limits}', True))
            release_freed_memory()
            return envelope, None
        return envelope, body

    def _collect(self, first) -> list:
        """Valid requests for one batch: the first one, then whatever arrives within batch_wait (up to max_batch)."""
        batch, deadline, message = [], time.monotonic() + self.batch_wait, first
        while message is not None:
            envelope, frames = message
            if frames is not None:
                request = self._validate(envelope, frames)
                if request is not None:
                    batch.append(request)
            remaining = deadline - time.monotonic()
            if len(batch) >= self.max_batch or remaining <= 0:
                break
            message = self._receive(int(remaining * 1000) + 1)
        return batch

    def _validate(self, envelope: list[bytes], frames: list[bytes]):
        """(envelope, scan_id, partial) of a valid request; a ping is answered, anything else gets an error reply."""
        try:
            kind, header, partial = schema.parse_request(frames, self.image_size)
        except Exception as e:  # a SchemaError, or a bug that one message must not turn into a stopped service
            self.errors += 1
            _log(f'rejected a request: {e}')
            if isinstance(e, schema.SchemaError):
                self._reply(envelope, schema.error(e.scan_id, str(e), permanent=True))
            else:
                self._reply(envelope, schema.error(None, repr(e)))
            return None
        if kind == 'ping':
            self._reply(envelope, schema.pong())
            return None
        return envelope, header['scan_id'], partial

    def _complete(self, batch: list) -> None:
        """Complete a batch in one call; if that fails, each scan alone, so that a bad scan fails only itself."""
        try:
            images = np.asarray(self.completer(np.stack([partial for _, _, partial in batch])), np.float32)
            if images.shape != (len(batch), self.image_size, self.image_size):
                raise ValueError(f'the completer returned shape {list(images.shape)}')
        except Exception as e:  # a failing completion must not take the service down
            if len(batch) > 1:
                _log(f'a batch of {len(batch)} failed ({e!r}): completing its scans one by one')
                for request in batch:
                    self._complete([request])
                return
            envelope, scan_id, _ = batch[0]
            self.errors += 1
            _log(f'completion of {scan_id} failed: {e!r}')
            self._reply(envelope, schema.error(scan_id, f'completion failed: {e}'))
            return
        for (envelope, scan_id, _), image in zip(batch, images):
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
        """Serve until interrupted (or until `max_requests` completions, for benchmarks)."""
        while max_requests is None or self.served < max_requests:
            try:
                first = self._receive(1000)
                if first is not None:
                    batch = self._collect(first)
                    if batch:
                        self._complete(batch)
            except Exception as e:  # the last line of defence: log, drop the message, keep serving
                self.errors += 1
                _log(f'error while serving, message dropped: {e!r}')

    def close(self) -> None:
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
    args = p.parse_args(argv)
    if not cli.is_loopback(args.bind) and args.keys is None:
        p.error(
            f'listening on {args.bind} (beyond loopback) needs --keys DIR/service: create them with python -m host.keys DIR'
        )
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
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
        service = CompletionService(completer, image_size, address, args.keys, args.max_batch, args.batch_wait_ms)
    except KeyFileError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    except Exception as e:
        print(f'error: cannot listen on {address}: {e} (is another service running? pick --port)', file=sys.stderr)
        return 2
    secure = f'CURVE keys {args.keys}' if args.keys else 'loopback, no keys'
    backend = f' backend={completer.backend}' if args.completer == 'generator' else ''
    _log(f'ready on {address} ({secure}): completer={args.completer}{backend} image={image_size} max_batch={args.max_batch}')
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
