"""A real `besvar serve` in a subprocess on 127.0.0.1, for crash, worker and load tests."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BESVAR = Path(sys.executable).with_name("besvar")


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawned(pid: int) -> list[int]:
    """The processes multiprocessing's spawn started directly under `pid`: a supervisor's workers, a worker's renderers."""
    children = [int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in _read(t / "children").split()]
    return [c for c in children if "spawn_main" in _read(Path(f"/proc/{c}/cmdline"))]


def _read(path: Path) -> str:
    """The file's text, or nothing when its thread or process ended since it was listed."""
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


@dataclass
class Server:
    process: subprocess.Popen
    url: str

    def kill(self) -> None:
        """SIGKILL the server and its workers: no shutdown handler, no flush, as a power cut."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """A clean stop (SIGTERM), then SIGKILL if it hangs."""
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()


def start(database_url: str, *, workers: int = 1, log: Path | None = None, timeout: float = 60,
          env: dict[str, str] | None = None) -> Server:
    """Start `besvar serve` (with `env` added to the environment) and wait until /healthz answers."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, **(env or {})}
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    process = subprocess.Popen([str(BESVAR), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
                               env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"besvar serve exited with {process.returncode}" + (f"; see {log}" if log else ""))
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Server(process, url)
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    Server(process, url).kill()
    raise RuntimeError(f"besvar serve did not answer within {timeout} s")


@contextmanager
def running(database_url: str, **kw) -> Iterator[Server]:
    """A server for the length of the block."""
    server = start(database_url, **kw)
    try:
        yield server
    finally:
        server.stop()
