"""Run a function in a child process forked from this one, and collect what it returns.

``kg build`` validates in a child while it reasons in the parent, so that a build uses two
cores. A forked child starts with the parent's memory, the loaded store included, without
copying it (pages are shared until one side writes to them), and sees that memory exactly as it
was at the fork, whatever the parent writes afterwards. The child's result travels back
pickled through a pipe.

Forking is only done where it is safe: on POSIX systems (``os.fork`` exists), and while this
process runs no other thread, whose locks the child would inherit held. Elsewhere
:func:`fork_available` is false and the caller does the work itself.

>>> if fork_available():
...     child = Forked(lambda: sum(range(10)))
...     answer = child.result()
... else:
...     answer = 45
>>> answer
45
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Generic, NoReturn, TypeVar

T = TypeVar("T")
_PR_SET_PDEATHSIG = 1


class ForkedFailure(Exception):
    """The child did not return a result: it raised (the message says what), or it died.

    Callers run the work themselves then, which raises the same error where it belongs.
    """


def fork_available() -> bool:
    """Whether :class:`Forked` may be used here and now."""
    return hasattr(os, "fork") and threading.active_count() == 1


class Forked(Generic[T]):
    """``function()`` running in a forked child process.

    Call :meth:`result` once to wait for it, or :meth:`cancel` to end it.
    """

    def __init__(self, function: Callable[[], T]) -> None:
        parent = os.getpid()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            _run_child(function, write, parent)
        os.close(write)
        self._pid: int | None = pid
        self._read = read

    def result(self) -> T:
        """What the function returned, once the child has ended.

        Raises:
            ForkedFailure: the function raised, or the child died without answering.
        """
        with os.fdopen(self._read, "rb") as stream:
            payload = stream.read()
        _pid, status = os.waitpid(self._pid, 0)
        self._pid = None
        if not payload:
            raise ForkedFailure(f"the child process ended without an answer (status {status})")
        succeeded, value = pickle.loads(payload)
        if not succeeded:
            raise ForkedFailure(value)
        return value

    def cancel(self) -> None:
        """End the child now, if it still runs, and release what it held."""
        if self._pid is None:
            return
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self._pid, 0)
        self._pid = None
        os.close(self._read)


def _run_child(function: Callable[[], object], write: int, parent: int) -> NoReturn:
    """Run ``function``, send back ``(True, result)`` or ``(False, why)``, and exit.

    The child ignores Ctrl-C (the parent cancels it) and dies with its parent where the system
    allows it. It leaves with ``os._exit``: the parent's exit handlers and buffered output are
    the parent's alone.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    try:
        if os.getppid() != parent:
            os._exit(1)
        try:
            payload = pickle.dumps((True, function()))
        except BaseException as error:  # noqa: BLE001 - every failure is reported, not raised
            payload = pickle.dumps((False, f"{type(error).__name__}: {error}"))
        with os.fdopen(write, "wb") as stream:
            stream.write(payload)
    finally:
        os._exit(0)
