"""Fast JSON-LD compaction with the curated context, for the project's exports.

PyLD implements the whole JSON-LD 1.1 compaction algorithm and takes minutes at a million
triples. The context here is fixed and simple (prefixes, one term per property with an optional
``@type`` coercion or ``@language`` container, one term per class), so compaction reduces to
choosing, per statement, the term whose definition fits the value, else the compact IRI of
the property with the value in expanded form. Tests check that the result expands back to the
same graph, through rdflib's parser and PyLD's.

>>> context = {"dk": "https://w3id.org/diplo-kg/ontology#", "State": "dk:State",
...            "date": {"@id": "dk:date", "@type": "xsd:date"},
...            "xsd": "http://www.w3.org/2001/XMLSchema#"}
>>> compactor = Compactor(context)
>>> compactor.value_for("https://w3id.org/diplo-kg/ontology#date",
...                     Term.literal("2021-10-18", datatype=compactor.expand("xsd:date")))
('date', '2021-10-18')
>>> compactor.compact_id("https://w3id.org/diplo-kg/ontology#x")
'dk:x'
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable

from kg.results import Term, TermKind

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class Compactor:
    """Compacts statements with one JSON-LD context made of prefixes and simple terms."""

    def __init__(self, context: dict) -> None:
        self.prefixes = {k: v for k, v in context.items()
                         if isinstance(v, str) and v.startswith(("http://", "https://"))}
        self.class_terms: dict[str, str] = {}
        self.property_terms: dict[str, list[tuple[str, dict]]] = defaultdict(list)
        for name, definition in context.items():
            if name.startswith("@") or name in self.prefixes:
                continue
            if isinstance(definition, str):
                self.class_terms[self.expand(definition)] = name
            else:
                self.property_terms[self.expand(definition["@id"])].append((name, definition))
        self._by_length = sorted(self.prefixes.items(), key=lambda item: -len(item[1]))

    def expand(self, curie: str) -> str:
        prefix, _, local = curie.partition(":")
        return self.prefixes[prefix] + local if prefix in self.prefixes else curie

    def compact_id(self, iri: str) -> str:
        """A compact IRI (``prefix:local``) for a node or IRI value, else the IRI itself.

        A local part starting with ``//`` stays expanded: JSON-LD reads ``dkr://x`` as an
        absolute IRI of scheme ``dkr``, not as a compact IRI (JSON-LD 1.1, section 4.1.3).

        >>> Compactor({"ex": "http://example.org/"}).compact_id("http://example.org///x")
        'http://example.org///x'
        """
        for prefix, namespace in self._by_length:
            local = iri[len(namespace):]
            if iri.startswith(namespace) and local and not local.startswith("//"):
                return f"{prefix}:{local}"
        return iri

    def compact_type(self, iri: str) -> str:
        return self.class_terms.get(iri) or self.compact_id(iri)

    def value_for(self, predicate: str, value: Term) -> tuple[str, object]:
        """The key and the compacted value for one statement."""
        for name, definition in self.property_terms.get(predicate, ()):
            coerced = definition.get("@type")
            if definition.get("@container") == "@language":
                if value.language:
                    return name, {value.language: value.value}
            elif coerced == "@id":
                if value.kind is not TermKind.LITERAL:
                    return name, self._node_id(value)
            elif coerced is not None:
                if value.kind is TermKind.LITERAL and value.datatype == self.expand(coerced):
                    return name, value.value
            elif value.kind is TermKind.LITERAL and not value.language and \
                    value.datatype in (None, XSD_STRING):
                return name, value.value
            elif value.kind is not TermKind.LITERAL or value.language or value.datatype:
                return name, self._expanded(value)
        return self.compact_id(predicate), self._expanded(value)

    def _node_id(self, term: Term) -> str:
        return f"_:{term.value}" if term.kind is TermKind.BLANK else self.compact_id(term.value)

    def _expanded(self, value: Term) -> dict:
        if value.kind is not TermKind.LITERAL:
            return {"@id": self._node_id(value)}
        if value.language:
            return {"@value": value.value, "@language": value.language}
        if value.datatype and value.datatype != XSD_STRING:
            return {"@value": value.value, "@type": self.compact_id(value.datatype)}
        return {"@value": value.value}


def compact_document(statements: Iterable[tuple[Term, str, Term]], context: dict) -> dict:
    """A compacted JSON-LD document (``@context`` and a sorted ``@graph``) of ``statements``."""
    compactor = Compactor(context)
    nodes: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for subject, predicate, value in statements:
        node = nodes[compactor._node_id(subject)]
        if predicate == RDF_TYPE and value.kind is TermKind.IRI:
            node["@type"].append(compactor.compact_type(value.value))
            continue
        key, compacted = compactor.value_for(predicate, value)
        node[key].append(compacted)
    graph = []
    for node_id in sorted(nodes):
        node = {"@id": node_id}
        for key, values in sorted(nodes[node_id].items()):
            node[key] = _merge(values)
        graph.append(node)
    return {"@context": context, "@graph": graph}


def _merge(values: list) -> object:
    """One value, a sorted list, or one language map for language-container values."""
    if values and all(isinstance(v, dict) and "@value" not in v and "@id" not in v
                      for v in values):
        merged: dict[str, list[str]] = defaultdict(list)
        for language_map in values:
            for language, text in language_map.items():
                merged[language].append(text)
        return {lang: texts[0] if len(texts) == 1 else sorted(texts)
                for lang, texts in sorted(merged.items())}
    unique = sorted({json.dumps(v, sort_keys=True, ensure_ascii=False): v
                     for v in values}.items())
    return unique[0][1] if len(unique) == 1 else [v for _, v in unique]
