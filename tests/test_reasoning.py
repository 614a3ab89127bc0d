"""OWL 2 RL reasoning goes into its own graph and never changes the input."""

from __future__ import annotations

import pyoxigraph
from rdflib import Literal
from rdflib.compare import to_isomorphic

from kg.loading import GraphRole
from kg.namespaces import DK, INFERRED_GRAPH
from kg.pipeline import Reasoner, validate, with_inferences
from kg.rdflib_bridge import graph_from_store
from kg.reasoning import infer


def test_reasoning_leaves_the_asserted_graphs_alone(loaded):
    asserted = set(loaded.graphs(GraphRole.ONTOLOGY, GraphRole.DATA, GraphRole.LINKS))
    before = {q for q in loaded.store}
    reasoned = with_inferences(loaded)
    assert {q for q in loaded.store} == before
    kept = {q for q in reasoned.store if q.graph_name.value in asserted}
    assert kept == before


def test_infer_does_not_mutate_its_argument(loaded):
    graph = graph_from_store(loaded.store, loaded.graphs(GraphRole.ONTOLOGY, GraphRole.DATA))
    snapshot = to_isomorphic(graph)
    inferred = infer(graph)
    assert len(inferred) > 0
    assert to_isomorphic(graph) == snapshot
    assert not any(isinstance(s, Literal) for s, _, _ in inferred)
    assert not set(inferred) & set(graph)


def test_date_bounds_are_inferred_from_exact_dates(reasoned):
    solutions = list(reasoned.store.query(
        "SELECT ?x ?inferred WHERE { GRAPH ?inferred { ?x dk:endLatest ?d } } LIMIT 1",
        prefixes={"dk": DK},
        substitutions={pyoxigraph.Variable("inferred"): pyoxigraph.NamedNode(INFERRED_GRAPH)}))
    assert solutions


def test_validate_then_reason_equals_reason_then_validate(loaded, project):
    """pySHACL and owlrl both touch rdflib globals; the order must not matter."""
    first_report = validate(loaded, project)
    first_inferred = graph_from_store(with_inferences(loaded).store, [INFERRED_GRAPH])
    second_inferred = graph_from_store(with_inferences(loaded).store, [INFERRED_GRAPH])
    second_report = validate(loaded, project)
    assert first_report == second_report
    assert to_isomorphic(first_inferred) == to_isomorphic(second_inferred)


def test_oxigraph_rules_infer_exactly_what_owlrl_infers(loaded):
    fast = graph_from_store(with_inferences(loaded).store, [INFERRED_GRAPH])
    reference = graph_from_store(with_inferences(loaded, reasoner=Reasoner.OWLRL).store,
                                 [INFERRED_GRAPH])
    assert len(fast) > 1000
    assert to_isomorphic(fast) == to_isomorphic(reference)


def test_fast_reasoner_equals_owlrl_on_generated_data(project_copy):
    from kg.generate import write_ntriples
    from kg.pipeline import load_project
    from kg.project import Project
    write_ntriples(project_copy / "data" / "generated.nt", triples=4000, seed=5)
    generated = load_project(Project(project_copy))
    fast = graph_from_store(with_inferences(generated).store, [INFERRED_GRAPH])
    reference = graph_from_store(with_inferences(generated, reasoner=Reasoner.OWLRL).store,
                                 [INFERRED_GRAPH])
    assert len(fast) > 3000
    assert set(fast) == set(reference)


def test_transitive_properties_fall_back_to_the_fixpoint_rules():
    from kg.materialize import materialize
    ex, owl = "http://example.org/", "http://www.w3.org/2002/07/owl#"
    g, inferred = pyoxigraph.NamedNode(ex + "g"), ex + "inferred"
    store = pyoxigraph.Store()
    triples = [(ex + "partOf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
                owl + "TransitiveProperty"),
               (ex + "a", ex + "partOf", ex + "b"), (ex + "b", ex + "partOf", ex + "c")]
    store.extend(pyoxigraph.Quad(*(pyoxigraph.NamedNode(t) for t in triple), g)
                 for triple in triples)
    assert materialize(store, [ex + "g"], inferred) == 1
    [quad] = store.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(inferred))
    assert (quad.subject.value, quad.object.value) == (ex + "a", ex + "c")


EDGE_CASES = """
@prefix ex: <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:Embassy rdfs:subClassOf ex:Mission .
ex:Mission rdfs:subClassOf ex:Channel , owl:Thing .
ex:Link owl:equivalentClass ex:Channel .
ex:hosts rdfs:domain ex:State ; rdfs:range ex:Mission ; owl:inverseOf ex:hostedBy .
ex:hostedBy rdfs:subPropertyOf ex:relatedTo .
ex:relatedTo owl:equivalentProperty ex:linkedTo ; rdfs:domain ex:Mission .
ex:borders a owl:SymmetricProperty ; rdfs:domain ex:State .
ex:opened rdfs:domain ex:Mission ; rdfs:range xsd:date .
ex:note rdfs:range ex:Note ; rdfs:subPropertyOf rdfs:comment .
ex:State rdfs:subClassOf ex:Actor .
ex:russia ex:hosts ex:e1 ; ex:borders ex:norway ; a ex:Actor .
ex:e1 a ex:Embassy , ex:Channel ; ex:opened "2021-01-01"^^xsd:date ; ex:note "a literal" .
ex:e2 ex:hostedBy [ a ex:State ] ; ex:note [ ex:borders ex:finland ] .
owl:Thing ex:note ex:n1 .
ex:hosts ex:note ex:n2 .
ex:x ex:hosts owl:Nothing .
ex:l1 a ex:Link .
"""


def test_fast_reasoner_equals_owlrl_on_edge_cases():
    """Blank nodes, built-in terms, literals in ranges, asserted entailments, equivalences."""
    import rdflib

    from kg.materialize import materialize
    from kg.rdflib_bridge import add_graph_to_store
    graph = rdflib.Graph().parse(data=EDGE_CASES, format="turtle")
    store = pyoxigraph.Store()
    add_graph_to_store(store, graph, "http://example.org/g")
    materialize(store, ["http://example.org/g"], "http://example.org/inferred")
    fast = graph_from_store(store, ["http://example.org/inferred"])
    reference = infer(graph)
    assert len(reference) > 15
    assert set(fast) == set(reference)
