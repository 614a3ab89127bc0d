"""The actors of a loaded dataset as the linker sees them: names, classes and Wikidata links.

>>> import pyoxigraph
>>> from kg.engines import OxigraphEngine
>>> store = pyoxigraph.Store()
>>> g = pyoxigraph.NamedNode("https://w3id.org/diplo-kg/graph/data/actors")
>>> georgia = pyoxigraph.NamedNode("https://w3id.org/diplo-kg/resource/state/georgia")
>>> rdf_type = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
>>> label = pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
>>> store.add(pyoxigraph.Quad(georgia, rdf_type, pyoxigraph.NamedNode(DK + "State"), g))
>>> store.add(pyoxigraph.Quad(georgia, label, pyoxigraph.Literal("Georgia", language="en"), g))
>>> [(a.label, a.wikidata_classes) for a in find_actors(OxigraphEngine(store))]
[('Georgia', ('Q3024240', 'Q3624078', 'Q6256'))]
>>> find_links(OxigraphEngine(store))
{}
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.engines import Engine
from kg.linking.vocabulary import ACTOR_CLASSES, qid_of, wikidata_classes_for
from kg.namespaces import DK, WD

_ACTORS = """
SELECT ?actor ?class ?name ?kind WHERE {
  VALUES ?class { %s }
  ?actor rdf:type/rdfs:subClassOf* ?class .
  { ?actor rdfs:label ?name . BIND("label" AS ?kind) }
  UNION
  { ?actor skos:altLabel ?name . BIND("alias" AS ?kind) }
  FILTER (isIRI(?actor) && (LANG(?name) = "" || LANGMATCHES(LANG(?name), "en")))
}
ORDER BY ?actor ?class ?kind ?name
""" % " ".join(f"<{c}>" for c in ACTOR_CLASSES)

_LINKS = f"""
SELECT ?entity ?item WHERE {{
  ?entity skos:exactMatch ?item .
  FILTER (STRSTARTS(STR(?item), "{WD}"))
}}
ORDER BY ?entity ?item
"""


@dataclass(frozen=True, order=True)
class Actor:
    """One of our actors: its IRI, classes (ours), English label and aliases."""

    iri: str
    classes: tuple[str, ...]
    label: str
    aliases: tuple[str, ...] = ()

    @property
    def wikidata_classes(self) -> tuple[str, ...]:
        """The Wikidata classes a candidate must be an instance of to agree in type."""
        return wikidata_classes_for(self.classes)

    @property
    def names(self) -> tuple[str, ...]:
        """The label, then the aliases: every name looked up on Wikidata."""
        return (self.label, *self.aliases)

    def class_curies(self) -> str:
        """Our classes as ``dk:`` CURIEs, for reports.

        >>> Actor("x", (DK + "City",), "Brussels").class_curies()
        'dk:City'
        """
        return " ".join(f"dk:{c[len(DK):]}" if c.startswith(DK) else c for c in self.classes)


def find_actors(engine: Engine) -> list[Actor]:
    """Every actor of a linkable class that has an English label, sorted by IRI.

    An actor without a label cannot be looked up by name and is left out (the shapes already
    require one).
    """
    classes: dict[str, set[str]] = {}
    labels: dict[str, list[str]] = {}
    aliases: dict[str, list[str]] = {}
    for row in engine.select(_ACTORS, {}).records():
        iri = row["actor"].value
        classes.setdefault(iri, set()).add(row["class"].value)
        target = labels if row["kind"].value == "label" else aliases
        names = target.setdefault(iri, [])
        if row["name"].value not in names:
            names.append(row["name"].value)
    actors = []
    for iri in sorted(classes):
        if not labels.get(iri):
            continue
        label, *other_labels = sorted(labels[iri])
        extra = [n for n in sorted(aliases.get(iri, [])) + other_labels if n != label]
        actors.append(Actor(iri, tuple(sorted(classes[iri])), label,
                            tuple(dict.fromkeys(extra))))
    return actors


def find_links(engine: Engine) -> dict[str, tuple[str, ...]]:
    """Every entity linked to Wikidata (in any graph), with its QIDs."""
    links: dict[str, list[str]] = {}
    for row in engine.select(_LINKS, {}).records():
        qid = qid_of(row["item"].value)
        if qid:
            links.setdefault(row["entity"].value, []).append(qid)
    return {entity: tuple(qids) for entity, qids in links.items()}
