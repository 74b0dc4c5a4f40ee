"""The sender thread: completes stored scans in the background so that scanning never waits for the service."""

from __future__ import annotations

import json
import queue
import random
import sys
import threading
import time

from host.client import CompletionClient, ServiceUnavailable
from host.schema import MAX_IMAGE_SIZE, SchemaError, ServiceError, check_partial
from host.store import CorruptScan, ScanStore


def _log(message: str) -> None:
    print(f'[sender] {message}', file=sys.stderr, flush=True)


BUSY_PATIENCE_S = 60.0
"""How long one scan keeps being resent to a service that answers "busy" before it waits in pending/ for later."""
_said: set[str] = set()


def _log_once(message: str) -> None:
    """Log a message once per process (a configuration mismatch concerns every scan: one line says it)."""
    if message not in _said:
        _said.add(message)
        _log(message)


def check_scan(arrays: dict, meta: dict) -> None:
    """What no service can ever take: a partial scan that breaks the schema (see schema.check_partial), is larger than
    any service completes, or disagrees with the geometry it was acquired with. Raises SchemaError."""
    partial = arrays['partial_scan']
    size = partial.shape[0]
    if size > MAX_IMAGE_SIZE:
        raise SchemaError(f'partial scan of {size}x{size} px: no service completes scans larger than {MAX_IMAGE_SIZE} px')
    try:
        geometry = json.loads(meta['geometry']) if isinstance(meta.get('geometry'), str) else meta.get('geometry')
        expected = geometry['image_size'] if isinstance(geometry, dict) else None
    except (ValueError, TypeError, KeyError):
        expected = None
    if expected is not None and expected != size:
        raise SchemaError(f'partial scan of {size}x{size} px, but the scan was acquired at {expected}x{expected} px')
    check_partial(partial)


def mismatch(client: CompletionClient, partial) -> str | None:
    """Why the service cannot complete this (valid) scan as configured, or None: checked against the limits it
    announces (older services announce none: then nothing is checked). Raises ServiceUnavailable."""
    size, limits = partial.shape[0], client.limits()
    if limits['image_size'] is not None and limits['image_size'] != size:
        n = limits['image_size']
        return (
            f'{size}x{size} px scans wait in pending/: the completion service at {client.address} completes {n}x{n} px '
            f'scans (a configuration mismatch: start a service for {size} px, --image-size {size} or a checkpoint trained '
            'at that size, then run --complete-pending)'
        )
    return None


def complete_one(
    store: ScanStore, client: CompletionClient, scan_id: str, retries: int, backoff_s: float, figure=None
) -> str:
    """Send one pending scan with bounded retries and exponential backoff, holding its claim in the store.

    Returns 'done', 'duplicate', 'corrupt' (unreadable: set aside in corrupt/), 'refused' (the scan breaks the schema,
    checked here or by the service: moved to refused/ with the reason), 'mismatch' (a valid scan of another size than
    the service's: not sent, stays in pending/), 'unavailable' (no reply after every retry: stays in pending/),
    'pending' (the service failed to complete it, stayed busy, or its replies were not valid completions: stays in
    pending/ for later) or 'elsewhere' (another process completed it or is completing it).
    A "busy" answer is not an attempt: the scan is resent after the wait the service asks for, for up to
    BUSY_PATIENCE_S.
    """
    with store.claim(scan_id) as claimed:
        if not claimed:
            return 'elsewhere'
        try:
            arrays, meta = store.load(scan_id)
        except CorruptScan as e:
            _log(f'error: {e}; moved to {store.set_aside(scan_id)}, the other scans carry on')
            return 'corrupt'
        try:
            check_scan(arrays, meta)
        except SchemaError as e:
            _log(f'{scan_id} cannot be completed ({e}): moved to {store.refuse(scan_id, str(e))}')
            return 'refused'
        attempt, patience = 0, time.monotonic() + BUSY_PATIENCE_S
        while True:
            try:
                why = mismatch(client, arrays['partial_scan'])
                if why is not None:
                    _log_once(why)
                    return 'mismatch'
                image = client.complete(scan_id, arrays['partial_scan'])
            except ServiceError as e:
                if e.permanent:
                    _log(f'{scan_id} refused by the service ({e}): moved to {store.refuse(scan_id, str(e))}')
                    return 'refused'
                if e.busy and time.monotonic() < patience:
                    time.sleep(min(max(e.retry_after_s, backoff_s), 5.0) * random.uniform(0.5, 1.5))
                    continue
                failure, outcome = str(e), 'pending'
            except SchemaError as e:
                failure, outcome = str(e), 'pending'
            except ServiceUnavailable as e:
                failure, outcome = str(e), 'unavailable'
            else:
                draw = None if figure is None else (lambda path: figure(path, arrays, meta, image))
                return 'done' if store.complete(scan_id, image, draw) else 'duplicate'
            if attempt == retries:
                _log(f'{scan_id} stays in pending/ after {retries + 1} attempts ({failure}); finish with --complete-pending')
                return outcome
            time.sleep(min(backoff_s * 2**attempt, 2.0))
            attempt += 1


