"""Two SPARQL engines behind one interface: Oxigraph (fast, the default) and rdflib (reference).

Both query the union of all named graphs as the default graph, and both bind parameters as
RDF terms before evaluation (never by pasting text into the query). Oxigraph follows SPARQL-dev
SEP-0007, which requires a substituted variable to be in the SELECT projection; so a query
projects its parameters, and the caller who set them leaves them out of the answer
(``without=``; :func:`drop_columns` does it for a table).

>>> import pyoxigraph
>>> store = pyoxigraph.Store()
>>> g = pyoxigraph.NamedNode("http://example.org/g")
>>> store.add(pyoxigraph.Quad(g, g, pyoxigraph.Literal("1"), g))
>>> engine = OxigraphEngine(store)
>>> engine.select("SELECT ?o WHERE { ?s ?p ?o }", {}).values("o")
['1']
>>> engine.select("SELECT ?s ?o WHERE { ?s ?p ?o }", {"o": Term.literal("2")}).rows
()
>>> engine.select("SELECT ?s ?o WHERE { ?s ?p ?o }", {"o": Term.literal("1")},
...               without=("o",)).variables
('s',)
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

import pyoxigraph

from kg.channel_index import has_channel_index
from kg.errors import QueryError
from kg.namespaces import PREFIXES
from kg.results import ResultTable, Term, TermKind
from kg.tsv_terms import CellError, TsvTerms, read_tsv

if TYPE_CHECKING:  # rdflib loads with the first RdflibEngine: `kg query` starts quicker
    import rdflib


class Engine(Protocol):
    """Anything that answers SELECT queries with pre-bound variables."""

    name: str

    def select(self, query: str, bindings: Mapping[str, Term], *,
               without: Collection[str] = ()) -> ResultTable:
        """The answer to ``query`` with ``bindings`` set, less the columns ``without``."""
        ...

    def sees_channel_index(self) -> bool:
        """Whether the queries' default graph holds the channel index (kg/channel_index.py)."""
        ...


class OxigraphEngine:
    """Queries a pyoxigraph store (in memory or on disk).

    The default graph is the union of all graphs, or of ``graphs`` when given.
    """

    name = "oxigraph"

    #: How many answer cells (and their terms) an engine keeps between queries.
    TERM_CACHE_SIZE = 65_536

    def __init__(self, store: pyoxigraph.Store, *, graphs: list[str] | None = None) -> None:
        self.store = store
        self.graphs = graphs
        # Terms repeat across rows and queries (actors, kinds, labels): each is converted once.
        self._cells = TsvTerms()

    def sees_channel_index(self) -> bool:
        """The index is in the store, and the default graph is the union of all graphs."""
        return self.graphs is None and has_channel_index(self.store)

    def select(self, query: str, bindings: Mapping[str, Term], *,
               without: Collection[str] = ()) -> ResultTable:
        try:
            substitutions = {pyoxigraph.Variable(k): to_oxigraph_term(v)
                             for k, v in bindings.items()}
        except ValueError as error:
            raise QueryError(f"cannot bind a parameter: {error}") from None
        solutions = self._solutions(query, substitutions)
        variables = tuple(v.value for v in solutions.variables)
        keep = [i for i, name in enumerate(variables) if name not in without]
        # The kept cells of a row, picked in one call before they are read.
        pick = None if len(keep) == len(variables) else picker(keep)
        failure = None
        try:
            # Written as TSV by Oxigraph; each distinct cell is parsed once (kg.tsv_terms).
            data = solutions.serialize(format=pyoxigraph.QueryResultsFormat.TSV)
        except (OSError, RuntimeError) as error:
            failure = str(error)
        if failure is not None:
            # pyoxigraph objects must be freed on their own thread: drop the solutions here
            # rather than let the exception's traceback carry them to another thread.
            del solutions
            raise QueryError(f"the query failed while running: {failure}")
        if len(self._cells) > self.TERM_CACHE_SIZE:
            self._cells = TsvTerms()
        try:
            rows = read_tsv(data, self._cells, pick)[1]
        except CellError as error:
            raise QueryError(f"the answer holds a term kg cannot show: {error}") from None
        return ResultTable(tuple(variables[i] for i in keep), rows)

    def _solutions(self, query: str, substitutions: dict) -> pyoxigraph.QuerySolutions:
        try:
            if self.graphs is None:
                scope = {"use_default_graph_as_union": True}
            else:
                scope = {"default_graph": [pyoxigraph.NamedNode(g) for g in self.graphs]}
            solutions = self.store.query(query, prefixes=dict(PREFIXES),
                                         substitutions=substitutions, **scope)
        except SyntaxError as error:
            raise QueryError(f"malformed SPARQL: {error}") from None
        except RuntimeError as error:
            if "SELECT projection" in str(error):
                raise QueryError(f"{error}: a query must SELECT each of its parameters "
                                 "(they are bound before evaluation, SEP-0007)") from None
            raise QueryError(f"the query failed: {error}") from None
        if not isinstance(solutions, pyoxigraph.QuerySolutions):
            raise QueryError("only SELECT queries can be run as named queries")
        return solutions

    def has_type(self, iri: str, class_iri: str) -> bool:
        """Whether ``iri`` has ``class_iri`` among its types, following ``rdfs:subClassOf``.

        The answer of ``ASK { ?iri rdf:type/rdfs:subClassOf* ?class }``, read from the store's
        indexes without parsing a query (a named query checks each entity parameter this way).

        >>> store = pyoxigraph.Store()
        >>> rdf, rdfs = PREFIXES["rdf"], PREFIXES["rdfs"]
        >>> node = pyoxigraph.NamedNode
        >>> store.add(pyoxigraph.Quad(node("http://e/x"), node(rdf + "type"), node("http://e/A")))
        >>> store.add(pyoxigraph.Quad(node("http://e/A"), node(rdfs + "subClassOf"),
        ...                           node("http://e/B")))
        >>> engine = OxigraphEngine(store)
        >>> engine.has_type("http://e/x", "http://e/B"), engine.has_type("http://e/x", "http://e/C")
        (True, False)
        """
        try:
            entity, target = pyoxigraph.NamedNode(iri), pyoxigraph.NamedNode(class_iri)
        except ValueError as error:
            raise QueryError(f"cannot bind a parameter: {error}") from None
        seen: set = set()
        frontier = self._objects(entity, _RDF_TYPE)
        while frontier:
            current = frontier.pop()
            if current == target:
                return True
            if current not in seen:
                seen.add(current)
                frontier.extend(self._objects(current, _SUBCLASS_OF))
        return False

    def _objects(self, subject, predicate) -> list:
        if self.graphs is None:
            return [q.object for q in self.store.quads_for_pattern(subject, predicate, None)]
        return [q.object for g in self.graphs for q in self.store.quads_for_pattern(
            subject, predicate, None, pyoxigraph.NamedNode(g))]


