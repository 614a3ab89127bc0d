"""The persistent store: reused when the files have not changed, refilled when they have,
and left untouched when a changed file does not parse."""

from __future__ import annotations

import pytest

from kg.errors import InputError
from kg.pipeline import load_project
from kg.project import Project


def steps_of(project: Project, store):
    steps: list[str] = []
    loaded = load_project(project, store_path=store, progress=steps.append)
    count = len(loaded.store)
    del loaded
    return steps, count


def test_store_is_reused_then_refilled_after_a_change(project_copy, tmp_path):
    project, store = Project(project_copy), tmp_path / "store"
    first, count = steps_of(project, store)
    assert any(s.startswith("load ") for s in first) and count > 1000
    second, again = steps_of(project, store)
    assert second == [f"open store {store}"] and again == count
    actors = project_copy / "data" / "actors.ttl"
    actors.write_text(actors.read_text() + "\n<https://w3id.org/diplo-kg/resource/x> "
                      "<http://www.w3.org/2000/01/rdf-schema#label> \"x\" .\n")
    third, grown = steps_of(project, store)
    assert any(s.startswith("load ") for s in third) and grown == count + 1


def test_a_parse_error_leaves_the_store_untouched(project_copy, tmp_path):
    project, store = Project(project_copy), tmp_path / "store"
    _, count = steps_of(project, store)
    (project_copy / "data" / "broken.ttl").write_text("<a> <b> .\n")
    with pytest.raises(InputError):
        load_project(project, store_path=store)
    (project_copy / "data" / "broken.ttl").unlink()
    steps, again = steps_of(project, store)
    assert steps == [f"open store {store}"] and again == count
