"""SPARQL queries run in worker processes that can be killed, so a runaway query never hangs.

An Oxigraph query cannot be interrupted from another thread, so each query from the endpoint
runs in a separate process holding a read-only view of the store on disk. When a query runs
past its time, its process is killed and a fresh one takes its place; the other workers keep
answering meanwhile. Results are serialized in the worker, and serialization stops as soon as
the answer grows beyond the size cap.

Two kinds of work go to the workers: a :class:`QueryRequest` (a SPARQL text from the endpoint,
answered in a results format) and an :class:`EngineCall` (a library function given an engine
over the worker's store: a named query, an entity page, a timeline), answered with the
function's plain-value result. Both are killed past the timeout.

>>> answer = QueryAnswer(shape=Shape.BOOLEAN, media_type="application/sparql-results+json",
...                      body=b'{"boolean":true}')
>>> answer.shape.value
'boolean'
"""

from __future__ import annotations

import enum
import io
import logging
import multiprocessing
import pickle
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph

from kg.engines import Engine, OxigraphEngine
from kg.errors import KgError, QueryError

log = logging.getLogger("kg.server")


class Shape(enum.Enum):
    """What a query answers: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT…)."""

    SOLUTIONS = "solutions"
    BOOLEAN = "boolean"
    GRAPH = "graph"


@dataclass(frozen=True)
class QueryRequest:
    """A query and how to answer it; sent to a worker, so only plain values.

    ``results_formats`` and ``graph_formats`` pair media types with pyoxigraph format names,
    best first (never empty); the worker takes the first of the list that fits the shape.
    """

    text: str
    results_formats: tuple[tuple[str, str], ...]
    graph_formats: tuple[tuple[str, str], ...]
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    prefixes: tuple[tuple[str, str], ...] = ()
    max_bytes: int = 32 * 1024 * 1024


@dataclass(frozen=True)
class QueryAnswer:
    shape: Shape
    media_type: str
    body: bytes


@dataclass(frozen=True)
class EngineCall:
    """``function(engine)`` run in a worker, ``engine`` querying the worker's store (the union
    of its graphs as default graph); the result is sent back if its pickle fits ``max_bytes``.

    The call is pickled: ``function`` is a module-level function, or a ``functools.partial``
    of one with plain-value arguments, and it returns plain values (no pyoxigraph objects).
    """

    function: Callable[[Engine], object]
    max_bytes: int = 32 * 1024 * 1024


@dataclass(frozen=True)
class _Raised:
    """A :class:`KgError` on its way from a worker: rebuilt without calling ``__init__``, since
    errors such as :class:`~kg.errors.EntityResolutionError` compute their message there.

    >>> from kg.errors import EntityResolutionError
    >>> error = EntityResolutionError("Georgia", ["dkr:state/georgia", "dkr:state/georgia-us"])
    >>> copy = pickle.loads(pickle.dumps(_Raised.of(error))).rebuild()
    >>> str(copy) == str(error), copy.candidates == error.candidates
    (True, True)
    """

    kind: type
    args: tuple
    state: dict

    @classmethod
    def of(cls, error: KgError) -> _Raised:
        return cls(type(error), error.args, dict(vars(error)))

    def rebuild(self) -> KgError:
        error = self.kind.__new__(self.kind, *self.args)
        error.__dict__.update(self.state)
        return error


class QueryTimeout(KgError):
    """The query ran past the time limit and was stopped."""


class ServerBusy(KgError):
    """No worker became free within the time limit."""


class ResultTooLarge(KgError):
    """The answer grew beyond the size cap."""


class WorkerCrashed(KgError):
    """The worker process ended while answering."""


class _CappedBuffer(io.RawIOBase):
    def __init__(self, cap: int) -> None:
        self.data = bytearray()
        self.cap = cap

    def writable(self) -> bool:
        return True

    def write(self, chunk) -> int:
        self.data += chunk
        if len(self.data) > self.cap:
            raise ResultTooLarge(f"the result is larger than {self.cap} bytes; add a LIMIT "
                                 "or ask for fewer variables")
        return len(chunk)


def answer_query(store: pyoxigraph.Store, request: QueryRequest) -> QueryAnswer:
    """Run ``request`` on ``store`` and serialize the answer (what a worker does).

    >>> store = pyoxigraph.Store()
    >>> request = QueryRequest("ASK { ?s ?p ?o }", (("text/csv", "CSV"),), ())
    >>> answer_query(store, request).body
    b'false'

    Raises:
        QueryError: a malformed query (with line and column) or a failure while running.
        ResultTooLarge: the answer grew beyond ``request.max_bytes``.
    """
    scope: dict = {}
    if request.default_graphs is not None:
        scope["default_graph"] = [pyoxigraph.NamedNode(g) for g in request.default_graphs]
    else:
        scope["use_default_graph_as_union"] = True
    if request.named_graphs is not None:
        scope["named_graphs"] = [pyoxigraph.NamedNode(g) for g in request.named_graphs]
    try:
        result = store.query(request.text, prefixes=dict(request.prefixes), **scope)
        if isinstance(result, pyoxigraph.QueryTriples):
            shape, choices = Shape.GRAPH, request.graph_formats
            enum_type = pyoxigraph.RdfFormat
        else:
            shape = Shape.BOOLEAN if isinstance(result, pyoxigraph.QueryBoolean) \
                else Shape.SOLUTIONS
            choices, enum_type = request.results_formats, pyoxigraph.QueryResultsFormat
        media_type, format_name = choices[0]
        buffer = _CappedBuffer(request.max_bytes)
        result.serialize(buffer, getattr(enum_type, format_name))
    except SyntaxError as error:
        raise QueryError(f"malformed SPARQL: {error}") from None
    except (OSError, RuntimeError, ValueError) as error:
        raise QueryError(f"the query failed: {error}") from None
    return QueryAnswer(shape, media_type, bytes(buffer.data))


