"""The QC rules as data: SHACL shapes and ``*-violation.rq`` checks against fixture files.

- ``tests/fixtures/shapes/NAME.fail.ttl`` must not conform, and one result message must contain
  the text of its first line ``# expect: TEXT``;
- ``tests/fixtures/shapes/NAME.pass.ttl`` must conform, and no check may find anything in it;
- ``tests/fixtures/checks/NAME.fail.ttl`` must give at least one row for the check named on its
  first line ``# expect-check: CHECK``, on rdflib and on Oxigraph alike.

Each fixture is validated together with the ontology and without inference, as ``kg validate``
does, so that SHACL targets and ``rdfs:subClassOf*`` paths see the class hierarchy.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pyshacl
import pytest
import rdflib
from rdflib.namespace import SH

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "diplo-kg.ttl"
SHAPES_DIR = ROOT / "ontology" / "shapes"
CHECKS_DIR = ROOT / "queries" / "checks"
SHAPE_FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
CHECK_FIXTURES = ROOT / "tests" / "fixtures" / "checks"

SHAPE_FAILS = sorted(SHAPE_FIXTURES.glob("*.fail.ttl"))
SHAPE_PASSES = sorted(SHAPE_FIXTURES.glob("*.pass.ttl"))
CHECK_FAILS = sorted(CHECK_FIXTURES.glob("*.fail.ttl"))
CHECKS = sorted(CHECKS_DIR.glob("*-violation.rq"))


def _ids(paths: list[Path]) -> list[str]:
    return [path.name for path in paths]


def _header(path: Path, key: str) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.match(rf"^#\s*{key}:\s*(.+?)\s*$", first)
    assert match, f"{path.name}: the first line must be '# {key}: ...'"
    return match.group(1)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def _with_ontology(fixture: Path, ontology: rdflib.Graph) -> rdflib.Graph:
    data = rdflib.Graph().parse(fixture, format="turtle")
    for triple in ontology:
        data.add(triple)
    return data


def _messages(fixture: Path, ontology: rdflib.Graph, shapes: rdflib.Graph) -> tuple[bool, list[str]]:
    conforms, report, _text = pyshacl.validate(_with_ontology(fixture, ontology),
                                               shacl_graph=shapes, inference="none", advanced=True)
    messages = sorted(str(report.value(result, SH.resultMessage))
                      for result in report.subjects(rdflib.RDF.type, SH.ValidationResult))
    return conforms, messages


def _rdflib_rows(check: Path, data: rdflib.Graph) -> int:
    return len(list(data.query(check.read_text(encoding="utf-8"))))


def _oxigraph_store(fixture: Path) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(path=str(ONTOLOGY), format=pyoxigraph.RdfFormat.TURTLE)
    store.load(path=str(fixture), format=pyoxigraph.RdfFormat.TURTLE)
    return store


def _oxigraph_rows(check: Path, store: pyoxigraph.Store) -> int:
    return len(list(store.query(check.read_text(encoding="utf-8"),
                                use_default_graph_as_union=True)))


def test_fixture_suites_do_not_shrink():
    assert len(SHAPE_FAILS) >= 80
    assert len(SHAPE_PASSES) >= 3
    assert len(CHECKS) >= 18
    assert len(CHECK_FAILS) >= len(CHECKS)


def test_every_check_has_a_failing_fixture():
    covered = {_header(path, "expect-check") for path in CHECK_FAILS}
    missing = sorted({check.stem for check in CHECKS} - covered)
    assert not missing, f"checks without a tests/fixtures/checks/*.fail.ttl: {missing}"


def test_every_sparql_constraint_has_a_failing_fixture(shapes):
    """Each SPARQL constraint's message appears in some failing fixture's expectation."""
    expectations = [_header(path, "expect") for path in SHAPE_FAILS]
    for constraint in shapes.subjects(SH.select, None):
        message = str(shapes.value(constraint, SH.message))
        assert any(expected in message for expected in expectations), (
            f"no failing fixture expects the SPARQL constraint '{message}'")


def test_every_constraint_speaks_in_domain_words(shapes):
    """Property shapes, node shapes with node-level constraints and SPARQL constraints all carry
    an English sh:message, so no finding reaches a user as a bare constraint-component IRI."""
    speakers = set(shapes.objects(None, SH.property)) | set(shapes.objects(None, SH.sparql))
    speakers |= {shape for predicate in (SH["or"], SH["and"], SH["not"], SH.xone)
                 for shape in shapes.subjects(predicate, None)
                 if (shape, SH.path, None) not in shapes and (shape, SH.targetClass, None) in shapes}
    assert len(speakers) > 90
    silent = [str(node) for node in speakers
              if not any(m.language == "en" for m in shapes.objects(node, SH.message))]
    assert not silent, f"constraints without an sh:message@en: {silent}"


@pytest.mark.parametrize("fixture", SHAPE_FAILS, ids=_ids(SHAPE_FAILS))
def test_failing_fixture_gives_its_message(fixture, ontology, shapes):
    expected = _header(fixture, "expect")
    conforms, messages = _messages(fixture, ontology, shapes)
    assert not conforms, f"{fixture.name} conforms, but should fail with '{expected}'"
    assert any(expected in message for message in messages), (
        f"{fixture.name}: no message contains '{expected}'; got {messages}")


@pytest.mark.parametrize("fixture", SHAPE_PASSES, ids=_ids(SHAPE_PASSES))
def test_passing_fixture_conforms(fixture, ontology, shapes):
    conforms, messages = _messages(fixture, ontology, shapes)
    assert conforms, f"{fixture.name} should conform; got {messages}"


@pytest.mark.parametrize("fixture", SHAPE_PASSES, ids=_ids(SHAPE_PASSES))
def test_passing_fixture_conforms_after_a_trip_through_oxigraph(fixture, ontology, shapes):
    """Oxigraph stores xsd:positiveInteger as xsd:integer; the shapes must accept what it returns."""
    dumped = _oxigraph_store(fixture).dump(format=pyoxigraph.RdfFormat.N_TRIPLES,
                                           from_graph=pyoxigraph.DefaultGraph())
    data = rdflib.Graph().parse(data=dumped.decode("utf-8"), format="nt")
    conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                               advanced=True)
    assert conforms, report.serialize(format="turtle")


@pytest.mark.parametrize("fixture", CHECK_FAILS, ids=_ids(CHECK_FAILS))
def test_check_finds_its_failing_fixture_on_both_engines(fixture, ontology):
    check = CHECKS_DIR / f"{_header(fixture, 'expect-check')}.rq"
    assert check.is_file(), f"{fixture.name} names a check that does not exist: {check.name}"
    assert _rdflib_rows(check, _with_ontology(fixture, ontology)) > 0, "rdflib found nothing"
    assert _oxigraph_rows(check, _oxigraph_store(fixture)) > 0, "Oxigraph found nothing"


@pytest.mark.parametrize("fixture", SHAPE_PASSES, ids=_ids(SHAPE_PASSES))
def test_checks_find_nothing_in_passing_fixture(fixture, ontology):
    data = _with_ontology(fixture, ontology)
    store = _oxigraph_store(fixture)
    for check in CHECKS:
        assert _rdflib_rows(check, data) == 0, f"{check.name} (rdflib) fires on {fixture.name}"
        assert _oxigraph_rows(check, store) == 0, f"{check.name} (Oxigraph) fires on {fixture.name}"


@pytest.mark.parametrize("check", CHECKS, ids=_ids(CHECKS))
def test_check_header_and_result_columns(check):
    text = check.read_text(encoding="utf-8")
    assert re.search(r"^# title: \S", text, re.M), f"{check.name} needs '# title:'"
    assert re.search(r"^# description: \S", text, re.M), f"{check.name} needs '# description:'"
    assert re.search(r"^SELECT (DISTINCT )?\?focus \?message\b", text, re.M), (
        f"{check.name} must SELECT ?focus ?message first")
    assert re.search(r"^ORDER BY ", text, re.M), f"{check.name} needs an ORDER BY"
