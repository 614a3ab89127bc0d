"""Shared fixtures: the real project, loaded once per test session, and both engines."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
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


def copy_project(target: Path, *, with_data: bool = True) -> Path:
    """Copy the project's ontology, queries and (unless told not to) data into ``target``;
    without data, ``target/data`` is an empty folder."""
    for folder in ("ontology", "queries") + (("data",) if with_data else ()):
        shutil.copytree(ROOT / folder, target / folder)
    (target / "data").mkdir(exist_ok=True)
    return target


def oxigraph_binary() -> str:
    """The ``oxigraph`` command of the test extra; fails the test when it is missing."""
    binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or \
        shutil.which("oxigraph")
    if binary is None:
        pytest.fail("the oxigraph server is missing: pip install oxigraph (test extra)")
    return binary


@pytest.fixture()
def project_copy(tmp_path) -> Path:
    """A writable copy of the project's ontology, data and queries."""
    return copy_project(tmp_path)


@pytest.fixture()
def run_kg():
    """Run the CLI in-process; returns the click Result (stdout and stderr kept apart)."""
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def timed_urlopen(request: urllib.request.Request | str) -> tuple[int, bytes, float]:
    """Status, body and seconds of one HTTP request; an error status is an answer too."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    return status, body, time.monotonic() - started


def free_port() -> int:
    """A TCP port free on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def oxigraph_server(*args: str):
    """Run ``oxigraph ARGS --bind 127.0.0.1:PORT`` until the block ends; yields the base URL."""
    import requests
    binary = oxigraph_binary()
    port = free_port()
    server = subprocess.Popen([binary, *args, "--bind", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(base + "/query", params={"query": "ASK {}"}, timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail(f"oxigraph {args[0]} did not start")
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
