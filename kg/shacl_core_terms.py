"""SHACL Core value tests as SPARQL expressions, and pySHACL's own re-checks in Python.

:mod:`kg.shacl_core` compiles a shape's constraints into whole-graph queries; this module
writes the per-value part of them: for a constraint component and a variable, a SPARQL
boolean expression that is true when the value node *violates* the constraint (or, for
shapes nested in ``sh:or``/``sh:not``/``sh:node``/``sh:qualifiedValueShape``, when a node
*conforms* to the shape). Semantics follow pySHACL 0.40 where it differs from the letter of
the spec (string/number comparisons, ``sh:languageIn`` on the first subtag, ``sh:pattern`` on
IRIs); each case is named in :data:`VALUE_COMPONENTS`.

Two tests cannot be written exactly in SPARQL, so the query returns candidates and Python
decides with pySHACL's logic: whether a literal of the right datatype is well-formed (rdflib's
parser, not Oxigraph's) and whether a string matches ``sh:pattern`` (Python's ``re``).

>>> shapes = rdflib.Graph().parse(data='''
...   @prefix sh: <http://www.w3.org/ns/shacl#> .
...   <x:S> sh:nodeKind sh:IRI ; sh:minLength 2 .''', format="turtle")
>>> value_failure(shapes, rdflib.URIRef("x:S"), SH.nodeKind, SH.IRI, "?v", Fresh())
'!isIRI(?v)'
>>> value_failure(shapes, rdflib.URIRef("x:S"), SH.minLength, rdflib.Literal(2), "?v", Fresh())
'(isBlank(?v) || STRLEN(STR(?v)) < 2)'
"""

from __future__ import annotations

import datetime
import decimal
import itertools
import re
from collections.abc import Callable

import rdflib
from rdflib import RDF, RDFS, XSD
from rdflib.namespace import SH

from kg.errors import KgError
from kg.results import Term, TermKind


class UnsupportedShapeError(KgError):
    """A shape uses SHACL that the SPARQL compiler does not translate (pySHACL runs it).

    See https://www.w3.org/TR/shacl/#core-components for the components; the supported ones
    are :data:`VALUE_COMPONENTS` and the cardinality, pair and qualified ones in
    :mod:`kg.shacl_core`.
    """


class Fresh:
    """Fresh SPARQL variable names for nested patterns (``?v1``, ``?v2``, ...).

    >>> fresh = Fresh()
    >>> fresh(), fresh()
    ('?v1', '?v2')
    """

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        return f"?v{next(self._counter)}"


#: Predicates of a shape that describe it rather than constrain its values.
DESCRIPTIVE = frozenset({SH.message, SH.severity, SH.deactivated, SH.name, SH.description,
                         SH.order, SH.group, SH.defaultValue, SH.targetClass, SH.targetNode,
                         SH.targetSubjectsOf, SH.targetObjectsOf, SH.path, SH.property})

#: Parameters that only make sense with another one (sh:flags with sh:pattern, ...).
COMPANIONS = frozenset({SH.flags, SH.qualifiedMinCount, SH.qualifiedMaxCount})

# A lexical form that both rdflib and Oxigraph accept for the datatype; others go to rdflib.
_SURELY_WELL_FORMED = {
    XSD.integer: r"^[+-]?[0-9]+$",
    XSD.date: r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$",
}
# What pySHACL's DatatypeConstraintComponent requires of the Python value of a literal.
_PYTHON_TYPES: dict[rdflib.URIRef, type | tuple[type, ...]] = {
    XSD.integer: int, XSD.float: float, XSD.decimal: decimal.Decimal, XSD.boolean: bool,
    XSD.date: datetime.date, XSD.time: datetime.time, XSD.dateTime: datetime.datetime,
}
_NODE_KINDS = {
    SH.IRI: "!isIRI({v})", SH.BlankNode: "!isBlank({v})", SH.Literal: "!isLiteral({v})",
    SH.BlankNodeOrIRI: "isLiteral({v})", SH.BlankNodeOrLiteral: "isIRI({v})",
    SH.IRIOrLiteral: "isBlank({v})",
}


