"""The benchmark suite: kg's stack against the naive stack (rdflib, pySHACL, owlrl) by size.

    .venv/bin/python bench/run.py --sizes 100k,1m [--seed 1] [--timeout 900] [--naive-timeout 1500]

For each size it generates data with ``kg generate`` (cached under build/bench/, git-ignored),
makes a project of the ontology, the queries and that data, and runs every step of
bench/steps.py in a process of its own under a time limit, so the suite always finishes. Each
size's results go to bench/results/<date>-<size>.json, written after every step; the summary
docs/performance.md is then rewritten from the newest result of each size.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_summary  # noqa: E402
from kg.generate import BenchmarkActors, parse_size  # noqa: E402
from kg.launch import tuned_environment  # noqa: E402

# Every step runs with the allocator settings the kg executable gives itself (kg/launch.py),
# the naive stack's steps too.
STEP_ENVIRONMENT = tuned_environment(os.environ) or dict(os.environ)

KG = Path(sys.executable).with_name("kg")
STEPS = ("load", "validate", "reason", "query-asof", "query-timeline", "export-nquads",
         "export-jsonld")
PACKAGES = ("diplo-kg", "pyoxigraph", "rdflib", "pyshacl", "owlrl", "PyLD", "click")


def size_label(size: int) -> str:
    """``100000`` as ``100k``, ``1000000`` as ``1m``."""
    for factor, suffix in ((1_000_000, "m"), (1_000, "k")):
        if size % factor == 0:
            return f"{size // factor}{suffix}"
    return str(size)


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {"cpus": os.cpu_count(), "cpu_model": cpu, "memory_gib": round(mem_kb / 2**20, 1),
            "os": platform.platform(), "python": platform.python_version(),
            "glibc_tunables": STEP_ENVIRONMENT.get("GLIBC_TUNABLES"),
            "ld_preload": STEP_ENVIRONMENT.get("LD_PRELOAD"),
            "mimalloc_options": {k: v for k, v in STEP_ENVIRONMENT.items()
                                 if k.startswith("MIMALLOC_")}}


def versions() -> dict:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    found["commit"] = commit or None
    return found


def run_limited(command: list[str], limit: float) -> tuple[dict, float]:
    """Run ``command`` in a new session; past ``limit`` seconds kill its process group."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True, cwd=ROOT,
                               env=STEP_ENVIRONMENT)
    try:
        out, err = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _out, err = process.communicate()
        reached = [line.split(" ", 2)[1:] for line in err.splitlines() if line.startswith("phase ")]
        value = {"status": "timeout", "limit_seconds": limit}
        if reached:
            value["phases_started"] = {name: float(at) for at, name in reached}
        return value, time.perf_counter() - started
    wall = time.perf_counter() - started
    if process.returncode != 0:
        return {"status": "error", "returncode": process.returncode,
                "stderr": err.strip().splitlines()[-5:]}, wall
    return {"status": "ok", **json.loads(out.strip().splitlines()[-1])}, wall


def run_timed_cli(command: list[str], limit: float) -> dict:
    """A CLI run under /usr/bin/time: wall seconds and peak RSS of the command."""
    stats = Path(f"/tmp/kg-bench-time-{os.getpid()}")
    timed = ["/usr/bin/time", "-o", str(stats), "-f", "%e %M"] + command
    started = time.perf_counter()
    try:
        process = subprocess.run(timed, capture_output=True, text=True, timeout=limit, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "limit_seconds": limit}
    wall = time.perf_counter() - started
    if process.returncode != 0:
        return {"status": "error", "returncode": process.returncode,
                "stderr": process.stderr.strip().splitlines()[-5:]}
    _elapsed, peak_kb = stats.read_text().split()[-2:]
    stats.unlink()
    return {"status": "ok", "seconds": wall, "peak_rss_mb": round(int(peak_kb) / 1024, 1)}


def prepare(work: Path, size: int, seed: int, limit: float) -> tuple[Path, dict | None]:
    """The cached data file of ``size`` (generated if missing) and a project around it."""
    label = size_label(size)
    data = work / f"gen-{label}-s{seed}.nt"
    generated = None
    if not data.exists():
        generated = run_timed_cli([str(KG), "generate", "--triples", str(size), "--seed",
                                   str(seed), "-o", str(data)], limit)
    project = work / f"project-{label}-s{seed}"
    shutil.rmtree(project, ignore_errors=True)
    for folder in ("ontology", "queries"):
        shutil.copytree(ROOT / folder, project / folder)
    (project / "data").mkdir(parents=True)
    os.link(data, project / "data" / "generated.nt")
    return project, generated


def skip_reason(name: str, side: str, size: int, args, timed_out: set[str]) -> str | None:
    if f"{name}/{side}" in timed_out:
        return "timed out at a smaller size"
    if side == "naive":
        cap = {"validate": args.naive_max_validate, "reason": args.naive_max_reason}.get(
            name, args.naive_max)
        if size > cap:
            return f"above the naive stack's cap of {size_label(cap)} triples for this step"
    return None


