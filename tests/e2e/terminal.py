"""The real program in a real terminal: tmux runs it, the test types and reads the screen."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid

import pytest


def require_tmux() -> str:
    tmux = shutil.which("tmux")
    if tmux is None:
        if os.environ.get("RELAYTUI_REQUIRE_POSTGRES") == "1":  # CI: .ci/run installs tmux
            pytest.fail("tmux is not installed")
        pytest.skip("tmux is not installed")
    return tmux


class Terminal:
    """One tmux session running one command, 120x40 unless told otherwise."""

    def __init__(
        self,
        command: list[str],
        *,
        env: dict[str, str] | None = None,
        width: int = 120,
        height: int = 40,
    ) -> None:
        self.tmux = require_tmux()
        self.name = f"relaytui-test-{uuid.uuid4().hex[:8]}"
        self.socket = f"relaytui-{uuid.uuid4().hex[:8]}"
        self.command = command
        self.env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor", **(env or {})}
        self.width, self.height = width, height

    def _run(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            [self.tmux, "-L", self.socket, *args],
            capture_output=True,
            text=True,
            env=self.env,
            check=check,
        )
        return done.stdout

    def start(self) -> Terminal:
        shell = "exec " + " ".join(_quote(part) for part in self.command)
        self._run(
            "new-session",
            "-d",
            "-s",
            self.name,
            "-x",
            str(self.width),
            "-y",
            str(self.height),
            shell,
        )
        self._run("set-option", "-t", self.name, "remain-on-exit", "on")
        return self

    def pid(self) -> int:
        return int(self._run("display-message", "-p", "-t", self.name, "#{pane_pid}").strip())

    def dead(self) -> bool:
        return self._run("display-message", "-p", "-t", self.name, "#{pane_dead}").strip() == "1"

    def send(self, *keys: str, literal: bool = False, pause: float = 0.15) -> None:
        for key in keys:
            if literal:
                self._run("send-keys", "-t", self.name, "-l", key)
            else:
                self._run("send-keys", "-t", self.name, key)
            time.sleep(pause)

    def type(self, text: str, pause: float = 0.02) -> None:
        """Type like a person: one character at a time."""
        for ch in text:
            self._run("send-keys", "-t", self.name, "-l", ch)
            time.sleep(pause)

    def screen(self) -> str:
        return self._run("capture-pane", "-p", "-t", self.name)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} did not appear on the screen:\n{shown}")

    def kill_app(self) -> None:
        """SIGKILL, as when the terminal dies: no handler runs, nothing is flushed."""
        os.kill(self.pid(), signal.SIGKILL)
        deadline = time.monotonic() + 10
        while not self.dead() and time.monotonic() < deadline:
            time.sleep(0.05)

    def close(self) -> None:
        self._run("kill-server", check=False)


def _quote(part: str) -> str:
    import shlex

    return shlex.quote(part)
