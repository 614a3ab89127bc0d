"""Resolve what users type for an entity: an IRI, a CURIE, a Wikidata QID or an exact label.

>>> import pyoxigraph
>>> store = pyoxigraph.Store()
>>> russia = pyoxigraph.NamedNode("https://w3id.org/diplo-kg/resource/state/russia")
>>> label = pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
>>> g = pyoxigraph.NamedNode("https://w3id.org/diplo-kg/graph/data/actors")
>>> store.add(pyoxigraph.Quad(russia, label, pyoxigraph.Literal("Russia", language="en"), g))
>>> from kg.engines import OxigraphEngine
>>> resolve_entity("russia", OxigraphEngine(store))
'https://w3id.org/diplo-kg/resource/state/russia'
>>> resolve_entity("dkr:state/russia", OxigraphEngine(store))
'https://w3id.org/diplo-kg/resource/state/russia'
"""

from __future__ import annotations

import re

from kg.engines import Engine
from kg.errors import EntityResolutionError
from kg.namespaces import WD, compact_iri, expand_curie
from kg.results import Term, TermKind

_QID = re.compile(r"^(?:wd:)?(Q[1-9][0-9]*)$")
# Characters no IRI may hold (the IRIREF rule of Turtle and SPARQL): such text names no entity.
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')

_BY_QID = """
SELECT DISTINCT ?entity ?item WHERE { ?entity skos:exactMatch|owl:sameAs ?item }
ORDER BY ?entity
"""

# A UNION, not the path rdfs:label|skos:prefLabel|skos:altLabel: Oxigraph scans it twice as
# fast (1M triples: 0.35 s to 0.16 s).
_BY_LABEL = """
SELECT DISTINCT ?entity ?label ?text WHERE {
  { ?entity rdfs:label ?label } UNION { ?entity skos:prefLabel ?label }
  UNION { ?entity skos:altLabel ?label }
  FILTER(LCASE(STR(?label)) = LCASE(STR(?text)))
}
ORDER BY ?entity
"""

# The same match among the instances of one class and its subclasses, in two short queries:
# the classes, then their instances, each one's labels read by a lookup (1M triples: ~30 ms,
# where matching every label takes ~0.5 s; one query joining the class hierarchy takes ~2 s).
_SUBCLASSES = "SELECT ?type ?class WHERE { ?class rdfs:subClassOf* ?type }"

_BY_LABEL_AMONG_INSTANCES = """
SELECT DISTINCT ?entity ?text WHERE {
  VALUES ?class { %s }
  ?entity rdf:type ?class .
  OPTIONAL { ?entity rdfs:label ?label }
  OPTIONAL { ?entity skos:prefLabel ?preferred }
  OPTIONAL { ?entity skos:altLabel ?alternative }
  FILTER(LCASE(STR(?label)) = LCASE(STR(?text)) || LCASE(STR(?preferred)) = LCASE(STR(?text))
         || LCASE(STR(?alternative)) = LCASE(STR(?text)))
}
ORDER BY ?entity
"""

_EXISTS = "SELECT ?p ?entity WHERE { { ?entity ?p ?o } UNION { ?s ?p ?entity } } LIMIT 1"

_IS_A = """
SELECT ?entity ?type WHERE { ?entity rdf:type/rdfs:subClassOf* ?type } LIMIT 1
"""


def resolve_entity(text: str, engine: Engine) -> str:
    """The IRI of the one entity ``text`` denotes.

    Raises:
        EntityResolutionError: if nothing matches, or several entities share the label.
    """
    text = _unbracketed(text)
    match = _QID.match(text)
    if match:
        item = Term.iri(WD + match.group(1))
        return _single(text, engine.select(_BY_QID, {"item": item}).values("entity"))
    written = _written_iri(text)
    if written is not None:
        return _known(text, written, engine)
    rows = engine.select(_BY_LABEL, {"text": Term.literal(text)})
    return _single(text, list(dict.fromkeys(rows.values("entity"))))


