"""Client side of the completion service: one request at a time, a timeout, a fresh socket after each failure."""

from __future__ import annotations

import time

import numpy as np

from host import schema
from host.keys import ClientKeys


class BadAddress(ValueError):
    """An address ZeroMQ cannot connect to."""


class ServiceUnavailable(RuntimeError):
    """No reply from the completion service within the timeout (down, restarting or overloaded)."""


class CompletionClient:
    """`complete(scan_id, partial (H, W, 2)) -> image (H, W)`; raises ServiceUnavailable, schema.ServiceError (`busy`:
    resend later), or schema.SchemaError for a reply that is not a finite float32 (H, W) completion of that scan.
    `limits()`: what the service completes (its image size), from its answer to a ping, kept until a failure.

    After a timeout the socket is closed and reopened (ZeroMQ "lazy pirate"), so a reply to an abandoned request can
    never be mistaken for a later one; replies for other scan ids are discarded as well. With `keys` (a board's key
    folder from host.keys) the connection is CURVE-encrypted and authenticated. The socket connects at once, so that
    a malformed address fails here, not in the sender thread.
    """

    def __init__(self, address: str, keys: str | None = None, timeout_s: float = 2.0):
        import zmq

        self.zmq, self.address, self.timeout_s = zmq, address, timeout_s
        self.keys = None if keys is None else ClientKeys(keys)
        self.context = zmq.Context.instance()
        self.socket = None
        self._limits = None
        try:
            self._connect()
        except zmq.ZMQError as e:
            raise BadAddress(f'cannot connect to {address} ({e})') from None

    def _connect(self):
        if self.socket is None:
            socket = self.context.socket(self.zmq.DEALER)
            socket.setsockopt(self.zmq.LINGER, 0)
            socket.setsockopt(self.zmq.MAXMSGSIZE, schema.max_wire_bytes(schema.MAX_IMAGE_SIZE))
            socket.setsockopt(self.zmq.IPV6, 1)  # tcp://[::1]:5555 and host names with IPv6 addresses
            if self.keys is not None:
                self.keys.apply(socket)
            try:
                socket.connect(self.address)
            except self.zmq.ZMQError:
                socket.close(0)
                raise
            self.socket = socket
        return self.socket

    def _drop(self) -> None:
        if self.socket is not None:
            self.socket.close(0)
            self.socket = None
        self._limits = None  # the service may come back with another configuration

    def _call(self, frames: list[bytes], scan_id: str | None, shape: tuple[int, int] | None):
        try:
            return self._exchange(frames, scan_id, shape)
        except self.zmq.ZMQError as e:
            self._drop()
            raise ServiceUnavailable(f'completion service at {self.address}: {e}') from None

    def _exchange(self, frames: list[bytes], scan_id: str | None, shape: tuple[int, int] | None):
        sock = self._connect()
        sock.send_multipart(frames)
        deadline = time.monotonic() + self.timeout_s
        while (remaining := deadline - time.monotonic()) > 0:
            if not sock.poll(int(remaining * 1000) + 1):
                break
            reply = sock.recv_multipart()
            try:
                got, image = schema.parse_reply(reply, shape)
            except schema.ServiceError as e:
                if e.scan_id in (scan_id, None):
                    raise
                continue
            except schema.SchemaError:
                self._drop()
                raise
            if got == scan_id:
                return image
        self._drop()
        hint = " (or it does not accept this board's --keys)" if self.keys is not None else ''
        raise ServiceUnavailable(f'no reply from the completion service at {self.address} within {self.timeout_s} s{hint}')

    def ping(self) -> dict:
        """The service's limits {image_size, max_bytes, max_frames} (None where an older service announces none)."""
        return self._call(schema.ping(), None, None)

    def limits(self) -> dict:
        if self._limits is None:
            self._limits = self.ping()
        return self._limits

    def complete(self, scan_id: str, partial: np.ndarray) -> np.ndarray:
        return self._call(schema.request(scan_id, partial, self.timeout_s), scan_id, partial.shape[:2])

    def close(self) -> None:
        self._drop()
