"""Run a per-file function over many files: on every core, on any executor, or on Dask.

:func:`map_files` returns one result per input path, in input order, identical to a serial
run; :func:`imap_files` yields the same results in the same order as they come, so a caller
can reduce them on the way instead of holding them all. A file that raises, hangs, exhausts its memory or kills its worker yields a
:class:`Failure` for that file only (or whatever ``on_failure`` turns it into); the rest
of the run goes on.

How each limit is enforced:

- **time** (``timeout`` seconds per file): inside the workers of the default pool a
  ``SIGALRM`` timer interrupts the file; a watchdog in the parent backs it up (a file stuck
  in C code, where no Python signal reaches): each worker notes in memory shared with the
  parent which file it runs and since when, and the parent kills a worker still on one
  file ``timeout`` (plus a grace of 2 s) after it began, records the timeout for that
  file, recycles the pool and re-runs the other files that were in flight. A task's whole
  chunk of files past its own deadline is a backstop. On other executors the watchdog
  abandons the future (its worker may keep running: that executor's own business).
- **memory** (``max_memory`` bytes per file): inside the default pool's workers the soft
  ``RLIMIT_AS`` is lowered to the worker's current size plus ``max_memory`` while the file
  runs, so an allocation beyond it raises ``MemoryError`` (recorded as a failure) instead
  of sinking the machine. Not applied on other executors (threads share one process).
- **crashes** (a segfault, ``os._exit``, the OOM killer): the pool breaks; the files that
  were in flight are re-run one at a time in a fresh pool, so only the file that crashes
  again on its own is recorded as failed.

The default pool recycles each worker after ``max_tasks_per_child`` tasks, so a library
that leaks cannot grow without bound.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from gxparse.reasons import failure_text

if TYPE_CHECKING:
    from gxparse.batch.cache import Cache

R = TypeVar("R")
PathLike = str | os.PathLike

__all__ = ["Failure", "dask_executor", "default_executor", "imap_files", "map_files"]


@dataclass(frozen=True)
class Failure:
    """A file the mapped function could not finish.

    ``kind``: ``error`` (it raised), ``timeout``, ``memory`` or ``crash`` (its worker died).
    ``reason``: one line naming what happened, for the report's ``error`` column."""

    path: str
    reason: str
    kind: str = "error"

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class _Timeout(BaseException):
    """Raised by the SIGALRM handler inside a worker (a BaseException so that a broad
    ``except Exception`` in the mapped function cannot swallow it)."""


# Set in the default pool's workers only: limits that act on the whole process (signals,
# rlimits) must not be applied in a thread of someone else's process.
_IN_OWN_WORKER = False


class _Beats:
    """What each worker of our own pool is running, in memory it shares with the parent:
    per slot, the worker's pid, the index of its current file and when it began it
    (``time.monotonic``, the same clock in every process; 0: idle). The parent's watchdog
    reads it to stop a file stuck in C code."""

    def __init__(self, ctx: Any, slots: int) -> None:
        self.lock = ctx.Lock()
        self.pid = ctx.RawArray("q", slots)
        self.item = ctx.RawArray("q", slots)
        self.started = ctx.RawArray("d", slots)

    def claim(self) -> int | None:
        """Take a free slot for this process (one whose worker is gone)."""
        with self.lock:
            for k in range(len(self.pid)):
                if self.pid[k] == 0 or not _alive(self.pid[k]):
                    self.pid[k] = os.getpid()
                    self.started[k] = 0.0
                    return k
        return None

    def running(self) -> Iterator[tuple[int, int, int, float]]:
        """(slot, pid, file index, start) of each worker busy with a file."""
        for k in range(len(self.pid)):
            began = self.started[k]
            if began <= 0:
                continue
            pid, item = self.pid[k], self.item[k]
            if self.started[k] == began:  # not moved on to another file meanwhile
                yield k, pid, item, began

    def idle(self) -> None:
        for k in range(len(self.started)):
            self.started[k] = 0.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: not ours to reuse
        return True
    return True


