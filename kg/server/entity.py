"""Everything the graph says about one IRI: properties, incoming links, sources, Wikidata.

>>> import pyoxigraph
>>> from kg.engines import OxigraphEngine
>>> store = pyoxigraph.Store()
>>> russia = pyoxigraph.NamedNode("https://w3id.org/diplo-kg/resource/state/russia")
>>> label = pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
>>> g = pyoxigraph.NamedNode("https://w3id.org/diplo-kg/graph/data/actors")
>>> store.add(pyoxigraph.Quad(russia, label, pyoxigraph.Literal("Russia", language="en"), g))
>>> facts = describe_entity(russia.value, OxigraphEngine(store))
>>> facts.label, facts.properties[0].predicate_label, facts.properties[0].value.value
('Russia', 'rdfs:label', 'Russia')
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.engines import Engine
from kg.errors import EntityResolutionError
from kg.namespaces import INFERRED_GRAPH, WD, compact_iri
from kg.results import Term, TermKind

_OUTGOING = """
SELECT ?entity ?p ?o ?g (SAMPLE(STR(?pl)) AS ?pLabel) (SAMPLE(STR(?ol)) AS ?oLabel) WHERE {
  GRAPH ?g { ?entity ?p ?o }
  FILTER(?g != dkg:index)
  OPTIONAL { ?p rdfs:label ?pl }
  OPTIONAL { ?o rdfs:label ?ol }
} GROUP BY ?entity ?p ?o ?g ORDER BY ?p ?o ?g LIMIT 2000
"""

_INCOMING = """
SELECT ?entity ?s ?p ?g (SAMPLE(STR(?sl)) AS ?sLabel) (SAMPLE(STR(?pl)) AS ?pLabel) WHERE {
  GRAPH ?g { ?s ?p ?entity }
  FILTER(?g != dkg:inferred && ?g != dkg:index)
  OPTIONAL { ?s rdfs:label ?sl }
  OPTIONAL { ?p rdfs:label ?pl }
} GROUP BY ?entity ?s ?p ?g ORDER BY ?p ?s LIMIT 2000
"""

_SOURCES = """
SELECT DISTINCT ?entity ?source ?title ?number ?paragraph WHERE {
  { ?entity dk:citesParagraph ?paragraph .
    ?paragraph dk:inSource ?source ; dk:paragraphNumber ?number . }
  UNION { ?entity dk:citesSource ?source }
  OPTIONAL { ?source dcterms:title ?givenTitle }
  OPTIONAL { ?source rdfs:label ?label }
  BIND(COALESCE(?givenTitle, ?label) AS ?title)
} ORDER BY ?source ?number
"""


@dataclass(frozen=True)
class Statement:
    """One triple around the entity: the other end, the predicate, the graph it is in."""

    predicate: str
    predicate_label: str
    value: Term
    value_label: str | None
    graph: str

    @property
    def inferred(self) -> bool:
        return self.graph == INFERRED_GRAPH


@dataclass(frozen=True)
class Citation:
    source: str
    title: str | None
    paragraphs: tuple[int, ...]


@dataclass(frozen=True)
class EntityFacts:
    iri: str
    label: str
    properties: tuple[Statement, ...]
    incoming: tuple[Statement, ...]
    citations: tuple[Citation, ...]
    wikidata: tuple[str, ...]

    def to_json(self) -> dict:
        """The facts as plain JSON (the page's JSON twin)."""
        def statement(s: Statement) -> dict:
            return {"predicate": s.predicate, "predicateLabel": s.predicate_label,
                    "value": {"type": s.value.kind.value, "value": s.value.value,
                              **({"datatype": s.value.datatype} if s.value.datatype else {}),
                              **({"xml:lang": s.value.language} if s.value.language else {})},
                    "valueLabel": s.value_label, "graph": s.graph, "inferred": s.inferred}
        return {"iri": self.iri, "label": self.label,
                "properties": [statement(s) for s in self.properties],
                "incoming": [statement(s) for s in self.incoming],
                "citations": [{"source": c.source, "title": c.title,
                               "paragraphs": list(c.paragraphs)} for c in self.citations],
                "wikidata": list(self.wikidata)}


def describe_entity(iri: str, engine: Engine) -> EntityFacts:
    """The facts about ``iri`` in every graph.

    Raises:
        EntityResolutionError: when no triple mentions ``iri``.
    """
    bindings = {"entity": Term.iri(iri)}
    outgoing = engine.select(_OUTGOING, bindings).records()
    incoming = engine.select(_INCOMING, bindings).records()
    if not outgoing and not incoming:
        raise EntityResolutionError(iri)
    properties = tuple(Statement(r["p"].value, _label(r.get("pLabel"), r["p"].value), r["o"],
                                 r["oLabel"].value if "oLabel" in r else None, r["g"].value)
                       for r in outgoing)
    links = tuple(Statement(r["p"].value, _label(r.get("pLabel"), r["p"].value), r["s"],
                            r["sLabel"].value if "sLabel" in r else None, r["g"].value)
                  for r in incoming)
    labels = [s.value.value for s in properties
              if s.predicate.endswith("#label") and s.value.kind is TermKind.LITERAL]
    wikidata = tuple(sorted({s.value.value for s in properties
                             if s.value.kind is TermKind.IRI and s.value.value.startswith(WD)}))
    return EntityFacts(iri=iri, label=labels[0] if labels else compact_iri(iri),
                       properties=properties, incoming=links,
                       citations=_citations(engine.select(_SOURCES, bindings).records()),
                       wikidata=wikidata)


def _label(term: Term | None, iri: str) -> str:
    return term.value if term is not None else compact_iri(iri)


def _citations(records: list[dict[str, Term]]) -> tuple[Citation, ...]:
    by_source: dict[str, tuple[str | None, list[int]]] = {}
    for record in records:
        source = record["source"].value
        title, numbers = by_source.setdefault(
            source, (record["title"].value if "title" in record else None, []))
        if "number" in record:
            numbers.append(int(record["number"].value))
    return tuple(Citation(source, title, tuple(sorted(set(numbers))))
                 for source, (title, numbers) in sorted(by_source.items()))


def wikidata_page(iri: str) -> str:
    """The human page of a Wikidata entity IRI.

    >>> wikidata_page("http://www.wikidata.org/entity/Q159")
    'https://www.wikidata.org/wiki/Q159'
    """
    return "https://www.wikidata.org/wiki/" + iri[len(WD):]
