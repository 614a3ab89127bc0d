"""kg build: the exports, a manifest with counts and hashes, and atomic replacement."""

from __future__ import annotations

import hashlib
import json

import pytest

import kg.build
from kg.build import EXPORTS, build
from kg.errors import QueryError
from kg.fork import fork_available
from kg.project import Project


def test_build_writes_every_export_and_a_manifest(project_copy, run_kg):
    out = project_copy / "build"
    result = run_kg("--project", project_copy, "build", "--out", out)
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["files"]) == {name for name, _, _ in EXPORTS}
    for name, entry in manifest["files"].items():
        data = (out / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
    assert manifest["graphs"]["https://w3id.org/diplo-kg/graph/inferred"]["triples"] > 0
    assert manifest["triples"] == sum(g["triples"] for g in manifest["graphs"].values())
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".build-")]


def test_two_builds_give_the_same_bytes(project_copy, run_kg, tmp_path):
    first, second = tmp_path / "b1", tmp_path / "b2"
    assert run_kg("--project", project_copy, "build", "--out", first).exit_code == 0
    assert run_kg("--project", project_copy, "build", "--out", second).exit_code == 0
    for name, _, _ in EXPORTS:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_builds_on_one_and_on_two_cores_write_the_same_bytes(project_copy, tmp_path,
                                                             monkeypatch):
    """With a forked child (validation and asserted exports) or one step after the other."""
    if not fork_available():
        pytest.skip("the system cannot fork, or other threads run")
    forked = build(Project(project_copy), tmp_path / "two")
    monkeypatch.setattr(kg.build, "fork_available", lambda: False)
    in_turn = kg.build.build(Project(project_copy), tmp_path / "one")
    assert forked.report == in_turn.report and forked.report.conforms
    assert forked.manifest == in_turn.manifest
    for name, _, _ in EXPORTS:
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()


def test_a_build_that_does_not_conform_writes_nothing_on_two_cores(project_copy, tmp_path):
    (project_copy / "data" / "bad-date.ttl").write_text(
        '<https://w3id.org/diplo-kg/resource/action/x> '
        '<https://w3id.org/diplo-kg/ontology#date> '
        '"2021-13-45"^^<http://www.w3.org/2001/XMLSchema#date> .\n', encoding="utf-8")
    result = build(Project(project_copy), tmp_path / "builds" / "out")
    assert result.manifest is None and not result.report.conforms
    assert any(f.source == "queries/checks/ill-typed-literal-violation.rq"
               for f in result.report.findings)
    assert list((tmp_path / "builds").iterdir()) == []


def test_an_error_in_the_child_is_raised_by_the_build(project_copy, tmp_path):
    """The child reports that it failed; the build runs the child's part itself, which raises
    the typed error with its message, as a build without a child would."""
    (project_copy / "queries" / "checks" / "broken-violation.rq").write_text(
        "# title: Broken\n# description: Not SPARQL.\nSELECT ?focus ?message WHERE {\n",
        encoding="utf-8")
    with pytest.raises(QueryError, match="malformed SPARQL"):
        build(Project(project_copy), tmp_path / "builds" / "out")
    assert list((tmp_path / "builds").iterdir()) == []
