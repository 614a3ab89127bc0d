"""The SPARQL 1.1 Protocol at /sparql, tested with clients nobody here wrote: SPARQLWrapper and
rdflib's SPARQLStore, against a server started on a free loopback port."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import xml.dom.minidom

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, POSTDIRECTLY, TSV, TURTLE, \
    URLENCODED, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from kg.namespaces import DKR, LINKS_GRAPH
from kg.server.runner import running_server
from kg.server.settings import Settings

STATES = """SELECT ?state ?label WHERE { ?state a dk:State ; rdfs:label ?label }
ORDER BY ?label LIMIT 3"""
RUSSIA = DKR + "state/russia"


@pytest.fixture(scope="module")
def server(project):
    with running_server(project, Settings(timeout=20, max_body_bytes=64 * 1024,
                                          max_query_length=20_000,
                                          allowed_services=("http://127.0.0.1:9/allowed",),
                                          cors_origins=("https://example.org",))) as running:
        yield running


@pytest.fixture()
def endpoint(server) -> str:
    return server.url + "/sparql"


def http(url: str, *, data: bytes | None = None, headers: dict | None = None,
         method: str | None = None):
    """(status, headers, body) of a plain HTTP request; errors are answers too."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wrapper(endpoint: str, query: str, return_format, method=GET, request_method=URLENCODED):
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    client.setMethod(method)
    client.setRequestMethod(request_method)
    client.setTimeout(30)
    return client


@pytest.mark.parametrize("method,request_method", [(GET, URLENCODED), (POST, URLENCODED),
                                                   (POST, POSTDIRECTLY)],
                         ids=["get", "post-form", "post-direct"])
def test_sparqlwrapper_json_xml_csv_tsv(endpoint, method, request_method):
    answer = wrapper(endpoint, STATES, JSON, method, request_method).queryAndConvert()
    labels = [b["label"]["value"] for b in answer["results"]["bindings"]]
    assert answer["head"]["vars"] == ["state", "label"] and len(labels) == 3
    assert labels == sorted(labels)

    document = wrapper(endpoint, STATES, XML, method, request_method).queryAndConvert()
    assert isinstance(document, xml.dom.minidom.Document)
    assert [n.firstChild.data for n in document.getElementsByTagName("literal")] == labels

    csv_text = wrapper(endpoint, STATES, CSV, method, request_method).queryAndConvert()
    assert csv_text.decode().splitlines()[0] == "state,label"
    assert [line.split(",")[1] for line in csv_text.decode().splitlines()[1:]] == labels

    tsv_text = wrapper(endpoint, STATES, TSV, method, request_method).queryAndConvert()
    assert tsv_text.decode().splitlines()[0] == "?state\t?label"


def test_sparqlwrapper_ask_and_construct_formats(endpoint):
    assert wrapper(endpoint, f"ASK {{ <{RUSSIA}> a dk:State }}", JSON).queryAndConvert() \
        == {"head": {}, "boolean": True}
    construct = f"CONSTRUCT {{ <{RUSSIA}> rdfs:label ?l }} WHERE {{ <{RUSSIA}> rdfs:label ?l }}"
    for return_format, syntax in ((TURTLE, "turtle"), (N3, "turtle"), (JSONLD, "json-ld")):
        graph = wrapper(endpoint, construct, return_format).queryAndConvert()
        if not isinstance(graph, rdflib.Graph):
            graph = rdflib.Graph().parse(data=graph, format=syntax)
        assert str(graph.value(rdflib.URIRef(RUSSIA), rdflib.RDFS.label)) == "Russia"
    describe = rdflib.Graph().parse(data=wrapper(endpoint, f"DESCRIBE <{RUSSIA}>", TURTLE)
                                    .queryAndConvert(), format="turtle")
    assert (rdflib.URIRef(RUSSIA), rdflib.RDF.type, rdflib.URIRef(
        "https://w3id.org/diplo-kg/ontology#State")) in describe


@pytest.mark.parametrize("accept,starts", [
    ("text/turtle", b"<"), ("application/n-triples", b"<"), ("application/ld+json", b"["),
    ("application/rdf+xml", b"<?xml")])