def bench_cli_query(project: Path, store: Path, limit: float, record) -> None:
    """``kg query channels-as-of`` as a user runs it: loading the files, filling a persistent
    store, then (median of 5 runs) opening that store as it is."""
    actors = BenchmarkActors()
    command = [str(KG), "--project", str(project), "query", "channels-as-of",
               "--param", f"a={actors.top_state}", "--param", f"b={actors.top_organization}",
               "--param", f"date={actors.date}", "--format", "csv"]
    record("cli-query/kg", run_timed_cli(command, limit))
    shutil.rmtree(store, ignore_errors=True)
    with_store = command + ["--store", str(store)]
    record("cli-query-fill/kg", run_timed_cli(with_store, limit))
    runs = [run_timed_cli(with_store, limit) for _ in range(5)]
    failed = [run for run in runs if run["status"] != "ok"]
    if failed:
        record("cli-query-store/kg", failed[0])
        return
    walls = sorted(run["seconds"] for run in runs)
    record("cli-query-store/kg", {"status": "ok", "seconds": walls[len(walls) // 2],
                                  "min_seconds": walls[0], "max_seconds": walls[-1],
                                  "runs": len(walls),
                                  "peak_rss_mb": max(run["peak_rss_mb"] for run in runs)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k,1m", help="comma-separated, e.g. 10k,100k,1m")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=10, help="timed runs per query")
    parser.add_argument("--timeout", type=float, default=900, help="limit per kg step (s)")
    # pySHACL needs about 19 minutes at 100k here, owlrl about 8 at 1M.
    parser.add_argument("--naive-timeout", type=float, default=1500,
                        help="limit per naive-stack step (s)")
    parser.add_argument("--naive-max", type=parse_size, default=parse_size("1m"),
                        help="largest size for naive load, queries and exports")
    parser.add_argument("--naive-max-validate", type=parse_size, default=parse_size("100k"))
    # A run at 1M compares with owlrl by default; pySHACL would need hours there.
    parser.add_argument("--naive-max-reason", type=parse_size, default=parse_size("1m"))
    parser.add_argument("--steps", default=",".join(STEPS + ("build", "cli-query")),
                        help="which steps to run")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--summary", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()

    args.work.mkdir(parents=True, exist_ok=True)
    args.results.mkdir(parents=True, exist_ok=True)
    chosen = args.steps.split(",")
    timed_out: set[str] = set()
    today = datetime.date.today().isoformat()
    for size in sorted(parse_size(s) for s in args.sizes.split(",")):
        label = size_label(size)
        project, generated = prepare(args.work, size, args.seed, args.timeout)
        result = {"size": size, "label": label, "seed": args.seed, "date": today,
                  "machine": machine(), "versions": versions(),
                  "parameters": vars(BenchmarkActors()), "steps": {}}
        if generated:
            result["steps"]["generate/kg"] = generated
        out = args.results / f"{today}-{label}.json"
        if out.exists():  # a later run of the same day adds to (or redoes) steps
            result["steps"] = {**json.loads(out.read_text())["steps"], **result["steps"]}

        def record(key: str, value: dict) -> None:
            result["steps"][key] = {**value, "commit": result["versions"]["commit"]}
            out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
            shown = value.get("seconds")
            shown = f"{shown:.3f}s" if isinstance(shown, float) else value.get("status")
            print(f"[{label}] {key}: {shown} {value.get('peak_rss_mb', '')}", file=sys.stderr,
                  flush=True)

        for name in STEPS:
            if name not in chosen:
                continue
            for side in ("kg", "naive"):
                key = f"{name}/{side}"
                reason = skip_reason(name, side, size, args, timed_out)
                if reason:
                    record(key, {"status": "skipped", "reason": reason})
                    continue
                limit = args.timeout if side == "kg" else args.naive_timeout
                value, wall = run_limited([sys.executable, str(ROOT / "bench" / "steps.py"), key,
                                           "--project", str(project), "--runs", str(args.runs)],
                                          limit)
                value["wall_seconds"] = round(wall, 3)
                if value["status"] == "timeout":
                    timed_out.add(key)
                record(key, value)
        if "build" in chosen:
            blocked = [k for k in ("validate/kg", "reason/kg", "build/kg") if k in timed_out]
            if blocked:
                record("build/kg", {"status": "skipped",
                                    "reason": f"{', '.join(blocked)} timed out"})
            else:
                value, wall = run_limited(
                    [sys.executable, str(ROOT / "bench" / "steps.py"), "build/kg", "--project",
                     str(project), "--out", str(args.work / f"out-{label}")], args.timeout)
                value["wall_seconds"] = round(wall, 3)
                if value["status"] == "timeout":
                    timed_out.add("build/kg")
                record("build/kg", value)
        if "cli-query" in chosen:
            bench_cli_query(project, args.work / f"store-{label}", args.timeout, record)
    write_summary(args.results, args.summary)
    print(f"results in {args.results}; summary in {args.summary}", file=sys.stderr)


if __name__ == "__main__":
    main()
