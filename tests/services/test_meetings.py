"""Meetings and notifications: R11, R13."""

from datetime import date, timedelta

import pytest

from relaytui.errors import InvalidInput, NotAllowed, RuleViolation
from relaytui.services import (
    clock,
    consent,
    efforts,
    journal,
    logs,
    meetings,
    minutes,
    notifications,
    staff_calendar,
)
from relaytui.services.meetings import GuestInput
from relaytui.services.minutes import AgreedEffort
from tests.factories import guardian_consent, new_log


def at_level(world, level):
    log = new_log(world)
    if level:
        consent.record_consent(world.store, world.ref("anna"), log.id, guardian_consent(world))
        logs.change_level(world.store, world.ref("anna"), log.id, to_level=level, reason="worried")
    return log


@pytest.mark.rule("R13")
def test_the_holder_convenes_leads_and_writes_the_outcome_in(world):
    log = new_log(world)
    when = clock.now() + timedelta(days=2)
    with pytest.raises(RuleViolation):  # Carl is no actor
        meetings.schedule(
            world.store,
            world.ref("anna"),
            log.id,
            kind="dialogue",
            starts_at=when,
            invitee_staff_ids=(world.ref("carl").id,),
        )
    meeting = meetings.schedule(
        world.store,
        world.ref("anna"),
        log.id,
        kind="dialogue",
        starts_at=when,
        place="Room 2",
        invitee_staff_ids=(world.ref("lene").id,),
        guests=(GuestInput("Mette Jensen", "mother"),),
    )
    assert [a.title for a in meeting.agenda][0] == "Since last time" and len(meeting.agenda) == 5
    assert [i.name for i in meeting.invitees] == ["Anna Holm", "Lene Lund", "Mette Jensen"]
    first_item = meeting.agenda[0].id
    note = minutes.save_note(
        world.store,
        world.ref("anna"),
        meeting.id,
        text="Ida sleeps better",
        agenda_item_id=first_item,
    )
    minutes.save_note(
        world.store,
        world.ref("anna"),
        meeting.id,
        text="Ida sleeps much better",
        agenda_item_id=first_item,
        note_id=note.id,
        version=note.version,
    )
    with pytest.raises(NotAllowed):
        minutes.save_note(world.store, world.ref("lene"), meeting.id, text="mine")
    current = meetings.get_meeting(world.store, world.ref("anna"), meeting.id)
    done = minutes.finish_minutes(
        world.store,
        world.ref("anna"),
        meeting.id,
        version=current.version,
        efforts=(
            AgreedEffort(
                "Mother packs breakfast",
                evaluate_on=date.today() + timedelta(days=30),
                responsible_text="mother",
            ),
        ),
        goals=("Ida is rested",),
    )
    assert done.status == "held"
    entries = journal.list_entries(world.store, world.ref("anna"), log.id)
    lines = [e.text for e in sorted(entries, key=lambda e: e.id) if e.kind == "minutes"]
    assert lines[0].startswith("Minutes of the meeting ")
    assert lines[1:] == ["Since last time: Ida sleeps much better"]
    assert [e.what for e in efforts.list_efforts(world.store, world.ref("anna"), log.id)] == [
        "Mother packs breakfast"
    ]
    assert [g.text for g in efforts.list_goals(world.store, world.ref("anna"), log.id)] == [
        "Ida is rested"
    ]
    with pytest.raises(RuleViolation):  # finished minutes never change
        minutes.save_note(world.store, world.ref("anna"), meeting.id, text="late addition")


@pytest.mark.rule("R13")
def test_cancel_needs_a_reason_and_agenda_can_be_reordered(world):
    log = new_log(world)
    meeting = meetings.schedule(
        world.store,
        world.ref("anna"),
        log.id,
        kind="evaluation",
        starts_at=clock.now() + timedelta(days=1),
    )
    titles = [a.title for a in meeting.agenda]
    reordered = meetings.set_agenda(
        world.store, world.ref("anna"), meeting.id, list(reversed(titles)) + ["Ida's drawing"]
    )
    assert [a.title for a in reordered.agenda] == list(reversed(titles)) + ["Ida's drawing"]
    with pytest.raises(InvalidInput):
        meetings.cancel(
            world.store, world.ref("anna"), meeting.id, version=reordered.version, reason=" "
        )
    cancelled = meetings.cancel(
        world.store,
        world.ref("anna"),
        meeting.id,
        version=reordered.version,
        reason="Mother is ill",
    )
    assert cancelled.status == "cancelled"
    assert [
        m.id
        for m in staff_calendar.my_meetings(
            world.store, world.ref("anna"), start=clock.now(), days=7
        )
    ] == [meeting.id]


@pytest.mark.rule("R11")
def test_dk_notification_without_a_meeting_needs_an_exception(world):
    log = at_level(world, 3)
    with pytest.raises(RuleViolation) as refused:
        notifications.notify(world.store, world.ref("anna"), log.id, reason="Bruises")
    assert "exception" in str(refused.value)
    made = notifications.notify(
        world.store, world.ref("anna"), log.id, reason="Bruises", exception="violence"
    )
    assert made.exception == "violence"
    # the log continues afterwards
    journal.write_entry(world.store, world.ref("anna"), log.id, text="Notified; continuing the log")


@pytest.mark.rule("R11")
def test_dk_notification_meeting_records_the_outcome(world):
    log = at_level(world, 3)
    meeting = meetings.schedule(
        world.store,
        world.ref("anna"),
        log.id,
        kind="notification",
        starts_at=clock.now() + timedelta(days=1),
        guests=(GuestInput("Fie Falk", "social worker, family department"),),
    )
    with pytest.raises(InvalidInput):
        minutes.finish_minutes(world.store, world.ref("anna"), meeting.id, version=meeting.version)
    held = minutes.finish_minutes(
        world.store,
        world.ref("anna"),
        meeting.id,
        version=meeting.version,
        outcome="The family department opens a case",
    )
    assert held.outcome == "The family department opens a case"
    notifications.notify(
        world.store, world.ref("anna"), log.id, reason="After the meeting", meeting_id=meeting.id
    )
    dialogue = meetings.schedule(
        world.store,
        world.ref("anna"),
        log.id,
        kind="dialogue",
        starts_at=clock.now() + timedelta(days=3),
    )
    with pytest.raises(RuleViolation):
        notifications.notify(
            world.store, world.ref("anna"), log.id, reason="x", meeting_id=dialogue.id
        )


@pytest.mark.rule("R11")
def test_dk_notification_meeting_belongs_to_level_3(world):
    log = at_level(world, 1)
    meeting = meetings.schedule(
        world.store,
        world.ref("anna"),
        log.id,
        kind="notification",
        starts_at=clock.now() + timedelta(days=1),
    )
    with pytest.raises(RuleViolation):
        notifications.notify(
            world.store, world.ref("anna"), log.id, reason="x", meeting_id=meeting.id
        )


@pytest.mark.rule("R11")
def test_no_notification_is_its_own_act_at_any_level(no_world):
    world = no_world
    log = new_log(world)
    made = notifications.notify(
        world.store, world.ref("anna"), log.id, reason="Bekymringsmelding til barnevernet"
    )
    assert made.exception is None and made.meeting_id is None
    with pytest.raises(NotAllowed):
        notifications.notify(world.store, world.ref("lene"), log.id, reason="x")
