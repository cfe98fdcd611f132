"""The sessions a server runs: how many there may be, which processes they are, and the end.

Every session, over SSH or in the browser, holds a :class:`Seat` from the same
:class:`Sessions` for as long as its process lives, so ``--max-sessions`` counts both. On
SIGTERM the server asks every session process to end (the app saves the draft of minutes
being written, as when quitting), waits a grace period, and only then kills what is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("relaytui.server")

#: Seconds the session processes get to save and end on SIGTERM before they are killed.
GRACE_SECONDS = 20.0


def session_environment(base: dict[str, str], **extra: str) -> dict[str, str]:
    """The environment of a session process: the server's own (which carries the store's
    password when there is one), UTF-8 text, and ``extra``."""
    env = dict(base)
    env.setdefault("LANG", "C.UTF-8")
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("RELAYTUI_DEBUG", None)  # a session never shows a traceback to the person
    env.setdefault("RELAYTUI_DB_POOL", "1")  # one kept connection per person (relaytui.db)
    env.update({key: value for key, value in extra.items() if value is not None})
    return env


@dataclass
class Seat:
    """One session's place: held from before its process starts until after it ended."""

    kind: str  # "ssh" or "web"
    peer: str
    username: str = ""
    started: float = field(default_factory=time.monotonic)
    #: The session's process: an asyncio process or a :class:`~.spawner.Child` (pid, wait,
    #: send_signal, returncode).
    process: Any = None
    _sessions: Sessions | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def attach(self, process: Any) -> None:
        self.process = process
        log.info(
            "%s session %sfrom %s runs as process %d",
            self.kind,
            f"of {self.username} " if self.username else "",
            self.peer,
            process.pid,
        )

    def release(self) -> None:
        if self._sessions is not None:
            self._sessions._release(self)
            self._sessions = None


class Sessions:
    """The server's sessions, at most ``limit`` at a time."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seats: list[Seat] = []
        self.closing = False
        self._empty = asyncio.Event()
        self._empty.set()

    def __len__(self) -> int:
        return len(self._seats)

    @property
    def full(self) -> bool:
        return len(self._seats) >= self.limit

    def take(self, kind: str, peer: str, username: str = "") -> Seat | None:
        """A seat for a new session, or ``None`` when the server is full or stopping."""
        if self.closing or self.full:
            log.warning(
                "refused a %s session from %s: %s",
                kind,
                peer,
                "stopping" if self.closing else f"full ({self.limit} sessions)",
            )
            return None
        seat = Seat(kind=kind, peer=peer, username=username, _sessions=self)
        self._seats.append(seat)
        self._empty.clear()
        log.info(
            "%s session %sfrom %s started (%d of %d)",
            kind,
            f"of {username} " if username else "",
            peer,
            len(self._seats),
            self.limit,
        )
        return seat

    def _release(self, seat: Seat) -> None:
        with contextlib.suppress(ValueError):
            self._seats.remove(seat)
        code = seat.process.returncode if seat.process is not None else None
        log.info(
            "%s session %sfrom %s ended after %.0f s%s (%d left)",
            seat.kind,
            f"of {seat.username} " if seat.username else "",
            seat.peer,
            time.monotonic() - seat.started,
            "" if code in (None, 0) else f", exit code {code}",
            len(self._seats),
        )
        if not self._seats:
            self._empty.set()

    def processes(self) -> list[Any]:
        return [
            seat.process
            for seat in self._seats
            if seat.process is not None and seat.process.returncode is None
        ]

    async def end_all(self, grace: float = GRACE_SECONDS) -> None:
        """Ask every session to end (SIGTERM: drafts are saved), then kill the stragglers."""
        self.closing = True
        running = self.processes()
        if running:
            log.info("asking %d sessions to end", len(running))
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        waits = [asyncio.create_task(process.wait()) for process in running]
        if waits:
            _done, pending = await asyncio.wait(waits, timeout=grace)
            for process in self.processes():
                log.warning("session process %d did not end in %.0f s: killed", process.pid, grace)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGKILL)
            if pending:
                await asyncio.wait(pending, timeout=5)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._empty.wait(), timeout=5)
