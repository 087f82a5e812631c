"""One model run at a time: uploads wait in line for a single worker thread.

The model is not thread-safe and a second run in parallel would only halve the speed of both on
a CPU, so translations go through a one-thread executor in arrival order. Each waiting job has
a ticket (chosen by the client) so the page can ask how many clips are ahead of it.

An upload takes its place in line (:meth:`JobQueue.reserve`) before its body is read, so a full
line refuses it before a byte of it is written or unpacked; a place counts against
``max_waiting`` while the upload arrives and while it waits for the worker.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

T = TypeVar("T")


class JobState(Enum):
    RECEIVING = "receiving"  # the upload is still arriving
    QUEUED = "queued"
    RUNNING = "running"
    UNKNOWN = "unknown"  # finished, never seen, or forgotten


@dataclass
class TicketStatus:
    state: JobState
    ahead: int  # jobs that run before this one (the running one included)


class QueueFull(Exception):
    """More uploads are in line than the server takes (``ServeLimits.max_waiting``)."""


class TicketInUse(Exception):
    """Another waiting or running job has this ticket."""


class JobQueue:
    def __init__(self, max_waiting: int) -> None:
        self.max_waiting = max_waiting
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sign2gpt-model")
        self._lock = threading.Lock()
        self._receiving: list[str] = []  # tickets whose uploads arrive, in arrival order
        self._waiting: list[str] = []  # tickets handed to the worker, in its order
        self._running: str | None = None

    def _admit(self, ticket: str, into: list[str]) -> None:
        with self._lock:
            taken = ticket in self._receiving or ticket in self._waiting
            if taken or ticket == self._running:
                raise TicketInUse(f"ticket {ticket!r} is in use by another upload")
            if len(self._receiving) + len(self._waiting) >= self.max_waiting:
                raise QueueFull
            into.append(ticket)

    def reserve(self, ticket: str) -> None:
        """A place in line for an upload about to arrive (QueueFull, TicketInUse at once); held
        until :meth:`run` hands the job to the worker or :meth:`release` gives it up."""
        self._admit(ticket, self._receiving)

    def release(self, ticket: str) -> None:
        """Give up a place :meth:`reserve` took, if the job never went to the worker."""
        with self._lock:
            if ticket in self._receiving:
                self._receiving.remove(ticket)

    async def run(self, ticket: str, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the worker thread after every job handed to it before; ``ticket``
        keeps the place it holds, or takes one."""
        with self._lock:
            placed = ticket in self._receiving
            if placed:
                self._receiving.remove(ticket)
                self._waiting.append(ticket)
        if not placed:
            self._admit(ticket, self._waiting)

        def job() -> T:
            with self._lock:
                self._waiting.remove(ticket)
                self._running = ticket
            try:
                return fn()
            finally:
                with self._lock:
                    self._running = None

        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, job)
        finally:
            with self._lock:  # a job cancelled before it started never removed itself
                if ticket in self._waiting:
                    self._waiting.remove(ticket)

    def status(self, ticket: str) -> TicketStatus:
        with self._lock:
            busy = 1 if self._running is not None else 0
            if ticket == self._running:
                return TicketStatus(JobState.RUNNING, 0)
            if ticket in self._waiting:
                return TicketStatus(JobState.QUEUED, busy + self._waiting.index(ticket))
            if ticket in self._receiving:
                return TicketStatus(JobState.RECEIVING, busy + len(self._waiting))
            return TicketStatus(JobState.UNKNOWN, 0)

    def load(self) -> tuple[bool, int]:
        """(a job is running, uploads in line: arriving or waiting)."""
        with self._lock:
            return self._running is not None, len(self._receiving) + len(self._waiting)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
