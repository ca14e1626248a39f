"""Durable audit writes with group commit, off the request path.

Each call's record must be written, and for calls that change state or hand out
credentials it must be on disk before the reply goes out — yet one fsync per
request would cap throughput at the disk's sync rate, and building and inserting
records on the request thread would take CPU from requests.  So:

* :class:`ProcessAuditWriter` (what the server uses) runs the writer in a child
  process.  The request path only sends the call's :class:`AuditFacts` down a
  pipe; the child builds the CloudTrail records, inserts every record that
  arrived since its last commit in one transaction, commits once (group commit)
  and acknowledges them together.  The records' work happens on another core,
  never holding the request process's GIL.
* :class:`AuditWriter` does the same on a thread of the calling process (for
  in-process tools), or synchronously when not started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import queue
import threading
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Any

from rolecall.store.engine import Store

from .batch import KeyUse, RoleUse, write_batch
from .record import AuditFacts, event_from

log = logging.getLogger(__name__)
_MAX_BATCH = 1024

__all__ = ["AuditWriter", "KeyUse", "ProcessAuditWriter", "RoleUse"]

_Item = tuple[AuditFacts | KeyUse | RoleUse | None, "Future[None] | None"]


class AuditWriter:
    """Group-committed audit writes on a thread of this process."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the writer thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="rolecall-audit", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Flush what is queued and stop the thread."""
        if self._thread is not None:
            self._queue.put((None, None))
            self._thread.join(timeout=30)
            self._thread = None

    def submit(self, facts: AuditFacts, *, wait: bool = True) -> Future[None]:
        """Queue a call's record; the future completes once it is committed."""
        future: Future[None] = Future()
        if self._thread is None:
            write_batch(self.store, [event_from(facts)], [])
            future.set_result(None)
            return future
        self._queue.put((facts, future))
        return future

    def note(self, use: KeyUse | RoleUse) -> None:
        """Queue usage bookkeeping (not waited for)."""
        if self._thread is None:
            write_batch(self.store, [], [use])
        else:
            self._queue.put((use, None))

    def flush(self) -> None:
        """Nothing to do: the thread takes records as they come."""

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < _MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            facts = [x for x, _ in batch if isinstance(x, AuditFacts)]
            uses = [x for x, _ in batch if isinstance(x, KeyUse | RoleUse)]
            futures = [f for _, f in batch if f is not None]
            try:
                if facts or uses:
                    write_batch(self.store, [event_from(f) for f in facts], uses)
            except Exception as exc:
                log.exception("audit write failed")
                for f in futures:
                    f.set_exception(exc)
            else:
                for f in futures:
                    f.set_result(None)
            if any(x is None for x, _ in batch):
                return


