"""The demo's story in time (issue 16): built on any day, a weekend or early on a Monday, every
past event is dated in the past and every planned meeting in the future, on a working day."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from relaytui import demo, i18n
from relaytui.db import open_store
from relaytui.models import AuditEvent, Entry, Meeting, RelayLog
from relaytui.models.log import HolderPeriod, LevelChange
from relaytui.services import clock, sign_in

#: Sunday 6 December 2026, 11:00 in Copenhagen and Oslo; Monday 7 December, 07:30 there.
SUNDAY = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
EARLY_MONDAY = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)


@pytest.fixture
def fast_hashes():
    from argon2 import PasswordHasher, Type

    sign_in.set_password_hasher(
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    )
    yield
    sign_in.set_password_hasher(None)


@pytest.mark.parametrize("profile", ["dk", "no"])
@pytest.mark.parametrize("now", [SUNDAY, EARLY_MONDAY], ids=["sunday", "early-monday"])
def test_every_past_event_of_the_demo_is_in_the_past(tmp_path, fast_hashes, profile, now):
    store = open_store(str(tmp_path / "demo.db"))
    store.upgrade()
    clock.set_clock(lambda: now)
    language = i18n.current_language()
    try:
        demo.populate(store, profile=profile)
    finally:
        clock.set_clock(None)
        i18n.set_language(language)
    tz = ZoneInfo(demo.country(profile).timezone)
    try:
        with store.session() as session:
            entries = session.exec(select(Entry.written_at)).all()
            closings = [at for at in session.exec(select(RelayLog.closed_at)).all() if at]
            events = session.exec(select(AuditEvent.at)).all()
            changes = session.exec(select(LevelChange.changed_at)).all()
            holders = session.exec(select(HolderPeriod.started_at)).all()
            planned = session.exec(
                select(Meeting.starts_at).where(Meeting.status == "planned")
            ).all()
            held = session.exec(select(Meeting.starts_at).where(Meeting.status != "planned")).all()
    finally:
        store.dispose()
    assert entries and closings and events and planned
    for what, moments in (
        ("entry", entries),
        ("closing", closings),
        ("audit event", events),
        ("level change", changes),
        ("holder period", holders),
        ("held meeting", held),
    ):
        late = [m for m in moments if m > now]
        assert not late, f"{what}: {len(late)} after now ({now}), {sorted(late)[:3]}"
    for moment in entries + closings + changes + held:
        assert moment.astimezone(tz).weekday() < 5, f"a past event on a weekend: {moment}"
    for moment in planned:
        assert moment > now, f"a planned meeting in the past: {moment}"
        assert moment.astimezone(tz).weekday() < 5, f"a meeting planned on a weekend: {moment}"
