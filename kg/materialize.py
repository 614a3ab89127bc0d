"""OWL 2 RL materialization in a few SPARQL updates, run inside Oxigraph (the fast reasoner).

The schema (sub-classes, sub-properties, domains, ranges, inverse and symmetric properties,
equivalences) is small: it is read once and closed in Python, then read backwards
(:func:`entailment_sources`): for every property, the statements that entail one of its
statements (sub-properties, inverses, symmetric copies); for every class, the properties whose
domain or range it is and its sub-classes. One ``INSERT ... WHERE`` per property and per class
then writes the entailments into the inferred graph without a round trip through Python: each
typing once (``SELECT DISTINCT``), never one already asserted (``MINUS``) and never a trivial one
(see :func:`kg.reasoning.is_informative`), so nothing has to be deleted afterwards. No fixpoint
loop is needed because the schema is closed. Schemas with transitive properties or ``owl:sameAs``
fall back to :func:`kg.rules.entailments`. Parity tests compare the result with owlrl's.

>>> import pyoxigraph as ox
>>> EX, RDFS = "http://example.org/", "http://www.w3.org/2000/01/rdf-schema#"
>>> g, inf = ox.NamedNode(EX + "g"), ox.NamedNode(EX + "inferred")
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode(EX + "cites"), ox.NamedNode(RDFS + "subPropertyOf"),
...                   ox.NamedNode(EX + "source"), g))
>>> store.add(ox.Quad(ox.NamedNode(EX + "a1"), ox.NamedNode(EX + "cites"),
...                   ox.NamedNode(EX + "p4"), g))
>>> materialize(store, [EX + "g"], EX + "inferred")
1
>>> [q.predicate.value for q in store.quads_for_pattern(None, None, None, inf)]
['http://example.org/source']
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph

from kg.reasoning import is_informative
from kg.rules import entailments

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
_BUILTIN = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", RDFS, OWL,
            "http://www.w3.org/2001/XMLSchema#")
_SCHEMA_PREDICATES = (RDFS + "subClassOf", RDFS + "subPropertyOf", RDFS + "domain",
                      RDFS + "range", OWL + "equivalentClass", OWL + "equivalentProperty",
                      OWL + "inverseOf", OWL + "sameAs")
_BUILTIN_PREFIX = "http://www.w3.org/"
assert all(ns.startswith(_BUILTIN_PREFIX) for ns in _BUILTIN)
# Schema axioms that say nothing when reflexive or about owl:Thing (kg.reasoning.is_informative).
_AXIOM_PREDICATES = (RDFS + "subClassOf", RDFS + "subPropertyOf", RDFS + "domain",
                     RDFS + "range", OWL + "equivalentClass", OWL + "equivalentProperty")


@dataclass
class Schema:
    """The schema statements of a dataset, closed."""

    super_classes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    super_properties: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    domains: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    ranges: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    inverses: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    symmetric: set[str] = field(default_factory=set)
    needs_fixpoint: bool = False


def materialize(store: pyoxigraph.Store, asserted: list[str], inferred: str) -> int:
    """Write the OWL 2 RL entailments of the ``asserted`` graphs of ``store`` into ``inferred``.

    Returns the number of triples in the inferred graph.
    """
    target = pyoxigraph.NamedNode(inferred)
    if store.contains_named_graph(target):
        store.remove_graph(target)
    schema = read_schema(store, asserted)
    if schema.needs_fixpoint:
        return _by_fixpoint(store, asserted, target)
    _insert_schema(store, schema, asserted, target)
    sources = entailment_sources(schema)
    for prop, from_props in sorted(sources.properties.items()):
        store.update(_property_update(prop, sorted(from_props), asserted, inferred))
    for cls in sorted(set(sources.types_from_properties) | set(sources.types_from_classes)):
        store.update(_type_update(cls, sorted(sources.types_from_properties.get(cls, ())),
                                  sorted(sources.types_from_classes.get(cls, ())),
                                  asserted, inferred))
    count = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{inferred}> {{ ?s ?p ?o }} }}")
    return int(next(count)["n"].value)


def read_schema(store: pyoxigraph.Store, asserted: list[str]) -> Schema:
    """The schema statements of the ``asserted`` graphs, closed under the OWL 2 RL scm rules."""
    schema = Schema()
    direct: dict[str, list[tuple[str, str]]] = defaultdict(list)
    values = _graphs(asserted)
    # Only the schema predicates and property kinds read below: a filter on every statement's
    # predicate would scan the whole graph (1M triples: 1.4 s, against a few lookups).
    predicates = " ".join(f"<{p}>" for p in _SCHEMA_PREDICATES)
    kinds = " ".join(f"<{OWL}{k}>" for k in ("SymmetricProperty", "TransitiveProperty"))
    for row in store.query(f"SELECT ?s ?p ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ "
                           f"{{ VALUES ?p {{ {predicates} }} ?s ?p ?o }} UNION "
                           f"{{ VALUES ?o {{ {kinds} }} ?s <{RDF_TYPE}> ?o "
                           f"BIND(<{RDF_TYPE}> AS ?p) }} }} }}"):
        direct[row["p"].value].append((row["s"].value, row["o"].value))
    for s, o in direct[RDFS + "subClassOf"]:
        schema.super_classes[s].add(o)
    for s, o in direct[OWL + "equivalentClass"]:
        schema.super_classes[s].add(o)
        schema.super_classes[o].add(s)
    for s, o in direct[RDFS + "subPropertyOf"]:
        schema.super_properties[s].add(o)
    for s, o in direct[OWL + "equivalentProperty"]:
        schema.super_properties[s].add(o)
        schema.super_properties[o].add(s)
    for s, o in direct[OWL + "inverseOf"]:
        schema.inverses[s].add(o)
        schema.inverses[o].add(s)
    kinds = defaultdict(set)
    for s, o in direct[RDF_TYPE]:
        kinds[o].add(s)
    schema.symmetric = kinds[OWL + "SymmetricProperty"]
    schema.needs_fixpoint = bool(kinds[OWL + "TransitiveProperty"] or direct[OWL + "sameAs"])
    _close(schema.super_classes)
    _close(schema.super_properties)
    for name, statements in (("domains", RDFS + "domain"), ("ranges", RDFS + "range")):
        table = getattr(schema, name)
        for s, o in direct[statements]:
            table[s].add(o)
        for prop in list(schema.super_properties):
            for parent in schema.super_properties[prop]:
                table[prop] |= table.get(parent, set())
        for prop in list(table):
            table[prop] |= {sup for cls in table[prop] for sup in schema.super_classes.get(cls, ())}
    return schema


def _close(graph: dict[str, set[str]]) -> None:
    """Transitive closure in place, dropping reflexive pairs."""
    changed = True
    while changed:
        changed = False
        for node, parents in graph.items():
            reach = set().union(*(graph.get(p, set()) for p in parents)) - parents - {node}
            if reach:
                parents |= reach
                changed = True
        for node in graph:
            graph[node].discard(node)


@dataclass
class Sources:
    """What entails each kind of triple, the schema read backwards.

    ``properties[q]`` holds ``(p, True)`` when ``?x p ?y`` entails ``?x q ?y`` and ``(p, False)``
    when it entails ``?y q ?x``; ``types_from_properties[c]`` holds ``(p, True)`` when ``?x p ?y``
    entails ``?x a c`` (a domain) and ``(p, False)`` when it entails ``?y a c`` (a range);
    ``types_from_classes[c]`` the classes whose instances are instances of ``c``. Built-in
    classes (``owl:Thing``, ``rdfs:Resource``, XSD datatypes) are left out: typings with them
    say nothing.
    """

    properties: dict[str, set[tuple[str, bool]]] = field(default_factory=lambda: defaultdict(set))
    types_from_properties: dict[str, set[tuple[str, bool]]] = field(
        default_factory=lambda: defaultdict(set))
    types_from_classes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def entailment_sources(schema: Schema) -> Sources:
    """Read the closed schema backwards: for every entailed triple kind, what entails it.

    >>> schema = Schema()
    >>> schema.super_properties["http://x/cites"].add("http://x/source")
    >>> schema.domains["http://x/cites"].add("http://x/Work")
    >>> schema.super_classes["http://x/Work"].add("http://www.w3.org/2002/07/owl#Thing")
    >>> sources = entailment_sources(schema)
    >>> dict(sources.properties), dict(sources.types_from_properties)
    ({'http://x/source': {('http://x/cites', True)}}, {'http://x/Work': {('http://x/cites', True)}})
    >>> dict(sources.types_from_classes)
    {}
    """
    sources = Sources()
    known = (set(schema.super_properties) | set(schema.inverses) | schema.symmetric
             | set(schema.domains) | set(schema.ranges))
    for prop in known:
        for name, forward in _implied_properties(schema, prop):
            if (name, forward) != (prop, True):
                sources.properties[name].add((prop, forward))
            for cls in schema.domains.get(name, ()):
                sources.types_from_properties[cls].add((prop, forward))
            for cls in schema.ranges.get(name, ()):
                sources.types_from_properties[cls].add((prop, not forward))
    for cls, supers in schema.super_classes.items():
        for sup in supers:
            sources.types_from_classes[sup].add(cls)
    for table in (sources.types_from_properties, sources.types_from_classes):
        for cls in [c for c in table if c.startswith(_BUILTIN)]:
            del table[cls]
    return sources


def _implied_properties(schema: Schema, prop: str) -> set[tuple[str, bool]]:
    """``(q, forward)`` for every ``q`` that ``?x prop ?y`` entails, forwards or backwards."""
    seen, todo = set(), [(prop, True)]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        name, forward = current
        todo += [(sup, forward) for sup in schema.super_properties.get(name, ())]
        todo += [(inv, not forward) for inv in schema.inverses.get(name, ())]
        if name in schema.symmetric:
            todo.append((name, not forward))
    return seen


def _graphs(asserted: list[str]) -> str:
    return " ".join(f"<{g}>" for g in asserted)


def _is_plain_node(var: str) -> str:
    """A SPARQL test: ``var`` is an IRI outside the RDF, RDFS, OWL and XSD vocabularies.

    The common prefix of those vocabularies is tested first: most IRIs fail it, and skip the
    four tests after it.
    """
    return (f"isIRI({var}) && (!STRSTARTS(STR({var}), '{_BUILTIN_PREFIX}') "
            f"|| !{_is_builtin(var)})")


def _is_builtin(var: str) -> str:
    """A SPARQL test: ``var`` is in the RDF, RDFS, OWL or XSD vocabulary."""
    return "(" + " || ".join(f"STRSTARTS(STR({var}), '{ns}')" for ns in _BUILTIN) + ")"


def _property_update(prop: str, from_props: list[tuple[str, bool]], asserted: list[str],
                     inferred: str) -> str:
    """An update writing every ``?s prop ?o`` entailed by ``from_props`` and not asserted."""
    union = " UNION ".join(f"{{ GRAPH ?g {{ {'?s' if forward else '?o'} <{source}> "
                           f"{'?o' if forward else '?s'} }} }}" for source, forward in from_props)
    extra = ""  # the other cases of kg.reasoning.is_informative
    if prop in _AXIOM_PREDICATES:
        extra = f" && ?s != ?o && ?o != <{OWL}Thing>"
    elif prop == OWL + "sameAs":
        extra = " && ?s != ?o"
    elif prop == RDF_TYPE:
        extra = f" && !isBlank(?o) && !{_is_builtin('?o')}"
    return (f"INSERT {{ GRAPH <{inferred}> {{ ?s <{prop}> ?o }} }} WHERE {{ "
            f"VALUES ?g {{ {_graphs(asserted)} }} {union} "
            f"FILTER({_is_plain_node('?s')} && !isBlank(?o){extra}) "
            f"MINUS {{ VALUES ?h {{ {_graphs(asserted)} }} GRAPH ?h {{ ?s <{prop}> ?o }} }} }}")


def _type_update(cls: str, from_props: list[tuple[str, bool]], from_classes: list[str],
                 asserted: list[str], inferred: str) -> str:
    """An update typing with ``cls`` every node the sources entail, once, unless asserted."""
    branches = [f"{{ GRAPH ?g {{ ?s <{source}> ?other }} }}" if forward
                else f"{{ GRAPH ?g {{ ?other <{source}> ?s }} }}" for source, forward in from_props]
    branches += [f"{{ GRAPH ?g {{ ?s a <{sub}> }} }}" for sub in from_classes]
    return (f"INSERT {{ GRAPH <{inferred}> {{ ?s a <{cls}> }} }} WHERE {{ "
            f"{{ SELECT DISTINCT ?s WHERE {{ VALUES ?g {{ {_graphs(asserted)} }} "
            f"{' UNION '.join(branches)} }} }} FILTER({_is_plain_node('?s')}) "
            f"MINUS {{ VALUES ?h {{ {_graphs(asserted)} }} GRAPH ?h {{ ?s a <{cls}> }} }} }}")


def _insert_schema(store: pyoxigraph.Store, schema: Schema, asserted: list[str],
                   target) -> None:
    triples = [(c, RDFS + "subClassOf", s) for c, sups in schema.super_classes.items()
               for s in sups]
    triples += [(p, RDFS + "subPropertyOf", s) for p, sups in schema.super_properties.items()
                for s in sups]
    triples += [(p, RDFS + "domain", c) for p, cs in schema.domains.items() for c in cs]
    triples += [(p, RDFS + "range", c) for p, cs in schema.ranges.items() for c in cs]
    # scm-eqc2, scm-eqp2: each of two classes (properties) below the other are equivalent.
    for table, equivalent in ((schema.super_classes, OWL + "equivalentClass"),
                              (schema.super_properties, OWL + "equivalentProperty")):
        triples += [(a, equivalent, b) for a, sups in table.items() for b in sups
                    if a in table.get(b, ())]
    graphs = [pyoxigraph.NamedNode(g) for g in asserted]
    quads = []
    for s, p, o in triples:
        if not is_informative(s, p, o, subject_is_node=True, object_is_blank=False):
            continue
        triple = (pyoxigraph.NamedNode(s), pyoxigraph.NamedNode(p), pyoxigraph.NamedNode(o))
        if not any(pyoxigraph.Quad(*triple, g) in store for g in graphs):
            quads.append(pyoxigraph.Quad(*triple, target))
    store.extend(quads)


def _by_fixpoint(store: pyoxigraph.Store, asserted: list[str], target) -> int:
    union = pyoxigraph.Store()
    for name in asserted:
        union.extend(pyoxigraph.Quad(q.subject, q.predicate, q.object) for q in
                     store.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(name)))
    found = entailments(union)
    store.extend(pyoxigraph.Quad(t.subject, t.predicate, t.object, target) for t in found)
    return len(found)
