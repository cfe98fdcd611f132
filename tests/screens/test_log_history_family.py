"""The History tab (issue 15, part 3): which guardians read the log in the family view lately,
and which notices were sent by e-mail, waiting or given up, to the holder and to an actor."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from relaytui.app import RelayApp
from relaytui.models import Guardian, Notice
from relaytui.services import clock, consent, family, log_actors, meetings
from tests.factories import guardian_consent, national_number
from tests.screens.opening_a_log import SIZE, open_log
from tests.screens.reading import screen_text, wait_for

TZ = ZoneInfo("Europe/Copenhagen")
METTE = national_number("dk", date(1990, 3, 4), 901)
MARKUP = "[bold red]mum[/] \x1b[31m"


def local(moment) -> str:
    """A moment as the English screens show it: ISO, in the installation's time zone."""
    return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def mette_reads_twice(town) -> family.FamilyRead:
    """Mette logs in with the national login and reads Ida's log twice; her relation is typed
    with markup and an escape code, to be shown as typed."""
    with town.store.session(write=True) as session:
        session.execute(
            update(Guardian)
            .where(col(Guardian.id) == town.world.guardians["Mette Jensen"])
            .values(national_number=METTE, relation=MARKUP, email="mette@example.invalid")
        )
    mette = family.identify(town.store, METTE, "Mette Jensen")
    family.read_log(town.store, mette, town.log.id)
    family.read_log(town.store, mette, town.log.id)
    return family.family_reads(town.store, town.world.ref("anna"), town.log.id)[0]


def notices_of_every_state(town) -> dict[str, Notice]:
    """Lene was told on creation (marked sent here, as the server would); Bo is added as an
    actor (waiting); Mette is told of a new meeting (given up)."""
    anna = town.world.ref("anna")
    consent.record_consent(
        town.store,
        anna,
        town.log.id,
        guardian_consent(town.world, staff_ids=(town.world.ref("bo").id,)),
    )
    log_actors.add_actor(town.store, anna, town.log.id, staff_id=town.world.ref("bo").id)
    meetings.schedule(
        town.store,
        anna,
        town.log.id,
        kind="dialogue",
        starts_at=clock.now() + timedelta(days=14),
        place="Solsikken, room 3",
    )
    now = clock.now()
    with town.store.session(write=True) as session:
        rows = {n.address: n for n in session.exec(select(Notice)).all()}
        rows["lene@example.invalid"].sent_at = now + timedelta(minutes=1)
        rows["lene@example.invalid"].attempts = 1
        rows["bo@example.invalid"].attempts = 2
        rows["bo@example.invalid"].next_attempt_at = now + timedelta(minutes=4)
        rows["mette@example.invalid"].failed_at = now + timedelta(minutes=2)
        rows["mette@example.invalid"].attempts = 8
        for row in rows.values():
            session.add(row)
        session.flush()
        for row in rows.values():
            session.refresh(row)
            session.expunge(row)
        return rows


async def history_tab(pilot):
    """Press 5 (the History tab), wait for it, and scroll to its end with the keyboard."""
    app = pilot.app
    await pilot.press("5")
    pane = app.screen.query_one("#logview-history")
    await wait_for(pilot, lambda: pane.notices is not None, "the history")
    await pilot.pause()
    assert app.focused is pane.query_one("#history-scroll")
    await pilot.press("end")
    await pilot.pause()
    return pane


@pytest.mark.parametrize("username", ["anna", "lene"])  # the holder and an actor (R3)
async def test_the_history_shows_the_familys_reads_and_the_notices(level_2_town, username):
    read = mette_reads_twice(level_2_town)
    sent = notices_of_every_state(level_2_town)
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, username)
        pane = await history_tab(pilot)
        text = screen_text(app)
        assert "Read by the family in the family view" in text
        family_line = next(line for line in text.splitlines() if "Mette Jensen" in line)
        assert "[bold red]mum[/] ␛[31m" in family_line  # as typed, no markup, no escape
        assert " 2 " in family_line and local(read.last_read_at) in family_line
        assert "Notices sent by e-mail" in text
        lines = text.splitlines()
        lene = next(line for line in lines if "Lene Lund" in line and "Added as an actor" in line)
        assert f"sent {local(sent['lene@example.invalid'].sent_at)}" in lene
        bo = next(line for line in lines if "Bo Berg" in line)
        assert "Added as an actor" in bo
        assert f"waiting, next attempt {local(sent['bo@example.invalid'].next_attempt_at)}" in bo
        mette = next(line for line in lines if "Mette Jensen (family)" in line)
        assert "A meeting was planned (to the family)" in mette
        assert f"given up {local(sent['mette@example.invalid'].failed_at)}" in mette
        # The latest first: Mette's notice (the meeting) above Lene's (the log's creation).
        assert lines.index(mette) < lines.index(bo) < lines.index(lene)
        assert [n.state for n in pane.notices] == ["sent", "queued", "failed"]


async def test_the_empty_parts_say_so(level_0_town):
    with level_0_town.store.session(write=True) as session:  # not even the leader's notice
        for notice in session.exec(select(Notice)).all():
            session.delete(notice)
    app = RelayApp(level_0_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_0_town, "anna")
        await history_tab(pilot)
        text = screen_text(app)
        assert "No one of the family has read the log in the family view yet." in text
        assert "No notices about this log were sent by e-mail." in text
