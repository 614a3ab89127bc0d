"""Named SPARQL queries: files under ``queries/`` with a header of metadata and typed parameters.

A header looks like this (parameters are bound as typed RDF terms, never pasted into text)::

    # title: Channels between two actors on a date
    # description: Every channel between ?a and ?b, and whether it is in force on ?date.
    # param: a dk:Actor default Russia -- the first actor
    # param: date xsd:date default 2021-11-02 -- the day to look at
    # set-valued: paragraphs
    # requires: network

A parameter may appear in triple patterns anywhere, but in a FILTER or BIND only at the top
level of a WHERE clause (the query's or a sub-query's) or of an OPTIONAL: a remote endpoint
receives parameters as a ``VALUES`` block opening each WHERE clause (:mod:`kg.remote`), which
FILTERs nested inside a UNION branch cannot see.

A ``requires: network`` query reaches a remote endpoint (``SERVICE``); tests skip it. A
``set-valued`` column holds a ``GROUP_CONCAT`` whose order SPARQL leaves to the engine; its
items are sorted (numerically when they are numbers) so every engine gives the same bytes.

>>> query = parse_named_query("demo", "# title: Demo\\n# description: D.\\n"
...     "# param: date xsd:date default 2021-11-02 -- the day\\nSELECT * {}\\n")
>>> query.parameters[0]
Parameter(name='date', type='xsd:date', default='2021-11-02', description='the day')
>>> bind_literal(query.parameters[0], "2021-13-45")
Traceback (most recent call last):
...
kg.errors.ParameterError: parameter 'date' expects an xsd:date such as 2021-11-02, got '2021-13-45'
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from kg.engines import Engine
from kg.entities import resolve_entity, resolve_typed_entity
from kg.errors import InputError, ParameterError, UnknownQueryError
from kg.namespaces import compact_iri, expand_curie
from kg.results import XSD, ResultTable, Term, TermKind, natural_key, new_term

LITERAL_TYPES = ("xsd:date", "xsd:integer", "xsd:string", "xsd:boolean")
KNOWN_READS = ("channel-index",)  # derived data a query may read: kg/channel_index.py
# Lines between these two comments only matter where the channel index is not in the store.
WITHOUT_INDEX_FROM = "# without-index: from here"
WITHOUT_INDEX_TO = "# without-index: to here"
_PARAM = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s+(?P<type>\S+)"
                    r"(?:\s+default\s+(?P<default>.+?))?(?:\s+--\s+(?P<description>.*))?$")


@dataclass(frozen=True)
class Parameter:
    """A typed query parameter: a literal type from :data:`LITERAL_TYPES` or a class CURIE."""

    name: str
    type: str
    default: str | None
    description: str

    @property
    def is_entity(self) -> bool:
        return self.type not in LITERAL_TYPES


@dataclass(frozen=True)
class NamedQuery:
    """A query file and its header."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str
    path: Path | None = None
    set_valued: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()

    @property
    def needs_network(self) -> bool:
        """Whether the query reaches a remote endpoint (``# requires: network``)."""
        return "network" in self.requires

    @property
    def reads_channel_index(self) -> bool:
        """Whether the query is quicker with :mod:`kg.channel_index` built in the store
        (``# reads: channel-index``); it gives the same answers without it."""
        return "channel-index" in self.reads

    @cached_property
    def _text_with_index(self) -> str:
        kept, skipping = [], False
        for line in self.text.splitlines(keepends=True):
            stripped = line.strip()
            if stripped == WITHOUT_INDEX_FROM:
                skipping = True
            elif stripped == WITHOUT_INDEX_TO:
                skipping = False
            elif not skipping:
                kept.append(line)
        return "".join(kept)

    def text_for(self, *, channel_index: bool) -> str:
        """The text to run where the channel index is (or is not) in the store.

        A query that reads the index may mark the lines that only matter without it (the branch
        that finds nothing where the index is) between ``# without-index: from here`` and
        ``# without-index: to here``; with the index they are left out, which spares
        planning them (about 5 ms for `channels-as-of`).

        >>> q = parse_named_query("q", "# title: Q\\n# reads: channel-index\\n"
        ...     "SELECT * WHERE { { ?x idx:a ?y }\\n# without-index: from here\\n"
        ...     "UNION { ?x dk:a ?y }\\n# without-index: to here\\n}\\n")
        >>> print(q.text_for(channel_index=True).splitlines()[-2:])
        ['SELECT * WHERE { { ?x idx:a ?y }', '}']
        >>> q.text_for(channel_index=False) == q.text
        True
        """
        return self._text_with_index if channel_index else self.text

    def text_on(self, engine: Engine) -> str:
        """The text to run on ``engine``: without the lines for stores that lack the channel
        index where the query reads it and the engine sees it."""
        return self.text_for(channel_index=self.reads_channel_index
                             and engine.sees_channel_index())

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise ParameterError(f"query '{self.name}' has no parameter '{name}'; "
                             f"its parameters: {known}")


