"""The HTTP application: the SPARQL endpoint, the named-query API, the pages, the headers.

Every answer carries ``X-Content-Type-Options: nosniff`` and a Content-Security-Policy that
allows no inline script and no other origin; errors are short messages, never stack traces.
CORS is off unless origins are configured, and never applies to updates.

>>> SECURITY_HEADERS[b"x-content-type-options"]
b'nosniff'
"""

from __future__ import annotations

import contextlib
import hmac
import logging
from collections.abc import Callable
from functools import partial
from typing import TypeVar
from urllib.parse import parse_qs

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kg.channel_index import build_channel_index, drop_channel_index
from kg.engines import Engine
from kg.errors import KgError, QueryError, UnknownQueryError
from kg.namespaces import PREFIXES
from kg.queries import run_named_query
from kg.results import to_json
from kg.server import views
from kg.server.offloop import run_off_loop
from kg.server.protocol import GRAPH_FORMATS, RESULTS_FORMATS, Operation, ProtocolError, \
    SparqlRequest, negotiate, read_operation, service_description, status_of
from kg.server.settings import ServedDataset, Settings
from kg.server.sparql_text import remote_targets, target_allowed
from kg.server.workers import EngineCall, QueryAnswer, QueryRequest, QueryTimeout, WorkerPool

log = logging.getLogger("kg.server")
T = TypeVar("T")

SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"content-security-policy": b"default-src 'none'; script-src 'self'; style-src 'self'; "
                                b"img-src 'self' data:; connect-src 'self'; form-action 'self'; "
                                b"base-uri 'none'; frame-ancestors 'none'",
    b"referrer-policy": b"no-referrer",
    b"x-frame-options": b"DENY",
}


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every response."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (k, v) for k, v in SECURITY_HEADERS.items() if k not in present]
            await send(message)

        await self.app(scope, receive, with_headers)


def error_response(status: int, message: str, headers: dict | None = None) -> Response:
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


