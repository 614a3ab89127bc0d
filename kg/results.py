"""Engine-neutral query results and their W3C SPARQL 1.1 serializations (JSON, CSV, TSV).

>>> table = ResultTable(("s", "n"), ((Term.iri("https://w3id.org/diplo-kg/resource/state/russia"),
...                                   Term.literal("8", datatype=XSD_INTEGER)),))
>>> to_csv(table).splitlines()
['s,n', 'https://w3id.org/diplo-kg/resource/state/russia,8']
>>> to_tsv(table).splitlines()[1].split(chr(9))
['<https://w3id.org/diplo-kg/resource/state/russia>', '8']
>>> print(to_table(table))
s                 n
----------------  -
dkr:state/russia  8
"""

from __future__ import annotations

import csv
import enum
import io
import json
from dataclasses import dataclass

from kg.errors import InputError
from kg.namespaces import compact_iri

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
XSD_INTEGER = XSD + "integer"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class TermKind(enum.Enum):
    IRI = "uri"
    LITERAL = "literal"
    BLANK = "bnode"


@dataclass(frozen=True, order=True)
class Term:
    """An RDF term as the W3C results formats describe it."""

    kind: TermKind
    value: str
    datatype: str | None = None
    language: str | None = None

    @classmethod
    def iri(cls, value: str) -> Term:
        return cls(TermKind.IRI, value)

    @classmethod
    def literal(cls, value: str, *, datatype: str | None = None,
                language: str | None = None) -> Term:
        if language:
            return cls(TermKind.LITERAL, value, None, language.lower())
        return cls(TermKind.LITERAL, value, None if datatype in (None, XSD_STRING) else datatype)

    @classmethod
    def blank(cls, value: str) -> Term:
        return cls(TermKind.BLANK, value)

    def to_ntriples(self) -> str:
        """The term in N-Triples syntax (as TSV results write it)."""
        if self.kind is TermKind.IRI:
            return f"<{self.value}>"
        if self.kind is TermKind.BLANK:
            return f"_:{self.value}"
        text = json.dumps(self.value, ensure_ascii=False)
        if self.language:
            return f"{text}@{self.language}"
        if self.datatype == XSD_INTEGER and self.value.lstrip("+-").isdigit():
            return self.value
        return f"{text}^^<{self.datatype}>" if self.datatype else text

    def display(self) -> str:
        """A short human form: CURIEs for IRIs, the plain value for literals."""
        if self.kind is TermKind.IRI:
            return compact_iri(self.value)
        return self.value if self.kind is TermKind.LITERAL else f"_:{self.value}"


_new_object = object.__new__


def new_term(kind: TermKind, value: str, datatype: str | None = None,
             language: str | None = None) -> Term:
    """A :class:`Term` from fields already in canonical form (a lower-case language tag, no
    ``xsd:string`` datatype), written straight into the instance: a frozen dataclass's
    ``__init__`` sets each field through ``object.__setattr__``, which takes 2.5 times longer.

    >>> new_term(TermKind.IRI, "http://e/x") == Term.iri("http://e/x")
    True
    """
    term = _new_object(Term)
    fields = term.__dict__
    fields["kind"] = kind
    fields["value"] = value
    fields["datatype"] = datatype
    fields["language"] = language
    return term


@dataclass(frozen=True)
class ResultTable:
    """The variables of a SELECT query and its rows (``None`` for unbound)."""

    variables: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...]

    def column(self, name: str) -> list[Term | None]:
        index = self.variables.index(name)
        return [row[index] for row in self.rows]

    def records(self) -> list[dict[str, Term]]:
        """Rows as dicts of the bound variables only."""
        return [{v: t for v, t in zip(self.variables, row) if t is not None} for row in self.rows]

    def values(self, name: str) -> list[str | None]:
        """The plain values of one column, for tests and scripts."""
        return [t.value if t is not None else None for t in self.column(name)]


class ResultFormat(enum.Enum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    TSV = "tsv"

    @classmethod
    def from_name(cls, name: str) -> ResultFormat:
        try:
            return cls(name)
        except ValueError:
            names = ", ".join(f.value for f in cls)
            raise InputError(f"unknown result format '{name}'; use one of: {names}") from None


def to_json(table: ResultTable) -> str:
    """SPARQL 1.1 Query Results JSON."""
    bindings = []
    for row in table.rows:
        binding = {}
        for name, term in zip(table.variables, row):
            if term is None:
                continue
            item = {"type": term.kind.value, "value": term.value}
            if term.language:
                item["xml:lang"] = term.language
            elif term.datatype:
                item["datatype"] = term.datatype
            binding[name] = item
        bindings.append(binding)
    document = {"head": {"vars": list(table.variables)}, "results": {"bindings": bindings}}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def to_csv(table: ResultTable) -> str:
    """SPARQL 1.1 Query Results CSV: plain values, CRLF line ends as the spec requires."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.variables)
    for row in table.rows:
        writer.writerow(["" if t is None else (f"_:{t.value}" if t.kind is TermKind.BLANK
                                                else t.value) for t in row])
    return buffer.getvalue()


def natural_key(item: str) -> tuple:
    """Sort key of an item of a joined cell: numbers by value, before any other text.

    >>> sorted(["10", "b", "9", "a"], key=natural_key)
    ['9', '10', 'a', 'b']
    """
    return (0, int(item), "") if item.isdigit() else (1, 0, item)


def to_tsv(table: ResultTable) -> str:
    """SPARQL 1.1 Query Results TSV: terms in N-Triples syntax."""
    lines = ["\t".join(f"?{v}" for v in table.variables)]
    for row in table.rows:
        lines.append("\t".join("" if t is None else _tsv_escape(t.to_ntriples()) for t in row))
    return "\n".join(lines) + "\n"


def _tsv_escape(text: str) -> str:
    return text.replace("\t", "\\t").replace("\n", "\\n")


def to_table(table: ResultTable) -> str:
    """An aligned plain-text table for people, IRIs shortened to CURIEs."""
    cells = [[("" if t is None else t.display()) for t in row] for row in table.rows]
    widths = [max([len(v)] + [len(row[i]) for row in cells]) for i, v in enumerate(table.variables)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(table.variables, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    if not table.rows:
        lines.append("(no rows)")
    return "\n".join(lines)


def render(table: ResultTable, result_format: ResultFormat) -> str:
    """``table`` in ``result_format``."""
    if result_format is ResultFormat.TABLE:
        return to_table(table) + "\n"
    return {ResultFormat.JSON: to_json, ResultFormat.CSV: to_csv,
            ResultFormat.TSV: to_tsv}[result_format](table)
