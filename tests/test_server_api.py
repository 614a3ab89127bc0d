"""Named queries as a REST API, the entity and timeline pages and their JSON twins, and the
UI's examples: the same answers as the CLI."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from kg.queries import load_catalog
from kg.server.runner import running_server
from kg.server.settings import Settings

EMBASSY_ROW = "Russian embassy in Brussels as NATO's conduit to Russia"


@pytest.fixture(scope="module")
def server(project):
    with running_server(project, Settings(timeout=20)) as running:
        yield running


def get(server, path: str, *, data: dict | None = None, accept: str | None = None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    headers = {"Accept": accept} if accept else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(server.url + path, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def rows(body: bytes) -> list[dict]:
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(body)["results"]["bindings"]]


def test_catalog_lists_every_named_query_with_parameters(server, project):
    status, headers, body = get(server, "/api/queries")
    catalog = json.loads(body)
    names = {q["name"] for q in catalog}
    assert status == 200 and names == set(load_catalog(project.queries_dir)) and len(names) >= 19
    channels = next(q for q in catalog if q["name"] == "channels-as-of")
    assert [(p["name"], p["type"], p["default"]) for p in channels["parameters"]] == [
        ("a", "dk:Actor", "Russia"), ("b", "dk:Actor", "NATO"), ("date", "xsd:date", "2021-11-02")]
    assert '"2021-11-02"^^xsd:date' in channels["example"]


def test_named_query_with_parameters(server):
    status, headers, body = get(server, "/api/queries/channels-as-of")
    assert status == 200 and headers["Content-Type"] == "application/sparql-results+json"
    found = rows(body)
    assert any(r["channelLabel"] == EMBASSY_ROW and r["status"] == "in force" for r in found)
    query = urllib.parse.urlencode({"a": "Q159", "b": "NATO", "date": "2021-10-01"})
    before = rows(get(server, f"/api/queries/channels-as-of?{query}")[2])
    assert not any(r["channelLabel"] == EMBASSY_ROW for r in before)
    assert any("Military Liaison Mission" in r["channelLabel"] and r["status"] == "in force"
               for r in before)


@pytest.mark.parametrize("query,status,message", [
    ("channels-as-of?date=2021-13-45", 400,
     "parameter 'date' expects an xsd:date such as 2021-11-02, got '2021-13-45'"),
    ("channels-as-of?colour=red", 400, "query 'channels-as-of' has no parameter 'colour'"),
    ("channels-as-of?a=Atlantis", 400, "no entity matches 'Atlantis'"),
    ("members-on-date?organization=Russia", 400, "expects a dk:InternationalOrganization"),
    ("chanels-as-of", 404, "did you mean 'channels-as-of'?"),
])
def test_parameters_are_validated_as_in_the_cli(server, query, status, message):
    answer_status, headers, body = get(server, f"/api/queries/{query}")
    assert answer_status == status and message in body.decode()
    assert headers["Content-Type"].startswith("text/plain") and b"Traceback" not in body


def test_examples_are_standalone_sparql_with_the_same_answers(server):
    catalog = json.loads(get(server, "/api/queries")[2])
    checked = 0
    for query in catalog:
        if query["requiresNetwork"]:
            # Tests stay on loopback: a federated query is refused without --allow-service.
            assert get(server, query["url"])[0] == 403, query["name"]
            assert get(server, "/sparql", data={"query": query["example"]})[0] == 403
            continue
        assert query["example"], query["name"]
        status, _, by_api = get(server, query["url"])
        assert status == 200, query["name"]
        status, _, by_sparql = get(server, "/sparql", data={"query": query["example"]})
        assert status == 200, (query["name"], by_sparql)
        api_rows = rows(by_api)
        columns = json.loads(by_api)["head"]["vars"]
        sparql_rows = [{k: v for k, v in r.items() if k in columns} for r in rows(by_sparql)]
        if query["name"] in ("channels-as-of", "timeline", "retaliation-chain"):
            assert api_rows, query["name"]
        # Set-valued columns are sorted and deduplicated by the API only; compare them as
        # sets of items.
        def canonical(found):
            items = ({k: sorted(set(re.split(r"[;,] ", v)) - {""}) for k, v in r.items()}
                     for r in found)
            return sorted(json.dumps({k: v for k, v in row.items() if v}, sort_keys=True)
                          for row in items)
        assert canonical(sparql_rows) == canonical(api_rows), query["name"]
        checked += 1
    assert checked >= 15


def test_entity_json_twin(server):
    status, _, body = get(server, "/api/entity?iri=Russia")
    facts = json.loads(body)
    assert status == 200 and facts["iri"] == "https://w3id.org/diplo-kg/resource/state/russia"
    assert facts["wikidata"] == ["http://www.wikidata.org/entity/Q159"]
    assert facts["incoming"] and any(p["inferred"] for p in facts["properties"])
    status, _, body = get(server, "/api/entity?iri=dkr:action/2021-10-18-russia-suspends-mission-to-nato")
    citations = {c["source"]: c for c in json.loads(body)["citations"]}
    report = citations["https://w3id.org/diplo-kg/resource/source/2021-10-18-russia-nato"]
    assert report["paragraphs"] == [4, 9, 10] and report["title"]
    assert get(server, "/api/entity?iri=urn:nothing")[0] == 404


def test_pages_are_readable_without_javascript(server):
    status, _, body = get(server, "/", data={"query": "SELECT ?s ?l WHERE { ?s a dk:State ; "
                                                      "rdfs:label ?l } ORDER BY ?l LIMIT 2"})
    page = body.decode()
    assert status == 200 and "2 rows" in page and 'href="/entity?iri=https%3A%2F%2Fw3id.org' in page
    status, _, body = get(server, "/?example=channels-as-of")
    assert status == 200 and "2021-11-02" in body.decode()
    assert ">Channels remaining between Russia and NATO</option>" in body.decode()
    status, _, body = get(server, "/", data={"query": "SELECT * {"})
    assert status == 400 and "malformed SPARQL: error at 1:" in body.decode()
    status, _, body = get(server, "/entity?iri=Q159")
    assert status == 200 and "https://www.wikidata.org/wiki/Q159" in body.decode()
    status, _, body = get(server, "/timeline?a=NATO&b=Russia&from=2021-10-01")
    page = body.decode()
    assert status == 200 and "NATO expels eight members of Russia&#39;s mission" in page
    assert "NATO suspends practical cooperation" not in page
    status, headers, body = get(server, "/timeline.svg?a=NATO&b=Russia")
    assert status == 200 and headers["Content-Type"].startswith("image/svg+xml")
    assert body.startswith(b"<svg") and b"<script" not in body
    status, _, body = get(server, "/timeline?a=NATO&b=Atlantis")
    assert status == 400 and "no entity matches" in body.decode()
    assert get(server, "/static/app.js")[0] == 200
    assert get(server, "/static/../settings.py")[0] == 404
