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
    distinct = {term for row in expected.rows for term in row}
    for _ in range(2):
        assert small.select(query, {}) == expected
        assert len(small._cells) <= 100 + len(distinct) + 1  # emptied before a query when full


def from_oxigraph_term(term) -> Term | None:
    """The term for a pyoxigraph object, made through the public constructors (the oracle)."""
    if term is None:
        return None
    if isinstance(term, pyoxigraph.NamedNode):
        return Term.iri(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return Term.blank(term.value)
    return Term.literal(term.value, datatype=term.datatype.value, language=term.language)


def read_both_ways(engine: OxigraphEngine, query: str):
    """The answer read from Oxigraph's TSV (as select does) and from pyoxigraph objects."""
    solutions = engine.store.query(query, prefixes=dict(PREFIXES), use_default_graph_as_union=True)
    return (engine.select(query, {}).rows,
            tuple(tuple(map(from_oxigraph_term, solution)) for solution in solutions))


def test_terms_read_from_tsv_are_those_read_from_objects_for_every_quad(loaded):
    engine = OxigraphEngine(loaded.store)
    from_tsv, from_objects = read_both_ways(
        engine, "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert len(from_tsv) == len(loaded.store) and from_tsv == from_objects


XSD = PREFIXES["xsd"]
ODD_OBJECTS = [
    pyoxigraph.Literal(1), pyoxigraph.Literal(-5), pyoxigraph.Literal(1.5),
    pyoxigraph.Literal(True), pyoxigraph.Literal(10 ** 30),
    pyoxigraph.Literal("tab\there, line\nbreak, cr\r, back\\slash \\u0041, \"quoted\", \u0001"),
    pyoxigraph.Literal("é \U0001F600 ∀"), pyoxigraph.Literal(""), pyoxigraph.Literal(" "),
    pyoxigraph.Literal("x", language="en-GB"), pyoxigraph.Literal("\"", language="fr"),
    pyoxigraph.Literal("1.50", datatype=pyoxigraph.NamedNode(XSD + "decimal")),
    pyoxigraph.Literal(" 7", datatype=pyoxigraph.NamedNode(XSD + "integer")),
    pyoxigraph.Literal("tRuE", datatype=pyoxigraph.NamedNode(XSD + "boolean")),
    pyoxigraph.Literal("NaN", datatype=pyoxigraph.NamedNode(XSD + "double")),
    pyoxigraph.Literal("2021-11-01", datatype=pyoxigraph.NamedNode(XSD + "date")),
    pyoxigraph.Literal("x", datatype=pyoxigraph.NamedNode("http://e/type?a=b")),
    pyoxigraph.Literal("true", datatype=pyoxigraph.NamedNode(XSD + "string")),
    pyoxigraph.NamedNode("http://e/x?a=b#c"), pyoxigraph.NamedNode("http://e/é"),
    pyoxigraph.BlankNode("b1"), pyoxigraph.BlankNode(),
]


def test_terms_read_from_tsv_are_those_read_from_objects_for_odd_terms():
    store = pyoxigraph.Store()
    for number, value in enumerate(ODD_OBJECTS):
        store.add(pyoxigraph.Quad(pyoxigraph.NamedNode(f"http://e/s{number}"),
                                  pyoxigraph.NamedNode("http://e/p"), value))
    engine = OxigraphEngine(store)
    for query in ("SELECT ?s ?o WHERE { ?s ?p ?o }",
                  "SELECT ?o ?nothing WHERE { ?s ?p ?o }",  # a column never bound
                  "SELECT ?nothing WHERE { ?s ?p ?o }",  # rows of one unbound cell
                  "SELECT * WHERE { ?s ?p ?o FILTER(false) }",
                  "SELECT ?s WHERE { }"):
        from_tsv, from_objects = read_both_ways(engine, query)
        assert from_tsv == from_objects, query
    assert len(read_both_ways(engine, "SELECT ?o WHERE { ?s ?p ?o }")[0]) == len(ODD_OBJECTS)


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
