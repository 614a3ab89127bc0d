"""Query answers read from the SPARQL results TSV that Oxigraph writes, cell by distinct cell.

Turning an answer into Python objects term by term (``tuple(solution)``) makes a pyoxigraph
object per cell, and kg then looked each up to find its own :class:`~kg.results.Term`: a
hash and a comparison made through the Rust binding for every cell, about a tenth of the
as-of query's time at 1M triples. Oxigraph writes the same answer as TSV text in Rust at
almost no cost, and the cells of an answer repeat (within it and from one query to the next),
so a cell's text is parsed once and found again by a plain string lookup.

The cells are N-Triples terms as Oxigraph writes them: ``<iri>``, ``_:id``, a quoted literal
with ``\\t \\n \\r \\" \\\\`` escaped and an ``@lang`` or ``^^<datatype>`` after it, or bare
``true``/``false``, integers and decimals; an empty cell is unbound.

>>> parse_cell('"Moskva"@ru') == Term.literal("Moskva", language="ru")
True
>>> [parse_cell(c) for c in ("42", "1.5", "true", "")] == [
...     Term.literal("42", datatype=XSD + "integer"), Term.literal("1.5", datatype=XSD + "decimal"),
...     Term.literal("true", datatype=XSD + "boolean"), None]
True
>>> parse_cell('"a\\\\tb \\\\"c\\\\""').value
'a\\tb "c"'
"""

from __future__ import annotations

import re

from kg.results import XSD, XSD_STRING, Term, TermKind, new_term

_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_ESCAPED = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'",
            "\\": "\\"}
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+")


class CellError(ValueError):
    """A cell kg does not read: an RDF 1.2 triple term (kg's terms have no such kind)."""


def parse_cell(cell: str) -> Term | None:
    """The term a TSV cell writes (``None`` for an empty cell: unbound).

    Raises:
        CellError: for a cell in none of the forms above.
    """
    if not cell:
        return None
    first = cell[0]
    if first == "<" and not cell.startswith("<<") and cell.endswith(">"):
        return new_term(TermKind.IRI, cell[1:-1])
    if first == '"':
        end = cell.rindex('"')  # what follows the value (@lang, ^^<iri>) holds no quote
        value = _unescape(cell[1:end]) if "\\" in cell else cell[1:end]
        rest = cell[end + 1:]
        if not rest:
            return new_term(TermKind.LITERAL, value)
        if rest[0] == "@":
            return new_term(TermKind.LITERAL, value, None, rest[1:].lower())
        if rest.startswith("^^<") and rest.endswith(">"):
            datatype = rest[3:-1]
            return new_term(TermKind.LITERAL, value, None if datatype == XSD_STRING else datatype)
    elif cell.startswith("_:"):
        return new_term(TermKind.BLANK, cell[2:])
    elif cell in ("true", "false"):
        return new_term(TermKind.LITERAL, cell, XSD + "boolean")
    elif _INTEGER.fullmatch(cell):
        return new_term(TermKind.LITERAL, cell, XSD + "integer")
    elif _DECIMAL.fullmatch(cell):
        return new_term(TermKind.LITERAL, cell, XSD + "decimal")
    raise CellError(f"not a term kg reads from TSV: {cell[:80]!r}")


def _unescape(text: str) -> str:
    return _ESCAPE.sub(_replacement, text)


def _replacement(match: re.Match) -> str:
    short, long, char = match.groups()
    if short or long:
        return chr(int(short or long, 16))
    return _ESCAPED.get(char, "\\" + char)


class TsvTerms(dict):
    """TSV cells and their terms, filled on demand.

    >>> terms = TsvTerms()
    >>> terms["<http://e/x>"].value, terms[""]
    ('http://e/x', None)
    """

    def __missing__(self, cell: str) -> Term | None:
        term = self[cell] = parse_cell(cell)
        return term


def read_tsv(data: bytes, terms: TsvTerms, pick=None) -> tuple[tuple[str, ...], tuple]:
    """The variables and rows of a TSV answer, each cell a :class:`Term` or ``None``; with
    ``pick`` (a function of the row's cells), only the cells it gives (it gets them all).

    >>> read_tsv(b'?x\\t?y\\n<http://e/a>\\t\\n\\t"b"\\n', TsvTerms())[1][1][1].value
    'b'
    """
    lines = data.decode("utf-8").split("\n")
    header = lines[0]
    variables = tuple(name[1:] for name in header.split("\t")) if header else ()
    body = lines[1:-1]  # every row ends with a newline, an empty one too (one unbound cell)
    if not variables:
        return variables, tuple(() for _ in body)
    get = terms.__getitem__
    if pick is None:
        return variables, tuple(tuple(map(get, line.split("\t"))) for line in body)
    return variables, tuple(tuple(map(get, pick(line.split("\t")))) for line in body)
