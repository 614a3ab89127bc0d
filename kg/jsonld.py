"""Fast JSON-LD compaction with the curated context, for the project's exports.

PyLD implements the whole JSON-LD 1.1 compaction algorithm and takes minutes at a million
triples. The context here is fixed and simple (prefixes, one term per property with an optional
``@type`` coercion or ``@language`` container, one term per class), so compaction reduces to
choosing, per statement, the term whose definition fits the value, else the compact IRI of
the property with the value in expanded form. That choice depends only on the predicate and the
kind, datatype and language of the value, so it is made once per combination and cached, as are
compact IRIs. The document is written as ``json.dumps(..., indent=2, sort_keys=True)`` would
write it, without its pure-Python encoder. Tests check that the result expands back to the same
graph, through rdflib's parser and PyLD's.

>>> context = {"dk": "https://w3id.org/diplo-kg/ontology#", "State": "dk:State",
...            "date": {"@id": "dk:date", "@type": "xsd:date"},
...            "xsd": "http://www.w3.org/2001/XMLSchema#"}
>>> compactor = Compactor(context)
>>> compactor.value_for("https://w3id.org/diplo-kg/ontology#date",
...                     Term.literal("2021-10-18", datatype=compactor.expand("xsd:date")))
('date', '2021-10-18')
>>> compactor.compact_id("https://w3id.org/diplo-kg/ontology#x")
'dk:x'
>>> print(document_from_ntriples(['<https://w3id.org/diplo-kg/ontology#x> '
...     '<https://w3id.org/diplo-kg/ontology#date> '
...     '"2021-10-18"^^<http://www.w3.org/2001/XMLSchema#date> .'], {"dk": context["dk"]}
...     ).decode())  # doctest: +NORMALIZE_WHITESPACE
{ "@context": { "dk": "https://w3id.org/diplo-kg/ontology#" },
  "@graph": [ { "@id": "dk:x",
                "dk:date": { "@type": "http://www.w3.org/2001/XMLSchema#date",
                             "@value": "2021-10-18" } } ] }
"""

from __future__ import annotations

import gc
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from json.encoder import encode_basestring

from kg.results import Term, TermKind

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
# How a value is written under its key: as a plain string, in a language map, as a node
# identifier, as an expanded value object, or as a class (under "@type").
_PLAIN, _LANGUAGE, _ID, _EXPANDED, _TYPE = range(5)
_IRI, _BLANK, _LITERAL = TermKind.IRI, TermKind.BLANK, TermKind.LITERAL


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
        self._ids: dict[str, str] = {}
        self._rules: dict[tuple, tuple[str, int]] = {}

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
        compact = self._ids.get(iri)
        if compact is None:
            compact = self._ids[iri] = self._compact_id(iri)
        return compact

    def _compact_id(self, iri: str) -> str:
        for prefix, namespace in self._by_length:
            local = iri[len(namespace):]
            if iri.startswith(namespace) and local and not local.startswith("//"):
                return f"{prefix}:{local}"
        return iri

    def compact_type(self, iri: str) -> str:
        return self.class_terms.get(iri) or self.compact_id(iri)

    def value_for(self, predicate: str, value: Term) -> tuple[str, object]:
        """The key and the compacted value for one statement."""
        datatype, language = _datatype(value), value.language or ""
        key, form = self.rule(predicate, value.kind, datatype, language)
        return key, self._compacted(form, value.kind, value.value, datatype, language)

    def rule(self, predicate: str, kind: TermKind, datatype: str, language: str
             ) -> tuple[str, int]:
        """The key and the form of the values of ``predicate`` of this kind (cached).

        ``datatype`` is empty for simple and language-tagged literals, as in :class:`Term`.
        """
        signature = (predicate, kind, datatype, language)
        found = self._rules.get(signature)
        if found is None:
            found = self._rules[signature] = self._rule(predicate, kind, datatype, language)
        return found

    def _rule(self, predicate: str, kind: TermKind, datatype: str, language: str
              ) -> tuple[str, int]:
        literal = kind is _LITERAL
        for name, definition in self.property_terms.get(predicate, ()):
            coerced = definition.get("@type")
            if definition.get("@container") == "@language":
                if language:
                    return name, _LANGUAGE
            elif coerced == "@id":
                if not literal:
                    return name, _ID
            elif coerced is not None:
                if literal and datatype == self.expand(coerced):
                    return name, _PLAIN
            elif literal and not language and not datatype:
                return name, _PLAIN
            else:
                return name, _EXPANDED
        return self.compact_id(predicate), _EXPANDED

    def _compacted(self, form: int, kind: TermKind, value: str, datatype: str,
                   language: str) -> object:
        if form is _PLAIN:
            return value
        if form is _LANGUAGE:
            return {language: value}
        node = None if kind is _LITERAL else (
            f"_:{value}" if kind is _BLANK else self.compact_id(value))
        if form is _ID:
            return node
        if node is not None:
            return {"@id": node}
        if language:
            return {"@value": value, "@language": language}
        if datatype:
            return {"@value": value, "@type": self.compact_id(datatype)}
        return {"@value": value}


