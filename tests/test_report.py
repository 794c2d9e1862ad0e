"""``akkoord report``: the page opened in a real headless Chromium with the network cut off,
checked for the figures a reader relies on, and by axe-core for WCAG 2.1 A and AA."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, count_events, example_follow_up, write_log

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = REPO / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Bounded waits: a page that does not load in this time fails the test.
PAGE_TIMEOUT_MS = 60_000
# AKKOORD_REPORT_PICTURES=DIR keeps the screenshots and PDFs of a run (tmp folders go away).
PICTURES = os.environ.get("AKKOORD_REPORT_PICTURES")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright: never skipped (.ci/run installs both). One per
    test module (test_serve uses it too): Playwright's sync API runs one at a time."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "the browser tests need Debian's chromium (bash .ci/run installs it)"
    assert AXE.exists(), f"the browser tests need axe-core at {AXE} (bash .ci/run installs it)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              timeout=PAGE_TIMEOUT_MS)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def offline_page(browser: Any, allowed: str) -> Iterator[tuple[Any, list[str]]]:
    """A page whose every request is aborted unless its URL starts with ``allowed`` (the report
    file, or the served origin); the aborted URLs are listed, so a test can show there were none.
    The page's Content-Security-Policy is set aside so the test can inject axe-core (serve's
    policy forbids every script, rightly; test_serve checks the header itself)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    blocked: list[str] = []

    def gate(route: Any) -> None:
        if route.request.url.startswith(allowed):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page = context.new_page()
    page.route("**/*", gate)
    try:
        yield page, blocked
    finally:
        context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of the WCAG 2.1 A and AA rules on the page as shown."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA)
    return [{"id": v["id"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def keep_pictures(page: Any, folder: Path, name: str) -> tuple[Path, Path]:
    """A full-page PNG, the first screen of it (the README's picture) and an A4 PDF of the
    page, made by Chromium."""
    folder.mkdir(parents=True, exist_ok=True)
    png, top, pdf = folder / f"{name}.png", folder / f"{name}-top.png", folder / f"{name}.pdf"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(top))
    page.screenshot(path=str(png), full_page=True)
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4", print_background=True)
    page.emulate_media(media="screen")
    if PICTURES:
        for made in (png, top, pdf):
            shutil.copyfile(made, Path(PICTURES) / made.name)
    return png, pdf


def report_of(akkoord: Any, store: Path, output: Path, *options: str) -> Path:
    result = akkoord("--db", store, "report", "-o", output, *options)
    assert result.status == 0, result.err
    return output


KEY_EXAMPLE = REPO / "examples" / "bdur-key-example.yaml"


def three_revisions(akkoord: Any, example_store: Path, tmp_path: Path) -> Path:
    """The example dossier with revisions 2 and 3, a retraction, a moved deadline, an agreement,
    and the example distribution key dividing an item of revision 3."""
    keyed = akkoord("--db", example_store, "import", KEY_EXAMPLE)
    assert keyed.status == 0, keyed.err
    events = example_follow_up() + [
        {"type": "commitment_rescheduled", "date": "2025-10-06", "id": "uitwerking-weerbaarheidsopgave",
         "due": "2025-12-01", "reason": "meer tijd nodig voor de pilotfase"},
        {"type": "proposal_revised", "date": "2025-11-03", "revision": 3, "status": "definitive",
         "proposed_by": ["JENV", "VNG"],
         "items": [{"id": "noodsteunpunten", "purpose": "noodsteunpunten", "recipient": "VR",
                    "amounts": [{"year": 2025, "amount": "5M"}, {"year": 2026, "amount": "12M"},
                                {"from": 2027, "amount": "28M"}]},
                   {"id": "versterking-veiligheidsregios", "purpose": "versterking",
                    "recipient": "VR", "distribution": "bdur-voorbeeld",
                    "amounts": [{"from": 2027, "amount": "32M"}]}]},
    ]
    result = akkoord("--db", example_store, "import",
                     write_log(tmp_path, events, negotiation="weerbaarheid-2025", name="more.json"))
    assert result.status == 0, result.err
    return example_store


def cell_texts(page: Any, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{selector} tbody tr",
        "rows => rows.map(r => [...r.children].map(c => c.innerText.trim()))")


def euro(amount: int) -> str:
    return "€\u00a0" + f"{amount:,}".replace(",", ".") if amount else "–"


# -- the example store -----------------------------------------------------------------------------


def test_report_of_the_example_shows_its_figures_offline_and_passes_axe(
        akkoord, example_store, tmp_path, browser):
    output = report_of(akkoord, example_store, tmp_path / "report.html")
    proposal = akkoord("--db", example_store, "proposal", "--json").json()
    commitments = akkoord("--db", example_store, "commitments", "--json").json()
    claims = akkoord("--db", example_store, "claims", "--json").json()
    with offline_page(browser, output.as_uri()) as (page, blocked):
        page.goto(output.as_uri())
        assert page.get_attribute("html", "lang") == "en"
        # the current proposal, item by item and year by year, as `proposal --json` has it
        rows = cell_texts(page, "#current-proposal")
        years = [str(y) for y in proposal["years"]]
        for item in proposal["items"]:
            row = next(r for r in rows if r[0] == item["id"])
            assert row[2:] == [euro(item["by_year"][y]) for y in years], item["id"]
        budget = next(r for r in rows if r[0] == "budget")
        assert budget[2:] == [euro(proposal["budget"][y]) for y in years]
        text = page.inner_text("main")
        for thing in commitments + claims:
            assert thing["id"] in text
        # overdue said in words in the register, not by colour alone
        register = cell_texts(page, "#commitments table")
        for commitment in commitments:
            row = next(r for r in register if r[0] == commitment["id"])
            assert ("Overdue" in row[-1]) == (commitment["status"] == "overdue")
        assert any(c["status"] == "overdue" for c in commitments)
        # a figure's link leads to the event it came from, in the timeline
        first_item = proposal["items"][0]
        link = page.locator("#current-proposal tbody tr").first.locator("a").first
        link.click()
        revision_position = first_item["sources"][0]
        assert page.url.endswith(f"#event-{revision_position}")
        target = page.locator(f"#event-{revision_position}")
        assert target.is_visible()
        assert "proposal_revised" in target.inner_text()
        assert axe_violations(page) == []
        png, pdf = keep_pictures(page, tmp_path / "pictures", "report-example-en")
    assert blocked == []
    assert png.stat().st_size > 50_000
    assert_a4(pdf)


def test_report_in_dutch_says_so_and_passes_axe(akkoord, example_store, tmp_path, browser):
    """--lang nl: the page declares lang="nl" (screen readers pronounce it as Dutch), its
    headings, statuses and dates are Dutch, and it stays as accessible as the English one."""
    output = tmp_path / "rapport.html"
    assert akkoord("--lang", "nl", "--db", example_store, "report", "-o", output).status == 0
    with offline_page(browser, output.as_uri()) as (page, blocked):
        page.goto(output.as_uri())
        assert page.get_attribute("html", "lang") == "nl"
        assert page.inner_text("#commitments-heading") == "Toezeggingen"
        assert page.inner_text("#glance-heading") == "In één oogopslag"
        register = cell_texts(page, "#commitments table")
        assert register and all(row[-1] == "Achterstallig" for row in register)
        # the deadline, in words, never broken across lines
        assert all(row[4] == "6\u00a0oktober\u00a02025" for row in register)
        text = page.inner_text("main")
        assert "Commitments" not in text and "At a glance" not in text
        assert axe_violations(page) == []
        _png, pdf = keep_pictures(page, tmp_path / "pictures", "report-example-nl")
    assert blocked == []
    assert_a4(pdf)


def test_report_of_three_revisions_in_dutch_names_every_version_and_retraction(
        akkoord, example_store, tmp_path, browser):
    store = three_revisions(akkoord, example_store, tmp_path)
    output = tmp_path / "drie.html"
    assert akkoord("--lang", "nl", "--db", store, "report", "-o", output).status == 0
    log = akkoord("--db", store, "log", "--json").json()
    with offline_page(browser, output.as_uri()) as (page, blocked):
        page.goto(output.as_uri())
        assert page.get_attribute("html", "lang") == "nl"
        headings = page.locator("#revisions h3").all_inner_texts()
        assert [h.split(" (")[0] for h in headings] == ["Versie 1", "Versie 2", "Versie 3"]
        retracted = next(e for e in log if e["retracted_by"])
        assert "Retracted by" not in page.locator(f"#event-{retracted['position']}").inner_text()
        assert axe_violations(page) == []
        _png, pdf = keep_pictures(page, tmp_path / "pictures", "report-three-revisions-nl")
    assert blocked == []
    assert_a4(pdf)


def assert_a4(pdf: Path) -> None:
    """Every page of the PDF is A4 (595 x 842 points), and the report takes several."""
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert len(boxes) > 2
    assert all(round(float(w)) in (595, 596) and round(float(h)) in (842, 843) for w, h in boxes)


# -- a dossier with three revisions and retractions ------------------------------------------------


def test_report_of_three_revisions_shows_every_change_and_every_retraction(
        akkoord, example_store, tmp_path, browser):
    store = three_revisions(akkoord, example_store, tmp_path)
    output = report_of(akkoord, store, tmp_path / "three.html")
    log = akkoord("--db", store, "log", "--json").json()
    with offline_page(browser, output.as_uri()) as (page, blocked):
        page.goto(output.as_uri())
        headings = page.locator("#revisions h3").all_inner_texts()
        assert [h.split(" (")[0] for h in headings] == ["Revision 1", "Revision 2", "Revision 3"]
        current = cell_texts(page, "#current-proposal")
        assert next(r for r in current if r[0] == "noodsteunpunten")[2:] == [
            euro(5_000_000), euro(12_000_000), euro(28_000_000)]
        # revision 2 to 3: old → new per item and year
        changes = cell_texts(page, "#revisions table:has(caption:text('from revision 2 to revision 3'))")
        assert ["noodsteunpunten", "changed", "2026", euro(10_000_000), euro(12_000_000),
                "+€\u00a02.000.000"] in changes
        assert ["noodsteunpunten", "changed", "2027+", euro(30_000_000), euro(28_000_000),
                "−€\u00a02.000.000"] in changes
        step_one = cell_texts(page, "#revisions table:has(caption:text('from revision 1 to revision 2'))")
        assert any(r[:2] == ["jenv", "removed"] for r in step_one)
        assert ("versterking-veiligheidsregios: distribution: none → BDuR-systematiek"
                in page.locator("#revisions ul.changes").first.inner_text())
        # the moved deadline is shown as moved
        register = cell_texts(page, "#commitments table")
        moved = next(r for r in register if r[0] == "uitwerking-weerbaarheidsopgave")
        assert "moved from 2025-10-06 to 2025-12-01 on 2025-10-06" in moved[4]
        # a retracted event is marked, and links to its retraction
        retracted = next(e for e in log if e["retracted_by"])
        row = page.locator(f"#event-{retracted['position']}")
        assert "Retracted by" in row.inner_text()
        row.get_by_role("link", name=f"the event at position {retracted['retracted_by']}").click()
        assert page.url.endswith(f"#event-{retracted['retracted_by']}")
        assert "event_retracted" in page.locator(f"#event-{retracted['retracted_by']}").inner_text()
        # the keyed item over the regions, as `distribute` divides it
        divided = akkoord("--db", store, "distribute", "versterking-veiligheidsregios", "--json").json()
        regions = cell_texts(page, "#distribution table")
        assert len(regions) == len(divided["regions"]) + 1
        for region, row in zip(divided["regions"], regions):
            assert row[0] == f"{region['name']} ({region['id']})"
            assert row[2:] == [euro(region["by_year"][str(y)]) for y in divided["years"]
                               if divided["total"][str(y)]]
        assert regions[-1][2:] == [euro(divided["total"][str(y)]) for y in divided["years"]
                                   if divided["total"][str(y)]]
        assert axe_violations(page) == []
        png, pdf = keep_pictures(page, tmp_path / "pictures", "report-three-revisions-en")
    assert blocked == []
    assert_a4(pdf)


def test_report_on_the_time_axes_shows_the_dossier_as_it_stood(akkoord, example_store, tmp_path):
    store = three_revisions(akkoord, example_store, tmp_path)
    third = next(e for e in akkoord("--db", store, "log", "--json").json()
                 if e["type"] == "proposal_revised" and e["data"]["revision"] == 3)
    before_third = report_of(akkoord, store, tmp_path / "known.html",
                             "--known-at", str(third["position"] - 1)).read_text(encoding="utf-8")
    assert "Revision 3" not in before_third and "Revision 2" in before_third
    assert f"only what was recorded up to position {third['position'] - 1}" in before_third
    as_of = report_of(akkoord, store, tmp_path / "asof.html", "--as-of", "2025-06-30").read_text(
        encoding="utf-8")
    assert "Revision 2" not in as_of and "the state as of 2025-06-30" in as_of


def test_report_loads_nothing_from_outside(akkoord, example_store, tmp_path):
    html = report_of(akkoord, example_store, tmp_path / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "<link" not in html and "@import" not in html
    assert not re.search(r"url\(\s*['\"]?[^#'\"\s]", html)  # url(#id) names a part of the page


# -- the file written --------------------------------------------------------------------------------


def test_report_refuses_to_write_over_the_store_or_its_views(akkoord, example_store, tmp_path):
    events = count_events(example_store)
    before = example_store.read_bytes()
    refused = akkoord("--db", example_store, "report", "-o", example_store)
    assert refused.status == 2 and "store or its views" in refused.err
    views = tmp_path / "views.sqlite"
    assert akkoord("--db", example_store, "--views", views, "status").status == 0
    views_before = views.read_bytes()
    refused = akkoord("--db", example_store, "--views", views, "report", "-o", views)
    assert refused.status == 2 and "store or its views" in refused.err
    assert example_store.read_bytes() == before and count_events(example_store) == events
    assert views.read_bytes() == views_before


def test_report_into_a_missing_folder_is_refused_in_one_line(akkoord, example_store, tmp_path):
    refused = akkoord("--db", example_store, "report", "-o", tmp_path / "no" / "report.html")
    assert refused.status == 2
    assert refused.err.count("\n") == 1 and "does not exist" in refused.err


def test_report_replaces_the_file_whole_and_leaves_no_temporary_file(akkoord, example_store, tmp_path):
    output = tmp_path / "report.html"
    output.write_text("an older report", encoding="utf-8")
    report_of(akkoord, example_store, output)
    assert output.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_store_of_several_dossiers_gets_an_index_and_a_page_each(akkoord, example_store, tmp_path):
    from conftest import basic_dossier

    second = write_log(tmp_path, basic_dossier(), negotiation="tweede-dossier", name="two.json")
    assert akkoord("--db", example_store, "import", second).status == 0
    output = report_of(akkoord, example_store, tmp_path / "dossiers.html")
    index = output.read_text(encoding="utf-8")
    for slug in ("weerbaarheid-2025", "tweede-dossier"):
        page = tmp_path / f"dossiers-{slug}.html"
        assert f'href="{page.name}"' in index
        assert f"Dossier {slug}" in page.read_text(encoding="utf-8")
    only = report_of(akkoord, example_store, tmp_path / "one.html", "--negotiation", "tweede-dossier")
    assert "Dossier tweede-dossier" in only.read_text(encoding="utf-8")
    assert not (tmp_path / "one-weerbaarheid-2025.html").exists()


# -- integrity ---------------------------------------------------------------------------------------


def test_report_gives_the_chain_head_verify_s_verdict_and_the_checkpoint(akkoord, example_store, tmp_path):
    verified = akkoord("--db", example_store, "verify", "--json").json()
    html = report_of(akkoord, example_store, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Verified:" in html and verified["chain"] in html
    assert f"all {verified['events']} events up to position {verified['position']} held" in html
    assert re.search(rf"akkoord-checkpoint/1 position={verified['position']} .*chain={verified['chain']}", html)


def test_report_of_a_changed_store_says_it_does_not_verify(akkoord, example_store, tmp_path):
    import sqlite3

    with sqlite3.connect(example_store) as connection:
        state = connection.execute("SELECT state FROM stored_events WHERE rowid = 3").fetchone()[0]
        connection.execute("UPDATE stored_events SET state = ? WHERE rowid = 3",
                           (bytes(state).replace(b"Vereniging", b"Verenigimg"),))
    html = report_of(akkoord, example_store, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Does not verify:" in html and "Verified:" not in html
    assert "position 3" in html and "akkoord-checkpoint/1" not in html


def test_a_report_that_cannot_be_put_in_place_leaves_the_old_file_and_no_temporary_file(
        akkoord, example_store, tmp_path, monkeypatch):
    output = tmp_path / "report.html"
    output.write_text("the report of last week", encoding="utf-8")

    def full_disk(source: Any, target: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("akkoord.interchange.output.os.replace", full_disk)
    refused = akkoord("--db", example_store, "report", "-o", output)
    assert refused.status == 2 and "No space left on device" in refused.err
    assert output.read_text(encoding="utf-8") == "the report of last week"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["report.html", "example.db", "cache"])
