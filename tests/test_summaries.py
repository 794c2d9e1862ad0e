"""Summaries stay summaries: status is an overview, the registers come a page at a time."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import generate  # noqa: E402

from akkoord.cli.core import MORE_COUNTED, OVERVIEW, PAGE  # noqa: E402
from akkoord.cli.render import euros  # noqa: E402
from conftest import basic_dossier, write_log  # noqa: E402


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    """A generated dossier of 3,000 events: hundreds of commitments, stances and claims."""
    from akkoord.cli.main import main

    folder = tmp_path_factory.mktemp("summaries")
    log = folder / "dossier.json"
    with log.open("w", encoding="utf-8") as stream:
        generate.write_log(stream, generate.dossier_events(3000, seed=11))
    store = folder / "events.db"
    assert main(["--db", str(store), "--views", str(folder / "views.db"), "import", str(log)]) == 0
    return store


def read(akkoord, store: Path, *command: str):
    result = akkoord("--db", store, "--views", store.with_suffix(".views"), *command)
    assert result.status == 0, result.err
    return result


def reference_states(log: list[dict], today: str) -> dict[str, tuple[str, str | None]]:
    """Each commitment's (state, due) worked out from the log's events, as the format says."""
    visible = sorted((e for e in log if not e["retracted_by"]), key=lambda e: (e["date"], e["position"]))
    states = {}
    for made in (e for e in visible if e["type"] == "commitment_made"):
        due, state = made["data"].get("due"), None
        for update in visible:
            if (update["type"].startswith("commitment_") and update["type"] != "commitment_made"
                    and update["data"]["id"] == made["data"]["id"]
                    and update["position"] > made["position"]):
                if update["type"] == "commitment_rescheduled":
                    due = update["data"]["due"]
                else:
                    state = update["type"].removeprefix("commitment_")
        if state is None:
            state = "overdue" if due is not None and due < today else "open"
        states[made["data"]["id"]] = (state, due)
    return states


def test_commitment_states_follow_the_events(akkoord, large):
    log = read(akkoord, large, "log", "--json").json()
    commitments = read(akkoord, large, "commitments", "--json").json()
    assert {c["id"]: (c["status"], c["due"]) for c in commitments} == reference_states(
        log, date.today().isoformat())
    assert len({c["status"] for c in commitments}) == 4
    for state in ("open", "overdue", "fulfilled", "withdrawn"):
        filtered = read(akkoord, large, "commitments", "--status", state, "--json").json()
        assert filtered == [c for c in commitments if c["status"] == state]


@pytest.mark.parametrize("register", ["commitments", "positions", "claims", "log"])
def test_a_register_pages_through_the_same_rows_as_the_whole_list(akkoord, large, register):
    whole = read(akkoord, large, register, "--json").json()
    assert len(whole) > PAGE  # --json gives every row, as cli.md promises scripts
    assert read(akkoord, large, register, "--json", "--all").json() == whole
    pages = [read(akkoord, large, register, "--json", "--limit", "70", "--offset", str(start)).json()
             for start in range(0, len(whole), 70)]
    assert [row for page in pages for row in page] == whole
    table = read(akkoord, large, register).out
    assert f"rows 1-{PAGE} shown; --offset {PAGE} for the next page" in table
    assert len(table.splitlines()) == PAGE + 3  # heading, rule, the rows, the hint
    last = read(akkoord, large, register, "--offset", str(len(whole) - 3)).out
    assert "for the next page" not in last and len(last.splitlines()) == 2 + 3


def test_status_is_an_overview_bounded_with_whether_more_follow(akkoord, large):
    status = read(akkoord, large, "status", "--json").json()
    commitments = read(akkoord, large, "commitments", "--json").json()
    claims = read(akkoord, large, "claims", "--json").json()
    assert status["counts"]["commitments"] == len(commitments)
    overdue = [c for c in commitments if c["status"] == "overdue"]
    assert status["overdue"] == overdue[:OVERVIEW] and status["more"]["overdue"]
    due_soon = [c for c in commitments if c["status"] == "open" and c["due"]
                and c["due"] <= status["due_soon_until"]]
    assert status["due_soon"] == due_soon[:OVERVIEW]
    assert status["more"]["due_soon"] == (len(due_soon) > OVERVIEW)
    open_claims = [c for c in claims if c["status"] == "open"]
    assert status["claims"] == open_claims[:OVERVIEW] and status["more"]["claims"]
    positions = read(akkoord, large, "positions", "--json").json()
    latest = sorted(positions, key=lambda p: (p["date"], p["sources"][0]), reverse=True)
    assert status["positions"] == latest[:OVERVIEW]
    text = read(akkoord, large, "status").out
    assert f"and {len(overdue) - OVERVIEW} more: akkoord commitments --status overdue" in text
    assert f"and {len(open_claims) - OVERVIEW} more: akkoord claims" in text
    assert len(text.splitlines()) < 120


def test_status_says_how_many_more_follow_up_to_a_hundred(akkoord, large):
    """Each list says how many more there are (counted up to MORE_COUNTED, beyond which it
    says more than that: a count of every latest stance would cost a pass over the dossier)."""
    status = read(akkoord, large, "status", "--json").json()
    commitments = read(akkoord, large, "commitments", "--json").json()
    claims = read(akkoord, large, "claims", "--json").json()
    meetings = read(akkoord, large, "meetings", "--json").json()
    positions = read(akkoord, large, "positions", "--json").json()
    overdue = [c for c in commitments if c["status"] == "overdue"]
    open_claims = [c for c in claims if c["status"] == "open"]
    not_held = [m for m in meetings if not m["held"]]
    assert len(positions) > OVERVIEW + MORE_COUNTED  # one more than is counted
    assert status["more_count"] == {"overdue": len(overdue) - OVERVIEW,
                                    "claims": len(open_claims) - OVERVIEW,
                                    "meetings": len(not_held) - OVERVIEW, "positions": None}
    text = read(akkoord, large, "status").out
    assert f"and {len(not_held) - OVERVIEW} more: akkoord meetings" in text
    assert f"and more than {MORE_COUNTED} more: akkoord positions" in text
    assert "akkoord commitments --status open" not in text  # none more due soon
    earlier = read(akkoord, large, "status", "--json", "--as-of", "2022-01-01").json()
    assert earlier["more_count"]["claims"] == len(
        [c for c in read(akkoord, large, "claims", "--json", "--as-of", "2022-01-01").json()
         if c["status"] == "open"]) - OVERVIEW


def test_status_meetings_are_those_not_held_and_not_moved_past_ones_first(akkoord, large):
    status = read(akkoord, large, "status", "--json", "--as-of", "2024-01-01").json()
    log = read(akkoord, large, "log", "--json", "--as-of", "2024-01-01").json()
    visible = [e for e in log if not e["retracted_by"]]
    held = {e["data"]["id"] for e in visible if e["type"] == "meeting_held"}
    latest = {}
    for e in sorted((e for e in visible if e["type"] == "meeting_scheduled"),
                    key=lambda e: (e["date"], e["position"])):
        latest[e["data"]["id"]] = e["data"]
    not_held = sorted(((m["scheduled_for"], i) for i, m in latest.items() if i not in held))
    assert [m["id"] for m in status["meetings"]] == [i for _d, i in not_held][:OVERVIEW]
    assert [m["state"] for m in status["meetings"]] == [
        "past" if day < "2024-01-01" else "scheduled" for day, _i in not_held][:OVERVIEW]
    assert status["more"]["meetings"] == (len(not_held) > OVERVIEW)


def test_an_items_history_holds_the_revisions_that_keep_or_drop_it(akkoord, large):
    """Against the history worked out from every revision's own items (as before the views
    chose them)."""
    log = read(akkoord, large, "log", "--json").json()
    revisions = [e for e in log if e["type"] == "proposal_revised"]
    items = sorted({i["id"] for e in revisions for i in e["data"]["items"]})
    assert len(revisions) > 5 and items
    for item in items[:4]:
        expected, holding, previous_held = [], set(), False
        for entry in log:
            if entry["type"] == "proposal_revised":
                held = any(i["id"] == item for i in entry["data"]["items"])
                if held:
                    holding.add(entry["data"]["revision"])
                if held or previous_held:
                    expected.append((entry["position"], "removed" if not held else
                                     "added" if not previous_held else "kept"))
                if not entry["retracted_by"]:
                    previous_held = held
            elif entry["type"] == "agreement_reached" and entry["data"]["revision"] in holding:
                expected.append((entry["position"], None))
            elif entry["type"] == "position_taken" and entry["data"]["subject"] == f"item:{item}":
                expected.append((entry["position"], None))
        history = read(akkoord, large, "history", f"item:{item}", "--json").json()
        retractions = {e["retracted_by"] for e in log if e["retracted_by"]}
        found = [(e["position"], e.get("item_change")) for e in history["entries"]
                 if e["position"] not in retractions or e["type"] != "event_retracted"]
        assert sorted(found) == sorted(expected), item


def test_a_history_pages_like_the_registers(akkoord, large):
    whole = read(akkoord, large, "history", "P001", "--json").json()["entries"]
    assert len(whole) > 12
    page = read(akkoord, large, "history", "P001", "--json", "--limit", "5", "--offset", "5").json()
    assert page["entries"] == whole[5:10]
    text = read(akkoord, large, "history", "P001", "--limit", "5").out
    assert f"rows 1-5 of {len(whole)} shown; --offset 5 for the next page" in text


def _timeline_order(entries: list[dict]) -> list[tuple[str, int]]:
    return [(e["date"], e["position"]) for e in entries]


def test_a_history_page_is_its_slice_of_the_whole_in_timeline_order_with_the_count(akkoord, large):
    """Chosen, ordered and paged in SQL, a page is what the whole history holds at its place:
    in (effective date, position) order, with the revisions' amounts over the years of the whole
    history, and the count of all entries (which --json without --limit gives every one of)."""
    log = read(akkoord, large, "log", "--json", "--type", "proposal_revised").json()
    held = {}
    for revision in log:
        for item in revision["data"]["items"]:
            held[item["id"]] = held.get(item["id"], 0) + 1
    item = max(held, key=held.get)
    whole = read(akkoord, large, "history", f"item:{item}", "--json").json()
    entries = whole["entries"]
    assert whole["count"] == len(entries) > 20
    assert _timeline_order(entries) == sorted(_timeline_order(entries))
    assert len({e["date"] for e in entries}) > 1
    pages = [read(akkoord, large, "history", f"item:{item}", "--json", "--limit", "7",
                  "--offset", str(start)).json() for start in range(0, len(entries), 7)]
    assert [e for page in pages for e in page["entries"]] == entries
    assert {page["count"] for page in pages} == {len(entries)}
    assert all(page["years"] == whole["years"] for page in pages)
    text = read(akkoord, large, "history", f"item:{item}", "--limit", "7", "--offset", "7").out
    assert f"rows 8-14 of {len(entries)} shown; --offset 14 for the next page" in text
    # The amounts per revision: the revisions of the page, each with its amounts per year.
    table = text.partition("amounts per revision:")[2].split("\n\n")[0].splitlines()[3:]
    assert [row.split()[2:] for row in table] == [
        [str(e["position"]), *" ".join(euros(e["by_year"][str(y)]) if e["by_year"][str(y)]
                                       else "-" for y in whole["years"]).split()]
        for e in entries[7:14] if e["type"] == "proposal_revised"]
    assert table  # the page holds a revision
    last = read(akkoord, large, "history", f"item:{item}", "--offset", str(len(entries) - 2)).out
    assert "for the next page" not in last


def test_a_commitment_history_page_still_says_what_a_deadline_moved_from(akkoord, large):
    log = read(akkoord, large, "log", "--json", "--type", "commitment_rescheduled").json()
    moved = log[0]["data"]["id"]
    whole = read(akkoord, large, "history", f"commitment:{moved}", "--json").json()["entries"]
    assert whole[1]["detail"]["due_before"] is not None
    page = read(akkoord, large, "history", f"commitment:{moved}", "--json", "--offset", "1",
                "--limit", "1").json()
    assert page["entries"] == whole[1:2] and page["count"] == len(whole)


def test_a_history_page_follows_the_effective_dates_not_the_recorded_order(akkoord, store, tmp_path):
    """A stance recorded late, dated before one recorded earlier, comes first on the page: the
    page is taken after the (date, position) ordering, and the count is of the whole."""
    stance = {"type": "position_taken", "stakeholder": "A", "subject": "item:noodsteunpunten",
              "stance": "support", "summary": "ja"}
    events = [*basic_dossier(),  # positions 1-5; revision 1 (position 5) is dated 2025-06-27
              {**stance, "date": "2025-07-10"},  # 6
              {**stance, "date": "2025-07-05", "stance": "oppose"},  # 7, transcribed late
              {**stance, "date": "2025-07-20", "stance": "neutral"}]  # 8
    assert akkoord("--db", store, "import", write_log(tmp_path, events)).status == 0
    page = akkoord("--db", store, "history", "item:noodsteunpunten", "--json", "--limit", "2",
                   "--offset", "1").json()
    assert [e["position"] for e in page["entries"]] == [7, 6] and page["count"] == 4
    text = akkoord("--db", store, "history", "item:noodsteunpunten", "--limit", "2").out
    assert "rows 1-2 of 4 shown; --offset 2 for the next page" in text
