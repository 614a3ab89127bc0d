"""The channel index (kg/channel_index.py): `channels-as-of` gives the same rows with it and
without it, on the real data and on generated data; the index covers every kind of party;
the server drops and rebuilds it around each update; pages and exports leave it out."""

from __future__ import annotations

import json
import random
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph
import pytest

from conftest import copy_project
from kg.channel_index import (CHANNEL, ENTRY, INDEX_GRAPH, PAIRED_WITH, PAIRING, VERSION,
                              build_channel_index, drop_channel_index, ensure_channel_index,
                              has_channel_index)
from kg.engines import OxigraphEngine
from kg.generate import BenchmarkActors, write_ntriples
from kg.errors import InputError
from kg.namespaces import DKG, DKR, PREFIXES
from kg.pipeline import load_project
from kg.project import Project
from kg.queries import load_catalog, parse_named_query, run_named_query
from kg.remote import remote_dataset
from kg.server.entity import describe_entity
from kg.server.runner import running_server
from kg.server.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DK = PREFIXES["dk"]
ACTORS = BenchmarkActors()
AS_OF = load_catalog(ROOT / "queries")["channels-as-of"]
DATES = ("1990-01-01", "2014-03-01", "2021-10-01", "2021-11-01", "2021-11-02", "2022-03-01",
         "2024-06-01")


def copied_store(store: pyoxigraph.Store) -> pyoxigraph.Store:
    copy = pyoxigraph.Store()
    copy.extend(store)
    return copy


def as_of_rows(store: pyoxigraph.Store, a: str, b: str, date: str) -> list:
    """The rows in the query's order (the index sorts on a rank of its own: same order)."""
    table = run_named_query(AS_OF, {"a": a, "b": b, "date": date}, OxigraphEngine(store))
    return [tuple(t.to_ntriples() if t else "" for t in row) for row in table.rows]


@pytest.fixture(scope="module")
def real_stores(loaded):
    with_index = copied_store(loaded.store)
    build_channel_index(with_index)
    return loaded.store, with_index


def actors_of(store: pyoxigraph.Store) -> list[str]:
    rows = store.query("SELECT DISTINCT ?x WHERE { ?c dk:party ?x } ORDER BY ?x",
                       prefixes=dict(PREFIXES), use_default_graph_as_union=True)
    return [row["x"].value for row in rows]


def cases_for(store: pyoxigraph.Store, chooser: random.Random, count: int) -> list[tuple]:
    """Pairs that share a channel (in both orders), actors with an organization that has
    members, and random pairs; each on a random date around the channel's dates."""
    shared = [(r["x"].value, r["y"].value) for r in store.query(
        "SELECT DISTINCT ?x ?y WHERE { ?c dk:party ?x , ?y FILTER(?x != ?y) } ORDER BY ?x ?y",
        prefixes=dict(PREFIXES), use_default_graph_as_union=True)]
    organizations = [r["o"].value for r in store.query(
        "SELECT DISTINCT ?o WHERE { ?m org:organization ?o } ORDER BY ?o",
        prefixes=dict(PREFIXES), use_default_graph_as_union=True)]
    actors = actors_of(store)
    cases = []
    for _ in range(count):
        kind = chooser.randrange(3)
        if kind == 0:
            a, b = chooser.choice(shared)
        elif kind == 1:
            a, b = chooser.choice(actors), chooser.choice(organizations)
        else:
            a, b = chooser.choice(actors), chooser.choice(actors)
        cases.append((a, b, f"{chooser.randint(1995, 2025)}-{chooser.randint(1, 12):02d}-01"))
    return cases


def cases_with_rows_alike(without: pyoxigraph.Store, with_index: pyoxigraph.Store,
                          cases: list[tuple]) -> int:
    """Asserts that each case gives the same rows in both stores; returns how many had rows."""
    found = 0
    for a, b, date in cases:
        rows = as_of_rows(without, a, b, date)
        assert as_of_rows(with_index, a, b, date) == rows, (a, b, date)
        found += bool(rows)
    return found


def test_same_rows_with_and_without_the_index_on_the_real_data(real_stores):
    without, with_index = real_stores
    assert not has_channel_index(without) and has_channel_index(with_index)
    cases = [(DKR + "state/russia", DKR + "org/nato", date) for date in DATES]
    cases += cases_for(without, random.Random(1), 300)
    assert cases_with_rows_alike(without, with_index, cases) >= 60


