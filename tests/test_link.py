"""kg link wikidata and kg link check against a real SPARQL server (Oxigraph) loaded with a
Wikidata-shaped fixture (tests/fixtures/wikidata/). No HTTP is mocked."""

from __future__ import annotations

import csv
import io
import os
import subprocess
from pathlib import Path

import pytest

from conftest import free_port, oxigraph_binary, oxigraph_server

from kg.engines import OxigraphEngine, RdflibEngine
from kg.linking.actors import find_actors, find_links
from kg.linking.client import QueryCache, SparqlClient, user_agent
from kg.linking.reconcile import Decision, reconcile
from kg.linking.records import read_links
from kg.pipeline import load_project, with_inferences
from kg.project import Project
from kg.queries import load_catalog, run_named_query
from kg.rdflib_bridge import dataset_from_store

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "wikidata"
R = "https://w3id.org/diplo-kg/resource/"
WD = "http://www.wikidata.org/entity/"

# Actors the fixture's decoys compete for, added to a copy of the project.
EXTRA_ACTORS = """\
@base <https://w3id.org/diplo-kg/resource/> .
@prefix dk: <https://w3id.org/diplo-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

<state/georgia> a dk:State ;
    rdfs:label "Georgia"@en ;
    dcterms:description "Georgia, the country in the Caucasus."@en ;
    dk:citesSource <source/reference-facts> .

<city/washington> a dk:City ;
    rdfs:label "Washington"@en ;
    dk:locatedIn <state/united-states> ;
    dk:citesSource <source/reference-facts> .
"""

# What the linker must propose when no link is curated (QIDs from facts.md and the fixture).
EXPECTED = {
    "state/russia": "Q159", "state/belgium": "Q31", "state/united-states": "Q30",
    "state/germany": "Q183", "state/albania": "Q222", "state/ukraine": "Q212",
    "state/serbia": "Q403", "state/china": "Q148", "state/soviet-union": "Q15180",
    "state/georgia": "Q230",
    "org/nato": "Q7184", "org/warsaw-pact": "Q41644", "org/csto": "Q318693",
    "org/sco": "Q485207", "org/north-atlantic-council": "Q944947",
    "building/nato-headquarters": "Q12800833",
    "city/brussels": "Q239", "city/new-york-city": "Q60", "city/washington": "Q61",
    "person/joe-biden": "Q6279", "person/donald-trump": "Q22686",
    "person/jens-stoltenberg": "Q99000005",
}
DECOYS = {"Q99000001", "Q99000002", "Q240", "Q1223", "Q23", "Q99000006", "Q99000007",
          "Q99000008", "Q99000003", "Q99000004"}


@pytest.fixture(scope="session")
def wikidata_endpoint(tmp_path_factory) -> str:
    """An ``oxigraph serve-read-only`` on a free loopback port, loaded with the fixture."""
    binary = oxigraph_binary()
    files = sorted(FIXTURES.glob("*.ttl"))
    assert len(files) >= 3
    location = tmp_path_factory.mktemp("wikidata-store")
    subprocess.run([binary, "load", "--location", str(location), "--file",
                    *map(str, files)], check=True, capture_output=True, timeout=60)
    with oxigraph_server("serve-read-only", "--location", str(location)) as base:
        yield base + "/query"


@pytest.fixture()
def unlinked_project(project_copy) -> Path:
    """A copy of the project with no curated link and the extra actors."""
    (project_copy / "data" / "links" / "wikidata.ttl").write_text("", encoding="utf-8")
    (project_copy / "data" / "extra-actors.ttl").write_text(EXTRA_ACTORS, encoding="utf-8")
    return project_copy


def link(run_kg, project: Path, endpoint: str, *args: str):
    return run_kg("--project", project, "link", "wikidata", "--endpoint", endpoint,
                  "--cache", project / "build" / "cache", "--retries", "0", *args)


def reconciled(project: Path) -> dict[str, str]:
    path = project / "data" / "links" / "wikidata-reconciled.ttl"
    return {r.entity[len(R):]: r.qid for r in read_links(path.read_bytes(), str(path))}


def review_rows(project: Path) -> list[dict[str, str]]:
    text = (project / "build" / "wikidata-review.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_linker_proposes_the_right_items_and_no_decoy(run_kg, unlinked_project,
                                                          wikidata_endpoint):
    result = link(run_kg, unlinked_project, wikidata_endpoint, "--apply")
    assert result.exit_code == 0, result.stderr
    links = reconciled(unlinked_project)
    assert {k: links.get(k) for k in EXPECTED} == EXPECTED
    assert not DECOYS & set(links.values())
    assert len(set(links.values())) == len(links)


