"""Shared fixtures: the real project, loaded once per test session, and both engines."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.engines import OxigraphEngine, RdflibEngine
from kg.pipeline import load_project, with_inferences
from kg.project import Project
from kg.rdflib_bridge import dataset_from_store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def loaded(project):
    return load_project(project)


@pytest.fixture(scope="session")
def reasoned(loaded):
    return with_inferences(loaded)


@pytest.fixture(scope="session")
def oxigraph(loaded) -> OxigraphEngine:
    return OxigraphEngine(loaded.store)


@pytest.fixture(scope="session")
def rdflib_engine(loaded) -> RdflibEngine:
    return RdflibEngine(dataset_from_store(loaded.store))


@pytest.fixture()
def project_copy(tmp_path) -> Path:
    """A writable copy of the project's ontology, data and queries."""
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


@pytest.fixture()
def run_kg():
    """Run the CLI in-process; returns the click Result (stdout and stderr kept apart)."""
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke
