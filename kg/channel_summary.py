"""What `channels-as-of` shows of a channel whatever the date, worked out once per channel.

A channel's row in `channels-as-of` needs some twenty facts: its date bounds, kind, label,
dormancy periods and citations, and for an ended channel the ending action's label, dates,
reason, provocations and citations, several of them one hop further (the label of the kind,
the number of a cited paragraph). At 10M triples each of those reads is a lookup in a store of
gigabytes, and the rows of multi-valued facts had to be grouped again. The channel index
(:mod:`kg.channel_index`) therefore keeps, for each channel, a *summary* node holding those
facts as the query shows them (strings already made, cited items already joined), and for
each ending action an *ending* node; the query then reads one small node per channel and one
per ending, and needs no grouping. What depends on the date (the status, the end shown, the
members of an alliance) is still worked out by the query.

The values are those the query's SPARQL computes from the asserted and inferred graphs
(``STR()`` of labels, dates and sources; the citations joined as ``GROUP_CONCAT`` joins them,
giving nothing when one of them has no number or no label), but for the channel's date bounds,
copied as they are: the query combines them as it does without the index. One difference,
on data the shapes refuse: a label that is a blank node (``STR()`` of it is an error) is left
out here, where the query without the index shows a row with no label.

>>> import pyoxigraph
>>> from kg.namespaces import PREFIXES
>>> n, dk = pyoxigraph.NamedNode, PREFIXES["dk"]
>>> store = pyoxigraph.Store()
>>> channel = n("http://e/c")
>>> date = pyoxigraph.Literal("2001-02-03", datatype=n(PREFIXES["xsd"] + "date"))
>>> store.add(pyoxigraph.Quad(channel, n(dk + "startDate"), date))
>>> store.add(pyoxigraph.Quad(channel, n(PREFIXES["rdfs"] + "label"),
...                           pyoxigraph.Literal("Hotline", language="en")))
>>> summaries, quads = summarise_channels(store, [channel], skip_graph=n("urn:x:index"))
>>> summaries[channel], quads  # no kind of channel: not shown
([], [])
>>> kind = n("http://e/Hotline")
>>> for p, o in ((n(PREFIXES["rdfs"] + "subClassOf"), n(dk + "Channel")),
...              (n(PREFIXES["rdfs"] + "label"), pyoxigraph.Literal("hotline"))):
...     store.add(pyoxigraph.Quad(kind, p, o))
>>> store.add(pyoxigraph.Quad(channel, n(PREFIXES["rdf"] + "type"), kind))
>>> summaries, quads = summarise_channels(store, [channel], skip_graph=n("urn:x:index"))
>>> for quad in sorted(quads, key=lambda q: q.predicate.value):
...     print(quad.predicate.value.rsplit("#")[1], quad.object.value)
channel http://e/c
kind hotline
label Hotline
order 0
startDate 2001-02-03
"""

from __future__ import annotations

import functools
import hashlib
import itertools

import pyoxigraph

from kg.namespaces import PREFIXES
from kg.results import natural_key

INDEX = "https://w3id.org/diplo-kg/index#"
_DK = PREFIXES["dk"]
_LABEL = pyoxigraph.NamedNode(PREFIXES["rdfs"] + "label")
_TYPE = pyoxigraph.NamedNode(PREFIXES["rdf"] + "type")
_SUBCLASS_OF = pyoxigraph.NamedNode(PREFIXES["rdfs"] + "subClassOf")
_CHANNEL_CLASS = pyoxigraph.NamedNode(_DK + "Channel")
_BOUNDS = ("startDate", "startEarliest", "startLatest", "endDate", "endEarliest", "endLatest",
           "endEDTF")


@functools.cache  # made once: called for every fact of every channel
def _dk(name: str) -> pyoxigraph.NamedNode:
    return pyoxigraph.NamedNode(_DK + name)


@functools.cache
def _idx(name: str) -> pyoxigraph.NamedNode:
    return pyoxigraph.NamedNode(INDEX + name)


