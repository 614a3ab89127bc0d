"""Run the library's blocking calls off the event loop, so one client never blocks another.

An error raised in the worker thread comes back without its traceback and context: their
frames hold pyoxigraph objects that must be released on the thread that made them.

>>> import anyio
>>> anyio.run(run_off_loop, sum, [1, 2])
3
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio

from kg.errors import KgError

T = TypeVar("T")


def _detached(function: Callable[..., T], *args) -> T | KgError:
    try:
        return function(*args)
    except KgError as error:
        error.__context__ = error.__cause__ = error.__traceback__ = None
        return error


async def run_off_loop(function: Callable[..., T], *args) -> T:
    """``function(*args)`` in a worker thread; its :class:`KgError` is raised here.

    If the caller is cancelled (a timeout), it stops waiting at once; the thread finishes on
    its own and its result, plain Python values, is dropped.
    """
    outcome = await anyio.to_thread.run_sync(_detached, function, *args,
                                             abandon_on_cancel=True)
    if isinstance(outcome, KgError):
        raise outcome
    return outcome
