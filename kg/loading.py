"""Load the ontology and the data files into one dataset with a named graph per file.

Files are parsed by Oxigraph, which reports syntax errors with line and column. Loading fills
a fresh store, so a failure leaves nothing half-written anywhere.
"""

from __future__ import annotations

import enum
import xml.parsers.expat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from kg.errors import InputError
from kg.formats import RdfFormat, format_for_path
from kg.namespaces import LINKS_GRAPH, ONTOLOGY_GRAPH, data_graph_iri
from kg.project import Project


class GraphRole(enum.Enum):
    """What a named graph holds; exports and validation select graphs by role."""

    ONTOLOGY = "ontology"
    DATA = "data"
    LINKS = "links"
    INFERRED = "inferred"


@dataclass(frozen=True)
class SourceFile:
    """One input file and the named graph it is loaded into."""

    path: Path
    display_path: str
    graph: str
    role: GraphRole
    rdf_format: RdfFormat


@dataclass(frozen=True)
class LoadedDataset:
    """A store holding the project's graphs, and which file each graph came from."""

    store: pyoxigraph.Store
    files: tuple[SourceFile, ...]

    def graphs(self, *roles: GraphRole) -> list[str]:
        """Names of the graphs that play one of ``roles`` (all graphs if none given)."""
        return [f.graph for f in self.files if not roles or f.role in roles]

    def file_of_graph(self, graph: str) -> str | None:
        """The displayed path of the file that filled ``graph``."""
        return next((f.display_path for f in self.files if f.graph == graph), None)


_RDF_SUFFIXES = {".ttl", ".trig", ".nt", ".nq", ".jsonld", ".rdf", ".owl"}


def discover_files(project: Project) -> list[SourceFile]:
    """The ontology and data files of ``project``, in a stable order.

    ``ontology/*.ttl`` (not the shapes) goes to the ontology graph, ``data/links/*`` to the links
    graph, every other data file to a graph named after its path under ``data/``.
    """
    files: list[SourceFile] = []
    for path in sorted(project.ontology_dir.glob("*")):
        if path.is_file() and path.suffix in _RDF_SUFFIXES:
            files.append(_source(project, path, ONTOLOGY_GRAPH, GraphRole.ONTOLOGY))
    for path in sorted(project.data_dir.rglob("*")):
        if not path.is_file() or path.suffix not in _RDF_SUFFIXES:
            continue
        relative = path.relative_to(project.data_dir)
        if relative.parts[0] == "links":
            files.append(_source(project, path, LINKS_GRAPH, GraphRole.LINKS))
        else:
            stem = relative.with_suffix("").as_posix()
            files.append(_source(project, path, data_graph_iri(stem), GraphRole.DATA))
    if not files:
        raise InputError("no ontology or data files found; expected ontology/*.ttl and "
                         "data/*.ttl", path=project.display(project.root))
    return files


def _source(project: Project, path: Path, graph: str, role: GraphRole) -> SourceFile:
    return SourceFile(path=path, display_path=project.display(path), graph=graph, role=role,
                      rdf_format=format_for_path(path))


def load_files(files: Iterable[SourceFile], *, store: pyoxigraph.Store | None = None,
               on_file: callable = lambda source: None) -> LoadedDataset:
    """Parse each file into its graph of a new in-memory store (or of ``store``).

    Raises:
        InputError: naming ``path:line:column`` when a file does not parse.
    """
    files = tuple(files)
    target = store if store is not None else pyoxigraph.Store()
    for source in files:
        on_file(source)
        load_file(target, source)
    return LoadedDataset(store=target, files=files)


def load_file(store: pyoxigraph.Store, source: SourceFile) -> None:
    """Parse one file into ``store``; quads named in a TriG/N-Quads file keep their graph."""
    to_graph = None if source.rdf_format.has_graphs else pyoxigraph.NamedNode(source.graph)
    if source.rdf_format is RdfFormat.RDFXML:
        _refuse_xml_entities(source)
        _check_well_formed_xml(source)
    try:
        with source.path.open("rb") as stream:
            quads = pyoxigraph.parse(stream, format=source.rdf_format.oxigraph,
                                     base_iri=source.path.resolve().as_uri())
            store.extend(_into_graph(quads, to_graph, pyoxigraph.NamedNode(source.graph)))
    except SyntaxError as error:
        raise _syntax_error(source, error) from None
    except MemoryError as error:
        raise InputError(f"a single token is too large to load ({error}); split huge literals "
                         "or lines (at most 16 MiB each)", path=source.display_path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read this file: {error}", path=source.display_path) from None


def _into_graph(quads, forced_graph, file_graph):
    for quad in quads:
        graph = forced_graph
        if graph is None:
            graph = file_graph if isinstance(quad.graph_name, pyoxigraph.DefaultGraph) \
                else quad.graph_name
        yield pyoxigraph.Quad(quad.subject, quad.predicate, quad.object, graph)


def _refuse_xml_entities(source: SourceFile) -> None:
    """Refuse RDF/XML that declares entities: they allow "billion laughs" expansion and, for
    external entities, reading local files or the network at parse time."""
    with source.path.open("rb") as stream:
        for number, line in enumerate(stream, start=1):
            if b"<!ENTITY" in line.upper():
                raise InputError("RDF/XML entity declarations (<!ENTITY ...>) are refused for "
                                 "safety; expand them in the file", path=source.display_path,
                                 line=number)


def _check_well_formed_xml(source: SourceFile) -> None:
    """Expat reports where XML is ill-formed; Oxigraph's RDF/XML parser does not."""
    parser = xml.parsers.expat.ParserCreate()
    try:
        with source.path.open("rb") as stream:
            parser.ParseFile(stream)
    except xml.parsers.expat.ExpatError as error:
        raise InputError(f"ill-formed XML: {xml.parsers.expat.ErrorString(error.code)}; fix "
                         "the syntax there (the file was not loaded)", path=source.display_path,
                         line=error.lineno, column=error.offset + 1) from None


def _line_of(source: SourceFile, needle: str) -> int | None:
    with source.path.open(encoding="utf-8", errors="replace") as stream:
        return next((n for n, line in enumerate(stream, start=1) if needle in line), None)


def _syntax_error(source: SourceFile, error: SyntaxError) -> InputError:
    message = str(error.args[0]) if error.args else str(error)
    line, column = error.lineno, error.offset
    # Oxigraph prefixes its message with the span; the place is already in path:line:col.
    if message.startswith("Parser error") and ": " in message:
        message = message.split(": ", 1)[1]
    if "LoadDocumentCallback" in message:
        return InputError("a remote JSON-LD @context is never fetched; put the context in the "
                          "file (nothing was loaded)", path=source.display_path,
                          line=_line_of(source, '"@context"'))
    return InputError(f"{message}; fix the syntax there (the file was not loaded)",
                      path=source.display_path, line=line, column=column)