class _Facts:
    """The objects of each predicate of a subject, from every graph but the index's, read once
    per subject (a subject read again, such as a kind of channel, is not looked up again)."""

    def __init__(self, store: pyoxigraph.Store, skip_graph: pyoxigraph.NamedNode):
        self._store, self._skip, self._seen = store, skip_graph, {}

    def of(self, subject, predicate: pyoxigraph.NamedNode) -> list:
        facts = self._seen.get(subject)
        if facts is None:
            facts = self._read(subject)
            if len(self._seen) < 100_000:  # kinds, paragraphs, provocations: read often
                self._seen[subject] = facts
        return facts.get(predicate, [])

    def forget(self, subject) -> None:
        self._seen.pop(subject, None)

    def _read(self, subject) -> dict:
        found: dict = {}
        if isinstance(subject, (pyoxigraph.NamedNode, pyoxigraph.BlankNode)):
            for quad in self._store.quads_for_pattern(subject, None, None, None):
                if quad.graph_name != self._skip:
                    values = found.setdefault(quad.predicate, [])
                    if quad.object not in values:  # the same triple in two graphs is one
                        values.append(quad.object)
        return found


def sparql_str(term) -> str | None:
    """``STR()`` of a term as SPARQL computes it; ``None`` where it is an error (a blank node).

    >>> sparql_str(pyoxigraph.Literal("5", datatype=pyoxigraph.NamedNode(
    ...     "http://www.w3.org/2001/XMLSchema#integer"))), sparql_str(pyoxigraph.BlankNode())
    ('5', None)
    """
    if isinstance(term, (pyoxigraph.Literal, pyoxigraph.NamedNode)):
        return term.value
    return None


def joined(values, separator: str = ", ") -> str | None:
    """The distinct values joined in the order kg shows them (:func:`kg.results.natural_key`),
    or ``None`` for none; ``None`` too when one of them is ``None`` (unbound or an error), as
    Oxigraph's ``GROUP_CONCAT`` gives no value then.

    >>> joined(["10", "3", "1", "3"]), joined([]), joined(["1", None])
    ('1, 3, 10', None, None)
    """
    distinct = set(values)
    if None in distinct or not distinct:
        return None
    return separator.join(sorted(distinct, key=natural_key))


def _each_or_unbound(values: list) -> list:
    """The values of an OPTIONAL: each of them, or one unbound."""
    return values or [None]


def summarise_channels(store: pyoxigraph.Store, channels, *, skip_graph: pyoxigraph.NamedNode
                       ) -> tuple[dict, list[pyoxigraph.Quad]]:
    """The summary nodes of each of ``channels`` (a dict channel -> nodes: one per kind and
    label it is shown with, none when it has no kind or no label, as the query shows it) and
    the quads, in ``skip_graph``, that describe them and the ending nodes they link to.

    Each summary has an ``idx:order``, the rank of its (kind, label) among all of them, so that
    the query sorts on a number instead of comparing strings (ties keep their own order)."""
    facts = _Facts(store, skip_graph)
    endings: dict = {}
    summaries: dict = {}
    shown: list[tuple] = []  # (kind, label, summary)
    quads: list[pyoxigraph.Quad] = []
    for channel in channels:
        shared = [(_idx("channel"), channel), *_channel_facts(facts, channel)]
        for action in facts.of(channel, _dk("endedBy")):
            ending = endings.get(action)
            if ending is None:
                ending = endings[action] = derived_node("ending", action)
                quads.extend(pyoxigraph.Quad(ending, p, o, skip_graph)
                             for p, o in _ending_facts(facts, action))
                facts.forget(action)
            shared.append((_idx("ending"), ending))
        nodes = summaries[channel] = []
        for kind, label in _kinds_and_labels(facts, channel):
            summary = derived_node("channel-summary", channel, kind, label)
            nodes.append(summary)
            shown.append((kind, label, summary))
            quads.extend(pyoxigraph.Quad(summary, p, o, skip_graph) for p, o in shared)
        facts.forget(channel)
    ranks = {key: rank for rank, key in enumerate(sorted({(k, l) for k, l, _ in shown}))}
    for kind, label, summary in shown:
        quads.append(pyoxigraph.Quad(summary, _idx("kind"), pyoxigraph.Literal(kind), skip_graph))
        quads.append(pyoxigraph.Quad(summary, _idx("label"), pyoxigraph.Literal(label),
                                     skip_graph))
        quads.append(pyoxigraph.Quad(summary, _idx("order"),
                                     pyoxigraph.Literal(ranks[(kind, label)]), skip_graph))
    return summaries, quads


