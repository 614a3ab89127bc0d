"""Hostile and malformed input files: each is refused with file and line, exit code 2, and
nothing is loaded or fetched. Fixtures live in tests/fixtures/hostile/."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "hostile"
EXPECTED = {
    "billion-laughs.rdf": r"entity declarations .* are refused",
    "external-entity.rdf": r"entity declarations .* are refused",
    "remote-context.jsonld": r"remote JSON-LD @context is never fetched",
    "unterminated.trig": r".",
    "malformed.jsonld": r".",
    "malformed.rdf": r".",
    "iri-with-space.ttl": r"(?i)iri|space|character",
    "unknown-prefix.ttl": r"(?i)prefix",
}


def test_every_hostile_fixture_has_an_expectation():
    assert {p.name for p in FIXTURES.iterdir()} - {"invalid-date.ttl"} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file_is_refused_with_its_place(name, project_copy, run_kg):
    shutil.copy(FIXTURES / name, project_copy / "data" / name)
    result = run_kg("--project", project_copy, "validate")
    assert result.exit_code == 2, result.stdout
    assert re.search(rf"data/{re.escape(name)}:\d+", result.stderr), result.stderr
    assert re.search(EXPECTED[name], result.stderr), result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_date_literal_is_a_violation_not_a_crash(project_copy, run_kg):
    shutil.copy(FIXTURES / "invalid-date.ttl", project_copy / "data" / "invalid-date.ttl")
    result = run_kg("--project", project_copy, "validate")
    assert result.exit_code in (1, 2)
    assert "invalid-date.ttl" in result.stdout + result.stderr


def test_huge_literal_is_refused_cleanly(project_copy, run_kg):
    (project_copy / "data" / "huge.ttl").write_text(
        '<http://example.org/a> <http://example.org/p> "' + "x" * 20_000_000 + '" .\n')
    result = run_kg("--project", project_copy, "validate")
    assert result.exit_code in (0, 1, 2)
    assert "Traceback" not in result.stderr


def test_deeply_nested_turtle_loads(project_copy, run_kg):
    depth = 50_000
    (project_copy / "data" / "nested.ttl").write_text(
        "<http://example.org/a> <http://example.org/p> " + "[ <http://example.org/p> " * depth
        + "1" + " ]" * depth + " .\n")
    result = run_kg("--project", project_copy, "validate")
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.stderr
