"""``kg export``."""

from __future__ import annotations

from pathlib import Path

import click

from kg.commands.options import endpoint_option, store_option, write_output
from kg.export import export, parse_roles
from kg.formats import RdfFormat
from kg.loading import GraphRole
from kg.pipeline import load_project, with_inferences
from kg.remote import push, remote_dataset

WRITTEN_FORMATS = ("turtle", "jsonld", "ntriples", "trig", "nquads")


@click.command("export")
@click.option("--format", "format_name", required=True, type=click.Choice(WRITTEN_FORMATS),
              help="Serialization; trig and nquads keep the named graphs.")
@click.option("--graphs", default="ontology,data,links", show_default=True,
              help="Comma-separated graph groups: ontology, data, links, inferred, all.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (atomically); default: standard output.")
@store_option
@endpoint_option
@click.pass_obj
def export_command(session, format_name: str, graphs: str, output: Path | None,
                   store_path: Path | None, endpoint: str | None) -> None:
    """Export graphs as Turtle, JSON-LD, N-Triples, TriG or N-Quads; the same input gives the
    same bytes.

    Example: kg export --format jsonld --graphs data,links -o build/data.jsonld
    """
    roles = parse_roles(name.strip() for name in graphs.split(",") if name.strip())
    if endpoint:
        session.progress(f"fetch the named graphs of {endpoint}")
        loaded = remote_dataset(endpoint)
    else:
        loaded = load_project(session.project, store_path=store_path,
                              progress=session.progress)
    if GraphRole.INFERRED in roles and not endpoint:
        loaded = with_inferences(loaded, progress=session.progress)
    session.progress(f"export {format_name}")
    write_output(export(loaded, RdfFormat.from_name(format_name), roles), output)


@click.command("push")
@click.option("--endpoint", required=True, metavar="URL",
              help="The Graph Store Protocol URL, e.g. http://127.0.0.1:7878/store (Oxigraph) "
                   "or http://127.0.0.1:3030/ds/data (Fuseki).")
@click.option("--graphs", default="ontology,data,links", show_default=True,
              help="Comma-separated graph groups: ontology, data, links, inferred, all.")
@click.pass_obj
def push_command(session, endpoint: str, graphs: str) -> None:
    """Load the graphs into an external SPARQL 1.1 server with the Graph Store Protocol;
    each named graph is replaced there by ours (HTTP PUT).

    Example: kg push --endpoint http://127.0.0.1:7878/store --graphs all
    """
    roles = parse_roles(name.strip() for name in graphs.split(",") if name.strip())
    loaded = load_project(session.project, progress=session.progress)
    if GraphRole.INFERRED in roles:
        loaded = with_inferences(loaded, progress=session.progress)
    sent = push(loaded, endpoint, roles)
    for graph, count in sorted(sent.items()):
        click.echo(f"{graph}  {count} triples")
    click.echo(f"{sum(sent.values())} triples in {len(sent)} graphs sent to {endpoint}")


COMMANDS = (export_command, push_command)