class Sender(threading.Thread):
    """Takes scan ids from a queue and completes them one by one; `stop()` drains the queue and joins.

    An unexpected exception (a full disk, a bug) ends the thread and is kept in `error`: the scans not sent stay in
    pending/, and the caller must report it and exit non-zero.
    """

    def __init__(self, store: ScanStore, client: CompletionClient, retries: int = 3, backoff_s: float = 0.1, figure=None):
        super().__init__(name='completion-sender', daemon=True)
        self.store, self.client, self.retries, self.backoff_s, self.figure = store, client, retries, backoff_s, figure
        self.queue: queue.Queue = queue.Queue()
        self.outcomes: dict[str, str] = {}
        self.completed_at: dict[str, float] = {}
        self.abandon = threading.Event()
        self.error: Exception | None = None

    def submit(self, scan_id: str) -> None:
        self.queue.put(scan_id)

    def run(self) -> None:
        try:
            while (scan_id := self.queue.get()) is not None:
                if self.abandon.is_set():
                    continue
                self.outcomes[scan_id] = complete_one(
                    self.store, self.client, scan_id, self.retries, self.backoff_s, self.figure
                )
                self.completed_at[scan_id] = time.perf_counter()
        except Exception as e:
            self.error = e
            _log(f'error: the sender stopped ({type(e).__name__}: {e}); unsent scans wait in {self.store.pending}')

    def stop(self, timeout_s: float | None = None) -> None:
        """Finish the queue within timeout_s; scans not sent by then stay in pending/ (--complete-pending)."""
        self.queue.put(None)
        self.join(timeout_s)
        if self.is_alive():
            self.abandon.set()
            self.join(self.retries * (self.client.timeout_s + 2.0) + self.client.timeout_s)


def complete_pending(
    store: ScanStore, client: CompletionClient, retries: int = 3, backoff_s: float = 0.1, figure=None, give_up_after=2
) -> dict[str, str]:
    """Complete every scan still in pending/ (after the service was down): {scan_id: outcome}.

    Entries of pending/ that are not files are set aside first (outcome 'corrupt'). Once `give_up_after` scans in a row
    got no reply (each after its retries), the service is taken as down and the remaining scans are not tried: outcome
    'waiting'. A scan the service is not configured for ('mismatch') is not sent and says nothing about the service.
    """
    outcomes, unanswered = {}, 0
    for moved in store.set_aside_strays():
        _log(f'error: {moved.name} in pending/ is not a scan file: moved to {moved}, the other scans carry on')
        outcomes[moved.name] = 'corrupt'
    for scan_id in store.pending_ids():
        if unanswered >= give_up_after:
            outcomes[scan_id] = 'waiting'
            continue
        outcomes[scan_id] = complete_one(store, client, scan_id, retries, backoff_s, figure)
        if outcomes[scan_id] != 'mismatch':
            unanswered = unanswered + 1 if outcomes[scan_id] == 'unavailable' else 0
    return outcomes
