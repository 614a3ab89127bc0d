"""The SPARQL client's manners, against a real HTTP server on loopback that answers with
scripted statuses: User-Agent, retries on 429 and 5xx honouring Retry-After, clear errors."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kg.linking.client import EndpointError, QueryCache, SparqlClient, user_agent

EMPTY = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
    {"x": {"type": "literal", "value": "1"}}]}}).encode()


class Scripted(BaseHTTPRequestHandler):
    """Answers each request with the next (status, headers, body) of the server's script."""

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.server.seen.append((self.headers.get("User-Agent"), self.rfile.read(length)))
        status, headers, body = self.server.script.pop(0) if self.server.script else (
            200, {"Content-Type": "application/sparql-results+json"}, EMPTY)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        """Quiet: the test asserts on what the server saw instead."""


@pytest.fixture()
def scripted_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    server.script, server.seen = [], []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def client_for(server, **options) -> SparqlClient:
    url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
    return SparqlClient(endpoint=url, agent=user_agent("https://example.org/contact"),
                        **options)


def test_a_429_is_retried_after_the_time_retry_after_asks(scripted_server):
    scripted_server.script = [(429, {"Retry-After": "1"}, b"slow down")]
    client = client_for(scripted_server, retries=2, backoff=0)
    started = time.monotonic()
    result = client.select("SELECT ?x {}")
    assert time.monotonic() - started >= 1.0
    assert [row["x"].value for row in result.rows] == ["1"]
    assert client.stats.requests == 1 and client.stats.attempts == 2
    agent, body = scripted_server.seen[0]
    assert agent.startswith("diplo-kg/") and "https://example.org/contact" in agent
    assert b"query=SELECT" in body


def test_a_server_error_that_persists_is_a_clear_error(scripted_server):
    scripted_server.script = [(503, {}, b"busy")] * 3
    client = client_for(scripted_server, retries=2, backoff=0)
    with pytest.raises(EndpointError, match=r"answered HTTP 503 after 3 tries"):
        client.select("SELECT ?x {}")
    assert len(scripted_server.seen) == 3


def test_a_client_error_is_not_retried(scripted_server):
    scripted_server.script = [(400, {}, b"Parse error")]
    client = client_for(scripted_server, retries=3, backoff=0)
    with pytest.raises(EndpointError, match="HTTP 400.*Parse error"):
        client.select("SELECT nonsense")
    assert len(scripted_server.seen) == 1


def test_an_answer_that_is_not_sparql_json_is_refused(scripted_server):
    scripted_server.script = [(200, {"Content-Type": "text/html"}, b"<html></html>")]
    with pytest.raises(EndpointError, match="did not answer with SPARQL JSON"):
        client_for(scripted_server, retries=0).select("SELECT ?x {}")


def test_cached_answers_send_nothing(scripted_server, tmp_path):
    cache = QueryCache(tmp_path)
    first = client_for(scripted_server, cache=cache)
    first.select("SELECT ?x {}")
    second = client_for(scripted_server, cache=cache)
    assert second.select("SELECT ?x {}").rows == first.select("SELECT ?x {}").rows
    assert len(scripted_server.seen) == 1
    assert (second.stats.requests, second.stats.cache_hits) == (0, 1)
