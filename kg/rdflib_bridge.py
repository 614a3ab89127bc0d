"""Copies of store graphs as rdflib graphs, for the libraries that speak rdflib (owlrl, pyshacl).

The copy goes through N-Quads, which both libraries read and write losslessly.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph
import rdflib


def graph_from_store(store: pyoxigraph.Store, graphs: Iterable[str]) -> rdflib.Graph:
    """One rdflib graph holding the union of the named ``graphs`` of ``store``.

    >>> store = pyoxigraph.Store()
    >>> g = pyoxigraph.NamedNode("http://example.org/g")
    >>> store.add(pyoxigraph.Quad(g, g, pyoxigraph.Literal("x"), g))
    >>> len(graph_from_store(store, ["http://example.org/g"]))
    1
    """
    union = rdflib.Graph()
    for name in graphs:
        data = store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES,
                          from_graph=pyoxigraph.NamedNode(name))
        if data:
            union.parse(data=data.decode("utf-8"), format="nt")
    return union


def dataset_from_store(store: pyoxigraph.Store) -> rdflib.Dataset:
    """An rdflib dataset with the same named graphs as ``store``; its default graph is the union.

    >>> store = pyoxigraph.Store()
    >>> g = pyoxigraph.NamedNode("http://example.org/g")
    >>> store.add(pyoxigraph.Quad(g, g, g, g))
    >>> len(list(dataset_from_store(store).quads()))
    1
    """
    dataset = rdflib.Dataset(default_union=True)
    data = store.dump(format=pyoxigraph.RdfFormat.N_QUADS)
    if data:
        dataset.parse(data=data.decode("utf-8"), format="nquads")
    return dataset


def add_graph_to_store(store: pyoxigraph.Store, graph: rdflib.Graph, name: str) -> None:
    """Copy an rdflib graph into the named graph ``name`` of ``store``."""
    data = graph.serialize(format="nt", encoding="utf-8")
    store.load(data, format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=pyoxigraph.NamedNode(name))
