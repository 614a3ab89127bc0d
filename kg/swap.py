"""Replace a folder by another in one step, and recover what a killed replacement left behind.

The new content is written into a *staging* folder beside the target (same parent, so the
renames never cross a file system), which then takes the target's place:

1. the target is renamed into a *retired* folder, ``.NAME-old-PID-*/NAME``;
2. the staging folder ``.NAME-new-PID-*`` is renamed to the target;
3. the retired folder is removed.

A process killed at any moment leaves the complete old target or the complete new one, plus
PID-named leftovers that :func:`recover_abandoned` removes once their process is gone (putting
the retired target back first when the kill fell between steps 1 and 2). Folders of processes
still running are left alone, so two processes may stage beside the same target.

>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> target = root / "out"
>>> first = staging_folder(target)
>>> _ = (first / "version").write_text("1")
>>> swap_into_place(first, target)
>>> second = staging_folder(target)
>>> _ = (second / "version").write_text("2")
>>> swap_into_place(second, target)
>>> (target / "version").read_text(), sorted(p.name for p in root.iterdir())
('2', ['out'])
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from pathlib import Path


def staging_folder(target: Path) -> Path:
    """A new empty folder beside ``target``, named for this process (``.NAME-new-PID-*``)."""
    return Path(tempfile.mkdtemp(prefix=f".{target.name}-new-{os.getpid()}-",
                                 dir=target.parent))


def swap_into_place(staging: Path, target: Path) -> None:
    """Put the folder ``staging`` where ``target`` is (or would be); the old one is removed."""
    if not target.exists():
        os.replace(staging, target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-{os.getpid()}-",
                                    dir=target.parent))
    os.replace(target, retired / target.name)
    try:
        os.replace(staging, target)
    except BaseException:
        os.replace(retired / target.name, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def recover_abandoned(target: Path) -> None:
    """Remove the staging and retired folders beside ``target`` whose process is gone.

    A kill between the two renames of :func:`swap_into_place` left no ``target``: the retired
    one is put back first.
    """
    for kind in ("old", "new"):
        for path in sorted(target.parent.glob(f".{glob.escape(target.name)}-{kind}-*")):
            pid = path.name[len(f".{target.name}-{kind}-"):].split("-", 1)[0]
            if not pid.isdigit() or process_alive(int(pid)):
                continue
            if kind == "old" and not target.exists() and (path / target.name).is_dir():
                os.replace(path / target.name, target)
            shutil.rmtree(path, ignore_errors=True)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (always ``True`` where this cannot be asked safely).

    >>> process_alive(os.getpid())
    True
    """
    if os.name != "posix":
        return True  # os.kill(pid, 0) would end the process on Windows; keep the folder
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
