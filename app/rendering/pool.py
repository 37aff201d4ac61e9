"""Renders in processes of their own, so that their CPU work never competes with requests for the GIL.

A render in a thread of the worker shares the worker's one GIL. Each time the event loop or a
request thread lets go of it (every database round trip) it waits up to the switch interval to get
it back from the render, so every request of that worker slows down for as long as a render runs:
bench/load.py on PostgreSQL at 300 requests/s gave p99 193 ms with a PDF every two seconds and 68 ms
without. In a process the render only takes its share of a core.
"""

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from app.processes import Processes, process_start

T = TypeVar("T")
# Two renders at a time per worker; the second process starts only when two renders overlap.
PROCESSES = 2


def _warm() -> None:
    from app.rendering import pdf  # imported here: the worker imports this module without rendering

    pdf.warm_up()


RENDERERS = Processes("renderer", PROCESSES, partial(process_start, _warm))


def run(fn: Callable[..., T], *args, timeout: float | None) -> T:
    """`fn(*args)` in a render process, within the time limit; `fn` must be a module-level function."""
    return RENDERERS.run(fn, *args, timeout=timeout)


def warm_up() -> None:
    """Start one render process and wait until it has loaded fonts and stylesheets."""
    RENDERERS.warm_up()


def shutdown() -> None:
    """End the render processes after the renders under way (at the worker's graceful stop)."""
    RENDERERS.shutdown()
