"""The completion service's message schema, version 1 (JSON header + raw little-endian float32 payload, never pickle).

Request  frames: [header, payload]  header = {"schema": "stem-completion", "version": 1, "kind": "complete",
                                              "scan_id": str, "shape": [H, W, 2], "dtype": "float32", "token": str|null}
                                    payload = H*W*2 float32: channel 0 the probe values, channel 1 the 0/1 mask
Reply    frames: [header, payload]  header = {..., "kind": "completion", "scan_id", "shape": [H, W], "dtype": "float32"}
Error    frames: [header]           header = {..., "kind": "error", "scan_id": str|null, "error": message}
Ping     frames: [header]           kind "ping" -> reply kind "pong" (health check, carries the token too)
"""

from __future__ import annotations

import hmac
import json
import re

import numpy as np

SCHEMA = 'stem-completion'
VERSION = 1
MAX_HEADER_BYTES = 4096
SCAN_ID = re.compile(r'^[A-Za-z0-9_.-]{1,128}$')


class SchemaError(ValueError):
    """A message that does not follow the schema (the service answers with an error and carries on)."""


class ServiceError(RuntimeError):
    """The service answered with an error."""

    def __init__(self, message: str, scan_id: str | None = None):
        super().__init__(message)
        self.scan_id = scan_id


def _header(kind: str, scan_id: str | None, **fields) -> bytes:
    return json.dumps({'schema': SCHEMA, 'version': VERSION, 'kind': kind, 'scan_id': scan_id, **fields}).encode()


def request(scan_id: str, partial: np.ndarray, token: str | None = None) -> list[bytes]:
    """Frames asking to complete one partial scan (H, W, 2)."""
    partial = np.ascontiguousarray(partial, '<f4')
    return [_header('complete', scan_id, shape=list(partial.shape), dtype='float32', token=token), partial.tobytes()]


def ping(token: str | None = None) -> list[bytes]:
    return [_header('ping', None, token=token)]


def completion(scan_id: str, image: np.ndarray) -> list[bytes]:
    image = np.ascontiguousarray(image, '<f4')
    return [_header('completion', scan_id, shape=list(image.shape), dtype='float32'), image.tobytes()]


def error(scan_id: str | None, message: str) -> list[bytes]:
    return [_header('error', scan_id, error=message)]


def pong() -> list[bytes]:
    return [_header('pong', None)]


def parse_header(frame: bytes) -> dict:
    if len(frame) > MAX_HEADER_BYTES:
        raise SchemaError(f'header of {len(frame)} bytes exceeds {MAX_HEADER_BYTES}')
    try:
        header = json.loads(frame.decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SchemaError(f'header is not JSON: {e}') from None
    if not isinstance(header, dict) or header.get('schema') != SCHEMA:
        raise SchemaError(f'not a {SCHEMA} message')
    if header.get('version') != VERSION:
        raise SchemaError(f'unsupported schema version {header.get("version")!r}, this side speaks {VERSION}')
    return header


def _array(header: dict, payload: bytes, shape: tuple[int, ...]) -> np.ndarray:
    if header.get('dtype') != 'float32':
        raise SchemaError(f'dtype must be "float32", got {header.get("dtype")!r}')
    if header.get('shape') != list(shape):
        raise SchemaError(f'shape must be {list(shape)}, got {header.get("shape")!r}')
    expected = int(np.prod(shape)) * 4
    if len(payload) != expected:
        raise SchemaError(f'payload has {len(payload)} bytes, shape {list(shape)} float32 needs {expected}')
    array = np.frombuffer(payload, '<f4').reshape(shape)
    if not np.all(np.isfinite(array)):
        raise SchemaError('payload contains NaN or infinite values')
    return array.astype(np.float32)


def parse_request(frames: list[bytes], image_size: int, token: str | None) -> tuple[str, dict, np.ndarray | None]:
    """Validate a request: returns (kind, header, partial scan or None for a ping); raises SchemaError."""
    if not frames:
        raise SchemaError('empty message')
    header = parse_header(frames[0])
    if token is not None and not hmac.compare_digest(str(header.get('token') or ''), token):
        raise SchemaError('missing or wrong token')
    kind = header.get('kind')
    if kind == 'ping':
        return kind, header, None
    if kind != 'complete':
        raise SchemaError(f'unknown message kind {kind!r}')
    if not isinstance(header.get('scan_id'), str) or not SCAN_ID.match(header['scan_id']):
        raise SchemaError('scan_id must be 1-128 characters of [A-Za-z0-9_.-]')
    if len(frames) != 2:
        raise SchemaError(f'a request has 2 frames (header, payload), got {len(frames)}')
    partial = _array(header, frames[1], (image_size, image_size, 2))
    if not np.all((partial[..., 1] == 0) | (partial[..., 1] == 1)):
        raise SchemaError('mask channel must be 0 or 1')
    return kind, header, partial


def parse_reply(frames: list[bytes]) -> tuple[str | None, np.ndarray | None]:
    """A reply -> (scan_id, completion); 'pong' -> (None, None); an error reply raises ServiceError."""
    header = parse_header(frames[0])
    kind = header.get('kind')
    if kind == 'error':
        raise ServiceError(f'service error for scan {header.get("scan_id")}: {header.get("error")}', header.get('scan_id'))
    if kind == 'pong':
        return None, None
    if kind != 'completion' or len(frames) != 2:
        raise SchemaError(f'unexpected reply kind {kind!r} with {len(frames)} frames')
    shape = tuple(header.get('shape') or ())
    if len(shape) != 2:
        raise SchemaError(f'completion shape must be [H, W], got {header.get("shape")!r}')
    return header['scan_id'], _array(header, frames[1], shape)
