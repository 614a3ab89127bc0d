"""Typed errors raised by the library; only :mod:`kg.cli` turns them into messages and exit codes.

Every error carries a message that names the thing, the place and the fix.

>>> str(InputError("expected '.'", path="data/x.ttl", line=3, column=7))
"data/x.ttl:3:7: expected '.'"
>>> UnknownQueryError("chanels", ["channels-as-of"]).suggestion
'channels-as-of'
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence


class KgError(Exception):
    """Base class of every error the library raises on purpose."""


class InputError(KgError):
    """A file or value given by the user cannot be read (exit code 2)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        place = ":".join(str(part) for part in (path, line, column) if part is not None)
        super().__init__(f"{place}: {message}" if place else message)


class UnknownQueryError(KgError):
    """A named query does not exist; the message lists the available ones."""

    def __init__(self, name: str, available: Sequence[str]) -> None:
        self.name = name
        self.available = list(available)
        close = difflib.get_close_matches(name, self.available, n=1)
        self.suggestion = close[0] if close else None
        hint = f" did you mean '{self.suggestion}'?" if self.suggestion else ""
        listing = ", ".join(self.available) or "(none)"
        super().__init__(f"unknown query '{name}';{hint} available queries: {listing}")


class ParameterError(KgError):
    """A query parameter is missing, unknown or of the wrong type."""


class EntityResolutionError(KgError):
    """An entity argument matches no entity, or several (the message lists the candidates)."""

    def __init__(self, text: str, candidates: Sequence[str] = ()) -> None:
        self.text = text
        self.candidates = list(candidates)
        if self.candidates:
            listing = "; ".join(self.candidates)
            message = (f"'{text}' is ambiguous: it names {len(self.candidates)} entities "
                       f"({listing}); give an IRI, a CURIE or a Wikidata QID instead")
        else:
            message = (f"no entity matches '{text}'; give an IRI, a CURIE (dkr:state/russia), "
                       "a Wikidata QID (Q159) or an exact label (Russia)")
        super().__init__(message)


class QueryError(KgError):
    """A SPARQL query is malformed or failed while running."""


class ExportError(KgError):
    """An export was asked for in a format or with graphs that do not exist."""
