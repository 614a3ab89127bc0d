"""kg build: the exports, a manifest with counts and hashes, and atomic replacement."""

from __future__ import annotations

import hashlib
import json

from kg.build import EXPORTS


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
