"""A polite SPARQL 1.1 Protocol client for Wikidata-shaped endpoints, with an on-disk cache.

Wikidata's query service asks its clients for a descriptive User-Agent, modest request rates
and respect for ``Retry-After``. So: one POST per batch of entities (the queries carry
``VALUES``), a timeout on every request, retries with exponential backoff on connection errors,
429 and 5xx that wait as long as ``Retry-After`` says, and a cache keyed by the SHA-256 of
endpoint and query text so that a second run sends nothing.

``requests`` with urllib3's ``Retry`` is used because urllib3 implements exactly this retry
policy (backoff, status list, ``Retry-After`` for 429 and 503) and both are the most widely
deployed HTTP libraries for Python; nothing here needs async or HTTP/2.

>>> cache = QueryCache(Path("/nonexistent"))
>>> cache.key("https://query.wikidata.org/sparql", "SELECT * {}")[:12]
'ab9288f8e7c9'
>>> "diplo-kg/" in user_agent("https://example.org/contact")
True
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from kg import __version__
from kg.errors import KgError
from kg.results import Term

SPARQL_JSON = "application/sparql-results+json"
RETRY_STATUSES = (429, 500, 502, 503, 504)


class EndpointError(KgError):
    """The SPARQL endpoint could not be reached or did not answer with results."""


def user_agent(contact: str) -> str:
    """The User-Agent Wikimedia's policy asks for: tool/version (contact) library/version."""
    return f"diplo-kg/{__version__} (+{contact}) python-requests/{requests.__version__}"


@dataclass(frozen=True)
class SelectResult:
    """The variables and rows of a SELECT answer, and the day it was fetched."""

    variables: tuple[str, ...]
    rows: tuple[dict[str, Term], ...]
    fetched_on: datetime.date


@dataclass
class ClientStats:
    """What a client did: logical requests sent, HTTP attempts (retries included), cache hits."""

    requests: int = 0
    attempts: int = 0
    cache_hits: int = 0


