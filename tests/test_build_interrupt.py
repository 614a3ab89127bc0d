"""A ``kg build`` killed while it writes its exports leaves the previous build byte for byte, and
the next build succeeds and removes what the killed one left behind.

The build runs as a real process on a copy of the project plus generated data, so that writing
the exports takes a second or two; the signal is sent once the staging folder holds a file.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import copy_project

from kg.build import build
from kg.swap import recover_abandoned
from kg.generate import write_ntriples
from kg.project import Project

GENERATED_TRIPLES = 30_000
KG = [sys.executable, "-c", "from kg.cli import main; main()"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}-"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A project copy with a previous build of its own data, then generated data added."""
    root = copy_project(tmp_path_factory.mktemp("interrupt"))
    out = root / "build"
    assert build(Project(root), out).manifest is not None
    write_ntriples(root / "data" / "generated.nt", triples=GENERATED_TRIPLES, seed=11)
    return root, out, snapshot(out)


def interrupted_build(root: Path, out: Path, sig: signal.Signals) -> subprocess.Popen:
    """Start ``kg build``, send ``sig`` once the staging folder holds a file, wait for the end."""
    process = subprocess.Popen([*KG, "--project", str(root), "build", "--out", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    try:
        while not any(any(p.iterdir()) for p in out.parent.glob(f".{out.name}-new-*")):
            if process.poll() is not None:
                pytest.fail(f"the build ended (exit {process.returncode}) before it was "
                            "interrupted; generate more data so the exports take longer")
            if time.monotonic() > deadline:
                pytest.fail("the build never started writing its exports")
            time.sleep(0.005)
        process.send_signal(sig)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process


def test_sigint_leaves_the_previous_build_and_no_staging_folder(workspace):
    root, out, before = workspace
    process = interrupted_build(root, out, signal.SIGINT)
    assert process.returncode != 0
    assert b"Traceback" not in process.stderr.read()
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_sigkill_leaves_the_previous_build_and_the_next_build_cleans_up(workspace):
    root, out, before = workspace
    process = interrupted_build(root, out, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    assert snapshot(out) == before
    orphans = leftovers(out)
    assert orphans and all(name.startswith(f".{out.name}-new-{process.pid}-")
                           for name in orphans), orphans
    # The next build replaces the previous one with the new data and removes the orphans.
    rebuilt = subprocess.run([*KG, "--project", str(root), "build", "--out", str(out)],
                             capture_output=True, timeout=120)
    assert rebuilt.returncode == 0, rebuilt.stderr.decode()
    assert leftovers(out) == []
    manifest = json.loads((out / "manifest.json").read_text())
    assert "data/generated.nt" in manifest["inputs"]
    assert snapshot(out) != before


def test_a_kill_inside_the_swap_gets_the_previous_build_back(tmp_path):
    """Killed between the two renames of the swap, a build leaves no output folder at all; the
    next build puts the retired one back before anything else."""
    out = tmp_path / "build"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    retired = tmp_path / f".build-old-{dead.pid}-x1"
    (retired / "build").mkdir(parents=True)
    (retired / "build" / "manifest.json").write_text("{}\n")
    (tmp_path / f".build-new-{dead.pid}-x2").mkdir()
    recover_abandoned(out)
    assert (out / "manifest.json").read_text() == "{}\n"
    assert leftovers(out) == []
