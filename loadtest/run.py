"""Load test: ``kg serve`` and ``oxigraph serve-read-only`` under the same mixed workload.

Both servers run on loopback ports of this machine and hold the same quads (``kg export
--format nquads --graphs all``, inferences included). Concurrent clients (threads with one
keep-alive connection each) send, round-robin from a different starting point each, every
named query of the catalog (kg: ``/api/queries/NAME`` with its defaults; Oxigraph: the
catalog's standalone example text, parameters inlined) and a few ad-hoc SPARQL queries, for a
fixed time per server, one server after the other. Every answer other than 200 is an error.

    .venv/bin/python loadtest/run.py                     # 16 clients, 30 s per server
    .venv/bin/python loadtest/run.py --seconds 2 --clients 4 --output /tmp/r.md --json /tmp/r.json

The report (requests/s, p50 and p99 latency, errors, per server and per kind of request)
replaces ``docs/reliability.md`` unless ``--output`` names another file. Exit code 1 when any
request failed.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KG = [sys.executable, "-c", "from kg.cli import main; main()"]
ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"
AD_HOC = [
    "SELECT ?state ?label WHERE { ?state a dk:State ; rdfs:label ?label "
    "FILTER(LANG(?label) = 'en') } ORDER BY ?label",
    "SELECT ?type (COUNT(*) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n) ?type "
    "LIMIT 10",
    "ASK { <https://w3id.org/diplo-kg/resource/state/russia> ?p ?o }",
    "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p ORDER BY ?p",
    "CONSTRUCT { ?s ?p ?o } WHERE { BIND(<https://w3id.org/diplo-kg/resource/state/russia> AS ?s) "
    "?s ?p ?o }",
]


@dataclass(frozen=True)
class Request:
    kind: str  # "named" or "ad-hoc"
    label: str
    method: str
    path: str
    body: bytes | None
    headers: dict


@dataclass
class Outcome:
    latencies: dict = field(default_factory=lambda: {"named": [], "ad-hoc": []})
    by_label: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    reconnects: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(process: subprocess.Popen, port: int, path: str, name: str,
                     timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"loadtest: {name} stopped while starting (exit {process.returncode})")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"loadtest: {name} did not answer within {timeout:.0f} s")


def get_json(port: int, path: str):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path)
    return json.loads(connection.getresponse().read())


def workloads(catalog: list[dict]) -> tuple[list[Request], list[Request]]:
    """The same queries for both servers: (kg serve requests, Oxigraph requests)."""
    from kg.namespaces import PREFIXES
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    kg, oxigraph = [], []
    for query in catalog:
        if query["requiresNetwork"] or not query["example"]:
            continue
        kg.append(Request("named", query["name"], "GET", query["url"], None,
                          {"Accept": "application/sparql-results+json"}))
        oxigraph.append(Request("named", query["name"], "POST", "/query",
                                (prologue + query["example"]).encode(),
                                {"Content-Type": "application/sparql-query", "Accept": ACCEPT}))
    for number, text in enumerate(AD_HOC, start=1):
        form = urllib.parse.urlencode({"query": text}).encode()
        kg.append(Request("ad-hoc", f"ad-hoc {number}", "POST", "/sparql", form,
                          {"Content-Type": "application/x-www-form-urlencoded",
                           "Accept": ACCEPT}))
        oxigraph.append(Request("ad-hoc", f"ad-hoc {number}", "POST", "/query",
                                (prologue + text).encode(),
                                {"Content-Type": "application/sparql-query", "Accept": ACCEPT}))
    return kg, oxigraph


def client(port: int, requests: list[Request], start: int, deadline: float,
           outcome: Outcome, lock: threading.Lock) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies: dict = {"named": [], "ad-hoc": []}
    by_label: dict = {}
    errors, reconnects, index = [], 0, start
    while time.monotonic() < deadline:
        request = requests[index % len(requests)]
        index += 1
        for attempt in (1, 2):
            began = time.perf_counter()
            try:
                connection.request(request.method, request.path, body=request.body,
                                   headers=request.headers)
                response = connection.getresponse()
                response.read()
                elapsed = time.perf_counter() - began
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError) as error:
                # A kept-alive connection closed by the server: reopen it once, as HTTP
                # clients do; a second failure is an error.
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                reconnects += 1
                if attempt == 2:
                    errors.append(f"{request.label}: {type(error).__name__}")
                continue
            except OSError as error:
                errors.append(f"{request.label}: {type(error).__name__}: {error}")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                break
            if response.status == 200:
                latencies[request.kind].append(elapsed)
                by_label.setdefault(request.label, []).append(elapsed)
            else:
                errors.append(f"{request.label}: HTTP {response.status}")
            if response.getheader("connection", "").lower() == "close":
                connection.close()
            break
    connection.close()
    with lock:
        for kind, values in latencies.items():
            outcome.latencies[kind].extend(values)
        for label, values in by_label.items():
            outcome.by_label.setdefault(label, []).extend(values)
        outcome.errors.extend(errors)
        outcome.reconnects += reconnects


def hammer(port: int, requests: list[Request], *, clients: int, seconds: float) -> dict:
    outcome, lock = Outcome(), threading.Lock()
    deadline = time.monotonic() + seconds
    began = time.monotonic()
    step = max(1, len(requests) // clients)
    threads = [threading.Thread(target=client, args=(port, requests, i * step, deadline,
                                                     outcome, lock)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    everything = sorted(outcome.latencies["named"] + outcome.latencies["ad-hoc"])
    result = {"requests": len(everything) + len(outcome.errors), "seconds": round(elapsed, 2),
              "requests_per_second": round((len(everything) + len(outcome.errors)) / elapsed, 1),
              "errors": len(outcome.errors), "error_samples": sorted(set(outcome.errors))[:10],
              "reconnects": outcome.reconnects, **percentiles(everything)}
    for kind, values in outcome.latencies.items():
        result[kind] = {"requests": len(values), **percentiles(sorted(values))}
    result["queries"] = {label: {"requests": len(values), **percentiles(sorted(values))}
                         for label, values in sorted(outcome.by_label.items())}
    return result


def percentiles(ordered: list[float]) -> dict:
    if not ordered:
        return {"p50_ms": None, "p99_ms": None}

    def at(q: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)
    return {"p50_ms": at(0.50), "p99_ms": at(0.99)}


def parity(kg_port: int, ox_port: int, kg: list[Request], ox: list[Request]) -> list[str]:
    """Names of the named queries whose row counts differ between the two servers."""
    differing = []
    for mine, theirs in zip(kg, ox):
        if mine.kind != "named":
            continue
        counts = []
        for port, request in ((kg_port, mine), (ox_port, theirs)):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request(request.method, request.path, body=request.body,
                               headers={**request.headers,
                                        "Accept": "application/sparql-results+json"})
            response = connection.getresponse()
            body = response.read()
            counts.append(len(json.loads(body)["results"]["bindings"])
                          if response.status == 200 else f"HTTP {response.status}")
        if counts[0] != counts[1]:
            differing.append(f"{mine.label} ({counts[0]} vs {counts[1]})")
    return differing


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor() or "unknown") if Path("/proc/cpuinfo").exists() else "unknown"
    memory = "unknown"
    if Path("/proc/meminfo").exists():
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    versions = {name: metadata.version(name) for name in
                ("diplo-kg", "pyoxigraph", "oxigraph", "uvicorn", "starlette")}
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory,
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "versions": versions}


def run(args: argparse.Namespace) -> dict:
    oxigraph = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or \
        shutil.which("oxigraph")
    if oxigraph is None:
        raise SystemExit("loadtest: the oxigraph server is missing: pip install oxigraph")
    work = Path(tempfile.mkdtemp(prefix="kg-loadtest-"))
    processes: list[subprocess.Popen] = []
    try:
        quads = work / "all.nq"
        subprocess.run([*KG, "--project", str(args.project), "export", "--format", "nquads",
                        "--graphs", "all", "-o", str(quads)], check=True)
        subprocess.run([oxigraph, "load", "--location", str(work / "store"), "--file",
                        str(quads)], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        quad_count = sum(1 for line in quads.open("rb") if line.strip()
                         and not line.startswith(b"#"))
        kg_port, ox_port = free_port(), free_port()
        processes.append(subprocess.Popen(
            [*KG, "--project", str(args.project), "serve", "--port", str(kg_port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        processes.append(subprocess.Popen(
            [oxigraph, "serve-read-only", "--location", str(work / "store"), "--bind",
             f"127.0.0.1:{ox_port}", "--union-default-graph"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_until_ready(processes[0], kg_port, "/api/queries", "kg serve")
        wait_until_ready(processes[1], ox_port, "/query?query=ASK%7B%7D", "oxigraph")
        kg_requests, ox_requests = workloads(get_json(kg_port, "/api/queries"))
        differing = parity(kg_port, ox_port, kg_requests, ox_requests)
        results = {}
        for name, port, requests in (("kg serve", kg_port, kg_requests),
                                     ("oxigraph serve-read-only", ox_port, ox_requests)):
            print(f"loadtest: {name}: {args.clients} clients for {args.seconds:g} s",
                  file=sys.stderr)
            results[name] = hammer(port, requests, clients=args.clients, seconds=args.seconds)
        return {"date": datetime.date.today().isoformat(), "machine": machine(),
                "clients": args.clients, "seconds": args.seconds, "quads": quad_count,
                "named_queries": sum(r.kind == "named" for r in kg_requests),
                "ad_hoc_queries": len(AD_HOC), "parity_differences": differing,
                "results": results}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(work, ignore_errors=True)


GUARANTEES = """\
## What the product guarantees