# The slot of this worker in its pool's _Beats (workers of the default pool only).
_BEATS: _Beats | None = None
_SLOT: int | None = None


try:  # POSIX only: elsewhere the parent's watchdog alone bounds time, and memory is unbounded
    import resource as _resource  # noqa: F401

    _HAS_RLIMIT = True
except ImportError:  # pragma: no cover - Windows
    _HAS_RLIMIT = False


def _watch_parent(pid: int, interval: float = 0.5) -> None:
    """End this worker when the process that made the pool (``pid``) is gone or a zombie.

    A build killed outright (SIGKILL) never shuts its pool down, and its workers would
    wait for work forever: they hold the forkserver's and the task queue's pipes open, so
    no end-of-file reaches them. A daemon thread checks the parent twice a second."""
    import threading

    import psutil

    def watch() -> None:
        while True:
            time.sleep(interval)
            try:
                gone = psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
            except psutil.NoSuchProcess:
                gone = True
            except psutil.Error:
                gone = False
            if gone:
                os._exit(1)

    threading.Thread(target=watch, name="gxparse-parent-watch", daemon=True).start()


def _worker_init(beats: _Beats | None = None, parent: int | None = None) -> None:
    global _IN_OWN_WORKER, _BEATS, _SLOT
    _IN_OWN_WORKER = True
    # A Ctrl-C in the terminal reaches the whole process group; the parent handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if beats is not None:
        _SLOT = beats.claim()
        _BEATS = beats if _SLOT is not None else None
    if parent is not None:
        _watch_parent(parent)


def _on_alarm(signum: int, frame: object) -> None:
    raise _Timeout


def _address_space() -> int | None:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None


def _run_one(
    func: Callable[[Any], R], path: Any, timeout: float | None, max_memory: int | None
) -> R | Failure:
    """Run ``func(path)``; return its result, or a Failure instead of raising."""
    limits = _IN_OWN_WORKER and threading.current_thread() is threading.main_thread()
    old_limit = None
    if limits and max_memory is not None and _HAS_RLIMIT:
        import resource

        size = _address_space()
        if size is not None:
            old_limit = resource.getrlimit(resource.RLIMIT_AS)
            soft = size + int(max_memory)
            if old_limit[1] != resource.RLIM_INFINITY:
                soft = min(soft, old_limit[1])
            resource.setrlimit(resource.RLIMIT_AS, (soft, old_limit[1]))
    alarm = limits and timeout is not None and timeout > 0 and hasattr(signal, "setitimer")
    if alarm:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, float(timeout))
    try:
        return func(path)
    except _Timeout:
        return Failure(str(path), failure_text("timed_out", seconds=timeout), "timeout")
    except MemoryError:
        limit = f" of {max_memory / 2**20:.0f} MB" if max_memory else ""
        return Failure(str(path), failure_text("memory_limit", limit=limit), "memory")
    except Exception as exc:  # the mapped function's own failure, reported per file
        message = " ".join(str(exc).split()) or "no message"
        return Failure(str(path), f"{type(exc).__name__}: {message}", "error")
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if old_limit is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, old_limit)


# Parsing a file allocates thousands of short-lived objects and frees them by reference
# counting. With CPython's default first threshold (700) the cycle collector runs about
# once per file and now and then rescans every live object (the caches, the results so
# far): about a tenth of a batch's time. A batch raises the threshold while it runs.
BATCH_GC_THRESHOLD = 50_000
_gc_lock = threading.Lock()
_gc_depth = 0
_gc_saved: tuple[int, ...] = ()


@contextlib.contextmanager
def batch_gc() -> Iterator[None]:
    """Run a batch with the cycle collector's first threshold raised to
    :data:`BATCH_GC_THRESHOLD` (restored afterwards; safe to nest and to use from threads)."""
    global _gc_depth, _gc_saved
    with _gc_lock:
        if _gc_depth == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(max(_gc_saved[0], BATCH_GC_THRESHOLD), *_gc_saved[1:])
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0:
                gc.set_threshold(*_gc_saved)


