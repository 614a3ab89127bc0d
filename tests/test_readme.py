"""The README's console examples are run and their output compared, so the README cannot rot.

A ``console`` block holds ``$ kg ...`` lines, each followed by its expected output. An expected
output ending in ``...`` must match the start of the real output."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def examples() -> list[tuple[str, list[str]]]:
    found = []
    for block in re.findall(r"```console\n(.*?)```", README, re.DOTALL):
        command, expected = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command:
                    found.append((command, expected))
                command, expected = line[2:], []
            else:
                expected.append(line)
        if command:
            found.append((command, expected))
    return found


EXAMPLES = examples()


def test_the_readme_has_examples():
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("command, expected", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example(command, expected, run_kg, monkeypatch):
    monkeypatch.chdir(ROOT)
    words = shlex.split(command)
    assert words[0] == "kg"
    result = run_kg(*words[1:])
    actual = (result.stdout + result.stderr).splitlines()
    if expected and expected[-1] == "...":
        assert actual[:len(expected) - 1] == expected[:-1]
    else:
        assert actual == expected


def command_names() -> list[str]:
    import click
    from kg.cli import main
    return main.list_commands(click.Context(main))


def test_every_command_module_is_mapped_to_its_commands():
    import importlib
    import pkgutil
    import kg.commands
    defined = {}
    for info in pkgutil.iter_modules(kg.commands.__path__):
        module = importlib.import_module(f"kg.commands.{info.name}")
        defined.update({command.name: info.name for command in getattr(module, "COMMANDS", ())})
    assert defined == kg.commands.COMMAND_MODULES


def test_every_command_and_query_is_in_the_readme(project):
    for name in command_names():
        assert f"kg {name}" in README, name
    for path in project.queries_dir.glob("*.rq"):
        assert f"`{path.stem}`" in README, path.stem


def test_every_command_help_ends_with_an_example(run_kg):
    names = command_names()
    assert "query" in names and "build" in names
    for name in names:
        help_text = run_kg(name, "--help").stdout
        assert "Example:" in help_text, name
