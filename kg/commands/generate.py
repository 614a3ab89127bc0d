"""``kg generate``: synthetic data in the project's ontology, for benchmarks and scale tests."""

from __future__ import annotations

from pathlib import Path

import click

from kg.generate import generate_lines, parse_size, write_ntriples


@click.command("generate")
@click.option("--triples", "-n", "size", required=True, metavar="N",
              help="How many triples to write, such as 5000, 100k or 1m.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Random seed; the same size and seed give the same bytes.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="N-Triples file (*.nt) to write atomically; default: standard output.")
def generate_command(size: str, seed: int, output: Path | None) -> None:
    """Write deterministic synthetic data (N-Triples) that conforms to the shapes.

    Actors with Zipf-like activity, bursts of actions answering each other, memberships,
    missions and channels that open and close, claims, and news reports whose paragraphs every
    action and claim cites; IRIs under dkr:gen/. Drop the file into data/ to build, validate or
    benchmark at scale.

    Example: kg generate --triples 100k --seed 1 -o data/generated.nt
    """
    triples = parse_size(size)
    if output is None:
        stream = click.get_text_stream("stdout")
        for line in generate_lines(triples=triples, seed=seed):
            stream.write(line)
        return
    count = write_ntriples(output, triples=triples, seed=seed)
    click.echo(f"wrote {count} triples to {output}", err=True)


COMMANDS = (generate_command,)
