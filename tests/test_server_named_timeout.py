"""Named queries, entity pages and timelines run in the killable query workers: past the
timeout the client gets 503, the worker running the query is killed and replaced, nothing keeps
burning CPU, and other clients are answered meanwhile and right after.

``kg serve`` runs as a real process on a project copy holding one extra named query, a
four-way cross join of every triple that would run for hours; its workers and their CPU time
are read from ``/proc``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import copy_project, free_port, timed_urlopen

from kg.server.runner import running_server
from kg.server.settings import Settings

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="reads processes from /proc (Linux)")

TIMEOUT = 2.0
KG = [sys.executable, "-c", "from kg.cli import main; main()"]
SLOW = """# title: Slow on purpose
# description: A four-way cross join of every triple: far longer than any timeout here.
SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }
"""
FAST = "/api/queries/alliance-dissolutions"


def get(url: str) -> tuple[int, bytes, float]:
    return timed_urlopen(url)


def stat_fields(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name (``None``: no such process)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text.rsplit(")", 1)[1].split()


def workers(server: int) -> set[int]:
    """The live worker processes of the server: children started by multiprocessing spawn."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = stat_fields(int(entry.name))
        if fields is None or fields[1] != str(server) or fields[0] == "Z":
            continue
        try:
            if b"spawn_main" in (entry / "cmdline").read_bytes():
                found.add(int(entry.name))
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def cpu_seconds(pids: set[int]) -> float:
    """User plus system CPU time of ``pids`` (all their threads), in seconds."""
    ticks = 0
    for pid in pids:
        fields = stat_fields(pid)
        if fields is not None:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:g} s for {what}")
        time.sleep(0.1)
    return value


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("named-timeout"))
    (root / "queries" / "slow.rq").write_text(SLOW, encoding="utf-8")
    port = free_port()
    process = subprocess.Popen([*KG, "--project", str(root), "serve", "--port", str(port),
                                "--timeout", str(TIMEOUT), "--workers", "2"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            return get(url + "/api/queries")[0] == 200 and len(workers(process.pid)) == 2
        except OSError:
            assert process.poll() is None, "kg serve ended before it answered"
            return False

    try:
        wait_for(ready, 60, "kg serve to answer with two workers")
        yield process, url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_named_query_past_the_timeout_is_killed_and_its_worker_replaced(server):
    process, url = server
    before = workers(process.pid)
    runaway: dict = {}
    thread = threading.Thread(target=lambda: runaway.update(
        zip(("status", "body", "seconds"), get(url + "/api/queries/slow"))))
    thread.start()
    time.sleep(0.3)
    meanwhile = []
    while thread.is_alive():
        status, _, seconds = get(url + FAST)
        meanwhile.append((status, round(seconds, 3)))
        time.sleep(0.1)
    thread.join()
    assert runaway["status"] == 503, runaway
    assert b"did not finish within 2 s and was stopped" in runaway["body"]
    assert TIMEOUT <= runaway["seconds"] < TIMEOUT + 1.5
    assert len(meanwhile) >= 3 and all(s == 200 and t < 1.0 for s, t in meanwhile), meanwhile
    # The worker that ran the cross join is gone; a fresh one took its place.
    def replaced() -> set[int] | None:
        now = workers(process.pid)
        return now if len(now) == 2 and now != before else None

    after = wait_for(replaced, 20, "the killed worker to be replaced")
    assert len(before - after) == 1, (before, after)
    # Nothing runs the cross join any more: the server and its workers are idle.
    everyone = after | {process.pid}
    spent = cpu_seconds(everyone)
    time.sleep(1.0)
    assert cpu_seconds(everyone) - spent < 0.3
    status, _, seconds = get(url + FAST)
    assert status == 200 and seconds < 1.0


def test_entity_pages_and_timelines_are_stopped_at_the_timeout_too(project):
    """With a timeout no query meets, every page that queries answers 503: its query was
    stopped, or (the one worker being replaced after the previous stop) never started."""
    stopped = re.compile(rb"was stopped|stayed busy")
    with running_server(project, Settings(timeout=0.001, workers=1)) as running:
        status, body, _ = get(running.url + "/api/entity?iri=Russia")
        assert status == 503 and stopped.search(json.loads(body)["error"].encode())
        for path in ("/entity?iri=dkr:state/russia", "/timeline?a=Russia&b=NATO",
                     "/timeline.svg?a=Russia&b=NATO", "/api/queries/alliance-dissolutions"):
            status, body, _ = get(running.url + path)
            assert status == 503 and stopped.search(body), (path, status)
