"""The one clock the services read, so tests and snapshots can fix the time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import overload
from zoneinfo import ZoneInfo

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current moment, aware, in UTC."""
    return _now()


def set_clock(func: Callable[[], datetime] | None) -> None:
    """Fix the clock (tests); ``None`` restores the real one."""
    global _now
    _now = func or (lambda: datetime.now(UTC))


def today(tz: str = "UTC") -> date:
    """Today's date in the installation's time zone."""
    return now().astimezone(ZoneInfo(tz)).date()


@overload
def local(moment: datetime, tz: str) -> datetime: ...
@overload
def local(moment: datetime | None, tz: str) -> datetime | None: ...


def local(moment: datetime | None, tz: str) -> datetime | None:
    """A stored UTC moment in the installation's time zone, for display (None stays None)."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(tz))
