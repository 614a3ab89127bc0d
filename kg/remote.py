"""Scale-out: named queries against any SPARQL 1.1 endpoint, and pushing graphs to a server with
the SPARQL 1.1 Graph Store Protocol (Oxigraph server, Apache Jena Fuseki, QLever, Virtuoso).

The SPARQL 1.1 Protocol has no way to pass bindings, so for a remote endpoint the parameters
become a ``VALUES`` block at the head of every ``WHERE`` group of the query (the top-level one
and each sub-query's, where a local engine's substitution reaches too), each value written as
an N-Triples term (escaped, so it cannot change the query's structure). A parity test runs
every named query locally and through ``oxigraph serve`` and requires equal answers.

>>> with_values("SELECT ?a WHERE { ?a ?p ?o }", {"a": Term.iri("http://example.org/x")})
'SELECT ?a WHERE { VALUES (?a) { (<http://example.org/x>) } ?a ?p ?o }'
>>> with_values("SELECT ?a WHERE { { SELECT ?a WHERE { ?a ?p ?o } } }", {"a": Term.literal("x")})
'SELECT ?a WHERE { VALUES (?a) { ("x") } { SELECT ?a WHERE { VALUES (?a) { ("x") } ?a ?p ?o } } }'
>>> with_values('SELECT ?a WHERE { }', {"a": Term.literal('x" } DROP ALL {')})
'SELECT ?a WHERE { VALUES (?a) { ("x\\\\" } DROP ALL {") } }'
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

import pyoxigraph
import requests

from kg import __version__
from kg.channel_index import INDEX_GRAPH
from kg.engines import drop_columns, to_oxigraph_term
from kg.errors import QueryError
from kg.loading import GraphRole, LoadedDataset, SourceFile
from kg.namespaces import INFERRED_GRAPH, LINKS_GRAPH, ONTOLOGY_GRAPH, sparql_prologue
from kg.results import ResultTable, Term

USER_AGENT = f"diplo-kg/{__version__} (knowledge graph toolkit; python-requests)"
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def with_values(query: str, bindings: Mapping[str, Term]) -> str:
    """``query`` with ``bindings`` as a VALUES block opening each of its WHERE groups."""
    if not bindings:
        return query
    if _WHERE.search(query) is None:
        raise QueryError("a query with parameters needs a 'WHERE {' clause to bind them in")
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(term.to_ntriples() for term in bindings.values())
    block = f" VALUES ({names}) {{ ({values}) }}"
    return _WHERE.sub(lambda match: match.group(0) + block, query)


class RemoteEngine:
    """Answers SELECT queries through the SPARQL 1.1 Protocol (POST, form-encoded).

    The endpoint must treat its default graph as the union of its named graphs, as the
    project's queries expect (``oxigraph serve --union-default-graph``; Fuseki
    ``tdb2:unionDefaultGraph true``).
    """

    name = "remote"

    def __init__(self, endpoint: str, *, timeout: float = 60.0) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def sees_channel_index(self) -> bool:
        """Not known from here: queries run whole (they give the same rows either way)."""
        return False

    def select(self, query: str, bindings: Mapping[str, Term], *,
               without: Collection[str] = ()) -> ResultTable:
        text = sparql_prologue() + with_values(query, bindings)
        document = self._post({"query": text}, "application/sparql-results+json").json()
        variables = tuple(document["head"]["vars"])
        rows = tuple(tuple(_term(binding.get(v)) for v in variables)
                     for binding in document["results"]["bindings"])
        return drop_columns(ResultTable(variables, rows), without)

    def _post(self, form: dict, accept: str) -> requests.Response:
        try:
            response = self.session.post(self.endpoint, data=form, timeout=self.timeout,
                                         headers={"Accept": accept})
        except requests.RequestException as error:
            raise QueryError(f"cannot reach the SPARQL endpoint {self.endpoint}: "
                             f"{type(error).__name__}; check the URL and that the server "
                             "is running") from None
        if response.status_code != 200:
            raise QueryError(f"the endpoint {self.endpoint} answered HTTP "
                             f"{response.status_code}: {response.text[:300]}")
        return response

    def fetch_dataset(self) -> pyoxigraph.Store:
        """Every quad of the endpoint's named graphs, in a new in-memory store; a kg server's
        channel index (derived, kg/channel_index.py) is left out."""
        text = (f"SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                f"FILTER(?g != <{INDEX_GRAPH}>) }}")
        store = pyoxigraph.Store()
        for row in self.select(text, {}).rows:
            graph, subject, predicate, obj = (to_oxigraph_term(term) for term in row)
            store.add(pyoxigraph.Quad(subject, predicate, obj, graph))
        return store


def remote_dataset(endpoint: str) -> LoadedDataset:
    """The endpoint's named graphs as a dataset, each graph given its role from its name."""
    store = RemoteEngine(endpoint).fetch_dataset()
    names = sorted({quad.graph_name.value for quad in store
                    if isinstance(quad.graph_name, pyoxigraph.NamedNode)})
    files = tuple(SourceFile(path=Path("(endpoint)"), display_path=endpoint, graph=name,
                             role=_role_of(name), rdf_format=None) for name in names)
    return LoadedDataset(store=store, files=files)


def _role_of(graph: str) -> GraphRole:
    return {ONTOLOGY_GRAPH: GraphRole.ONTOLOGY, LINKS_GRAPH: GraphRole.LINKS,
            INFERRED_GRAPH: GraphRole.INFERRED}.get(graph, GraphRole.DATA)


def push(loaded: LoadedDataset, store_url: str, roles: Iterable[GraphRole],
         *, timeout: float = 120.0) -> dict[str, int]:
    """PUT each selected named graph to a Graph Store Protocol endpoint (replacing it there).

    Returns the number of triples sent per graph.
    """
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    sent = {}
    for graph in loaded.graphs(*roles):
        data = loaded.store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES,
                                 from_graph=pyoxigraph.NamedNode(graph))
        try:
            response = session.put(store_url, params={"graph": graph}, data=data,
                                   headers={"Content-Type": "application/n-triples"},
                                   timeout=timeout)
        except requests.RequestException as error:
            raise QueryError(f"cannot reach the graph store {store_url}: "
                             f"{type(error).__name__}; nothing more was sent") from None
        if response.status_code not in (200, 201, 204):
            raise QueryError(f"the graph store {store_url} refused graph {graph}: HTTP "
                             f"{response.status_code} {response.text[:300]}")
        sent[graph] = data.count(b"\n")
    return sent


def _term(binding: dict | None) -> Term | None:
    if binding is None:
        return None
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return Term.iri(value)
    if kind == "bnode":
        return Term.blank(value)
    return Term.literal(value, datatype=binding.get("datatype"),
                        language=binding.get("xml:lang"))
