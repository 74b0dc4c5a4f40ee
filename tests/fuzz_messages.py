"""Messages a hostile or careless client sends the completion service, and a run of them against a live service.

`message(rng, kind)` -> (frames, expect): expect 'completion' (a valid request), 'reply' (an error or a completion,
whichever the mutation left), 'error', or 'dropped' (a frame over the per-frame limit, or a message larger than
what a connection may hold: the service's gate closes the connection and nothing reaches the service). `fuzz(address, service, n, seed)` sends n of them one at a time and counts what came back;
the CI test sends a few hundred, bench/reliability.py sends at least 10,000.
"""

from __future__ import annotations

import json
import time

import numpy as np

from host import schema
from host.generator_service import WINDOW_FRAMES, window_bytes

SIZE = 96
KINDS = {'valid': 0.2, 'mutated': 0.35, 'oversized': 0.1, 'nested': 0.15, 'many frames': 0.05, 'garbage': 0.15}


def valid_request(rng: np.random.Generator, scan_id: str) -> list[bytes]:
    """A request the service must complete: 20-800 probes at random pixels, values in [-1, 1]."""
    scan = np.zeros((SIZE, SIZE, 2), np.float32)
    idx = rng.choice(SIZE * SIZE, int(rng.integers(20, 800)), replace=False)
    scan.reshape(-1, 2)[idx] = np.stack([rng.uniform(-1, 1, len(idx)), np.ones(len(idx))], 1)
    return schema.request(scan_id, scan)


def json_value(rng: np.random.Generator, depth: int = 0):
    """A random JSON value: numbers (huge, tiny, negative), strings (non-ASCII too), lists, objects, null."""
    choice = int(rng.integers(0, 9 if depth < 4 else 6))
    if choice == 0:
        return None
    if choice == 1:
        return bool(rng.integers(0, 2))
    if choice == 2:
        return int(rng.choice([0, -1, 96, 2, 2**31, -(2**63), 10**30]))
    if choice == 3:
        return float(rng.choice([0.5, -1.0, 96.0, 3e38, 1e308, -1e-300]))
    if choice == 4:
        return str(rng.choice(['', 'été', 'float32', 'complete', 'ping', '../../etc/passwd', 'x' * 200, '\0', '😀']))
    if choice == 5:
        return str(rng.choice(['float64', 'completion', 'error', schema.SCHEMA]))
    if choice == 6:
        return [json_value(rng, depth + 1) for _ in range(int(rng.integers(0, 4)))]
    if choice == 7:
        return {str(k): json_value(rng, depth + 1) for k in range(int(rng.integers(0, 4)))}
    return [[[[json_value(rng, depth + 4)]]]]


def mutated(rng: np.random.Generator, scan_id: str) -> list[bytes]:
    """A valid request with one thing changed: a header field, a few bytes, the payload's length or values."""
    header_bytes, payload = valid_request(rng, scan_id)
    header = json.loads(header_bytes)
    how = int(rng.integers(0, 7))
    if how == 0:
        header[str(rng.choice(list(header) + ['extra']))] = json_value(rng)
    elif how == 1:
        header.pop(str(rng.choice(list(header))))
    elif how == 2:
        raw = bytearray(header_bytes)
        for i in rng.integers(0, len(raw), int(rng.integers(1, 6))):
            raw[i] = int(rng.integers(0, 256))
        return [bytes(raw), payload]
    elif how == 3:
        return [header_bytes[: int(rng.integers(0, len(header_bytes)))], payload]
    elif how == 4:
        cut = int(rng.integers(0, len(payload)))
        return [header_bytes, payload[:cut] if rng.integers(0, 2) else payload + bytes(int(rng.integers(1, 1000)))]
    elif how == 5:
        scan = np.frombuffer(payload, np.float32).copy()
        scan[rng.integers(0, scan.size, int(rng.integers(1, 20)))] = rng.choice([np.nan, np.inf, -np.inf, 3e38, 0.5, 2.0])
        payload = scan.tobytes()
    else:
        header['version'] = int(rng.choice([0, 1, 3]))
    return [json.dumps(header).encode(), payload]


