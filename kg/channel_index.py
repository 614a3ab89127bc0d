"""An index of who shares a channel with whom, and of what a channel shows, kept in a named
graph of its own.

To list the channels between two actors, a query otherwise reads every channel of one of them
and every party of those channels: at 10M triples the most active state has 10,205 channels,
each a subject the store has not touched yet. The index gives each ordered pair of actors
that share a channel a node, reached from the first actor, naming the second and an entry per
channel they share::

    <actor x> idx:pairing <pair node> .
    <pair node> idx:pairedWith <actor y> ; idx:entry <summary 1>, <summary 2> .
    <summary 1> idx:channel <channel 1> ; idx:startDate ... ; idx:kind "..." ; idx:ending <e> .

so a query reads one node per counterpart instead of one per channel (722 against 10,205 for
that state), and one summary per channel instead of the channel, its kind, its citations and
its ending action (:mod:`kg.channel_summary`). `channels-as-of` reads it. The graph also holds
a version triple; a query that finds no version (the index was never built here: rdflib, a
remote endpoint) finds the channels and their facts the slow way, with the same answers in
the same order (tests/test_channel_index.py; :mod:`kg.channel_summary` names one exception).

The index is derived data, like the inferred graph but not an entailment: it is built where a
named query needs it (:func:`ensure_channel_index`: ``kg query``, once per persistent store;
``kg serve`` at start), dropped before the server applies an update and built again after it,
and never exported. A query that reads it is run without its lines for stores that lack it
where the engine sees it (:meth:`kg.queries.NamedQuery.text_for`): a program that drops the
index from a store while another thread queries that store may get no rows.

>>> import pyoxigraph
>>> from kg.namespaces import PREFIXES
>>> store = pyoxigraph.Store()
>>> node = pyoxigraph.NamedNode
>>> rdfs, dk = PREFIXES["rdfs"], PREFIXES["dk"]
>>> store.add(pyoxigraph.Quad(node(dk + "Hotline"), node(rdfs + "subClassOf"), node(dk + "Channel")))
>>> store.add(pyoxigraph.Quad(node(dk + "Hotline"), node(rdfs + "label"), pyoxigraph.Literal("hotline")))
>>> store.add(pyoxigraph.Quad(node("http://e/c"), node(PREFIXES["rdf"] + "type"), node(dk + "Hotline")))
>>> store.add(pyoxigraph.Quad(node("http://e/c"), node(rdfs + "label"), pyoxigraph.Literal("X-Y line")))
>>> for party in ("http://e/x", "http://e/y"):
...     store.add(pyoxigraph.Quad(node("http://e/c"), node(dk + "party"), node(party)))
>>> build_channel_index(store)
2
>>> has_channel_index(store)
True
>>> sorted(q.object.value for q in store.quads_for_pattern(None, CHANNEL, None, None))
['http://e/c']
>>> len(list(store.quads_for_pattern(None, ENTRY, None, None)))  # from x's pair and from y's
2

A channel without a kind or a label is not shown by the query, and has no summary.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph

from kg.channel_summary import INDEX, derived_node, summarise_channels
from kg.namespaces import DKG, PREFIXES

INDEX_GRAPH = DKG + "index"
VERSION = "2"
_GRAPH = pyoxigraph.NamedNode(INDEX_GRAPH)
PAIRING = pyoxigraph.NamedNode(INDEX + "pairing")
PAIRED_WITH = pyoxigraph.NamedNode(INDEX + "pairedWith")
ENTRY = pyoxigraph.NamedNode(INDEX + "entry")
CHANNEL = pyoxigraph.NamedNode(INDEX + "channel")
_VERSION = pyoxigraph.NamedNode(INDEX + "version")
_PARTY = pyoxigraph.NamedNode(PREFIXES["dk"] + "party")


def has_channel_index(store: pyoxigraph.Store) -> bool:
    """Whether ``store`` holds a channel index of the current version."""
    return any(quad.object.value == VERSION for quad in
               store.quads_for_pattern(_GRAPH, _VERSION, None, _GRAPH))


def drop_channel_index(store: pyoxigraph.Store) -> None:
    """Remove the index from ``store`` (queries then find channels without it)."""
    store.remove_graph(_GRAPH)


def build_channel_index(store: pyoxigraph.Store) -> int:
    """Replace the index in ``store`` with one built from every ``dk:party`` in every other
    graph; returns the number of ordered pairs of actors indexed."""
    drop_channel_index(store)
    parties: dict = defaultdict(set)
    for quad in store.quads_for_pattern(None, _PARTY, None, None):
        if quad.graph_name != _GRAPH and not isinstance(quad.object, pyoxigraph.Literal):
            parties[quad.subject].add(quad.object)
    summaries, quads = summarise_channels(store, parties, skip_graph=_GRAPH)
    quads.append(pyoxigraph.Quad(_GRAPH, _VERSION, pyoxigraph.Literal(VERSION), _GRAPH))
    pairs: dict = {}
    for channel, actors in parties.items():
        for first in actors:
            for second in actors - {first}:
                pair = pairs.get((first, second))
                if pair is None:
                    pair = pairs[(first, second)] = derived_node("pair", first, second)
                    quads.append(pyoxigraph.Quad(first, PAIRING, pair, _GRAPH))
                    quads.append(pyoxigraph.Quad(pair, PAIRED_WITH, second, _GRAPH))
                quads.extend(pyoxigraph.Quad(pair, ENTRY, summary, _GRAPH)
                             for summary in summaries[channel])
    store.extend(quads)
    # On disk, written out now: else the next process to open the store replays the log of
    # every quad added (about 1.5 s at 1M triples).
    store.flush()
    return len(pairs)


def ensure_channel_index(store: pyoxigraph.Store) -> bool:
    """Build the index unless ``store`` has it; ``False`` when the store cannot be written
    (a read-only view: queries then find channels without the index)."""
    if has_channel_index(store):
        return True
    try:
        build_channel_index(store)
    except RuntimeError as error:  # pyoxigraph's word for a read-only store
        if "read-write" not in str(error):
            raise
        return False
    return True
