"""Checks rewritten for speed find exactly what they found before, value for value.

``ill-typed-literal-violation`` tests one constant pattern per datatype; the date checks list their
properties or pairs of properties as VALUES (all fast at 1M triples);
their fixtures hold every case, so a rewrite that drops or adds one shows here.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import rdflib

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ROOT / "queries" / "checks"
FIXTURES = ROOT / "tests" / "fixtures" / "checks"
TEST = "https://w3id.org/diplo-kg/test#"


def _store(fixture: Path) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(path=str(fixture), format=pyoxigraph.RdfFormat.TURTLE)
    return store


def _oxigraph_rows(check: str, fixture: Path) -> list[dict[str, str]]:
    solutions = _store(fixture).query((CHECKS / f"{check}.rq").read_text(encoding="utf-8"),
                            use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in solutions]


def test_ill_typed_literals_of_every_datatype_are_found_and_only_they():
    fixture = FIXTURES / "ill-typed-literal-every-datatype.fail.ttl"
    rows = _oxigraph_rows("ill-typed-literal-violation", fixture)
    bad = sorted(q.object.value for q in _store(fixture).quads_for_pattern(
        None, pyoxigraph.NamedNode(TEST + "bad"), None))
    assert len(bad) == 13
    assert sorted(row["value"] for row in rows) == bad
    assert {row["path"] for row in rows} == {TEST + "bad"}
    assert all(row["message"].startswith(f"The value \"{row['value']}\" is not a valid http")
               for row in rows)


def test_every_pair_of_bounds_is_compared_on_both_engines():
    fixture = FIXTURES / "date-bounds-every-pair.fail.ttl"
    check = (CHECKS / "date-bounds-out-of-order-violation.rq").read_text(encoding="utf-8")
    rows = _oxigraph_rows("date-bounds-out-of-order-violation", fixture)
    found = sorted(row["focus"].rsplit("/", 1)[-1] for row in rows)
    assert len(found) == 12 and all("-after-" in name for name in found)
    assert sorted(r["focus"].rsplit("/", 1)[-1] for r in rows) == sorted(
        str(row.focus).rsplit("/", 1)[-1] for row in rdflib.Graph().parse(fixture).query(check))


def test_every_date_property_is_checked_for_a_time_zone():
    rows = _oxigraph_rows("date-with-time-zone-violation",
                          FIXTURES / "date-with-time-zone-every-property.fail.ttl")
    assert len(rows) == 15 * 4
    assert all(row["focus"].endswith("-bad") for row in rows)
    assert len({row["property"] for row in rows}) == 15


def test_every_pair_of_start_and_end_is_compared():
    rows = _oxigraph_rows("interval-ends-before-start-violation",
                          FIXTURES / "interval-every-pair.fail.ttl")
    found = sorted(row["focus"].rsplit("/", 1)[-1] for row in rows)
    assert found == sorted(f"{s}-after-{e}" for s in ("startDate", "startEarliest")
                           for e in ("endDate", "endLatest"))
