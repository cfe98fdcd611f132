"""A family member's visit: who logged in, their form token, and when they were last seen.

Visits live in the server's memory only: a restart logs everyone out, and nothing of a
visit (the national number above all) is ever written to disk. A visit ends on logout, after
15 minutes without a page view, and at the latest after 8 hours.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field

from relaytui.services.family import FamilyRef

#: Minutes without a page view after which the visit ends (issue 15).
IDLE_SECONDS = 15 * 60
#: The longest a visit lasts, however busy.
LONGEST_SECONDS = 8 * 3600


@dataclass
class Visit:
    who: FamilyRef
    #: Sent with each form and compared on each post (CSRF).
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    started: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)

    def form_token_matches(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.token, given or "")


class Visits:
    """The open visits, by the random key their cookie carries."""

    def __init__(self, idle: float = IDLE_SECONDS, longest: float = LONGEST_SECONDS) -> None:
        self.idle = idle
        self.longest = longest
        self._open: dict[str, Visit] = {}

    def begin(self, who: FamilyRef) -> str:
        self._sweep()
        key = secrets.token_urlsafe(32)
        self._open[key] = Visit(who)
        return key

    def find(self, key: str | None) -> tuple[Visit | None, bool]:
        """The visit with this key, touched; and whether a visit with it ran out of time (the
        page then says why the person is asked to log in again)."""
        if not key:
            return None, False
        visit = self._open.get(key)
        if visit is None:
            return None, False
        now = time.monotonic()
        if now - visit.seen > self.idle or now - visit.started > self.longest:
            del self._open[key]
            return None, True
        visit.seen = now
        return visit, False

    def end(self, key: str | None) -> None:
        if key:
            self._open.pop(key, None)

    def __len__(self) -> int:
        return len(self._open)

    def _sweep(self) -> None:
        now = time.monotonic()
        for key, visit in list(self._open.items()):
            if now - visit.seen > self.idle or now - visit.started > self.longest:
                del self._open[key]
