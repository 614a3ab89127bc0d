"""Refilling the persistent store is all-or-nothing: a ``kg query --store`` killed (SIGKILL) at
any moment leaves the old store or the new one, each with its own stamp, never a mix; the next
run removes the leftovers and ends with the new store. A store open in another process, or a
folder that is not a store, is refused with a typed error and left as it was.

The kills are real: the refill runs as a ``kg query --store`` process on a copy of the project
plus generated data, so that parsing and filling take a few seconds, and it is killed at
seeded random moments, some anywhere in its run, some while it fills the staging store.
"""

from __future__ import annotations

import fcntl
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import pytest
from conftest import copy_project

from kg.errors import InputError
from kg.generate import write_ntriples
from kg.loading import discover_files
from kg.pipeline import _fingerprint, load_project
from kg.project import Project
from kg.server.settings import prepare_dataset
from kg.store import StoreInUseError, open_store, read_stamp
from kg.swap import recover_abandoned

GENERATED_TRIPLES = 100_000
KG = [sys.executable, "-c", "from kg.cli import main; main()"]
QUERY = "alliance-dissolutions"


def leftovers(store: Path) -> list[str]:
    return sorted(p.name for p in store.parent.glob(f".{store.name}-*"))


def state_of(store: Path) -> tuple[list | None, int]:
    """The stamp and the number of quads of the store, read without writing to it."""
    reader = pyoxigraph.Store.read_only(str(store))
    try:
        return read_stamp(store), len(reader)
    finally:
        del reader


