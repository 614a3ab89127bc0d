"""``kg export``."""

from __future__ import annotations

from pathlib import Path

import click

from kg.commands.options import store_option, write_output
from kg.export import export, parse_roles
from kg.formats import RdfFormat
from kg.loading import GraphRole
from kg.pipeline import load_project, with_inferences

WRITTEN_FORMATS = ("turtle", "jsonld", "ntriples", "trig", "nquads")


@click.command("export")
@click.option("--format", "format_name", required=True, type=click.Choice(WRITTEN_FORMATS),
              help="Serialization; trig and nquads keep the named graphs.")
@click.option("--graphs", default="ontology,data,links", show_default=True,
              help="Comma-separated graph groups: ontology, data, links, inferred, all.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (atomically); default: standard output.")
@store_option
@click.pass_obj
def export_command(session, format_name: str, graphs: str, output: Path | None,
                   store_path: Path | None) -> None:
    """Export graphs as Turtle, JSON-LD, N-Triples, TriG or N-Quads; the same input gives the
    same bytes.

    Example: kg export --format jsonld --graphs data,links -o build/data.jsonld
    """
    roles = parse_roles(name.strip() for name in graphs.split(",") if name.strip())
    loaded = load_project(session.project, store_path=store_path, progress=session.progress)
    if GraphRole.INFERRED in roles:
        loaded = with_inferences(loaded, progress=session.progress)
    session.progress(f"export {format_name}")
    write_output(export(loaded, RdfFormat.from_name(format_name), roles), output)


COMMANDS = (export_command,)
