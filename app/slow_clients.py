"""Clients too slow to be people: headers and bodies that trickle in are cut off with a 408.

uvicorn cancels its keep-alive timer at the first byte of a request and then waits for the rest
for ever, so a client that sends a header byte every few seconds (slowloris), or a body slower
than any real connection, holds a connection and its memory as long as it likes.
"""

import asyncio
from functools import lru_cache

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.config import get_settings

_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n" \
           b"content-length: 29\r\n\r\nRequest sent too slowly (408)"


@lru_cache(maxsize=1)
def _limits() -> tuple[float, float]:
    """The two deadlines, read from the environment once per worker (not per connection)."""
    settings = get_settings()
    return settings.request_header_timeout_seconds, settings.request_body_timeout_seconds


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol, with deadlines for a request's headers and for its body."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._header_seconds, self._body_seconds = _limits()
        self._deadline: asyncio.TimerHandle | None = None

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(_TIMEOUT)
        self.transport.close()  # the app, if it waits for the body, sees the client gone

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self._header_seconds)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm(self._header_seconds)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(self._body_seconds)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
