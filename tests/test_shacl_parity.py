"""The fast validation path (SHACL Core and SHACL-SPARQL compiled for Oxigraph) finds exactly
what pySHACL finds with every shape, on every shape fixture and on the real data.

The data goes through Oxigraph first and pySHACL reads the copy, as in ``kg validate``, so both
sides see the same literals (Oxigraph stores ``"8"^^xsd:nonNegativeInteger`` as an integer).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph
import pytest

from kg.engines import OxigraphEngine
from kg.loading import GraphRole
from kg.rdflib_bridge import graph_from_store
from kg.shacl_core import run_core, split_core_constraints
from kg.shacl_sparql import run_compiled, split_sparql_constraints
from kg.validation import Finding, load_shapes, run_shacl

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "shapes").glob("*.ttl"))
GRAPH = "https://w3id.org/diplo-kg/graph/test"
# Oxigraph stores integer-derived literals as xsd:integer when it loads them, so once the data
# has gone through the store (as in ``kg validate``) these fixtures break no shape; they fail
# in tests/test_shapes.py, which hands the files to pySHACL directly.
NORMALIZED_BY_OXIGRAPH = {"action-count-as-non-negative-integer.fail.ttl",
                          "paragraph-number-as-positive-integer.fail.ttl"}


def fast_findings(store: pyoxigraph.Store, graphs: list[str], shapes) -> list[Finding]:
    """What ``kg validate`` runs by default, SHACL part (pySHACL only for leftovers)."""
    core, compiled = split_sparql_constraints(shapes)
    split = split_core_constraints(core)
    engine = OxigraphEngine(store, graphs=graphs)
    findings = run_core(split.checks, engine) + run_compiled(compiled, engine)
    if split.needs_pyshacl:
        findings += run_shacl(graph_from_store(store, graphs), split.leftover)
    return findings


def key(findings: Iterable[Finding]) -> list[tuple]:
    """Every field pySHACL reports, duplicates kept."""
    return sorted((f.focus, f.path or "", f.source, f.value or "", f.message, f.severity.value)
                  for f in findings)


def store_of(paths: Iterable[Path]) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    for path in paths:
        store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE,
                   to_graph=pyoxigraph.NamedNode(GRAPH))
    return store


def test_there_are_sparql_constraints_to_compile():
    _core, compiled = split_sparql_constraints(load_shapes(ROOT / "ontology" / "shapes"))
    assert len(compiled) >= 4


def test_at_least_one_fixture_per_sparql_constraint():
    assert len(FIXTURES) >= 90


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_fast_path_equals_pyshacl_on_fixture(fixture, project):
    store = store_of([fixture, *sorted(project.ontology_dir.glob("*.ttl"))])
    shapes = load_shapes(project.shapes_dir)
    reference = run_shacl(graph_from_store(store, [GRAPH]), shapes)
    assert key(fast_findings(store, [GRAPH], shapes)) == key(reference)
    failing = fixture.name.endswith(".fail.ttl") and fixture.name not in NORMALIZED_BY_OXIGRAPH
    assert bool(reference) == failing


def test_fast_path_equals_pyshacl_on_real_data(loaded, project):
    graphs = loaded.graphs(GraphRole.ONTOLOGY, GraphRole.DATA, GraphRole.LINKS)
    shapes = load_shapes(project.shapes_dir)
    reference = run_shacl(graph_from_store(loaded.store, graphs), shapes)
    assert key(fast_findings(loaded.store, graphs, shapes)) == key(reference)