def sparql_term(node: rdflib.term.Node) -> str:
    """``node`` in SPARQL syntax, with full IRIs.

    >>> sparql_term(rdflib.Literal(0))
    '"0"^^<http://www.w3.org/2001/XMLSchema#integer>'
    >>> sparql_term(rdflib.URIRef("http://example.org/a"))
    '<http://example.org/a>'
    """
    if isinstance(node, rdflib.Literal) and node.datatype is not None:
        return f"{rdflib.Literal(str(node)).n3()}^^<{node.datatype}>"
    if isinstance(node, (rdflib.URIRef, rdflib.Literal)):
        return node.n3()
    raise UnsupportedShapeError(f"a blank node ({node}) as a constraint parameter")


def instance_of(var: str, cls: rdflib.term.Node) -> str:
    """A pattern: ``var`` is an instance of ``cls`` or of a subclass (as pySHACL reads it)."""
    return f"{var} <{RDF.type}>/<{RDFS.subClassOf}>* {sparql_term(cls)}"


def value_failure(shapes: rdflib.Graph, shape, predicate, parameter, var: str,
                  fresh: Fresh) -> str:
    """A SPARQL expression, true when the value ``var`` violates ``predicate parameter``."""
    if predicate not in VALUE_COMPONENTS:
        raise UnsupportedShapeError(f"shape {shape} uses {predicate}")
    return VALUE_COMPONENTS[predicate](shapes, shape, parameter, var, fresh)


def conforms(shapes: rdflib.Graph, shape, var: str, fresh: Fresh) -> str:
    """A SPARQL expression, true when the node ``var`` conforms to the nested ``shape``."""
    if shapes.value(shape, SH.deactivated) == rdflib.Literal(True):
        return "true"
    path = shapes.value(shape, SH.path)
    if path is not None and shapes.value(shape, SH.property) is not None:
        raise UnsupportedShapeError(f"property shape {shape} has property shapes of its own")
    parts = []
    for predicate, parameter in sorted(shapes.predicate_objects(shape), key=_by_text):
        if predicate in DESCRIPTIVE or predicate in COMPANIONS or not _is_shacl(predicate):
            continue
        if path is None:
            parts.append(f"!({value_failure(shapes, shape, predicate, parameter, var, fresh)})")
        else:
            parts.append(_nested_property_test(shapes, shape, path, predicate, parameter,
                                               var, fresh))
    for nested in sorted(shapes.objects(shape, SH.property), key=str):
        parts.append(conforms(shapes, nested, var, fresh))
    return "(" + " && ".join(parts) + ")" if parts else "true"


def _nested_property_test(shapes, shape, path, predicate, parameter, var, fresh) -> str:
    step = f"{var} {iri_path(path)}"
    count = parameter.toPython() if isinstance(parameter, rdflib.Literal) else None
    if predicate == SH.minCount and count in (0, 1):
        return f"EXISTS {{ {step} {fresh()} }}" if count == 1 else "true"
    if predicate == SH.maxCount and count == 0:
        return f"NOT EXISTS {{ {step} {fresh()} }}"
    value = fresh()
    failure = value_failure(shapes, shape, predicate, parameter, value, fresh)
    return f"NOT EXISTS {{ {step} {value} FILTER ({failure}) }}"


def iri_path(path) -> str:
    """A predicate path in SPARQL; other SHACL paths are not supported."""
    if not isinstance(path, rdflib.URIRef):
        raise UnsupportedShapeError(f"the path {path} is not a single IRI")
    return f"<{path}>"


def _by_text(pair) -> tuple[str, str]:
    return str(pair[0]), str(pair[1])


def _is_shacl(predicate) -> bool:
    return str(predicate).startswith(str(SH))


def _class(shapes, shape, cls, var, fresh) -> str:
    return f"NOT EXISTS {{ {instance_of(var, cls)} }}"


def _datatype(shapes, shape, datatype, var, fresh) -> str:
    if datatype == RDFS.Literal:
        return f"!isLiteral({var})"
    if datatype == RDF.langString:
        return f'!(isLiteral({var}) && LANG({var}) != "")'
    if datatype == XSD.string:
        return f"!(isLiteral({var}) && DATATYPE({var}) = <{XSD.string}>)"
    wrong = f"!isLiteral({var}) || DATATYPE({var}) != {sparql_term(datatype)}"
    if datatype not in _PYTHON_TYPES:
        return f"({wrong})"
    surely = _SURELY_WELL_FORMED.get(datatype)
    doubt = f"!REGEX(STR({var}), {sparql_term(rdflib.Literal(surely))})" if surely else "true"
    return f"({wrong} || {doubt})"


