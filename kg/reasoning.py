"""OWL 2 RL reasoning with owlrl, into a graph of its own.

The input graph is never changed: the closure is computed on a copy, and only the triples it
adds (minus trivial ones) are returned.

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

import owlrl
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal

_BUILTIN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), "http://www.w3.org/2001/XMLSchema#")


def infer(graph: Graph) -> Graph:
    """The OWL 2 RL entailments of ``graph`` that are not asserted in it.

    Dropped as noise: triples with a literal or blank subject, statements about the RDF, RDFS,
    OWL and XSD vocabularies themselves, ``x owl:sameAs x``, reflexive sub-class axioms, and
    typings with built-in classes (``owl:Thing``, ``rdfs:Resource``, ``owl:NamedIndividual``...).
    """
    closure = Graph()
    for triple in graph:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(closure)
    inferred = Graph()
    for triple in closure:
        if triple not in graph and _is_informative(triple):
            inferred.add(triple)
    return inferred


def _is_informative(triple: tuple) -> bool:
    subject, predicate, obj = triple
    if isinstance(subject, (Literal, BNode)) or isinstance(obj, BNode):
        return False
    if str(subject).startswith(_BUILTIN_NAMESPACES):
        return False
    if predicate == OWL.sameAs and subject == obj:
        return False
    if predicate in (RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf,
                     OWL.equivalentProperty) and subject == obj:
        return False
    if predicate == RDF.type and str(obj).startswith(_BUILTIN_NAMESPACES):
        return False
    return True
