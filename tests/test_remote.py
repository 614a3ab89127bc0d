"""Scale-out against a real SPARQL server: `oxigraph serve` on a loopback port. kg push loads it
with the Graph Store Protocol; every named query then gives the same answers through the
SPARQL protocol as on the local store, and an export from the endpoint equals the local one."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import free_port, oxigraph_server
from kg.engines import OxigraphEngine
from kg.export import export
from kg.formats import RdfFormat
from kg.loading import GraphRole
from kg.queries import load_catalog, run_named_query
from kg.remote import RemoteEngine

ROOT = Path(__file__).resolve().parents[1]
CATALOG = load_catalog(ROOT / "queries")
LOCAL = sorted(name for name, query in CATALOG.items() if not query.needs_network)


@pytest.fixture(scope="module")
def endpoint(project):
    from click.testing import CliRunner
    from kg.cli import main
    with oxigraph_server("serve", "--union-default-graph") as base:
        result = CliRunner().invoke(main, ["--project", str(project.root), "push",
                                           "--endpoint", base + "/store", "--graphs", "all"])
        assert result.exit_code == 0, result.output
        yield base + "/query"


def test_push_reports_every_graph(endpoint, reasoned):
    engine = RemoteEngine(endpoint)
    rows = engine.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                         "GROUP BY ?g", {}).rows
    assert {row[0].value for row in rows} == set(reasoned.graphs())
    assert sum(int(row[1].value) for row in rows) == len(reasoned.store)


@pytest.mark.parametrize("name", LOCAL)
def test_named_query_gives_the_same_answer_remotely(name, endpoint, reasoned):
    local = run_named_query(CATALOG[name], {}, OxigraphEngine(reasoned.store))
    remote = run_named_query(CATALOG[name], {}, RemoteEngine(endpoint))
    assert remote == local


def test_query_command_with_endpoint(endpoint, run_kg, project):
    result = run_kg("--project", project.root, "query", "members-on-date", "--param",
                    "organization=Q7184", "--endpoint", endpoint, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 31


def test_export_from_endpoint_equals_local_export(endpoint, run_kg, project, reasoned):
    result = run_kg("--project", project.root, "export", "--format", "nquads", "--graphs",
                    "all", "--endpoint", endpoint)
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == export(reasoned, RdfFormat.NQUADS, tuple(GraphRole))


def test_unreachable_endpoint_is_a_clear_error(run_kg, project):
    closed = f"http://127.0.0.1:{free_port()}/query"
    result = run_kg("--project", project.root, "query", "members-on-date", "--endpoint", closed)
    assert result.exit_code == 2
    assert f"cannot reach the SPARQL endpoint {closed}" in result.stderr
