"""Renders in processes of their own, so that their CPU work never competes with requests for the GIL.

A render in a thread of the worker shares the worker's one GIL. Each time the event loop or a
request thread lets go of it (every database round trip) it waits up to the switch interval to get
it back from the render, so every request of that worker slows down for as long as a render runs:
bench/load.py on PostgreSQL at 300 requests/s gave p99 193 ms with a PDF every two seconds and 68 ms
without. In a process the render only takes its share of a core.
"""

import logging
import multiprocessing
import os
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
log = logging.getLogger("besvar.rendering")
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
# Two renders at a time per worker; the second process starts only when two renders overlap.
PROCESSES = 2


def _process_start() -> None:
    """In each render process: ignore the terminal's signals, end with the worker, warm the renderer."""
    # On Ctrl-C or SIGTERM to the process group the worker shuts down gracefully and finishes its
    # renders; it ends this process when it is done, so the signal is the worker's alone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:  # a worker killed outright (OOM, SIGKILL) leaves no render process behind
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True, name="parent-watch").start()
    from app.rendering import (
        pdf,  # imported here: the parent imports this module without rendering
    )

    pdf.warm_up()


def _exit_with(sentinel: int) -> None:
    wait([sentinel])
    os._exit(1)


def _started() -> ProcessPoolExecutor:
    # spawn, never fork: the worker has threads, and a forked child could inherit a held lock.
    return ProcessPoolExecutor(max_workers=PROCESSES, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_process_start)


def _current() -> ProcessPoolExecutor:
    global _pool  # noqa: PLW0603 - one pool per process, replaced only under _lock
    with _lock:
        if _pool is None:
            _pool = _started()
        return _pool


def _replace(broken: ProcessPoolExecutor) -> None:
    """A new pool in place of one whose process died (once, however many requests saw it die)."""
    global _pool  # noqa: PLW0603 - one pool per process, replaced only under _lock
    with _lock:
        if _pool is broken:
            _pool = _started()
    broken.shutdown(wait=False, cancel_futures=True)


def _kill(pool: ProcessPoolExecutor) -> None:
    """End the pool's processes at once and put a new pool in its place.

    The executor does not say which process runs which render, so a render of another request in
    the same pool ends too; it sees the pool broken and is rendered once more in the new one.
    """
    global _pool  # noqa: PLW0603 - one pool per process, replaced only under _lock
    with _lock:
        if _pool is pool:
            _pool = _started()
    for process in list(getattr(pool, "_processes", {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    log.warning("a render passed its time limit; its render processes were ended")


def warm_up() -> None:
    """Start one render process and wait until it has loaded fonts and stylesheets."""
    _current().submit(int).result()


def shutdown() -> None:
    """End the render processes after the renders under way (at the worker's graceful stop)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)


def run(fn: Callable[..., T], *args, timeout: float | None) -> T:
    """`fn(*args)` in a render process, within the time limit; `fn` must be a module-level function."""
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        return _once(fn, args, deadline)
    except BrokenProcessPool:
        # A render process died: killed while idle (the OOM killer, say) or by this very render.
        # Once more in a new pool covers the first; the second gives up.
        log.error("a render process died; starting a new one and rendering once more")
    try:
        return _once(fn, args, deadline)
    except BrokenProcessPool as exc:
        raise Unavailable("the renderer stopped twice on this document; try again") from exc


def _once(fn: Callable[..., T], args: tuple, deadline: float | None) -> T:
    pool = _current()
    try:
        future = pool.submit(fn, *args)
        return future.result(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
    except FutureTimeout as exc:
        # A render still waiting for a process is cancelled; a running one can only be stopped by ending
        # its process, or it would burn a core for minutes after the user was told it failed.
        if not future.cancel():
            _kill(pool)
        raise Unavailable("the document could not be rendered in time; try again") from exc
    except BrokenProcessPool:
        _replace(pool)
        raise
