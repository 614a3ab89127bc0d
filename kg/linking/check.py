"""Check existing Wikidata links, and compare our membership dates with Wikidata's.

For every ``skos:exactMatch`` to a Wikidata item: the item must exist and not be a redirect,
one of its English labels or aliases must be one of our names (ignoring case), and, for an
actor, it must be an instance of one of the actor's Wikidata classes. For every
``dk:Membership`` whose member and organization are both linked, the ``wdt:P463`` statements
(``p:P463``/``ps:P463``, deprecated ones left out) are compared on their start (``pq:P580``)
and end (``pq:P582``) at the precision Wikidata gives. Our end dates are exclusive, and
Wikidata's end time is often the last day, so an end one day later than Wikidata's agrees.

>>> _agrees(("1955-05-06", "1955-05-06"), "1955-01-01T00:00:00Z", 9)
True
>>> _agrees(("2009-04-01", "2009-04-01"), "2009-04-02T00:00:00Z", 11)
False
>>> _end_agrees(("1991-07-02", "1991-07-02"), "1991-07-01T00:00:00Z", 11)
True
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kg.engines import Engine
from kg.linking.client import SparqlClient
from kg.linking.reconcile import ALL_CLASSES
from kg.linking.vocabulary import QUERY_PROLOGUE, qid_of, wikidata_classes_for
from kg.results import ResultTable, Term

_OURS = """
SELECT ?entity ?item ?name ?type WHERE {
  ?entity skos:exactMatch ?item .
  FILTER (STRSTARTS(STR(?item), "http://www.wikidata.org/entity/"))
  OPTIONAL { { ?entity rdfs:label|skos:altLabel ?name } UNION { ?entity rdf:type ?type } }
}
ORDER BY ?entity ?item
"""

_MEMBERSHIPS = """
SELECT ?membership ?member ?organization ?start ?startEarliest ?startLatest
       ?end ?endEarliest ?endLatest WHERE {
  ?membership a dk:Membership ; org:member ?member ; org:organization ?organization .
  OPTIONAL { ?membership dk:startDate ?start }
  OPTIONAL { ?membership dk:startEarliest ?startEarliest }
  OPTIONAL { ?membership dk:startLatest ?startLatest }
  OPTIONAL { ?membership dk:endDate ?end }
  OPTIONAL { ?membership dk:endEarliest ?endEarliest }
  OPTIONAL { ?membership dk:endLatest ?endLatest }
}
ORDER BY ?membership
"""

FINDING_COLUMNS = ("check", "entity", "qid", "ours", "wikidata", "message")


@dataclass(frozen=True, order=True)
class Finding:
    """One disagreement between our graph and Wikidata."""

    check: str
    entity: str
    qid: str
    ours: str
    wikidata: str
    message: str


@dataclass(frozen=True)
class CheckReport:
    """What was checked and every disagreement found."""

    links: int
    memberships: int
    findings: tuple[Finding, ...]

    @property
    def agrees(self) -> bool:
        return not self.findings

    def table(self) -> ResultTable:
        """The findings as a result table, for the usual output formats."""
        return ResultTable(FINDING_COLUMNS, tuple(
            tuple(Term.iri(f.entity) if name == "entity" else Term.literal(getattr(f, name))
                  for name in FINDING_COLUMNS) for f in self.findings))


def item_query(qids: Sequence[str]) -> str:
    """Existence, redirect, English labels and aliases, and mapped classes of ``qids``."""
    values = " ".join(f"wd:{q}" for q in sorted(qids))
    classes = " ".join(f"wd:{q}" for q in ALL_CLASSES)
    return (QUERY_PROLOGUE +
            "SELECT ?item ?exists ?redirect ?label ?class WHERE {\n"
            f"  VALUES ?item {{ {values} }}\n"
            "  BIND (EXISTS { ?item ?anyProperty ?anyValue } AS ?exists)\n"
            "  OPTIONAL {\n"
            "    { ?item owl:sameAs ?redirect }\n"
            "    UNION { ?item rdfs:label|skos:altLabel ?label . FILTER (LANG(?label) = \"en\") }\n"
            f"    UNION {{ VALUES ?class {{ {classes} }} ?item wdt:P31/wdt:P279* ?class }}\n"
            "  }\n"
            "}\n"
            "ORDER BY ?item ?redirect ?label ?class\n")


def membership_query(qids: Sequence[str]) -> str:
    """The ``P463`` (member of) statements of ``qids``, with start, end and precisions."""
    values = " ".join(f"wd:{q}" for q in sorted(qids))
    return (QUERY_PROLOGUE +
            "SELECT ?member ?organization ?start ?startPrecision ?end ?endPrecision WHERE {\n"
            f"  VALUES ?member {{ {values} }}\n"
            "  ?member p:P463 ?statement .\n"
            "  ?statement ps:P463 ?organization .\n"
            "  FILTER NOT EXISTS { ?statement wikibase:rank wikibase:DeprecatedRank }\n"
            "  OPTIONAL { ?statement pq:P580 ?start .\n"
            "             OPTIONAL { ?statement pqv:P580/wikibase:timePrecision ?startPrecision } }\n"
            "  OPTIONAL { ?statement pq:P582 ?end .\n"
            "             OPTIONAL { ?statement pqv:P582/wikibase:timePrecision ?endPrecision } }\n"
            "}\n"
            "ORDER BY ?member ?organization ?start ?end\n")


def _key(variable: str):
    return lambda binding: qid_of(binding.get(variable, {}).get("value", ""))


def check_links(engine: Engine, client: SparqlClient, *, batch_size: int = 50) -> CheckReport:
    """Compare every Wikidata link and every linked membership of ``engine``'s graph.

    Raises:
        EndpointError: when the endpoint cannot answer.
    """
    names: dict[tuple[str, str], set[str]] = {}
    types: dict[str, set[str]] = {}
    for row in engine.select(_OURS, {}).records():
        qid = qid_of(row["item"].value)
        if qid is None:
            continue
        pair = (row["entity"].value, qid)
        names.setdefault(pair, set())
        if row.get("name") is not None:
            names[pair].add(row["name"].value)
        if row.get("type") is not None:
            types.setdefault(pair[0], set()).add(row["type"].value)
    answers = client.select_keyed(sorted({q for _, q in names}), item_query, _key("item"),
                                  batch_size=batch_size)
    findings = [f for (entity, qid), ours in sorted(names.items())
                for f in _check_item(entity, qid, ours, types.get(entity, set()),
                                     answers[qid].rows)]
    memberships = engine.select(_MEMBERSHIPS, {}).records()
    qids_of = {}
    for entity, qid in names:
        qids_of.setdefault(entity, qid)
    linked = [m for m in memberships
              if m["member"].value in qids_of and m["organization"].value in qids_of]
    members = sorted({qids_of[m["member"].value] for m in linked})
    statements = client.select_keyed(members, membership_query, _key("member"),
                                     batch_size=batch_size)
    findings += _compare_memberships(linked, qids_of, statements)
    return CheckReport(len(names), len(linked), tuple(sorted(findings)))


def _check_item(entity: str, qid: str, ours: set[str], our_types: set[str],
                rows: Sequence[Mapping[str, Term]]) -> list[Finding]:
    if not rows or rows[0].get("exists") is None or rows[0]["exists"].value not in ("true", "1"):
        return [Finding("exists", entity, qid, "", "", f"{qid} does not exist on Wikidata; "
                        "remove or correct the link")]
    redirects = sorted({qid_of(r["redirect"].value) or r["redirect"].value
                        for r in rows if r.get("redirect")})
    if redirects:
        return [Finding("redirect", entity, qid, "", redirects[0],
                        f"{qid} redirects to {redirects[0]}; link the target item")]
    found = []
    theirs = sorted({r["label"].value for r in rows if r.get("label")})
    if ours and not {n.casefold() for n in ours} & {n.casefold() for n in theirs}:
        found.append(Finding("label", entity, qid, " | ".join(sorted(ours)),
                             " | ".join(theirs),
                             "no English label or alias of the item is one of our names"))
    wanted = set(wikidata_classes_for(our_types))
    classes = {qid_of(r["class"].value) for r in rows if r.get("class")}
    if wanted and not wanted & classes:
        found.append(Finding("type", entity, qid, " ".join(sorted(wanted)),
                             " ".join(sorted(c for c in classes if c)) or "(none of ours)",
                             "the item is not an instance of a class our type maps to"))
    return found


def _bounds(row: Mapping[str, Term], exact: str, earliest: str, latest: str
            ) -> tuple[str, str] | None:
    low = row.get(exact) or row.get(earliest)
    high = row.get(exact) or row.get(latest)
    if low is None and high is None:
        return None
    return (low.value if low else "", high.value if high else "9999-12-31")


def _truncate(date: str, precision: int) -> str:
    return date[:{9: 4, 10: 7}.get(precision, 10)]


def _agrees(ours: tuple[str, str], theirs: str, precision: int) -> bool:
    day = theirs.lstrip("+")[:10]
    return (_truncate(ours[0], precision) <= _truncate(day, precision)
            <= _truncate(ours[1], precision))


def _end_agrees(ours: tuple[str, str], theirs: str, precision: int) -> bool:
    if _agrees(ours, theirs, precision):
        return True
    try:
        next_day = datetime.date.fromisoformat(theirs.lstrip("+")[:10]) + datetime.timedelta(1)
    except ValueError:
        return False
    return _agrees(ours, next_day.isoformat(), precision)


def _compare_memberships(linked, qids_of, statements) -> list[Finding]:
    found = []
    ours_by_pair: dict[tuple[str, str], list] = {}
    for m in linked:
        ours_by_pair.setdefault((qids_of[m["member"].value], qids_of[m["organization"].value]),
                                []).append(m)
    entity_of = {qid: entity for entity, qid in qids_of.items()}
    for (member, organization), ours in sorted(ours_by_pair.items()):
        theirs = [r for r in statements[member].rows
                  if qid_of(r["organization"].value) == organization]
        for m in ours:
            entity = m["membership"].value
            start = _bounds(m, "start", "startEarliest", "startLatest")
            end = _bounds(m, "end", "endEarliest", "endLatest")
            if not theirs:
                found.append(Finding("membership", entity, f"{member} P463 {organization}",
                                     _span(start, end), "", "Wikidata has no P463 statement "
                                     "for this membership"))
                continue
            if not any(_statement_agrees(start, end, r) for r in theirs):
                found.append(Finding("membership", entity, f"{member} P463 {organization}",
                                     _span(start, end), " ; ".join(_their_span(r) for r in theirs),
                                     "start or end dates differ (P580/P582)"))
    known = {pair for pair in ours_by_pair}
    our_orgs = {org for _, org in known}
    for member, answer in sorted(statements.items()):
        for r in answer.rows:
            organization = qid_of(r["organization"].value)
            if organization in our_orgs and (member, organization) not in known:
                found.append(Finding("membership", entity_of.get(member, ""),
                                     f"{member} P463 {organization}", "", _their_span(r),
                                     "Wikidata records a membership we do not have"))
    return found


def _statement_agrees(start, end, row) -> bool:
    ok_start = start is None or row.get("start") is None or _agrees(
        start, row["start"].value, _precision(row, "startPrecision"))
    if end is None:
        ok_end = row.get("end") is None
    elif row.get("end") is None:
        ok_end = False
    else:
        ok_end = _end_agrees(end, row["end"].value, _precision(row, "endPrecision"))
    return ok_start and ok_end


def _precision(row, name: str) -> int:
    term = row.get(name)
    return int(term.value) if term is not None else 11


def _span(start, end) -> str:
    def show(bounds):
        if bounds is None:
            return ""
        return bounds[0] if bounds[0] == bounds[1] else f"{bounds[0]}..{bounds[1]}"
    return f"{show(start)}/{show(end)}"


def _their_span(row) -> str:
    def show(name):
        term = row.get(name)
        return term.value.lstrip("+")[:10] if term is not None else ""
    return f"{show('start')}/{show('end')}"
