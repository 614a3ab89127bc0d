"""The ``kg`` command line: the only place that prints, reads the environment and sets exit codes.

Exit codes: 0 ok or conforms, 1 the data does not conform, 2 usage or input error.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

import click

from kg import __version__
from kg.commands import COMMAND_MODULES
from kg.errors import KgError
from kg.project import Project, find_project

EXIT_OK, EXIT_NONCONFORMING, EXIT_USAGE = 0, 1, 2


class Session:
    """What every command shares: the project and a progress reporter."""

    def __init__(self, project_dir: Path | None) -> None:
        self._project_dir = project_dir
        self._started = time.monotonic()

    @property
    def project(self) -> Project:
        return find_project(self._project_dir or Path.cwd())

    def progress(self, step: str) -> None:
        """Say which step runs, on stderr, only when a person is watching (a TTY)."""
        if sys.stderr.isatty():
            elapsed = time.monotonic() - self._started
            click.echo(f"kg [{elapsed:5.1f}s] {step}", err=True)


class KgGroup(click.Group):
    """Imports a command's module only when that command runs (``kg query`` stays quick to
    start); turns the library's typed errors into messages and exit code 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module_name = COMMAND_MODULES.get(name)
        if module_name is None:
            return None
        module = importlib.import_module(f"kg.commands.{module_name}")
        return next(command for command in module.COMMANDS if command.name == name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KgError as error:
            click.echo(f"kg: error: {error}", err=True)
            ctx.exit(EXIT_USAGE)


@click.group(cls=KgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
              envvar="KG_PROJECT", help="Project folder (default: the checkout around the "
              "current folder; env KG_PROJECT).")
@click.pass_context
def main(ctx: click.Context, project_dir: Path | None) -> None:
    """diplo-kg: states, alliances, missions and diplomatic actions as a knowledge graph.

    Example: kg query channels-as-of --param a=Russia --param b=NATO --param date=2021-11-02
    """
    ctx.obj = Session(project_dir)
