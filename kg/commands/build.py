"""``kg build`` and ``kg validate``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kg.build import build
from kg.namespaces import compact_iri
from kg.pipeline import Reasoner, Validator, load_project, validate
from kg.validation import ValidationReport


def print_report(report: ValidationReport, output_format: str) -> None:
    """The findings, for people (text) or programs (json)."""
    if output_format == "json":
        document = {"conforms": report.conforms,
                    "findings": [f.as_dict() for f in report.findings]}
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    for finding in report.findings:
        where = finding.file or "(not defined in any data file)"
        path = f" {compact_iri(finding.path)}" if finding.path else ""
        value = f" (value: {finding.value})" if finding.value else ""
        click.echo(f"{where}: {finding.severity.value}: {compact_iri(finding.focus)}{path}: "
                   f"{finding.message}{value} [{finding.source and compact_iri(finding.source)}]")
    verdict = "conforms" if report.conforms else "does not conform"
    click.echo(f"{len(report.findings)} finding(s); the data {verdict}.")


@click.command("validate")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--validator", type=click.Choice([v.value for v in Validator]), default="fast",
              show_default=True, help="fast: SHACL compiled to SPARQL and run by Oxigraph; "
              "pyshacl: the slower reference implementation (same findings).")
@click.pass_obj
def validate_command(session, output_format: str, validator: str) -> None:
    """Check the data with the SHACL shapes and queries/checks/*-violation.rq.

    Exits 0 if the data conforms, 1 if not, 2 if a file cannot be read.

    Example: kg validate --format json --validator pyshacl
    """
    project = session.project
    loaded = load_project(project, progress=session.progress)
    report = validate(loaded, project, validator=Validator(validator), progress=session.progress)
    print_report(report, output_format)
    raise SystemExit(0 if report.conforms else 1)


@click.command("build")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Output folder (default: build/ in the project).")
@click.option("--reasoner", type=click.Choice([r.value for r in Reasoner]), default="rules",
              show_default=True, help="rules: OWL 2 RL rules run by Oxigraph; owlrl: the "
              "slower reference implementation (same inferences).")
@click.pass_obj
def build_command(session, out_dir: Path | None, reasoner: str) -> None:
    """Load, validate, reason and write every export and a manifest, atomically.

    Nothing is written when the data does not conform (exit 1) or a file is malformed (exit 2).

    Example: kg build --out build/
    """
    project = session.project
    result = build(project, out_dir or project.default_build_dir, reasoner=Reasoner(reasoner),
                   progress=session.progress)
    if result.manifest is None:
        print_report(result.report, "text")
        raise SystemExit(1)
    for name, entry in sorted(result.manifest["files"].items()):
        click.echo(f"{project.display(result.out_dir / name)}  {entry['bytes']} bytes  "
                   f"sha256 {entry['sha256'][:12]}")
    click.echo(f"{result.manifest['triples']} quads in "
               f"{len(result.manifest['graphs'])} graphs; manifest: "
               f"{project.display(result.out_dir / 'manifest.json')}")


COMMANDS = (build_command, validate_command)
