"""An in-process, thread-based batch loader: the alternative to DataLoader worker processes
(``data.loader: threads``).

Why: a DataLoader worker process writes every batch into fresh shared memory, and faulting in
fresh pages is a large part of what a frame costs in all (about ten times what reused memory
costs; benchmarks/RESULTS.md#data-throughput). Frame decoding (simplejpeg, Pillow, OpenCV) and
the OpenCV transforms release the GIL (two threads give nearly twice one thread's throughput),
so threads that write into REUSED buffers (:class:`BatchBufferPool`) skip the hand-over cost
and keep the parallelism.

Both loaders tune the C allocator of the process that decodes (:func:`tune_allocator`).
Not changed here: torch's intra-op thread count (process-global) and OpenCV's (single-threaded
already, ``sign2gpt.data``).
"""

from __future__ import annotations

import ctypes
import inspect
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, default_collate

from sign2gpt.config import DataConfig

# How many tensors share a storage; None where this torch lacks it (then buffers are never
# reused: correct, only slower).
_storage_use_count: Callable[[int], int] | None = getattr(torch._C, "_storage_Use_Count", None)

_TUNED_PID = 0  # the process that ran tune_allocator (0: none)


def tune_allocator() -> None:
    """glibc malloc keeps freed memory in the process that decodes frames (a DataLoader worker
    process, or the process running :class:`ThreadLoader`), once per process.

    The decode and transform buffers (a few MB per chunk of frames) are then reused instead of
    being returned to the kernel and faulted in again, page by page, for the next chunk (about
    30 page faults per frame). Measured on the 2-core test VM: a worker process reads and
    decodes faster, and two loader threads in a fresh process stop faulting from the second
    epoch on, where glibc's own adaptive thresholds took several epochs
    (``benchmarks/loader_allocator.py``,
    benchmarks/RESULTS.md#thread-loader-and-the-c-allocator). The cost: up to 512 MB of freed
    heap stays with the process. A no-op where the C library is not glibc.
    """
    global _TUNED_PID
    if os.getpid() == _TUNED_PID:
        return
    _TUNED_PID = os.getpid()
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3  # glibc <malloc.h>
        libc.mallopt(m_mmap_threshold, 32 << 20)  # heap, not mmap, below 32 MB
        libc.mallopt(m_trim_threshold, 512 << 20)  # keep up to 512 MB of freed heap
    except (OSError, AttributeError):
        pass


def release_free_memory() -> bool:
    """Hands the C heap's free pages back to the kernel (glibc ``malloc_trim(0)``); False where
    the C library is not glibc.

    Clips of varying length make tensors of varying size, and the heap that
    :func:`tune_allocator` keeps fragments: free chunks between live ones, which no trim
    threshold returns. On the large corpus ``malloc_trim`` gave back about half of what a
    stage-1 process held during its first epoch (docs/large-corpus.md#memory). Training calls
    this every ``train.release_memory_every_steps`` steps
    (:class:`sign2gpt.train.runner.ReleaseMemory`).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        return False
    return True


class BatchBufferPool:
    """Thread-safe pool of flat uint8 CPU buffers for packed batches of frames.

    A buffer is free again once the pool's own storage object is its only reference: every
    tensor made from it (the packed batch, each item's slice, a ``.detach()`` alias, a numpy
    view) holds one more, so a batch still used anywhere is never overwritten.

    Not pinned on purpose: an asynchronous copy from pinned memory could still be reading a
    buffer when its batch is dropped and the pool hands it out again; from pageable memory
    ``.to("cuda", non_blocking=True)`` has read the source when it returns.

    ``max_buffers`` caps the pooled buffers: a consumer that keeps many batches gets unpooled
    ones beyond it, so memory cannot grow without bound.
    """

    def __init__(self, max_buffers: int = 8) -> None:
        if max_buffers < 1:
            raise ValueError(f"max_buffers must be >= 1, got {max_buffers}")
        self.max_buffers = max_buffers
        self.allocations = 0  # buffers allocated so far (pooled or not), for tests and benchmarks
        self._buffers: list[torch.UntypedStorage] = []
        self._largest = 0  # bytes of the largest batch asked for so far
        self._lock = threading.Lock()

    @property
    def num_pooled(self) -> int:
        """Buffers held by the pool now (busy or free)."""
        return len(self._buffers)

    def take(self, total: int, size: int) -> torch.Tensor:
        """An uninitialised (total, 3, size, size) uint8 tensor in channels-last memory, laid
        out as :func:`sign2gpt.data.augment.new_frames` makes it: one (size, size, 3) picture
        per frame. Its ``_base`` is the (total, size, size, 3) tensor of the buffer (not a view
        of a larger flat tensor), so :func:`sign2gpt.data.dataset.collate_clips` recognises
        the items' slices of it as one packed batch."""
        nbytes = total * size * size * 3
        with self._lock:
            storage = self._free_buffer(nbytes)
            # made under the lock: the new tensor's reference marks the buffer busy before
            # another thread can look at it
            hwc = torch.empty(0, dtype=torch.uint8).set_(storage, 0, (total, size, size, 3))
        return hwc.permute(0, 3, 1, 2)  # (total, 3, S, S), channels-last memory

    def _free_buffer(self, nbytes: int) -> torch.UntypedStorage:
        """A free pooled buffer of at least ``nbytes`` (the smallest that fits), else a new one
        with room for the largest batch seen so far (its pages that a batch never touches cost
        no memory), pooled in place of a free buffer too small, or added while under the cap."""
        self._largest = max(self._largest, nbytes)
        if _storage_use_count is None:
            self.allocations += 1
            return torch.UntypedStorage(nbytes)
        free = [b for b in self._buffers if _storage_use_count(b._cdata) == 1]
        fits = [b for b in free if b.nbytes() >= nbytes]
        if fits:
            return min(fits, key=lambda b: b.nbytes())
        storage = torch.UntypedStorage(self._largest)
        self.allocations += 1
        if free:  # every free buffer is too small: drop the smallest for the new one
            smallest = min(free, key=lambda b: b.nbytes())
            self._buffers[next(i for i, b in enumerate(self._buffers) if b is smallest)] = storage
        elif len(self._buffers) < self.max_buffers:
            self._buffers.append(storage)
        return storage


