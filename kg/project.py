"""Where a project's files live: the one module that knows the layout of a diplo-kg checkout.

>>> from pathlib import Path
>>> layout = Project(Path("/tmp/p"))
>>> layout.data_dir.as_posix()
'/tmp/p/data'
>>> layout.display(Path("/tmp/p/data/actors.ttl"))
'data/actors.ttl'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError


@dataclass(frozen=True)
class Project:
    """The folders of a checkout (see docs/model.md and DESIGN.md's layout)."""

    root: Path

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "ontology" / "shapes"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def links_dir(self) -> Path:
        return self.root / "data" / "links"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def checks_dir(self) -> Path:
        return self.root / "queries" / "checks"

    @property
    def default_build_dir(self) -> Path:
        return self.root / "build"

    def display(self, path: Path) -> str:
        """A path as users see it in messages: relative to the project root when inside it."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


def find_project(start: Path) -> Project:
    """The nearest folder at or above ``start`` holding both ``ontology/`` and ``data/``.

    Raises:
        InputError: if no such folder exists.
    """
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / "ontology").is_dir() and (folder / "data").is_dir():
            return Project(folder)
    raise InputError(f"no diplo-kg project (a folder with ontology/ and data/) at or above "
                     f"{start}; run kg inside a checkout or pass --project DIR")
