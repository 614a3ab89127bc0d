"""``kg serve``: the SPARQL 1.1 endpoint, the named-query API and the web UI."""

from __future__ import annotations

from pathlib import Path

import click

from kg.commands.options import store_option
from kg.errors import ParameterError


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. 127.0.0.1 answers this machine only; 0.0.0.0 "
                   "answers every network the machine is on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="TCP port (0: any free port).")
@store_option
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds a SPARQL query may run before it is stopped (answer 503).")
@click.option("--max-result-mb", default=32.0, show_default=True,
              type=click.FloatRange(0.01, 4096), help="Largest answer, in MB (answer 413).")
@click.option("--max-query-length", default=100_000, show_default=True,
              type=click.IntRange(100, 10_000_000), help="Longest query, in characters.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Query worker processes (each can run one query at a time).")
@click.option("--allow-update", is_flag=True,
              help="Accept SPARQL Update from clients sending 'Authorization: Bearer TOKEN' "
                   "with the token from --update-token or KG_UPDATE_TOKEN.")
@click.option("--update-token", envvar="KG_UPDATE_TOKEN", default=None, metavar="TOKEN",
              help="The bearer token for updates (prefer the KG_UPDATE_TOKEN environment "
                   "variable: a command line is visible to other users).")
@click.option("--allow-service", "allowed_services", multiple=True, metavar="IRI-PREFIX",
              help="Let SERVICE and LOAD call endpoints under this IRI prefix; repeat for "
                   "several. Without it, queries calling remote endpoints are refused.")
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
              help="Let web pages from ORIGIN (or * for any) read query answers; never "
                   "applies to updates.")
@click.option("--no-reasoning", is_flag=True,
              help="Serve the asserted graphs only, without the OWL 2 RL inferred graph.")
@click.pass_obj
def serve_command(session, host: str, port: int, store_path: Path | None, timeout: float,
                  max_result_mb: float, max_query_length: int, workers: int,
                  allow_update: bool, update_token: str | None,
                  allowed_services: tuple[str, ...], cors_origins: tuple[str, ...],
                  no_reasoning: bool) -> None:
    """Serve the graph: SPARQL 1.1 Protocol at /sparql, named queries at /api/queries, a web UI
    at /. Read-only unless --allow-update is given with a token.

    Example: kg serve --port 8000 --timeout 10
    """
    from kg.server.app import create_app
    from kg.server.runner import bind_socket, serve
    from kg.server.settings import Settings, prepare_dataset

    if allow_update and not update_token:
        raise ParameterError("--allow-update needs a token: set KG_UPDATE_TOKEN (or pass "
                             "--update-token) to a secret that clients send as a bearer token")
    for prefix in allowed_services:
        if not prefix.lower().startswith(("http://", "https://")):
            raise ParameterError(f"--allow-service expects an http(s) IRI prefix, got '{prefix}'")
    settings = Settings(timeout=timeout, max_result_bytes=int(max_result_mb * 1024 * 1024),
                        max_query_length=max_query_length, workers=workers,
                        update_token=update_token if allow_update else None,
                        allowed_services=allowed_services, cors_origins=cors_origins)
    sock = bind_socket(host, port)
    dataset = prepare_dataset(session.project, store_path=store_path,
                              reasoning=not no_reasoning, progress=session.progress)
    try:
        app = create_app(dataset, settings)
        shown_host = f"[{host}]" if ":" in host else host
        bound_port = sock.getsockname()[1]
        click.echo(f"kg serve: http://{shown_host}:{bound_port}/ (SPARQL endpoint: /sparql; "
                   f"{'updates allowed with the token' if allow_update else 'read-only'}); "
                   "Ctrl-C stops", err=True)
        serve(app, sock)
    finally:
        sock.close()
        dataset.close()


COMMANDS = (serve_command,)
