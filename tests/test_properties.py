"""Properties checked on generated input (Hypothesis, derandomized so CI sees the same cases).

- Every export format parses back to exactly the statements exported, on random small graphs:
  IRIs under the project's namespaces (so the JSON-LD context's terms, type coercions and
  language maps are all exercised) and literals with quotes, newlines, unicode, language tags
  and datatypes. Exports hold no blank nodes, so "isomorphic" is set equality here.
- A value given to a named query's parameter either runs as one typed term or is refused with
  a :class:`kg.errors.KgError`; it never changes the query's structure. The same holds for the
  two places that write a term into query text: the ``VALUES`` block of :mod:`kg.remote` and the
  inlined examples of ``kg serve``.
"""

from __future__ import annotations

import string
from pathlib import Path

import pyoxigraph
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kg.engines import OxigraphEngine, to_oxigraph_term
from kg.errors import KgError
from kg.export import DEFAULT_ROLES, export, load_context
from kg.formats import RdfFormat
from kg.loading import GraphRole, LoadedDataset, SourceFile
from kg.namespaces import PREFIXES
from kg.queries import bind_parameters, load_catalog, run_named_query
from kg.remote import with_values
from kg.results import Term
from kg.server.sparql_text import inline_parameters
from kg.server.views import sparql_term

SETTINGS = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
GRAPHS = {GraphRole.ONTOLOGY: "https://w3id.org/diplo-kg/graph/ontology",
          GraphRole.DATA: "https://w3id.org/diplo-kg/graph/data/random",
          GraphRole.LINKS: "https://w3id.org/diplo-kg/graph/links",
          GraphRole.INFERRED: "https://w3id.org/diplo-kg/graph/inferred"}


def _context_iris() -> tuple[list[str], list[str]]:
    """Property and class IRIs that the JSON-LD context names, so their terms get used."""
    context = load_context()
    prefixes = {k: v for k, v in context.items() if isinstance(v, str) and "://" in v}

    def expand(curie: str) -> str:
        prefix, _, local = curie.partition(":")
        return prefixes.get(prefix, prefix + ":") + local

    properties = [expand(d["@id"]) for d in context.values() if isinstance(d, dict)]
    classes = [expand(d) for k, d in context.items()
               if isinstance(d, str) and not k.startswith("@") and k not in prefixes]
    return sorted(set(properties)), sorted(set(classes))


CONTEXT_PROPERTIES, CONTEXT_CLASSES = _context_iris()
NAMESPACES = sorted(set(PREFIXES.values())) + ["http://example.org/", "urn:x-test:"]

local_names = st.text(alphabet=string.ascii_letters + string.digits + "-_./#:~é中Ж",
                      min_size=0, max_size=12)


def _valid_iri(iri: str) -> bool:
    try:
        pyoxigraph.NamedNode(iri)
    except ValueError:
        return False
    return not iri.endswith(":")


iris = st.builds(lambda ns, local: ns + local, st.sampled_from(NAMESPACES), local_names) \
    .filter(_valid_iri)
subjects = st.one_of(iris, st.sampled_from(["https://w3id.org/diplo-kg/resource/state/russia"]))
predicates = st.one_of(st.sampled_from(CONTEXT_PROPERTIES), iris)
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=20) | st.sampled_from(
    ['"', '\\', 'say "no"\nthen \'yes\'', "\r\n\t", "\\u0022", "😀 ünïcödé", "", " "])
