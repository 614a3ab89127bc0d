"""One benchmark step, run in a process of its own so that its peak memory is its own.

    python bench/steps.py STEP --project DIR [--runs N]

prints one JSON object on stdout: ``seconds`` (the timed work only), ``peak_rss_mb`` (the
process's peak resident set, loading included) and what the step found (counts, verdicts), so
that the two sides of a comparison can be checked to have done the same work. bench/run.py
runs every step with a time limit; see docs/performance.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import sys
import time
from pathlib import Path

STEPS = {}


def step(name):
    def register(function):
        STEPS[name] = function
        return function
    return register


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def data_files(project):
    return sorted(project.data_dir.rglob("*.nt")) + sorted(project.data_dir.rglob("*.ttl"))


def rdflib_graph(project):
    """Ontology and data in one rdflib graph, parsed by rdflib (the naive stack's load)."""
    import rdflib
    graph = rdflib.Graph()
    for path in sorted(project.ontology_dir.glob("*.ttl")) + data_files(project):
        graph.parse(path, format="nt" if path.suffix == ".nt" else "turtle")
    return graph


def digest(items) -> str:
    return hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest()[:16]


def load(project):
    from kg.pipeline import load_project
    loaded, seconds = timed(load_project, project)
    return loaded, seconds


# -- load ---------------------------------------------------------------------------------------

@step("load/kg")
def load_kg(project, args):
    loaded, seconds = load(project)
    return {"seconds": seconds, "quads": len(loaded.store)}


@step("load/naive")
def load_naive(project, args):
    graph, seconds = timed(rdflib_graph, project)
    return {"seconds": seconds, "triples": len(graph)}


# -- validate -----------------------------------------------------------------------------------

def shacl_signature(findings):
    shacl = [f for f in findings if not f.source.startswith("queries/checks/")]
    return {"shacl_findings": len(shacl),
            "shacl_digest": digest(f"{f.focus}|{f.source}|{f.message}" for f in shacl)}


@step("validate/kg")
def validate_kg(project, args):
    from kg.pipeline import validate
    loaded, load_seconds = load(project)
    report, seconds = timed(validate, loaded, project)
    return {"seconds": seconds, "load_seconds": load_seconds, "conforms": report.conforms,
            "findings": len(report.findings), **shacl_signature(report.findings)}


@step("validate/naive")
def validate_naive(project, args):
    from kg.validation import load_shapes, run_shacl
    graph, load_seconds = timed(rdflib_graph, project)
    shapes = load_shapes(project.shapes_dir)
    findings, seconds = timed(run_shacl, graph, shapes)
    conforms = not any(f.severity.value == "Violation" for f in findings)
    return {"seconds": seconds, "load_seconds": load_seconds, "conforms": conforms,
            "findings": len(findings), **shacl_signature(findings)}


# -- reason -------------------------------------------------------------------------------------

@step("reason/kg")
def reason_kg(project, args):
    """OWL 2 RL in the loaded store, as ``kg build`` does (and as owlrl expands its graph);
    ``with_inferences``, which first copies the store to leave its input untouched, is timed
    beside it."""
    import pyoxigraph
    from kg.namespaces import INFERRED_GRAPH
    from kg.pipeline import with_inferences
    loaded, load_seconds = load(project)
    _, copying_seconds = timed(with_inferences, loaded)
    _, seconds = timed(with_inferences, loaded, in_place=True)
    inferred = sum(1 for _ in loaded.store.quads_for_pattern(
        None, None, None, pyoxigraph.NamedNode(INFERRED_GRAPH)))
    return {"seconds": seconds, "load_seconds": load_seconds, "inferred": inferred,
            "with_copy_seconds": copying_seconds}


@step("reason/naive")
def reason_naive(project, args):
    import owlrl
    graph, load_seconds = timed(rdflib_graph, project)
    asserted = len(graph)
    closure = owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                                     datatype_axioms=False)
    _, seconds = timed(closure.expand, graph)
    return {"seconds": seconds, "load_seconds": load_seconds,
            "closure_minus_asserted": len(graph) - asserted}


# -- queries ------------------------------------------------------------------------------------

def query_setup(project, name):
    from kg.generate import BenchmarkActors
    from kg.queries import load_catalog
    actors = BenchmarkActors()
    params = {"a": actors.top_state, "b": actors.top_organization}
    if name == "channels-as-of":
        params["date"] = actors.date
    return load_catalog(project.queries_dir)[name], params


def repeat_pair(first, second, runs):
    first(), second()  # warm-up
    times: tuple[list, list] = ([], [])
    for _ in range(runs):
        for function, into in ((first, times[0]), (second, times[1])):
            _, seconds = timed(function)
            into.append(seconds)
    return tuple({"seconds": statistics.median(t), "min_seconds": min(t),
                  "max_seconds": max(t), "runs": runs} for t in times)


def repeat(function, runs):
    function()  # warm-up: caches, lazy initialisation
    times = []
    for _ in range(runs):
        _, seconds = timed(function)
        times.append(seconds)
    return {"seconds": statistics.median(times), "min_seconds": min(times),
            "max_seconds": max(times), "runs": runs}