def parse_named_query(name: str, text: str, *, path: Path | None = None) -> NamedQuery:
    """Read the header of a query file."""
    fields: dict[str, list[str]] = {"title": [], "description": [], "param": [],
                                    "set-valued": [], "requires": [], "reads": []}
    where = str(path) if path else name
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"^#\s*(title|description|param|set-valued|requires|reads):\s*(.*)$", line)
        if match:
            fields[match.group(1)].append(match.group(2).strip())
        elif line.strip() and not line.startswith("#"):
            break
    if not fields["title"]:
        raise InputError("a named query needs a '# title: ...' header line", path=where, line=1)
    parameters = []
    for raw in fields["param"]:
        match = _PARAM.match(raw)
        if not match:
            raise InputError(f"cannot read '# param: {raw}'; write "
                             "'# param: NAME TYPE default VALUE -- description'", path=where)
        parameters.append(Parameter(match["name"], match["type"], match["default"],
                                    (match["description"] or "").strip()))
    reads = tuple(" ".join(fields["reads"]).split())
    for read in reads:
        if read not in KNOWN_READS:
            raise InputError(f"'# reads: {read}' names no derived data kg builds; "
                             f"known: {', '.join(KNOWN_READS)}", path=where)
    _check_without_index_marks(text, where, reads_index="channel-index" in reads)
    return NamedQuery(name=name, title=" ".join(fields["title"]),
                      description=" ".join(fields["description"]),
                      parameters=tuple(parameters), text=text, path=path,
                      set_valued=tuple(" ".join(fields["set-valued"]).split()),
                      requires=tuple(" ".join(fields["requires"]).split()),
                      reads=reads)


def _check_without_index_marks(text: str, where: str, *, reads_index: bool) -> None:
    """Marks come in pairs, from before to, in a query that reads the channel index."""
    open_line = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped not in (WITHOUT_INDEX_FROM, WITHOUT_INDEX_TO):
            continue
        if not reads_index:
            raise InputError(f"'{stripped}' only applies to a query that reads the channel "
                             "index; add '# reads: channel-index' or remove the mark",
                             path=where, line=number)
        if (stripped == WITHOUT_INDEX_FROM) == (open_line is not None):
            raise InputError(f"'{stripped}' does not pair: write '{WITHOUT_INDEX_FROM}' then "
                             f"'{WITHOUT_INDEX_TO}'", path=where, line=number)
        open_line = number if stripped == WITHOUT_INDEX_FROM else None
    if open_line is not None:
        raise InputError(f"'{WITHOUT_INDEX_FROM}' is never closed by '{WITHOUT_INDEX_TO}'",
                         path=where, line=open_line)


def load_catalog(queries_dir: Path) -> dict[str, NamedQuery]:
    """Every ``*.rq`` directly under ``queries_dir``, by name (the file stem), sorted."""
    catalog = {}
    for path in sorted(queries_dir.glob("*.rq")):
        catalog[path.stem] = parse_named_query(path.stem, path.read_text(encoding="utf-8"),
                                               path=path)
    return catalog


def find_query(name_or_file: str, catalog: Mapping[str, NamedQuery]) -> NamedQuery:
    """A query by catalog name, or from a ``.rq`` file path."""
    if name_or_file in catalog:
        return catalog[name_or_file]
    if name_or_file.endswith(".rq"):
        path = Path(name_or_file)
        if not path.is_file():
            raise InputError("no such query file", path=name_or_file)
        text = path.read_text(encoding="utf-8")
        return parse_named_query(path.stem, text if text.startswith("#")
                                 else f"# title: {path.stem}\n{text}", path=path)
    raise UnknownQueryError(name_or_file, sorted(catalog))


def bind_literal(parameter: Parameter, raw: str) -> Term:
    """The typed literal for a literal parameter, or a :class:`ParameterError`."""
    if parameter.type == "xsd:date":
        try:
            value = datetime.date.fromisoformat(raw)
        except ValueError:
            raise ParameterError(f"parameter '{parameter.name}' expects an xsd:date such as "
                                 f"2021-11-02, got '{raw}'") from None
        if len(raw) != 10:
            raise ParameterError(f"parameter '{parameter.name}' expects YYYY-MM-DD, got '{raw}'")
        return Term.literal(value.isoformat(), datatype=XSD + "date")
    if parameter.type == "xsd:integer":
        if not re.fullmatch(r"[+-]?\d+", raw.strip()):
            raise ParameterError(f"parameter '{parameter.name}' expects an integer, got '{raw}'")
        return Term.literal(str(int(raw)), datatype=XSD + "integer")
    if parameter.type == "xsd:boolean":
        if raw not in ("true", "false"):
            raise ParameterError(f"parameter '{parameter.name}' expects true or false, "
                                 f"got '{raw}'")
        return Term.literal(raw, datatype=XSD + "boolean")
    return Term.literal(raw)