languages = st.sampled_from(["en", "fr", "de-CH", "zh-Hans", "ru", "en-GB-oxendict", "x-klingon"])
dates = st.dates().map(lambda d: d.isoformat()).filter(lambda d: len(d) == 10)
literals = st.one_of(
    st.builds(lambda v: pyoxigraph.Literal(v), texts),
    st.builds(lambda v, lang: pyoxigraph.Literal(v, language=lang), texts, languages),
    st.builds(lambda v: pyoxigraph.Literal(v, datatype=pyoxigraph.NamedNode(XSD + "date")),
              dates),
    st.builds(lambda v: pyoxigraph.Literal(str(v), datatype=pyoxigraph.NamedNode(
        XSD + "integer")), st.integers(min_value=-10**20, max_value=10**20)),
    st.builds(lambda v, t: pyoxigraph.Literal(v, datatype=pyoxigraph.NamedNode(XSD + t)),
              texts, st.sampled_from(["string", "integer", "date", "boolean", "anyURI"])),
)
objects = st.one_of(literals, iris.map(pyoxigraph.NamedNode))


@st.composite
def statements(draw) -> tuple[str, pyoxigraph.NamedNode, pyoxigraph.NamedNode, object]:
    role = draw(st.sampled_from(list(GRAPHS)))
    subject = pyoxigraph.NamedNode(draw(subjects))
    if draw(st.integers(0, 5)) == 0:
        return GRAPHS[role], subject, pyoxigraph.NamedNode(RDF_TYPE), pyoxigraph.NamedNode(
            draw(st.sampled_from(CONTEXT_CLASSES) | iris))
    return GRAPHS[role], subject, pyoxigraph.NamedNode(draw(predicates)), draw(objects)


def dataset_of(quads) -> LoadedDataset:
    store = pyoxigraph.Store()
    for graph, s, p, o in quads:
        store.add(pyoxigraph.Quad(s, p, o, pyoxigraph.NamedNode(graph)))
    files = tuple(SourceFile(path=Path(f"{role.value}.ttl"), display_path=f"{role.value}.ttl",
                             graph=graph, role=role, rdf_format=RdfFormat.TURTLE)
                  for role, graph in GRAPHS.items())
    return LoadedDataset(store=store, files=files)


# Regression: JSON-LD read the compact IRI "dkr://x" as an absolute IRI of scheme "dkr".
SLASHES = [(GRAPHS[GraphRole.DATA], pyoxigraph.NamedNode(PREFIXES["dkr"] + "//x"),
            pyoxigraph.NamedNode(PREFIXES["dk"] + "respondsTo"),
            pyoxigraph.NamedNode(PREFIXES["dk"] + "//y"))]


@pytest.mark.parametrize("rdf_format", [RdfFormat.TURTLE, RdfFormat.JSONLD, RdfFormat.NTRIPLES,
                                        RdfFormat.TRIG, RdfFormat.NQUADS], ids=lambda f: f.cli_name)
@SETTINGS
@example(quads=SLASHES)
@given(quads=st.lists(statements(), min_size=1, max_size=12))
def test_export_parses_back_to_the_same_statements(rdf_format, quads):
    roles = tuple(GraphRole) if rdf_format.has_graphs else DEFAULT_ROLES
    chosen = {GRAPHS[r] for r in roles}
    data = export(dataset_of(quads), rdf_format, roles)
    parsed = pyoxigraph.parse(data, format=rdf_format.oxigraph)
    if rdf_format.has_graphs:
        expected = {(s, p, o, g) for g, s, p, o in quads if g in chosen}
        got = {(q.subject, q.predicate, q.object, q.graph_name.value) for q in parsed}
    else:
        expected = {(s, p, o) for g, s, p, o in quads if g in chosen}
        got = {(t.subject, t.predicate, t.object) for t in parsed}
    assert got == expected


# Named query parameters ------------------------------------------------------------------

INJECTIONS = [
    '2021-11-02"^^xsd:date) } ; DROP ALL ; {',
    '2021-11-02> } DELETE WHERE { ?s ?p ?o } #',
    'Russia" } UNION { ?s ?p ?o } #',
    "Russia' . ?x ?y ?z",
    "<http://example.org/x> } ; CLEAR ALL ; SELECT * {",
    "dkr:state/russia> ?p ?o } #",
    "8 } ; DROP ALL",
    "fr\") } LOAD <http://example.org/> {",
    "http://a b",
    "Q159 }",
    "\\u0022) }",
]


