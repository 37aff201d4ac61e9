"""Work in processes of their own: CPU-bound steps that must not share a worker's GIL, or that read what a user sent.

Each `Processes` is a small pool of spawned processes, started on first use, replaced when one of
them dies, and ended at the worker's graceful stop. A task past its time limit ends its process,
instead of running on for minutes after the user was told it failed.
"""

import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait
from typing import TypeVar

from app.errors import Unavailable

T = TypeVar("T")
log = logging.getLogger("besvar.processes")


def process_start(warm: Callable[[], None] | None = None, memory_bytes: int | None = None) -> None:
    """In each process: ignore the terminal's signals, end with the worker, cap memory, warm up."""
    # On Ctrl-C or SIGTERM to the process group the worker shuts down gracefully and finishes its
    # tasks; it ends this process when it is done, so the signal is the worker's alone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:  # a worker killed outright (OOM, SIGKILL) leaves no process of ours behind
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True, name="parent-watch").start()
    if memory_bytes is not None:
        # Address space, the limit Linux enforces at allocation: past it Python raises MemoryError.
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    if warm is not None:
        warm()


def _exit_with(sentinel: int) -> None:
    wait([sentinel])
    os._exit(1)


def within_cpu(seconds: int, fn: Callable[..., T], *args) -> T:
    """`fn(*args)` in this process, ended by the kernel (SIGXCPU) once it has used `seconds` more of CPU."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime) + seconds
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    try:
        return fn(*args)
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))


class Processes:
    """A pool of `size` spawned processes, each started with `initializer`."""

    def __init__(self, name: str, size: int, initializer: Callable[[], None]):
        self.name, self.size, self.initializer = name, size, initializer
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _started(self) -> ProcessPoolExecutor:
        # spawn, never fork: the worker has threads, and a forked child could inherit a held lock.
        return ProcessPoolExecutor(max_workers=self.size, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=self.initializer)

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = self._started()
            return self._pool

    def _replace(self, broken: ProcessPoolExecutor, *, kill: bool = False) -> None:
        """A new pool in place of `broken` (once, however many tasks saw it break); `kill` ends its processes now."""
        with self._lock:
            if self._pool is broken:
                self._pool = self._started()
        if kill:
            # The executor does not say which process runs which task, so a task of another request in
            # the same pool ends too; it sees the pool broken and runs once more in the new one.
            for process in list(getattr(broken, "_processes", {}).values()):
                process.kill()
        broken.shutdown(wait=False, cancel_futures=True)

    def pids(self) -> list[int]:
        """The processes running now."""
        pool = self._pool
        return list(getattr(pool, "_processes", {}) or {}) if pool is not None else []

    def warm_up(self) -> None:
        """Start one process and wait until its initializer has run (through `run`, so that a pool whose process
        died since its last task is replaced, as for any task)."""
        self.run(int, timeout=None)

    def shutdown(self) -> None:
        """End the processes after the tasks under way (at the worker's graceful stop)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def run(self, fn: Callable[..., T], *args, timeout: float | None) -> T:
        """`fn(*args)` in one of the processes, within the time limit; `fn` must be a module-level function."""
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            return self._once(fn, args, deadline)
        except BrokenProcessPool:
            # A process died: killed while idle (the OOM killer, say) or by this very task.
            # Once more in a new pool covers the first; the second gives up.
            log.error("a %s process died; starting a new one and trying once more", self.name)
        try:
            return self._once(fn, args, deadline)
        except BrokenProcessPool as exc:
            raise Unavailable(f"the {self.name} process stopped twice on this; try again") from exc

    def _once(self, fn: Callable[..., T], args: tuple, deadline: float | None) -> T:
        pool = self._current()
        try:
            future = pool.submit(fn, *args)
            return future.result(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
        except FutureTimeout as exc:
            # A task still waiting for a process is cancelled; a running one is stopped by ending its process.
            if not future.cancel():
                self._replace(pool, kill=True)
                log.warning("a %s task passed its time limit; its processes were ended", self.name)
            raise Unavailable(f"the {self.name} did not finish in time; try again") from exc
        except BrokenProcessPool:
            self._replace(pool)
            raise
