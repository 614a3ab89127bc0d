"""OWL 2 RL reasoning into a graph of its own; owlrl is the reference implementation.

The input graph is never changed: the closure is computed on a copy, and only the triples it
adds (minus trivial ones, see :func:`is_informative`) are returned. :mod:`kg.rules` computes
the same entailments much faster with Oxigraph.

>>> from rdflib import Graph, Namespace, RDF, RDFS
>>> EX = Namespace("http://example.org/")
>>> g = Graph()
>>> _ = g.add((EX.Embassy, RDFS.subClassOf, EX.Mission))
>>> _ = g.add((EX.e1, RDF.type, EX.Embassy))
>>> sorted(str(o) for _, _, o in infer(g))
['http://example.org/Mission']
>>> len(g)
2
"""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal

_BUILTIN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), "http://www.w3.org/2001/XMLSchema#")
_SCHEMA_PREDICATES = (str(RDFS.subClassOf), str(OWL.equivalentClass), str(RDFS.subPropertyOf),
                      str(OWL.equivalentProperty), str(RDFS.domain), str(RDFS.range))


def infer(graph: Graph) -> Graph:
    """The OWL 2 RL entailments of ``graph`` (computed by owlrl) that are not asserted in it."""
    import owlrl  # imported late: only the reference path needs it

    closure = Graph()
    for triple in graph:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(closure)
    inferred = Graph()
    for triple in closure:
        subject, predicate, obj = triple
        if triple in graph or isinstance(subject, (Literal, BNode)):
            continue
        if is_informative(str(subject), str(predicate), str(obj), subject_is_node=True,
                          object_is_blank=isinstance(obj, BNode)):
            inferred.add(triple)
    return inferred


def is_informative(subject: str, predicate: str, obj: str, *, subject_is_node: bool,
                   object_is_blank: bool) -> bool:
    """Whether an entailed triple says something worth keeping.

    Dropped as noise: literal or blank subjects and blank objects; statements about the RDF,
    RDFS, OWL and XSD vocabularies themselves; reflexive ``owl:sameAs`` and schema axioms;
    typings with built-in classes; schema axioms whose object is ``owl:Thing``.

    >>> is_informative("http://x/a", str(RDF.type), str(OWL.Thing), subject_is_node=True,
    ...                object_is_blank=False)
    False
    """
    if not subject_is_node or object_is_blank or subject.startswith(_BUILTIN_NAMESPACES):
        return False
    if predicate == str(OWL.sameAs) and subject == obj:
        return False
    if predicate in _SCHEMA_PREDICATES and (subject == obj or obj == str(OWL.Thing)):
        return False
    if predicate == str(RDF.type) and obj.startswith(_BUILTIN_NAMESPACES):
        return False
    return True
