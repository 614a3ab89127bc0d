"""The steps of a build as functions: load, reason, validate; each returns something new.

>>> from kg.project import Project
>>> callable(load_project)
True
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from typing import TYPE_CHECKING

import pyoxigraph

from kg.engines import OxigraphEngine
from kg.loading import GraphRole, LoadedDataset, SourceFile, discover_files, load_files
from kg.namespaces import INFERRED_GRAPH
from kg.project import Project
from kg.store import open_store

if TYPE_CHECKING:  # rdflib and the validators load when used: `kg query` starts quicker
    import rdflib

    from kg.validation import Finding, ValidationReport

Step = Callable[[str], None]


def _quiet(_step: str) -> None:
    """Default progress callback: says nothing."""


def load_project(project: Project, *, store_path: Path | None = None,
                 progress: Step = _quiet) -> LoadedDataset:
    """Parse the ontology and data of ``project`` into a new store (in memory by default).

    With ``store_path``, the store lives on disk (:mod:`kg.store`). If it was filled from
    exactly the current files (same paths, sizes and modification times), it is opened as it
    is, without parsing anything; otherwise the files are parsed into memory first, and a new
    store filled from them replaces the old one as a whole, so a parse error, a crash or a kill
    leaves either the old store or the new one.

    Raises:
        InputError: a file does not parse, or the store folder cannot be used.
        StoreInUseError: the store is open in another process.
    """
    files = discover_files(project)

    def parse() -> pyoxigraph.Store:
        return load_files(files,
                          on_file=lambda source: progress(f"load {source.display_path}")).store

    if store_path is None:
        return LoadedDataset(store=parse(), files=tuple(files))
    store = open_store(store_path, stamp=_fingerprint(files), fill=parse, progress=progress)
    return LoadedDataset(store=store, files=tuple(files))


def _fingerprint(files: list[SourceFile]) -> list[list]:
    result = []
    for source in files:
        stat = source.path.stat()
        result.append([source.display_path, source.graph, stat.st_size, stat.st_mtime_ns])
    return result


class Reasoner(enum.Enum):
    """Who computes the OWL 2 RL entailments: SPARQL updates in Oxigraph (fast) or owlrl."""

    RULES = "rules"
    OWLRL = "owlrl"


def with_inferences(loaded: LoadedDataset, *, reasoner: Reasoner = Reasoner.RULES,
                    progress: Step = _quiet, in_place: bool = False) -> LoadedDataset:
    """A dataset whose inferred graph holds the OWL 2 RL entailments of the asserted graphs.

    The asserted graphs are read, never written; a previous inferred graph is replaced. By
    default the result has a store of its own and ``loaded`` is left as it was; with
    ``in_place`` (for a caller that owns ``loaded``, such as ``kg build``) the inferred graph is
    written into ``loaded``'s store, which saves a copy of every quad.
    """
    progress(f"reason (OWL 2 RL, {reasoner.value})")
    asserted_graphs = loaded.graphs(GraphRole.ONTOLOGY, GraphRole.DATA, GraphRole.LINKS)
    inferred_node = pyoxigraph.NamedNode(INFERRED_GRAPH)
    if in_place:
        store = loaded.store
        store.clear_graph(inferred_node)
    else:
        store = pyoxigraph.Store()
        store.bulk_extend(q for q in loaded.store if q.graph_name != inferred_node)
    if reasoner is Reasoner.OWLRL:
        from kg.rdflib_bridge import add_graph_to_store, graph_from_store
        from kg.reasoning import infer
        add_graph_to_store(store, infer(graph_from_store(loaded.store, asserted_graphs)),
                           INFERRED_GRAPH)
    else:
        from kg.materialize import materialize
        materialize(store, asserted_graphs, INFERRED_GRAPH)
    marker = SourceFile(path=Path("(reasoner)"), display_path="(OWL 2 RL reasoner)",
                        graph=INFERRED_GRAPH, role=GraphRole.INFERRED, rdf_format=None)
    files = tuple(f for f in loaded.files if f.role is not GraphRole.INFERRED) + (marker,)
    return replace(loaded, store=store, files=files)


class Validator(enum.Enum):
    """Who runs the SHACL shapes: queries compiled for Oxigraph (fast) or pySHACL (reference)."""

    FAST = "fast"
    PYSHACL = "pyshacl"


def validate(loaded: LoadedDataset, project: Project, *, validator: Validator = Validator.FAST,
             progress: Step = _quiet) -> ValidationReport:
    """SHACL shapes (on the asserted graphs, inference off) and the ``*-violation`` checks.

    With ``Validator.FAST``, SHACL Core (:mod:`kg.shacl_core`) and SHACL-SPARQL
    (:mod:`kg.shacl_sparql`) constraints run as whole-graph queries in Oxigraph, and pySHACL
    only runs the shapes the compiler does not translate (none of the project's); with
    ``Validator.PYSHACL``, pySHACL runs every shape. Both give the same findings.
    """
    from kg.rdflib_bridge import graph_from_store
    from kg.validation import ValidationReport, load_shapes, run_checks, run_shacl
    asserted_graphs = loaded.graphs(GraphRole.ONTOLOGY, GraphRole.DATA, GraphRole.LINKS)
    asserted = _asserted_engine(loaded, asserted_graphs)
    shapes = load_shapes(project.shapes_dir)
    if validator is Validator.PYSHACL:
        progress("validate (SHACL, pySHACL)")
        findings = run_shacl(graph_from_store(loaded.store, asserted_graphs), shapes)
    else:
        findings = _fast_shacl(loaded, asserted_graphs, asserted, shapes, progress)
    progress("validate (queries/checks, Oxigraph)")
    findings += run_checks(project.checks_dir, asserted)
    located = [replace(f, file=_defining_file(loaded, f.focus)) for f in findings]
    return ValidationReport(tuple(sorted(located)))


def _fast_shacl(loaded: LoadedDataset, asserted_graphs: list[str], asserted: OxigraphEngine,
                shapes: rdflib.Graph, progress: Step) -> list[Finding]:
    from kg.rdflib_bridge import graph_from_store
    from kg.shacl_core import run_core, split_core_constraints
    from kg.shacl_sparql import run_compiled, split_sparql_constraints
    from kg.validation import run_shacl
    core_shapes, sparql_constraints = split_sparql_constraints(shapes)
    split = split_core_constraints(core_shapes)
    progress("validate (SHACL Core and SHACL-SPARQL, Oxigraph)")
    findings = run_core(split.checks, asserted) + run_compiled(sparql_constraints, asserted)
    if split.needs_pyshacl:
        progress(f"validate ({len(split.fallbacks)} shape(s) the compiler skips, pySHACL)")
        findings += run_shacl(graph_from_store(loaded.store, asserted_graphs), split.leftover)
    return findings


def _asserted_engine(loaded: LoadedDataset, asserted_graphs: list[str]) -> OxigraphEngine:
    """An engine over the asserted graphs; Oxigraph answers far faster over the union of all
    graphs than over a list of them, so the union is used when it is the same thing."""
    store = loaded.store
    others = {g.value for g in store.named_graphs()} - set(asserted_graphs)
    default_empty = next(iter(store.quads_for_pattern(None, None, None,
                                                      pyoxigraph.DefaultGraph())), None) is None
    if not others and default_empty:
        return OxigraphEngine(store)
    return OxigraphEngine(store, graphs=asserted_graphs)


def _defining_file(loaded: LoadedDataset, focus: str) -> str | None:
    if not focus.startswith(("http://", "https://", "urn:")):
        return None
    solutions = loaded.store.query(
        "SELECT DISTINCT ?g ?focus WHERE { GRAPH ?g { ?focus ?p ?o } } ORDER BY ?g",
        substitutions={pyoxigraph.Variable("focus"): pyoxigraph.NamedNode(focus)})
    files = [loaded.file_of_graph(s["g"].value) for s in solutions]
    files = [f for f in files if f and not f.startswith("(")]
    return ", ".join(files) if files else None
