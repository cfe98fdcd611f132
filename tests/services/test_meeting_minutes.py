"""Minutes lines that become efforts, goals and agreements; conflicts; invitations (R11, R12, R13)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlmodel import select

from relaytui.errors import InvalidInput, NotAllowed, RuleViolation
from relaytui.models import AuditEvent
from relaytui.services import (
    efforts,
    invitations,
    journal,
    log_closing,
    meetings,
    minutes,
    staff_calendar,
)
from relaytui.services.meetings import GuestInput
from tests.factories import new_log

WHEN = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # 10:00 in Copenhagen


def meeting_with_actor(world, kind="dialogue", **extra):
    log = new_log(world)
    return log, meetings.schedule(
        world.store,
        world.ref("anna"),
        log.id,
        kind=kind,
        starts_at=WHEN,
        place="Room 2",
        invitee_staff_ids=(world.ref("lene").id,),
        **extra,
    )


@pytest.mark.rule("R12")
def test_a_line_becomes_an_effort_only_with_who_and_when(world):
    anna = world.ref("anna")
    log, meeting = meeting_with_actor(world)
    section = meeting.agenda[3].id
    line = minutes.save_note(
        world.store, anna, meeting.id, text="Mother packs breakfast", agenda_item_id=section
    )
    assert line.kind == "note"
    with pytest.raises(InvalidInput):  # no evaluation date
        minutes.save_note(
            world.store,
            anna,
            meeting.id,
            text=line.text,
            agenda_item_id=section,
            note_id=line.id,
            version=line.version,
            kind="effort",
            responsible_text="mother",
        )
    with pytest.raises(InvalidInput):  # evaluated before the meeting
        minutes.save_note(
            world.store,
            anna,
            meeting.id,
            text=line.text,
            agenda_item_id=section,
            note_id=line.id,
            version=line.version,
            kind="effort",
            responsible_text="mother",
            evaluate_on=date(2026, 12, 1),
        )
    with pytest.raises(InvalidInput):  # nobody responsible
        minutes.save_note(
            world.store,
            anna,
            meeting.id,
            text=line.text,
            agenda_item_id=section,
            note_id=line.id,
            version=line.version,
            kind="effort",
            evaluate_on=date(2027, 1, 15),
        )
    with pytest.raises(RuleViolation):  # Carl is no actor of this log
        minutes.save_note(
            world.store,
            anna,
            meeting.id,
            text=line.text,
            agenda_item_id=section,
            note_id=line.id,
            version=line.version,
            kind="effort",
            evaluate_on=date(2027, 1, 15),
            responsible_staff_id=world.ref("carl").id,
        )
    unchanged = meetings.get_meeting(world.store, anna, meeting.id).notes
    assert [(n.kind, n.version) for n in unchanged] == [("note", 1)]
    effort = minutes.save_note(
        world.store,
        anna,
        meeting.id,
        text=line.text,
        agenda_item_id=section,
        note_id=line.id,
        version=line.version,
        kind="effort",
        responsible_text="mother",
        evaluate_on=date(2027, 1, 15),
    )
    assert (effort.kind, effort.responsible_text, effort.evaluate_on) == (
        "effort",
        "mother",
        date(2027, 1, 15),
    )
    assert effort.noted_at == line.noted_at  # the line keeps the time it was first noted
    # A later change of the text keeps what the line is.
    typed = minutes.save_note(
        world.store,
        anna,
        meeting.id,
        text="Mother packs a breakfast box",
        agenda_item_id=section,
        note_id=effort.id,
        version=effort.version,
    )
    assert (typed.kind, typed.evaluate_on) == ("effort", date(2027, 1, 15))


@pytest.mark.rule("R13")
def test_finishing_turns_lines_into_entries_efforts_goals_and_agreements(world):
    anna = world.ref("anna")
    log, meeting = meeting_with_actor(world, guests=(GuestInput("Mette Jensen", "mother"),))
    since, _own, _evaluation, new, _next = (item.id for item in meeting.agenda)
    # Noted out of agenda order: the minutes follow the agenda.
    minutes.save_note(
        world.store,
        anna,
        meeting.id,
        text="Breakfast at home",
        agenda_item_id=new,
        kind="effort",
        responsible_staff_id=world.ref("lene").id,
        evaluate_on=date(2027, 1, 15),
    )
    minutes.save_note(world.store, anna, meeting.id, text="Ida sleeps better", agenda_item_id=since)
    minutes.save_note(
        world.store,
        anna,
        meeting.id,
        text="Ida is rested in the morning",
        agenda_item_id=new,
        kind="goal",
    )
    minutes.save_note(
        world.store,
        anna,
        meeting.id,
        text="Mother calls the doctor",
        agenda_item_id=new,
        kind="agreement",
    )
    minutes.save_note(
        world.store, anna, meeting.id, text="   ", agenda_item_id=new
    )  # an empty line: dropped
    held = meetings.get_meeting(world.store, anna, meeting.id)
    present = {i.id: i.name != "Mette Jensen" for i in held.invitees}
    meetings.record_attendance(world.store, anna, meeting.id, present)
    done = minutes.finish_minutes(world.store, anna, meeting.id, version=held.version)
    assert done.status == "held" and done.minutes_finished_at is not None
    entries = [
        e for e in journal.list_entries(world.store, anna, log.id) if e.meeting_id == meeting.id
    ]
    texts = [e.text for e in sorted(entries, key=lambda e: e.id)]
    assert texts[0] == (
        "Minutes of the meeting 2026-12-03 10:00. Present: Anna Holm, Lene Lund. "
        "Absent: Mette Jensen."
    )
    assert texts[1:] == [
        "Since last time: Ida sleeps better",
        "New agreements: Effort: Breakfast at home (responsible: Lene Lund; evaluated 2027-01-15)",
        "New agreements: Goal: Ida is rested in the morning",
        "New agreements: Agreement: Mother calls the doctor",
    ]
    made = efforts.list_efforts(world.store, anna, log.id)
    assert [(e.what, e.responsible, e.evaluate_on) for e in made] == [
        ("Breakfast at home", "Lene Lund", date(2027, 1, 15))
    ]
    assert [g.text for g in efforts.list_goals(world.store, anna, log.id)] == [
        "Ida is rested in the morning"
    ]
    with pytest.raises(RuleViolation):
        minutes.finish_minutes(world.store, anna, meeting.id, version=done.version)


@pytest.mark.rule("R11")
def test_a_notification_meeting_records_the_family_departments_assessment(world):
    anna = world.ref("anna")
    log, meeting = meeting_with_actor(world, kind="notification")
    with pytest.raises(InvalidInput):
        minutes.finish_minutes(world.store, anna, meeting.id, version=meeting.version)
    minutes.save_note(
        world.store,
        anna,
        meeting.id,
        text="The family department opens a case",
        agenda_item_id=meeting.agenda[2].id,
        kind="outcome",
    )
    current = meetings.get_meeting(world.store, anna, meeting.id)
    done = minutes.finish_minutes(world.store, anna, meeting.id, version=current.version)
    assert done.outcome == "The family department opens a case"
    other = meetings.schedule(
        world.store, anna, log.id, kind="dialogue", starts_at=WHEN + timedelta(days=7)
    )
    with pytest.raises(InvalidInput):  # only a notification meeting has an assessment
        minutes.save_note(world.store, anna, other.id, text="x", kind="outcome")


@pytest.mark.rule("R7")
def test_only_the_holder_drafts_and_a_cancelled_meeting_has_no_minutes(world):
    log, meeting = meeting_with_actor(world)
    with pytest.raises(NotAllowed):
        minutes.save_note(world.store, world.ref("lene"), meeting.id, text="mine")
    meetings.cancel(
        world.store, world.ref("anna"), meeting.id, version=meeting.version, reason="Ill"
    )
    with pytest.raises(RuleViolation):
        minutes.save_note(world.store, world.ref("anna"), meeting.id, text="late")


@pytest.mark.rule("R13")
def test_a_conflict_names_the_person_and_the_time_but_not_the_other_log(world):
    anna = world.ref("anna")
    _, first = meeting_with_actor(world)
    lene = world.ref("lene").id
    found = staff_calendar.conflicts(
        world.store,
        anna,
        starts_at=WHEN + timedelta(minutes=30),
        duration_minutes=60,
        staff_ids=(anna.id, lene),
    )
    assert [(c.staff_name, c.meeting_id) for c in found] == [
        ("Anna Holm", first.id),
        ("Lene Lund", first.id),
    ]
    assert not hasattr(found[0], "subject_name")
    # Back to back is no conflict; the meeting itself is left out when it moves.
    assert (
        staff_calendar.conflicts(
            world.store,
            anna,
            starts_at=WHEN + timedelta(hours=1),
            duration_minutes=30,
            staff_ids=(anna.id,),
        )
        == []
    )
    assert (
        staff_calendar.conflicts(
            world.store,
            anna,
            starts_at=WHEN - timedelta(minutes=30),
            duration_minutes=30,
            staff_ids=(anna.id,),
        )
        == []
    )
    assert (
        staff_calendar.conflicts(
            world.store,
            anna,
            starts_at=WHEN,
            duration_minutes=60,
            staff_ids=(anna.id,),
            exclude_meeting_id=first.id,
        )
        == []
    )
    # A cancelled meeting is no conflict.
    meetings.cancel(world.store, anna, first.id, version=first.version, reason="Ill")
    assert (
        staff_calendar.conflicts(
            world.store, anna, starts_at=WHEN, duration_minutes=60, staff_ids=(lene,)
        )
        == []
    )


@pytest.mark.rule("R13")
def test_moving_keeps_the_reason(world):
    anna = world.ref("anna")
    _, meeting = meeting_with_actor(world)
    moved = meetings.reschedule(
        world.store,
        anna,
        meeting.id,
        version=meeting.version,
        starts_at=WHEN + timedelta(days=1),
        duration_minutes=45,
        reason="Mother works",
        place="https://video.example/abc",
    )
    assert (moved.moved_reason, moved.duration_minutes, moved.place) == (
        "Mother works",
        45,
        "https://video.example/abc",
    )


@pytest.mark.rule("R13")
def test_the_ics_invitation_parses_back_field_by_field(world):
    anna = world.ref("anna")
    log, meeting = meeting_with_actor(world, guests=(GuestInput("Fie Falk", "social worker"),))
    data = invitations.ics(world.store, anna, meeting.id)
    calendar = Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == WHEN
    assert str(event["dtstart"].dt.tzinfo) == "Europe/Copenhagen"
    assert event.decoded("dtend") == WHEN + timedelta(hours=1)
    assert str(event["location"]) == "Room 2"
    assert str(event["summary"]) == "Dialogue meeting (I.J.)"  # initials only: calendars travel
    assert "Ida" not in data.decode()
    attendees = event.get("attendee")
    # Fie Falk has no address: the letter names her; the .ics gives her no made-up one (issue 16).
    assert [str(a.params["cn"]) for a in attendees] == ["Anna Holm", "Lene Lund"]
    assert [str(a) for a in attendees] == [
        "mailto:anna@example.invalid",
        "mailto:lene@example.invalid",
    ]
    assert str(event["organizer"]) == "mailto:anna@example.invalid"
    description = str(event["description"]).splitlines()
    assert description == ["Agenda:"] + [
        f"{n}. {a.title}" for n, a in enumerate(meeting.agenda, start=1)
    ]
    assert str(event["uid"]).startswith(f"relaytui-meeting-{meeting.id}@")
    assert calendar.walk("VTIMEZONE")  # the time zone travels with the file


@pytest.mark.rule("R9")
def test_the_invitation_is_the_holders_and_every_export_is_audited(world):
    anna = world.ref("anna")
    log, meeting = meeting_with_actor(world)
    with pytest.raises(NotAllowed):
        invitations.letter(world.store, world.ref("lene"), meeting.id)
    with pytest.raises(NotAllowed):
        invitations.ics(world.store, world.ref("admin"), meeting.id)
    text = invitations.letter(world.store, anna, meeting.id)
    assert "Invitation to a dialogue meeting about Ida Jensen" in text
    assert "Room 2" in text and "10:00–11:00" in text and "Thursday" in text
    assert "1. Since last time" in text and "- Lene Lund (daycare leader)" in text
    with world.store.session() as session:
        exported = session.exec(
            select(AuditEvent).where(AuditEvent.action == "invitation_exported")
        ).all()
    assert [(e.staff_id, e.log_id) for e in exported] == [(anna.id, log.id)]


@pytest.mark.rule("R10")
def test_closing_a_log_cancels_its_planned_meetings_with_the_reason(world):
    anna = world.ref("anna")
    log, meeting = meeting_with_actor(world)
    log_closing.close_log(
        world.store, anna, log.id, basis="colleagues", reason="Fine now", consultation="Bo agreed"
    )
    with world.store.session() as session:
        from relaytui.models import Meeting

        row = session.get(Meeting, meeting.id)
        assert (row.status, row.cancel_reason) == ("cancelled", "The relay log was closed.")
    # The planner shows nothing of a closed log.
    assert staff_calendar.my_meetings(world.store, anna, start=WHEN - timedelta(days=1)) == []


@pytest.mark.rule("R13")
def test_guardians_are_invited_with_their_address_and_every_invitee_is_in_the_letter(world):
    """Issue 16: the log's guardians are offered and invited as such, with their recorded
    address; the letter lists everyone with their address; the .ics has no made-up address."""
    from relaytui.models import Guardian

    anna = world.ref("anna")
    mette = world.guardians["Mette Jensen"]
    with world.store.session(write=True) as session:
        row = session.get(Guardian, mette)
        row.email = "mette@example.invalid"
        session.add(row)
    log = new_log(world)
    offered = meetings.invitable(world.store, anna, log.id)
    assert [(p.kind, p.name, p.email) for p in offered if p.kind == "guardian"] == [
        ("guardian", "Mette Jensen", "mette@example.invalid"),
        ("guardian", "Peter Jensen", ""),
    ]
    assert all(p.id != anna.id for p in offered if p.kind == "staff")  # not the holder herself
    meeting = meetings.schedule(
        world.store,
        anna,
        log.id,
        kind="dialogue",
        starts_at=WHEN,
        place="Room 2",
        guardian_ids=(mette, world.guardians["Peter Jensen"]),
        guests=(
            GuestInput("Fie Falk", "social worker", "fie@example.invalid"),
            GuestInput("Ole Olsen", "uncle"),
        ),
    )
    assert [(i.name, i.role, i.guardian_id, i.email) for i in meeting.invitees] == [
        ("Anna Holm", "holder", None, ""),
        ("Mette Jensen", "parent", mette, "mette@example.invalid"),
        ("Peter Jensen", "parent", world.guardians["Peter Jensen"], ""),
        ("Fie Falk", "social worker", None, "fie@example.invalid"),
        ("Ole Olsen", "uncle", None, ""),
    ]
    text = invitations.letter(world.store, anna, meeting.id)
    assert "- Mette Jensen (parent), mette@example.invalid" in text
    assert "- Peter Jensen (parent)\n" in text and "- Ole Olsen (uncle)\n" in text
    assert "- Fie Falk (social worker), fie@example.invalid" in text
    event = Calendar.from_ical(invitations.ics(world.store, anna, meeting.id)).walk("VEVENT")[0]
    attendees = event.get("attendee")
    assert [(str(a.params["cn"]), str(a)) for a in attendees] == [
        ("Anna Holm", "mailto:anna@example.invalid"),
        ("Mette Jensen", "mailto:mette@example.invalid"),
        ("Fie Falk", "mailto:fie@example.invalid"),
    ]
    assert "invalid:" not in invitations.ics(world.store, anna, meeting.id).decode()


@pytest.mark.rule("R13")
def test_a_guardian_of_another_subject_or_a_bad_address_is_refused(world):
    anna = world.ref("anna")
    log = new_log(world)
    with pytest.raises(InvalidInput):
        meetings.schedule(
            world.store,
            anna,
            log.id,
            kind="dialogue",
            starts_at=WHEN,
            guests=(GuestInput("Fie Falk", "", "not an address"),),
        )
    with world.store.session(write=True) as session:
        from relaytui.models import Guardian, Subject

        other = Subject(national_number="0101011234", name="Other Child")
        session.add(other)
        session.flush()
        stranger = Guardian(subject_id=other.id, name="Stranger")
        session.add(stranger)
        session.flush()
        stranger_id = stranger.id
    with pytest.raises(Exception) as refused:
        meetings.schedule(
            world.store, anna, log.id, kind="dialogue", starts_at=WHEN, guardian_ids=(stranger_id,)
        )
    assert "guardian" in str(refused.value)
    assert meetings.list_meetings(world.store, anna, log.id) == []


@pytest.mark.rule("R13")
def test_the_ics_description_has_the_subjects_initials_not_the_name_typed_in_the_agenda(world):
    anna = world.ref("anna")
    log = new_log(world)
    meeting = meetings.schedule(
        world.store,
        anna,
        log.id,
        kind="dialogue",
        starts_at=WHEN,
        agenda=(
            "Ida's own view",
            "How IDA JENSEN sleeps",
            "Talk with the Jensen family",
            "Idaho trip",
        ),
    )
    data = invitations.ics(world.store, anna, meeting.id).decode()
    description = str(Calendar.from_ical(data).walk("VEVENT")[0]["description"]).splitlines()
    assert description == [
        "Agenda:",
        "1. I.J.'s own view",
        "2. How I.J. sleeps",
        "3. Talk with the I.J. family",
        "4. Idaho trip",
    ]
    assert "Ida " not in data and "Jensen" not in data
    assert "Ida Jensen" in invitations.letter(
        world.store, anna, meeting.id
    )  # the letter keeps the full name
