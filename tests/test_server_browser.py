"""The web UI in a real headless browser: Debian's Chromium driven by Playwright.

Load /, pick the "channels remaining" example, run it, see the embassy row, open its entity
page; the same with JavaScript off; the timeline page. ``.ci/run`` installs Chromium when it is
missing and sets KG_REQUIRE_BROWSER=1, so in CI a missing browser fails instead of skipping.
Screenshots go to the test's temporary folder, and also to KG_SCREENSHOT_DIR when set (that is
how docs/ui-*.png are made: KG_SCREENSHOT_DIR=docs .venv/bin/pytest tests/test_server_browser.py).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kg.server.runner import running_server
from kg.server.settings import Settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic"]
EXAMPLE = "Channels remaining between Russia and NATO"
EMBASSY_ROW = "Russian embassy in Brussels as NATO's conduit to Russia"

sync_api = pytest.importorskip("playwright.sync_api")

if not Path(CHROMIUM).exists():
    if os.environ.get("KG_REQUIRE_BROWSER"):
        raise RuntimeError(f"no Chromium at {CHROMIUM}; .ci/run installs it with apt")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def server(project):
    with running_server(project, Settings(timeout=20)) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS,
                                              headless=True)
        yield chromium
        chromium.close()


def screenshot(page, name: str, tmp_path: Path) -> None:
    page.screenshot(path=str(tmp_path / name), full_page=False)
    keep = os.environ.get("KG_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / name, Path(keep) / name)


def watch_console(page) -> list[str]:
    """Console errors (a Content-Security-Policy violation is one) and failed page scripts."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_pick_the_example_run_it_and_open_the_entity(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = watch_console(page)
    page.goto(server.url + "/")
    assert page.title() == "Query · diplo-kg"
    page.select_option("#example", label=EXAMPLE)
    editor = page.locator("#query")
    assert '"2021-11-02"^^xsd:date' in editor.input_value()
    assert "<https://w3id.org/diplo-kg/resource/state/russia>" in editor.input_value()
    page.click("#run")
    row = page.locator("#results tbody tr", has_text=EMBASSY_ROW)
    row.first.wait_for(timeout=20_000)
    assert "in force" in row.first.inner_text()
    assert page.locator("#results h2").inner_text().endswith("rows")
    assert page.locator("#example").input_value() == "channels-as-of"
    screenshot(page, "ui-query.png", tmp_path)
    row.first.scroll_into_view_if_needed()
    screenshot(page, "ui-results.png", tmp_path)

    with page.expect_download() as download:
        page.click("button.download[data-format='csv']")
    saved = tmp_path / "results.csv"
    download.value.save_as(saved)
    assert "status,channel,channelLabel" in saved.read_text(encoding="utf-8").splitlines()[0]
    assert EMBASSY_ROW in saved.read_text(encoding="utf-8")

    link = row.first.locator("a[href^='/entity?iri=']").first
    link.click()
    page.wait_for_url("**/entity?iri=*")
    assert "Russian embassy in Brussels" in page.locator("#entity-label").inner_text()
    assert page.locator("text=Sources cited").count() == 1
    assert page.locator(".citations li").count() >= 1
    screenshot(page, "ui-entity.png", tmp_path)
    assert problems == []
    page.close()


def test_entity_page_links_to_wikidata_and_timeline_draws(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    problems = watch_console(page)
    page.goto(server.url + "/entity?iri=Russia")
    wikidata = page.locator(".wikidata a")
    assert wikidata.get_attribute("href") == "https://www.wikidata.org/wiki/Q159"
    page.goto(server.url + "/timeline?a=NATO&b=Russia")
    image = page.locator("figure.timeline img")
    image.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0",
                         image.element_handle())
    assert page.locator(".timeline-table tbody tr").count() >= 10
    screenshot(page, "ui-timeline.png", tmp_path)
    assert problems == []
    page.close()


def test_the_ui_works_without_javascript(server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "/")
    page.select_option("#example", label=EXAMPLE)
    page.click("#load-example")
    page.wait_for_url("**/?example=channels-as-of")
    assert '"2021-11-02"^^xsd:date' in page.locator("#query").input_value()
    page.click("#run")
    page.locator("#results tbody tr", has_text=EMBASSY_ROW).first.wait_for(timeout=20_000)
    context.close()
