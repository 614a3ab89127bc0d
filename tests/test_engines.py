"""The Oxigraph engine's shortcuts answer exactly what the SPARQL they stand for answers."""

from __future__ import annotations

import dataclasses
import pickle

import pyoxigraph
import pytest

from kg.engines import OxigraphEngine
from kg.entities import _IS_A
from kg.namespaces import PREFIXES
from kg.results import Term, TermKind, new_term

DK = PREFIXES["dk"]


def sparql_has_type(engine: OxigraphEngine, iri: str, class_iri: str) -> bool:
    bindings = {"entity": Term.iri(iri), "type": Term.iri(class_iri)}
    return bool(engine.select(_IS_A, bindings).rows)


def test_has_type_agrees_with_the_property_path_for_every_subject_and_class(loaded):
    engine = OxigraphEngine(loaded.store)
    subjects = sorted({q.subject.value for q in loaded.store
                       if isinstance(q.subject, pyoxigraph.NamedNode)})
    classes = [DK + name for name in ("Actor", "State", "Organization", "Channel",
                                      "DiplomaticAction", "Mission", "Nothing")]
    checked = positives = 0
    for iri in subjects:
        for class_iri in classes:
            expected = sparql_has_type(engine, iri, class_iri)
            assert engine.has_type(iri, class_iri) == expected, (iri, class_iri)
            checked += 1
            positives += expected
    assert checked > 1000 and positives > 100


def test_has_type_follows_subclasses_through_cycles_and_only_the_chosen_graphs():
    node = pyoxigraph.NamedNode
    rdf_type, sub = node(PREFIXES["rdf"] + "type"), node(PREFIXES["rdfs"] + "subClassOf")
    g1, g2 = node("http://e/g1"), node("http://e/g2")
    store = pyoxigraph.Store()
    store.extend([pyoxigraph.Quad(node("http://e/x"), rdf_type, node("http://e/A"), g1),
                  pyoxigraph.Quad(node("http://e/A"), sub, node("http://e/B"), g1),
                  pyoxigraph.Quad(node("http://e/B"), sub, node("http://e/A"), g1),
                  pyoxigraph.Quad(node("http://e/B"), sub, node("http://e/C"), g2)])
    everything = OxigraphEngine(store)
    only_g1 = OxigraphEngine(store, graphs=["http://e/g1"])
    for engine in (everything, only_g1):
        for class_iri in ("http://e/A", "http://e/B", "http://e/C", "http://e/D"):
            assert engine.has_type("http://e/x", class_iri) == sparql_has_type(
                engine, "http://e/x", class_iri)
    assert everything.has_type("http://e/x", "http://e/C")
    assert not only_g1.has_type("http://e/x", "http://e/C")


def test_the_term_cache_never_changes_an_answer(loaded, monkeypatch):
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 3000"
    expected = OxigraphEngine(loaded.store).select(query, {})
    monkeypatch.setattr(OxigraphEngine, "TERM_CACHE_SIZE", 100)
    small = OxigraphEngine(loaded.store)
    for _ in range(2):
        assert small.select(query, {}) == expected
        assert len(small._terms) <= 100 + 3 + 1  # the size, one row's terms, None


@pytest.mark.parametrize("fields", [
    (TermKind.IRI, "http://e/x", None, None), (TermKind.BLANK, "b0", None, None),
    (TermKind.LITERAL, "x", None, None), (TermKind.LITERAL, "x", None, "en"),
    (TermKind.LITERAL, "2021-11-01", "http://www.w3.org/2001/XMLSchema#date", None)])
def test_a_term_made_by_new_term_is_the_dataclass_one(fields):
    made, built = new_term(*fields), Term(*fields)
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):  # server workers pickle answers
        assert pickle.dumps(made, protocol) == pickle.dumps(built, protocol)
        assert pickle.loads(pickle.dumps(made, protocol)) == built
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.value = "changed"
