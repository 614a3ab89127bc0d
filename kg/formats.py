"""The one lookup table of RDF formats: file extensions, media types and parsers' names.

An unknown format is an error, never a guess.

>>> format_for_path(Path("data/actors.ttl")).name
'TURTLE'
>>> RdfFormat.from_name("jsonld").extension
'.jsonld'
>>> RdfFormat.from_name("rdfa")
Traceback (most recent call last):
...
kg.errors.InputError: unknown RDF format 'rdfa'; use one of: turtle, jsonld, ntriples, trig, nquads, rdfxml
"""

from __future__ import annotations

import enum
from pathlib import Path

import pyoxigraph

from kg.errors import InputError


class RdfFormat(enum.Enum):
    """RDF serializations the project reads and writes."""

    TURTLE = ("turtle", ".ttl", "text/turtle", False)
    JSONLD = ("jsonld", ".jsonld", "application/ld+json", False)
    NTRIPLES = ("ntriples", ".nt", "application/n-triples", False)
    TRIG = ("trig", ".trig", "application/trig", True)
    NQUADS = ("nquads", ".nq", "application/n-quads", True)
    RDFXML = ("rdfxml", ".rdf", "application/rdf+xml", False)

    def __init__(self, cli_name: str, extension: str, media_type: str, has_graphs: bool) -> None:
        self.cli_name = cli_name
        self.extension = extension
        self.media_type = media_type
        self.has_graphs = has_graphs

    @property
    def oxigraph(self) -> pyoxigraph.RdfFormat:
        """The matching pyoxigraph format."""
        return {
            "turtle": pyoxigraph.RdfFormat.TURTLE,
            "jsonld": pyoxigraph.RdfFormat.JSON_LD,
            "ntriples": pyoxigraph.RdfFormat.N_TRIPLES,
            "trig": pyoxigraph.RdfFormat.TRIG,
            "nquads": pyoxigraph.RdfFormat.N_QUADS,
            "rdfxml": pyoxigraph.RdfFormat.RDF_XML,
        }[self.cli_name]

    @classmethod
    def names(cls) -> list[str]:
        return [member.cli_name for member in cls]

    @classmethod
    def from_name(cls, name: str) -> RdfFormat:
        """The format called ``name`` on the command line."""
        for member in cls:
            if member.cli_name == name:
                return member
        raise InputError(f"unknown RDF format '{name}'; use one of: {', '.join(cls.names())}")


_EXTENSIONS = {member.extension: member for member in RdfFormat} | {".json-ld": RdfFormat.JSONLD,
                                                                     ".owl": RdfFormat.RDFXML}


def format_for_path(path: Path) -> RdfFormat:
    """The format of a file, from its extension."""
    try:
        return _EXTENSIONS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(_EXTENSIONS))
        raise InputError(f"cannot tell the RDF format of this file from its extension; "
                         f"rename it to one of {known}", path=str(path)) from None
