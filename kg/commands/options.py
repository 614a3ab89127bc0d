"""Options shared by several commands, defined once."""

from __future__ import annotations

from pathlib import Path

import click

from kg.results import ResultFormat


def result_format_option(command):
    """``--format table|json|csv|tsv`` for every command that prints rows."""
    return click.option("--format", "result_format", default="table", show_default=True,
                        type=click.Choice([f.value for f in ResultFormat]),
                        help="table for people; json, csv, tsv: W3C SPARQL 1.1 results "
                             "formats.")(command)


def store_option(command):
    """``--store PATH`` to keep the Oxigraph store on disk instead of in memory."""
    return click.option("--store", "store_path", type=click.Path(path_type=Path),
                        default=None, help="Keep the Oxigraph store on disk at PATH "
                        "(refilled from ontology/ and data/).")(command)


def write_output(data: bytes, output: Path | None) -> None:
    """Write to ``output`` atomically (temp file then rename), or to stdout."""
    if output is None:
        click.get_binary_stream("stdout").write(data)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial")
    partial.write_bytes(data)
    partial.replace(output)


def endpoint_option(command):
    """``--endpoint URL`` to work against a SPARQL 1.1 endpoint instead of the local files."""
    return click.option("--endpoint", default=None, metavar="URL",
                        help="A SPARQL 1.1 query endpoint whose default graph is the union of "
                             "its named graphs (e.g. oxigraph serve --union-default-graph).")(
        command)
