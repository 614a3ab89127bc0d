"""kg.fork: a function run in a forked child, its result or its failure, and cancelling it."""

from __future__ import annotations

import os
import time

import pytest

from kg.fork import Forked, ForkedFailure, fork_available

pytestmark = pytest.mark.skipif(not fork_available(), reason="needs os.fork and one thread")


def test_the_child_returns_its_result_and_sees_memory_as_at_the_fork():
    data = {"before": 1}
    child = Forked(lambda: (data.copy(), os.getpid()))
    data["after"] = 2
    seen, pid = child.result()
    assert seen == {"before": 1}
    assert pid != os.getpid()


def test_an_exception_in_the_child_is_a_forked_failure_naming_it():
    def fail():
        raise ValueError("no such thing")

    with pytest.raises(ForkedFailure, match="ValueError: no such thing"):
        Forked(fail).result()


def test_a_result_that_cannot_be_pickled_is_a_forked_failure():
    with pytest.raises(ForkedFailure, match="pickle"):
        Forked(lambda: (lambda: None)).result()


def test_cancel_ends_a_running_child_at_once():
    child = Forked(lambda: time.sleep(60))
    started = time.monotonic()
    child.cancel()
    child.cancel()  # a second cancel does nothing
    assert time.monotonic() - started < 5
