"""``kg timeline``: the actions between two actors drawn as SVG (and PNG)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

SVG = "{http://www.w3.org/2000/svg}"


def texts(path) -> list[str]:
    return [t.text for t in ElementTree.parse(path).getroot().iter(SVG + "text") if t.text]


def test_timeline_svg_between_two_actors(run_kg, tmp_path):
    output = tmp_path / "timeline.svg"
    result = run_kg("timeline", "--between", "NATO", "Russia", "-o", output)
    assert result.exit_code == 0, result.stderr
    assert "14 actions between North Atlantic Treaty Organization and Russia" in result.stderr
    shown = texts(output)
    assert "Actions between North Atlantic Treaty Organization and Russia" in shown
    assert "Russia suspends its Permanent Mission to NATO" in shown
    assert "2000" in shown and "2021" in shown  # year markers
    assert output.read_text(encoding="utf-8").count("<circle") == 14


def test_timeline_period_and_order(run_kg, tmp_path):
    output = tmp_path / "october.svg"
    result = run_kg("timeline", "--between", "Q159", "NATO", "--from", "2021-10-01",
                    "--to", "2021-10-31", "-o", output)
    assert result.exit_code == 0, result.stderr
    shown = texts(output)
    dates = [t for t in shown if t.startswith("20") and len(t) == 10]
    assert dates == sorted(dates) and set(dates) == {"2021-10-06", "2021-10-18"}
    assert "NATO suspends practical cooperation with Russia" not in shown


@pytest.mark.parametrize("args,message", [
    (("--between", "NATO", "Atlantis", "-o", "t.svg"), "no entity matches 'Atlantis'"),
    (("--between", "NATO", "Russia", "--from", "2021-31-01", "-o", "t.svg"),
     "parameter 'from' expects an xsd:date"),
    (("--between", "NATO", "Russia", "--from", "2022-01-01", "--to", "2021-01-01", "-o", "t.svg"),
     "is after"),
    (("--between", "NATO", "Russia", "-o", "t.gif"), "name the file *.svg or *.png"),
])
def test_timeline_errors(run_kg, tmp_path, args, message):
    args = tuple(str(tmp_path / a) if a.startswith("t.") else a for a in args)
    result = run_kg("timeline", *args)
    assert result.exit_code == 2 and message in result.stderr
    assert not list(tmp_path.iterdir())


def test_timeline_png(run_kg, tmp_path):
    pytest.importorskip("cairosvg", reason="PNG output needs CairoSVG")
    output = tmp_path / "timeline.png"
    result = run_kg("timeline", "--between", "NATO", "Russia", "-o", output)
    assert result.exit_code == 0, result.stderr
    assert output.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
