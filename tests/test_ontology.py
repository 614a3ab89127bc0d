"""The ontology: header, one label and one definition per term, the terms the contract names,
the axioms other parts rely on, OWL 2 RL behaviour, and no undeclared dk: term in use."""

from __future__ import annotations

import re
from pathlib import Path

import owlrl
import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_FILE = ROOT / "ontology" / "diplo-kg.ttl"
MODEL_DOC = ROOT / "docs" / "model.md"
DK = Namespace("https://w3id.org/diplo-kg/ontology#")
ONTOLOGY = URIRef("https://w3id.org/diplo-kg/ontology")
PROV = Namespace("http://www.w3.org/ns/prov#")
OWLRL_ERRORS = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")
TERM_KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
PLOVER_CATEGORIES = {"AGREE", "CONSULT", "SUPPORT", "COOPERATE", "AID", "CONCEDE", "RETREAT",
                     "INVESTIGATE", "DEMAND", "ACCUSE", "REJECT", "THREATEN", "PROTEST",
                     "CRIME", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"}


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def declared(ontology) -> set[URIRef]:
    return {term for kind in TERM_KINDS for term in ontology.subjects(RDF.type, kind)
            if str(term).startswith(str(DK))}


def _english(graph: rdflib.Graph, subject: URIRef, predicate: URIRef) -> list[Literal]:
    return [value for value in graph.objects(subject, predicate)
            if isinstance(value, Literal) and value.language == "en"]


def _superclasses(graph: rdflib.Graph, cls: URIRef) -> set[URIRef]:
    return set(graph.transitive_objects(cls, RDFS.subClassOf))


def test_header(ontology):
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY, OWL.versionIRI) == URIRef(
        "https://w3id.org/diplo-kg/ontology/0.1.0")
    assert ontology.value(ONTOLOGY, OWL.versionInfo) is not None
    assert ontology.value(ONTOLOGY, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/")
    for predicate in (DCTERMS.created, DCTERMS.modified):
        value = ontology.value(ONTOLOGY, predicate)
        assert isinstance(value, Literal) and value.datatype == rdflib.XSD.date, predicate
    for predicate in (DCTERMS.title, DCTERMS.description, SKOS.changeNote):
        assert _english(ontology, ONTOLOGY, predicate), predicate


def test_term_count_does_not_shrink(declared):
    assert len(declared) >= 125


def test_every_term_has_one_label_and_one_definition(ontology, declared):
    problems = []
    for term in sorted(declared):
        labels = list(ontology.objects(term, RDFS.label))
        definitions = list(ontology.objects(term, SKOS.definition))
        if len(labels) != 1 or len(_english(ontology, term, RDFS.label)) != 1:
            problems.append(f"{term}: {len(labels)} labels, want one @en")
        if len(definitions) != 1 or len(_english(ontology, term, SKOS.definition)) != 1:
            problems.append(f"{term}: {len(definitions)} definitions, want one @en")
        if (term, RDFS.comment, None) in ontology:
            problems.append(f"{term}: rdfs:comment duplicates skos:definition")
        if ontology.value(term, RDFS.isDefinedBy) != ONTOLOGY:
            problems.append(f"{term}: rdfs:isDefinedBy is not the ontology")
    assert not problems, "\n".join(problems)


def test_every_term_named_in_the_model_contract_is_declared(declared):
    named = {DK[name] for name in re.findall(r"\bdk:([A-Za-z][A-Za-z0-9]*)",
                                             MODEL_DOC.read_text(encoding="utf-8"))}
    assert len(named) > 100
    missing = sorted(str(term) for term in named - declared)
    assert not missing, f"docs/model.md names terms the ontology lacks: {missing}"


def test_stays_in_owl_rl_and_leaves_cardinality_to_shacl(ontology):
    for construct in (OWL.FunctionalProperty, OWL.InverseFunctionalProperty):
        assert not list(ontology.subjects(RDF.type, construct)), construct
    for predicate in (OWL.cardinality, OWL.minCardinality, OWL.maxCardinality,
                      OWL.qualifiedCardinality, OWL.someValuesFrom, OWL.unionOf,
                      OWL.equivalentClass, OWL.sameAs):
        assert not list(ontology.subject_objects(predicate)), predicate


@pytest.mark.parametrize("exact, earliest, latest", [
    ("startDate", "startEarliest", "startLatest"),
    ("endDate", "endEarliest", "endLatest"),
    ("date", "dateEarliest", "dateLatest"),
    ("effectiveDate", "effectiveEarliest", "effectiveLatest"),
])
def test_exact_dates_are_sub_properties_of_both_bounds(ontology, exact, earliest, latest):
    supers = set(ontology.objects(DK[exact], RDFS.subPropertyOf))
    assert {DK[earliest], DK[latest]} <= supers


def test_axioms_the_queries_rely_on(ontology):
    assert (DK.contradicts, RDF.type, OWL.SymmetricProperty) in ontology
    assert (DK.respondsTo, OWL.inverseOf, DK.provoked) in ontology or (
        DK.provoked, OWL.inverseOf, DK.respondsTo) in ontology
    for citation in (DK.citesParagraph, DK.citesSource):
        assert (citation, RDFS.subPropertyOf, DCTERMS.source) in ontology
    # A domain on citesParagraph would type every cited action or claim as that domain.
    assert ontology.value(DK.citesParagraph, RDFS.domain) is None
    assert ontology.value(DK.citesSource, RDFS.domain) is None


def test_activities_are_never_entities(ontology):
    """PROV keeps activities and entities apart; so must every dk: class."""
    for cls in set(ontology.subjects(RDF.type, OWL.Class)):
        supers = _superclasses(ontology, cls)
        assert not (PROV.Activity in supers and PROV.Entity in supers), cls


def test_action_kinds_carry_verified_codes_with_their_names(ontology):
    kinds = [cls for cls in ontology.subjects(RDFS.subClassOf, None)
             if DK.Action in _superclasses(ontology, cls) and cls != DK.Action]
    assert len(kinds) >= 20
    coded = 0
    for cls in kinds:
        cameo = ontology.value(cls, DK.cameoCode)
        plover = ontology.value(cls, DK.ploverCode)
        note = " ".join(str(n) for n in ontology.objects(cls, SKOS.note))
        if cameo is not None:
            coded += 1
            assert re.fullmatch(r"[0-2][0-9]{2}[0-9]?", str(cameo)), (cls, cameo)
            assert f"CAMEO {cameo} " in note, f"{cls}: the note must name CAMEO {cameo}"
        if plover is not None:
            assert str(plover) in PLOVER_CATEGORIES, (cls, plover)
            assert f"PLOVER {plover}" in note, f"{cls}: the note must name PLOVER {plover}"
    assert coded >= 12
    assert str(ontology.value(DK.MissionSuspension, DK.cameoCode)) == "161"
    assert str(ontology.value(DK.Expulsion, DK.cameoCode)) == "166"
    assert str(ontology.value(DK.MilitaryIntervention, DK.cameoCode)) == "190"


def _closure(graph: rdflib.Graph) -> rdflib.Graph:
    copy = rdflib.Graph()
    for triple in graph:
        copy.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(copy)
    return copy


def _assert_consistent(closed: rdflib.Graph) -> None:
    errors = [str(closed.value(m, OWLRL_ERRORS.error))
              for m in closed.subjects(RDF.type, OWLRL_ERRORS.ErrorMessage)]
    assert not errors, errors
    assert not list(closed.subjects(RDF.type, OWL.Nothing))


def test_owl_rl_closure_of_the_ontology_is_consistent_and_small(ontology):
    before = len(ontology)
    closed = _closure(ontology)
    assert len(ontology) == before, "the closure must not touch the caller's graph"
    _assert_consistent(closed)
    assert len(closed) < 10 * before


def test_owl_rl_fills_bounds_and_types_without_polluting(ontology):
    fixtures = sorted((ROOT / "tests" / "fixtures" / "shapes").glob("*.pass.ttl"))
    assert fixtures
    data = rdflib.Graph()
    for triple in ontology:
        data.add(triple)
    for path in fixtures:
        data.parse(path, format="turtle")
    closed = _closure(data)
    _assert_consistent(closed)
    for subject, value in data.subject_objects(DK.startDate):
        assert (subject, DK.startEarliest, value) in closed
        assert (subject, DK.startLatest, value) in closed
    activities = set(closed.subjects(RDF.type, PROV.Activity))
    assert activities
    assert not {s for s in activities if (s, RDF.type, PROV.Entity) in closed}
    for subject in closed.subjects(RDF.type, DK.Action):
        for other in (DK.Claim, DK.Channel, DK.Source, DK.Paragraph, DK.Actor):
            assert (subject, RDF.type, other) not in closed, (subject, other)


def _terms_in_rdf(path: Path) -> set[URIRef]:
    graph = rdflib.Graph().parse(path, format="trig" if path.suffix == ".trig" else "turtle")
    return {node for triple in graph for node in triple
            if isinstance(node, URIRef) and str(node).startswith(str(DK))}


def _terms_in_query(path: Path) -> set[URIRef]:
    body = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.lstrip().startswith("#"))
    names = re.findall(r"\bdk:([A-Za-z][A-Za-z0-9]*)", body)
    names += re.findall(r"<https://w3id\.org/diplo-kg/ontology#([A-Za-z][A-Za-z0-9]*)>", body)
    return {DK[name] for name in names}


def _undeclared(files: list[Path], reader, declared: set[URIRef]) -> tuple[int, list[str]]:
    used: dict[URIRef, Path] = {}
    for path in files:
        for term in reader(path):
            used.setdefault(term, path)
    missing = [f"{term} (in {used[term].relative_to(ROOT)})"
               for term in sorted(set(used) - declared)]
    return len(used), missing


def test_shapes_and_queries_use_only_declared_terms(declared):
    shapes = sorted((ROOT / "ontology" / "shapes").glob("*.ttl"))
    queries = sorted((ROOT / "queries").rglob("*.rq"))
    assert shapes and queries
    count, missing = _undeclared(shapes, _terms_in_rdf, declared)
    assert count > 50 and not missing, missing
    count, missing = _undeclared(queries, _terms_in_query, declared)
    assert count > 30 and not missing, missing


def test_data_uses_only_declared_terms(declared):
    files = sorted(p for p in (ROOT / "data").rglob("*") if p.suffix in (".ttl", ".trig"))
    if not files:
        pytest.skip("data/ holds no Turtle or TriG files yet")
    count, missing = _undeclared(files, _terms_in_rdf, declared)
    assert count > 0 and not missing, missing
