"""The HTML pages: query editor and results, entity pages, the timeline.

Pages are rendered on the server from Jinja2 templates (autoescaped) and work without
JavaScript; ``static/app.js`` only makes the example picker and the editor handier. Every page
has a JSON twin (``/sparql``, ``/api/entity``, ``/api/queries``).

>>> sparql_term(Term.literal("2021-11-02", datatype=XSD + "date"))
'"2021-11-02"^^xsd:date'
>>> sparql_term(Term.iri("https://w3id.org/diplo-kg/resource/state/russia"))
'<https://w3id.org/diplo-kg/resource/state/russia>'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import partial
from urllib.parse import parse_qs, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from kg.entities import resolve_entity
from kg.errors import EntityResolutionError, KgError, ParameterError
from kg.namespaces import compact_iri
from kg.queries import NamedQuery, bind_parameters
from kg.results import XSD, Term, TermKind
from kg.server.entity import describe_entity, wikidata_page
from kg.server.protocol import Operation, ProtocolError, SparqlRequest, status_of
from kg.server.sparql_text import inline_parameters, operation_kind
from kg.server.timeline import build_timeline, render_svg
from kg.server.workers import Shape

# Names the UI gives to examples whose title reads too generally in a menu.
EXAMPLE_LABELS = {"channels-as-of": "Channels remaining between Russia and NATO"}
DEFAULT_QUERY = """SELECT ?entity ?label WHERE {
  ?entity a dk:Actor ; rdfs:label ?label .
}
ORDER BY ?label
LIMIT 50
"""

_env = Environment(loader=PackageLoader("kg.server", "templates"),
                   autoescape=select_autoescape(["html", "svg"]), trim_blocks=True,
                   lstrip_blocks=True)
_env.filters["curie"] = compact_iri
_env.globals["entity_href"] = lambda iri: "/entity?" + urlencode({"iri": iri})
_env.globals["wikidata_page"] = wikidata_page


@dataclass(frozen=True)
class Example:
    """A named query shown in the editor, its parameters written in as their defaults."""

    name: str
    label: str
    text: str
    parameters: dict[str, str]


def sparql_term(term: Term) -> str:
    """``term`` in SPARQL syntax (full IRIs: our local names hold ``/``)."""
    if term.kind is TermKind.IRI:
        return f"<{term.value}>"
    text = json.dumps(term.value, ensure_ascii=False)
    if term.language:
        return f"{text}@{term.language}"
    if term.datatype:
        short = compact_iri(term.datatype)
        return f"{text}^^{short if re.fullmatch(r'xsd:[A-Za-z]+', short) else f'<{term.datatype}>'}"
    return text


def examples(dataset) -> dict[str, Example]:
    """Every named query whose defaults resolve, as editor-ready SPARQL."""
    found = {}
    for name, query in dataset.catalog.items():
        try:
            bindings = bind_parameters(query, {}, dataset.engine)
        except KgError:
            continue
        body = "\n".join(line for line in query.text.splitlines()
                         if not line.startswith("# param:") and not line.startswith("# set-"))
        text = inline_parameters(body.strip() + "\n",
                                 {k: sparql_term(v) for k, v in bindings.items()})
        found[name] = Example(name, EXAMPLE_LABELS.get(name, query.title), text,
                              {p.name: p.default or "" for p in query.parameters})
    return dict(sorted(found.items(), key=lambda item: (item[0] not in EXAMPLE_LABELS,
                                                        item[1].label)))


def catalog_json(catalog: dict[str, NamedQuery], shown: dict[str, Example]) -> list[dict]:
    return [{"name": q.name, "title": q.title, "description": q.description,
             "url": f"/api/queries/{q.name}",
             "parameters": [{"name": p.name, "type": p.type, "default": p.default,
                             "description": p.description} for p in q.parameters],
             "requiresNetwork": q.needs_network,
             "example": shown[q.name].text if q.name in shown else None}
            for q in catalog.values()]


def page(template: str, status: int = 200, **context) -> HTMLResponse:
    return HTMLResponse(_env.get_template(template).render(**context), status_code=status)


def _cell(binding: dict | None) -> dict:
    if binding is None:
        return {"kind": "unbound", "text": ""}
    if binding["type"] == "uri":
        return {"kind": "iri", "text": compact_iri(binding["value"]), "iri": binding["value"]}
    if binding["type"] == "bnode":
        return {"kind": "bnode", "text": "_:" + binding["value"]}
    note = binding.get("xml:lang") or (compact_iri(binding["datatype"])
                                       if "datatype" in binding else "")
    return {"kind": "literal", "text": binding["value"], "note": note}


class Pages:
    def __init__(self, endpoint) -> None:
        self.endpoint = endpoint

    async def _fields(self, request: Request) -> dict[str, list[str]]:
        fields = parse_qs(request.url.query, keep_blank_values=True)
        if request.method == "POST":
            body = (await self.endpoint.read_body(request)).decode("utf-8", "replace")
            fields.update(parse_qs(body, keep_blank_values=True))
        return fields

    async def query(self, request: Request) -> Response:
        try:
            fields = await self._fields(request)
        except KgError as error:
            return page("error.html", 413, message=str(error))
        shown = request.app.state.examples
        chosen = (fields.get("example") or [""])[0]
        text = (fields.get("query") or [None])[0]
        if text is None:
            text = shown[chosen].text if chosen in shown else DEFAULT_QUERY
        context = {"examples": shown, "chosen": chosen,
                   "examples_data": {name: e.text for name, e in shown.items()}, "text": text, "result": None,
                   "error": None, "ran": "query" in fields}
        status = 200
        if context["ran"]:
            try:
                context["result"] = await self._run(text)
            except KgError as error:
                status, context["error"] = status_of(error), str(error)
        return page("query.html", status, **context)

    async def _run(self, text: str) -> dict:
        operation = SparqlRequest(Operation.QUERY, text)
        if operation_kind(text) == "update":
            raise ProtocolError("the query page runs queries only; send updates to /sparql",
                                status=403)
        answer = await self.endpoint.query(operation, accept="application/sparql-results+json"
                                                            ", text/turtle")
        if answer.shape is Shape.GRAPH:
            return {"shape": "graph", "turtle": answer.body.decode("utf-8")}
        document = json.loads(answer.body)
        if answer.shape is Shape.BOOLEAN:
            return {"shape": "boolean", "value": document["boolean"]}
        variables = document["head"]["vars"]
        rows = [[_cell(b.get(v)) for v in variables] for b in document["results"]["bindings"]]
        return {"shape": "solutions", "variables": variables, "rows": rows}

    async def entity(self, request: Request) -> Response:
        wanted = request.query_params.get("iri", "").strip()
        as_json = request.url.path.startswith("/api/")
        if not wanted:
            return page("error.html", 400, message="give an entity: /entity?iri=IRI, a CURIE, "
                        "a Wikidata QID or an exact label")
        try:
            iri = await self.endpoint.call(partial(resolve_entity, wanted))
            if iri != wanted and not as_json:
                return RedirectResponse("/entity?" + urlencode({"iri": iri}), status_code=303)
            facts = await self.endpoint.call(partial(describe_entity, iri))
        except KgError as error:
            status = 404 if isinstance(error, EntityResolutionError) else status_of(error)
            if as_json:
                return JSONResponse({"error": str(error)}, status_code=status)
            return page("error.html", status, message=str(error))
        if as_json:
            return JSONResponse(facts.to_json())
        return page("entity.html", facts=facts,
                    asserted=[s for s in facts.properties if not s.inferred],
                    inferred=[s for s in facts.properties if s.inferred])

    def _timeline_args(self, request: Request) -> dict:
        timeline_query = self.endpoint.dataset.catalog.get("timeline")
        defaults = {p.name: p.default for p in timeline_query.parameters} \
            if timeline_query else {}
        get = request.query_params.get
        return {"a": get("a") or defaults.get("a") or "", "b": get("b") or defaults.get("b") or "",
                "start": get("from") or None, "end": get("to") or None}

    async def _timeline(self, request: Request):
        args = self._timeline_args(request)
        line = await self.endpoint.call(partial(build_timeline, self.endpoint.dataset.catalog,
                                                **args))
        return args, line

    async def timeline(self, request: Request) -> Response:
        try:
            args, line = await self._timeline(request)
        except KgError as error:
            status = 400 if isinstance(error, ParameterError) else status_of(error)
            return page("timeline.html", status, args=self._timeline_args(request), line=None,
                        error=str(error), svg_href=None)
        query = urlencode({k: v for k, v in (("a", args["a"]), ("b", args["b"]),
                                             ("from", args["start"]), ("to", args["end"]))
                           if v})
        return page("timeline.html", args=args, line=line, error=None,
                    svg_href=f"/timeline.svg?{query}")

    async def timeline_svg(self, request: Request) -> Response:
        try:
            _, line = await self._timeline(request)
        except KgError as error:
            status = 400 if isinstance(error, ParameterError) else status_of(error)
            return Response(f"{error}\n", status_code=status, media_type="text/plain")
        svg = render_svg(line, link=_env.globals["entity_href"])
        return Response(svg, media_type="image/svg+xml")


def routes(endpoint) -> list[Route]:
    pages = Pages(endpoint)
    return [Route("/", pages.query, methods=["GET", "POST"]),
            Route("/entity", pages.entity, methods=["GET"]),
            Route("/api/entity", pages.entity, methods=["GET"]),
            Route("/timeline", pages.timeline, methods=["GET"]),
            Route("/timeline.svg", pages.timeline_svg, methods=["GET"])]
