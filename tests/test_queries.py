"""The named query catalog: headers, engine parity, independence from inference, output formats,
and the expected rows of the general queries."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rdflib.plugins.sparql.results.jsonresults import JSONResultParser

from kg.engines import OxigraphEngine
from kg.queries import load_catalog, run_named_query

ROOT = Path(__file__).resolve().parents[1]
CATALOG = load_catalog(ROOT / "queries")
LOCAL = sorted(name for name, query in CATALOG.items() if not query.needs_network)
R = "https://w3id.org/diplo-kg/resource/"


def test_the_catalog_is_not_empty_and_every_query_is_documented():
    assert len(CATALOG) >= 16
    for query in CATALOG.values():
        assert query.title and query.description, query.name
        for parameter in query.parameters:
            assert parameter.default is not None and parameter.description, \
                (query.name, parameter.name)


def test_only_the_federated_example_needs_the_network():
    assert sorted(set(CATALOG) - set(LOCAL)) == ["wikidata-labels"]
    assert "SERVICE <https://query.wikidata.org/sparql>" in CATALOG["wikidata-labels"].text


def test_every_named_query_is_exercised_by_a_test():
    tests = "".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py"))
    missing = [name for name in CATALOG if f'"{name}"' not in tests]
    assert not missing


@pytest.mark.parametrize("name", LOCAL)
def test_oxigraph_and_rdflib_give_identical_results(name, oxigraph, rdflib_engine):
    query = CATALOG[name]
    fast = run_named_query(query, {}, oxigraph)
    reference = run_named_query(query, {}, rdflib_engine)
    assert fast.variables == reference.variables
    assert fast.rows == reference.rows
    assert fast.rows, f"{name} returns no rows with its defaults"


@pytest.mark.parametrize("name", LOCAL)
def test_answers_do_not_depend_on_the_inferred_graph(name, oxigraph, reasoned):
    query = CATALOG[name]
    assert run_named_query(query, {}, OxigraphEngine(reasoned.store)) == \
        run_named_query(query, {}, oxigraph)


def test_json_output_is_sparql_results_json(run_kg, project):
    result = run_kg("--project", project.root, "query", "channels-as-of", "--param", "a=Q159",
                    "--param", "b=NATO", "--param", "date=2021-11-02", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["head"]["vars"][0] == "status"
    parsed = JSONResultParser().parse(io.StringIO(result.stdout))
    assert len(parsed.bindings) == len(document["results"]["bindings"]) == 36


def test_csv_and_tsv_outputs_follow_the_w3c_formats(run_kg, project):
    result = run_kg("--project", project.root, "query", "members-on-date", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 30 and rows[0]["member"].startswith("https://")
    assert b"\r\n" in result.stdout_bytes
    tsv = run_kg("--project", project.root, "query", "members-on-date", "--format", "tsv").stdout
    header, first = tsv.splitlines()[:2]
    assert header.split("\t")[0] == "?member"
    assert first.split("\t")[0].startswith("<https://")


def test_a_query_file_can_be_run_by_path(run_kg, project, tmp_path):
    path = tmp_path / "count.rq"
    path.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s a dk:Expulsion }\n")
    result = run_kg("--project", project.root, "query", path, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1] == "1"


def test_queries_command_lists_parameters(run_kg, project):
    result = run_kg("--project", project.root, "queries", "--format", "json")
    listing = {q["name"]: q for q in json.loads(result.stdout)}
    assert set(listing) == set(CATALOG)
    assert [p["name"] for p in listing["channels-as-of"]["parameters"]] == ["a", "b", "date"]


def test_timeline_between_nato_and_russia(oxigraph):
    rows = run_named_query(CATALOG["timeline"], {"a": "NATO", "b": "Russia"}, oxigraph).records()
    actions = [r["action"].value.removeprefix(R) for r in rows]
    assert actions.index("action/2014-04-01-nato-suspends-cooperation-with-russia") < \
        actions.index("action/2021-10-06-nato-expels-eight") < \
        actions.index("action/2021-10-18-russia-suspends-mission-to-nato")
    dates = [r["date"].value for r in rows]
    assert dates == sorted(dates)
    agents = {r["agentLabel"].value for r in rows}
    assert agents == {"North Atlantic Treaty Organization", "Russia"}


def test_contested_claims_include_whether_nato_was_informed(oxigraph):
    rows = run_named_query(CATALOG["contested-claims"], {}, oxigraph).records()
    pairs = {(r["claim"].value.removeprefix(R), r["otherClaim"].value.removeprefix(R))
             for r in rows}
    assert ("claim/2021-10-18-lavrov-nato-was-informed",
            "claim/2021-10-18-lungescu-no-official-communication") in pairs
    assert all(a < b for a, b in pairs), "each pair is listed once"


def test_claims_by_lavrov(oxigraph):
    rows = run_named_query(CATALOG["claims-by-speaker"], {"speaker": "Sergey Lavrov"},
                           oxigraph).records()
    assert len(rows) >= 10
    assert {r["speakerLabel"].value for r in rows} == {"Sergey Lavrov"}
    assert all(r["paragraphs"].value for r in rows)


def test_channels_for_other_actors_through_membership(oxigraph):
    """The as-of query works for any pair: Russia and Belgium share relations and an embassy."""
    rows = run_named_query(CATALOG["channels-as-of"],
                           {"a": "Belgium", "b": "Russia", "date": "2021-11-02"},
                           oxigraph).records()
    assert {r["channel"].value.removeprefix(R) for r in rows} >= {
        "channel/russia-belgium-relations"}


def test_paragraph_facts_of_paragraph_8(oxigraph):
    rows = run_named_query(CATALOG["paragraph-facts"], {"paragraph": "8"}, oxigraph).records()
    items = {r["item"].value.removeprefix(R) for r in rows}
    assert {"action/2021-10-06-nato-expels-eight",
            "action/2021-10-06-nato-cuts-russian-mission-to-ten"} <= items


def test_post_holders_on_the_day_of_the_report(oxigraph):
    rows = run_named_query(CATALOG["post-holders"], {"date": "2021-10-18"}, oxigraph).records()
    held = {(r["personLabel"].value, r["postLabel"].value) for r in rows}
    assert ("Sergey Lavrov", "Foreign Minister of Russia") in held
    assert ("Dmitry Rogozin", "Director General of Roscosmos") in held
    assert not any(person == "Donald Trump" for person, _ in held)
    before = run_named_query(CATALOG["post-holders"], {"date": "2010-01-01"}, oxigraph).records()
    assert {(r["personLabel"].value, r["postLabel"].value) for r in before} == {
        ("Dmitry Rogozin", "Permanent Representative of Russia to NATO")}


def test_serbia_is_a_russian_ally(oxigraph):
    rows = run_named_query(CATALOG["alignments"], {"actor": "Serbia"}, oxigraph).records()
    assert [(r["otherLabel"].value, r["kind"].value, r["paragraphs"].value) for r in rows] == [
        ("Russia", "ally", "18")]


def test_actions_in_october_2021(oxigraph):
    rows = run_named_query(CATALOG["actions-in-period"],
                           {"from": "2021-10-01", "to": "2021-10-31"}, oxigraph).records()
    dated = [r for r in rows if not r["date"].value.startswith("by ")]
    assert len(dated) == 7
    assert {r["date"].value for r in dated} == {"2021-10-06", "2021-10-18"}


def test_claims_about_the_announcement_include_both_sides(oxigraph):
    rows = run_named_query(CATALOG["claims-about"], {}, oxigraph).records()
    speakers = {r["speakerLabel"].value for r in rows}
    assert {"Sergey Lavrov", "Oana Lungescu", "(no speaker)"} <= speakers


def test_memberships_of_russia_tolerate_unknown_starts(oxigraph):
    rows = run_named_query(CATALOG["memberships-of"], {"actor": "Russia"}, oxigraph).records()
    assert {r["organizationLabel"].value for r in rows} >= {
        "Collective Security Treaty Organization", "Shanghai Cooperation Organisation"}
    assert all(r["start"].value for r in rows)


def test_post_history_of_russias_envoy_to_nato(oxigraph):
    rows = run_named_query(CATALOG["post-history"], {}, oxigraph).records()
    assert [(r["personLabel"].value, r["start"].value, r["end"].value) for r in rows] == [
        ("Dmitry Rogozin", "2008-01-10", "2011-12-23")]


def test_ended_channels_say_why_and_what_they_answered(oxigraph):
    rows = run_named_query(CATALOG["channels-ended-between"], {}, oxigraph).records()
    mission = next(r for r in rows if r["channel"].value.endswith("russia-nato-permanent-mission"))
    assert "diplomatic work" in mission["reason"].value
    assert mission["inResponseTo"].value == (
        "NATO cuts Russia's mission from 20 to 10 (2021); "
        "NATO expels eight members of Russia's mission")


def test_undated_context_actions_appear_with_their_upper_bound(oxigraph):
    rows = run_named_query(CATALOG["actions-in-period"],
                           {"from": "2017-01-01", "to": "2021-12-31"}, oxigraph).records()
    by_dates = [r["date"].value for r in rows if r["date"].value.startswith("by ")]
    assert by_dates, "actions known only by an upper bound are listed"


def test_a_persistent_store_gives_the_same_answers(run_kg, project, tmp_path):
    store = tmp_path / "store"
    args = ("--project", project.root, "query", "members-on-date", "--format", "csv")
    in_memory = run_kg(*args)
    on_disk = run_kg(*args, "--store", store)
    assert on_disk.exit_code == 0, on_disk.stderr
    assert on_disk.stdout == in_memory.stdout
    assert store.is_dir() and any(store.iterdir())
