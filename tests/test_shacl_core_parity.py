"""SHACL Core compiled to SPARQL (kg.shacl_core) reports what pySHACL reports: on generated data
with violations planted in it, on shapes the compiler leaves to pySHACL, and through
``kg validate --validator fast|pyshacl``. Fixtures and the real data: tests/test_shacl_parity.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph
import pytest

from conftest import copy_project
import rdflib
from rdflib.namespace import SH

from kg.engines import OxigraphEngine
from kg.generate import write_ntriples
from kg.loading import GraphRole
from kg.pipeline import Validator, load_project, validate
from kg.project import Project
from kg.rdflib_bridge import graph_from_store
from kg.shacl_core import run_core, split_core_constraints
from kg.shacl_sparql import split_sparql_constraints
from kg.validation import load_shapes, run_shacl
from test_shacl_parity import key

ROOT = Path(__file__).resolve().parents[1]
PREFIXES = """
PREFIX dk: <https://w3id.org/diplo-kg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def first(cls: str, n: int, pattern: str = "") -> str:
    """A sub-select of the first ``n`` instances ``?x`` of ``cls`` (for stable mutations)."""
    return (f"{{ SELECT DISTINCT ?x WHERE {{ GRAPH ?h {{ ?x a {cls} . {pattern} }} }} "
            f"ORDER BY ?x LIMIT {n} }}")


# Each update breaks one or more shapes in a few places of the generated data.
MUTATIONS = [
    f"DELETE {{ GRAPH ?g {{ ?x dk:agent ?a }} }} WHERE {{ {first('dk:Expulsion', 3)} "
    "GRAPH ?g { ?x dk:agent ?a } }",
    f"INSERT {{ GRAPH ?g {{ ?x dk:sender ?r }} }} WHERE {{ {first('dk:Embassy', 2)} "
    "GRAPH ?g { ?x dk:receiver ?r } }",
    f"DELETE {{ GRAPH ?g {{ ?x dk:date ?d }} }} INSERT {{ GRAPH ?g {{ ?x dk:date ?s }} }} "
    f"WHERE {{ {first('dk:Meeting', 2)} GRAPH ?g {{ ?x dk:date ?d }} BIND (STR(?d) AS ?s) }}",
    f"DELETE {{ GRAPH ?g {{ ?x dk:startDate ?d }} }} "
    f'INSERT {{ GRAPH ?g {{ ?x dk:startDate "2021-02-30"^^xsd:date }} }} '
    f"WHERE {{ {first('dk:MissionChannel', 2)} GRAPH ?g {{ ?x dk:startDate ?d }} }}",
    f"DELETE {{ GRAPH ?g {{ ?x dk:count ?c }} }} INSERT {{ GRAPH ?g {{ ?x dk:count -1 }} }} "
    f"WHERE {{ {first('dk:Expulsion', 20, '?x dk:count ?n')} GRAPH ?g {{ ?x dk:count ?c }} }}",
    f'INSERT {{ GRAPH ?g {{ ?x rdfs:label "Duplicate"@en, "Doppelt"@de, "Dup"@EN }} }} '
    f"WHERE {{ {first('dk:Post', 2)} GRAPH ?g {{ ?x a dk:Post }} }}",
    f'INSERT {{ GRAPH ?g {{ ?x dk:agent "someone" ; dk:citesParagraph "p1" ; '
    f'dk:dateEDTF "in 2021 or so" ; dcterms:description "Beschreibung"@de, "Colour"@EN-GB }} }} '
    f"WHERE {{ {first('dk:AccessBan', 2)} GRAPH ?g {{ ?x a dk:AccessBan }} }}",
    f"INSERT {{ GRAPH ?g {{ ?x skos:exactMatch <http://example.org/not-wikidata> }} }} "
    f"WHERE {{ {first('dk:State', 40)} GRAPH ?g {{ ?x a dk:State }} }}",
    f"DELETE {{ GRAPH ?g {{ ?x dk:citesParagraph ?p }} }} WHERE {{ {first('dk:Claim', 3)} "
    "GRAPH ?g { ?x dk:citesParagraph ?p } }",
    f'INSERT {{ GRAPH ?g {{ ?x dk:quotation "{"very long " * 30}"@en ; dk:speaker ?x }} }} '
    f"WHERE {{ {first('dk:Claim', 2)} GRAPH ?g {{ ?x a dk:Claim }} }}",
    f"INSERT {{ GRAPH ?g {{ ?x dk:capAfter 1000, 1 ; dk:capBefore 50 }} }} "
    f"WHERE {{ {first('dk:DelegationReduction', 2)} GRAPH ?g {{ ?x a dk:DelegationReduction }} }}",
]


@pytest.fixture(scope="module")
def mutated(tmp_path_factory):
    """The real project plus 20k generated triples, then every mutation, loaded in a store."""
    root = copy_project(tmp_path_factory.mktemp("mutated"))
    write_ntriples(root / "data" / "generated.nt", triples=20_000, seed=5)
    loaded = load_project(Project(root))
    for update in MUTATIONS:
        loaded.store.update(PREFIXES + update)
    return loaded


