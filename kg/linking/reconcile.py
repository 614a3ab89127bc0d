"""Find Wikidata candidates for unlinked actors, score them, and decide which to link.

Candidates are items whose English label (``rdfs:label``) or alias (``skos:altLabel``) is
exactly one of the actor's names. A candidate's score adds two pieces of evidence:

========================================  =====
evidence                                  score
========================================  =====
our label is their label                  0.6
our label is their alias, or the reverse  0.4
our alias is their alias                  0.2
an instance of one of the actor's classes +0.4
========================================  =====

An actor is linked only when exactly one candidate agrees in type, its score reaches the
threshold (0.8 by default: a label or label/alias match of the right type), and no other
entity is or would be linked to the same item. Several candidates of the right type make the
match ambiguous: the linker refuses and lists them all for a person to decide.

>>> state = "https://w3id.org/diplo-kg/ontology#State"
>>> actor = Actor("https://w3id.org/diplo-kg/resource/state/georgia", (state,), "Georgia")
>>> rows = [_row("Georgia", "Q230", "label", "Q6256"), _row("Georgia", "Q1", "label", None)]
>>> proposal = decide(actor, score_candidates(actor, {"Georgia": rows}), taken={})
>>> proposal.decision.value, proposal.chosen.qid, proposal.chosen.score
('link', 'Q230', 1.0)
>>> [c.qid for c in proposal.candidates]
['Q230', 'Q1']
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from kg.linking.actors import Actor
from kg.linking.client import SelectResult, SparqlClient
from kg.linking.vocabulary import CLASS_MAP, QUERY_PROLOGUE, qid_of
from kg.namespaces import WD
from kg.results import Term

DEFAULT_MIN_SCORE = 0.8
NAME_WEIGHTS = {("label", "label"): 0.6, ("label", "alias"): 0.4, ("alias", "label"): 0.4,
                ("alias", "alias"): 0.2}
TYPE_WEIGHT = 0.4

# Every mapped class, in every query: the query for a name then does not depend on which
# actors share its batch, so its cached answer serves any later run.
ALL_CLASSES = tuple(sorted({q for qids in CLASS_MAP.values() for q in qids}))


class Decision(enum.Enum):
    """What the linker concluded for one actor."""

    LINK = "link"
    AMBIGUOUS = "ambiguous"
    LOW_SCORE = "low score"
    TAKEN = "item already linked"
    WRONG_TYPE = "no candidate of the right type"
    NONE = "no candidate"


@dataclass(frozen=True)
class Candidate:
    """A Wikidata item proposed for an actor, with the evidence for it."""

    qid: str
    label: str
    description: str
    name_match: str
    types: tuple[str, ...]
    score: float

    @property
    def agrees_in_type(self) -> bool:
        return bool(self.types)


@dataclass(frozen=True)
class Proposal:
    """An actor, its ranked candidates, the decision and, when it is to be linked, the item."""

    actor: Actor
    candidates: tuple[Candidate, ...]
    decision: Decision
    chosen: Candidate | None = None
    note: str = ""
    fetched_on: datetime.date | None = None


def candidate_query(names: Sequence[str]) -> str:
    """The SELECT query for the candidates of ``names`` (English labels and aliases).

    >>> query = candidate_query(["Georgia"])
    >>> '"Georgia"@en' in query and "wdt:P31/wdt:P279*" in query
    True
    """
    values = " ".join(_english(n) for n in sorted(names))
    classes = " ".join(f"wd:{q}" for q in ALL_CLASSES)
    return (QUERY_PROLOGUE +
            "SELECT ?name ?item ?via ?itemLabel ?itemDescription ?class WHERE {\n"
            f"  VALUES ?name {{ {values} }}\n"
            "  { ?item rdfs:label ?name . BIND(\"label\" AS ?via) }\n"
            "  UNION\n"
            "  { ?item skos:altLabel ?name . BIND(\"alias\" AS ?via) }\n"
            f"  FILTER (STRSTARTS(STR(?item), \"{WD}Q\"))\n"
            "  OPTIONAL { ?item rdfs:label ?itemLabel . FILTER (LANG(?itemLabel) = \"en\") }\n"
            "  OPTIONAL { ?item schema:description ?itemDescription .\n"
            "             FILTER (LANG(?itemDescription) = \"en\") }\n"
            f"  OPTIONAL {{ VALUES ?class {{ {classes} }}\n"
            "             ?item wdt:P31/wdt:P279* ?class . }\n"
            "}\n"
            "ORDER BY ?name ?item ?via ?class\n")


def _english(text: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r"))
    return f'"{escaped}"@en'


def fetch_candidates(actors: Sequence[Actor], client: SparqlClient, *,
                     batch_size: int = 25) -> dict[str, SelectResult]:
    """The answer to :func:`candidate_query` for every name of ``actors``, by name.

    Raises:
        EndpointError: when the endpoint cannot answer (before anything is written).
    """
    names = sorted({name for actor in actors for name in actor.names})
    return client.select_keyed(names, candidate_query,
                               lambda b: b.get("name", {}).get("value"),
                               batch_size=batch_size)


def score_candidates(actor: Actor, rows_by_name: Mapping[str, Sequence[dict[str, Term]]]
                     ) -> tuple[Candidate, ...]:
    """The candidates for ``actor``, best first (score, then label match, then QID)."""
    wanted = set(actor.wikidata_classes)
    found: dict[str, dict] = {}
    for ours, names in (("label", (actor.label,)), ("alias", actor.aliases)):
        for name in names:
            for row in rows_by_name.get(name, ()):
                qid = qid_of(row["item"].value)
                if qid is None:
                    continue
                entry = found.setdefault(qid, {"weight": 0.0, "match": "", "types": set(),
                                               "label": "", "description": ""})
                weight = NAME_WEIGHTS[(ours, row["via"].value)]
                if weight > entry["weight"]:
                    entry["weight"] = weight
                    entry["match"] = f"our {ours} = their {row['via'].value} ({name})"
                cls = row.get("class")
                if cls is not None and qid_of(cls.value) in wanted:
                    entry["types"].add(qid_of(cls.value))
                if row.get("itemLabel") is not None:
                    entry["label"] = row["itemLabel"].value
                if row.get("itemDescription") is not None:
                    entry["description"] = row["itemDescription"].value
    candidates = [Candidate(qid=qid, label=e["label"], description=e["description"],
                            name_match=e["match"], types=tuple(sorted(e["types"])),
                            score=round(e["weight"] + (TYPE_WEIGHT if e["types"] else 0.0), 2))
                  for qid, e in found.items()]
    return tuple(sorted(candidates, key=lambda c: (-c.score, -_weight_of(c), _qid_key(c.qid))))


def _weight_of(candidate: Candidate) -> float:
    return candidate.score - (TYPE_WEIGHT if candidate.types else 0.0)


def _qid_key(qid: str) -> int:
    return int(qid[1:])


def decide(actor: Actor, candidates: tuple[Candidate, ...], *, taken: Mapping[str, str],
           min_score: float = DEFAULT_MIN_SCORE) -> Proposal:
    """Link, or say why not. ``taken`` maps each already linked QID to its entity."""
    if not candidates:
        return Proposal(actor, candidates, Decision.NONE)
    typed = [c for c in candidates if c.agrees_in_type]
    if not typed:
        return Proposal(actor, candidates, Decision.WRONG_TYPE,
                        note=f"none is an instance of {', '.join(actor.wikidata_classes)}")
    if len(typed) > 1:
        return Proposal(actor, candidates, Decision.AMBIGUOUS,
                        note=f"{len(typed)} candidates of the right type: "
                             f"{', '.join(c.qid for c in typed)}")
    best = typed[0]
    if best.qid in taken:
        return Proposal(actor, candidates, Decision.TAKEN,
                        note=f"{best.qid} is already linked from {taken[best.qid]}")
    if best.score < min_score:
        return Proposal(actor, candidates, Decision.LOW_SCORE,
                        note=f"{best.qid} scores {best.score} < {min_score}")
    return Proposal(actor, candidates, Decision.LINK, chosen=best)


def reconcile(actors: Sequence[Actor], links: Mapping[str, Sequence[str]],
              client: SparqlClient, *, min_score: float = DEFAULT_MIN_SCORE,
              batch_size: int = 25) -> list[Proposal]:
    """Proposals for every actor not yet linked, sorted by actor IRI.

    Actors already linked (curated or reconciled) are skipped; an item already linked from
    another entity is never proposed for a second one, and two actors that would take the
    same item are both refused.

    Raises:
        EndpointError: when the endpoint cannot answer.
    """
    unlinked = [a for a in actors if not links.get(a.iri)]
    answers = fetch_candidates(unlinked, client, batch_size=batch_size)
    rows = {name: answer.rows for name, answer in answers.items()}
    taken = {qid: entity for entity, qids in links.items() for qid in qids}
    proposals = [decide(a, score_candidates(a, rows), taken=taken, min_score=min_score)
                 for a in unlinked]
    chosen: dict[str, list[str]] = {}
    for p in proposals:
        if p.decision is Decision.LINK:
            chosen.setdefault(p.chosen.qid, []).append(p.actor.iri)
    result = []
    for p in proposals:
        if p.decision is Decision.LINK and len(chosen[p.chosen.qid]) > 1:
            others = [e for e in chosen[p.chosen.qid] if e != p.actor.iri]
            p = replace(p, decision=Decision.TAKEN, chosen=None,
                        note=f"{p.chosen.qid} is also the match of {', '.join(others)}")
        fetched_on = max(answers[n].fetched_on for n in p.actor.names)
        result.append(replace(p, fetched_on=fetched_on))
    return result


def _row(name: str, qid: str, via: str, cls: str | None) -> dict[str, Term]:
    """A candidate row as :func:`fetch_candidates` returns it (for examples and tests)."""
    row = {"name": Term.literal(name, language="en"), "item": Term.iri(WD + qid),
           "via": Term.literal(via)}
    if cls:
        row["class"] = Term.iri(WD + cls)
    return row