def message(rng: np.random.Generator, kind: str, number: int) -> tuple[list[bytes], str]:
    scan_id = f'fuzz-{number}'
    if kind == 'valid':
        return valid_request(rng, scan_id), 'completion'
    if kind == 'mutated':
        return mutated(rng, scan_id), 'reply'
    if kind == 'oversized':
        if rng.integers(0, 2):  # one frame over the per-frame limit: ZeroMQ disconnects before Python sees it
            size = int(rng.integers(schema.max_wire_bytes(SIZE) + 1, 8 << 20))
            return [valid_request(rng, scan_id)[0], bytes(size)], 'dropped'
        header = valid_request(rng, scan_id)[0]  # every frame within the limit, the message over it
        return [header + b' ' * (schema.MAX_HEADER_BYTES - len(header)), bytes(schema.max_frame_bytes(SIZE))], 'error'
    if kind == 'nested':
        opener = str(rng.choice(['[', '{"a":', '[{"b":']))
        depth = int(rng.integers(1, 2 * schema.MAX_HEADER_BYTES // len(opener)))
        if rng.integers(0, 2):  # the whole header nested
            return [(opener * depth)[: schema.MAX_HEADER_BYTES + 100].encode(), b''], 'error'
        header = json.loads(valid_request(rng, scan_id)[0])  # a nested value in an unknown field
        text = json.dumps(header)[:-1] + ', "extra": ' + '[' * min(depth, 1500) + ']' * min(depth, 1500) + '}'
        return [text.encode(), valid_request(rng, scan_id)[1]], 'reply'
    if kind == 'many frames':  # refused with an error, or cut by the gate when it can never fit the window
        frames = valid_request(rng, scan_id)
        frames += [bytes(int(rng.integers(0, 70_000))) for _ in range(int(rng.integers(1, 40)))]
        wire = sum(len(f) + (2 if len(f) < 256 else 9) for f in frames)
        return frames, 'error' if wire <= window_bytes(SIZE) and len(frames) <= WINDOW_FRAMES else 'dropped'
    frames = [rng.bytes(int(rng.integers(0, 5000))) for _ in range(int(rng.integers(1, 3)))]  # garbage
    return frames, 'reply'


def reply_kind(reply: list[bytes]) -> str | None:
    """'completion', 'error' or 'pong' (a mutation can turn a request into a ping); None for anything else."""
    if reply[0] == b'' and len(reply) > 1:  # an empty first frame made the service answer as to a REQ socket
        reply = reply[1:]
    try:
        kind = schema.parse_header(reply[0]).get('kind')
    except schema.SchemaError:
        return None
    return kind if kind in ('completion', 'error', 'pong') else None


def fuzz(address: str, service, n: int, seed: int = 0, timeout_s: float = 10.0) -> dict:
    """Send n generated messages one at a time; count replies by kind and every surprise.

    crashes: times the service process was found dead; unanswered: messages that expected a reply and got none;
    wrong: a valid request not completed, an invalid one answered with a completion, a dropped one answered.
    """
    import zmq

    rng = np.random.default_rng(seed)
    kinds, weights = list(KINDS), np.array(list(KINDS.values()))
    counts = {k: 0 for k in KINDS}
    tally = {
        'messages': 0,
        'completions': 0,
        'errors': 0,
        'pongs': 0,
        'dropped': 0,
        'unanswered': 0,
        'wrong': 0,
        'crashes': 0,
    }
    context, sock, wrong = zmq.Context.instance(), None, []
    t0 = time.perf_counter()
    for number in range(n):
        kind = str(rng.choice(kinds, p=weights / weights.sum()))
        frames, expect = message(rng, kind, number)
        counts[kind] += 1
        if sock is None:
            sock = context.socket(zmq.DEALER)
            sock.setsockopt(zmq.LINGER, 1000)
            sock.connect(address)
        sock.send_multipart(frames)
        tally['messages'] += 1
        if expect == 'dropped':
            tally['dropped'] += 1
            tally['wrong'] += bool(sock.poll(20))
            sock.close()  # the service disconnected it: the next message goes on a fresh connection
            sock = None
        elif not sock.poll(int(timeout_s * 1000)):
            tally['unanswered'] += 1
            sock.close(0)
            sock = None
        else:
            reply = sock.recv_multipart()
            got = reply_kind(reply)
            if got is not None:
                tally[f'{got}s'] += 1
            if got is None or (expect in ('completion', 'error') and got != expect):
                tally['wrong'] += 1
                wrong.append(
                    {'number': number, 'kind': kind, 'expected': expect, 'reply': reply[0][:300].decode(errors='replace')}
                )
        if service.poll() is not None:
            tally['crashes'] += 1
            break
    if sock is not None:
        sock.close(0)
    return {**tally, 'by_kind': counts, 'wrong_examples': wrong[:5], 'seconds': round(time.perf_counter() - t0, 1)}
