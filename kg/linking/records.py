"""The linker's outputs: the review file (CSV) and the reconciled links file (Turtle).

The links file ``data/links/wikidata-reconciled.ttl`` holds, for each link, the plain
``skos:exactMatch`` triple that every query reads, and a reified statement carrying its
provenance: the endpoint (``prov:wasDerivedFrom``), the day the answer was fetched
(``dcterms:created``), the score (``sssom:confidence``, from the Simple Standard for Sharing
Ontological Mappings) and the evidence (``rdfs:comment``). Only ``prov:``, ``dcterms:``,
``rdf:``, ``rdfs:`` and SSSOM terms are used, so the ontology needs no new term. The text is
sorted, so the same links always give the same bytes.

>>> import datetime
>>> record = LinkRecord("https://w3id.org/diplo-kg/resource/state/georgia", "Q230", 1.0,
...     "https://query.wikidata.org/sparql", datetime.date(2025, 1, 2), "our label = their label")
>>> text = render_links([record])
>>> "<state/georgia> skos:exactMatch wd:Q230 ." in text
True
>>> read_links(text.encode(), "x.ttl") == [record]
True
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph

from kg.errors import InputError
from kg.linking.reconcile import Decision, Proposal
from kg.linking.vocabulary import SKOS, qid_of
from kg.namespaces import DKR, compact_iri

SSSOM = "https://w3id.org/sssom/"
SEMAPV = "https://w3id.org/semapv/vocab/"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"

REVIEW_COLUMNS = ("entity", "entity_label", "our_classes", "decision", "note", "rank", "qid",
                  "wikidata_label", "wikidata_description", "score", "name_match",
                  "type_match", "endpoint", "fetched_on")


@dataclass(frozen=True, order=True)
class LinkRecord:
    """One reconciled link and its provenance."""

    entity: str
    qid: str
    score: float
    endpoint: str
    fetched_on: datetime.date
    evidence: str


def records_from(proposals: Iterable[Proposal], endpoint: str) -> list[LinkRecord]:
    """A record for every proposal the linker decided to link."""
    records = []
    for p in proposals:
        if p.decision is Decision.LINK:
            c = p.chosen
            evidence = f"{c.name_match}; instance of {', '.join(c.types)}"
            records.append(LinkRecord(p.actor.iri, c.qid, c.score, endpoint, p.fetched_on,
                                      evidence))
    return records


def render_review(proposals: Sequence[Proposal], endpoint: str) -> str:
    """The review file: one CSV row per candidate (one row for an actor with none).

    >>> render_review([], "https://query.wikidata.org/sparql").splitlines()[0].split(",")[:4]
    ['entity', 'entity_label', 'our_classes', 'decision']
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REVIEW_COLUMNS)
    for p in sorted(proposals, key=lambda p: p.actor.iri):
        common = [compact_iri(p.actor.iri), p.actor.label, p.actor.class_curies(),
                  p.decision.value, p.note]
        fetched = p.fetched_on.isoformat() if p.fetched_on else ""
        if not p.candidates:
            writer.writerow(common + ["", "", "", "", "", "", "", endpoint, fetched])
        for rank, c in enumerate(p.candidates, start=1):
            writer.writerow(common + [rank, c.qid, c.label, c.description, f"{c.score:.2f}",
                                      c.name_match, " ".join(c.types), endpoint, fetched])
    return out.getvalue()


def record_iri(entity: str) -> str:
    """The IRI of the provenance node of ``entity``'s reconciled link.

    >>> record_iri("https://w3id.org/diplo-kg/resource/state/georgia")
    'https://w3id.org/diplo-kg/resource/link/wikidata/state/georgia'
    """
    if entity.startswith(DKR):
        return f"{DKR}link/wikidata/{entity[len(DKR):]}"
    return f"{DKR}link/wikidata/{hashlib.sha256(entity.encode()).hexdigest()[:16]}"


