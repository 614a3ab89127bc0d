"""Just enough SPARQL lexing for what the server must know before a query runs.

Three questions are answered from the text, without a full parser:

* is it a query or an update (:func:`operation_kind`), so that an update sent as a query is
  refused as an update, not reported as a syntax error;
* which remote IRIs it would fetch (:func:`remote_targets`: ``SERVICE`` and ``LOAD``), so that
  the server never becomes a proxy to arbitrary hosts (SSRF);
* the text of a named query with its parameters written in (:func:`inline_parameters`), so the
  UI's examples are ordinary SPARQL that any endpoint accepts.

The lexer skips comments, strings and IRIs the way the SPARQL grammar does, so the word
SERVICE inside a string or a comment is not mistaken for the keyword; when it cannot tell where
a remote call goes (a variable, an unknown prefix) it reports the target as ``None`` and the
caller refuses.

>>> operation_kind("PREFIX x: <http://e/> # a comment\\nINSERT DATA { x:a x:b x:c }")
'update'
>>> operation_kind("SELECT * WHERE { ?s ?p 'INSERT' }")
'query'
>>> remote_targets("SELECT * { SERVICE <http://10.0.0.1/sparql> { ?s ?p ?o } FILTER(?o = 'SERVICE') }")
['http://10.0.0.1/sparql']
>>> remote_targets("SELECT * { SERVICE SILENT ?endpoint { ?s ?p ?o } }")
[None]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
  | (?P<pname>(?:[A-Za-z\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*)?:(?:[\w\-.:%\\\u00b7\u00c0-\uffff]*[\w\-:%\u00b7\u00c0-\uffff])?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)

UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD",
                             "MOVE", "COPY", "WITH"})
_PROLOGUE = frozenset({"PREFIX", "BASE"})


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int


def unescape_codepoints(text: str) -> str:
    r"""Apply SPARQL's ``\uXXXX`` / ``\UXXXXXXXX`` escapes, which act before parsing.

    >>> unescape_codepoints(r"\u0053ERVICE")
    'SERVICE'
    """
    return re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})",
                  lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def tokens(text: str) -> list[Token]:
    """The tokens of ``text`` other than spaces and comments.

    >>> [t.kind for t in tokens("SELECT ?s { ?s a dk:X } # done")]
    ['word', 'var', 'other', 'var', 'word', 'pname', 'other']
    """
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind not in ("space", "comment"):
            found.append(Token(kind, match.group(), match.start()))
    return found


def operation_kind(text: str) -> str:
    """``'update'`` when the first keyword after the prologue is an update keyword, else
    ``'query'``."""
    for token in tokens(unescape_codepoints(text)):
        if token.kind == "word" and token.text.upper() in _PROLOGUE:
            continue
        if token.kind in ("word",):
            return "update" if token.text.upper() in UPDATE_KEYWORDS else "query"
        if token.kind in ("pname", "iri"):
            continue
        return "query"
    return "query"


def remote_targets(text: str, *, prefixes: Mapping[str, str] = {}) -> list[str | None]:
    """The IRIs that ``SERVICE`` and ``LOAD`` in ``text`` would fetch, ``None`` for unknowable.

    ``prefixes`` are the prefixes the engine knows without declarations.

    >>> remote_targets("PREFIX r: <http://h/> LOAD SILENT r:data.ttl")
    ['http://h/data.ttl']
    >>> remote_targets("BASE <http://h/a/> SELECT * { SERVICE <../b> {} }")
    ['http://h/b']
    """
    found: list[str | None] = []
    declared = dict(prefixes)
    base: str | None = None
    items = tokens(unescape_codepoints(text))
    for index, token in enumerate(items):
        upper = token.text.upper() if token.kind == "word" else ""
        if upper == "PREFIX" and index + 2 < len(items) and items[index + 2].kind == "iri":
            declared[items[index + 1].text.rstrip(":")] = _resolve(items[index + 2].text[1:-1],
                                                                    base)
        elif upper == "BASE" and index + 1 < len(items) and items[index + 1].kind == "iri":
            base = _resolve(items[index + 1].text[1:-1], base)
        elif upper in ("SERVICE", "LOAD"):
            following = items[index + 1:index + 3]
            if following and following[0].kind == "word" and following[0].text.upper() == "SILENT":
                following = following[1:]
            found.append(_target(following[0] if following else None, declared, base))
    return found


def _target(token: Token | None, prefixes: Mapping[str, str], base: str | None) -> str | None:
    if token is None:
        return None
    if token.kind == "iri":
        return _resolve(token.text[1:-1], base)
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base else iri


def target_allowed(iri: str | None, allowed: tuple[str, ...]) -> bool:
    """Whether ``iri`` lies under one of the ``allowed`` IRI prefixes (compared per path).

    >>> target_allowed("https://query.wikidata.org/sparql", ("https://query.wikidata.org",))
    True
    >>> target_allowed("https://query.wikidata.org.evil.example/", ("https://query.wikidata.org",))
    False
    >>> target_allowed(None, ("https://query.wikidata.org",))
    False
    """
    if iri is None or not re.match(r"^https?://", iri, re.IGNORECASE):
        return False
    for prefix in allowed:
        if iri == prefix or iri.startswith(prefix if prefix.endswith("/") else prefix + "/"):
            return True
    return False


def inline_parameters(text: str, terms: Mapping[str, str]) -> str:
    """``text`` with each parameter variable replaced by its term in SPARQL syntax.

    A parameter is dropped from the projection (its column would repeat the value), becomes
    ``(term AS ?name)`` in ``GROUP BY`` and ``(term)`` in ``ORDER BY``. The result gives the
    rows of ``text`` run with the parameters substituted (SEP-0007), minus those columns, as
    :func:`kg.queries.run_named_query` does.

    >>> print(inline_parameters("SELECT ?x ?d WHERE { ?x dk:on ?d } GROUP BY ?x ?d ORDER BY ?d",
    ...                         {"d": '"2021-11-02"^^xsd:date'}))
    SELECT ?x WHERE { ?x dk:on "2021-11-02"^^xsd:date } GROUP BY ?x ("2021-11-02"^^xsd:date AS ?d) ORDER BY ("2021-11-02"^^xsd:date)
    >>> print(inline_parameters("SELECT ?x WHERE { { SELECT ?d ?x WHERE { ?x dk:on ?d } } }",
    ...                         {"d": '"2021-11-02"^^xsd:date'}))
    SELECT ?x WHERE { { SELECT ?x WHERE { ?x dk:on "2021-11-02"^^xsd:date } } }

    So does a sub-query's ``GROUP BY``:

    >>> print(inline_parameters("SELECT * WHERE { { SELECT ?x WHERE { ?x dk:on ?d } GROUP BY ?d ?x } }",
    ...                         {"d": "<http://e/d>"}))
    SELECT * WHERE { { SELECT ?x WHERE { ?x dk:on <http://e/d> } GROUP BY (<http://e/d> AS ?d) ?x } }

    A sub-query that projects nothing else keeps the parameter as ``(term AS ?name)``:

    >>> print(inline_parameters("SELECT ?x WHERE { { SELECT ?d WHERE { ?x dk:on ?d } LIMIT 1 } }",
    ...                         {"d": "<http://e/d>"}))
    SELECT ?x WHERE { { SELECT (<http://e/d> AS ?d) WHERE { ?x dk:on <http://e/d> } LIMIT 1 } }
    """
    items = tokens(text)
    clause = "prologue"
    depth = 0
    sub_projection: int | None = None  # depth of a sub-query's SELECT list being read
    sub_dropped: tuple[int, str] | None = None  # the first parameter it dropped: piece, text
    sub_kept = False  # whether it projects anything else
    nested_clause: dict[int, str] = {}  # the clause being read in each sub-query, by depth
    pieces: list[str] = []
    position = 0
    for token in items:
        upper = token.text.upper() if token.kind == "word" else ""
        if upper in ("SELECT", "WHERE", "ORDER", "GROUP", "HAVING", "VALUES", "LIMIT",
                     "OFFSET"):
            if depth == 0:
                clause = upper
            else:  # a sub-query's clauses, by the depth of the group that holds it
                nested_clause[depth] = upper
        if upper == "SELECT" and depth > 0:
            sub_projection, sub_dropped, sub_kept = depth, None, False
        elif sub_projection is not None and (upper == "WHERE" or token.text == "{"):
            if sub_dropped is not None and not sub_kept:
                index, kept = sub_dropped
                pieces[index] += kept + " "
            sub_projection = None
        elif sub_projection is not None and depth == sub_projection and (
                token.kind == "var" and token.text[1:] not in terms or token.text in ("(", "*")):
            sub_kept = True
        if token.text in ("(", "{", "["):
            depth += 1
        elif token.text in (")", "}", "]"):
            depth -= 1
            if token.text == "}":
                nested_clause.pop(depth + 1, None)
        if token.kind == "var" and token.text[1:] in terms:
            name, term = token.text[1:], terms[token.text[1:]]
            replacement = term
            if depth == sub_projection and sub_dropped is None:
                sub_dropped = (len(pieces), f"({term} AS ?{name})")
            if (depth == 0 and clause == "SELECT") or depth == sub_projection:
                replacement = ""
            elif (clause if depth == 0 else nested_clause.get(depth)) == "GROUP":
                replacement = f"({term} AS ?{name})"
            elif (clause if depth == 0 else nested_clause.get(depth)) == "ORDER":
                replacement = f"({term})"
            pieces.append(text[position:token.start] + replacement)
            position = token.start + len(token.text)
            while not replacement and text[position:position + 1] == " ":
                position += 1
        if clause == "SELECT" and token.text == "{" and depth == 1:
            clause = "WHERE"
    pieces.append(text[position:])
    return "".join(pieces)