@pytest.fixture(scope="module")
def catalog(project):
    """Every named query; those that need the network are bound but not run."""
    return load_catalog(project.queries_dir)


@pytest.fixture(scope="module")
def engine(loaded):
    return OxigraphEngine(loaded.store)


def test_every_named_query_parameter_is_exercised(catalog):
    pairs = [(q, p.name) for q in catalog.values() for p in q.parameters]
    types = {q.parameter(name).type for q, name in pairs}
    assert len(pairs) >= 25 and {"xsd:date", "xsd:integer", "xsd:string", "dk:Actor"} <= types


@SETTINGS
@given(data=st.data(), raw=st.one_of(st.sampled_from(INJECTIONS), texts,
                                     dates, st.integers().map(str)))
def test_a_parameter_value_runs_as_one_term_or_is_refused(catalog, engine, loaded, data, raw):
    query = data.draw(st.sampled_from(sorted(catalog.values(), key=lambda q: q.name)))
    if not query.parameters:
        return
    parameter = data.draw(st.sampled_from(query.parameters))
    size = len(loaded.store)
    try:
        bindings = bind_parameters(query, {parameter.name: raw}, engine)
    except KgError:
        return
    bound = bindings[parameter.name]
    if parameter.type == "xsd:string":
        assert bound == Term.literal(raw)
    elif parameter.type == "xsd:date":
        assert bound.value == raw and len(raw) == 10
    elif parameter.type == "xsd:integer":
        assert int(bound.value) == int(raw)
    else:
        assert bound.kind.value == "uri"
    if not query.needs_network:
        try:
            run_named_query(query, {parameter.name: raw}, engine)
        except KgError:
            pass
    assert len(loaded.store) == size


@pytest.mark.parametrize("raw", INJECTIONS)
def test_an_injection_attempt_is_refused_or_a_plain_literal(catalog, engine, loaded, raw):
    size = len(loaded.store)
    for query in catalog.values():
        for parameter in query.parameters:
            try:
                bindings = bind_parameters(query, {parameter.name: raw}, engine)
            except KgError:
                continue
            assert bindings[parameter.name] == Term.literal(raw), (query.name, parameter.name)
    assert len(loaded.store) == size


ROUND_TRIP = "SELECT ?value WHERE { }"


def single_value(query_text: str, store=pyoxigraph.Store()) -> object:
    solutions = list(store.query(query_text, prefixes=dict(PREFIXES)))
    assert len(solutions) == 1
    return solutions[0]["value"]


terms = st.one_of(
    st.builds(Term.literal, texts),
    st.builds(lambda v, lang: Term.literal(v, language=lang), texts, languages),
    st.builds(lambda v, t: Term.literal(v, datatype=XSD + t), texts,
              st.sampled_from(["date", "integer", "boolean"])),
)


@SETTINGS
@example(term=Term.literal('2021-11-02"^^xsd:date) } ; DROP ALL ; {'))
@example(term=Term.literal("\\u0022 } ; DROP ALL ; {"))
@example(term=Term.literal("12 } ; DROP ALL", datatype=XSD + "integer"))
@given(term=terms)
def test_values_block_binds_any_string_as_one_literal(term):
    value = single_value(with_values(ROUND_TRIP, {"value": term}))
    assert value == to_oxigraph_term(term)


@SETTINGS
@example(term=Term.literal('2021-11-02"^^xsd:date) } ; DROP ALL ; {'))
@given(term=terms)
def test_inlined_example_binds_any_string_as_one_literal(term):
    text = inline_parameters("SELECT ?x WHERE { BIND(?value AS ?x) }",
                             {"value": sparql_term(term)})
    solutions = list(pyoxigraph.Store().query(text, prefixes=dict(PREFIXES)))
    assert len(solutions) == 1 and solutions[0]["x"] == to_oxigraph_term(term)