def query_kg(project, args, name):
    import pyoxigraph
    from kg.engines import OxigraphEngine
    from kg.namespaces import PREFIXES
    from kg.queries import run_named_query
    from kg.channel_index import ensure_channel_index
    query, params = query_setup(project, name)
    loaded, load_seconds = load(project)
    index_seconds = None
    if query.reads_channel_index:  # as `kg query` does before running it
        _, index_seconds = timed(ensure_channel_index, loaded.store)
    engine = OxigraphEngine(loaded.store)
    xsd_date = pyoxigraph.NamedNode(PREFIXES["xsd"] + "date")
    substitutions = {pyoxigraph.Variable(k): pyoxigraph.Literal(v, datatype=xsd_date)
                     if k == "date" else pyoxigraph.NamedNode(v) for k, v in params.items()}

    # The text kg runs: with the index, without the lines for stores that lack it.
    text = query.text_on(engine)

    def raw():
        solutions = loaded.store.query(text, prefixes=dict(PREFIXES),
                                       substitutions=substitutions,
                                       use_default_graph_as_union=True)
        return [tuple(solution) for solution in solutions]

    rows = len(run_named_query(query, params, engine).rows)
    raw_rows = len(raw())
    # Interleaved, so that drift (caches, other load) touches both sides alike.
    kg, pyoxi = repeat_pair(lambda: run_named_query(query, params, engine), raw, args.runs)
    return {**kg, "load_seconds": load_seconds, "index_seconds": index_seconds,
            "rows": rows, "raw_rows": raw_rows,
            "raw_pyoxigraph_seconds": pyoxi["seconds"],
            "kg_overhead": kg["seconds"] / pyoxi["seconds"] - 1}


def query_naive(project, args, name):
    from kg.engines import RdflibEngine
    from kg.queries import run_named_query
    from kg.rdflib_bridge import dataset_from_store
    query, params = query_setup(project, name)
    loaded, load_seconds = load(project)
    dataset, bridge_seconds = timed(dataset_from_store, loaded.store)
    engine = RdflibEngine(dataset)
    table, first = timed(run_named_query, query, params, engine)
    result = repeat(lambda: run_named_query(query, params, engine), max(1, min(args.runs, 3)))
    return {**result, "first_seconds": first, "bridge_seconds": bridge_seconds,
            "load_seconds": load_seconds, "rows": len(table.rows)}


for _name, _short in (("channels-as-of", "asof"), ("timeline", "timeline")):
    step(f"query-{_short}/kg")(lambda p, a, n=_name: query_kg(p, a, n))
    step(f"query-{_short}/naive")(lambda p, a, n=_name: query_naive(p, a, n))


# -- export -------------------------------------------------------------------------------------

def export_kg(project, format_name):
    from kg.export import export
    from kg.formats import RdfFormat
    loaded, load_seconds = load(project)
    data, seconds = timed(export, loaded, RdfFormat.from_name(format_name))
    return {"seconds": seconds, "load_seconds": load_seconds, "bytes": len(data)}


def rdflib_dataset(project):
    """The naive stack's dataset: one named graph per file, as kg loads them."""
    import rdflib
    from kg.loading import discover_files
    dataset = rdflib.Dataset()
    for source in discover_files(project):
        graph = dataset.graph(rdflib.URIRef(source.graph))
        graph.parse(source.path, format="nt" if source.path.suffix == ".nt" else "turtle")
    return dataset


def export_naive(project, rdflib_format):
    load = rdflib_dataset if rdflib_format == "nquads" else rdflib_graph
    graph, load_seconds = timed(load, project)
    data, seconds = timed(graph.serialize, format=rdflib_format, encoding="utf-8")
    return {"seconds": seconds, "load_seconds": load_seconds, "bytes": len(data)}


step("export-nquads/kg")(lambda p, a: export_kg(p, "nquads"))
step("export-nquads/naive")(lambda p, a: export_naive(p, "nquads"))
step("export-jsonld/kg")(lambda p, a: export_kg(p, "jsonld"))
step("export-jsonld/naive")(lambda p, a: export_naive(p, "json-ld"))


# -- whole commands -----------------------------------------------------------------------------

@step("build/kg")
def build_kg(project, args):
    from kg.build import build
    marks: list[tuple[str, float]] = []
    started = time.perf_counter()

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter()))
        # On stderr as it happens, so that a run stopped at its time limit still shows how far
        # it got (bench/run.py keeps these lines).
        print(f"phase {time.perf_counter() - started:.3f} {name}", file=sys.stderr, flush=True)

    result = build(project, Path(args.out), progress=mark)
    ended = time.perf_counter()
    # The progress callback marks the start of each phase; a phase lasts until the next mark.
    phases = [[name, round(end - begin, 3)] for (name, begin), (_, end)
              in zip(marks, marks[1:] + [("end", ended)])]
    # A build forks a child that validates and writes the asserted exports meanwhile; the
    # sum of both peaks bounds the memory they held at any one time.
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": ended - started, "conforms": result.report.conforms,
            "quads": result.manifest["triples"] if result.manifest else None,
            "phases": phases, "parent_peak_rss_mb": round(peak_rss_mb(), 1),
            "child_peak_rss_mb": round(child_mb, 1),
            "peak_rss_sum_mb": round(peak_rss_mb() + child_mb, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--project", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--out", default=None, help="build/kg: the output folder")
    args = parser.parse_args()
    from kg.project import Project
    result = STEPS[args.step](Project(args.project.resolve()), args)
    result.setdefault("peak_rss_mb", round(peak_rss_mb(), 1))
    if "peak_rss_sum_mb" in result:
        result["peak_rss_mb"] = result["peak_rss_sum_mb"]
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
