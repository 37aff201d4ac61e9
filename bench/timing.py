"""Timing helpers shared by the bench scripts."""

import statistics
import time


def timed(fn, rounds: int) -> list[float]:
    """Milliseconds of `rounds` calls of `fn`."""
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p90(values: list[float]) -> float:
    """The 90th percentile."""
    return statistics.quantiles(values, n=10)[-1] if len(values) >= 2 else values[0]
