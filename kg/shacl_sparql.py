"""SHACL-SPARQL constraints run as whole-graph queries by Oxigraph (the fast path).

pySHACL evaluates a SPARQL-based constraint once per focus node (milliseconds each); here each
constraint becomes one query: the shape's targets are placed at the head of the constraint's
own WHERE clause, so ``$this`` is bound by the targets before the rest is evaluated, as the
SHACL pre-binding rules require. ``tests/test_shacl_parity.py`` checks that the findings equal
pySHACL's on every fixture and on the real data.

>>> _with_targets("SELECT $this WHERE { $this ?p ?o }", "?this a <x:C>")
'SELECT ?this WHERE { { SELECT DISTINCT ?this WHERE { ?this a <x:C> } } ?this ?p ?o }'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import rdflib
from rdflib import RDF, RDFS
from rdflib.namespace import SH

from kg.engines import Engine
from kg.errors import InputError
from kg.validation import Finding


@dataclass(frozen=True)
class CompiledConstraint:
    """One SPARQL-based constraint of one shape, as a whole-graph query."""

    shape: str
    constraint: str
    query: str
    message: str


def split_sparql_constraints(shapes: rdflib.Graph) -> tuple[rdflib.Graph, list[CompiledConstraint]]:
    """The shapes without their SPARQL-based constraints, and those constraints compiled.

    Constraints on property shapes (which need ``$PATH``) stay with pySHACL.
    """
    core = rdflib.Graph()
    for triple in shapes:
        core.add(triple)
    compiled = []
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql)):
        if (shape, RDF.type, SH.PropertyShape) in shapes or shapes.value(shape, SH.path):
            continue
        if shapes.value(constraint, SH.deactivated) == rdflib.Literal(True):
            core.remove((shape, SH.sparql, constraint))
            continue
        compiled.append(_compile(shapes, shape, constraint))
        core.remove((shape, SH.sparql, constraint))
    return core, compiled


def run_compiled(constraints: list[CompiledConstraint], engine: Engine) -> list[Finding]:
    """The findings of every compiled constraint."""
    findings = []
    for constraint in constraints:
        for record in engine.select(constraint.query, {}).records():
            if "this" not in record:
                continue
            values = {name: term.value for name, term in record.items()}
            findings.append(Finding(
                focus=record["this"].value,
                message=_fill(constraint.message, values),
                path=values.get("path"),
                value=values.get("value"),
                source=constraint.shape))
    return findings


def _compile(shapes: rdflib.Graph, shape, constraint) -> CompiledConstraint:
    select = shapes.value(constraint, SH.select)
    if select is None:
        raise InputError(f"SPARQL constraint {constraint} of shape {shape} has no sh:select")
    targets = list(_target_patterns(shapes, shape))
    if not targets:
        raise InputError(f"shape {shape} has a SPARQL constraint but no target")
    target_pattern = " UNION ".join(f"{{ {t} }}" for t in targets)
    declared = dict(_prefixes(shapes, constraint))
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(declared.items()))
    message = shapes.value(constraint, SH.message) or shapes.value(shape, SH.message) or ""
    return CompiledConstraint(shape=str(shape), constraint=str(constraint),
                              query=prologue + _with_targets(str(select), target_pattern),
                              message=str(message))


def _target_patterns(shapes: rdflib.Graph, shape) -> Iterator[str]:
    for cls in shapes.objects(shape, SH.targetClass):
        yield f"?this rdf:type/rdfs:subClassOf* <{cls}>"
    if (shape, RDF.type, RDFS.Class) in shapes:
        yield f"?this rdf:type/rdfs:subClassOf* <{shape}>"
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        yield f"?this <{prop}> ?targetObject"
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        yield f"?targetSubject <{prop}> ?this"
    for node in shapes.objects(shape, SH.targetNode):
        yield f"VALUES ?this {{ {node.n3()} }}"


def _prefixes(shapes: rdflib.Graph, constraint) -> Iterator[tuple[str, str]]:
    yield "rdf", str(RDF)
    yield "rdfs", str(RDFS)
    for owner in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(owner, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                yield str(prefix), str(namespace)


def _with_targets(select: str, target_pattern: str) -> str:
    query = re.sub(r"\$this\b", "?this", select.strip())
    match = re.search(r"\bWHERE\s*\{", query, re.IGNORECASE)
    if match is None:
        raise InputError("a SPARQL constraint must have the form SELECT ... WHERE { ... }")
    head, body = query[:match.end()], query[match.end():]
    return f"{head} {{ SELECT DISTINCT ?this WHERE {{ {target_pattern} }} }}{body}"


def _fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{[?$](\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)