@pytest.fixture(scope="module")
def core_shapes() -> rdflib.Graph:
    core, _compiled = split_sparql_constraints(load_shapes(ROOT / "ontology" / "shapes"))
    return core


def test_every_project_shape_compiles(core_shapes):
    split = split_core_constraints(core_shapes)
    assert split.fallbacks == () and not split.needs_pyshacl
    assert len(split.checks) >= 190
    used = {p.rsplit("#", 1)[-1] for p in (str(p) for p in core_shapes.predicates())}
    compiled = {c.component.rsplit("#", 1)[-1] for c in split.checks}
    assert compiled >= {"class", "datatype", "disjoint", "languageIn", "lessThan", "maxCount",
                        "maxLength", "minCount", "minInclusive", "nodeKind", "or", "pattern",
                        "qualifiedValueShape", "uniqueLang"}
    assert compiled <= used


def test_no_target_is_left_to_pyshacl(core_shapes):
    leftover = split_core_constraints(core_shapes).leftover
    assert not any(leftover.subjects(SH.targetClass, None))
    assert not any(leftover.subjects(SH.targetSubjectsOf, None))


def test_fast_core_equals_pyshacl_on_generated_data_with_violations(mutated, core_shapes):
    graphs = mutated.graphs(GraphRole.ONTOLOGY, GraphRole.DATA, GraphRole.LINKS)
    assert len(mutated.store) > 20_000
    reference = run_shacl(graph_from_store(mutated.store, graphs), core_shapes)
    fast = run_core(split_core_constraints(core_shapes).checks,
                    OxigraphEngine(mutated.store, graphs=graphs))
    assert key(fast) == key(reference)
    assert len({f.source for f in reference}) >= 15
    assert len(reference) >= 40


UNSUPPORTED_SHAPES = """
@prefix ex: <http://example.org/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
ex:Closed a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true ;
  sh:ignoredProperties ( rdf:type ex:q ) ; sh:message "closed" .
ex:Inverse a sh:NodeShape ; sh:targetClass ex:C ;
  sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:maxCount 0 ; sh:message "pointed at" ] .
ex:Silent a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:q ; sh:minCount 2 ] .
ex:Plain a sh:NodeShape ; sh:targetClass ex:C ;
  sh:property [ sh:path ex:q ; sh:minCount 1 ; sh:message "needs q" ] .
"""
UNSUPPORTED_DATA = """
@prefix ex: <http://example.org/> .
ex:a a ex:C ; ex:r 1 .  ex:b ex:p ex:a .  ex:c a ex:C ; ex:q 1 .
"""


def test_shapes_the_compiler_skips_are_left_to_pyshacl():
    shapes = rdflib.Graph().parse(data=UNSUPPORTED_SHAPES, format="turtle")
    split = split_core_constraints(shapes)
    assert sorted(f.split(": ", 1)[0] for f in split.fallbacks) == [
        "http://example.org/Closed", "http://example.org/Inverse", "http://example.org/Silent"]
    store = pyoxigraph.Store()
    store.load(UNSUPPORTED_DATA.encode(), format=pyoxigraph.RdfFormat.TURTLE,
               to_graph=pyoxigraph.NamedNode("http://example.org/g"))
    data = graph_from_store(store, ["http://example.org/g"])
    fast = (run_core(split.checks, OxigraphEngine(store))
            + run_shacl(data, split.leftover))
    reference = run_shacl(data, shapes)
    assert key(fast) == key(reference)
    assert {f.message for f in reference} >= {"closed", "pointed at", "needs q"}


@pytest.fixture()
def small_project(tmp_path) -> Path:
    """The ontology and queries with two fixtures as the only data."""
    copy_project(tmp_path, with_data=False)
    for name in ("mission-with-two-senders.fail.ttl", "channel-ended-without-end.fail.ttl"):
        shutil.copy(ROOT / "tests" / "fixtures" / "shapes" / name, tmp_path / "data" / name)
    return tmp_path


def without_blank_sources(findings: list[dict]) -> list[dict]:
    """Findings with anonymous shapes' names (new blank nodes on every load) blanked out."""
    return sorted((dict(f, source=f["source"] if ":" in f["source"] else "_:shape")
                   for f in findings), key=json.dumps)


def test_validate_gives_the_same_report_with_either_validator(small_project):
    project = Project(small_project)
    loaded = load_project(project)
    fast = validate(loaded, project)
    reference = validate(loaded, project, validator=Validator.PYSHACL)
    assert not fast.conforms and not reference.conforms
    assert (without_blank_sources([f.as_dict() for f in fast.findings])
            == without_blank_sources([f.as_dict() for f in reference.findings]))


def test_cli_validator_option(small_project, run_kg):
    outputs = []
    for validator in ("fast", "pyshacl"):
        result = run_kg("--project", small_project, "validate", "--format", "json",
                        "--validator", validator)
        assert result.exit_code == 1
        outputs.append(without_blank_sources(json.loads(result.stdout)["findings"]))
    assert outputs[0] == outputs[1] and len(outputs[0]) >= 3