def _worker_main(store_path: str, connection) -> None:
    """Entry point of a worker process: answer requests until the pipe closes."""
    try:
        store = pyoxigraph.Store.read_only(store_path)
    except (OSError, RuntimeError) as error:
        # The pool logs the failure and retries with a fresh worker.
        connection.send(f"cannot open the store: {error}")
        return
    engine = OxigraphEngine(store)
    connection.send("ready")
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        try:
            connection.send_bytes(_answer(store, engine, request))
        except KgError as error:
            connection.send(_Raised.of(error))


def _answer(store: pyoxigraph.Store, engine: Engine,
            request: QueryRequest | EngineCall) -> bytes:
    """The pickled answer to ``request`` (what :meth:`Connection.recv` reads back)."""
    if isinstance(request, QueryRequest):
        return pickle.dumps(answer_query(store, request))
    data = pickle.dumps(request.function(engine))
    if len(data) > request.max_bytes:
        raise ResultTooLarge(f"the result is larger than {request.max_bytes} bytes; narrow "
                             "the parameters")
    return data


class _Worker:
    def __init__(self, context, store_path: str, generation: int) -> None:
        self.generation = generation
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(store_path, child),
                                       daemon=True, name="kg-sparql-worker")
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> bool:
        try:
            return self.connection.poll(timeout) and self.connection.recv() == "ready"
        except (EOFError, OSError):
            return False

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.connection.close()


class WorkerPool:
    """``size`` worker processes answering queries on the store at ``store_path``.

    :meth:`run` blocks its thread (call it off the event loop); :meth:`refresh` makes every
    worker reopen the store (after an update); :meth:`close` ends them all.
    """

    def __init__(self, store_path: str, *, size: int, timeout: float) -> None:
        self.store_path = store_path
        self.size = size
        self.timeout = timeout
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._generation = 0
        self._closed = False
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()

    def start(self) -> None:
        """Start the workers and wait until each has opened the store."""
        workers = [self._spawn() for _ in range(self.size)]
        for worker in workers:
            self._admit(worker)

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context, self.store_path, self._generation)
        with self._lock:
            self._all.add(worker)
        return worker

    def _admit(self, worker: _Worker, *, attempts: int = 5) -> None:
        """Queue ``worker`` once it has opened the store; retry with fresh workers when the
        opening fails (a read-only open can race with the compaction that follows an update)."""
        for attempt in range(1, attempts + 1):
            if worker.wait_ready(60) and not self._closed:
                self._idle.put(worker)
                return
            self._discard(worker)
            if self._closed:
                return
            log.warning("a SPARQL worker could not open the store (attempt %d)", attempt)
            time.sleep(0.2 * attempt)
            worker = self._spawn()
        self._discard(worker)
        log.error("no SPARQL worker could open the store at %s", self.store_path)

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start another in the background."""
        self._discard(worker)
        if not self._closed:
            fresh = self._spawn()
            threading.Thread(target=self._admit, args=(fresh,), daemon=True).start()

    def run(self, request: QueryRequest | EngineCall, *,
            timeout: float | None = None) -> QueryAnswer | object:
        """Answer ``request`` in a worker, within ``timeout`` seconds (default: the pool's):
        a :class:`QueryAnswer` to a :class:`QueryRequest`, the function's result to an
        :class:`EngineCall`.

        Raises:
            ServerBusy, QueryTimeout, WorkerCrashed, and the errors of :func:`answer_query`.
        """
        limit = self.timeout if timeout is None else timeout
        try:
            worker = self._idle.get(timeout=limit)
        except queue.Empty:
            raise ServerBusy(f"every query worker stayed busy for {limit:g} s; "
                             "try again later") from None
        started = time.monotonic()
        try:
            worker.connection.send(request)
            if not worker.connection.poll(limit):
                log.warning("query stopped after %.1f s", time.monotonic() - started)
                self._replace(worker)
                worker = None
                raise QueryTimeout(f"the query ran longer than {limit:g} s and was stopped; "
                                   "add a LIMIT or make the patterns more selective")
            outcome = worker.connection.recv()
        except (EOFError, OSError, BrokenPipeError):
            if worker is not None:
                self._replace(worker)
                worker = None
            raise WorkerCrashed("the query engine stopped while answering; "
                                "the query was not completed") from None
        finally:
            if worker is not None:
                self._release(worker)
        if isinstance(outcome, _Raised):
            raise outcome.rebuild()
        return outcome

    def _release(self, worker: _Worker) -> None:
        if worker.generation != self._generation or self._closed:
            self._replace(worker)
        else:
            self._idle.put(worker)

    def refresh(self) -> None:
        """Make every worker reopen the store, so they see the data written since."""
        self._generation += 1
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            self._replace(worker)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            self._discard(worker)
