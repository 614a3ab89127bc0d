"""SHACL Core constraints run as whole-graph queries by Oxigraph (the fast validation path).

pySHACL walks the focus nodes of a shape one at a time; here each constraint of each shape
becomes one SELECT over the whole graph whose rows are the violations: the shape's targets in
a sub-select bind ``?this``, the property path binds ``?value``, and a FILTER (or a GROUP BY
for counts) keeps the failures. The findings are those pySHACL reports, field for field:
focus node, result path, value, the shape's ``sh:message``, severity and source shape
(``tests/test_shacl_core_parity.py`` checks it on every fixture, the real and generated data).

A shape that uses anything this module does not translate is not dropped: it stays in the
``leftover`` shapes graph that pySHACL still runs, and :attr:`CoreSplit.fallbacks` says why.

>>> shapes = rdflib.Graph().parse(data='''
...   @prefix sh: <http://www.w3.org/ns/shacl#> .
...   <x:S> sh:targetClass <x:C> ;
...     sh:property [ sh:path <x:p> ; sh:minCount 1 ; sh:message "needs x:p" ] .''',
...   format="turtle")
>>> split = split_core_constraints(shapes)
>>> [c.component.rsplit("#")[-1] for c in split.checks], split.needs_pyshacl
(['minCount'], False)
>>> import pyoxigraph
>>> from kg.engines import OxigraphEngine
>>> store = pyoxigraph.Store()
>>> store.add(pyoxigraph.Quad(pyoxigraph.NamedNode("x:a"), pyoxigraph.NamedNode(str(RDF.type)),
...                           pyoxigraph.NamedNode("x:C")))
>>> [(f.focus, f.message) for f in run_core(split.checks, OxigraphEngine(store))]
[('x:a', 'needs x:p')]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import rdflib
from rdflib import RDF, RDFS
from rdflib.namespace import SH

from kg.engines import Engine
from kg.results import Term
from kg.shacl_core_terms import (COMPANIONS, DESCRIPTIVE, Fresh, UnsupportedShapeError,
                                 conforms, instance_of, iri_path, recheck, sparql_term,
                                 value_failure)
from kg.validation import Finding, Severity

_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
_SEVERITIES = {SH.Violation: Severity.VIOLATION, SH.Warning: Severity.WARNING,
               SH.Info: Severity.INFO}


@dataclass(frozen=True)
class CoreCheck:
    """One constraint of one shape as a query; each row (``?this``, maybe ``?value``) fails."""

    shape: str
    component: str
    query: str
    message: str
    path: str | None = None
    severity: Severity = Severity.VIOLATION
    recheck: Callable[[Term], bool] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CoreSplit:
    """The compiled checks, and the shapes left to pySHACL with the reason for each."""

    leftover: rdflib.Graph
    checks: tuple[CoreCheck, ...]
    fallbacks: tuple[str, ...]

    @property
    def needs_pyshacl(self) -> bool:
        """Whether any shape with targets is left for pySHACL."""
        return bool(self.fallbacks)


def split_core_constraints(shapes: rdflib.Graph) -> CoreSplit:
    """Compile every targeted shape of ``shapes`` that the compiler supports.

    ``shapes`` should hold no SPARQL-based constraints on node shapes (take them out first
    with :func:`kg.shacl_sparql.split_sparql_constraints`); any that remain fall back.
    """
    leftover = rdflib.Graph()
    for prefix, namespace in shapes.namespaces():
        leftover.bind(prefix, namespace, override=True, replace=True)
    for triple in shapes:
        leftover.add(triple)
    checks: list[CoreCheck] = []
    fallbacks = []
    for shape in targeted_shapes(shapes):
        try:
            compiled = compile_shape(shapes, shape)
        except UnsupportedShapeError as error:
            fallbacks.append(f"{shape}: {error}")
            continue
        checks.extend(compiled)
        for predicate in _TARGETS:
            leftover.remove((shape, predicate, None))
        for kind in _class_kinds(shapes):
            leftover.remove((shape, RDF.type, kind))
    return CoreSplit(leftover=leftover, checks=tuple(checks), fallbacks=tuple(fallbacks))


def run_core(checks: tuple[CoreCheck, ...] | list[CoreCheck], engine: Engine) -> list[Finding]:
    """The findings of every compiled check."""
    findings = []
    for check in checks:
        for record in engine.select(check.query, {}).records():
            value = record.get("value")
            if check.recheck is not None and value is not None and not check.recheck(value):
                continue
            findings.append(Finding(focus=record["this"].value, message=check.message,
                                    path=check.path, value=None if value is None else value.value,
                                    severity=check.severity, source=check.shape))
    return findings


def targeted_shapes(shapes: rdflib.Graph) -> list:
    """Shapes with a target declaration or an implicit class target, in a stable order."""
    found = {s for predicate in _TARGETS for s in shapes.subjects(predicate, None)}
    kinds = _class_kinds(shapes)
    found |= {s for kind in kinds for s in shapes.subjects(RDF.type, kind)
              if _is_shape(shapes, s)}
    return sorted(found, key=str)


def compile_shape(shapes: rdflib.Graph, shape) -> list[CoreCheck]:
    """The checks of one targeted shape (and of its property shapes).

    Raises :class:`UnsupportedShapeError` if any part of it cannot be compiled.
    """
    if _deactivated(shapes, shape):
        return []
    focus = _Focus(_focus(shapes, shape), frozenset(shapes.objects(shape, SH.targetSubjectsOf)))
    checks = _shape_checks(shapes, shape, focus)
    if shapes.value(shape, SH.path) is None:
        for member in sorted(shapes.objects(shape, SH.property), key=str):
            if shapes.value(member, SH.path) is None:
                raise UnsupportedShapeError(f"property shape {member} has no sh:path")
            if not _deactivated(shapes, member):
                checks += _shape_checks(shapes, member, focus)
    return checks


@dataclass(frozen=True)
class _Focus:
    """The focus nodes of a shape as a pattern binding ``?this``; every subject of a
    ``subjects`` predicate is one, so a query that needs a value of it can skip the pattern."""

    pattern: str
    subjects: frozenset

    def for_values_of(self, path) -> str:
        return "" if path in self.subjects else self.pattern


def _shape_checks(shapes: rdflib.Graph, shape, focus: _Focus) -> list[CoreCheck]:
    path = shapes.value(shape, SH.path)
    if path is not None and shapes.value(shape, SH.property) is not None:
        raise UnsupportedShapeError(f"property shape {shape} has property shapes of its own")
    checks = []
    constraints = [(p, o) for p, o in shapes.predicate_objects(shape)
                   if str(p).startswith(str(SH)) and p not in DESCRIPTIVE | COMPANIONS]
    for predicate, parameter in sorted(constraints, key=lambda po: (str(po[0]), str(po[1]))):
        query = _query(shapes, shape, focus, path, predicate, parameter)
        if query is None:
            continue
        checks.append(CoreCheck(shape=str(shape), component=str(predicate), query=query,
                                message=_message(shapes, shape),
                                path=None if path is None else str(path),
                                severity=_severity(shapes, shape),
                                recheck=recheck(shapes, shape, predicate, parameter)))
    if shapes.value(shape, SH.qualifiedValueShape) is None and any(
            (shape, p, None) in shapes for p in (SH.qualifiedMinCount, SH.qualifiedMaxCount)):
        raise UnsupportedShapeError(f"shape {shape}: a qualified count without a value shape")
    return checks


def _query(shapes, shape, focus: _Focus, path, predicate, parameter) -> str | None:
    step = None if path is None else f"?this {iri_path(path)}"
    if step is None and predicate in _PATH_ONLY:
        raise UnsupportedShapeError(f"node shape {shape} uses {predicate}, which needs sh:path")
    # Queries that only see focus nodes with a value may drop the targets (see _Focus).
    pattern = focus.pattern if predicate in _ALL_FOCUS_NODES else focus.for_values_of(path)
    if predicate in _PATH_ONLY:
        return _PATH_ONLY[predicate](shapes, shape, pattern, step, parameter)
    values = f"{step} ?value ." if step else "BIND (?this AS ?value)"
    if predicate == SH["class"]:
        # An anti-join with all instances is ~8x faster in Oxigraph than NOT EXISTS per value.
        return (f"SELECT DISTINCT ?this ?value WHERE {{ {pattern} {values} "
                f"MINUS {{ {instance_of('?value', parameter)} }} }}")
    failure = value_failure(shapes, shape, predicate, parameter, "?value", Fresh())
    return f"SELECT DISTINCT ?this ?value WHERE {{ {pattern} {values} FILTER ({failure}) }}"


def _min_count(shapes, shape, focus, step, count) -> str:
    if int(count) == 1:
        return f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ {step} ?value }} }}"
    return (f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ {step} ?value }} }} GROUP BY ?this "
            f"HAVING (COUNT(DISTINCT ?value) < {int(count)})")


def _max_count(shapes, shape, focus, step, count) -> str:
    if int(count) == 1:
        # Two different values, as a join of the few values of each node: ~3x faster in
        # Oxigraph than grouping every statement of the path.
        return (f"SELECT DISTINCT ?this WHERE {{ {focus} {step} ?value . {step} ?other . "
                f"FILTER (!sameTerm(?value, ?other)) }}")
    return (f"SELECT ?this WHERE {{ {focus} {step} ?value }} GROUP BY ?this "
            f"HAVING (COUNT(DISTINCT ?value) > {int(count)})")


def _unique_lang(shapes, shape, focus, step, flag) -> str | None:
    if flag != rdflib.Literal(True):
        return None
    # pySHACL reports each repeated language once (lower-cased), without a value.
    return (f"SELECT ?this WHERE {{ {focus} {step} ?value . "
            f'FILTER (isLiteral(?value) && LANG(?value) != "") '
            f"BIND (LCASE(LANG(?value)) AS ?lang) }} GROUP BY ?this ?lang "
            f"HAVING (COUNT(DISTINCT ?value) > 1)")


def _less_than(shapes, shape, focus, step, other) -> str:
    # pySHACL compares IRIs and strings as text, fails string-versus-other, and otherwise
    # uses the literal order; it reports once per failing pair.
    def textual(v: str) -> str:
        return (f"(isIRI({v}) || (isLiteral({v}) && DATATYPE({v}) IN "
                f"(<{rdflib.XSD.string}>, <{RDF.langString}>)))")
    ok = (f"IF({textual('?value')} || {textual('?other')}, "
          f"{textual('?value')} && {textual('?other')} && STR(?value) < STR(?other), "
          f"COALESCE(?value < ?other, false))")
    return (f"SELECT DISTINCT ?this ?value ?other WHERE {{ {focus} {step} ?value . "
            f"?this {iri_path(other)} ?other . FILTER (!{ok}) }}")


def _disjoint(shapes, shape, focus, step, other) -> str:
    return (f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {step} ?value . "
            f"?this {iri_path(other)} ?value }}")


def _qualified(shapes, shape, focus, step, value_shape) -> str:
    if shapes.value(shape, SH.qualifiedValueShapesDisjoint) == rdflib.Literal(True):
        raise UnsupportedShapeError(f"shape {shape} uses sh:qualifiedValueShapesDisjoint")
    minimum = shapes.value(shape, SH.qualifiedMinCount)
    maximum = shapes.value(shape, SH.qualifiedMaxCount)
    if (minimum is None) == (maximum is None):
        raise UnsupportedShapeError(f"shape {shape}: give one of qualifiedMin/MaxCount")
    test = f"< {int(minimum)}" if minimum is not None else f"> {int(maximum)}"
    conforming = conforms(shapes, value_shape, "?value", Fresh())
    return (f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ {step} ?value FILTER ({conforming}) }} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) {test})")


# Components that report focus nodes without values, so they need every focus node.
_ALL_FOCUS_NODES = frozenset({SH.minCount, SH.qualifiedValueShape})
# Components that need the value nodes of a path as a whole (not one value at a time).
_PATH_ONLY = {SH.minCount: _min_count, SH.maxCount: _max_count, SH.uniqueLang: _unique_lang,
              SH.lessThan: _less_than, SH.disjoint: _disjoint,
              SH.qualifiedValueShape: _qualified}


def _focus(shapes: rdflib.Graph, shape) -> str:
    patterns = list(_target_patterns(shapes, shape))
    if not patterns:
        raise UnsupportedShapeError(f"shape {shape} has no target")
    union = " UNION ".join(f"{{ {p} }}" for p in patterns)
    return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"


def _target_patterns(shapes: rdflib.Graph, shape) -> Iterator[str]:
    for cls in sorted(shapes.objects(shape, SH.targetClass), key=str):
        yield instance_of("?this", cls)
    if any((shape, RDF.type, kind) in shapes for kind in _class_kinds(shapes)):
        yield instance_of("?this", shape)
    for prop in sorted(shapes.objects(shape, SH.targetSubjectsOf), key=str):
        yield f"?this {iri_path(prop)} ?object"
    for prop in sorted(shapes.objects(shape, SH.targetObjectsOf), key=str):
        yield f"?subject {iri_path(prop)} ?this"
    for node in sorted(shapes.objects(shape, SH.targetNode), key=str):
        yield f"VALUES ?this {{ {sparql_term(node)} }}"


def _class_kinds(shapes: rdflib.Graph) -> set:
    """rdfs:Class and its direct subclasses in the shapes graph (as pySHACL's implicit targets)."""
    return {RDFS.Class, *shapes.subjects(RDFS.subClassOf, RDFS.Class)}


def _is_shape(shapes: rdflib.Graph, node) -> bool:
    return any((node, RDF.type, kind) in shapes for kind in (SH.NodeShape, SH.PropertyShape))


def _deactivated(shapes: rdflib.Graph, shape) -> bool:
    return shapes.value(shape, SH.deactivated) == rdflib.Literal(True)


def _message(shapes: rdflib.Graph, shape) -> str:
    messages = list(shapes.objects(shape, SH.message))
    if len(messages) != 1:
        raise UnsupportedShapeError(f"shape {shape} has {len(messages)} sh:message values; "
                                    "the compiler needs exactly one")
    return str(messages[0])


def _severity(shapes: rdflib.Graph, shape) -> Severity:
    severity = shapes.value(shape, SH.severity, default=SH.Violation)
    if severity not in _SEVERITIES:
        raise UnsupportedShapeError(f"shape {shape} has a custom severity {severity}")
    return _SEVERITIES[severity]
