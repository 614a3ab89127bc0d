"""Wikidata's RDF namespaces, and the Wikidata classes each of our actor classes may match.

A candidate agrees in type with one of our actors when it is an instance (``wdt:P31``) of one
of the actor's Wikidata classes or of a subclass of it (``wdt:P279*``). Every class QID below
was verified, never guessed; the comment beside it says where.

>>> wikidata_classes_for([DK + "MilitaryAlliance"])
('Q1127126', 'Q245065', 'Q484652')
>>> wikidata_classes_for([DK + "Post"])
()
>>> qid_of("http://www.wikidata.org/entity/Q159")
'Q159'
>>> qid_of("https://example.org/Q159") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from types import MappingProxyType

from kg.namespaces import DK, WD

WDT = "http://www.wikidata.org/prop/direct/"
P = "http://www.wikidata.org/prop/"
PS = "http://www.wikidata.org/prop/statement/"
PQ = "http://www.wikidata.org/prop/qualifier/"
PQV = "http://www.wikidata.org/prop/qualifier/value/"
WIKIBASE = "http://wikiba.se/ontology#"
SCHEMA_ORG = "http://schema.org/"  # Wikidata writes schema:description with http, not https
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"

# Every prefix the generated queries use, declared in each query so any SPARQL 1.1 server
# (Wikidata's predeclares them, Oxigraph does not) reads the same text.
QUERY_PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (
    ("wd", WD), ("wdt", WDT), ("p", P), ("ps", PS), ("pq", PQ), ("pqv", PQV),
    ("wikibase", WIKIBASE), ("schema", SCHEMA_ORG), ("skos", SKOS),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("owl", "http://www.w3.org/2002/07/owl#")))

# Where each class QID was verified (search tool, public pages and code):
# Q6256 country, Q3624078 sovereign state, Q3024240 historical country: SPARQL examples in
#   public code, e.g. "?country wdt:P31 wd:Q6256;  # Instance of country",
#   'Q_COUNTRY = "wd:Q3624078"', "FILTER NOT EXISTS {?country wdt:P31 wd:Q3024240}  #not a
#   former country".
# Q1127126 military alliance: shared/reference/facts.md (Wikidata items table).
# Q484652 international organization, Q245065 intergovernmental organization: public code,
#   e.g. 'INTERNATION_ORGANIZATION = "wd:Q484652"  # https://www.wikidata.org/wiki/Q484652'
#   and '"Q245065", // intergovernmental organization'.
# Q5 human: Wikidata's SPARQL examples ("?item wdt:P31 wd:Q5 .  # instance of human").
# Q515 city, Q1549591 big city: Wikiversity, "Research in programming Wikidata/Cities"
#   ("Wikidata element: Q515", "Big city ... Q1549591"); Q5119 capital city: public code
#   ("OPTIONAL { ?location wdt:P31 wd:Q5119 } # capital city").
# Q41176 building: public code ("?item wdt:P31/wdt:P279* wd:Q41176 . # building").
# Q327333 government agency, Q43229 organization: public code ("wd:Q327333  # Government
#   agency", "wd:Q43229  # Organization").
CLASS_MAP: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    DK + "State": ("Q6256", "Q3624078", "Q3024240"),
    DK + "InternationalOrganization": ("Q484652", "Q245065"),
    DK + "MilitaryAlliance": ("Q1127126", "Q484652", "Q245065"),
    DK + "Person": ("Q5",),
    DK + "City": ("Q515", "Q1549591", "Q5119"),
    DK + "Building": ("Q41176",),
    DK + "GovernmentAgency": ("Q327333",),
    # An organ of an organization has no narrower verified class: "organization" is broad,
    # so more candidates agree and the linker refuses more often, which is the safe side.
    DK + "OrganizationBody": ("Q43229",),
})

ACTOR_CLASSES = tuple(CLASS_MAP)

_QID = re.compile(r"^Q[1-9][0-9]*$")


def wikidata_classes_for(our_classes: Iterable[str]) -> tuple[str, ...]:
    """The Wikidata class QIDs any of ``our_classes`` may match, sorted and unique."""
    found = {qid for c in our_classes for qid in CLASS_MAP.get(c, ())}
    return tuple(sorted(found))


def qid_of(iri: str) -> str | None:
    """The QID of a Wikidata item IRI, or ``None`` for anything else."""
    if not iri.startswith(WD):
        return None
    local = iri[len(WD):]
    return local if _QID.match(local) else None


def is_qid(text: str) -> bool:
    """Whether ``text`` is a QID such as ``Q159``.

    >>> is_qid("Q159"), is_qid("Q0"), is_qid("P31")
    (True, False, False)
    """
    return bool(_QID.match(text))
