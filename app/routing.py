"""How handlers run: plain ones in a few worker threads, long steps in threads of their own."""

import asyncio
import contextvars
import functools
import inspect
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from sqlmodel import Session

from app.db import end_transaction

F = TypeVar("F", bound=Callable)
_LONG = "besvar_long_running"
# Long steps are CPU-bound (sealing, reading uploads, bundling) or wait for a render process: four
# threads are more than two cores run at once, so a fifth waits for the CPU rather than for a thread.
_long_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="long-request")


def long_running(endpoint: F) -> F:
    """Mark a handler whose step takes long (a render, an approval, an import, an export).

    It runs in a thread of its own pool. In the few request threads (Settings.worker_threads) it
    would hold one for hundreds of milliseconds, and every quick request of that worker would
    wait behind it.
    """
    setattr(endpoint, _LONG, True)
    return endpoint


class SessionRoute(APIRoute):
    """A route whose plain handler runs in a worker thread and ends its database transaction there.

    FastAPI would check a plain handler's response in a further trip to a worker thread. A request
    waiting for that trip while still holding a pooled connection can, under load, leave every
    thread waiting for a connection and every connection waiting for a thread: a deadlock. So
    nothing is held between trips, and the handler is wrapped as a coroutine so that the response
    (already the right model) is checked on the event loop, one trip fewer for every request.
    """

    def __init__(self, path: str, endpoint: Callable, **kwargs) -> None:
        super().__init__(path, _ending_transaction(endpoint), **kwargs)


def _ending_transaction(endpoint: Callable) -> Callable:
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    def run(args: tuple, kwargs: dict):
        sessions = [value for value in kwargs.values() if isinstance(value, Session)]
        failed = True
        try:
            result = endpoint(*args, **kwargs)
            failed = False
            return result
        finally:
            for session in sessions:
                end_transaction(session, discard=failed)

    hop = _in_long_thread if getattr(endpoint, _LONG, False) else run_in_threadpool

    @functools.wraps(endpoint)  # FastAPI reads the parameters through __wrapped__
    async def in_thread(*args, **kwargs):
        return await hop(run, args, kwargs)

    return in_thread


async def _in_long_thread(fn: Callable, *args):
    """`fn(*args)` in the long steps' pool, with the caller's context (as run_in_threadpool does)."""
    call = functools.partial(contextvars.copy_context().run, fn, *args)
    return await asyncio.get_running_loop().run_in_executor(_long_threads, call)
