"""One test per competency question (shared/reference/competency-questions.md), each asserting
the expected answer exactly, through the named query that answers it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kg.queries import load_catalog, run_named_query

ROOT = Path(__file__).resolve().parents[1]
R = "https://w3id.org/diplo-kg/resource/"
NATO_MEMBERS_2021 = {
    "Albania", "Belgium", "Bulgaria", "Canada", "Croatia", "Czech Republic", "Denmark",
    "Estonia", "France", "Germany", "Greece", "Hungary", "Iceland", "Italy", "Latvia",
    "Lithuania", "Luxembourg", "Montenegro", "Netherlands", "North Macedonia", "Norway",
    "Poland", "Portugal", "Romania", "Slovakia", "Slovenia", "Spain", "Turkey",
    "United Kingdom", "United States"}


@pytest.fixture(scope="module")
def ask(oxigraph):
    catalog = load_catalog(ROOT / "queries")

    def run(name: str, **params: str) -> list[dict[str, str]]:
        table = run_named_query(catalog[name], params, oxigraph)
        return [{k: t.value for k, t in record.items()} for record in table.records()]

    return run


def by_status(rows):
    statuses: dict[str, set[str]] = {}
    for row in rows:
        statuses.setdefault(row["status"], set()).add(row["channel"].removeprefix(R))
    return statuses


def test_cq01_channels_in_force_on_2021_11_02(ask):
    rows = ask("channels-as-of", a="Russia", b="NATO", date="2021-11-02")
    in_force = [r for r in rows if r["status"] == "in force"]
    bilateral = {r["viaLabel"] for r in in_force if r["kind"] == "bilateral relations"}
    assert bilateral == NATO_MEMBERS_2021
    assert {r["channel"].removeprefix(R) for r in in_force if "via" not in r} == {
        "channel/russia-nato-conduit"}
    assert len(in_force) == 31
    statuses = by_status(rows)
    assert statuses["uncertain"] == {"channel/russia-nato-permanent-mission"}
    assert statuses["dormant"] == {"channel/nato-russia-council"}
    assert statuses["ended"] == {"channel/russia-nato-military-liaison-mission",
                                 "channel/russia-nato-information-office",
                                 "channel/russia-nato-military-contacts"}


def test_cq01_the_conduit_is_russias_embassy_in_brussels(ask, oxigraph):
    rows = oxigraph.select(
        f"SELECT ?mission ?seat WHERE {{ <{R}channel/russia-nato-conduit> dk:realisedBy ?mission ."
        f" ?mission dk:sender <{R}state/russia> ; dk:seat ?seat }}", {}).records()
    assert [(r["mission"].value, r["seat"].value) for r in rows] == [
        (R + "mission/russia-to-belgium", R + "city/brussels")]


def test_cq02_channels_that_ended_around_2021_11_01(ask):
    rows = ask("channels-ended-between", a="Russia", b="NATO", **{"from": "2021-10-25",
                                                                  "to": "2021-11-08"})
    got = {r["channel"].removeprefix(R): (r["endedBy"].removeprefix(R), r["announced"],
                                          r["effective"], r["paragraphs"]) for r in rows}
    assert got == {
        "channel/russia-nato-permanent-mission": (
            "action/2021-10-18-russia-suspends-mission-to-nato", "2021-10-18",
            "2021-11-01/..", got["channel/russia-nato-permanent-mission"][3]),
        "channel/russia-nato-military-liaison-mission": (
            "action/2021-10-18-russia-withdraws-nato-liaison-credentials", "2021-10-18",
            "2021-11-01", "4"),
        "channel/russia-nato-information-office": (
            "action/2021-10-18-russia-terminates-nato-information-office", "2021-10-18",
            "2021-11-01", "4"),
    }
    assert {"4", "9", "10"} <= set(got["channel/russia-nato-permanent-mission"][3].split(", "))


def test_cq03_channels_in_force_on_2021_10_01(ask):
    rows = ask("channels-as-of", a="Russia", b="NATO", date="2021-10-01")
    statuses = by_status(rows)
    assert {"channel/russia-nato-permanent-mission",
            "channel/russia-nato-military-liaison-mission",
            "channel/russia-nato-information-office",
            "channel/russia-belgium-relations"} <= statuses["in force"]
    assert len(statuses["in force"]) == 33
    assert "channel/russia-nato-conduit" not in {c for s in statuses.values() for c in s}
    assert statuses["ended"] == {"channel/russia-nato-military-contacts"}
    military = next(r for r in rows if r["channel"].endswith("russia-nato-military-contacts"))
    assert military["end"] == "2014-04-01"
    assert "uncertain" not in statuses


def test_cq04_who_announced_the_break_in_what_role_and_when(ask):
    rows = ask("announcements", agent="Russia")
    assert len(rows) == 1
    row = rows[0]
    assert (row["targetLabel"], row["announcerLabel"], row["role"], row["date"]) == (
        "North Atlantic Treaty Organization", "Sergey Lavrov", "Foreign Minister of Russia",
        "2021-10-18")
    assert {"1", "4"} <= set(row["paragraphs"].split(", "))


def test_cq05_eight_diplomats_ordered_out_of_belgium(ask):
    rows = ask("expulsions", target="Russia")
    assert len(rows) == 1
    row = rows[0]
    assert (row["agentLabel"], row["count"], row["territoryLabel"], row["deadline"]) == (
        "North Atlantic Treaty Organization", "8", "Belgium", "2021-11-01")
    assert "intelligence officers" in row["reason"]
    assert "8" in row["paragraphs"].split(", ")


def test_cq06_russias_move_responds_to_the_expulsion_and_the_cut(ask):
    rows = ask("retaliation-chain", action="dkr:action/2021-10-18-russia-suspends-mission-to-nato")
    assert {(r["direction"], r["link"].removeprefix(R)) for r in rows} == {
        ("responds to", "action/2021-10-06-nato-expels-eight"),
        ("responds to", "action/2021-10-06-nato-cuts-russian-mission-to-ten")}


def test_cq06_the_chain_is_followed_from_the_other_end(ask):
    rows = ask("retaliation-chain", action="dkr:action/2021-10-06-nato-expels-eight")
    answered = {r["link"].removeprefix(R) for r in rows if r["direction"] == "answered by"}
    assert "action/2021-10-18-russia-suspends-mission-to-nato" in answered


def test_cq07_the_mission_leaves_by_1_november_or_a_few_days_after(ask):
    rows = ask("mission-details", sender="Russia")
    mission = next(r for r in rows if r["mission"] == R + "mission/russia-to-nato")
    assert mission["end"] == "2021-11-01/.."
    assert "9" in mission["paragraphs"].split(", ")


def test_cq08_lavrov_met_stoltenberg_in_new_york(ask):
    rows = ask("meetings", person="Sergey Lavrov")
    assert [(r["otherLabel"], r["otherRole"], r["placeLabel"], r["date"]) for r in rows] == [
        ("Jens Stoltenberg", "Secretary General of NATO", "New York City", "2021-09-22")]
    assert "13" in rows[0]["paragraphs"].split(", ")


def test_cq09_lungescu_spoke_for_nato(ask):
    rows = ask("claims-by-speaker", speaker="NATO")
    lungescu = [r for r in rows if r.get("speakerLabel") == "Oana Lungescu"]
    assert len(lungescu) == 1
    claim = lungescu[0]
    assert claim["date"] == "2021-10-18" and claim["paragraphs"] == "5"
    assert "official communication" in claim["quotation"]
    assert claim["contradicts"] == R + "claim/2021-10-18-lavrov-nato-was-informed"


def test_cq10_moscow_dismantled_the_warsaw_pact(ask):
    rows = ask("alliance-dissolutions")
    assert [(r["allianceLabel"], r["dissolved"], r["founded"]) for r in rows] == [
        ("Warsaw Pact", "1991-07-01", "1955-05-14")]
    assert "17" in rows[0]["paragraphs"].split(", ")


@pytest.mark.parametrize("date, count", [("2021-11-01", 30), ("2024-04-01", 32),
                                         ("1949-08-24", 12), ("2023-04-04", 31)])
def test_cq11_nato_membership_on_a_date(ask, date, count):
    rows = ask("members-on-date", organization="NATO", date=date)
    assert len(rows) == count
    if date == "2021-11-01":
        assert {r["memberLabel"] for r in rows} == NATO_MEMBERS_2021


def test_cq12_nato_offices_at_the_belgian_embassy(ask):
    rows = ask("mission-details", sender="NATO")
    got = {r["mission"].removeprefix(R): (r["hostLabel"], r["start"]) for r in rows}
    assert got == {
        "mission/nato-information-office-moscow": ("Embassy of Belgium in Moscow", "2000-12-15"),
        "mission/nato-military-liaison-mission-moscow": ("Embassy of Belgium in Moscow",
                                                          "2002-05-27")}


def test_cq13_every_action_and_claim_from_the_report_cites_a_paragraph(ask):
    rows = ask("report-citations")
    assert len(rows) >= 50
    assert all(r.get("paragraphs") for r in rows), [r["item"] for r in rows
                                                     if not r.get("paragraphs")]
    cited = {int(p) for r in rows for p in r["paragraphs"].split(", ")}
    assert cited == set(range(1, 22)), "every paragraph of the report yields some fact"


def test_cq14_wikidata_links_are_exactly_the_verified_qids(ask):
    rows = ask("wikidata-links")
    linked = {(r["entity"], r["qid"]) for r in rows}
    with (ROOT / "data" / "links" / "verified-qids.csv").open(newline="") as stream:
        verified = {(row["entity"], row["qid"]) for row in csv.DictReader(stream)}
    assert linked == verified
    assert {(R + "state/russia", "Q159"), (R + "org/nato", "Q7184"),
            (R + "state/belgium", "Q31"), (R + "org/warsaw-pact", "Q41644"),
            (R + "state/netherlands", "Q55")} <= linked


def test_cq15_nato_actions_against_russias_mission_in_date_order(ask):
    rows = ask("actions-against", agent="NATO", target="Russia")
    assert [(r["date"], r["action"].removeprefix(R)) for r in rows] == [
        ("2014-04-01", "action/2014-04-01-nato-suspends-cooperation-with-russia"),
        ("2014-04-08", "action/2014-04-08-nato-restricts-hq-access"),
        ("2015-04-01", "action/2015-04-nato-cuts-russian-mission-to-thirty"),
        ("2018-03-27", "action/2018-03-27-nato-cuts-russian-mission-to-twenty"),
        ("2021-10-06", "action/2021-10-06-nato-cuts-russian-mission-to-ten"),
        ("2021-10-06", "action/2021-10-06-nato-expels-eight")]
    caps = [(r.get("capBefore"), r.get("capAfter")) for r in rows]
    assert caps[2:5] == [(None, "30"), ("30", "20"), ("20", "10")]