def test_construct_content_negotiation(endpoint, accept, starts):
    query = urllib.parse.urlencode({"query": f"DESCRIBE <{RUSSIA}>"})
    status, headers, body = http(f"{endpoint}?{query}", headers={"Accept": accept})
    assert status == 200 and headers["Content-Type"].startswith(accept)
    assert body.lstrip().startswith(starts)
    graph = rdflib.Graph().parse(data=body, format={"text/turtle": "turtle",
                                                    "application/n-triples": "nt",
                                                    "application/ld+json": "json-ld",
                                                    "application/rdf+xml": "xml"}[accept])
    assert str(graph.value(rdflib.URIRef(RUSSIA), rdflib.RDFS.label)) == "Russia"


def test_rdflib_sparqlstore_graph_backed_by_the_endpoint(endpoint):
    graph = rdflib.Graph(store=SPARQLStore(endpoint, returnFormat="xml"))
    russia = rdflib.URIRef(RUSSIA)
    assert graph.value(russia, rdflib.RDFS.label) == rdflib.Literal("Russia", lang="en")
    assert (russia, rdflib.RDF.type, rdflib.URIRef(
        "https://w3id.org/diplo-kg/ontology#State")) in graph
    rows = list(graph.query("SELECT ?label WHERE { ?s a dk:State ; rdfs:label ?label } "
                            "ORDER BY ?label LIMIT 2"))
    assert len(rows) == 2 and all(isinstance(r[0], rdflib.Literal) for r in rows)
    assert len(graph) > 1000


def test_default_and_named_graph_uris_are_honoured(endpoint):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    everything = wrapper(endpoint, count, JSON).queryAndConvert()
    client = wrapper(endpoint, count, JSON)
    client.addDefaultGraph(LINKS_GRAPH)
    links = client.queryAndConvert()
    n_all = int(everything["results"]["bindings"][0]["n"]["value"])
    n_links = int(links["results"]["bindings"][0]["n"]["value"])
    assert 0 < n_links < n_all
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    client = wrapper(endpoint, graphs, JSON, POST)
    client.addNamedGraph(LINKS_GRAPH)
    named = client.queryAndConvert()
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [LINKS_GRAPH]


def test_service_description_without_a_query(endpoint):
    status, headers, body = http(endpoint, headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=body, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = graph.value(None, rdflib.RDF.type, sd.Service)
    assert graph.value(service, sd.endpoint) == rdflib.URIRef(endpoint)
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    assert (service, sd.supportedLanguage, sd.SPARQL11Update) not in graph
    assert rdflib.URIRef(LINKS_GRAPH) in set(graph.objects(None, sd.name))


@pytest.mark.parametrize("method", [GET, POST])
def test_update_is_refused_with_403(endpoint, method):
    client = wrapper(endpoint, f"INSERT DATA {{ <{RUSSIA}> rdfs:label 'x' }}", JSON, POST)
    with pytest.raises(urllib.error.HTTPError) as refused:
        client.query()
    assert refused.value.code == 403
    # An update sent as a query, by GET or POST, is refused as an update too.
    data = urllib.parse.urlencode({"query": "DELETE WHERE { ?s ?p ?o }"})
    status, _, body = (http(f"{endpoint}?{data}") if method == GET
                       else http(endpoint, data=data.encode(), headers={
                           "Content-Type": "application/x-www-form-urlencoded"}))
    assert status == 403 and b"read-only" in body
    status, _, _ = http(endpoint, data=b"CLEAR ALL",
                        headers={"Content-Type": "application/sparql-update"})
    assert status == 403
    assert wrapper(endpoint, f"ASK {{ <{RUSSIA}> rdfs:label 'x' }}", JSON).queryAndConvert()[
        "boolean"] is False


def test_malformed_query_answers_400_with_message_and_position(endpoint):
    with pytest.raises(QueryBadFormed) as bad:
        wrapper(endpoint, "SELECT ?s WHERE {\n  ?s ?p \n}", JSON).query()
    assert "malformed SPARQL: error at 3:" in str(bad.value)
    status, headers, body = http(endpoint + "?" + urllib.parse.urlencode(
        {"query": "SELEC * {}"}))
    assert status == 400 and headers["Content-Type"].startswith("text/plain")
    assert body.startswith(b"malformed SPARQL: error at 1:1") and b"Traceback" not in body


def test_protocol_errors(endpoint):
    status, _, body = http(endpoint, data=b"{}", headers={"Content-Type": "application/json"})
    assert status == 415 and b"application/sparql-query" in body
    status, _, _ = http(endpoint + "?query=ASK%7B%7D&query=ASK%7B%7D")
    assert status == 400
    status, _, body = http(endpoint, data=b"x" * (65 * 1024),
                           headers={"Content-Type": "application/sparql-query"})
    assert status == 413 and b"larger than" in body
    long_query = "ASK {}" + " " * 20_001
    status, _, body = http(endpoint, data=long_query.encode(),
                           headers={"Content-Type": "application/sparql-query"})
    assert status == 413 and b"longer than" in body
    status, _, _ = http(endpoint, method="PUT", data=b"")
    assert status == 405


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/> { ?s ?p ?o } }",
    "PREFIX x: <http://127.0.0.1:22/> SELECT * WHERE { SERVICE SILENT x:q { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<http://10.0.0.1/> AS ?e) SERVICE ?e { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <http://10.0.0.1/> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/allowed.evil/> { ?s ?p ?o } }",
])
def test_service_to_arbitrary_hosts_is_refused(endpoint, query):
    status, _, body = http(endpoint, data=query.encode(),
                           headers={"Content-Type": "application/sparql-query"})
    assert status == 403 and b"--allow-service" in body


