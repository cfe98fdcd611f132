"""The browser side as a person uses it: Chromium (the system's, driven by Playwright) types
into the page, and the screen is read from what the server sends it (pyte, as over SSH)."""

from __future__ import annotations

import os
import shutil
import time
from urllib.parse import parse_qs, urlsplit

import pyte
import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("RELAYTUI_REQUIRE_POSTGRES") == "1":  # CI: .ci/run installs chromium
            pytest.fail("chromium is not installed")
        pytest.skip("chromium is not installed")
    return found


class WebScreen:
    """One browser page running one session."""

    def __init__(self, page) -> None:
        self.page = page
        self.screen: pyte.Screen | None = None
        self.stream: pyte.ByteStream | None = None
        self.closed = False
        page.on("websocket", self._socket)

    def _socket(self, socket) -> None:
        query = parse_qs(urlsplit(socket.url).query)
        self.screen = pyte.Screen(int(query["width"][0]), int(query["height"][0]))
        self.stream = pyte.ByteStream(self.screen)
        socket.on("framereceived", self._frame)
        socket.on("close", lambda _socket: setattr(self, "closed", True))

    def _frame(self, payload) -> None:
        if isinstance(payload, bytes) and self.stream is not None:
            self.stream.feed(payload)

    def open(self, url: str) -> WebScreen:
        self.page.goto(url)
        return self

    def text(self) -> str:
        return "\n".join(self.screen.display) if self.screen is not None else ""

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.text()
            if text in shown:
                return shown
            self.page.wait_for_timeout(50)
        raise AssertionError(f"{text!r} did not appear in the browser:\n{self.text()}")

    def focus(self) -> None:
        """Click the terminal's corner, where no widget is: the keys go to the app."""
        self.page.mouse.click(3, 3)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text, delay=15)

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)
            self.page.wait_for_timeout(120)

    def log_in(self, username: str, password: str) -> None:
        self.wait_for("Username")
        self.focus()
        self.type(username)
        self.press("Enter")
        self.type(password)
        self.press("Enter")
