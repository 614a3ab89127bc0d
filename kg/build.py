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
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from kg import __version__
from kg.export import DEFAULT_ROLES, export
from kg.formats import RdfFormat
from kg.loading import GraphRole, LoadedDataset
from kg.pipeline import Reasoner, Step, _quiet, load_project, validate, with_inferences
from kg.project import Project
from kg.swap import recover_abandoned as _recover_abandoned
from kg.swap import staging_folder, swap_into_place
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
    """Build ``project`` into ``out_dir``; nothing is written unless the data conforms."""
    loaded = load_project(project, progress=progress)
    report = validate(loaded, project, progress=progress)
    if not report.conforms:
        return BuildResult(report=report, manifest=None, out_dir=out_dir)
    reasoned = with_inferences(loaded, reasoner=reasoner, progress=progress)
    manifest = write_atomically(reasoned, out_dir, progress=progress)
    return BuildResult(report=report, manifest=manifest, out_dir=out_dir)


def write_atomically(loaded: LoadedDataset, out_dir: Path, *, progress: Step = _quiet) -> dict:
    """Write the exports and ``manifest.json`` to a temporary folder, then swap it in."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _recover_abandoned(out_dir)
    staging = staging_folder(out_dir)
    try:
        files = {}
        for name, rdf_format, roles in EXPORTS:
            progress(f"export {name}")
            data = export(loaded, rdf_format, roles)
            (staging / name).write_bytes(data)
            files[name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                           "graphs": [r.value for r in roles], "format": rdf_format.media_type}
        manifest = _manifest(loaded, files)
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True)
                                               + "\n", encoding="utf-8")
        swap_into_place(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _manifest(loaded: LoadedDataset, files: dict) -> dict:
    graphs = {}
    for source in loaded.files:
        count = sum(1 for _ in loaded.store.quads_for_pattern(
            None, None, None, pyoxigraph.NamedNode(source.graph)))
        graphs[source.graph] = {"role": source.role.value, "source": source.display_path,
                                "triples": count}
    inputs = {f.display_path: hashlib.sha256(f.path.read_bytes()).hexdigest()
              for f in loaded.files if f.role is not GraphRole.INFERRED}
    return {"generator": f"kg {__version__}", "graphs": graphs, "files": files,
            "inputs": inputs, "triples": len(loaded.store)}