class ThreadLoader:
    """Batches of ``dataset`` in ``batch_sampler`` order, loaded by ``num_threads`` threads of
    this process: ``ThreadLoader(dataset, batch_sampler, collate_fn)`` iterates like
    ``DataLoader(dataset, batch_sampler=batch_sampler, collate_fn=collate_fn)``.

    A job fetches one batch: ``dataset.__getitems__(indices)`` (given ``buffer_pool=`` when its
    signature takes it, so the frames land in a reused buffer) or ``[dataset[i] for i in
    indices]``, then ``collate_fn(items)``. At most ``num_threads * prefetch`` batches are in
    flight. A job's exception reaches the consumer at that batch, as raised. Leaving the loop
    early (the generator closed or dropped) cancels the pending jobs and joins the threads.
    ``num_threads=0`` loads in the calling thread.

    Iteration starts lazily, at the first ``next()``: set the epoch of the sampler and of the
    dataset before it (``StageModule.on_train_epoch_start`` does, for both loaders).
    """

    def __init__(
        self,
        dataset: Any,
        batch_sampler: Iterable[Sequence[int]],
        collate_fn: Callable[[list[Any]], Any] | None = None,
        num_threads: int = 2,
        prefetch: int = 2,
        buffer_pool: BatchBufferPool | None = None,
    ) -> None:
        if num_threads < 0:
            raise ValueError(f"num_threads must be >= 0, got {num_threads}")
        if prefetch < 1:
            raise ValueError(f"prefetch must be >= 1, got {prefetch}")
        self.dataset = dataset
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn if collate_fn is not None else default_collate
        self.num_threads = num_threads
        self.prefetch = prefetch
        in_flight = max(num_threads, 1) * prefetch
        # the batches in flight, plus a couple held by the consumer (and Lightning's fetcher)
        self.buffer_pool = (
            buffer_pool
            if buffer_pool is not None
            else BatchBufferPool(max_buffers=2 * (in_flight + 2))
        )
        getitems = getattr(dataset, "__getitems__", None)
        self._getitems = getitems
        self._pool_arg = getitems is not None and _takes(getitems, "buffer_pool")

    def __len__(self) -> int:
        return len(self.batch_sampler)  # type: ignore[arg-type]

    def _load(self, indices: Sequence[int]) -> Any:
        """One batch: the items, then the collate function."""
        indices = list(indices)
        if self._getitems is None:
            items = [self.dataset[i] for i in indices]
        elif self._pool_arg:
            items = self._getitems(indices, buffer_pool=self.buffer_pool)
        else:
            items = self._getitems(indices)
        return self.collate_fn(items)

    def __iter__(self) -> Iterator[Any]:
        tune_allocator()
        batches = iter(self.batch_sampler)  # inside the generator: starts at the first next()
        if self.num_threads == 0:
            for indices in batches:
                yield self._load(indices)
            return
        executor = ThreadPoolExecutor(self.num_threads, thread_name_prefix="sign2gpt-loader")
        pending: deque[Future] = deque()
        try:
            for indices in batches:
                pending.append(executor.submit(self._load, indices))
                if len(pending) >= self.num_threads * self.prefetch:
                    break
            while pending:
                batch = pending.popleft().result()  # re-raises the job's exception
                indices = next(batches, None)
                if indices is not None:
                    pending.append(executor.submit(self._load, indices))
                yield batch
                del batch  # not held while waiting for the next one: its buffer can be reused
        finally:
            for future in pending:
                future.cancel()
            executor.shutdown(wait=True, cancel_futures=True)


def make_loader(
    dataset: Dataset,
    batch_sampler: Iterable[Sequence[int]],
    collate_fn: Callable[[list[Any]], Any],
    data: DataConfig,
    num_workers: int | None = None,
) -> DataLoader | ThreadLoader:
    """The batch loader ``data.loader`` names, with ``num_workers`` (default
    ``data.num_workers``) worker processes or threads."""
    workers = data.num_workers if num_workers is None else num_workers
    if data.loader == "threads":
        return ThreadLoader(dataset, batch_sampler, collate_fn, num_threads=workers)
    if data.loader != "processes":
        raise ValueError(f"data.loader must be 'processes' or 'threads', got {data.loader!r}")
    return DataLoader(
        dataset,
        batch_sampler=batch_sampler,
        collate_fn=collate_fn,
        num_workers=workers,
        persistent_workers=False,
    )


def _takes(function: Callable[..., Any], name: str) -> bool:
    """Whether ``function`` accepts a keyword argument ``name``."""
    try:
        params = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