class _Values(list):
    """The values of one key of a node, once it has more than one (most keys have one, kept
    as it is, which saves a list per statement)."""


def _put(node: dict[str, object], key: str, value: object) -> None:
    """Add ``value`` to the values of ``key`` in ``node``."""
    values = node.get(key)
    if values is None:
        node[key] = value
    elif type(values) is _Values:
        values.append(value)
    else:
        node[key] = _Values((values, value))


class _Nodes:
    """The node objects of a document under construction, keyed by compacted ``@id``: each
    maps a key to its value, or to :class:`_Values` when it has several."""

    def __init__(self, context: dict) -> None:
        self.context = context
        self.compactor = Compactor(context)
        self.nodes: dict[str, dict[str, object]] = {}

    def node(self, node_id: str) -> dict[str, object]:
        """The values of the node ``node_id`` by key (a new node if it is not there yet)."""
        node = self.nodes.get(node_id)
        if node is None:
            node = self.nodes[node_id] = {}
        return node

    def add(self, node_id: str, predicate: str, kind: TermKind, value: str, datatype: str,
            language: str) -> None:
        node = self.node(node_id)
        compactor = self.compactor
        if predicate == RDF_TYPE and kind is _IRI:
            key, compacted = "@type", compactor.compact_type(value)
        else:
            key, form = compactor.rule(predicate, kind, datatype, language)
            compacted = compactor._compacted(form, kind, value, datatype, language)
        _put(node, key, compacted)

    def document(self) -> dict:
        graph = []
        for node_id in sorted(self.nodes):
            node = {"@id": node_id}
            for key, values in sorted(self.nodes[node_id].items()):
                node[key] = _merge(values) if type(values) is _Values else values
            graph.append(node)
        return {"@context": self.context, "@graph": graph}


def compact_document(statements: Iterable[tuple[Term, str, Term]], context: dict) -> dict:
    """A compacted JSON-LD document (``@context`` and a sorted ``@graph``) of ``statements``."""
    nodes = _Nodes(context)
    for subject, predicate, value in statements:
        node_id = f"_:{subject.value}" if subject.kind is _BLANK else \
            nodes.compactor.compact_id(subject.value)
        nodes.add(node_id, predicate, value.kind, value.value, _datatype(value),
                  value.language or "")
    return nodes.document()


def _datatype(value: Term) -> str:
    return "" if value.datatype in (None, XSD_STRING) else value.datatype


def document_from_ntriples(lines: Iterable[str], context: dict) -> bytes:
    """The JSON-LD export of N-Triples ``lines`` (each triple once), as bytes.

    The lines are read as Oxigraph writes them: one space between terms, literals with their
    escapes, language tags in lower case; ``#`` comments and empty lines are skipped. The
    bytes equal ``json.dumps(compact_document(...), indent=2, ensure_ascii=False,
    sort_keys=True)`` and a newline. Consecutive lines of one subject share its node, and the
    rule of each predicate and kind of object is looked up once.
    """
    with _collection_paused():
        return _compact_lines(lines, context)


