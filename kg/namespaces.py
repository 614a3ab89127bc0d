"""The one prefix map of the project, and the IRIs of the dataset's named graphs.

Every serializer, query and the JSON-LD context use :data:`PREFIXES`; nothing else defines a
prefix.

>>> expand_curie("dkr:state/russia")
'https://w3id.org/diplo-kg/resource/state/russia'
>>> compact_iri("https://w3id.org/diplo-kg/ontology#Channel")
'dk:Channel'
>>> data_graph_iri("nato-members")
'https://w3id.org/diplo-kg/graph/data/nato-members'
"""

from __future__ import annotations

from types import MappingProxyType

DK = "https://w3id.org/diplo-kg/ontology#"
DKR = "https://w3id.org/diplo-kg/resource/"
DKSH = "https://w3id.org/diplo-kg/shapes#"
DKG = "https://w3id.org/diplo-kg/graph/"
WD = "http://www.wikidata.org/entity/"

PREFIXES = MappingProxyType({
    "dk": DK,
    "dkr": DKR,
    "dksh": DKSH,
    "dkg": DKG,
    "wd": WD,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "time": "http://www.w3.org/2006/time#",
    "sh": "http://www.w3.org/ns/shacl#",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "sssom": "https://w3id.org/sssom/",
    "semapv": "https://w3id.org/semapv/vocab/",
})

ONTOLOGY_GRAPH = DKG + "ontology"
LINKS_GRAPH = DKG + "links"
INFERRED_GRAPH = DKG + "inferred"
DATA_GRAPH_PREFIX = DKG + "data/"


def data_graph_iri(stem: str) -> str:
    """Name of the graph holding one data file, from the file's stem."""
    return DATA_GRAPH_PREFIX + stem


def expand_curie(curie: str) -> str | None:
    """Expand ``prefix:local`` with :data:`PREFIXES`; ``None`` if the prefix is unknown.

    >>> expand_curie("wd:Q159")
    'http://www.wikidata.org/entity/Q159'
    >>> expand_curie("nope:x") is None
    True
    """
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in PREFIXES:
        return None
    return PREFIXES[prefix] + local


def compact_iri(iri: str) -> str:
    """Shorten an IRI to a CURIE with the longest matching namespace, else return it unchanged.

    >>> compact_iri("http://example.org/x")
    'http://example.org/x'
    """
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return iri
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best):]}"


def sparql_prologue() -> str:
    """PREFIX declarations for every prefix, for queries that do not declare their own.

    >>> sparql_prologue().splitlines()[0]
    'PREFIX dk: <https://w3id.org/diplo-kg/ontology#>'
    """
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
