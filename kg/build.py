"""``kg build``: load, validate, reason and write every export into a folder, atomically.

The exports are written into a temporary sibling folder, which then takes the place of the
output folder; a failure or an interrupt at any point leaves the previous build as it was.
A build that was killed outright (SIGKILL, power loss) leaves its sibling folders behind; the
next build removes them, and puts the previous build back if the kill fell inside the swap
(:mod:`kg.swap`, shared with the persistent store).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kg import __version__
from kg.export import DEFAULT_ROLES, Exporter
from kg.fork import Forked, ForkedFailure, fork_available
from kg.formats import RdfFormat
from kg.loading import GraphRole, LoadedDataset
from kg.pipeline import Reasoner, Step, _quiet, load_project, validate, with_inferences
from kg.project import Project
from kg.swap import recover_abandoned, staging_folder, swap_into_place
from kg.validation import ValidationReport

EXPORTS = (
    ("diplo-kg.ttl", RdfFormat.TURTLE, DEFAULT_ROLES),
    ("diplo-kg.jsonld", RdfFormat.JSONLD, DEFAULT_ROLES),
    ("diplo-kg.nt", RdfFormat.NTRIPLES, DEFAULT_ROLES),
    ("diplo-kg.trig", RdfFormat.TRIG, tuple(GraphRole)),
    ("diplo-kg.nq", RdfFormat.NQUADS, tuple(GraphRole)),
    ("inferred.nt", RdfFormat.NTRIPLES, (GraphRole.INFERRED,)),
)


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the validation report and, if it conformed, the manifest written."""

    report: ValidationReport
    manifest: dict | None
    out_dir: Path


def build(project: Project, out_dir: Path, *, reasoner: Reasoner = Reasoner.RULES,
          progress: Step = _quiet) -> BuildResult:
    """Build ``project`` into ``out_dir``; nothing is written unless the data conforms.

    With the rules reasoner, where the system can fork (:mod:`kg.fork`), a child process
    validates the data and writes the exports of the asserted graphs while this one reasons and
    writes the others, so that a build uses two cores; the output is the same as with one step
    after the other. (The owlrl reference reasoner runs after validation, as it could take
    minutes to reason about data that does not conform.)
    """
    loaded = load_project(project, progress=progress)
    if reasoner is Reasoner.RULES and fork_available():
        return _build_on_two_cores(loaded, project, out_dir, progress)
    report = validate(loaded, project, progress=progress)
    if not report.conforms:
        return BuildResult(report=report, manifest=None, out_dir=out_dir)
    reasoned = with_inferences(loaded, reasoner=reasoner, progress=progress)
    manifest = write_atomically(reasoned, out_dir, progress=progress)
    return BuildResult(report=report, manifest=manifest, out_dir=out_dir)


def write_atomically(loaded: LoadedDataset, out_dir: Path, *, progress: Step = _quiet) -> dict:
    """Write the exports and ``manifest.json`` to a temporary folder, then swap it in."""
    with _staging(out_dir) as staging:
        exporter = Exporter(loaded)
        files = _write_exports(exporter, staging, EXPORTS, progress)
        return _finish(loaded, _graph_sizes(loaded, exporter), files, staging, out_dir)


def _build_on_two_cores(loaded: LoadedDataset, project: Project, out_dir: Path,
                        progress: Step) -> BuildResult:
    """Validation and the exports of the asserted graphs in a forked child; reasoning (in the
    loaded store itself: the child has its own copy) and the other exports here."""
    asserted = tuple(e for e in EXPORTS if GraphRole.INFERRED not in e[2])
    others = tuple(e for e in EXPORTS if e not in asserted)
    with _staging(out_dir) as staging:
        child = Forked(lambda: _validate_then_export(loaded, project, staging, asserted,
                                                     progress))
        try:
            reasoned = with_inferences(loaded, progress=progress, in_place=True)
            exporter = Exporter(reasoned)
            files = _write_exports(exporter, staging, others, progress)
            sizes = _graph_sizes(reasoned, exporter)
            del exporter  # its lines and exports: memory the child may need for its own
            progress("wait for validation")
            report, written = child.result()
        except ForkedFailure:
            # The child's part again, here, raises the child's error where it belongs.
            report, written = _validate_then_export(reasoned, project, staging, asserted,
                                                    progress)
        except BaseException:
            child.cancel()
            raise
        if not report.conforms:
            return BuildResult(report=report, manifest=None, out_dir=out_dir)
        manifest = _finish(reasoned, sizes, files | written, staging, out_dir)
    return BuildResult(report=report, manifest=manifest, out_dir=out_dir)


def _validate_then_export(loaded: LoadedDataset, project: Project, staging: Path,
                          exports: tuple, progress: Step) -> tuple[ValidationReport, dict]:
    report = validate(loaded, project, progress=progress)
    if not report.conforms:
        return report, {}
    return report, _write_exports(Exporter(loaded), staging, exports, progress)


def _write_exports(exporter: Exporter, staging: Path, exports: tuple, progress: Step) -> dict:
    """Write ``exports`` into ``staging``; their entries of the manifest, by file name."""
    files = {}
    for name, rdf_format, roles in exports:
        progress(f"export {name}")
        data = exporter.export(rdf_format, roles)
        (staging / name).write_bytes(data)
        files[name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                       "graphs": [r.value for r in roles], "format": rdf_format.media_type}
    return files


@contextmanager
def _staging(out_dir: Path) -> Iterator[Path]:
    """A new folder beside ``out_dir`` for the exports, removed unless it was swapped in."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    recover_abandoned(out_dir)
    staging = staging_folder(out_dir)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _graph_sizes(loaded: LoadedDataset, exporter: Exporter) -> dict[str, int]:
    """The number of statements in each graph of ``loaded``."""
    return {source.graph: exporter.triple_count(source.graph) for source in loaded.files}


def _finish(loaded: LoadedDataset, sizes: dict[str, int], files: dict, staging: Path,
            out_dir: Path) -> dict:
    """Write the manifest into ``staging``, swap it into place and return the manifest."""
    manifest = _manifest(loaded, sizes, files)
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True)
                                           + "\n", encoding="utf-8")
    swap_into_place(staging, out_dir.resolve())
    return manifest


def _manifest(loaded: LoadedDataset, sizes: dict[str, int], files: dict) -> dict:
    graphs = {}
    for source in loaded.files:
        graphs[source.graph] = {"role": source.role.value, "source": source.display_path,
                                "triples": sizes[source.graph]}
    inputs = {f.display_path: hashlib.sha256(f.path.read_bytes()).hexdigest()
              for f in loaded.files if f.role is not GraphRole.INFERRED}
    return {"generator": f"kg {__version__}", "graphs": graphs, "files": files,
            "inputs": inputs, "triples": len(loaded.store)}
