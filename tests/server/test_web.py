"""Staff in the browser: a real ``relaytui serve`` and Chromium (Playwright). The page opens a
session process that starts on the app's own login screen; the web side listens on localhost
only, unless told otherwise with --insecure."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.server.browser import CHROMIUM_ARGS, WebScreen, chromium_path
from tests.server.serving import PASSWORD, server_environment, start_server

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 720}, locale="en-GB")
    yield context.new_page()
    context.close()


def web_pid(server) -> int:
    found = re.findall(r"web session from \S+ runs as process (\d+)", server.log())
    assert found, server.log()
    return int(found[-1])


def test_log_in_open_a_log_write_an_entry_and_see_it_in_another_session(server, browser, page):
    anna = WebScreen(page).open(server.web_url)
    anna.log_in("anna", PASSWORD)
    anna.wait_for("Bo Jensen")
    anna.press("Enter")
    anna.wait_for("Holder: Anna Holm")
    anna.press("n")
    anna.wait_for("New entry")
    anna.type("Written in the browser: Bo laughed at lunch.")
    anna.press("Control+s")
    anna.wait_for("Bo laughed at lunch")

    other = browser.new_context(viewport={"width": 1100, "height": 720}, locale="en-GB")
    try:
        lene = WebScreen(other.new_page()).open(server.web_url)
        lene.log_in("lene", PASSWORD)
        lene.wait_for("Bo Jensen")
        lene.press("Enter")
        lene.wait_for("Bo laughed at lunch")
    finally:
        other.close()


def test_a_wrong_password_and_a_locked_account_are_refused_on_the_page(server, page):
    screen = WebScreen(page).open(server.web_url)
    screen.log_in("anna", "not the password")
    screen.wait_for("Wrong username or password")
    locked = WebScreen(page).open(server.web_url)
    locked.log_in("carl", PASSWORD)
    locked.wait_for("or the account is locked")
    assert "Bo Jensen" not in locked.text()


def test_a_killed_session_ends_that_page_only(server, browser, page):
    first = WebScreen(page).open(server.web_url)
    first.log_in("anna", PASSWORD)
    first.wait_for("Bo Jensen")
    other = browser.new_context(viewport={"width": 1100, "height": 720}, locale="en-GB")
    try:
        second_page = other.new_page()
        second = WebScreen(second_page).open(server.web_url)
        second.log_in("lene", PASSWORD)
        second.wait_for("Bo Jensen")
        os.kill(web_pid(server), signal.SIGKILL)  # the newest session: lene's
        second_page.wait_for_selector("body.-closed", timeout=30_000)
        assert second_page.locator(".ended").is_visible()
        # Anna's session goes on.
        first.press("Enter")
        first.wait_for("Holder: Anna Holm")
        # Starting again opens a new session (the page's listener sees its new websocket).
        second_page.locator(".ended button").click()
        second.wait_for("Username")
    finally:
        other.close()
    assert server.alive()


def test_the_page_speaks_the_browsers_language(server, browser):
    context = browser.new_context(viewport={"width": 1100, "height": 720}, locale="da-DK")
    try:
        screen = WebScreen(context.new_page()).open(server.web_url)
        screen.wait_for("Brugernavn")
    finally:
        context.close()


def test_the_page_is_guarded_and_a_foreign_page_cannot_open_a_session(server):
    with urllib.request.urlopen(server.web_url) as response:
        headers = response.headers
        body = response.read().decode()
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"
    assert "googleapis" not in body  # nothing is loaded from another site
    socket_url = server.web_url + "/ws?width=80&height=24"
    request = urllib.request.Request(
        socket_url,
        headers={
            "Origin": "https://evil.example",
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 403


def test_when_full_the_page_says_so(town, page):
    running = start_server(town, max_sessions=1)
    try:
        held = WebScreen(page).open(running.web_url)
        held.wait_for("Username")
        with pytest.raises(urllib.error.HTTPError) as full:
            urllib.request.urlopen(running.web_url)
        assert full.value.code == 503
        assert "The server is full: 1 sessions are open" in full.value.read().decode()
        page.goto("about:blank")  # the page closes; its seat comes free
        for _try in range(100):
            try:
                with urllib.request.urlopen(running.web_url) as again:
                    assert again.status == 200
                    break
            except urllib.error.HTTPError:
                page.wait_for_timeout(100)
        else:
            raise AssertionError("the seat did not come free")
    finally:
        running.stop()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10"])
def test_the_web_side_listens_beyond_localhost_only_with_insecure(town, host):
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "relaytui",
            "--db",
            str(town.db),
            "serve",
            "--web-host",
            host,
            "--no-ssh",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=server_environment(town.folder),
    )
    assert refused.returncode == 1
    assert "TLS" in refused.stderr and "--insecure" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
