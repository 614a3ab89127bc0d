"""The fast validation path (SHACL-SPARQL compiled for Oxigraph) finds exactly what pySHACL
finds, on every shape fixture and on the real data."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
import rdflib

from kg.engines import OxigraphEngine
from kg.shacl_sparql import run_compiled, split_sparql_constraints
from kg.validation import load_shapes, run_shacl

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "shapes").glob("*.ttl"))


def findings_both_ways(data: rdflib.Graph, shapes: rdflib.Graph):
    reference = run_shacl(data, shapes)
    core, compiled = split_sparql_constraints(shapes)
    store = pyoxigraph.Store()
    graph = "https://w3id.org/diplo-kg/graph/test"
    store.load(data.serialize(format="nt", encoding="utf-8"),
               format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=pyoxigraph.NamedNode(graph))
    fast = run_shacl(data, core) + run_compiled(compiled, OxigraphEngine(store, graphs=[graph]))
    return reference, fast


def key(findings):
    return sorted((f.focus, f.source, f.message) for f in findings)


def test_there_are_sparql_constraints_to_compile():
    _core, compiled = split_sparql_constraints(load_shapes(ROOT / "ontology" / "shapes"))
    assert len(compiled) >= 4


def test_at_least_one_fixture_per_sparql_constraint():
    assert len(FIXTURES) >= 20


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_fast_path_equals_pyshacl_on_fixture(fixture, project):
    data = rdflib.Graph()
    data.parse(fixture, format="turtle")
    for path in sorted(project.ontology_dir.glob("*.ttl")):
        data.parse(path, format="turtle")
    reference, fast = findings_both_ways(data, load_shapes(project.shapes_dir))
    assert key(fast) == key(reference)


def test_fast_path_equals_pyshacl_on_real_data(loaded, project):
    from kg.loading import GraphRole
    from kg.rdflib_bridge import graph_from_store
    data = graph_from_store(loaded.store, loaded.graphs(GraphRole.ONTOLOGY, GraphRole.DATA,
                                                        GraphRole.LINKS))
    reference, fast = findings_both_ways(data, load_shapes(project.shapes_dir))
    assert key(fast) == key(reference)
