"""``akkoord serve``: the report's pages live and read-only, in headless Chromium with every
request outside the server blocked; the time controls; 405 to writing methods; 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import count_events
from test_report import axe_violations, browser, cell_texts, euro, offline_page, three_revisions  # noqa: F401

# Bounded waits: the server must answer within this, and stop within STOP_SECONDS.
START_SECONDS = 60
STOP_SECONDS = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(store: Path, tmp_path: Path, *options: str) -> Iterator[str]:
    """``akkoord serve`` in a process of its own, until the block ends; yields its base URL."""
    port = free_port()
    host = options[options.index("--host") + 1] if "--host" in options else "127.0.0.1"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "serve-cache")}
    process = subprocess.Popen(
        [sys.executable, "-m", "akkoord.cli.main", "--db", str(store), "serve", "--port", str(port),
         *options], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://{host}:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"akkoord serve stopped: {process.stderr.read()}")
            try:
                urllib.request.urlopen(base + "/", timeout=5).close()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"akkoord serve did not answer within {START_SECONDS} s")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_SECONDS)
        process.stdout.close()
        process.stderr.close()


def status_of(url: str, method: str) -> int:
    request = urllib.request.Request(url, method=method, data=b"x=1" if method != "GET" else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def served(akkoord, example_store, tmp_path) -> Iterator[tuple[str, Path]]:
    store = three_revisions(akkoord, example_store, tmp_path)
    with serving(store, tmp_path) as base:
        yield base, store


def test_serve_answers_405_to_writing_methods_and_never_writes_the_store(served):
    base, store = served
    events, before = count_events(store), store.read_bytes()
    for path in ("/", "/dossier/weerbaarheid-2025", "/anything"):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            assert status_of(base + path, method) == 405, (method, path)
    assert status_of(base + "/dossier/weerbaarheid-2025", "GET") == 200
    assert status_of(base + "/dossier/weerbaarheid-2025", "HEAD") == 200
    assert count_events(store) == events and store.read_bytes() == before


def test_serve_sets_a_restrictive_content_security_policy(served):
    base, _store = served
    with urllib.request.urlopen(base + "/dossier/weerbaarheid-2025", timeout=30) as response:
        policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy


def listening_addresses(port: int) -> set[str]:
    """The local addresses listening on ``port``, from the kernel's table of TCP sockets."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port and len(address) == 8:
                found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def test_serve_listens_on_127_0_0_1_unless_told_otherwise(example_store, tmp_path):
    with serving(example_store, tmp_path) as base:
        assert listening_addresses(int(base.rsplit(":", 1)[1])) == {"127.0.0.1"}
    with serving(example_store, tmp_path, "--host", "127.0.0.2") as base:
        assert listening_addresses(int(base.rsplit(":", 1)[1])) == {"127.0.0.2"}


def test_served_pages_show_the_dossier_and_pass_axe(served, browser, akkoord):  # noqa: F811
    base, store = served
    proposal = akkoord("--db", store, "proposal", "--json").json()
    commitments = akkoord("--db", store, "commitments", "--json").json()
    claims = akkoord("--db", store, "claims", "--json").json()
    with offline_page(browser, base + "/") as (page, blocked):
        page.goto(base + "/")
        assert axe_violations(page) == []
        page.get_by_role("link", name="Verdeling weerbaarheidsmiddelen").click()
        page.wait_for_url(base + "/dossier/weerbaarheid-2025")
        rows = cell_texts(page, "#current-proposal")
        for item in proposal["items"]:
            row = next(r for r in rows if r[0] == item["id"])
            assert row[2:] == [euro(item["by_year"][str(y)]) for y in proposal["years"]]
        text = page.inner_text("main")
        assert all(thing["id"] in text for thing in commitments + claims)
        assert "Overdue" in page.inner_text("#commitments")
        page.locator("#current-proposal tbody a").first.click()
        assert page.url.endswith(f"#event-{proposal['sources']['revision'][0]}")
        assert axe_violations(page) == []
        page.goto(base + "/dossier/no-such-dossier")
        assert "No dossier no-such-dossier" in page.inner_text("main")
        assert axe_violations(page) == []
    assert blocked == []


def test_the_time_controls_change_what_is_shown(served, browser, akkoord):  # noqa: F811
    base, store = served
    log = akkoord("--db", store, "log", "--json").json()
    third = next(e for e in log if e["type"] == "proposal_revised" and e["data"]["revision"] == 3)
    with offline_page(browser, base + "/") as (page, blocked):
        page.goto(base + "/dossier/weerbaarheid-2025")
        assert "Revision 3" in page.inner_text("#proposal")
        # known at: the position just before revision 3 was recorded
        page.get_by_label("Known at").fill(str(third["position"] - 1))
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**known_at=*")
        assert "Revision 2" in page.inner_text("#proposal")
        assert "Revision 3" not in page.inner_text("#revisions")
        assert axe_violations(page) == []
        # the replay: one event on, and revision 3 is there; one back, and it is gone again
        page.get_by_role("link", name=f"Next event (position {third['position']})").click()
        page.wait_for_url(f"**known_at={third['position']}*")
        assert "Revision 3" in page.inner_text("#proposal")
        assert f"position {third['position']}, after the event proposal_revised" in page.inner_text("nav.replay")
        page.get_by_role("link", name=f"Previous event (position {third['position'] - 1})").click()
        page.wait_for_url(f"**known_at={third['position'] - 1}*")
        assert "Revision 3" not in page.inner_text("#revisions")
        assert axe_violations(page) == []
        # as of: before the dossier's first revision had its date, and then everything again
        page.goto(base + "/dossier/weerbaarheid-2025")
        page.get_by_label("As of").fill("2025-07-01")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**as_of=2025-07-01*")
        assert "Revision 1" in page.inner_text("#proposal")
        assert "the state as of 2025-07-01" in page.inner_text("header")
        assert axe_violations(page) == []
        page.get_by_role("link", name="Today, everything recorded").click()
        page.wait_for_url(base + "/dossier/weerbaarheid-2025")
        assert "Revision 3" in page.inner_text("#proposal")
        # a control given something that is not a date is told so, in a page that passes axe
        page.goto(base + "/dossier/weerbaarheid-2025?as_of=yesterday")
        assert "is not a date" in page.inner_text("main")
        assert axe_violations(page) == []
    assert blocked == []
