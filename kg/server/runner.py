"""Run the HTTP application with uvicorn, on a socket bound here so errors are typed.

:class:`BackgroundServer` runs it in a thread (tests, scripts); :func:`serve` runs it in the
foreground until interrupted (the CLI).

>>> sock = bind_socket("127.0.0.1", 0)
>>> sock.getsockname()[1] > 0
True
>>> sock.close()
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn

from kg.errors import InputError

# Uvicorn's own limit on a request line and headers; long queries go in a POST body.
MAX_HEADER_BYTES = 64 * 1024


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port).

    Raises:
        InputError: when the address is in use or cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # without it every answer written in two parts waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {error.strerror}; "
                         "choose another --port or stop the other server") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _config(app) -> uvicorn.Config:
    return uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                          h11_max_incomplete_event_size=MAX_HEADER_BYTES,
                          timeout_graceful_shutdown=5, server_header=False)


def serve(app, sock: socket.socket) -> None:
    """Serve ``app`` on ``sock`` until interrupted (Ctrl-C)."""
    uvicorn.Server(_config(app)).run(sockets=[sock])


class BackgroundServer:
    """``app`` served in a daemon thread on a loopback port of its own.

    >>> BackgroundServer.__name__
    'BackgroundServer'
    """

    def __init__(self, app, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = bind_socket(host, port)
        self.host, self.port = self.sock.getsockname()[:2]
        self._server = uvicorn.Server(_config(app))
        self._thread = threading.Thread(target=self._server.run,
                                        kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, *, timeout: float = 60) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(30)
        self.sock.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@contextlib.contextmanager
def running_server(project, settings, *, host: str = "127.0.0.1", port: int = 0,
                   reasoning: bool = True) -> Iterator[BackgroundServer]:
    """``project`` served in the background with ``settings``; everything ends on exit.

    For tests and scripts: ``with running_server(Project(root), Settings()) as server:``
    then query ``server.url + "/sparql"``.
    """
    from kg.server.app import create_app
    from kg.server.settings import prepare_dataset

    dataset = prepare_dataset(project, reasoning=reasoning)
    try:
        with BackgroundServer(create_app(dataset, settings), host=host, port=port) as server:
            yield server
    finally:
        dataset.close()