def test_service_on_the_allow_list_is_attempted(endpoint):
    # Port 9 (discard) is closed on loopback: the call is made and fails, not refused.
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/allowed/sparql> { ?s ?p ?o } }"
    status, _, body = http(endpoint, data=query.encode(),
                           headers={"Content-Type": "application/sparql-query"})
    assert status == 400 and b"the query failed" in body
    assert http(endpoint + "?" + urllib.parse.urlencode(
        {"query": "SELECT * { ?s rdfs:comment 'SERVICE <http://10.0.0.1/>' }"}))[0] == 200


def test_security_headers_and_cors(endpoint, server):
    query = urllib.parse.urlencode({"query": "ASK {}"})
    status, headers, _ = http(f"{endpoint}?{query}", headers={"Origin": "https://example.org"})
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Access-Control-Allow-Origin"] == "https://example.org"
    _, headers, _ = http(f"{endpoint}?{query}", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in headers
    status, headers, _ = http(endpoint, method="OPTIONS", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization"})
    assert status == 204 and "authorization" not in headers["Access-Control-Allow-Headers"].lower()
    _, headers, _ = http(endpoint, data=b"CLEAR ALL", headers={
        "Content-Type": "application/sparql-update", "Origin": "https://example.org"})
    assert "Access-Control-Allow-Origin" not in headers
    status, headers, body = http(server.url + "/")
    csp = headers["Content-Security-Policy"]
    assert status == 200 and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert b"<script>" not in body and b"onclick" not in body.lower()


def test_updates_with_the_flag_and_token(project):
    settings = Settings(timeout=10, update_token="s3cret", workers=1)
    with running_server(project, settings) as running:
        endpoint = running.url + "/sparql"
        update = "INSERT DATA { GRAPH <urn:test> { <urn:a> rdfs:label 'added' } }"
        data = update.encode()
        assert http(endpoint, data=data, headers={
            "Content-Type": "application/sparql-update"})[0] == 401
        assert http(endpoint, data=data, headers={
            "Content-Type": "application/sparql-update",
            "Authorization": "Bearer wrong"})[0] == 401
        status, _, _ = http(endpoint, data=data, headers={
            "Content-Type": "application/sparql-update", "Authorization": "Bearer s3cret"})
        assert status == 204
        answer = wrapper(endpoint, "ASK { <urn:a> rdfs:label 'added' }", JSON).queryAndConvert()
        assert answer["boolean"] is True
        status, _, body = http(endpoint, data=b"LOAD <http://10.0.0.1/x.ttl>", headers={
            "Content-Type": "application/sparql-update", "Authorization": "Bearer s3cret"})
        assert status == 403 and b"--allow-service" in body
        description = http(endpoint, headers={"Accept": "application/n-triples"})[2]
        assert b"sparql-service-description#SPARQL11Update" in description


def test_download_links_and_json_answers_parse(endpoint):
    form = urllib.parse.urlencode({"query": STATES, "format": "csv", "download": "1"})
    status, headers, body = http(endpoint, data=form.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert 'filename="results.csv"' in headers["Content-Disposition"]
    assert body.startswith(b"state,label\r\n")
    form = urllib.parse.urlencode({"query": STATES, "format": "json"})
    status, _, body = http(endpoint, data=form.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert len(json.loads(body)["results"]["bindings"]) == 3
