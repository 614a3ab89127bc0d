"""The persistent store: an Oxigraph store on disk, replaced as a whole, never half-filled.

A store folder holds Oxigraph's files and ``kg-stamp.json``, the stamp of the input files it
was filled from. :func:`open_store` opens the folder as it is while the stamp still matches;
otherwise it fills a new store in a staging folder beside it, flushes and closes it, writes
the stamp into it, and swaps it into place (:mod:`kg.swap`). The stamp moves with the data in
the same rename, so a process killed at any moment leaves the old store with its stamp or
the new store with its stamp; the next opening removes the leftovers of a killed replacement
and puts the old store back if the kill fell inside the swap.

Two guards make the swap safe:

* kg processes open and replace a store only while they hold an advisory lock on the file
  ``.NAME.lock`` beside it (waiting for it at most ``wait`` seconds), so no kg process opens
  the folder between the check below and the swap;
* Oxigraph locks a store opened for writing: a store open in another process (``kg serve``,
  a running ``kg query --store``) must not be renamed under it, since Oxigraph writes and
  deletes its files by path. Such a store is not replaced: :class:`StoreInUseError`.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp()) / "store"
>>> quad = pyoxigraph.Quad(pyoxigraph.NamedNode("http://example.org/s"),
...                        pyoxigraph.NamedNode("http://example.org/p"), pyoxigraph.Literal("1"))
>>> store = open_store(folder, stamp=["v1"], fill=lambda: [quad])
>>> len(store), read_stamp(folder)
(1, ['v1'])
>>> del store
>>> len(open_store(folder, stamp=["v1"], fill=lambda: []))
1
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pyoxigraph

from kg.errors import InputError
from kg.swap import recover_abandoned, staging_folder, swap_into_place

STAMP_FILE = "kg-stamp.json"
LOCK_WAIT = 120.0

Quads = Iterable[pyoxigraph.Quad]


class StoreInUseError(InputError):
    """The store folder is open in another process, or another kg process keeps it locked."""


def open_store(path: Path, *, stamp: list, fill: Callable[[], Quads],
               progress: Callable[[str], None] = lambda step: None,
               wait: float = LOCK_WAIT) -> pyoxigraph.Store:
    """The store at ``path``, replaced by a new one holding ``fill()`` unless its stamp is
    ``stamp``. ``fill`` runs before anything is written: when it raises, the store is as it was.

    Raises:
        StoreInUseError: the store is open in another process, or locked for over ``wait`` s.
        InputError: ``path`` is not a store folder, or it cannot be written.
    """
    target = path.resolve()
    with _locked(target, wait):
        recover_abandoned(target)
        if read_stamp(target) == stamp:
            progress(f"open store {path}")
            return _open(target)
        _check_replaceable(target)
        data = fill()
        progress(f"fill store {path}")
        return _replace(target, data, stamp)


def replace_store(path: Path, data: Quads, *, wait: float = LOCK_WAIT) -> pyoxigraph.Store:
    """A new store at ``path`` holding ``data``, without a stamp (:func:`open_store` will
    refill it), swapped in like a refill of :func:`open_store`.

    Raises:
        StoreInUseError, InputError: as :func:`open_store`.
    """
    target = path.resolve()
    with _locked(target, wait):
        recover_abandoned(target)
        _check_replaceable(target)
        return _replace(target, data, None)


def read_stamp(path: Path) -> list | None:
    """The stamp inside the store folder ``path``, or ``None`` when it has none."""
    try:
        return json.loads((path / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _replace(target: Path, data: Quads, stamp: list | None) -> pyoxigraph.Store:
    staging = staging_folder(target)
    try:
        _fill_folder(staging, data, stamp)
        _check_not_open(target)
        swap_into_place(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise InputError(f"cannot write an Oxigraph store here: {error}",
                         path=str(target)) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _sync_folder(target.parent)
    # The sidecar of earlier versions, beside the folder; the stamp inside replaces it.
    target.with_name(target.name + ".kg.json").unlink(missing_ok=True)
    return _open(target)


def _fill_folder(folder: Path, data: Quads, stamp: list | None) -> None:
    store = pyoxigraph.Store(str(folder))
    store.bulk_extend(data)
    store.flush()
    # Closed before the rename: Oxigraph writes and deletes its files by path.
    del store
    if stamp is not None:
        with open(folder / STAMP_FILE, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(stamp, indent=1))
            handle.flush()
            os.fsync(handle.fileno())
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Make the renames and new files in ``folder`` durable (POSIX; elsewhere a no-op)."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _check_replaceable(target: Path) -> None:
    """Refuse to replace anything but an Oxigraph store or an empty folder."""
    if not target.exists():
        return
    if not target.is_dir():
        raise InputError("this is a file, not a store folder; give a folder for --store",
                         path=str(target))
    names = {p.name for p in target.iterdir()}
    if names and not ("CURRENT" in names and any(n.startswith("MANIFEST-") for n in names)):
        raise InputError("this folder is not an Oxigraph store and is not empty, so it is not "
                         "replaced; give a new or empty folder for --store", path=str(target))
    _check_not_open(target)


def _check_not_open(target: Path) -> None:
    """Raise :class:`StoreInUseError` when another process has the store open for writing."""
    if not target.is_dir():
        return
    try:
        probe = pyoxigraph.Store(str(target))
    except OSError as error:
        if _locked_elsewhere(error):
            raise _in_use(target) from None
        return  # an unreadable store: replacing it is the cure
    del probe


def _open(target: Path) -> pyoxigraph.Store:
    try:
        return pyoxigraph.Store(str(target))
    except OSError as error:
        if _locked_elsewhere(error):
            raise _in_use(target) from None
        raise InputError(f"cannot open the store: {error}", path=str(target)) from None


def _locked_elsewhere(error: OSError) -> bool:
    return "lock" in str(error).lower()


def _in_use(target: Path) -> StoreInUseError:
    return StoreInUseError("the store is open in another process (kg serve or kg query with "
                           "the same --store?); stop it, or give another --store folder",
                           path=str(target))


@contextlib.contextmanager
def _locked(target: Path, wait: float) -> Iterator[None]:
    """Hold the advisory lock of the store ``target`` (POSIX ``flock``; elsewhere none)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(target.with_name(f".{target.name}.lock"), "a", encoding="utf-8") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreInUseError(f"another kg process has kept the store locked for "
                                          f"over {wait:g} s; try again when it ends",
                                          path=str(target)) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
