"""Headers and bodies that trickle in are cut off with a 408, and nobody else waits for them."""

import socket
import time

import httpx
import pytest

from app.migrate import upgrade
from tests import server


@pytest.fixture
def slow_limits_server(tmp_path):
    """A real `besvar serve` whose header and body deadlines are 1 and 2 seconds, so the test need not wait minutes."""
    url = f"sqlite:///{tmp_path}/besvar.db"
    upgrade(url)
    with server.running(url, env={"REQUEST_HEADER_TIMEOUT_SECONDS": "1", "REQUEST_BODY_TIMEOUT_SECONDS": "2"}) as srv:
        yield srv


def _trickle(url: str, first: bytes, then: bytes, seconds: float) -> tuple[bytes, float]:
    """Send `first`, then a byte of `then` every 0.2 s; what the server answers, and after how long it closed."""
    host, port = url.removeprefix("http://").split(":")
    start = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(first)
        answer = b""
        s.settimeout(0.2)
        for byte in then * 100:
            if time.monotonic() - start > seconds:
                break
            try:
                s.send(bytes([byte]))
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
    return answer, time.monotonic() - start


def test_headers_sent_a_byte_at_a_time_are_cut_off(slow_limits_server):
    answer, took = _trickle(slow_limits_server.url, b"GET /healthz HTTP/1.1\r\nHost: x\r\n", b"X-Slow: aaaaaaaaaa", 15)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert took < 10
    assert httpx.get(f"{slow_limits_server.url}/healthz").status_code == 200


def test_a_body_sent_a_byte_at_a_time_is_cut_off(slow_limits_server):
    head = (b"POST /api/v1/inquiries/parse HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n")
    answer, took = _trickle(slow_limits_server.url, head, b'{"text": "aaaaaaaa', 20)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert took < 12
    assert httpx.get(f"{slow_limits_server.url}/healthz").status_code == 200


def test_an_ordinary_request_is_not_cut(slow_limits_server):
    r = httpx.post(f"{slow_limits_server.url}/api/v1/inquiries/parse", json={"text": "1. Hvad?"})
    assert r.status_code == 401  # no token: answered, not timed out
