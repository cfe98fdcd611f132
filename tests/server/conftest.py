"""A real ``relaytui serve`` on 127.0.0.1 with free ports, and what drives it: asyncssh's SSH
client with a terminal emulator (pyte) reading the screen, OpenSSH's ``ssh`` in tmux, and
Chromium through Playwright.

One server per test module, on a small municipality of its own: anna holds Bo Jensen's log,
lene (the daycare's leader) reads it as an actor, carl is locked, otto has a one-time
password, admin administers.

The builders and the SSH screen live in tests/server/serving.py; here only the fixtures.
"""

from __future__ import annotations

import pytest

from tests.server.serving import Town, build_town, start_server


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Town:
    return build_town(tmp_path_factory.mktemp("town"))


@pytest.fixture(scope="module")
def server(town):
    running = start_server(town)
    yield running
    running.stop()