class _Pickled:
    """A result its worker pickled for the cache, sent as those bytes (a result crosses to
    the parent pickled anyway: pickling it once serves both). ``stored``: the worker also
    wrote the cache entry (else the parent writes these bytes)."""

    __slots__ = ("data", "stored")

    def __init__(self, data: bytes, stored: bool) -> None:
        self.data = data
        self.stored = stored


def _picklable(obj: object) -> bool:
    """Whether ``obj`` can be sent to a worker (a cache subclass defined in a function
    cannot: then the parent writes the entries)."""
    import pickle

    try:
        pickle.dumps(obj)
    except Exception:
        return False
    return True


def _plain_format(cache: Cache) -> bool:
    """Whether a cache writes its entries as :class:`gxparse.batch.cache.Cache` does."""
    from gxparse.batch.cache import Cache

    return type(cache).dumps is Cache.dumps and type(cache).loads is Cache.loads


def _cacheable(value: Any) -> bool:
    # A timeout, memory or crash failure says something about the run, not about the file.
    return not isinstance(value, Failure) or value.kind == "error"


def _run_chunk(
    func: Callable[[Any], R],
    paths: Sequence[Any],
    timeout: float | None,
    max_memory: int | None,
    store: Cache | None = None,
    pickled: bool = False,
    indices: Sequence[int] = (),
) -> list[R | Failure | _Pickled]:
    """Run a chunk of files in one task (fewer round trips for fast functions).

    With ``store``, each cacheable result is written to the cache here, in the worker:
    pickling and writing entries in parallel instead of one after another in the parent,
    which otherwise caps a many-core run. With ``pickled`` (the parent keeps the cache),
    each cacheable result comes back as the bytes of its cache entry."""
    from gxparse.batch.cache import Cache

    out: list[Any] = []
    beats, slot = _BEATS, _SLOT
    with batch_gc():
        for k, p in enumerate(paths):
            if beats is not None and slot is not None and k < len(indices):
                beats.item[slot] = indices[k]
                beats.started[slot] = time.monotonic()
            try:
                value = _run_one(func, p, timeout, max_memory)
            finally:
                if beats is not None and slot is not None:
                    beats.started[slot] = 0.0
            if (store is not None or pickled) and _cacheable(value):
                data = (store or Cache).dumps(value)
                stored = False
                if store is not None:
                    try:
                        store.put_bytes(p, data)
                        stored = True
                    except Exception:  # e.g. the cache folder is not writable: the parent tries
                        pass
                value = _Pickled(data, stored)
            out.append(value)
    return out


def _context() -> Any:
    import multiprocessing as mp

    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        # Workers fork from a server that already imported the parser: a recycled worker
        # starts in milliseconds instead of re-importing pandas.
        ctx.set_forkserver_preload(["gxparse.parsing.parse"])
    return ctx


def default_executor(
    jobs: int | None = None, max_tasks_per_child: int | None = 200
) -> ProcessPoolExecutor:
    """A process pool on ``jobs`` workers (default: every core), each worker replaced after
    ``max_tasks_per_child`` tasks (which rules out ``fork``: ``forkserver`` is used)."""
    return _own_executor(jobs, max_tasks_per_child)


def _own_executor(
    jobs: int | None, max_tasks_per_child: int | None, beats: _Beats | None = None
) -> ProcessPoolExecutor:
    workers = jobs or os.cpu_count() or 1
    kwargs: dict[str, Any] = {
        "max_workers": workers,
        "initializer": _worker_init,
        # beats: the watchdog's; the pid: no worker outlives this process (_watch_parent).
        "initargs": (beats, os.getpid()),
    }
    if max_tasks_per_child:
        kwargs["max_tasks_per_child"] = max_tasks_per_child
    return ProcessPoolExecutor(mp_context=_context(), **kwargs)


