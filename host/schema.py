"""The completion service's message schema, version 2 (JSON header + raw little-endian float32 payload, never pickle).

Request  frames: [header, payload]  header = {"schema": "stem-completion", "version": 2, "kind": "complete",
                                              "scan_id": str, "shape": [H, W, 2], "dtype": "float32",
                                              "timeout_ms": number (optional: how long the client waits)}
                                    payload = H*W*2 float32: channel 0 the probe values, channel 1 the 0/1 mask
Reply    frames: [header, payload]  header = {..., "kind": "completion", "scan_id", "shape": [H, W], "dtype": "float32"}
Error    frames: [header]           header = {..., "kind": "error", "scan_id": str|null, "error": message,
                                              "permanent": bool,  (true: the request breaks the schema, do not resend)
                                              "busy": bool, "retry_after_ms": number}  (busy: the service could not
                                              complete it in time, resend later; optional, false when absent)
Ping     frames: [header]           kind "ping" -> reply kind "pong" (health check) with the service's limits:
                                    "image_size", "max_bytes" (a message), "max_frames" (optional: older services)

A request for another image size than the service's is refused with permanent false: the configuration, not the
scan, is wrong; clients compare a scan with the limits of the pong before sending it.

Version 2 dropped version 1's "token": beyond loopback, ZeroMQ CURVE authenticates the peers (host.keys).
Every check raises SchemaError, whatever the bytes: the receiving side answers with an error or drops the message.
"""

from __future__ import annotations

import json
import re

import numpy as np

SCHEMA = 'stem-completion'
VERSION = 2
MAX_HEADER_BYTES = 4096
MAX_FRAMES = 2
MAX_IMAGE_SIZE = 1024
MAX_ABS_VALUE = 1e3
"""Probe values and completions are normalised to [-1, 1]; anything beyond +-MAX_ABS_VALUE is refused as absurd."""
SCAN_ID = re.compile(r'[A-Za-z0-9_.-]{1,128}')


class SchemaError(ValueError):
    """A message that does not follow the schema (the service answers with an error and carries on); `scan_id` is the
    request's scan id when the header named a valid one; `permanent` false: a valid scan of a size this side does not
    complete (a configuration mismatch)."""

    def __init__(self, message: str, scan_id: str | None = None, permanent: bool = True):
        super().__init__(message)
        self.scan_id, self.permanent = scan_id, permanent


class ServiceError(RuntimeError):
    """The service answered with an error; `permanent`: the request itself breaks the schema (resending cannot help);
    `busy`: the service could not complete it in time (resend after `retry_after_s`)."""

    def __init__(
        self, message: str, scan_id: str | None = None, permanent: bool = False, busy: bool = False, retry_after_s=0.0
    ):
        super().__init__(message)
        self.scan_id, self.permanent, self.busy, self.retry_after_s = scan_id, permanent, busy, retry_after_s


def max_frame_bytes(image_size: int) -> int:
    """The largest frame of a valid message about image_size x image_size scans (the request payload)."""
    return max(MAX_HEADER_BYTES, image_size * image_size * 2 * 4)


def max_message_bytes(image_size: int) -> int:
    """The most bytes (all frames together) of a valid message about image_size x image_size scans."""
    return MAX_HEADER_BYTES + max_frame_bytes(image_size)


def max_wire_bytes(image_size: int) -> int:
    """ZeroMQ's per-frame limit (ZMQ_MAXMSGSIZE) for such messages: the largest frame, plus room for the framing of
    CURVE encryption (about 40 bytes a frame)."""
    return max_frame_bytes(image_size) + 1024


def _header(kind: str, scan_id: str | None, **fields) -> bytes:
    return json.dumps({'schema': SCHEMA, 'version': VERSION, 'kind': kind, 'scan_id': scan_id, **fields}).encode()


def request(scan_id: str, partial: np.ndarray, timeout_s: float | None = None) -> list[bytes]:
    """Frames asking to complete one partial scan (H, W, 2); `timeout_s`: how long the client will wait for the answer
    (the service drops the request unanswered once that has passed, instead of completing it for nobody)."""
    partial = np.ascontiguousarray(partial, '<f4')
    wait = {} if timeout_s is None else {'timeout_ms': round(timeout_s * 1000)}
    return [_header('complete', scan_id, shape=list(partial.shape), dtype='float32', **wait), partial.tobytes()]


def ping() -> list[bytes]:
    return [_header('ping', None)]


def completion(scan_id: str, image: np.ndarray) -> list[bytes]:
    image = np.ascontiguousarray(image, '<f4')
    return [_header('completion', scan_id, shape=list(image.shape), dtype='float32'), image.tobytes()]


def error(scan_id: str | None, message: str, permanent: bool = False, retry_after_s: float | None = None) -> list[bytes]:
    """An error reply; one line, however long the cause. With `retry_after_s`: busy, resend after that long."""
    busy = {} if retry_after_s is None else {'busy': True, 'retry_after_ms': round(retry_after_s * 1000)}
    return [_header('error', scan_id, error=' '.join(message.split())[:300], permanent=permanent, **busy)]


def pong(image_size: int) -> list[bytes]:
    """A ping's answer, announcing what the service completes: clients check their scans against it before sending."""
    return [_header('pong', None, image_size=image_size, max_bytes=max_message_bytes(image_size), max_frames=MAX_FRAMES)]