This section is kept in `loadtest/run.py` and written with the numbers above.

**No data loss on build.** `kg build` writes every export and the manifest into a staging
folder beside the output folder, and swaps it in only when all of them are written
(`kg/build.py`). A build that fails, is interrupted (Ctrl-C) or killed outright (SIGKILL)
leaves the previous build byte for byte; the next build removes what a killed one left behind
and, if the kill fell between the two renames of the swap, puts the previous build back first.
`tests/test_build_interrupt.py` kills a real `kg build` process while it writes.

**Updates to a persistent store are all-or-nothing.** `kg query --store DIR` (and `kg export`)
reopen the store as it is while the input files are unchanged (21 ms at 1M triples); otherwise
they parse every file into memory first, fill a new store in a staging folder beside `DIR`,
stamp it with the files it holds (the stamp lives inside the folder, so it moves with the
data), and swap it in by rename (`kg/store.py`, on the same `kg/swap.py` as `kg build`);
`kg serve --store DIR` replaces its store the same way. A parse error, a crash or a kill at any
moment leaves the old store with its stamp or the new one with its stamp, never a mix; the
next opening removes what a killed refill left behind and, if the kill fell between the two
renames, puts the old store back. `tests/test_store_transaction.py` SIGKILLs a real
`kg query --store` at six seeded random moments of a refill (100k generated triples), half of
them while the new store fills, and checks the store each time: old or new, complete, and new
after the next run. A store open in another process (Oxigraph locks it) is not replaced:
`StoreInUseError`, exit code 2, store untouched; kg processes serialize on `.DIR.lock` (bounded
wait, then the same error); a folder that is not a store is refused rather than replaced. A
1M-triple refill takes 17.9 s (7.2 s parsing, 10.7 s filling and swapping).

