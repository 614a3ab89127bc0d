"""What a server publishes and under which limits.

:class:`Settings` holds every limit and switch (the CLI fills it from its options);
:func:`prepare_dataset` writes the project's graphs, inferences included, into an Oxigraph
store on disk, which the query workers open read-only.

>>> Settings().updates_enabled
False
>>> Settings(update_token="s3cret").updates_enabled
True
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from kg.channel_index import build_channel_index
from kg.engines import OxigraphEngine
from kg.errors import InputError
from kg.loading import LoadedDataset
from kg.pipeline import load_project, with_inferences
from kg.project import Project
from kg.queries import NamedQuery, load_catalog
from kg.store import replace_store


@dataclass(frozen=True)
class Settings:
    """Limits and switches of a server.

    ``update_token`` enables SPARQL Update for clients that send it as a bearer token;
    ``allowed_services`` are IRI prefixes that ``SERVICE`` and ``LOAD`` may call;
    ``cors_origins`` are the origins allowed to read answers from a browser (``*`` for any).
    """

    timeout: float = 30.0
    max_result_bytes: int = 32 * 1024 * 1024
    max_query_length: int = 100_000
    max_body_bytes: int = 1024 * 1024
    workers: int = 2
    update_token: str | None = None
    allowed_services: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()

    @property
    def updates_enabled(self) -> bool:
        return bool(self.update_token)


@dataclass
class ServedDataset:
    """The store the server answers from (read-write here, read-only in the workers)."""

    store_path: Path
    store: pyoxigraph.Store
    graphs: tuple[str, ...]
    catalog: dict[str, NamedQuery]
    temporary: bool = False
    engine: OxigraphEngine = field(init=False)

    def __post_init__(self) -> None:
        self.engine = OxigraphEngine(self.store)

    def close(self) -> None:
        """Release the store (the engine holds it too); a temporary store's folder is removed."""
        del self.engine, self.store
        if self.temporary:
            shutil.rmtree(self.store_path, ignore_errors=True)


def prepare_dataset(project: Project, *, store_path: Path | None = None,
                    reasoning: bool = True,
                    progress: Callable[[str], None] = lambda step: None) -> ServedDataset:
    """Load ``project`` (and its OWL 2 RL inferences) into a store on disk.

    With ``store_path`` the store is kept there: a new store replaces the one there as a whole
    (:func:`kg.store.replace_store`), so a kill while it is written leaves the old one.
    Otherwise it lives in a temporary folder removed by :meth:`ServedDataset.close`.

    Raises:
        InputError: when a file does not parse or the store folder cannot be used.
        StoreInUseError: when the store folder is open in another process.
    """
    loaded: LoadedDataset = load_project(project, progress=progress)
    if reasoning:
        loaded = with_inferences(loaded, progress=progress)
    progress("index the channels")
    build_channel_index(loaded.store)
    temporary = store_path is None
    path = Path(tempfile.mkdtemp(prefix="kg-serve-")) if temporary else store_path
    progress(f"write the store to {path}")
    if temporary:
        store = _fill_temporary(path, loaded.store)
    else:
        store = replace_store(path, loaded.store)
    catalog = load_catalog(project.queries_dir)
    graphs = tuple(sorted({f.graph for f in loaded.files}))
    return ServedDataset(store_path=path, store=store, graphs=graphs, catalog=catalog,
                         temporary=temporary)


def _fill_temporary(path: Path, data: pyoxigraph.Store) -> pyoxigraph.Store:
    try:
        store = pyoxigraph.Store(str(path))
        store.extend(data)
        store.flush()
    except OSError as error:
        shutil.rmtree(path, ignore_errors=True)
        raise InputError(f"cannot use this folder as an Oxigraph store: {error}",
                         path=str(path)) from None
    return store