class Endpoint:
    """The SPARQL 1.1 Protocol at ``/sparql``, and the queries the pages run."""

    def __init__(self, dataset: ServedDataset, settings: Settings, pool: WorkerPool) -> None:
        self.dataset = dataset
        self.settings = settings
        self.pool = pool
        self._update_lock = anyio.Lock()

    async def read_body(self, request: Request) -> bytes:
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise ProtocolError(f"the request body is larger than {limit} bytes", status=413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise ProtocolError(f"the request body is larger than {limit} bytes",
                                    status=413)
        return bytes(body)

    async def parse(self, request: Request) -> tuple[SparqlRequest, dict[str, list[str]]]:
        """The operation of ``request`` and all its fields (URL and form)."""
        params = parse_qs(request.url.query, keep_blank_values=True)
        body = await self.read_body(request) if request.method == "POST" else b""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("the request body is not UTF-8") from None
        content_type = request.headers.get("content-type")
        form = parse_qs(text, keep_blank_values=True) \
            if (content_type or "").lower().startswith("application/x-www-form-urlencoded") \
            else {}
        operation = read_operation(request.method, content_type, params, form, text)
        if len(operation.text) > self.settings.max_query_length:
            raise ProtocolError(f"the query is longer than {self.settings.max_query_length} "
                                "characters", status=413)
        return operation, {**params, **form}

    def check_remote(self, text: str) -> None:
        """Refuse SERVICE and LOAD calls outside the allow-list (no SSRF)."""
        for target in remote_targets(text, prefixes=PREFIXES):
            if not target_allowed(target, self.settings.allowed_services):
                where = f"<{target}>" if target else "an endpoint not known before the query runs"
                raise ProtocolError(f"SERVICE and LOAD may not call {where}: this server calls "
                                    "no remote endpoint unless started with --allow-service "
                                    "IRI-PREFIX", status=403)

    async def query(self, operation: SparqlRequest, *, accept: str | None,
                    format_name: str | None = None) -> QueryAnswer:
        self.check_remote(operation.text)
        request = QueryRequest(
            text=operation.text,
            results_formats=negotiate(accept, RESULTS_FORMATS, format_name),
            graph_formats=negotiate(accept, GRAPH_FORMATS, format_name),
            default_graphs=operation.default_graphs, named_graphs=operation.named_graphs,
            prefixes=tuple(PREFIXES.items()), max_bytes=self.settings.max_result_bytes)
        return await run_off_loop(self.pool.run, request)

    async def call(self, function: Callable[[Engine], T]) -> T:
        """``function(engine)`` in a query worker, stopped past the timeout like a query from
        the endpoint (see :class:`~kg.server.workers.EngineCall` for what ``function`` may be).

        Raises:
            QueryTimeout, ServerBusy, ResultTooLarge, WorkerCrashed, and the function's
            :class:`KgError`.
        """
        call = EngineCall(function, max_bytes=self.settings.max_result_bytes)
        return await run_off_loop(self.pool.run, call)

    async def update(self, operation: SparqlRequest, request: Request) -> Response:
        if not self.settings.updates_enabled:
            return error_response(403, "this endpoint is read-only: SPARQL Update is refused "
                                  "(start kg serve with --allow-update and a token to allow it)")
        given = request.headers.get("authorization", "")
        expected = f"Bearer {self.settings.update_token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return error_response(401, "SPARQL Update needs the header 'Authorization: Bearer "
                                   "TOKEN' with the server's update token",
                                   {"WWW-Authenticate": "Bearer"})
        if operation.default_graphs or operation.named_graphs:
            raise ProtocolError("using-graph-uri and using-named-graph-uri are not supported; "
                                "write USING or WITH in the update")
        self.check_remote(operation.text)
        async with self._update_lock:
            await run_off_loop(self._apply_update, operation.text)
        return Response(status_code=204)

    def _apply_update(self, text: str) -> None:
        # The channel index is dropped first, so that no reader ever sees it out of date
        # (without it, queries find channels the slow way), and built again whatever happens.
        store = self.dataset.store
        drop_channel_index(store)
        try:
            store.update(text, prefixes=dict(PREFIXES))
        except SyntaxError as error:
            raise QueryError(f"malformed SPARQL update: {error}") from None
        except (OSError, RuntimeError, ValueError) as error:
            raise QueryError(f"the update failed: {error}") from None
        finally:
            self._rebuild_channel_index()

    def _rebuild_channel_index(self) -> None:
        """After an update, applied or not: the index again, then the workers' new view.
        Without the index queries are slower, not wrong, so a failure is logged, not raised."""
        try:
            build_channel_index(self.dataset.store)
        except (OSError, RuntimeError) as error:
            log.error("could not rebuild the channel index after an update: %s", error)
        self.dataset.store.flush()
        self.pool.refresh()

    def cors_headers(self, request: Request) -> dict[str, str]:
        origin = request.headers.get("origin")
        allowed = self.settings.cors_origins
        if not origin or not allowed:
            return {}
        if "*" in allowed:
            return {"Access-Control-Allow-Origin": "*"}
        if origin in allowed:
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {}

    async def preflight(self, request: Request) -> Response:
        """CORS preflight: reads only; Authorization is not allowed, so no browser updates."""
        headers = self.cors_headers(request)
        if headers:
            headers.update({"Access-Control-Allow-Methods": "GET, POST",
                            "Access-Control-Allow-Headers": "Accept, Content-Type",
                            "Access-Control-Max-Age": "600"})
        return Response(status_code=204, headers=headers)

    async def sparql(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return await self.preflight(request)
        try:
            operation, fields = await self.parse(request)
            if operation.operation is Operation.UPDATE:
                return await self.update(operation, request)
            cors = self.cors_headers(request)
            format_name = (fields.get("format") or [None])[0]
            if operation.operation is Operation.DESCRIPTION:
                media, name = negotiate(request.headers.get("accept"), GRAPH_FORMATS,
                                        format_name)[0]
                body = service_description(endpoint=str(request.url.replace(query="")),
                                           graphs=self.dataset.graphs,
                                           updates=self.settings.updates_enabled,
                                           media_type=media, format_name=name)
                return Response(body, media_type=media, headers=cors)
            answer = await self.query(operation, accept=request.headers.get("accept"),
                                      format_name=format_name)
            if "download" in fields:
                extension = (format_name or "txt").lower()
                cors["Content-Disposition"] = f'attachment; filename="results.{extension}"'
            return Response(answer.body, media_type=answer.media_type, headers=cors)
        except KgError as error:
            return error_response(status_of(error), str(error))

    async def catalog(self, request: Request) -> Response:
        return JSONResponse(views.catalog_json(self.dataset.catalog, request.app.state.examples),
                            headers=self.cors_headers(request))

    async def named_query(self, request: Request) -> Response:
        name = request.path_params["name"]
        given = {k: v[-1] for k, v in parse_qs(request.url.query).items()}
        try:
            query = self.dataset.catalog.get(name)
            if query is None:
                raise UnknownQueryError(name, sorted(self.dataset.catalog))
            if query.needs_network:
                self.check_remote(query.text)
            table = await self.call(partial(run_named_query, query, given))
        except QueryTimeout:
            return error_response(503, f"the named query '{name}' did not finish within "
                                       f"{self.settings.timeout:g} s and was stopped; narrow "
                                       "its parameters")
        except KgError as error:
            return error_response(status_of(error), str(error))
        return Response(to_json(table).encode("utf-8"),
                        media_type="application/sparql-results+json",
                        headers=self.cors_headers(request))


async def _server_error(request: Request, error: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path,
                  exc_info=error)
    return error_response(500, "internal error; the server log has the details")


def create_app(dataset: ServedDataset, settings: Settings) -> SecurityHeaders:
    """The ASGI application serving ``dataset``; its lifespan starts and ends the workers."""
    pool = WorkerPool(str(dataset.store_path), size=settings.workers, timeout=settings.timeout)
    endpoint = Endpoint(dataset, settings, pool)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await anyio.to_thread.run_sync(pool.start)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(pool.close)

    methods = ["GET", "POST", "OPTIONS"]
    routes = [
        Route("/sparql", endpoint.sparql, methods=methods),
        Route("/api/queries", endpoint.catalog, methods=["GET"]),
        Route("/api/queries/{name}", endpoint.named_query, methods=["GET"]),
        *views.routes(endpoint),
        Mount("/static", StaticFiles(packages=[("kg.server", "static")]), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={Exception: _server_error, 500: _server_error})
    app.state.endpoint = endpoint
    app.state.examples = views.examples(dataset)
    return SecurityHeaders(app)