**Hostile input is refused, not obeyed.** RDF/XML entity declarations (billion laughs, external
entities), remote JSON-LD contexts, huge literals, deep nesting and malformed files are refused
with their place or loaded safely (`tests/test_hostile_input.py`). Fuzzed files of every format
make `kg validate` exit 0, 1 or 2, never crash (`tests/test_fuzz.py`).

**Parameters cannot inject.** Named-query parameters are bound as typed RDF terms, never pasted
into text; a value either binds as one term or is refused with a typed error, and the VALUES
block sent to remote endpoints and the inlined examples round-trip any string as one literal
(`tests/test_properties.py`, Hypothesis). Every export format parses back to exactly the
statements exported, on random graphs (same file).

**The endpoint is hardened; nothing runs past its timeout.** Every query the server runs
(SPARQL from `/sparql` and the query page, named queries from `/api/queries/...`, entity pages
and timelines) runs in a killable worker process: past the timeout the client gets 503 and the
worker is killed and replaced, so no thread or process keeps computing, and other clients are
answered meanwhile (the event loop never waits on a query). `tests/test_server_named_timeout.py`
serves a project with an extra named query, a four-way cross join that would run for hours,
with a 2 s timeout: the 503 comes after 2.02 s while a fast named query keeps being answered
(16 times, in 70 ms at most), the worker that ran it is replaced at once, the server and its
workers use 0.12-0.19 s of CPU in the next second (the new worker starting; the test allows
0.3 s, where a thread left running would use a whole second), and the next query is answered
in 5-10 ms. Answers and bodies have size caps, SERVICE/LOAD cannot reach other hosts unless
allowed, updates need a token, and every answer carries security headers
(`tests/test_server_limits.py`, `tests/test_server_protocol.py`). Fuzzed requests to `/sparql`,
`/api/queries/...` and the pages never get a server error or a stack trace
(`tests/test_fuzz.py`), and this load test runs in CI in a short mode
(`tests/test_loadtest.py`).