class QueryCache:
    """SPARQL JSON answers on disk, one file per (endpoint, query), written atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @staticmethod
    def key(endpoint: str, query: str) -> str:
        return hashlib.sha256(f"{endpoint}\n{query}".encode("utf-8")).hexdigest()

    def _path(self, endpoint: str, query: str) -> Path:
        key = self.key(endpoint, query)
        return self.folder / key[:2] / f"{key}.json"

    def get(self, endpoint: str, query: str) -> dict | None:
        """The stored entry, or ``None`` when absent or unreadable (then it is fetched again)."""
        path = self._path(endpoint, query)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if entry.get("endpoint") != endpoint or entry.get("query") != query:
            return None
        return entry

    def put(self, endpoint: str, query: str, document: dict, fetched_on: datetime.date) -> None:
        path = self._path(endpoint, query)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"endpoint": endpoint, "query": query, "fetched_on": fetched_on.isoformat(),
                 "response": document}
        handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".partial")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(entry, stream, ensure_ascii=False, sort_keys=True)
        os.replace(partial, path)


@dataclass
class SparqlClient:
    """Sends SELECT queries to ``endpoint``; answers come from ``cache`` when it has them.

    Args:
        endpoint: the SPARQL 1.1 Protocol query URL.
        agent: the User-Agent header (see :func:`user_agent`).
        cache: where answers are kept; ``None`` to always ask the endpoint.
        timeout: seconds to wait for a connection and, separately, for the answer.
        retries: how many times a failed request is tried again.
        backoff: urllib3's backoff factor: waits of 0, 2b, 4b ... seconds between tries,
            or what ``Retry-After`` says when the server sends it.
        today: the date recorded for fresh answers (a parameter so tests are reproducible).
    """

    endpoint: str
    agent: str
    cache: QueryCache | None = None
    timeout: float = 60.0
    retries: int = 4
    backoff: float = 1.0
    today: datetime.date = field(default_factory=datetime.date.today)
    stats: ClientStats = field(default_factory=ClientStats)

    def __post_init__(self) -> None:
        policy = Retry(total=self.retries, connect=self.retries, read=self.retries,
                       status=self.retries, backoff_factor=self.backoff,
                       status_forcelist=RETRY_STATUSES, allowed_methods=None,
                       respect_retry_after_header=True, retry_after_max=300,
                       raise_on_status=False)
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": self.agent, "Accept": SPARQL_JSON})
        adapter = HTTPAdapter(max_retries=policy)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def close(self) -> None:
        self._session.close()

    def select(self, query: str) -> SelectResult:
        """Answer a SELECT query, from the cache when possible.

        Raises:
            EndpointError: when the endpoint is unreachable, keeps failing, or does not answer
                with SPARQL JSON results.
        """
        return self.select_keyed(["*"], lambda keys: query, lambda binding: "*",
                                 batch_size=1)["*"]

    def select_keyed(self, keys: Sequence[str], query_for: Callable[[Sequence[str]], str],
                     key_of: Callable[[dict], str | None], *,
                     batch_size: int = 25) -> dict[str, SelectResult]:
        """Answer ``query_for(keys)`` in batches, caching each key's rows on their own.

        ``query_for`` builds one query for a batch of keys (with ``VALUES``); ``key_of`` tells
        which key a binding (in SPARQL JSON form) belongs to. Each key's rows are cached under
        the query for that key alone, so a later run with a different set of keys still finds
        every key it has seen before, and sends requests only for the others.
        """
        answers: dict[str, SelectResult] = {}
        pending = []
        for key in dict.fromkeys(keys):
            entry = self.cache.get(self.endpoint, query_for([key])) if self.cache else None
            if entry is None:
                pending.append(key)
                continue
            self.stats.cache_hits += 1
            answers[key] = parse_document(entry["response"],
                                          datetime.date.fromisoformat(entry["fetched_on"]))
        for start in range(0, len(pending), max(batch_size, 1)):
            batch = pending[start:start + max(batch_size, 1)]
            document = self._fetch(query_for(batch))
            for key in batch:
                part = {"head": document["head"], "results": {"bindings": [
                    b for b in document["results"]["bindings"] if key_of(b) == key]}}
                if self.cache is not None:
                    self.cache.put(self.endpoint, query_for([key]), part, self.today)
                answers[key] = parse_document(part, self.today)
        return answers

    def _fetch(self, query: str) -> dict:
        self.stats.requests += 1
        try:
            response = self._session.post(self.endpoint, data={"query": query},
                                          timeout=(self.timeout, self.timeout))
        except requests.exceptions.RequestException as error:
            self.stats.attempts += self.retries + 1
            raise EndpointError(
                f"cannot reach the SPARQL endpoint {self.endpoint} ({_reason(error)}); check "
                "--endpoint and the network, then run again (nothing was written)") from None
        history = getattr(getattr(response.raw, "retries", None), "history", ()) or ()
        self.stats.attempts += len(history) + 1
        if response.status_code != 200:
            tried = f" after {len(history) + 1} tries" if history else ""
            raise EndpointError(
                f"the SPARQL endpoint {self.endpoint} answered HTTP {response.status_code}"
                f"{tried}: {response.text[:200].strip()!r}; check the query or try again "
                "later (nothing was written)")
        try:
            document = response.json()
            document["head"]["vars"]
            document["results"]["bindings"]
        except (ValueError, KeyError, TypeError):
            kind = response.headers.get("Content-Type", "unknown")
            raise EndpointError(
                f"{self.endpoint} did not answer with SPARQL JSON results (Content-Type "
                f"{kind}); is it a SPARQL query endpoint? (nothing was written)") from None
        return document


def _reason(error: Exception) -> str:
    text = str(error)
    for marker in ("Connection refused", "timed out", "Name or service not known",
                   "Temporary failure in name resolution", "No route to host"):
        if marker in text:
            return marker.lower()
    return type(error).__name__


def parse_document(document: dict, fetched_on: datetime.date) -> SelectResult:
    """A SPARQL JSON results document as a :class:`SelectResult`."""
    variables = tuple(document["head"]["vars"])
    rows = tuple({name: _term(value) for name, value in binding.items()}
                 for binding in document["results"]["bindings"])
    return SelectResult(variables, rows, fetched_on)


def _term(value: dict) -> Term:
    """A term of the W3C SPARQL 1.1 JSON results format.

    >>> _term({"type": "literal", "value": "Russia", "xml:lang": "en"}).language
    'en'
    """
    kind = value["type"]
    if kind == "uri":
        return Term.iri(value["value"])
    if kind == "bnode":
        return Term.blank(value["value"])
    return Term.literal(value["value"], datatype=value.get("datatype"),
                        language=value.get("xml:lang"))