def dask_executor(address: str | None = None, **cluster_kwargs: Any) -> Executor:
    """A ``concurrent.futures.Executor`` running on Dask.

    ``address``: a scheduler (``"tcp://host:8786"``); ``None`` starts a ``LocalCluster``
    (``cluster_kwargs`` go to it, e.g. ``processes=False`` for an in-process cluster).
    Uses ``client.get_executor(pure=False)``: a ``Client`` is not an Executor, and
    ``pure=True`` would run identical calls once. ``executor.shutdown()`` also closes the
    client (and the local cluster it started)."""
    from distributed import Client, LocalCluster

    if address is None:
        cluster_kwargs.setdefault("dashboard_address", None)
        cluster = LocalCluster(**cluster_kwargs)
        client = Client(cluster)
    else:
        cluster = None
        client = Client(address)
    executor = client.get_executor(pure=False)
    inner_shutdown = executor.shutdown

    def shutdown(wait: bool = True, *, cancel_futures: bool = False) -> None:
        inner_shutdown(wait=wait)
        client.close()
        if cluster is not None:
            cluster.close()

    executor.shutdown = shutdown  # type: ignore[method-assign]
    return executor


def _progress_bar(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    show = enabled and sys.stderr.isatty()
    return tqdm(
        total=total,
        unit=" files",
        disable=not show,
        dynamic_ncols=True,
        smoothing=0.1,
        file=sys.stderr,
    )


# Seconds a new pool's workers may take to start before the watchdog counts a file's time.
_STARTUP_ALLOWANCE = 5.0


@dataclass
class _Task:
    indices: tuple[int, ...]
    isolated: bool = False
    seen_running: float | None = None


def _executor_workers(executor: Executor | None) -> int | None:
    """How many tasks an executor runs at once, where it can tell."""
    n = getattr(executor, "_max_workers", None)
    if n:
        return int(n)
    client = getattr(executor, "_client", None)  # dask.distributed's ClientExecutor
    if client is not None:
        with contextlib.suppress(Exception):
            return max(1, sum(client.nthreads().values()))
    return None


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's worker processes (a hung worker ignores everything else)."""
    processes = getattr(pool, "_processes", None) or {}
    for proc in list(processes.values()):
        with contextlib.suppress(Exception):
            proc.kill()
    for proc in list(processes.values()):
        with contextlib.suppress(Exception):
            proc.join(5)
    # A worker killed while sending its result leaves half a message in the result pipe,
    # and the pool's manager thread waits for the rest forever (the interpreter then
    # hangs at exit, joining it). This process holds the pipe's write end too: closing it
    # ends the manager's read with EOF, which it takes for a broken pool.
    queue = getattr(pool, "_result_queue", None)
    writer = getattr(queue, "_writer", None)
    if writer is not None:
        with contextlib.suppress(Exception):
            writer.close()
    pool.shutdown(wait=False, cancel_futures=True)


def map_files(
    func: Callable[[Any], R],
    paths: Sequence[PathLike] | Sequence[Any],
    executor: Executor | None = None,
    jobs: int | None = None,
    progress: bool = True,
    timeout: float | None = None,
    max_memory: int | None = None,
    *,
    chunksize: int | None = None,
    on_failure: Callable[[Failure], R] | None = None,
    cache: Cache | None = None,
    max_tasks_per_child: int | None = 200,
) -> list[R | Failure]:
    """Given a picklable ``func(path)`` and paths, return ``[func(p) for p in paths]``,
    computed in parallel, in input order.

    ``executor``: any ``concurrent.futures.Executor`` (see :func:`dask_executor`); ``None``
    runs a process pool of ``jobs`` workers (``None`` or ``0``: every core; ``1`` without limits:
    in this process). ``timeout`` (seconds) and ``max_memory`` (bytes) bound each file.
    A file that fails becomes ``Failure(path, reason, kind)``, or ``on_failure(failure)``
    when given. ``chunksize``: files per task (default: automatic). ``cache``: a
    :class:`gxparse.batch.cache.Cache`; files it holds are not run again, new results are stored
    (failures from timeouts, memory or crashes are never cached). ``progress``: a tqdm bar
    (files/s, failures) on stderr when it is a terminal."""
    return list(
        imap_files(
            func,
            paths,
            executor,
            jobs,
            progress,
            timeout,
            max_memory,
            chunksize=chunksize,
            on_failure=on_failure,
            cache=cache,
            max_tasks_per_child=max_tasks_per_child,
        )
    )


def imap_files(
    func: Callable[[Any], R],
    paths: Sequence[PathLike] | Sequence[Any],
    executor: Executor | None = None,
    jobs: int | None = None,
    progress: bool = True,
    timeout: float | None = None,
    max_memory: int | None = None,
    *,
    chunksize: int | None = None,
    on_failure: Callable[[Failure], R] | None = None,
    cache: Cache | None = None,
    max_tasks_per_child: int | None = 200,
) -> Iterator[R | Failure]:
    """Like :func:`map_files`, but yield each result in input order as soon as it and all
    before it are done, so a caller can reduce results as they come (e.g. to compact records)
    instead of holding every one. Closing the iterator early stops the workers."""
    items = list(paths)
    pending: dict[int, Any] = {}
    next_index = 0
    for i, value in _results(
        func,
        items,
        executor,
        jobs,
        progress,
        timeout,
        max_memory,
        chunksize,
        on_failure,
        cache,
        max_tasks_per_child,
    ):
        pending[i] = value
        while next_index in pending:
            yield pending.pop(next_index)
            next_index += 1


def _results(
    func: Callable[[Any], Any],
    items: list[Any],
    executor: Executor | None,
    jobs: int | None,
    progress: bool,
    timeout: float | None,
    max_memory: int | None,
    chunksize: int | None,
    on_failure: Callable[[Failure], Any] | None,
    cache: Cache | None,
    max_tasks_per_child: int | None,
) -> Iterator[tuple[int, Any]]:
    """Yield (index, result) in completion order: cache hits first, then computed results
    (stored in the cache), failures passed through ``on_failure``; the bar follows."""
    n = len(items)
    bar = _progress_bar(n, progress)
    settle = _Settle(items, cache, on_failure, bar)
    # Held while the results are consumed too: reading cache entries and reducing results
    # allocate as much as parsing (restored when the iteration ends or is closed).
    gc_policy = batch_gc()
    gc_policy.__enter__()
    try:
        todo = list(range(n))
        if cache is not None:
            todo = []
            for i, p in enumerate(items):
                hit = cache.get(p)
                if hit is cache.MISS:
                    todo.append(i)
                else:
                    yield i, settle(i, hit, cached=True)
        for i, value in _computed(
            func,
            items,
            todo,
            executor,
            jobs,
            timeout,
            max_memory,
            chunksize,
            cache,
            max_tasks_per_child,
        ):
            yield i, settle(i, value, cached=False)
    finally:
        gc_policy.__exit__(None, None, None)
        bar.close()


class _Settle:
    """Given (index, raw result, whether it came from the cache), return what the caller
    gets: a cache entry unpickled, a new result stored in the cache, a failure counted on
    the bar and passed through ``on_failure``."""

    def __init__(
        self,
        items: list[Any],
        cache: Cache | None,
        on_failure: Callable[[Failure], Any] | None,
        bar: Any,
    ) -> None:
        self.items = items
        self.cache = cache
        self.on_failure = on_failure
        self.bar = bar
        self.failures = 0

    def __call__(self, i: int, value: Any, cached: bool) -> Any:
        """Settle one result (see the class docstring) and advance the bar."""
        cache = self.cache
        if isinstance(value, _Pickled):
            if value.stored:
                cache.writes += 1  # type: ignore[union-attr]
            else:
                cache.put_bytes(self.items[i], value.data)  # type: ignore[union-attr]
            value, cached = cache.loads(value.data), True  # type: ignore[union-attr]
        if isinstance(value, Failure):
            self.failures += 1
            self.bar.set_postfix(failed=self.failures, refresh=False)
            if cache is not None and not cached and value.kind == "error":
                cache.put(self.items[i], value)
            value = self.on_failure(value) if self.on_failure is not None else value
        elif cache is not None and not cached:
            cache.put(self.items[i], value)
        self.bar.update(1)
        return value


def _computed(
    func: Callable[[Any], Any],
    items: list[Any],
    todo: list[int],
    executor: Executor | None,
    jobs: int | None,
    timeout: float | None,
    max_memory: int | None,
    chunksize: int | None,
    cache: Cache | None,
    max_tasks_per_child: int | None,
) -> Iterator[tuple[int, Any]]:
    """Given the indices still to run, yield (index, raw result): in this process for a
    serial run without limits, else in parallel."""
    serial = executor is None and jobs == 1 and timeout is None and max_memory is None
    if serial or not todo:
        for i in todo:
            yield i, _run_one(func, items[i], timeout, max_memory)
        return
    # Workers of our own pool share this machine's disk: they write their own entries.
    # A caller's executor (a Dask cluster) may not see the folder: the parent writes the
    # bytes the workers pickled.
    store = cache if executor is None and _picklable(cache) else None
    # (Only with the entry format the workers know: a subclass may have its own.)
    pickled = cache is not None and _plain_format(cache)
    yield from _run_parallel(
        func,
        items,
        todo,
        executor,
        jobs,
        timeout,
        max_memory,
        chunksize,
        max_tasks_per_child,
        store,
        pickled,
    )


def _run_parallel(
    func: Callable[[Any], Any],
    items: list[Any],
    todo: list[int],
    executor: Executor | None,
    jobs: int | None,
    timeout: float | None,
    max_memory: int | None,
    chunksize: int | None,
    max_tasks_per_child: int | None,
    store: Cache | None = None,
    pickled: bool = False,
) -> Iterator[tuple[int, Any]]:
    """Yield (index, result or Failure) as tasks finish; with ``store`` (our own pool
    only) or ``pickled``, cacheable results come back as ``_Pickled`` cache entries."""
    run = _ParallelRun(
        func,
        items,
        todo,
        executor,
        jobs,
        timeout,
        max_memory,
        chunksize,
        max_tasks_per_child,
        store,
        pickled,
    )
    try:
        while run.busy() or run.ready:
            yield from run.take_ready()
            if not run.busy():
                break
            run.submit_more()
            broken = run.collect()
            if broken:
                run.recover(broken)
                continue
            run.watch()
    finally:
        run.close()


def _split(task: _Task) -> list[_Task]:
    """Given a task, return one isolated task per file (run alone after a failure)."""
    return [_Task((i,), isolated=True) for i in task.indices]


class _ParallelRun:
    """One parallel run's state: the pool (our own or the caller's executor), the tasks
    queued, isolated (suspects after a crash, run one at a time) and in flight, the files
    the watchdog stopped, and the results ready to be yielded. Each method is one step of
    :func:`_run_parallel`'s loop."""

    # Seconds a worker may run past a file's timeout before the watchdog acts.
    grace = 2.0

    def __init__(
        self,
        func: Callable[[Any], Any],
        items: list[Any],
        todo: list[int],
        executor: Executor | None,
        jobs: int | None,
        timeout: float | None,
        max_memory: int | None,
        chunksize: int | None,
        max_tasks_per_child: int | None,
        store: Cache | None,
        pickled: bool,
    ) -> None:
        self.func, self.items = func, items
        self.timeout, self.max_memory = timeout, max_memory
        self.max_tasks_per_child = max_tasks_per_child
        self.store, self.pickled = store, pickled
        self.own = executor is None
        workers = jobs or os.cpu_count() or 1
        if not self.own:
            workers = _executor_workers(executor) or workers
        self.workers = workers
        # The workers of our own pool say which file each runs: the parent stops one stuck on
        # a file (in C code, where SIGALRM does not reach) as soon as its time is up.
        self.beats = (
            _Beats(_context(), workers * 4 + 4) if self.own and timeout is not None else None
        )
        self.stopped: dict[int, Failure] = {}  # files whose worker the watchdog killed
        self.pool: Executor = (
            _own_executor(workers, max_tasks_per_child, self.beats) if self.own else executor  # type: ignore[assignment]
        )
        if chunksize is None:
            chunksize = max(1, min(32, len(todo) // (workers * 8)))
        self.queue: deque[_Task] = deque(
            _Task(tuple(todo[k : k + chunksize])) for k in range(0, len(todo), chunksize)
        )
        self.isolate: deque[_Task] = deque()
        self.inflight: dict[Future, _Task] = {}
        self.window = workers * 2 if timeout is None else workers
        # Workers of a new pool first start (and import the parser): the watchdog does not
        # count that against a file. SIGALRM inside the worker counts only the file anyway.
        self.started = time.monotonic()
        self.ready: list[tuple[int, Any]] = []

    def busy(self) -> bool:
        """Whether tasks are still queued, isolated or in flight."""
        return bool(self.queue or self.isolate or self.inflight)

    def take_ready(self) -> list[tuple[int, Any]]:
        """Return the results ready to be yielded, and forget them."""
        ready, self.ready = self.ready, []
        return ready

    def finish(self, i: int, value: Any) -> None:
        """Record file ``i``'s result (or Failure)."""
        self.ready.append((i, value))

    def fail_task(self, task: _Task, reason: str, kind: str) -> None:
        """Record the same failure for every file of ``task``."""
        for i in task.indices:
            self.finish(i, Failure(str(self.items[i]), reason, kind))

    def submit(self, task: _Task) -> None:
        """Send ``task`` to the pool (to our own pool when the caller's executor broke)."""
        paths = [self.items[i] for i in task.indices]
        args = (
            self.func,
            paths,
            self.timeout,
            self.max_memory,
            self.store,
            self.pickled,
            task.indices,
        )
        try:
            fut = self.pool.submit(_run_chunk, *args)
        except (BrokenExecutor, RuntimeError):
            # A caller's executor that broke (or was shut down): go on with our own pool.
            if self.own:
                raise
            self.own = True
            self.pool = _own_executor(self.workers, self.max_tasks_per_child)
            self.started = time.monotonic()
            fut = self.pool.submit(_run_chunk, *args)
        self.inflight[fut] = task

    def submit_more(self) -> None:
        """Fill the pool: one isolated task at a time when there are any, else queued tasks
        up to the window."""
        if self.isolate:
            if not self.inflight:
                self.submit(self.isolate.popleft())
        else:
            while self.queue and len(self.inflight) < self.window:
                self.submit(self.queue.popleft())

    def recycle(self) -> None:
        """Replace our own pool with a fresh one (a caller's executor is left alone)."""
        if self.own:
            _kill_pool(self.pool)  # type: ignore[arg-type]
            if self.beats is not None:
                self.beats.idle()
            self.pool = _own_executor(self.workers, self.max_tasks_per_child, self.beats)
            self.started = time.monotonic()

    def unsettled(self, task: _Task) -> _Task | None:
        """The task without the files the watchdog stopped (their failures recorded)."""
        left = []
        for i in task.indices:
            if i in self.stopped:
                self.finish(i, self.stopped.pop(i))
            else:
                left.append(i)
        return _Task(tuple(left), task.isolated) if left else None

    def collect(self) -> list[_Task]:
        """Wait briefly for tasks to finish and record their results; return the tasks
        whose pool broke under them."""
        finished, _ = wait(list(self.inflight), timeout=0.2, return_when=FIRST_COMPLETED)
        broken: list[_Task] = []
        for fut in finished:
            task = self.inflight.pop(fut)
            try:
                values = fut.result()
            except BrokenExecutor:
                broken.append(task)
                continue
            except Exception as exc:  # e.g. a Dask worker lost, a pickling error
                if len(task.indices) > 1:
                    self.isolate.extend(_split(task))
                else:
                    reason = failure_text(
                        "worker_failed", detail=" ".join(f"{type(exc).__name__}: {exc}".split())
                    )
                    self.fail_task(task, reason, "crash")
                continue
            for i, v in zip(task.indices, values, strict=True):
                self.finish(i, v)
        return broken

    def salvage(self) -> list[_Task]:
        """After the pool broke: wait for the other tasks in flight to settle, record the
        results of those that finished, and return the others."""
        wait(list(self.inflight), timeout=10)
        lost = []
        for fut, task in list(self.inflight.items()):
            del self.inflight[fut]
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                for i, v in zip(task.indices, fut.result(), strict=True):
                    self.stopped.pop(i, None)  # it finished after all
                    self.finish(i, v)
            else:
                lost.append(task)
        return lost

    def recover(self, broken: list[_Task]) -> None:
        """Given the tasks the pool died under, keep what finished, recycle the pool and
        re-run, isolate or fail the rest."""
        # The others in flight die with the pool (or finished just before).
        broken = broken + self.salvage()
        self.recycle()
        # A file the watchdog stopped is settled; the others of its task run again.
        stopped_any = bool(self.stopped)
        broken = [t for t in map(self.unsettled, broken) if t is not None]
        self.stopped.clear()
        if stopped_any:
            for task in broken:
                (self.isolate if task.isolated else self.queue).appendleft(task)
        elif len(broken) == 1 and len(broken[0].indices) == 1 and broken[0].isolated:
            reason = failure_text("worker_died")
            self.fail_task(broken[0], reason, "crash")
        else:
            for task in broken:
                self.isolate.extend(_split(task))

    def watch(self) -> None:
        """Stop files past their time: kill our workers stuck on one file, then fail or
        split tasks past their deadline."""
        timeout = self.timeout
        if self.beats is not None and timeout is not None and self.own:
            _stop_stuck(self.beats, timeout, self.grace, self.items, self.stopped)
        if timeout is not None and not self.stopped:  # (else the pool is about to break)
            not_before = self.started + _STARTUP_ALLOWANCE if self.own else 0.0
            _watchdog(
                self.inflight,
                timeout,
                self.grace,
                not_before,
                self.queue,
                self.isolate,
                self.fail_task,
                _split,
                self.recycle,
                self.own,
            )

    def close(self) -> None:
        """Shut our own pool down (killed when tasks are still in flight)."""
        if self.own:
            if self.inflight:
                _kill_pool(self.pool)  # type: ignore[arg-type]
            else:
                self.pool.shutdown(wait=True)


def _stop_stuck(
    beats: _Beats, timeout: float, grace: float, items: list[Any], stopped: dict[int, Failure]
) -> None:
    """Kill each worker of our pool that has been on one file longer than ``timeout`` plus
    ``grace`` seconds, and record that file's timeout in ``stopped`` (the pool then
    breaks: the caller settles the stopped files and re-runs the others in flight)."""
    now = time.monotonic()
    for slot, pid, item, began in list(beats.running()):
        if now - began <= timeout + grace or item in stopped or not 0 <= item < len(items):
            continue
        beats.started[slot] = 0.0
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:  # gone already (its pool broke): the crash path deals with it
            continue
        stopped[item] = Failure(
            str(items[item]), failure_text("timed_out_stopped", seconds=timeout), "timeout"
        )


def _watchdog(
    inflight: dict[Future, _Task],
    timeout: float,
    grace: float,
    not_before: float,
    queue: deque[_Task],
    isolate: deque[_Task],
    fail_task: Callable[[_Task, str, str], None],
    split: Callable[[_Task], list[_Task]],
    recycle: Callable[[], None],
    own: bool,
) -> None:
    """Fail (or split) tasks running past their deadline; with our own pool, kill it and
    re-queue the other tasks that were in flight."""
    now = time.monotonic()
    expired = []
    for fut, task in inflight.items():
        if task.seen_running is None and (fut.running() or not own):
            task.seen_running = now
        if task.seen_running is not None:
            deadline = max(task.seen_running, not_before) + timeout * len(task.indices) + grace
            if now > deadline:
                expired.append(fut)
    if not expired:
        return
    for fut in expired:
        task = inflight.pop(fut)
        fut.cancel()
        if len(task.indices) > 1:
            isolate.extend(split(task))
        else:
            fail_task(task, failure_text("timed_out_stopped", seconds=timeout), "timeout")
    if own:
        # The hung worker cannot be stopped alone: recycle the pool, re-run the rest.
        for fut, task in list(inflight.items()):
            del inflight[fut]
            task.seen_running = None
            (isolate if task.isolated else queue).appendleft(task)
        recycle()
