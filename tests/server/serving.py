"""A real ``relaytui serve`` on 127.0.0.1 with free ports, and what drives it: asyncssh's SSH
client with a terminal emulator (pyte) reading the screen.

The municipality every server test serves: anna holds Bo Jensen's log, lene (the daycare's
leader) reads it as an actor, carl is locked, otto has a one-time password, admin administers.
A plain module, so test modules import it (tests/server/conftest.py holds the fixtures).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pyte

from relaytui.db import open_store
from relaytui.services import access, accounts, installation, keys, logs, sign_in, subjects, units

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import asyncssh

PASSWORD = "a long demo password"
CPR = "0707614285"
CONCERN = "Comes to daycare hungry."


@dataclass
class Town:
    db: str  # an SQLite file's path, or a PostgreSQL URL
    folder: Path
    log_id: int
    key_file: Path
    one_time: str


def build_town(folder: Path, db: str | None = None) -> Town:
    """The municipality every server test module serves (in an SQLite file of ``folder``,
    or in the PostgreSQL database ``db``)."""
    db = db or str(folder / "relaytui.db")
    store = open_store(db)
    try:
        store.upgrade()
        installation.write(
            store, profile="dk", timezone="Europe/Copenhagen", municipality="Testrup Kommune"
        )
        system = access.system_administrator()
        unit = units.add_unit(store, system, name="Solsikken", kind="daycare")
        for username, name, role in (
            ("anna", "Anna Holm", "caseworker"),
            ("lene", "Lene Lund", "caseworker"),
            ("carl", "Carl Dahl", "caseworker"),
            ("admin", "Ada Admin", "admin"),
        ):
            accounts.add_user(
                store,
                system,
                username=username,
                full_name=name,
                password=PASSWORD,
                profession="pedagogue" if role != "admin" else "",
                role=role,
                unit=unit.id if role != "admin" else None,
            )
        units.set_leader(store, system, unit.id, "lene")
        one_time = sign_in.one_time_password()
        accounts.add_user(
            store,
            system,
            username="otto",
            full_name="Otto Olsen",
            password=one_time,
            unit=unit.id,
            must_change_password=True,
        )
        for _attempt in range(sign_in.MAX_FAILED_LOGINS):
            try:
                sign_in.authenticate(store, "carl", "wrong")
            except Exception:  # noqa: BLE001 - locking carl on purpose
                pass
        anna = sign_in.authenticate(store, "anna", PASSWORD)
        subject = subjects.create_subject(store, anna, national_number=CPR, name="Bo Jensen")
        log = logs.create_log(store, anna, subject_id=subject.id, concern=CONCERN)
        private = asyncssh.generate_private_key("ssh-ed25519", comment="anna@laptop")
        key_file = folder / "anna_ed25519"
        private.write_private_key(str(key_file))
        key_file.chmod(0o600)
        private.write_public_key(str(key_file) + ".pub")
        keys.add_key(store, system, "anna", Path(str(key_file) + ".pub").read_text())
        return Town(db=db, folder=folder, log_id=log.id, key_file=key_file, one_time=one_time)
    finally:
        store.dispose()


@dataclass
class Server:
    """A running ``relaytui serve``: its ports, its output, its process."""

    process: subprocess.Popen
    ssh_port: int
    web_url: str
    host_key: str
    log_path: Path
    lines: list[str] = field(default_factory=list)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 40) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode


def server_environment(folder: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RELAYTUI_")}
    env.update(
        RELAYTUI_LANG="en",
        RELAYTUI_DATA_DIR=str(folder / "data"),
        RELAYTUI_CONFIG_DIR=str(folder / "config"),
        PYTHONUNBUFFERED="1",
    )
    return env


def start_server(
    town: Town, *extra: str, max_sessions: int = 30, env: dict[str, str] | None = None
) -> Server:
    """``relaytui serve`` on free ports of 127.0.0.1; returns once both sides listen."""
    log_path = town.folder / f"server-{time.monotonic_ns()}.log"
    log_file = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "relaytui",
            "--db",
            str(town.db),
            "serve",
            "--ssh-port",
            "0",
            "--web-port",
            "0",
            "--state-dir",
            str(town.folder / "state"),
            "--max-sessions",
            str(max_sessions),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=log_file,
        text=True,
        env={**server_environment(town.folder), **(env or {})},
    )
    lines: list[str] = []
    ssh_port, web_url, host_key = 0, "", ""
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if found := re.search(r"SSH: listening on [\d.]+:(\d+); host key (\S+)", line):
            ssh_port, host_key = int(found.group(1)), found.group(2)
        if found := re.search(r"staff open (http://\S+)", line):
            web_url = found.group(1)
        if line.startswith("Serving"):
            return Server(process, ssh_port, web_url, host_key, log_path, lines)
    process.kill()
    raise AssertionError(
        "relaytui serve did not start:\n" + "\n".join(lines) + "\n" + log_path.read_text()
    )


# --- an SSH client with a screen ------------------------------------------------------------

KEYS = {
    "enter": b"\r",
    "tab": b"\t",
    "escape": b"\x1b",
    "backspace": b"\x7f",
    "up": b"\x1b[A",
    "down": b"\x1b[B",
    "right": b"\x1b[C",
    "left": b"\x1b[D",
    "f1": b"\x1bOP",
    "f2": b"\x1bOQ",
    "f3": b"\x1bOR",
    "f4": b"\x1bOS",
    "f5": b"\x1b[15~",
    "ctrl+s": b"\x13",
    "ctrl+q": b"\x11",
    "ctrl+o": b"\x0f",
    "ctrl+f": b"\x06",
    "ctrl+p": b"\x10",
}


class SSHScreen:
    """One SSH session as a person sees it: the screen (pyte), and keys to type."""

    def __init__(self, conn, process, width: int, height: int) -> None:
        self.conn = conn
        self.process = process
        self.screen = pyte.Screen(width, height)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.closed = asyncio.Event()
        self._pump = asyncio.ensure_future(self._read())

    @classmethod
    async def open(
        cls,
        port: int,
        username: str,
        *,
        password: str | None = None,
        key: Path | None = None,
        size: tuple[int, int] = (100, 30),
        term: str | None = "xterm-256color",
        command: str | None = None,
    ) -> SSHScreen:
        conn = await asyncssh.connect(
            "127.0.0.1",
            port,
            username=username,
            password=password,
            client_keys=[str(key)] if key else None,
            known_hosts=None,
            agent_path=None,
            preferred_auth="publickey" if key else "password",
        )
        process = await conn.create_process(
            command, term_type=term, term_size=size if term else None, encoding=None
        )
        return cls(conn, process, *size)

    async def _read(self) -> None:
        try:
            while True:
                data = await self.process.stdout.read(65536)
                if not data:
                    break
                self.raw.extend(data)
                self.stream.feed(data)
        except Exception:  # noqa: BLE001 - the connection went away
            pass
        finally:
            self.closed.set()

    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.text()
            if text in shown:
                return shown
            if self.closed.is_set() and text not in self.raw.decode("utf-8", "replace"):
                break
            await asyncio.sleep(0.05)
        raise AssertionError(
            f"{text!r} did not appear:\n{self.text()}\n--- raw tail ---\n"
            f"{self.raw[-400:].decode('utf-8', 'replace')}"
        )

    async def type(self, text: str, pause: float = 0.01) -> None:
        for ch in text:
            self.process.stdin.write(ch.encode("utf-8"))
            await asyncio.sleep(pause)

    async def press(self, *keys: str, pause: float = 0.15) -> None:
        for key in keys:
            self.process.stdin.write(KEYS.get(key, key.encode("utf-8")))
            await asyncio.sleep(pause)

    def resize(self, width: int, height: int) -> None:
        self.screen.resize(height, width)
        self.process.change_terminal_size(width, height)

    async def ended(self, timeout: float = 30.0) -> int | None:
        await asyncio.wait_for(self.closed.wait(), timeout)
        await asyncio.wait_for(self.process.wait_closed(), timeout)
        return self.process.exit_status

    async def close(self) -> None:
        self.conn.close()
        try:
            await asyncio.wait_for(self.conn.wait_closed(), 10)
        except Exception:  # noqa: BLE001
            pass
        self._pump.cancel()
