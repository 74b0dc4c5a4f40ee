"""Client side of the completion service: one request at a time, a timeout, a fresh socket after each failure."""

from __future__ import annotations

import time

import numpy as np

from host import schema


class ServiceUnavailable(RuntimeError):
    """No reply from the completion service within the timeout (down, restarting or overloaded)."""


class CompletionClient:
    """`complete(scan_id, partial (H, W, 2)) -> image (H, W)`; raises ServiceUnavailable or schema.ServiceError.

    After a timeout the socket is closed and reopened (ZeroMQ "lazy pirate"), so a reply to an abandoned request can
    never be mistaken for a later one; replies for other scan ids are discarded as well.
    """

    def __init__(self, address: str, token: str | None = None, timeout_s: float = 2.0):
        import zmq

        self.zmq, self.address, self.token, self.timeout_s = zmq, address, token, timeout_s
        self.context = zmq.Context.instance()
        self.socket = None

    def _connect(self):
        if self.socket is None:
            self.socket = self.context.socket(self.zmq.DEALER)
            self.socket.setsockopt(self.zmq.LINGER, 0)
            self.socket.connect(self.address)
        return self.socket

    def _drop(self) -> None:
        if self.socket is not None:
            self.socket.close(0)
            self.socket = None

    def _call(self, frames: list[bytes], scan_id: str | None):
        sock = self._connect()
        sock.send_multipart(frames)
        deadline = time.monotonic() + self.timeout_s
        while (remaining := deadline - time.monotonic()) > 0:
            if not sock.poll(int(remaining * 1000) + 1):
                break
            reply = sock.recv_multipart()
            try:
                got, image = schema.parse_reply(reply)
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
        raise ServiceUnavailable(f'no reply from the completion service at {self.address} within {self.timeout_s} s')

    def ping(self) -> None:
        self._call(schema.ping(self.token), None)

    def complete(self, scan_id: str, partial: np.ndarray) -> np.ndarray:
        return self._call(schema.request(scan_id, partial, self.token), scan_id)

    def close(self) -> None:
        self._drop()