def parse_header(frame: bytes) -> dict:
    if len(frame) > MAX_HEADER_BYTES:
        raise SchemaError(f'header of {len(frame)} bytes exceeds {MAX_HEADER_BYTES}')
    try:
        header = json.loads(frame.decode())
    except ValueError as e:  # not UTF-8, not JSON, or an integer too long to convert
        raise SchemaError(f'header is not JSON: {e}') from None
    except RecursionError:
        raise SchemaError('header is nested too deeply to be a header') from None
    if not isinstance(header, dict) or header.get('schema') != SCHEMA:
        raise SchemaError(f'not a {SCHEMA} message')
    if type(header.get('version')) is not int or header['version'] != VERSION:  # 2.0 and True are not 2
        raise SchemaError(f'unsupported schema version {_short(header.get("version"))}, this side speaks {VERSION}')
    return header


def _short(value) -> str:
    """A received value for an error message: its repr, cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + '...'


def check_values(array: np.ndarray, what: str) -> None:
    """Refuse NaN, infinite and absurd (beyond +-MAX_ABS_VALUE) values."""
    if not np.all(np.isfinite(array)):
        raise SchemaError(f'{what} contains NaN or infinite values')
    if np.any(np.abs(array) > MAX_ABS_VALUE):
        raise SchemaError(f'{what} has values beyond +-{MAX_ABS_VALUE:g} (they are normalised to [-1, 1])')


def _array(header: dict, payload: bytes, shape: tuple[int, ...]) -> np.ndarray:
    if header.get('dtype') != 'float32':
        raise SchemaError(f'dtype must be "float32", got {_short(header.get("dtype"))}')
    if header.get('shape') != list(shape) or not all(type(n) is int for n in header['shape']):
        raise SchemaError(f'shape must be {list(shape)}, got {_short(header.get("shape"))}')
    expected = int(np.prod(shape)) * 4
    if len(payload) != expected:
        raise SchemaError(f'payload has {len(payload)} bytes, shape {list(shape)} float32 needs {expected}')
    return np.frombuffer(payload, '<f4').reshape(shape).astype(np.float32)


def _scan_id(header: dict) -> str:
    scan_id = header.get('scan_id')
    if not isinstance(scan_id, str) or not SCAN_ID.fullmatch(scan_id):
        raise SchemaError('scan_id must be 1-128 characters of [A-Za-z0-9_.-]')
    return scan_id


def parse_request(frames: list[bytes], image_size: int) -> tuple[str, dict, np.ndarray | None]:
    """Validate a request: returns (kind, header, partial scan or None for a ping); raises SchemaError."""
    if not frames or len(frames) > MAX_FRAMES:
        raise SchemaError(f'a message has 1 to {MAX_FRAMES} frames, got {len(frames)}')
    header = parse_header(frames[0])
    kind = header.get('kind')
    if kind == 'ping':
        return kind, header, None
    if kind != 'complete':
        raise SchemaError(f'unknown message kind {_short(kind)}')
    scan_id = _scan_id(header)
    try:
        if len(frames) != 2:
            raise SchemaError(f'a request has 2 frames (header, payload), got {len(frames)}')
        shape = header.get('shape')
        if isinstance(shape, list) and len(shape) == 3 and shape[2] == 2 and shape[0] == shape[1] != image_size:
            if type(shape[0]) is int and 0 < shape[0] <= MAX_IMAGE_SIZE:  # a valid scan, for another configuration
                raise SchemaError(
                    f'this service completes {image_size}x{image_size} px scans, not {shape[0]} px', None, False
                )
        partial = _array(header, frames[1], (image_size, image_size, 2))
        check_partial(partial)
        timeout = header.get('timeout_ms', 0)
        if type(timeout) not in (int, float) or not 0 <= timeout <= 86_400_000:
            raise SchemaError(f'timeout_ms must be a number of milliseconds up to a day, got {_short(timeout)}')
    except SchemaError as e:
        raise SchemaError(str(e), scan_id, e.permanent) from None
    return kind, header, partial


def check_partial(partial: np.ndarray) -> None:
    """What every partial scan (H, W, 2) must be, wherever it is checked: finite, sane probe values and a 0/1 mask
    holding at least one probe. The board checks its stored scans with this before sending them."""
    check_values(partial[..., 0], 'payload')
    if not np.all((partial[..., 1] == 0) | (partial[..., 1] == 1)):
        raise SchemaError('mask channel must be 0 or 1')
    if not partial[..., 1].any():
        raise SchemaError('mask has no probes: nothing to complete')


def parse_reply(frames: list[bytes], shape: tuple[int, int] | None):
    """A reply to a request for a (H, W, 2) scan (shape = (H, W); None for a ping) -> (scan_id, completion (H, W));
    'pong' -> (None, the service's limits {image_size, max_bytes, max_frames}, None where an older service gave none);
    an error reply raises ServiceError; anything else, even a completion of another shape, dtype or with non-finite
    values, raises SchemaError."""
    if not frames or len(frames) > MAX_FRAMES:
        raise SchemaError(f'a reply has 1 to {MAX_FRAMES} frames, got {len(frames)}')
    header = parse_header(frames[0])
    kind = header.get('kind')
    if kind == 'error':
        scan_id = header.get('scan_id') if isinstance(header.get('scan_id'), str) else None
        message = f'service error for scan {scan_id}: {str(header.get("error"))[:300]}'
        retry = header.get('retry_after_ms')
        retry_s = min(max(retry, 0), 60_000) / 1000 if type(retry) in (int, float) and retry == retry else 0.0
        raise ServiceError(message, scan_id, header.get('permanent') is True, header.get('busy') is True, retry_s)
    if kind == 'pong':
        limits = {
            k: header.get(k) if type(header.get(k)) is int else None for k in ('image_size', 'max_bytes', 'max_frames')
        }
        return None, limits
    if kind != 'completion' or len(frames) != 2 or shape is None:
        raise SchemaError(f'unexpected reply kind {_short(kind)} with {len(frames)} frames')
    image = _array(header, frames[1], tuple(shape))
    check_values(image, 'completion')
    return _scan_id(header), image