_RDF_TYPE = pyoxigraph.NamedNode(PREFIXES["rdf"] + "type")
_SUBCLASS_OF = pyoxigraph.NamedNode(PREFIXES["rdfs"] + "subClassOf")


class RdflibEngine:
    """Queries an rdflib dataset with rdflib's own SPARQL engine (the reference)."""

    name = "rdflib"

    def __init__(self, dataset: rdflib.Dataset) -> None:
        self.dataset = dataset

    def sees_channel_index(self) -> bool:
        """Never: the index is built in Oxigraph stores only (queries then run whole)."""
        return False

    def select(self, query: str, bindings: Mapping[str, Term], *,
               without: Collection[str] = ()) -> ResultTable:
        import rdflib
        from pyparsing import ParseException
        init = {rdflib.Variable(k): _to_rdflib(v) for k, v in bindings.items()}
        try:
            result = self.dataset.query(query, initNs=dict(PREFIXES), initBindings=init)
        except ParseException as error:
            raise QueryError(f"malformed SPARQL: {error}") from None
        if result.type != "SELECT":
            raise QueryError("only SELECT queries can be run as named queries")
        variables = tuple(str(v) for v in result.vars)
        rows = tuple(tuple(_from_rdflib(row[i]) for i in range(len(variables)))
                     for row in result)
        return drop_columns(ResultTable(variables, rows), without)


def to_oxigraph_term(term: Term):
    """The pyoxigraph term for ``term``."""
    if term.kind is TermKind.IRI:
        return pyoxigraph.NamedNode(term.value)
    if term.kind is TermKind.BLANK:
        return pyoxigraph.BlankNode(term.value)
    if term.language:
        return pyoxigraph.Literal(term.value, language=term.language)
    datatype = pyoxigraph.NamedNode(term.datatype) if term.datatype else None
    return pyoxigraph.Literal(term.value, datatype=datatype)


def _to_rdflib(term: Term):
    import rdflib
    if term.kind is TermKind.IRI:
        return rdflib.URIRef(term.value)
    if term.kind is TermKind.BLANK:
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    datatype = rdflib.URIRef(term.datatype) if term.datatype else None
    return rdflib.Literal(term.value, datatype=datatype)


def _from_rdflib(term) -> Term | None:
    import rdflib
    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        return Term.iri(str(term))
    if isinstance(term, rdflib.BNode):
        return Term.blank(str(term))
    datatype = str(term.datatype) if term.datatype else None
    return Term.literal(str(term), datatype=datatype, language=term.language)


def drop_columns(table: ResultTable, names: Iterable[str]) -> ResultTable:
    """``table`` without the columns ``names``.

    >>> t = ResultTable(("a", "b"), ((Term.literal("1"), Term.literal("2")),))
    >>> drop_columns(t, ["a"]).variables
    ('b',)
    """
    dropped = set(names)
    keep = [i for i, v in enumerate(table.variables) if v not in dropped]
    if len(keep) == len(table.variables):
        return table
    return ResultTable(tuple(table.variables[i] for i in keep),
                       tuple(map(picker(keep), table.rows)))


def picker(indexes: list[int]) -> Callable[[Sequence], tuple]:
    """A function giving the items at ``indexes`` of a sequence as a tuple, in one call.

    >>> [picker(i)("abc") for i in ([0, 2], [1], [])]
    [('a', 'c'), ('b',), ()]
    """
    if len(indexes) > 1:
        return operator.itemgetter(*indexes)
    if indexes:
        index = indexes[0]
        return lambda sequence: (sequence[index],)
    return lambda _: ()