def bind_parameters(query: NamedQuery, given: Mapping[str, str],
                    engine: Engine) -> dict[str, Term]:
    """Typed RDF terms for every parameter: the given values, else the defaults.

    Raises:
        ParameterError: for an unknown parameter, a missing value or a value of the wrong type.
        EntityResolutionError: for an entity that matches nothing or several things.
    """
    for name in given:
        query.parameter(name)
    bindings: dict[str, Term] = {}
    for parameter in query.parameters:
        raw = given.get(parameter.name, parameter.default)
        if raw is None:
            raise ParameterError(f"query '{query.name}' needs --param {parameter.name}=VALUE "
                                 f"({parameter.type}: {parameter.description})")
        bindings[parameter.name] = _bind(parameter, raw, engine)
    return bindings


def _bind(parameter: Parameter, raw: str, engine: Engine) -> Term:
    if not parameter.is_entity:
        return bind_literal(parameter, raw)
    if parameter.type == "iri":
        return Term.iri(resolve_entity(raw, engine))
    class_iri = expand_curie(parameter.type) or parameter.type
    iri, typed = resolve_typed_entity(raw, class_iri, engine)
    if not typed:
        raise ParameterError(f"parameter '{parameter.name}' expects a {parameter.type}, but "
                             f"'{raw}' ({compact_iri(iri)}) is not one")
    return Term.iri(iri)


def run_named_query(query: NamedQuery, given: Mapping[str, str], engine: Engine) -> ResultTable:
    """Bind the parameters of ``query`` and run it on ``engine``."""
    bindings = bind_parameters(query, given, engine)
    table = engine.select(query.text_on(engine), bindings, without=tuple(bindings))
    return canonical_sets(table, query.set_valued)


SET_SEPARATORS = ("; ", ", ")


def canonical_sets(table: ResultTable, columns: tuple[str, ...]) -> ResultTable:
    """Sort the items of each joined cell in ``columns``; an empty cell becomes unbound.

    Items are joined by ``"; "`` when the cell holds one, else by ``", "``. Engines disagree on
    an empty ``GROUP_CONCAT`` (``""`` or unbound), so both become unbound.

    >>> t = ResultTable(("p",), ((Term.literal("10, 4, 9"),), (Term.literal(""),)))
    >>> canonical_sets(t, ("p",)).values("p")
    ['4, 9, 10', None]
    """
    indexes = [table.variables.index(c) for c in columns if c in table.variables]
    if not indexes:
        return table
    # Rows repeat the same joined cells (the sources of one report), and so do queries: each
    # is sorted once, and a row whose cells were already in order is kept as it is.
    rows = []
    for row in table.rows:
        cells = None
        for i in indexes:
            cell = row[i]
            if cell is None:
                continue
            if not cell.value:
                found = None
            elif "; " in cell.value or ", " in cell.value:  # SET_SEPARATORS
                # OxigraphEngine gives one Term object per distinct value and keeps it between
                # queries, so the cell itself is the key; the entry holds it, so that its id is
                # not reused while cached. (Other engines make a Term per cell: sorted again.)
                seen = _SORTED_CELLS.get(id(cell))
                if seen is not None and seen[0] is cell:
                    found = seen[1]
                else:
                    found = _sorted_items(cell)
                    if len(_SORTED_CELLS) >= _SORTED_CELLS_LIMIT:
                        _SORTED_CELLS.clear()
                    _SORTED_CELLS[id(cell)] = (cell, found)
            else:
                continue
            if found is not cell:
                if cells is None:
                    cells = list(row)
                cells[i] = found
        rows.append(row if cells is None else tuple(cells))
    return ResultTable(table.variables, tuple(rows))


_SORTED_CELLS: dict = {}  # id of a joined cell -> (the cell, its sorted Term)
_SORTED_CELLS_LIMIT = 65_536


def _sorted_items(term: Term) -> Term | None:
    """``term``, a cell holding a separator, with its distinct items in order (``None`` when
    it holds no item); ``term`` itself when they already are."""
    separator = next(sep for sep in SET_SEPARATORS if sep in term.value or sep == ", ")
    items = sorted({item for item in term.value.split(separator) if item}, key=natural_key)
    if not items:
        return None
    joined = separator.join(items)
    if joined == term.value:
        return term  # already in order
    return new_term(TermKind.LITERAL, joined, term.datatype, term.language)