def _kinds_and_labels(facts: _Facts, channel) -> list[tuple[str, str]]:
    """Each (kind, label) the query shows ``channel`` with: the label of each class of it that
    is a subclass of dk:Channel, and each label of it."""
    kinds = {sparql_str(label)
             for kind in facts.of(channel, _TYPE)
             if _CHANNEL_CLASS in facts.of(kind, _SUBCLASS_OF)
             for label in facts.of(kind, _LABEL)} - {None}
    labels = {sparql_str(label) for label in facts.of(channel, _LABEL)} - {None}
    return sorted(itertools.product(kinds, labels))


def _channel_facts(facts: _Facts, channel):
    """(predicate, object) pairs of the summaries of ``channel`` but its kind and label."""
    for name in _BOUNDS:  # copied as they are: the query combines them as it does elsewhere
        for value in facts.of(channel, _dk(name)):
            yield _idx(name), value
    for dormancy in facts.of(channel, _dk("hasDormancy")):
        yield _idx("dormancy"), dormancy
    yield from _citations(facts, channel)


def _citations(facts: _Facts, subject):
    paragraphs = joined(sparql_str(number)
                        for cited in facts.of(subject, _dk("citesParagraph"))
                        for number in _each_or_unbound(facts.of(cited, _dk("paragraphNumber"))))
    sources = joined(sparql_str(source) for source in facts.of(subject, _dk("citesSource")))
    if paragraphs is not None:
        yield _idx("paragraphs"), pyoxigraph.Literal(paragraphs)
    if sources is not None:
        yield _idx("sources"), pyoxigraph.Literal(sources)


def _ending_facts(facts: _Facts, action):
    """(predicate, object) pairs of the ending node of ``action``."""
    yield _idx("action"), action
    for field, predicate in (("label", _LABEL), ("announced", _dk("announcedOn")),
                             ("reason", _dk("statedReason"))):
        for text in sorted({sparql_str(v) for v in facts.of(action, predicate)} - {None}):
            yield _idx(field), pyoxigraph.Literal(text)
    effective = set()
    dates = _each_or_unbound(facts.of(action, _dk("effectiveDate")))
    earliests = _each_or_unbound(facts.of(action, _dk("effectiveEarliest")))
    for date, earliest in itertools.product(dates, earliests):
        shown = sparql_str(date)
        if shown is None and sparql_str(earliest) is not None:
            shown = sparql_str(earliest) + " or later"
        effective.add(shown)
    for text in sorted(effective - {None}):
        yield _idx("effective"), pyoxigraph.Literal(text)
    provocations = joined((sparql_str(label)
                           for provocation in facts.of(action, _dk("respondsTo"))
                           for label in _each_or_unbound(facts.of(provocation, _LABEL))), "; ")
    if provocations is not None:
        yield _idx("inResponseTo"), pyoxigraph.Literal(provocations)
    yield from _citations(facts, action)


def derived_node(kind: str, *parts) -> pyoxigraph.NamedNode:
    """An IRI of the index for ``parts`` (terms, strings or ``None``; terms in their N-Triples
    form, so IRIs and blank nodes alike), the same each time the index is built.

    >>> x = pyoxigraph.NamedNode("http://e/x")
    >>> derived_node("pair", x, None).value.startswith("urn:x-diplo-kg:pair:")
    True
    >>> derived_node("pair", x, None) == derived_node("pair", x, None) != derived_node("pair", x)
    True
    """
    key = repr(tuple(None if part is None else str(part) for part in parts)).encode()
    return pyoxigraph.NamedNode(f"urn:x-diplo-kg:{kind}:" + hashlib.sha1(key).hexdigest())