**`members-on-date` no longer scans every label.** It joined the members with every
`rdfs:label` of the graph (Oxigraph turns a triple pattern after an OPTIONAL into a hash join
over the whole predicate); with the label pattern before the OPTIONAL the query answers in
14 ms instead of 31 s at 1M triples (project data plus `kg generate --triples 1m --seed 1`,
NATO on 2021-11-01; 74 s to 22 ms for a generated organization), with the same rows on both
engines (`tests/test_queries.py`). A parameter given by its label (the default `NATO`) is
looked for among the instances of the class the parameter expects, each one's labels read by a
lookup (`kg/entities.py`): `kg query channels-as-of` on a 1M-triple store on disk answers in
0.41 s with both actors given by label, 0.29 s with IRIs (it took 1.27 s when every label of
the store was compared). A label without an expected class (an `iri` parameter, an entity
page) still compares every label, about 0.16 s in memory at 1M triples; an IRI, CURIE or QID
needs one lookup.
"""


def render(report: dict) -> str:
    m = report["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    lines = [
        "<!-- generated by loadtest/run.py - do not edit; run "
        "`.venv/bin/python loadtest/run.py` to refresh -->",
        "# Reliability",
        "",
        "## Load test",
        "",
        f"Run on {report['date']}: {report['clients']} concurrent clients for "
        f"{report['seconds']:g} s per server, one server after the other, on "
        f"{m['cores']} cores ({m['cpu']}), {m['memory']}, {m['os']}, Python {m['python']}; "
        f"{versions}.",
        "",
        f"Both servers hold the same {report['quads']} quads (`kg export --format nquads "
        "--graphs all`, inferences included) and receive the same mix, round-robin: the "
        f"{report['named_queries']} named queries that need no network (kg: "
        "`/api/queries/NAME`; Oxigraph: the catalog's standalone example text, parameters "
        f"inlined) and {report['ad_hoc_queries']} ad-hoc SPARQL queries (kg: `/sparql`). "
        "`kg serve` runs with its defaults (2 query workers, 30 s timeout), Oxigraph as "
        "`oxigraph serve-read-only --union-default-graph`. The clients are threads with one "
        "keep-alive connection each, on the same cores as the server. Latencies are of "
        "successful answers; an error is any answer other than 200 or a failed connection. "
        "With 16 clients on 2 cores both servers are CPU-bound, so throughput is set by the "
        "heaviest queries of the mix (see the per-query table) more than by the HTTP layer.",
        "",
        "| server | requests | requests/s | p50 ms | p99 ms | named p50 / p99 ms "
        "| ad-hoc p50 / p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in report["results"].items():
        lines.append(
            f"| {name} | {r['requests']} | {r['requests_per_second']} | {r['p50_ms']} | "
            f"{r['p99_ms']} | {r['named']['p50_ms']} / {r['named']['p99_ms']} | "
            f"{r['ad-hoc']['p50_ms']} / {r['ad-hoc']['p99_ms']} | {r['errors']} |")
    lines += ["", "Per query (p50 / p99 ms under the same load; the order of the mix is the "
              "catalog's):", "", "| query | " + " | ".join(report["results"]) + " |",
              "|---|" + "---:|" * len(report["results"])]
    labels = dict.fromkeys(label for r in report["results"].values() for label in r["queries"])
    for label in labels:
        cells = []
        for r in report["results"].values():
            q = r["queries"].get(label)
            cells.append(f"{q['p50_ms']} / {q['p99_ms']}" if q else "-")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("")
    for name, r in report["results"].items():
        if r["error_samples"]:
            lines.append(f"Errors from {name}: " + "; ".join(r["error_samples"]))
    differing = report["parity_differences"]
    lines.append("Before the run every named query gave the same number of rows on both "
                 "servers." if not differing else
                 "Named queries whose row counts differ between the servers: "
                 + ", ".join(differing) + ".")
    lines += ["", GUARANTEES]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="per server (default 30)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--project", type=Path, default=ROOT, help="project folder")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "reliability.md",
                        help="the Markdown report (default docs/reliability.md)")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = parser.parse_args()
    report = run(args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(report), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for name, r in report["results"].items():
        print(f"{name}: {r['requests_per_second']} req/s, p50 {r['p50_ms']} ms, "
              f"p99 {r['p99_ms']} ms, {r['errors']} errors")
    failed = any(r["errors"] for r in report["results"].values())
    return 1 if failed or report["parity_differences"] else 0


if __name__ == "__main__":
    sys.exit(main())