@contextmanager
def _collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector, which would otherwise walk the millions of
    values built here again and again (a quarter of the time at 1M triples); the document
    holds no reference cycles, so nothing is left for it to collect."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _compact_lines(lines: Iterable[str], context: dict) -> bytes:
    nodes = _Nodes(context)
    compactor = nodes.compactor
    compact_id, compact_type = compactor.compact_id, compactor.compact_type
    compacted = compactor._compacted
    rules: dict[tuple[str, str], tuple] = {}
    last_subject, node = None, {}
    for line in lines:
        if not line or line[0] == "#":
            continue
        subject, predicate, obj = line[:-2].split(" ", 2)
        if subject != last_subject:
            last_subject = subject
            node = nodes.node(compact_id(subject[1:-1]) if subject[0] == "<" else subject)
        if obj[0] == '"':
            end = obj.rindex('"')
            value, signature = obj[1:end], obj[end + 1:]
            if "\\" in value:
                value = _ECHAR.sub(_unescape, value)
        else:
            value, signature = obj, obj[0]
        rule = rules.get((predicate, signature))
        if rule is None:
            rule = rules[predicate, signature] = _line_rule(compactor, predicate, signature)
        key, form, kind, datatype, language = rule
        if form is _PLAIN:
            item = value
        elif kind is _IRI:
            item = compact_type(value[1:-1]) if form is _TYPE else \
                compacted(form, kind, value[1:-1], datatype, language)
        elif kind is _BLANK:
            item = compacted(form, kind, value[2:], datatype, language)
        else:
            item = compacted(form, kind, value, datatype, language)
        _put(node, key, item)
    return (_dumps(nodes.document(), 0) + "\n").encode()


def _line_rule(compactor: Compactor, predicate: str, signature: str) -> tuple:
    """The key, form, kind, datatype and language for one predicate token and the part of an
    object token that is not its value (``<``, ``_``, ``""``, ``@lang`` or ``^^<datatype>``)."""
    kind = {"<": _IRI, "_": _BLANK}.get(signature, _LITERAL)
    datatype = signature[3:-1] if signature.startswith("^^") else ""
    language = signature[1:].lower() if signature.startswith("@") else ""
    if predicate == f"<{RDF_TYPE}>" and kind is _IRI:
        return "@type", _TYPE, kind, datatype, language
    key, form = compactor.rule(predicate[1:-1], kind, datatype, language)
    return key, form, kind, datatype, language


_ECHAR = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'",
            "\\": "\\"}


def _unescape(match: re.Match) -> str:
    r"""One N-Triples escape sequence decoded.

    >>> _ECHAR.sub(_unescape, r'say \"no\"\n\u00E9\U0001F600')
    'say "no"\né😀'
    """
    short, long, char = match.groups()
    return chr(int(short or long, 16)) if char is None else _ESCAPES[char]


def _merge(values: list) -> object:
    """One value, a sorted list, or one language map for language-container values."""
    if all(isinstance(v, dict) and "@value" not in v and "@id" not in v for v in values):
        merged: dict[str, list[str]] = defaultdict(list)
        for language_map in values:
            for language, text in language_map.items():
                merged[language].append(text)
        return {lang: texts[0] if len(texts) == 1 else sorted(texts)
                for lang, texts in sorted(merged.items())}
    unique = sorted({_sort_key(v): v for v in values}.items())
    return unique[0][1] if len(unique) == 1 else [v for _, v in unique]


def _sort_key(value: object) -> str:
    if isinstance(value, str):
        return encode_basestring(value)  # what json.dumps gives for a string, faster
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _dumps(value: object, indent: int) -> str:
    """``json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)`` for the strings,
    lists and dicts of a document, starting at column ``indent``.

    >>> value = {"b": ["x", {"d": [], "c": 1.5}], "a": "é"}
    >>> _dumps(value, 0) == json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    True
    """
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, dict) and value:
        inner = " " * (indent + 2)
        items = [f"{inner}{encode_basestring(k)}: {_dumps(v, indent + 2)}"
                 for k, v in sorted(value.items())]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    if isinstance(value, list) and value:
        inner = " " * (indent + 2)
        items = [inner + _dumps(v, indent + 2) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"
    return json.dumps(value)