def resolve_typed_entity(text: str, class_iri: str, engine: Engine) -> tuple[str, bool]:
    """The IRI ``text`` denotes, and whether it is an instance of ``class_iri``.

    An IRI or CURIE that has the type needs one query (having a type, it exists). A label is
    looked for among the instances of ``class_iri`` first: when exactly one of them has it,
    that one is meant, even if things of other kinds share the label (the state "Georgia",
    not a channel or a document of that name); otherwise every entity is searched, as
    :func:`resolve_entity` does.

    >>> import pyoxigraph
    >>> store = pyoxigraph.Store()
    >>> nato = pyoxigraph.NamedNode("https://w3id.org/diplo-kg/resource/org/nato")
    >>> rdf_type = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    >>> org = pyoxigraph.NamedNode("https://w3id.org/diplo-kg/ontology#Organization")
    >>> store.add(pyoxigraph.Quad(nato, rdf_type, org))
    >>> from kg.engines import OxigraphEngine
    >>> resolve_typed_entity("dkr:org/nato", org.value, OxigraphEngine(store))
    ('https://w3id.org/diplo-kg/resource/org/nato', True)
    >>> resolve_typed_entity("dkr:org/nato", "https://w3id.org/diplo-kg/ontology#State",
    ...                      OxigraphEngine(store))
    ('https://w3id.org/diplo-kg/resource/org/nato', False)
    """
    unbracketed = _unbracketed(text)
    written = None if _QID.match(unbracketed) else _written_iri(unbracketed)
    if written is not None and not _NOT_IN_IRI.search(written) and is_instance_of(
            written, class_iri, engine):
        return written, True
    if written is None and not _QID.match(unbracketed):
        typed = _instances_labelled(unbracketed, class_iri, engine)
        if len(typed) == 1:
            return typed[0], True
    iri = resolve_entity(text, engine)
    return iri, is_instance_of(iri, class_iri, engine)


def is_instance_of(iri: str, class_iri: str, engine: Engine) -> bool:
    """Whether ``iri`` has ``class_iri`` among its types (following rdfs:subClassOf)."""
    read_indexes = getattr(engine, "has_type", None)  # Oxigraph: no query to parse
    if read_indexes is not None:
        return read_indexes(iri, class_iri)
    bindings = {"entity": Term.iri(iri), "type": Term.iri(class_iri)}
    return bool(engine.select(_IS_A, bindings).rows)


def _instances_labelled(text: str, class_iri: str, engine: Engine) -> list[str]:
    """The instances of ``class_iri`` (or of a subclass) with the label ``text``, any case."""
    classes = engine.select(_SUBCLASSES, {"type": Term.iri(class_iri)}).column("class")
    # IRIs only: a blank node cannot be written in a query (its instances are found below,
    # among every entity, when no instance of a named class has the label).
    written = " ".join(term.to_ntriples() for term in classes
                       if term is not None and term.kind is TermKind.IRI)
    if not written:
        return []
    query = _BY_LABEL_AMONG_INSTANCES % written
    return list(dict.fromkeys(engine.select(query, {"text": Term.literal(text)}).values("entity")))


def _unbracketed(text: str) -> str:
    text = text.strip()
    return text[1:-1] if text.startswith("<") and text.endswith(">") else text


def _written_iri(text: str) -> str | None:
    """The IRI ``text`` spells out as a full IRI or a CURIE; ``None`` for anything else."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        return text
    expanded = expand_curie(text)
    return expanded if expanded is not None and " " not in text else None


def _known(text: str, iri: str, engine: Engine) -> str:
    if _NOT_IN_IRI.search(iri):
        raise EntityResolutionError(text)
    if not engine.select(_EXISTS, {"entity": Term.iri(iri)}).rows:
        raise EntityResolutionError(text)
    return iri


def _single(text: str, iris: list[str]) -> str:
    if len(iris) == 1:
        return iris[0]
    raise EntityResolutionError(text, [compact_iri(i) for i in iris])
