"""A runaway query is stopped within the timeout while other clients keep being answered; an
answer beyond the size cap is refused; the worker that was killed is replaced."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import timed_urlopen
from SPARQLWrapper import JSON, SPARQLWrapper

from kg.server.runner import running_server
from kg.server.settings import Settings

TIMEOUT = 2.0
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SMALL = "SELECT ?s WHERE { ?s a dk:State } LIMIT 3"


@pytest.fixture(scope="module")
def server(project):
    settings = Settings(timeout=TIMEOUT, workers=2, max_result_bytes=20_000)
    with running_server(project, settings) as running:
        yield running


def ask(url: str, query: str) -> tuple[int, bytes, float]:
    data = urllib.parse.urlencode({"query": query}).encode()
    return timed_urlopen(urllib.request.Request(url + "/sparql", data=data, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json"}))


def test_runaway_cross_join_is_stopped_while_others_are_answered(server):
    runaway: dict = {}
    thread = threading.Thread(target=lambda: runaway.update(
        zip(("status", "body", "seconds"), ask(server.url, CROSS_JOIN))))
    thread.start()
    time.sleep(0.3)
    meanwhile = []
    while thread.is_alive():
        status, _, seconds = ask(server.url, SMALL)
        meanwhile.append((status, seconds))
        time.sleep(0.1)
    thread.join()
    assert runaway["status"] == 503
    assert b"ran longer than 2 s and was stopped" in runaway["body"]
    assert TIMEOUT <= runaway["seconds"] < TIMEOUT + 1.5
    assert len(meanwhile) >= 3, meanwhile
    assert all(status == 200 and seconds < 1.0 for status, seconds in meanwhile), meanwhile
    # The killed worker is replaced: two runaways at once are both stopped in time again.
    time.sleep(1.5)
    results = []
    threads = [threading.Thread(target=lambda: results.append(ask(server.url, CROSS_JOIN)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [status for status, _, _ in results] == [503, 503]
    assert all(seconds < TIMEOUT + 1.5 for _, _, seconds in results)
    time.sleep(1.5)
    assert ask(server.url, SMALL)[0] == 200


def test_sparqlwrapper_sees_the_timeout_as_an_error(server):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(CROSS_JOIN)
    client.setReturnFormat(JSON)
    started = time.monotonic()
    with pytest.raises(urllib.error.HTTPError) as stopped:
        client.query()
    assert stopped.value.code == 503 and time.monotonic() - started < TIMEOUT + 1.5


def test_result_size_cap(server):
    status, body, seconds = ask(server.url, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 413 and b"larger than 20000 bytes" in body
    assert ask(server.url, SMALL)[0] == 200


def test_a_named_query_past_the_timeout_answers_503(project):
    """Named queries run in the killable workers too (tests/test_server_named_timeout.py)."""
    with running_server(project, Settings(timeout=0.001, workers=1)) as running:
        try:
            with urllib.request.urlopen(f"{running.url}/api/queries/report-citations",
                                        timeout=60):
                status = 200
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        assert status == 503
        assert b"did not finish within" in body
