"""Resolving what users type: a label is looked for among the expected kind of thing first."""

from __future__ import annotations

import pyoxigraph
import pytest

from kg.engines import OxigraphEngine
from kg.entities import resolve_entity, resolve_typed_entity
from kg.errors import EntityResolutionError

DK = "https://w3id.org/diplo-kg/ontology#"
DKR = "https://w3id.org/diplo-kg/resource/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def engine_with(*triples: tuple[str, str, str | pyoxigraph.Literal]) -> OxigraphEngine:
    store = pyoxigraph.Store()
    graph = pyoxigraph.NamedNode(DKR + "graph/test")
    for subject, predicate, obj in triples:
        term = obj if isinstance(obj, pyoxigraph.Literal) else pyoxigraph.NamedNode(obj)
        store.add(pyoxigraph.Quad(pyoxigraph.NamedNode(subject), pyoxigraph.NamedNode(predicate),
                                  term, graph))
    return OxigraphEngine(store)


def label(text: str) -> pyoxigraph.Literal:
    return pyoxigraph.Literal(text, language="en")


ONTOLOGY = ((DK + "State", RDFS + "subClassOf", DK + "Actor"),
            (DK + "Organization", RDFS + "subClassOf", DK + "Actor"))
GEORGIA_STATE = DKR + "state/georgia"
GEORGIA_PLACE = DKR + "place/georgia-us-state"
SHARED = ONTOLOGY + ((GEORGIA_STATE, RDF_TYPE, DK + "State"),
                     (GEORGIA_STATE, RDFS + "label", label("Georgia")),
                     (GEORGIA_PLACE, RDF_TYPE, DK + "Place"),
                     (GEORGIA_PLACE, RDFS + "label", label("Georgia")))


def test_the_instance_of_the_expected_class_is_meant_in_any_case():
    engine = engine_with(*SHARED)
    assert resolve_typed_entity("georgia", DK + "Actor", engine) == (GEORGIA_STATE, True)
    assert resolve_typed_entity("Georgia", DK + "Place", engine) == (GEORGIA_PLACE, True)


def test_without_an_expected_class_the_shared_label_is_ambiguous():
    with pytest.raises(EntityResolutionError) as raised:
        resolve_entity("Georgia", engine_with(*SHARED))
    assert "dkr:state/georgia" in str(raised.value)
    assert "dkr:place/georgia-us-state" in str(raised.value)


def test_two_instances_of_the_expected_class_with_one_label_are_ambiguous():
    other = DKR + "org/georgia-council"
    engine = engine_with(*SHARED, (other, RDF_TYPE, DK + "Organization"),
                         (other, SKOS + "altLabel", label("GEORGIA")))
    with pytest.raises(EntityResolutionError) as raised:
        resolve_typed_entity("Georgia", DK + "Actor", engine)
    assert "dkr:state/georgia" in str(raised.value)
    assert "dkr:org/georgia-council" in str(raised.value)


def test_a_label_no_instance_has_is_resolved_among_everything_as_before():
    with pytest.raises(EntityResolutionError, match="ambiguous"):
        resolve_typed_entity("Georgia", DK + "Organization", engine_with(*SHARED))
    place_only = engine_with(*ONTOLOGY, (GEORGIA_PLACE, RDF_TYPE, DK + "Place"),
                             (GEORGIA_PLACE, RDFS + "label", label("Georgia")))
    assert resolve_typed_entity("Georgia", DK + "Actor", place_only) == (GEORGIA_PLACE, False)
    with pytest.raises(EntityResolutionError):
        resolve_typed_entity("Atlantis", DK + "Actor", place_only)


def test_preferred_and_alternative_labels_count_among_instances():
    nato = DKR + "org/nato"
    engine = engine_with(*ONTOLOGY, (nato, RDF_TYPE, DK + "Organization"),
                         (nato, SKOS + "prefLabel", label("North Atlantic Treaty Organization")),
                         (nato, SKOS + "altLabel", label("NATO")))
    assert resolve_typed_entity("nato", DK + "Actor", engine) == (nato, True)
    assert resolve_typed_entity("north atlantic treaty organization", DK + "Actor",
                                engine) == (nato, True)


def test_a_blank_node_subclass_is_passed_over_and_named_classes_still_count():
    store = engine_with(*SHARED).store
    graph = pyoxigraph.NamedNode(DKR + "graph/test")
    store.add(pyoxigraph.Quad(pyoxigraph.BlankNode("anonymous-actors"),
                              pyoxigraph.NamedNode(RDFS + "subClassOf"),
                              pyoxigraph.NamedNode(DK + "Actor"), graph))
    assert resolve_typed_entity("Georgia", DK + "Actor", OxigraphEngine(store)) == (
        GEORGIA_STATE, True)