class ProcessAuditWriter:
    """Group-committed audit writes in a child process (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._conn: Connection | None = None
        self._process: Any = None
        self._reader: threading.Thread | None = None
        self._futures: dict[int, asyncio.Future[None] | Future[None]] = {}
        self._pending: list[tuple[str, int, Any]] = []
        self._seq = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the child process and the acknowledgement reader (idempotent)."""
        if self._process is not None:
            return
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe(duplex=True)
        self._process = context.Process(
            target=_child_main, args=(self.store.url, child), name="rolecall-audit", daemon=True
        )
        self._process.start()
        child.close()
        self._conn = parent
        self._reader = threading.Thread(
            target=self._read_acks, name="rolecall-audit-acks", daemon=True
        )
        self._reader.start()

    def stop(self) -> None:
        """Flush, stop the child and fail anything still unacknowledged."""
        if self._process is None or self._conn is None:
            return
        self.flush()
        with contextlib.suppress(OSError):
            self._conn.send([("stop", 0, None)])
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()
        if self._reader is not None:
            self._reader.join(timeout=5)
        self._fail_all(RuntimeError("audit writer stopped"))
        self._process = None
        self._conn = None

    def submit(
        self,
        facts: AuditFacts,
        *,
        wait: bool = True,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> asyncio.Future[None] | Future[None] | None:
        """Queue a call's record for the writer.

        With ``wait`` the returned future completes once the record is committed:
        a future of ``loop`` when one is given (the server's: the records a batch
        acknowledges are then settled by one call into the loop, not one wake-up
        each), else a :class:`concurrent.futures.Future`.  Records are sent in
        batches by :meth:`flush`, which the server calls once per event-loop
        turn: one pickle and one pipe write for every record of the turn.
        """
        future: asyncio.Future[None] | Future[None] | None = None
        if wait:
            future = loop.create_future() if loop is not None else Future()
        with self._lock:
            self._seq += 1
            if future is not None:
                self._futures[self._seq] = future
            # "w": someone waits for this record; "e": nobody does, so a batch of
            # only such records is not acknowledged (no wake-up of the ack reader).
            self._pending.append(("w" if future is not None else "e", self._seq, facts))
        return future

    def note(self, use: KeyUse | RoleUse) -> None:
        """Queue usage bookkeeping (not waited for)."""
        with self._lock:
            self._pending.append(("u", 0, use))

    def flush(self) -> None:
        """Send everything queued since the last flush in one message."""
        with self._lock:
            pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            assert self._conn is not None, "audit writer not started"
            self._conn.send(pending)
        except (OSError, AssertionError) as exc:
            log.error("audit writer unavailable: %s", exc)
            failed = {seq for kind, seq, _ in pending if kind == "w"}
            with self._lock:
                futures = [self._futures.pop(s) for s in failed if s in self._futures]
            _settle(futures, RuntimeError("audit writer unavailable"))

    def _read_acks(self) -> None:
        conn = self._conn
        assert conn is not None
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                self._fail_all(RuntimeError("audit writer process ended"))
                return
            kind, upto = message[0], message[1]
            with self._lock:
                if not self._futures:
                    continue
                done = [s for s in self._futures if s <= upto]
                futures = [self._futures.pop(s) for s in done]
            _settle(futures, None if kind == "ok" else RuntimeError(str(message[2])))

    def _fail_all(self, exc: Exception) -> None:
        with self._lock:
            futures = list(self._futures.values())
            self._futures.clear()
        _settle(futures, exc)


def _settle(futures: list[asyncio.Future[None] | Future[None]], error: Exception | None) -> None:
    """Complete ``futures`` (from any thread): one call into each event loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
    for future in futures:
        if isinstance(future, asyncio.Future):
            by_loop.setdefault(future.get_loop(), []).append(future)
        elif not future.done():
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)
    for loop, waiting in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            loop.call_soon_threadsafe(_settle_in_loop, waiting, error)


def _settle_in_loop(futures: list[asyncio.Future[None]], error: Exception | None) -> None:
    for future in futures:
        if future.done():  # the request was cancelled (client gone)
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)


def _child_main(url: str, conn: Connection) -> None:
    """The writer process: batch whatever arrived, commit once, acknowledge."""
    store = Store(url)
    try:
        while True:
            try:
                messages = list(conn.recv())
                while len(messages) < _MAX_BATCH and conn.poll(0):
                    messages.extend(conn.recv())
            except (EOFError, OSError):
                return
            facts = [m[2] for m in messages if m[0] in ("e", "w")]
            seqs = [m[1] for m in messages if m[0] == "w"]
            uses = [m[2] for m in messages if m[0] == "u"]
            stopping = any(m[0] == "stop" for m in messages)
            try:
                if facts or uses:
                    write_batch(store, [event_from(f) for f in facts], uses)
            except Exception as exc:
                logging.getLogger(__name__).exception("audit write failed")
                if seqs:
                    conn.send(("error", max(seqs), repr(exc)))
            else:
                if seqs:
                    conn.send(("ok", max(seqs)))
            if stopping:
                return
    finally:
        store.dispose()
