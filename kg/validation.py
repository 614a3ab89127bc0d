"""Validation: SHACL shapes run by pySHACL, plus whole-graph checks in ``queries/checks``.

Every ``*-violation.rq`` check is a SELECT whose rows are violations; it should bind ``?focus``
and ``?message`` (and may bind ``?path`` and ``?value``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

import rdflib
from rdflib.namespace import SH

from kg.engines import Engine
from kg.queries import load_catalog
from kg.results import Term


class Severity(enum.Enum):
    VIOLATION = "Violation"
    WARNING = "Warning"
    INFO = "Info"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in the data, with where it is defined."""

    focus: str
    message: str
    path: str | None = None
    value: str | None = None
    severity: Severity = Severity.VIOLATION
    source: str = ""
    file: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"focus": self.focus, "path": self.path, "value": self.value,
                "message": self.message, "severity": self.severity.value,
                "source": self.source, "file": self.file}


@dataclass(frozen=True)
class ValidationReport:
    findings: tuple[Finding, ...]

    @property
    def conforms(self) -> bool:
        return not any(f.severity is Severity.VIOLATION for f in self.findings)


def load_shapes(shapes_dir: Path) -> rdflib.Graph:
    """Every Turtle file under ``shapes_dir`` in one graph."""
    shapes = rdflib.Graph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        shapes.parse(path, format="turtle")
    return shapes


def run_shacl(data: rdflib.Graph, shapes: rdflib.Graph) -> list[Finding]:
    """pySHACL with inference off on ``data`` (which should include the ontology)."""
    import pyshacl  # imported late: it costs 0.1 s and most commands never validate

    _conforms, results, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                                 advanced=True, allow_warnings=True)
    findings = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        def one(predicate):
            value = results.value(result, predicate)
            return None if value is None else str(value)
        severity = Severity(one(SH.resultSeverity).rsplit("#", 1)[-1])
        findings.append(Finding(focus=one(SH.focusNode) or "", path=one(SH.resultPath),
                                value=one(SH.value), message=one(SH.resultMessage) or "",
                                severity=severity, source=one(SH.sourceShape) or "shape"))
    return findings


def run_checks(checks_dir: Path, engine: Engine) -> list[Finding]:
    """Rows of every ``*-violation.rq`` check, as findings."""
    findings = []
    for name, check in load_catalog(checks_dir).items():
        if not name.endswith("-violation"):
            continue
        table = engine.select(check.text, {})
        for record in table.records():
            findings.append(Finding(focus=_text(record.get("focus")),
                                    message=_text(record.get("message")) or check.title,
                                    path=record["path"].value if "path" in record else None,
                                    value=record["value"].value if "value" in record else None,
                                    source=f"queries/checks/{name}.rq"))
    return findings


def _text(term: Term | None) -> str:
    return "" if term is None else term.value