def refill(root: Path, store: Path) -> subprocess.Popen:
    return subprocess.Popen([*KG, "--project", str(root), "query", "--store", str(store),
                             QUERY], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A project copy, the pristine old store of its own data, and the new data written.

    Returns the project folder, the pristine store, the old and new (stamp, quads), and the
    seconds an uninterrupted refill takes to fill the staging store, and in all."""
    base = tmp_path_factory.mktemp("transaction")
    root = copy_project(base / "project")
    pristine = base / "pristine"
    old = load_project(Project(root), store_path=pristine)
    old_state = (read_stamp(pristine), len(old.store))
    del old
    write_ntriples(root / "data" / "generated.nt", triples=GENERATED_TRIPLES, seed=5)
    new_stamp = _fingerprint(discover_files(Project(root)))
    assert new_stamp != old_state[0]
    timing = base / "timing"
    shutil.copytree(pristine, timing)
    started = time.monotonic()
    process, staged, swapped = refill(root, timing), None, None
    while process.poll() is None:
        staging = any(p.name.startswith(".timing-new-") for p in base.iterdir())
        if staged is None and staging:
            staged = time.monotonic() - started
        elif staged is not None and swapped is None and not staging:
            swapped = time.monotonic() - started
        time.sleep(0.002)
    total = time.monotonic() - started
    assert process.returncode == 0, process.stderr.read().decode()
    assert staged is not None and swapped is not None, "the refill never staged a new store"
    new_state = (new_stamp, state_of(timing)[1])
    assert state_of(timing) == new_state and new_state[1] > old_state[1] + GENERATED_TRIPLES // 2
    return root, pristine, old_state, new_state, swapped - staged, total


def kill_and_check(workspace, store: Path, *, delay: float, after_staging: bool) -> str:
    """Kill a refill ``delay`` s after it starts (or after its staging store appears) and
    check what the kill left; returns ``"old"`` or ``"new"``."""
    root, pristine, old_state, new_state, _, _ = workspace
    shutil.rmtree(store, ignore_errors=True)
    shutil.copytree(pristine, store)
    process = refill(root, store)
    try:
        if after_staging:
            deadline = time.monotonic() + 60
            while not any(p.name.startswith(f".{store.name}-new-") for p in
                          store.parent.iterdir()) and process.poll() is None:
                assert time.monotonic() < deadline, "the refill never staged a new store"
                time.sleep(0.002)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    # Right after the kill, the store folder is missing (a kill inside the swap) or whole.
    if store.exists():
        assert state_of(store) in (old_state, new_state)
    # What the next opening sees: the leftovers of the dead process are gone, and the store
    # is one of the two complete ones, its stamp telling which.
    recover_abandoned(store.resolve())
    assert leftovers(store) == []
    state = state_of(store)
    assert state in (old_state, new_state), (state[0] == old_state[0], state[1])
    outcome = "old" if state == old_state else "new"
    steps: list[str] = []
    recovered = load_project(Project(root), store_path=store, progress=steps.append)
    assert len(recovered.store) == new_state[1]
    del recovered
    assert (steps == [f"open store {store}"]) == (outcome == "new"), steps
    assert state_of(store) == new_state
    return outcome


def test_a_refill_killed_at_random_moments_leaves_the_old_or_the_new_store(workspace,
                                                                          tmp_path):
    *_, filling, total = workspace
    chance = random.Random(20261128)
    outcomes = []
    for round_number in range(6):
        # Even rounds: while the staging store fills; odd rounds: anywhere from the start of
        # the run to past its end.
        while_filling = round_number % 2 == 0
        delay = chance.uniform(0, filling * 0.7 if while_filling else total * 1.05)
        outcome = kill_and_check(workspace, tmp_path / f"store{round_number}", delay=delay,
                                 after_staging=while_filling)
        outcomes.append((round(delay, 2), while_filling, outcome))
    assert all(outcome == "old" for _, during, outcome in outcomes if during), \
        (filling, total, outcomes)


def test_a_kill_between_the_two_renames_gets_the_old_store_back(workspace, tmp_path):
    """Killed between the renames of the swap, a refill leaves no store folder at all, only
    the retired one; the next opening puts it back before anything else."""
    _, pristine, old_state, _, _, _ = workspace
    store = tmp_path / "store"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    retired = tmp_path / f".store-old-{dead.pid}-x1"
    retired.mkdir()
    shutil.copytree(pristine, retired / "store")
    staging = tmp_path / f".store-new-{dead.pid}-x2"
    staging.mkdir()
    (staging / "CURRENT").write_text("half-written")
    recover_abandoned(store)
    assert state_of(store) == old_state and leftovers(store) == []


def test_a_store_open_in_another_process_is_not_replaced(workspace, tmp_path, run_kg):
    root, pristine, old_state, _, _, _ = workspace
    store = tmp_path / "store"
    shutil.copytree(pristine, store)
    hold = ("import sys, time, pyoxigraph\n"
            "store = pyoxigraph.Store(sys.argv[1]); print('open', flush=True); time.sleep(120)")
    holder = subprocess.Popen([sys.executable, "-c", hold, str(store)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"open\n"
        with pytest.raises(StoreInUseError, match="open in another process"):
            load_project(Project(root), store_path=store)
        result = run_kg("--project", root, "query", "--store", store, QUERY)
        assert result.exit_code == 2 and "open in another process" in result.stderr
    finally:
        holder.kill()
        holder.wait()
    assert state_of(store) == old_state and leftovers(store) == []


def test_the_same_process_holding_the_store_gets_the_typed_error(project_copy, tmp_path):
    store = tmp_path / "store"
    held = load_project(Project(project_copy), store_path=store)
    (project_copy / "data" / "extra.ttl").write_text("<urn:x:a> <urn:x:b> <urn:x:c> .\n")
    with pytest.raises(StoreInUseError):
        load_project(Project(project_copy), store_path=store)
    count = len(held.store)
    del held
    assert len(load_project(Project(project_copy), store_path=store).store) == count + 1


def test_a_locked_store_is_waited_for_a_bounded_time(tmp_path):
    store = tmp_path / "store"
    with open(tmp_path / ".store.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started = time.monotonic()
        with pytest.raises(StoreInUseError, match="kept the store locked"):
            open_store(store, stamp=[], fill=list, wait=0.3)
        assert 0.3 <= time.monotonic() - started < 2
    assert not store.exists()


def test_a_folder_that_is_not_a_store_is_left_alone(project_copy, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not an Oxigraph store"):
        load_project(Project(project_copy), store_path=folder)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a store folder"):
        load_project(Project(project_copy), store_path=tmp_path / "file")


def test_a_served_store_is_replaced_whole_and_refilled_by_kg_query(project_copy, tmp_path):
    """``kg serve --store`` writes the inferences too, and no stamp: the store it leaves is
    replaced, not reused, by the next ``kg query --store`` on the same folder."""
    store = tmp_path / "store"
    project = Project(project_copy)
    served = prepare_dataset(project, store_path=store)
    served_count = len(served.store)
    served.close()
    assert read_stamp(store) is None and leftovers(store) == []
    steps: list[str] = []
    loaded = load_project(project, store_path=store, progress=steps.append)
    assert any(s.startswith("fill store") for s in steps)
    assert 0 < len(loaded.store) < served_count
