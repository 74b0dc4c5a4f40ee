"""The completion service's front door: it relays each client's ZeroMQ stream to the service and bounds what any client
can make the service hold, whatever it sends.

libzmq gathers every frame of a multipart message before the application can read the first, and ZMQ_MAXMSGSIZE
bounds one frame, not a message: a client sending endless small frames flagged MORE, or never sending the last one,
makes the service hold it all. So clients do not reach libzmq directly. The gate accepts their TCP connections and
reads each stream's ZMTP 3 framing (the 64-byte greeting, then frames: a flags byte, a 1- or 8-byte size, the body;
under CURVE each data frame is a MESSAGE command, counted without decrypting it) and relays it to the service's socket
over a private Unix socket, one per client. Per connection it lets through at most `window_bytes` and `window_frames`
of data frames the service has not read yet; a frame that does not fit waits (the gate stops reading that client, and
TCP pushes back). The service reports every message it reads (`consumed`), which opens the window again. A connection
holding unread frames for `stall_s` without the service reading any (a message larger than the window, or one whose
last frame never comes) is closed, and libzmq drops its partial message. At most `max_connections` are admitted.

Bound: client data held by the service <= max_connections x (window_bytes + the gate's buffers), plus the replies to
what was read (the gate reads replies only while it can pass them on; a client that reads none stops being read).
Linux and macOS (Unix sockets bound to a name: the service maps a message to its connection by the peer's name).
"""

from __future__ import annotations

import collections
import os
import selectors
import socket
import tempfile
import threading
import time

CHUNK = 1 << 16
GREETING = 64
"""ZMTP 3 greeting: signature (0xFF, 8 bytes, 0x7F), version (3, x), mechanism (20), as-server (1), filler (31)."""
MORE, LONG, COMMAND = 0x01, 0x02, 0x04


class Link:
    """One client connection and its relay to the service: what is buffered each way and the frames the service has not
    read yet (their wire sizes, oldest first)."""

    def __init__(self, client: socket.socket, inner: socket.socket, name: str, peer: str):
        self.client, self.inner, self.name, self.peer = client, inner, name, peer
        self.incoming = bytearray()  # read from the client, not yet parsed
        self.to_inner = bytearray()  # parsed and admitted, not yet written to the service
        self.to_client = bytearray()  # replies read from the service, not yet written to the client
        self.greeting_left = GREETING
        self.greeting = bytearray()
        self.plain = False  # NULL mechanism: the frames' MORE flags are readable (under CURVE they are encrypted)
        self.message = [0, 0]  # frames and bytes of the message being received (NULL only)
        self.body_left = 0  # bytes of the current frame's body still to relay
        self.unread: collections.deque[tuple[int, float]] = collections.deque()  # data frames the service has not
        # read yet: (wire size, when it arrived)
        self.held = 0  # their sum
        self.since = time.monotonic()  # the last time the service read from this connection (or it started holding)