def test_same_rows_with_and_without_the_index_on_generated_data(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("indexed"))
    write_ntriples(root / "data" / "generated.nt", triples=20000, seed=7)
    without = load_project(Project(root)).store
    with_index = copied_store(without)
    build_channel_index(with_index)
    cases = [(ACTORS.top_state, ACTORS.top_organization, ACTORS.date),
             (ACTORS.top_organization, ACTORS.top_state, ACTORS.date)]
    cases += cases_for(without, random.Random(7), 300)
    assert cases_with_rows_alike(without, with_index, cases) >= 60


def node(value: str):
    return pyoxigraph.BlankNode(value[2:]) if value.startswith("_:") else \
        pyoxigraph.NamedNode(value)


def index_triples(store: pyoxigraph.Store) -> set[tuple[str, str, str]]:
    graph = pyoxigraph.NamedNode(INDEX_GRAPH)
    names = {PAIRING: "pairing", PAIRED_WITH: "pairedWith", ENTRY: "entry", CHANNEL: "channel"}
    found = set()
    for quad in store.quads_for_pattern(None, None, None, graph):
        if quad.predicate in names:
            found.add((str(quad.subject), names[quad.predicate], str(quad.object)))
    return found


def test_every_ordered_pair_of_parties_is_indexed_blank_nodes_too_literals_never():
    store = pyoxigraph.Store()
    party = pyoxigraph.NamedNode(DK + "party")
    data = pyoxigraph.NamedNode(DKR + "graph/a")
    other = pyoxigraph.NamedNode(DKR + "graph/b")
    x, y, z = node("http://e/x"), node("_:y"), node("http://e/z")
    store.add(pyoxigraph.Quad(node("http://e/c1"), party, x, data))
    store.add(pyoxigraph.Quad(node("http://e/c1"), party, y, other))  # parties in two graphs
    store.add(pyoxigraph.Quad(node("_:c2"), party, x, data))
    store.add(pyoxigraph.Quad(node("_:c2"), party, z, data))
    store.add(pyoxigraph.Quad(node("_:c2"), party, pyoxigraph.Literal("not an actor"), data))
    label = pyoxigraph.NamedNode(PREFIXES["rdfs"] + "label")
    kind = node("http://e/Hotline")
    store.add(pyoxigraph.Quad(kind, node(PREFIXES["rdfs"] + "subClassOf"), node(DK + "Channel"),
                              data))
    store.add(pyoxigraph.Quad(kind, label, pyoxigraph.Literal("hotline"), data))
    for channel in (node("http://e/c1"), node("_:c2")):  # shown: with a kind and a label
        store.add(pyoxigraph.Quad(channel, node(PREFIXES["rdf"] + "type"), kind, data))
        store.add(pyoxigraph.Quad(channel, label, pyoxigraph.Literal("line"), data))
    assert build_channel_index(store) == 4  # x-y, y-x, x-z, z-x
    triples = index_triples(store)
    pairings = {(s, o) for s, p, o in triples if p == "pairing"}
    assert {s for s, _ in pairings} == {str(x), str(y), str(z)}
    by_pair = {}
    for s, p, o in triples:
        by_pair.setdefault(s, {}).setdefault(p, set()).add(o)
    shared = {(first, next(iter(by_pair[pair]["pairedWith"]))):
              {channel for summary in by_pair[pair]["entry"]
               for channel in by_pair[summary]["channel"]} for first, pair in pairings}
    assert shared == {(str(x), str(y)): {"<http://e/c1>"}, (str(y), str(x)): {"<http://e/c1>"},
                      (str(x), str(z)): {str(node("_:c2"))},
                      (str(z), str(x)): {str(node("_:c2"))}}
    # Built again, it replaces itself and does not read its own graph.
    assert build_channel_index(store) == 4 and index_triples(store) == triples
    drop_channel_index(store)
    assert not has_channel_index(store) and not index_triples(store)


def test_the_query_reads_the_graph_and_version_the_index_is_built_with():
    assert AS_OF.reads_channel_index
    assert f'<{INDEX_GRAPH}> idx:version "{VERSION}"' in AS_OF.text
    assert "PREFIX idx: <https://w3id.org/diplo-kg/index#>" in AS_OF.text


def test_a_read_only_store_without_the_index_is_queried_without_it(tmp_path, project):
    folder = tmp_path / "store"
    writable = pyoxigraph.Store(str(folder))
    writable.extend(load_project(project).store)
    writable.flush()
    del writable
    read_only = pyoxigraph.Store.read_only(str(folder))
    assert ensure_channel_index(read_only) is False and not has_channel_index(read_only)
    table = run_named_query(AS_OF, {}, OxigraphEngine(read_only))
    assert "in force" in table.values("status") and "ended" in table.values("status")


