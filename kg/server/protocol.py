"""The SPARQL 1.1 Protocol's rules, free of HTTP plumbing: formats, negotiation, operations.

One table lists every format the endpoint writes; content negotiation picks from it by the
``Accept`` header (or by a ``format`` parameter, for download links); a format it does not know
is never guessed.

>>> [m for m, _ in negotiate("text/csv;q=0.5, application/sparql-results+xml", RESULTS_FORMATS)][:2]
['application/sparql-results+xml', 'text/csv']
>>> negotiate(None, GRAPH_FORMATS)[0]
('text/turtle', 'TURTLE')
>>> negotiate("text/csv", GRAPH_FORMATS)[0]
('text/turtle', 'TURTLE')
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph

from kg.errors import EntityResolutionError, KgError, ParameterError, QueryError, \
    UnknownQueryError
from kg.server.sparql_text import operation_kind
from kg.server.workers import QueryTimeout, ResultTooLarge, ServerBusy, WorkerCrashed

# (media type, pyoxigraph format name, short name for ?format=), the server's preference first.
RESULTS_TABLE = (
    ("application/sparql-results+json", "JSON", "json"),
    ("application/sparql-results+xml", "XML", "xml"),
    ("text/csv", "CSV", "csv"),
    ("text/tab-separated-values", "TSV", "tsv"),
    ("application/json", "JSON", None),
    ("application/xml", "XML", None),
)
GRAPH_TABLE = (
    ("text/turtle", "TURTLE", "turtle"),
    ("application/n-triples", "N_TRIPLES", "ntriples"),
    ("application/ld+json", "JSON_LD", "jsonld"),
    ("application/rdf+xml", "RDF_XML", "rdfxml"),
    ("application/trig", "TRIG", None),
    ("text/plain", "N_TRIPLES", None),
)
RESULTS_FORMATS = tuple((m, f) for m, f, _ in RESULTS_TABLE)
GRAPH_FORMATS = tuple((m, f) for m, f, _ in GRAPH_TABLE)
FORMAT_NAMES = {short: (m, f) for m, f, short in RESULTS_TABLE + GRAPH_TABLE if short}

QUERY_MEDIA_TYPE = "application/sparql-query"
UPDATE_MEDIA_TYPE = "application/sparql-update"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


class ProtocolError(KgError):
    """A request the protocol does not allow; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        self.status = status
        super().__init__(message)


# Library errors and the HTTP status each answers with.
STATUS_OF_ERROR = ((ProtocolError, None), (QueryTimeout, 503), (ServerBusy, 503),
                   (ResultTooLarge, 413), (WorkerCrashed, 500), (UnknownQueryError, 404),
                   (ParameterError, 400), (EntityResolutionError, 400), (QueryError, 400),
                   (KgError, 400))


def status_of(error: KgError) -> int:
    """The HTTP status for a library error.

    >>> status_of(QueryTimeout("slow"))
    503
    >>> status_of(ProtocolError("no", status=415))
    415
    """
    for kind, status in STATUS_OF_ERROR:
        if isinstance(error, kind):
            return error.status if status is None else status
    return 500


class Operation(enum.Enum):
    QUERY = "query"
    UPDATE = "update"
    DESCRIPTION = "description"