class Gate(threading.Thread):
    """Listen on (host, port) and relay to the service's ipc endpoint `self.inner_address` (bind the service there)."""

    def __init__(
        self,
        host: str,
        port: int,
        window_bytes: int,
        window_frames: int,
        max_frame: int,
        max_connections: int = 64,
        stall_s: float = 10.0,
        reply_buffer: int = CHUNK,
        log=print,
    ):
        super().__init__(name='completion-gate', daemon=True)
        self.window_bytes, self.window_frames, self.max_frame = window_bytes, window_frames, max_frame
        self.max_connections, self.stall_s, self.reply_buffer, self.log = max_connections, stall_s, reply_buffer, log
        address = ('' if host == '*' else host, port)  # '*': every interface, as ZeroMQ spells it
        self.listener = socket.create_server(address, family=socket.AF_INET6 if ':' in host else socket.AF_INET)
        self.listener.setblocking(False)
        self.folder = tempfile.mkdtemp(prefix='stem-gate-')  # mode 0700: only this user reaches the service behind it
        self.inner_path = os.path.join(self.folder, 'service')
        self.inner_address = f'ipc://{self.inner_path}'
        self.selector = selectors.DefaultSelector()
        self.wake_r, self.wake_w = socket.socketpair()
        self.wake_r.setblocking(False)
        self.lock = threading.Lock()  # the links are shared with the service's thread (`consumed`)
        self.to_pump: set[str] = set()  # links whose window the service opened
        self.links: dict[str, Link] = {}
        self.opened = self.refused = self.cut = 0
        self.running = True
        self._refusal_logged = 0.0

    def bound_per_connection(self) -> int:
        """The most client bytes one connection can make the process hold: the window (in libzmq) and the gate's own
        buffers (read, admitted, and replies waiting for the client)."""
        return self.window_bytes + 2 * CHUNK + 3 * CHUNK + self.reply_buffer + CHUNK

    # ---- called from the service's thread --------------------------------------------------------------------------
    def consumed(self, fd: int, frames: int) -> float | None:
        """The service read a message of `frames` frames from the connection whose service-side socket is `fd`:
        opens that connection's window again; returns when the message's first frame reached the gate (monotonic
        seconds; None if unknown), so that the service measures how long the client has waited."""
        try:
            peer = socket.socket(fileno=fd)
        except OSError:
            return None
        try:
            name = peer.getpeername()
        except OSError:
            return None
        finally:
            peer.detach()  # the socket is libzmq's: never close it
        name = name.decode() if isinstance(name, bytes) else name
        with self.lock:
            link = self.links.get(name)
            if link is None:
                return None
            read = [link.unread.popleft() for _ in range(min(frames, len(link.unread)))]
            link.held -= sum(size for size, _ in read)
            link.since = time.monotonic()
            self.to_pump.add(name)
        self.wake_w.send(b'\0')
        return read[0][1] if read else None

    def close(self) -> None:
        self.running = False
        try:
            self.wake_w.send(b'\0')
        except OSError:
            pass
        if self.is_alive():
            self.join(5)
        for link in list(self.links.values()):
            self._drop(link)
        for s in (self.listener, self.wake_r, self.wake_w):
            s.close()
        self.selector.close()
        for name in os.listdir(self.folder):
            os.unlink(os.path.join(self.folder, name))
        os.rmdir(self.folder)

    # ---- the relay -------------------------------------------------------------------------------------------------
    def run(self) -> None:
        self.selector.register(self.listener, selectors.EVENT_READ, None)
        self.selector.register(self.wake_r, selectors.EVENT_READ, None)
        while self.running:
            ready = self.selector.select(timeout=1.0)
            with self.lock:
                self._handle(ready)

    def _handle(self, ready) -> None:
        """One round of the relay (holding the lock): the sockets that are ready, the windows the service opened, the
        connections that stalled."""
        for key, events in ready:
            if key.fileobj is self.listener:
                self._accept()
            elif key.fileobj is self.wake_r:
                while True:
                    try:
                        if not self.wake_r.recv(4096):
                            break
                    except BlockingIOError:
                        break
            else:
                link, side = key.data
                if link.name in self.links:
                    self._serve(link, side, events)
        for name in self.to_pump:
            if name in self.links:
                self._serve(self.links[name], 'client', 0)  # the window opened: admit what waits
        self.to_pump.clear()
        now = time.monotonic()
        for link in list(self.links.values()):
            if link.unread and now - link.since > self.stall_s:
                self.cut += 1
                self.log(
                    f'closed the connection of {link.peer}: {len(link.unread)} frames ({link.held} bytes) unread for '
                    f'{self.stall_s:g} s (a message larger than {self.window_bytes} bytes or '
                    f'{self.window_frames} frames, or one whose last frame never came)'
                )
                self._drop(link)

    def _accept(self) -> None:
        try:
            client, address = self.listener.accept()
        except OSError:
            return
        if len(self.links) >= self.max_connections:
            client.close()
            self.refused += 1
            if time.monotonic() - self._refusal_logged > 10:
                self._refusal_logged = time.monotonic()
                self.log(f'{self.max_connections} connections open: refusing more ({self.refused} refused so far)')
            return
        self.opened += 1
        name = os.path.join(self.folder, f'c{self.opened}')
        inner = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            inner.bind(name)  # the service reads this name as the peer of the messages it receives (see `consumed`)
            inner.connect(self.inner_path)
        except OSError as e:
            self.log(f'cannot reach the service for a new connection ({e})')
            inner.close()
            client.close()
            return
        finally:
            if os.path.exists(name):
                os.unlink(name)  # the bound name stays on the socket
        client.setblocking(False)
        inner.setblocking(False)
        link = Link(client, inner, name, f'{address[0]}:{address[1]}')
        self.links[name] = link
        self.selector.register(client, selectors.EVENT_READ, (link, 'client'))
        self.selector.register(inner, selectors.EVENT_READ, (link, 'inner'))

    def _drop(self, link: Link) -> None:
        self.links.pop(link.name, None)
        for s in (link.client, link.inner):
            try:
                self.selector.unregister(s)
            except (KeyError, ValueError):
                pass
            s.close()

    def _serve(self, link: Link, side: str, events: int) -> None:
        try:
            if events & selectors.EVENT_READ:
                source = link.client if side == 'client' else link.inner
                data = source.recv(CHUNK)
                if not data:
                    self._drop(link)
                    return
                (link.incoming if side == 'client' else link.to_client).extend(data)
            if events & selectors.EVENT_WRITE:
                target, buffer = (link.client, link.to_client) if side == 'client' else (link.inner, link.to_inner)
                del buffer[: target.send(buffer)]
            self._pump(link)
        except (BlockingIOError, InterruptedError):
            pass
        except (OSError, ValueError) as e:  # a reset connection, a stream that is not ZMTP 3 or breaks the limits
            if not isinstance(e, ConnectionError):
                self.cut += 1
                self.log(f'closed the connection of {link.peer}: {e}')
            self._drop(link)

    def _pump(self, link: Link) -> None:
        """Admit what fits the window, pass on what each side can take now, and arm each socket for what it has to do
        next (nothing: not watched)."""
        self._admit(link)
        if link.name not in self.links:
            return
        for target, buffer in ((link.inner, link.to_inner), (link.client, link.to_client)):
            if buffer:
                try:
                    del buffer[: target.send(buffer)]
                except BlockingIOError:
                    pass
        room = len(link.to_client) < self.reply_buffer  # a client that reads no replies is not read either
        self._watch(link, link.client, room and len(link.incoming) < CHUNK, bool(link.to_client), 'client')
        self._watch(link, link.inner, room, bool(link.to_inner), 'inner')

    def _watch(self, link: Link, sock: socket.socket, read: bool, write: bool, side: str) -> None:
        events = (selectors.EVENT_READ if read else 0) | (selectors.EVENT_WRITE if write else 0)
        try:
            registered = self.selector.get_key(sock).events
        except KeyError:
            registered = 0
        if events == registered:
            return
        if not events:
            self.selector.unregister(sock)
        elif not registered:
            self.selector.register(sock, events, (link, side))
        else:
            self.selector.modify(sock, events, (link, side))

    def _admit(self, link: Link) -> None:
        """Move parsed bytes from `incoming` to `to_inner`: the greeting, then whole frame headers, admitting a data
        frame only when it fits the window; bodies follow as they arrive. Raises ValueError for what is not ZMTP 3."""
        data = link.incoming
        while data and len(link.to_inner) < CHUNK:
            if link.greeting_left:  # relayed as it comes: libzmq sends its signature, then waits for the other's
                seen = GREETING - link.greeting_left
                if (seen == 0 and data[0] != 0xFF) or (seen <= 10 < seen + len(data) and data[10 - seen] < 3):
                    raise ValueError('not a ZMTP 3 greeting (only ZeroMQ 4 clients are served)')
                n = min(link.greeting_left, len(data))
                link.greeting.extend(data[:n])
                link.greeting_left -= n
                link.plain = not link.greeting_left and bytes(link.greeting[12:32]).rstrip(b'\0') == b'NULL'
                self._relay(link, n)
                continue
            if link.body_left:
                self._relay(link, min(link.body_left, len(data)), body=True)
                continue
            flags = data[0]
            if flags & ~(MORE | LONG | COMMAND):
                raise ValueError(f'a frame with reserved flags {flags:#04x}')
            head = 9 if flags & LONG else 2
            if len(data) < head:
                return
            size = int.from_bytes(data[1:head], 'big')
            if size > self.max_frame:
                raise ValueError(f'a frame of {size} bytes (at most {self.max_frame})')
            if flags & COMMAND and len(data) < head + min(size, 8):
                return  # the command's name decides whether it carries data
            if not flags & COMMAND or bytes(data[head : head + 8]) == b'\x07MESSAGE':
                message = [link.message[0] + 1, link.message[1] + head + size]
                if link.plain and (message[0] > self.window_frames or message[1] > self.window_bytes):
                    # it can never fit the window: refused at once (under CURVE the stall limit closes it)
                    raise ValueError(f'a message of more than {self.window_frames} frames or {self.window_bytes} bytes')
                if link.held + head + size > self.window_bytes or len(link.unread) >= self.window_frames:
                    return  # wait until the service reads what it holds (or the stall limit closes the connection)
                link.message = message if flags & MORE else [0, 0]
                if not link.unread:
                    link.since = time.monotonic()
                link.unread.append((head + size, time.monotonic()))
                link.held += head + size
            link.body_left = size
            self._relay(link, head)

    @staticmethod
    def _relay(link: Link, n: int, body: bool = False) -> None:
        link.to_inner.extend(link.incoming[:n])
        del link.incoming[:n]
        if body:
            link.body_left -= n