def _node_kind(shapes, shape, kind, var, fresh) -> str:
    if kind not in _NODE_KINDS:
        raise UnsupportedShapeError(f"shape {shape} has an unknown sh:nodeKind {kind}")
    return _NODE_KINDS[kind].format(v=var)


def _pattern(shapes, shape, pattern, var, fresh) -> str:
    flags = "".join(f for f in str(shapes.value(shape, SH.flags) or "").lower() if f in "im")
    regex = f"REGEX(STR({var}), {sparql_term(rdflib.Literal(str(pattern)))}, \"{flags}\")"
    return f"(isBlank({var}) || !{regex})"


def _in(shapes, shape, members, var, fresh) -> str:
    items = list(shapes.items(members))
    tests = " || ".join(f"sameTerm({var}, {sparql_term(item)})" for item in items)
    return f"!({tests})" if tests else "true"


def _range(operator: str) -> Callable:
    def failure(shapes, shape, bound, var, fresh) -> str:
        return f"!(isLiteral({var}) && COALESCE({var} {operator} {sparql_term(bound)}, false))"
    return failure


def _length(operator: str) -> Callable:
    def failure(shapes, shape, limit, var, fresh) -> str:
        return f"(isBlank({var}) || STRLEN(STR({var})) {operator} {int(limit)})"
    return failure


def _language_in(shapes, shape, languages, var, fresh) -> str:
    wanted = sorted({str(tag).lower() for tag in shapes.items(languages)})
    if "*" in wanted:
        return f'!(isLiteral({var}) && LANG({var}) != "")'
    tags = ", ".join(sparql_term(rdflib.Literal(tag)) for tag in wanted)
    lang = f"LCASE(LANG({var}))"
    first = f'IF(CONTAINS({lang}, "-"), STRBEFORE({lang}, "-"), {lang})'
    return f'!(isLiteral({var}) && {lang} != "" && ({lang} IN ({tags}) || {first} IN ({tags})))'


def _or(shapes, shape, members, var, fresh) -> str:
    return "!(" + " || ".join(conforms(shapes, m, var, fresh) for m in shapes.items(members)) + ")"


def _and(shapes, shape, members, var, fresh) -> str:
    return "!(" + " && ".join(conforms(shapes, m, var, fresh) for m in shapes.items(members)) + ")"


def _not(shapes, shape, negated, var, fresh) -> str:
    return conforms(shapes, negated, var, fresh)


def _node(shapes, shape, node_shape, var, fresh) -> str:
    return f"!{conforms(shapes, node_shape, var, fresh)}"


#: Components tested one value node at a time: predicate -> failure expression builder.
VALUE_COMPONENTS: dict[rdflib.URIRef, Callable[..., str]] = {
    SH["class"]: _class, SH.datatype: _datatype, SH.nodeKind: _node_kind,
    SH.pattern: _pattern, SH["in"]: _in, SH.languageIn: _language_in,
    SH.minInclusive: _range(">="), SH.maxInclusive: _range("<="),
    SH.minExclusive: _range(">"), SH.maxExclusive: _range("<"),
    SH.minLength: _length("<"), SH.maxLength: _length(">"),
    SH["or"]: _or, SH["and"]: _and, SH["not"]: _not, SH.node: _node,
}


def recheck(shapes: rdflib.Graph, shape, predicate, parameter) -> Callable[[Term], bool] | None:
    """For a component whose query over-approximates, a Python test of each returned value:
    true when pySHACL would also report it. ``None`` when the query is exact.

    >>> still = recheck(rdflib.Graph(), None, SH.datatype, XSD.date)
    >>> still(Term.literal("2021-02-30", datatype=str(XSD.date)))
    True
    >>> still(Term.literal("2021-01-31", datatype=str(XSD.date)))
    False
    """
    if predicate == SH.datatype and parameter in _PYTHON_TYPES:
        return lambda term: not _well_typed(term, parameter)
    if predicate == SH.pattern:
        flags = str(shapes.value(shape, SH.flags) or "").lower()
        compiled = re.compile(str(parameter), (re.I if "i" in flags else 0)
                              | (re.M if "m" in flags else 0))
        return lambda term: term.kind is TermKind.BLANK or not compiled.search(term.value)
    return None


def _well_typed(term: Term, datatype: rdflib.URIRef) -> bool:
    if term.kind is not TermKind.LITERAL or term.datatype != str(datatype):
        return False
    literal = rdflib.Literal(term.value, datatype=datatype)
    return literal.ill_typed is not True and isinstance(literal.value, _PYTHON_TYPES[datatype])
