"""``kg queries`` and ``kg query``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kg.channel_index import ensure_channel_index
from kg.commands.options import endpoint_option, result_format_option, store_option
from kg.engines import OxigraphEngine, RdflibEngine
from kg.errors import ParameterError, QueryError
from kg.queries import find_query, load_catalog, run_named_query
from kg.pipeline import load_project
from kg.results import ResultFormat, ResultTable, render


@click.command("queries")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]),
              default="table", show_default=True)
@click.pass_obj
def queries_command(session, output_format: str) -> None:
    """List the named queries with their parameters and defaults.

    Example: kg queries --format json
    """
    catalog = load_catalog(session.project.queries_dir)
    if output_format == "json":
        click.echo(json.dumps([{
            "name": q.name, "title": q.title, "description": q.description,
            "parameters": [{"name": p.name, "type": p.type, "default": p.default,
                            "description": p.description} for p in q.parameters]}
            for q in catalog.values()], indent=2, ensure_ascii=False))
        return
    for query in catalog.values():
        click.echo(f"{query.name}: {query.title}")
        for p in query.parameters:
            default = f" (default {p.default})" if p.default is not None else ""
            click.echo(f"    --param {p.name}=<{p.type}>{default}  {p.description}")


def select_columns(table: ResultTable, names: list[str]) -> ResultTable:
    """Only the columns ``names`` of ``table``, in that order."""
    unknown = [n for n in names if n not in table.variables]
    if unknown:
        raise ParameterError(f"no column {', '.join(unknown)} in the results; columns: "
                             f"{', '.join(table.variables)}")
    keep = [table.variables.index(n) for n in names]
    return ResultTable(tuple(names), tuple(tuple(row[i] for i in keep) for row in table.rows))


def parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    """``k=v`` pairs as a dict; a pair without ``=`` is a usage error."""
    given = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ParameterError(f"--param expects NAME=VALUE, got '{pair}'")
        given[name.strip()] = value.strip()
    return given


@click.command("query")
@click.argument("name_or_file")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter value; repeat for several. Entities may be given as IRI, "
                   "CURIE, Wikidata QID or exact label.")
@result_format_option
@click.option("--engine", type=click.Choice(["oxigraph", "rdflib"]), default="oxigraph",
              show_default=True, help="rdflib is the slow reference engine.")
@click.option("--columns", default=None, metavar="A,B,...",
              help="Keep only these columns, in this order.")
@store_option
@endpoint_option
@click.pass_obj
def query_command(session, name_or_file: str, params: tuple[str, ...], result_format: str,
                  engine: str, columns: str | None, store_path: Path | None,
                  endpoint: str | None) -> None:
    """Run a named query (see kg queries) or a .rq file.

    Example: kg query channels-as-of --param a=Q159 --param b=NATO --param date=2021-11-02
    """
    project = session.project
    named = find_query(name_or_file, load_catalog(project.queries_dir))
    given = parse_params(params)
    if endpoint:
        from kg.remote import RemoteEngine  # requests loads only for remote endpoints
        runner = RemoteEngine(endpoint)
    else:
        loaded = load_project(project, store_path=store_path, progress=session.progress)
        if engine == "oxigraph":
            if named.reads_channel_index:
                session.progress("index the channels")
                ensure_channel_index(loaded.store)
            runner = OxigraphEngine(loaded.store)
        else:
            from kg.rdflib_bridge import dataset_from_store
            runner = RdflibEngine(dataset_from_store(loaded.store))
    session.progress(f"query {named.name}")
    try:
        table = run_named_query(named, given, runner)
    except QueryError as error:
        if named.needs_network:
            raise QueryError(f"{error} (the query '{named.name}' reaches a remote endpoint "
                             "with SERVICE and needs the network)") from None
        raise
    if columns:
        table = select_columns(table, [c.strip() for c in columns.split(",") if c.strip()])
    text = render(table, ResultFormat.from_name(result_format))
    click.get_binary_stream("stdout").write(text.encode("utf-8"))


COMMANDS = (queries_command, query_command)