def test_ambiguous_matches_are_refused_and_every_candidate_is_listed(run_kg, unlinked_project,
                                                                     wikidata_endpoint):
    assert link(run_kg, unlinked_project, wikidata_endpoint, "--apply").exit_code == 0
    links = reconciled(unlinked_project)
    assert "person/sergey-lavrov" not in links and "city/moscow" not in links
    rows = review_rows(unlinked_project)
    lavrov = [r for r in rows if r["entity"] == "dkr:person/sergey-lavrov"]
    assert {r["qid"] for r in lavrov} == {"Q99000003", "Q99000004"}
    assert {r["decision"] for r in lavrov} == {"ambiguous"}
    moscow = [r for r in rows if r["entity"] == "dkr:city/moscow"]
    assert {r["qid"] for r in moscow} == {"Q649", "Q99000007"}
    georgia = [r for r in rows if r["entity"] == "dkr:state/georgia"]
    assert [r["qid"] for r in georgia][0] == "Q230"
    assert {"Q99000001", "Q99000002"} <= {r["qid"] for r in georgia}
    assert georgia[0]["type_match"] and not any(r["type_match"] for r in georgia[1:])


def test_a_second_run_sends_no_request(run_kg, unlinked_project, wikidata_endpoint):
    first = link(run_kg, unlinked_project, wikidata_endpoint, "--apply")
    assert " 0 request(s) sent" not in first.stderr
    before = (unlinked_project / "data" / "links" / "wikidata-reconciled.ttl").read_bytes()
    for extra in ((), ("--apply",)):
        again = link(run_kg, unlinked_project, wikidata_endpoint, *extra)
        assert again.exit_code == 0, again.stderr
        assert ": 0 request(s) sent (0 HTTP tries)" in again.stderr
    after = (unlinked_project / "data" / "links" / "wikidata-reconciled.ttl").read_bytes()
    assert after == before


def test_the_cache_serves_names_whatever_their_batch(unlinked_project, wikidata_endpoint,
                                                     tmp_path):
    loaded = load_project(Project(unlinked_project))
    engine = OxigraphEngine(loaded.store)
    actors, links = find_actors(engine), find_links(engine)
    cache = QueryCache(tmp_path / "cache")
    first = SparqlClient(endpoint=wikidata_endpoint, agent=user_agent("test"), cache=cache,
                         retries=0)
    reconcile(actors, links, first, batch_size=7)
    assert first.stats.requests == -(-len({n for a in actors for n in a.names}) // 7)
    second = SparqlClient(endpoint=wikidata_endpoint, agent=user_agent("test"), cache=cache,
                          retries=0)
    proposals = reconcile(actors[::2], links, second, batch_size=50)
    assert second.stats.requests == 0 and second.stats.cache_hits > 0
    assert proposals


def test_curated_links_win_and_an_item_is_never_linked_twice(run_kg, project_copy,
                                                             wikidata_endpoint):
    curated = project_copy / "data" / "links" / "wikidata.ttl"
    before = curated.read_bytes()
    (project_copy / "data" / "extra-actors.ttl").write_text(
        EXTRA_ACTORS + '\n<state/russian-federation> a dk:State ;\n'
        '    rdfs:label "Russian Federation"@en ;\n'
        '    dk:citesSource <source/reference-facts> .\n', encoding="utf-8")
    result = link(run_kg, project_copy, wikidata_endpoint, "--apply")
    assert result.exit_code == 0, result.stderr
    assert curated.read_bytes() == before
    assert reconciled(project_copy) == {"state/georgia": "Q230", "city/washington": "Q61",
                                        "person/jens-stoltenberg": "Q99000005"}
    row = next(r for r in review_rows(project_copy)
               if r["entity"] == "dkr:state/russian-federation")
    assert row["decision"] == Decision.TAKEN.value and "state/russia" in row["note"]


def test_applied_links_carry_provenance_and_pass_validation(run_kg, unlinked_project,
                                                            wikidata_endpoint):
    assert link(run_kg, unlinked_project, wikidata_endpoint, "--apply").exit_code == 0
    path = unlinked_project / "data" / "links" / "wikidata-reconciled.ttl"
    records = read_links(path.read_bytes(), str(path))
    assert records and all(r.endpoint == wikidata_endpoint and r.score >= 0.8
                           and r.fetched_on and r.evidence for r in records)
    assert path.read_text(encoding="utf-8").startswith("# diplo-kg links found by")
    result = run_kg("--project", unlinked_project, "validate")
    assert result.exit_code == 0, result.stdout + result.stderr


def test_an_unreachable_endpoint_is_a_clear_error_and_changes_nothing(run_kg, project_copy):
    closed = f"http://127.0.0.1:{free_port()}/query"
    links_dir = project_copy / "data" / "links"
    before = {p.name: p.read_bytes() for p in links_dir.iterdir()}
    result = link(run_kg, project_copy, closed, "--apply")
    assert result.exit_code == 2
    assert f"cannot reach the SPARQL endpoint {closed}" in result.stderr
    assert "nothing was written" in result.stderr
    assert {p.name: p.read_bytes() for p in links_dir.iterdir()} == before
    assert not (project_copy / "build" / "wikidata-review.csv").exists()
    check = run_kg("--project", project_copy, "link", "check", "--endpoint", closed,
                   "--retries", "0", "--cache", project_copy / "build" / "cache")
    assert check.exit_code == 2 and "cannot reach" in check.stderr


def test_the_review_file_must_be_csv(run_kg, project_copy, wikidata_endpoint):
    result = link(run_kg, project_copy, wikidata_endpoint, "--review", "out.xlsx")
    assert result.exit_code == 2 and "must end in .csv" in result.stderr


def test_check_reports_missing_items_labels_types_and_membership_dates(run_kg, project_copy,
                                                                       wikidata_endpoint):
    (project_copy / "data" / "extra-actors.ttl").write_text(EXTRA_ACTORS, encoding="utf-8")
    (project_copy / "data" / "links" / "extra.ttl").write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        f"<{R}state/georgia> skos:exactMatch <{WD}Q99000101> .\n"
        f"<{R}city/washington> skos:exactMatch <{WD}Q1223> .\n"
        f"<{R}person/sergey-lavrov> skos:exactMatch <{WD}Q99000999> .\n", encoding="utf-8")
    result = run_kg("--project", project_copy, "link", "check", "--endpoint",
                    wikidata_endpoint, "--cache", project_copy / "build" / "cache",
                    "--format", "csv")
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    found = {(r["check"], r["entity"][len(R):], r["qid"]) for r in rows}
    assert ("label", "state/georgia", "Q99000101") in found
    assert ("type", "city/washington", "Q1223") in found
    assert ("exists", "person/sergey-lavrov", "Q99000999") in found
    albania = next(r for r in rows if r["entity"] == f"{R}membership/albania-nato")
    assert (albania["ours"], albania["wikidata"]) == ("2009-04-01/", "2009-04-02/")
    agreeing = ("state/russia", "org/nato", "city/brussels", "state/china",
                "membership/belgium-nato", "membership/germany-nato")
    assert not [r for r in rows if r["entity"][len(R):] in agreeing]
    assert "membership(s)" in result.stderr