def test_entity_pages_leave_the_index_out(real_stores):
    _, with_index = real_stores
    facts = describe_entity(DKR + "state/russia", OxigraphEngine(with_index))
    shown = [s.predicate for s in facts.properties + facts.incoming]
    assert shown and not any(p.startswith("https://w3id.org/diplo-kg/index#") for p in shown)


NEW_CHANNEL = DKR + "channel/test-hotline"
UPDATE = f"""INSERT DATA {{ GRAPH <urn:test:update> {{
  <{NEW_CHANNEL}> a dk:ConduitChannel ; rdfs:label "Test hotline"@en ;
      dk:party <{DKR}state/russia> , <{DKR}org/nato> ; dk:startDate "2021-10-20"^^xsd:date .
}} }}"""


def named_rows(url: str) -> list[dict]:
    query = urllib.parse.urlencode({"a": "Russia", "b": "NATO", "date": "2021-11-02"})
    with urllib.request.urlopen(f"{url}/api/queries/channels-as-of?{query}", timeout=30) as r:
        bindings = json.loads(r.read())["results"]["bindings"]
    return [{k: v["value"] for k, v in b.items()} for b in bindings]


def index_is_served(url: str) -> bool:
    ask = urllib.parse.urlencode({"query": f"ASK {{ GRAPH <{INDEX_GRAPH}> {{ ?s ?p ?o }} }}"})
    request = urllib.request.Request(f"{url}/sparql?{ask}",
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["boolean"]


def test_the_server_rebuilds_the_index_around_each_update(project):
    settings = Settings(timeout=20, update_token="s3cret", workers=1)
    with running_server(project, settings) as running:
        assert index_is_served(running.url)
        before = named_rows(running.url)
        assert before and not any(r["channelLabel"] == "Test hotline" for r in before)
        for text in (UPDATE, "INSERT DATA { <urn:bad> }"):  # the second one fails to parse
            request = urllib.request.Request(
                running.url + "/sparql", data=text.encode(), method="POST",
                headers={"Content-Type": "application/sparql-update",
                         "Authorization": "Bearer s3cret"})
            try:
                urllib.request.urlopen(request, timeout=30).close()
            except urllib.error.HTTPError as error:
                assert error.code == 400
            assert index_is_served(running.url)
            after = named_rows(running.url)
            added = [r for r in after if r["channelLabel"] == "Test hotline"]
            assert [r["status"] for r in added] == ["in force"]
            assert len(after) == len(before) + 1
        exported = remote_dataset(running.url + "/sparql")
        assert INDEX_GRAPH not in {source.graph for source in exported.files}
        assert any(source.graph == DKG + "data/actors" for source in exported.files)


def test_a_query_must_name_derived_data_kg_builds():
    with pytest.raises(InputError, match="'# reads: channel-indx' names no derived data"):
        parse_named_query("x", "# title: X\n# reads: channel-indx\nSELECT * {}")


SMALL = """
@prefix dk: <https://w3id.org/diplo-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix e: <http://e/> .
dk:Hotline rdfs:subClassOf dk:Channel ; rdfs:label "hotline"@en .
e:x a dk:Actor ; rdfs:label "X"@en . e:y a dk:Actor ; rdfs:label "Y"@en .
e:c a dk:Hotline ; rdfs:label "X-Y hotline"@en ; dk:party e:x , e:y ;
    dk:startDate "2001-01-01"^^xsd:date ; dk:endEarliest "2010-01-01"^^xsd:date ;
    dk:endedBy e:act ; dk:citesParagraph e:p2 , e:p10 ; dk:citesSource e:report .
e:act rdfs:label "Closing"@en ; dk:effectiveEarliest "2010-01-01"^^xsd:date ;
    dk:announcedOn "2009-12-01"^^xsd:date ;
    dk:respondsTo e:r1 , e:r2 ; dk:citesParagraph e:p3 .
e:r1 rdfs:label "First provocation"@en .
e:r2 rdfs:label "Second provocation"@en .
e:p2 dk:paragraphNumber 2 . e:p10 dk:paragraphNumber 10 . e:p3 dk:paragraphNumber 3 .
"""


def test_the_summary_shows_what_the_data_says_of_an_ending_open_at_one_side():
    without = pyoxigraph.Store()
    without.load(SMALL.encode(), format=pyoxigraph.RdfFormat.TURTLE,
                 to_graph=pyoxigraph.NamedNode(DKR + "graph/small"))
    with_index = copied_store(without)
    build_channel_index(with_index)
    rows = as_of_rows(with_index, "http://e/x", "http://e/y", "2011-01-01")
    assert rows == as_of_rows(without, "http://e/x", "http://e/y", "2011-01-01")
    table = run_named_query(AS_OF, {"a": "http://e/x", "b": "http://e/y", "date": "2011-01-01"},
                            OxigraphEngine(with_index))
    (row,) = [dict(zip(table.variables, (t.value if t else None for t in r))) for r in table.rows]
    assert (row["status"], row["kind"], row["end"], row["effective"]) == \
        ("uncertain", "hotline", "2010-01-01 or later", "2010-01-01 or later")
    assert row["inResponseTo"] == "First provocation; Second provocation"
    assert row["paragraphs"] == "2, 3, 10" and row["sources"] == "http://e/report"
    # Before the earliest end the ending action is not shown, with or without the index.
    earlier = run_named_query(AS_OF, {"a": "http://e/x", "b": "http://e/y",
                                      "date": "2005-01-01"}, OxigraphEngine(with_index))
    assert earlier.values("status") == ["in force"] and earlier.values("endedBy") == [None]
    assert as_of_rows(without, "http://e/x", "http://e/y", "2005-01-01") == \
        as_of_rows(with_index, "http://e/x", "http://e/y", "2005-01-01")


def test_with_the_index_the_branch_for_stores_without_it_is_left_out():
    indexed = AS_OF.text_for(channel_index=True)
    assert "idx:entry" in indexed and "GROUP BY" not in indexed
    assert "GROUP BY" in AS_OF.text_for(channel_index=False) == AS_OF.text
    engine = OxigraphEngine(pyoxigraph.Store())
    assert not engine.sees_channel_index()
    build_channel_index(engine.store)
    assert engine.sees_channel_index()
    assert not OxigraphEngine(engine.store, graphs=[DKG + "data/actors"]).sees_channel_index()


@pytest.mark.parametrize("text, message", [
    ("# title: X\nSELECT * {\n# without-index: from here\n}\n# without-index: to here\n",
     "only applies to a query that reads the channel index"),
    ("# title: X\n# reads: channel-index\nSELECT * {\n# without-index: to here\n}\n",
     "does not pair"),
    ("# title: X\n# reads: channel-index\nSELECT * {\n# without-index: from here\n}\n",
     "is never closed"),
])
def test_marks_for_stores_without_the_index_must_pair(text, message):
    with pytest.raises(InputError, match=message):
        parse_named_query("x", text)


ODD = SMALL + """
e:c dk:citesParagraph e:unnumbered .
e:act rdfs:label "Schliessung"@de , "Fermeture"@fr ; dk:respondsTo e:unlabelled ;
    dk:citesSource [ rdfs:label "a source with no IRI" ] .
e:d a dk:Hotline ; rdfs:label "X-Y line" ; dk:party e:x , e:y ;
    dk:startDate "2002-01-01"^^xsd:date .
e:Line rdfs:subClassOf dk:Channel ; rdfs:label "hot" .
e:d a e:Line ; rdfs:label "line X-Y" .
"""


def test_same_rows_in_the_same_order_on_odd_data():
    """Labels in several languages (rows alike but for them), a cited paragraph without a
    number, an unlabelled provocation, a source without an IRI (GROUP_CONCAT gives nothing for
    those), and kinds and labels whose words could run together ("hot" + "line X-Y" and
    "hotline" + "X-Y line" are two summaries)."""
    without = pyoxigraph.Store()
    without.load(ODD.encode(), format=pyoxigraph.RdfFormat.TURTLE,
                 to_graph=pyoxigraph.NamedNode(DKR + "graph/odd"))
    with_index = copied_store(without)
    build_channel_index(with_index)
    for date in ("2005-01-01", "2011-01-01"):
        rows = as_of_rows(without, "http://e/x", "http://e/y", date)
        assert as_of_rows(with_index, "http://e/x", "http://e/y", date) == rows
    assert len(rows) == 3 + 4  # e:c: 3 labels of its ending action; e:d: 2 kinds x 2 labels
    table = run_named_query(AS_OF, {"a": "http://e/x", "b": "http://e/y", "date": "2011-01-01"},
                            OxigraphEngine(with_index))
    assert table.values("endedByLabel")[-3:] == ["Closing", "Fermeture", "Schliessung"]
    assert set(table.values("inResponseTo")) == {None}
    # The channel's own paragraphs and the action's sources each hold an item GROUP_CONCAT
    # cannot show: that part is left empty.
    assert table.values("paragraphs")[-1] == "3"
    assert table.values("sources")[-1] == "http://e/report"