HEADER = """\
# diplo-kg links found by reconciliation: written by `kg link wikidata --apply`.
#
# Each link is a skos:exactMatch triple plus a reified statement with its provenance: the
# SPARQL endpoint asked (prov:wasDerivedFrom), the day of the answer (dcterms:created), the
# score (sssom:confidence) and the evidence (rdfs:comment). Review every link before you
# commit it; a curated link in wikidata.ttl always wins, and an entity linked here is not
# reconciled again. To drop a link, delete both of its blocks.

@base <https://w3id.org/diplo-kg/resource/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix semapv: <https://w3id.org/semapv/vocab/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix sssom: <https://w3id.org/sssom/> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def render_links(records: Iterable[LinkRecord]) -> str:
    """The links file for ``records``, sorted by entity (byte-stable)."""
    parts = [HEADER]
    for r in sorted(set(records)):
        entity, node = _iri(r.entity), _iri(record_iri(r.entity))
        parts.append(
            f"\n{entity} skos:exactMatch wd:{r.qid} .\n\n"
            f"{node}\n"
            "    a prov:Entity , rdf:Statement ;\n"
            f"    rdf:subject {entity} ;\n"
            "    rdf:predicate skos:exactMatch ;\n"
            f"    rdf:object wd:{r.qid} ;\n"
            f"    dcterms:created \"{r.fetched_on.isoformat()}\"^^xsd:date ;\n"
            f"    prov:wasDerivedFrom <{r.endpoint}> ;\n"
            f"    rdfs:comment {_string(r.evidence)}@en ;\n"
            f"    sssom:confidence \"{r.score:.2f}\"^^xsd:double ;\n"
            "    sssom:mapping_justification semapv:LexicalMatching .\n")
    return "".join(parts)


def _iri(iri: str) -> str:
    return f"<{iri[len(DKR):]}>" if iri.startswith(DKR) else f"<{iri}>"


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_RECORDS = f"""
SELECT ?record ?entity ?item ?created ?endpoint ?comment ?score WHERE {{
  ?record <{RDF}subject> ?entity ;
          <{RDF}predicate> <{SKOS}exactMatch> ;
          <{RDF}object> ?item .
  OPTIONAL {{ ?record <{DCTERMS}created> ?created }}
  OPTIONAL {{ ?record <{PROV}wasDerivedFrom> ?endpoint }}
  OPTIONAL {{ ?record <{RDFS}comment> ?comment }}
  OPTIONAL {{ ?record <{SSSOM}confidence> ?score }}
}}
"""


def read_links(data: bytes, display_path: str) -> list[LinkRecord]:
    """The records of an existing links file.

    Raises:
        InputError: if the file does not parse, or holds a ``skos:exactMatch`` without its
            provenance (curated links belong in ``data/links/wikidata.ttl``).
    """
    store = pyoxigraph.Store()
    try:
        store.load(data, format=pyoxigraph.RdfFormat.TURTLE, base_iri=DKR)
    except SyntaxError as error:
        raise InputError(f"{error}; fix or delete this file", path=display_path,
                         line=getattr(error, "lineno", None)) from None
    records, described = [], set()
    for s in store.query(_RECORDS):
        qid = qid_of(s["item"].value)
        if qid is None or s["created"] is None or s["endpoint"] is None or s["score"] is None:
            raise InputError(f"the link record {s['record'].value} is incomplete; it needs "
                             "a Wikidata item, dcterms:created, prov:wasDerivedFrom and "
                             "sssom:confidence", path=display_path)
        records.append(LinkRecord(s["entity"].value, qid, float(s["score"].value),
                                  s["endpoint"].value,
                                  datetime.date.fromisoformat(s["created"].value),
                                  s["comment"].value if s["comment"] else ""))
        described.add((s["entity"].value, qid))
    for quad in store.quads_for_pattern(None, pyoxigraph.NamedNode(SKOS + "exactMatch"), None):
        pair = (quad.subject.value, qid_of(quad.object.value))
        if pair not in described:
            raise InputError(f"{quad.subject.value} skos:exactMatch {quad.object.value} has no "
                             "provenance record; move hand-made links to "
                             "data/links/wikidata.ttl", path=display_path)
    return sorted(records)