@dataclass(frozen=True)
class SparqlRequest:
    """What a protocol request asks: the operation, its text and its dataset."""

    operation: Operation
    text: str = ""
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges of an Accept header with their quality, in the order given.

    >>> parse_accept("text/csv;q=0.2, */*")
    [('text/csv', 0.2), ('*/*', 1.0)]
    """
    ranges = []
    for part in (header or "").split(","):
        media, *params = [p.strip() for p in part.split(";")]
        if not media:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality))
    return ranges


def _quality(media: str, ranges: list[tuple[str, float]]) -> float:
    best, best_specificity = 0.0, -1
    kind = media.split("/")[0]
    for accepted, quality in ranges:
        specificity = (2 if accepted == media else 1 if accepted == f"{kind}/*"
                       else 0 if accepted == "*/*" else -1)
        if specificity > best_specificity:
            best, best_specificity = quality, specificity
    return best if best_specificity >= 0 else 0.0


def negotiate(accept: str | None, table: Sequence[tuple[str, str]],
              format_name: str | None = None) -> tuple[tuple[str, str], ...]:
    """The formats of ``table`` the client accepts, best first; the server's default when
    it accepts none of them (answering in a standard format beats a 406 for SPARQL clients).

    ``format_name`` (``json``, ``csv``, ``turtle``, ...) overrides the header when it names a
    format of ``table``; other values are left to the header (clients such as SPARQLWrapper
    send ``format=n3`` or ``format=json`` whatever the shape of the answer).

    >>> negotiate("text/csv", RESULTS_FORMATS, "json")[0]
    ('application/sparql-results+json', 'JSON')
    >>> negotiate("text/csv", RESULTS_FORMATS, "n3")[0]
    ('text/csv', 'CSV')
    """
    chosen = FORMAT_NAMES.get((format_name or "").lower().replace("-", ""))
    if chosen in table:
        return (chosen,) + tuple(f for f in table if f != chosen)
    ranges = parse_accept(accept)
    if not ranges:
        return tuple(table)
    scored = [(_quality(media, ranges), -index, (media, name))
              for index, (media, name) in enumerate(table)]
    ranked = tuple(item for quality, _, item in sorted(scored, reverse=True) if quality > 0)
    return ranked or tuple(table)


def read_operation(method: str, content_type: str | None, params: Mapping[str, list[str]],
                   form: Mapping[str, list[str]], body: str) -> SparqlRequest:
    """The operation of a protocol request.

    ``params`` are the URL's parameters, ``form`` the fields of a form-encoded body, ``body``
    the raw body of a direct POST.

    >>> read_operation("GET", None, {"query": ["ASK {}"]}, {}, "").operation
    <Operation.QUERY: 'query'>
    >>> read_operation("POST", "application/sparql-update", {}, {}, "CLEAR ALL").operation
    <Operation.UPDATE: 'update'>
    >>> read_operation("GET", None, {}, {}, "").operation
    <Operation.DESCRIPTION: 'description'>
    """
    media = (content_type or "").split(";")[0].strip().lower()
    fields: Mapping[str, list[str]] = params
    if method == "GET":
        if "update" in params:
            raise ProtocolError("a SPARQL update must be sent by POST", status=405)
        if "query" not in params:
            return SparqlRequest(Operation.DESCRIPTION)
        operation, text = Operation.QUERY, _single(params, "query")
    elif method != "POST":
        raise ProtocolError(f"method {method} is not allowed here; use GET or POST", status=405)
    elif media == FORM_MEDIA_TYPE:
        fields = {**params, **form}
        if ("query" in form) == ("update" in form):
            raise ProtocolError("a form POST needs exactly one of the fields 'query' or 'update'")
        operation = Operation.QUERY if "query" in form else Operation.UPDATE
        text = _single(form, operation.value)
    elif media == QUERY_MEDIA_TYPE:
        operation, text = Operation.QUERY, body
    elif media == UPDATE_MEDIA_TYPE:
        operation, text = Operation.UPDATE, body
    else:
        raise ProtocolError(f"unsupported Content-Type '{media or '(none)'}'; send "
                            f"{FORM_MEDIA_TYPE}, {QUERY_MEDIA_TYPE} or {UPDATE_MEDIA_TYPE}",
                            status=415)
    if operation is Operation.QUERY and operation_kind(text) == "update":
        operation = Operation.UPDATE
    default = fields.get("using-graph-uri" if operation is Operation.UPDATE
                         else "default-graph-uri")
    named = fields.get("using-named-graph-uri" if operation is Operation.UPDATE
                       else "named-graph-uri")
    return SparqlRequest(operation, text, tuple(default) if default else None,
                         tuple(named) if named else None)


def _single(fields: Mapping[str, list[str]], name: str) -> str:
    values = fields.get(name, [])
    if len(values) != 1:
        raise ProtocolError(f"give the parameter '{name}' exactly once")
    return values[0]


SD = "http://www.w3.org/ns/sparql-service-description#"


def service_description(*, endpoint: str, graphs: Sequence[str], updates: bool,
                        media_type: str, format_name: str) -> bytes:
    """The SPARQL 1.1 Service Description of the endpoint, in an RDF format.

    >>> text = service_description(endpoint="http://127.0.0.1:8000/sparql", graphs=[],
    ...                            updates=False, media_type="text/turtle",
    ...                            format_name="N_TRIPLES").decode()
    >>> "<http://www.w3.org/ns/sparql-service-description#UnionDefaultGraph>" in text
    True
    """
    node, rdf_type = pyoxigraph.NamedNode, pyoxigraph.NamedNode(
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    service, dataset = pyoxigraph.BlankNode("service"), pyoxigraph.BlankNode("dataset")
    default_graph = pyoxigraph.BlankNode("default")
    triples = [
        pyoxigraph.Triple(service, rdf_type, node(SD + "Service")),
        pyoxigraph.Triple(service, node(SD + "endpoint"), node(endpoint)),
        pyoxigraph.Triple(service, node(SD + "supportedLanguage"), node(SD + "SPARQL11Query")),
        pyoxigraph.Triple(service, node(SD + "feature"), node(SD + "UnionDefaultGraph")),
        pyoxigraph.Triple(service, node(SD + "defaultDataset"), dataset),
        pyoxigraph.Triple(dataset, rdf_type, node(SD + "Dataset")),
        pyoxigraph.Triple(dataset, node(SD + "defaultGraph"), default_graph),
        pyoxigraph.Triple(default_graph, rdf_type, node(SD + "Graph")),
    ]
    if updates:
        triples.append(pyoxigraph.Triple(service, node(SD + "supportedLanguage"),
                                         node(SD + "SPARQL11Update")))
    formats = {
        "JSON": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
        "XML": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
        "CSV": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
        "TSV": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
        "TURTLE": "http://www.w3.org/ns/formats/Turtle",
        "N_TRIPLES": "http://www.w3.org/ns/formats/N-Triples",
        "JSON_LD": "http://www.w3.org/ns/formats/JSON-LD",
        "RDF_XML": "http://www.w3.org/ns/formats/RDF_XML",
    }
    for iri in formats.values():
        triples.append(pyoxigraph.Triple(service, node(SD + "resultFormat"), node(iri)))
    for index, graph in enumerate(graphs):
        named = pyoxigraph.BlankNode(f"g{index}")
        triples += [pyoxigraph.Triple(dataset, node(SD + "namedGraph"), named),
                    pyoxigraph.Triple(named, rdf_type, node(SD + "NamedGraph")),
                    pyoxigraph.Triple(named, node(SD + "name"), node(graph))]
    return pyoxigraph.serialize(triples, format=getattr(pyoxigraph.RdfFormat, format_name),
                                prefixes={"sd": SD})
