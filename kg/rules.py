"""OWL 2 RL rules as SPARQL CONSTRUCT queries run by Oxigraph to a fixpoint.

:mod:`kg.materialize` handles the schemas it can close in Python (the project's own); this
module is its fallback for schemas with transitive properties or ``owl:sameAs``, where
entailments feed each other without bound. The rules are named after the OWL 2 RL profile
(section 4.3); the entailments equal owlrl's after the same filtering
(:func:`kg.reasoning.is_informative`).

>>> import pyoxigraph as ox
>>> EX = "http://example.org/"
>>> triples = [(EX + "Embassy", "http://www.w3.org/2000/01/rdf-schema#subClassOf", EX + "Mission"),
...            (EX + "e1", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", EX + "Embassy")]
>>> store = ox.Store()
>>> store.extend(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o)) for s, p, o in triples)
>>> [str(t.object.value) for t in entailments(store)]
['http://example.org/Mission']
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph

from kg.reasoning import is_informative

_PROLOGUE = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""

RULES: dict[str, str] = {
    # Schema rules (Table 9).
    "scm-sco": "CONSTRUCT { ?c rdfs:subClassOf ?e } "
               "WHERE { ?c rdfs:subClassOf/rdfs:subClassOf+ ?e }",
    "scm-spo": "CONSTRUCT { ?p rdfs:subPropertyOf ?r } "
               "WHERE { ?p rdfs:subPropertyOf/rdfs:subPropertyOf+ ?r }",
    "scm-eqc": "CONSTRUCT { ?c rdfs:subClassOf ?d . ?d rdfs:subClassOf ?c } "
               "WHERE { ?c owl:equivalentClass ?d }",
    "scm-eqp": "CONSTRUCT { ?p rdfs:subPropertyOf ?q . ?q rdfs:subPropertyOf ?p } "
               "WHERE { ?p owl:equivalentProperty ?q }",
    "scm-dom1": "CONSTRUCT { ?p rdfs:domain ?d } "
                "WHERE { ?p rdfs:domain ?c . ?c rdfs:subClassOf ?d }",
    "scm-dom2": "CONSTRUCT { ?p1 rdfs:domain ?c } "
                "WHERE { ?p2 rdfs:domain ?c . ?p1 rdfs:subPropertyOf ?p2 }",
    "scm-rng1": "CONSTRUCT { ?p rdfs:range ?d } "
                "WHERE { ?p rdfs:range ?c . ?c rdfs:subClassOf ?d }",
    "scm-rng2": "CONSTRUCT { ?p1 rdfs:range ?c } "
                "WHERE { ?p2 rdfs:range ?c . ?p1 rdfs:subPropertyOf ?p2 }",
    # Class and property rules (Tables 5, 7).
    "cax-sco": "CONSTRUCT { ?x a ?d } WHERE { ?c rdfs:subClassOf ?d . ?x a ?c }",
    "prp-spo1": "CONSTRUCT { ?x ?q ?y } WHERE { ?p rdfs:subPropertyOf ?q . ?x ?p ?y }",
    "prp-dom": "CONSTRUCT { ?x a ?c } WHERE { ?p rdfs:domain ?c . ?x ?p ?y }",
    "prp-rng": "CONSTRUCT { ?y a ?c } WHERE { ?p rdfs:range ?c . ?x ?p ?y . FILTER(!isLiteral(?y)) }",
    "prp-inv1": "CONSTRUCT { ?y ?q ?x } WHERE { ?p owl:inverseOf ?q . ?x ?p ?y . "
                "FILTER(!isLiteral(?y)) }",
    "prp-inv2": "CONSTRUCT { ?y ?p ?x } WHERE { ?p owl:inverseOf ?q . ?x ?q ?y . "
                "FILTER(!isLiteral(?y)) }",
    "prp-symp": "CONSTRUCT { ?y ?p ?x } WHERE { ?p a owl:SymmetricProperty . ?x ?p ?y . "
                "FILTER(!isLiteral(?y)) }",
    "prp-trp": "CONSTRUCT { ?x ?p ?z } WHERE { ?p a owl:TransitiveProperty . "
               "?x ?p ?y . ?y ?p ?z }",
}


def entailments(store: pyoxigraph.Store, *, max_rounds: int = 50) -> list[pyoxigraph.Triple]:
    """The informative triples entailed by the default graph of ``store`` and not asserted in it.

    ``store`` is not changed: the rules run on a copy until no rule adds a triple.
    """
    work = pyoxigraph.Store()
    work.extend(store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph()))
    asserted = len(work)
    for _round in range(max_rounds):
        before = len(work)
        for query in RULES.values():
            work.extend(_as_quads(work.query(_PROLOGUE + query)))
        if len(work) == before:
            break
    if len(work) == asserted:
        return []
    originals = {(q.subject, q.predicate, q.object)
                 for q in store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph())}
    found = []
    for quad in work:
        key = (quad.subject, quad.predicate, quad.object)
        if key not in originals and _informative(quad):
            found.append(pyoxigraph.Triple(*key))
    return sorted(found, key=str)


def _as_quads(triples: Iterable[pyoxigraph.Triple]):
    for triple in triples:
        yield pyoxigraph.Quad(triple.subject, triple.predicate, triple.object)


def _informative(quad: pyoxigraph.Quad) -> bool:
    return is_informative(_text(quad.subject), _text(quad.predicate), _text(quad.object),
                          subject_is_node=isinstance(quad.subject, pyoxigraph.NamedNode),
                          object_is_blank=isinstance(quad.object, pyoxigraph.BlankNode))


def _text(term) -> str:
    return term.value if isinstance(term, (pyoxigraph.NamedNode, pyoxigraph.BlankNode)) \
        else str(term)
