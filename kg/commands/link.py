"""``kg link wikidata`` and ``kg link check``: reconcile actors with Wikidata, check links."""

from __future__ import annotations

from pathlib import Path

import click

from kg.commands.options import result_format_option, write_output
from kg.engines import OxigraphEngine
from kg.linking.actors import find_actors, find_links
from kg.linking.check import check_links
from kg.linking.client import QueryCache, SparqlClient, user_agent
from kg.linking.reconcile import DEFAULT_MIN_SCORE, reconcile
from kg.linking.records import read_links, records_from, render_links, render_review
from kg.linking.vocabulary import DEFAULT_ENDPOINT
from kg.pipeline import load_project
from kg.results import ResultFormat, ResultTable, Term, render

RECONCILED_FILE = "wikidata-reconciled.ttl"
# A placeholder, not a machine path: set --contact (or KG_CONTACT) to a page or address where
# the Wikidata operators can reach whoever runs the linker.
DEFAULT_CONTACT = "https://w3id.org/diplo-kg"
EXIT_NONCONFORMING = 1


def endpoint_options(command):
    """Options shared by the commands that talk to a SPARQL endpoint."""
    options = [
        click.option("--endpoint", default=DEFAULT_ENDPOINT, show_default=True,
                     metavar="URL", help="SPARQL 1.1 query endpoint shaped like Wikidata's."),
        click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path),
                     default=None, help="Folder of cached answers [default: build/cache/"
                     "wikidata]; a re-run with the same questions sends no request."),
        click.option("--no-cache", is_flag=True, help="Ask the endpoint even when the "
                     "cache has the answer (fresh answers are still cached)."),
        click.option("--timeout", type=click.FloatRange(min=1), default=60.0,
                     show_default=True, help="Seconds to wait for a connection and an answer."),
        click.option("--retries", type=click.IntRange(min=0), default=4, show_default=True,
                     help="Tries after a failure (connection error, 429 or 5xx), with "
                          "exponential backoff; Retry-After is honoured."),
        click.option("--batch-size", type=click.IntRange(min=1), default=25,
                     show_default=True, help="Names or items per request (VALUES)."),
        click.option("--contact", envvar="KG_CONTACT", default=DEFAULT_CONTACT,
                     show_default=True, metavar="URL",
                     help="Contact URL or e-mail put in the User-Agent (env KG_CONTACT)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _client(session, endpoint, cache_dir, no_cache, timeout, retries, contact) -> SparqlClient:
    folder = cache_dir or session.project.default_build_dir / "cache" / "wikidata"
    cache = QueryCache(folder)
    if no_cache:
        cache = _WriteOnlyCache(folder)
    return SparqlClient(endpoint=endpoint, agent=user_agent(contact), cache=cache,
                        timeout=timeout, retries=retries)


class _WriteOnlyCache(QueryCache):
    """A cache that stores fresh answers but never serves old ones (``--no-cache``)."""

    def get(self, endpoint: str, query: str) -> dict | None:
        return None


def _say_traffic(client: SparqlClient) -> None:
    s = client.stats
    click.echo(f"kg: {client.endpoint}: {s.requests} request(s) sent ({s.attempts} HTTP "
               f"tries), {s.cache_hits} answer(s) from the cache", err=True)


@click.group("link")
def link_group() -> None:
    """Link actors to Wikidata and check the links (see docs/linking.md).

    Example: kg link wikidata --review build/wikidata-review.csv
    """


@link_group.command("wikidata")
@endpoint_options
@click.option("--apply", "apply_links", is_flag=True,
              help=f"Add the unique, confident matches to data/links/{RECONCILED_FILE}.")
@click.option("--review", "review_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Where to write the ranked candidates and their evidence "
              "(CSV) [default: build/wikidata-review.csv].")
@click.option("--min-score", type=click.FloatRange(0, 1), default=DEFAULT_MIN_SCORE,
              show_default=True, help="Lowest score that --apply links.")
@result_format_option
@click.pass_obj
def wikidata_command(session, endpoint, cache_dir, no_cache, timeout, retries, batch_size,
                     contact, apply_links, review_path, min_score, result_format) -> None:
    """Propose Wikidata items for every actor that has no Wikidata link yet.

    Candidates are items whose English label or alias is one of the actor's names and whose
    type (wdt:P31/wdt:P279*) agrees with the actor's class. An actor with several candidates
    of the right type is refused and left for review. Nothing is written unless every
    request succeeded.

    Example: kg link wikidata --endpoint http://127.0.0.1:7878/query --apply
    """
    if review_path is not None and review_path.suffix.lower() != ".csv":
        raise click.BadParameter(f"'{review_path}' must end in .csv (the review file is CSV)",
                                 param_hint="--review")
    project = session.project
    loaded = load_project(project, progress=session.progress)
    engine = OxigraphEngine(loaded.store)
    target = project.links_dir / RECONCILED_FILE
    existing = (read_links(target.read_bytes(), project.display(target))
                if target.is_file() else [])
    client = _client(session, endpoint, cache_dir, no_cache, timeout, retries, contact)
    session.progress(f"ask {endpoint}")
    try:
        proposals = reconcile(find_actors(engine), find_links(engine), client,
                              min_score=min_score, batch_size=batch_size)
    finally:
        _say_traffic(client)
        client.close()
    review = review_path or project.default_build_dir / "wikidata-review.csv"
    write_output(render_review(proposals, endpoint).encode("utf-8"), review)
    new = records_from(proposals, endpoint)
    click.echo(f"kg: review of {len(proposals)} unlinked actor(s) written to "
               f"{project.display(review)}", err=True)
    if apply_links:
        if new:
            write_output(render_links([*existing, *new]).encode("utf-8"), target)
        click.echo(f"kg: {len(new)} link(s) added to {project.display(target)}", err=True)
    elif new:
        click.echo(f"kg: {len(new)} link(s) can be added: run again with --apply", err=True)
    table = ResultTable(("entity", "label", "decision", "qid", "score", "note"), tuple(
        (Term.iri(p.actor.iri), Term.literal(p.actor.label), Term.literal(p.decision.value),
         Term.literal(p.chosen.qid if p.chosen else ""),
         Term.literal(f"{p.chosen.score:.2f}" if p.chosen else ""), Term.literal(p.note))
        for p in proposals))
    click.get_binary_stream("stdout").write(
        render(table, ResultFormat.from_name(result_format)).encode("utf-8"))


@link_group.command("check")
@endpoint_options
@result_format_option
@click.pass_obj
def check_command(session, endpoint, cache_dir, no_cache, timeout, retries, batch_size,
                  contact, result_format) -> None:
    """Verify every Wikidata link and compare membership dates with Wikidata's.

    Each linked item must exist, not be a redirect, have one of our names as an English
    label or alias, and have a type that agrees with ours. Memberships are compared with
    P463 statements and their P580/P582 qualifiers. Exit code 1 when anything differs.

    Example: kg link check --format csv
    """
    project = session.project
    loaded = load_project(project, progress=session.progress)
    client = _client(session, endpoint, cache_dir, no_cache, timeout, retries, contact)
    session.progress(f"ask {endpoint}")
    try:
        report = check_links(OxigraphEngine(loaded.store), client, batch_size=batch_size)
    finally:
        _say_traffic(client)
        client.close()
    click.get_binary_stream("stdout").write(
        render(report.table(), ResultFormat.from_name(result_format)).encode("utf-8"))
    click.echo(f"kg: checked {report.links} link(s) and {report.memberships} "
               f"membership(s): {len(report.findings)} difference(s)", err=True)
    if not report.agrees:
        raise click.exceptions.Exit(EXIT_NONCONFORMING)


COMMANDS = (link_group,)
