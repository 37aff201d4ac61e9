"""`besvar serve`: uvicorn, and with several workers a listening socket of each worker's own."""

import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from app.slow_clients import GuardedHttpTools

APP = "app.main:create_app"


class _WorkerSocket(socket.socket):
    """The parent's hold on the port; each worker that receives it (pickled) opens its own listener.

    With one listening socket shared by all workers, the worker that wakes first accepts every
    waiting connection, and keep-alive connections stay where they landed: under a burst one
    worker did all the work while the other idled. With SO_REUSEPORT each worker listens on a
    socket of its own and the kernel spreads new connections over them.
    """

    def __reduce__(self):
        host, port = self.getsockname()[:2]
        return _listener, (self.family, host, port)


def _listener(family: int, host: str, port: int) -> socket.socket:
    return _bound(socket.socket(family, socket.SOCK_STREAM), host, port)  # the worker's event loop calls listen()


def _bound(sock: socket.socket, host: str, port: int) -> socket.socket:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def serve(host: str, port: int, workers: int) -> None:
    """Serve until stopped; each worker builds its own app from the environment."""
    options: dict[str, Any] = {"factory": True, "host": host, "port": port, "workers": workers, "proxy_headers": True, "timeout_graceful_shutdown": 30,
               "http": GuardedHttpTools}
    if workers == 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(APP, **options)
        return
    config = uvicorn.Config(APP, **options)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Bound, never listening: it reserves the port (a clash fails here, at once) without taking
    # any connections itself.
    hold = _bound(_WorkerSocket(family, socket.SOCK_STREAM), host, port)
    uvicorn.config.logger.info("Uvicorn running on http://%s:%d with %d workers (one socket each)", host, port, workers)
    Multiprocess(config, sockets=[hold]).run()
