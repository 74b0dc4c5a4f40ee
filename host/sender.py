"""The sender thread: completes stored scans in the background so that scanning never waits for the service."""

from __future__ import annotations

import queue
import sys
import threading
import time

from host.client import CompletionClient, ServiceUnavailable
from host.schema import SchemaError, ServiceError
from host.store import CorruptScan, ScanStore


def _log(message: str) -> None:
    print(f'[sender] {message}', file=sys.stderr, flush=True)


def complete_one(
    store: ScanStore, client: CompletionClient, scan_id: str, retries: int, backoff_s: float, figure=None
) -> str:
    """Send one pending scan with bounded retries and exponential backoff, holding its claim in the store.

    Returns 'done', 'duplicate', 'corrupt' (set aside in corrupt/), 'pending' (service still failing, or its replies
    were not valid completions: retry later) or 'elsewhere' (another process completed it or is completing it).
    """
    with store.claim(scan_id) as claimed:
        if not claimed:
            return 'elsewhere'
        try:
            arrays, meta = store.load(scan_id)
        except CorruptScan as e:
            _log(f'error: {e}; moved to {store.set_aside(scan_id)}, the other scans carry on')
            return 'corrupt'
        for attempt in range(retries + 1):
            try:
                image = client.complete(scan_id, arrays['partial_scan'])
            except (ServiceUnavailable, ServiceError, SchemaError) as e:
                if attempt == retries:
                    _log(f'{scan_id} stays in pending/ after {retries + 1} attempts ({e}); finish with --complete-pending')
                    return 'pending'
                time.sleep(min(backoff_s * 2**attempt, 2.0))
                continue
            draw = None if figure is None else (lambda path: figure(path, arrays, meta, image))
            return 'done' if store.complete(scan_id, image, draw) else 'duplicate'
    return 'pending'


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
    store: ScanStore, client: CompletionClient, retries: int = 3, backoff_s: float = 0.1, figure=None
) -> dict[str, str]:
    """Complete every scan still in pending/ (after the service was down): {scan_id: outcome}."""
    return {sid: complete_one(store, client, sid, retries, backoff_s, figure) for sid in store.pending_ids()}
