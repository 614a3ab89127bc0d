"""``kg timeline``: the actions between two actors as a picture (SVG or PNG)."""

from __future__ import annotations

from pathlib import Path

import click

from kg.commands.options import write_output
from kg.engines import OxigraphEngine
from kg.errors import ParameterError
from kg.pipeline import load_project
from kg.queries import load_catalog


@click.command("timeline")
@click.option("--between", nargs=2, required=True, metavar="A B",
              help="The two actors (label, Wikidata QID, CURIE or IRI); A's actions are drawn "
                   "on the left, B's on the right.")
@click.option("--from", "start", default=None, metavar="YYYY-MM-DD", help="First day shown.")
@click.option("--to", "end", default=None, metavar="YYYY-MM-DD", help="Last day shown.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The picture to write: .svg, or .png (needs CairoSVG).")
@click.pass_obj
def timeline_command(session, between: tuple[str, str], start: str | None, end: str | None,
                     output: Path) -> None:
    """Draw the timeline of actions between two actors (as the web UI's /timeline shows it).

    Example: kg timeline --between NATO Russia --from 2021-01-01 -o timeline.svg
    """
    from kg.server.timeline import build_timeline, render_png, render_svg

    suffix = output.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise ParameterError(f"cannot tell the picture format of '{output}'; name the file "
                             "*.svg or *.png")
    project = session.project
    loaded = load_project(project, progress=session.progress)
    line = build_timeline(load_catalog(project.queries_dir), OxigraphEngine(loaded.store),
                          a=between[0], b=between[1], start=start, end=end)
    svg = render_svg(line)
    write_output(svg.encode("utf-8") if suffix == ".svg" else render_png(svg), output)
    click.echo(f"{output}: {len(line.events)} actions between {line.a_label} and "
               f"{line.b_label}", err=True)


COMMANDS = (timeline_command,)
