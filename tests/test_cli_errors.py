"""Every error path of the CLI: the message names the place and the fix, and the exit code is
2 for bad input, 1 for data that does not conform. Fixtures live in tests/fixtures/errors/."""

from __future__ import annotations

import json
import re
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "errors"


def test_malformed_turtle_names_file_line_and_column_and_writes_nothing(project_copy, run_kg):
    out = project_copy / "build"
    assert run_kg("--project", project_copy, "build", "--out", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = project_copy / "data" / "actors.ttl"
    broken.write_text(broken.read_text() + (FIXTURES / "unterminated-triple.ttl").read_text())
    lines = broken.read_text().count("\n")

    result = run_kg("--project", project_copy, "build", "--out", out)

    assert result.exit_code == 2
    match = re.search(r"data/actors\.ttl:(\d+):(\d+): ", result.stderr)
    assert match, result.stderr
    assert lines - 3 <= int(match.group(1)) <= lines + 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_malformed_turtle_on_validate_exits_2(project_copy, run_kg):
    (project_copy / "data" / "broken.ttl").write_text(
        (FIXTURES / "unterminated-triple.ttl").read_text())
    result = run_kg("--project", project_copy, "validate")
    assert result.exit_code == 2
    assert re.search(r"data/broken\.ttl:\d+:\d+: ", result.stderr)


def test_unknown_query_lists_the_available_ones(run_kg, project):
    result = run_kg("--project", project.root, "query", "chanels-as-of")
    assert result.exit_code == 2
    assert "unknown query 'chanels-as-of'" in result.stderr
    assert "did you mean 'channels-as-of'" in result.stderr
    for path in project.queries_dir.glob("*.rq"):
        assert path.stem in result.stderr


def test_impossible_date_is_refused(run_kg, project):
    result = run_kg("--project", project.root, "query", "channels-as-of",
                    "--param", "date=2021-13-45")
    assert result.exit_code == 2
    assert "parameter 'date' expects an xsd:date such as 2021-11-02, got '2021-13-45'" \
        in result.stderr


def test_unknown_actor_is_refused(run_kg, project):
    result = run_kg("--project", project.root, "query", "channels-as-of",
                    "--param", "a=Atlantis")
    assert result.exit_code == 2
    assert "no entity matches 'Atlantis'" in result.stderr


def test_entity_of_the_wrong_type_is_refused(run_kg, project):
    result = run_kg("--project", project.root, "query", "channels-as-of",
                    "--param", "a=Moscow")
    assert result.exit_code == 2
    assert "expects a dk:Actor" in result.stderr


def test_unknown_parameter_is_refused(run_kg, project):
    result = run_kg("--project", project.root, "query", "channels-as-of",
                    "--param", "when=2021-11-02")
    assert result.exit_code == 2
    assert "has no parameter 'when'" in result.stderr


def test_ambiguous_label_lists_the_candidates(project_copy, run_kg):
    (project_copy / "data" / "decoys.ttl").write_text(
        (FIXTURES / "two-entities-one-label.ttl").read_text())
    result = run_kg("--project", project_copy, "query", "claims-about",
                    "--param", "subject=Georgia")
    assert result.exit_code == 2
    assert "'Georgia' is ambiguous" in result.stderr
    assert "dkr:state/georgia" in result.stderr and "dkr:place/georgia-us-state" in result.stderr


def test_a_label_shared_with_things_of_another_kind_means_the_one_of_the_expected_kind(
        project_copy, run_kg):
    (project_copy / "data" / "decoys.ttl").write_text(
        (FIXTURES / "two-entities-one-label.ttl").read_text())
    result = run_kg("--project", project_copy, "query", "channels-as-of",
                    "--param", "a=Georgia", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "ambiguous" not in result.stderr


def test_shacl_violation_names_focus_property_message_and_file(project_copy, run_kg):
    (project_copy / "data" / "broken-mission.ttl").write_text(
        (FIXTURES / "mission-without-sender.ttl").read_text())
    result = run_kg("--project", project_copy, "validate")
    assert result.exit_code == 1
    line = next(l for l in result.stdout.splitlines() if "dkr:mission/test-no-sender" in l)
    assert line.startswith("data/broken-mission.ttl: Violation: ")
    assert "dk:sender" in line
    assert "sender" in line.split("dk:sender", 1)[1]


def test_shacl_violation_in_json(project_copy, run_kg):
    (project_copy / "data" / "broken-mission.ttl").write_text(
        (FIXTURES / "mission-without-sender.ttl").read_text())
    result = run_kg("--project", project_copy, "validate", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    finding = next(f for f in report["findings"]
                   if f["focus"].endswith("mission/test-no-sender"))
    assert finding["file"] == "data/broken-mission.ttl"
    assert finding["path"].endswith("#sender")


def test_build_refuses_nonconforming_data_and_keeps_the_previous_build(project_copy, run_kg):
    out = project_copy / "build"
    assert run_kg("--project", project_copy, "build", "--out", out).exit_code == 0
    manifest = (out / "manifest.json").read_bytes()
    (project_copy / "data" / "broken-mission.ttl").write_text(
        (FIXTURES / "mission-without-sender.ttl").read_text())
    assert run_kg("--project", project_copy, "build", "--out", out).exit_code == 1
    assert (out / "manifest.json").read_bytes() == manifest


def test_unknown_export_graph_group_is_refused(run_kg, project):
    result = run_kg("--project", project.root, "export", "--format", "turtle",
                    "--graphs", "dta")
    assert result.exit_code == 2
    assert "unknown graph group 'dta'" in result.stderr


def test_param_without_equals_is_refused(run_kg, project):
    result = run_kg("--project", project.root, "query", "channels-as-of", "--param", "date")
    assert result.exit_code == 2
    assert "--param expects NAME=VALUE" in result.stderr
