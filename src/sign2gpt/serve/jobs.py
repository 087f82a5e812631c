"""One model run at a time: uploads wait in line for a single worker thread.

The model is not thread-safe and a second run in parallel would only halve the speed of both on
a CPU, so translations go through a one-thread executor in arrival order. Each waiting job has
a ticket (chosen by the client) so the page can ask how many clips are ahead of it.
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
    QUEUED = "queued"
    RUNNING = "running"
    UNKNOWN = "unknown"  # finished, never seen, or forgotten


@dataclass
class TicketStatus:
    state: JobState
    ahead: int  # jobs that run before this one (the running one included)


class QueueFull(Exception):
    """More jobs wait than the server takes (``ServeLimits.max_waiting``)."""


class TicketInUse(Exception):
    """Another waiting or running job has this ticket."""


class JobQueue:
    def __init__(self, max_waiting: int) -> None:
        self.max_waiting = max_waiting
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sign2gpt-model")
        self._lock = threading.Lock()
        self._waiting: list[str] = []  # tickets in arrival order
        self._running: str | None = None

    async def run(self, ticket: str, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the worker thread after every job queued before it."""
        with self._lock:
            if ticket in self._waiting or ticket == self._running:
                raise TicketInUse(f"ticket {ticket!r} is in use by another upload")
            if len(self._waiting) >= self.max_waiting:
                raise QueueFull
            self._waiting.append(ticket)

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
            return TicketStatus(JobState.UNKNOWN, 0)

    def load(self) -> tuple[bool, int]:
        """(a job is running, jobs waiting)."""
        with self._lock:
            return self._running is not None, len(self._waiting)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