def test_exports_carry_the_links_as_skos_exact_match(run_kg, unlinked_project,
                                                     wikidata_endpoint):
    assert link(run_kg, unlinked_project, wikidata_endpoint, "--apply").exit_code == 0
    turtle = run_kg("--project", unlinked_project, "export", "--format", "ntriples").stdout
    assert (f"<{R}state/georgia> <http://www.w3.org/2004/02/skos/core#exactMatch> "
            f"<{WD}Q230> .") in turtle
    assert "owl#sameAs" not in turtle
    jsonld = run_kg("--project", unlinked_project, "export", "--format", "jsonld").stdout
    assert "Q230" in jsonld
    reasoned = with_inferences(load_project(Project(unlinked_project)))
    inferred = reasoned.store.query(
        "SELECT ?s WHERE { GRAPH <https://w3id.org/diplo-kg/graph/inferred> { ?s ?p ?o } "
        f"FILTER STRSTARTS(STR(?s), \"{WD}\") }}")
    assert not list(inferred), "OWL RL must not copy triples onto Wikidata items"


def test_the_federated_query_is_marked_as_needing_the_network():
    text = (ROOT / "queries" / "wikidata-labels.rq").read_text(encoding="utf-8")
    assert "# requires: network" in text.splitlines()
    assert "SERVICE <https://query.wikidata.org/sparql>" in text


def test_the_federated_query_on_both_engines_against_the_fixture(loaded, wikidata_endpoint):
    query = load_catalog(ROOT / "queries")["wikidata-labels"]
    local = query.__class__(**{**query.__dict__, "text": query.text.replace(
        "https://query.wikidata.org/sparql", wikidata_endpoint)})
    fast = run_named_query(local, {}, OxigraphEngine(loaded.store))
    reference = run_named_query(local, {}, RdflibEngine(dataset_from_store(loaded.store)))
    expected = [("Belgium", "Q31", "Belgique")]
    for table in (fast, reference):
        assert [(r["label"].value, r["qid"].value, r["name"].value)
                for r in table.records()] == expected


@pytest.mark.skipif(os.environ.get("KG_ONLINE") != "1",
                    reason="needs the network: set KG_ONLINE=1 to query Wikidata")
def test_the_federated_query_online(oxigraph):
    query = load_catalog(ROOT / "queries")["wikidata-labels"]
    rows = run_named_query(query, {}, oxigraph).records()
    assert any(r["qid"].value == "Q31" for r in rows)
