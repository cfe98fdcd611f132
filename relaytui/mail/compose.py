"""What a notice's mail says, in the recipient's language: the subject, the body, and for an
invitation to a meeting an iCalendar file.

:func:`read_facts` reads, for one notice, only what a mail may carry: the log's number, staff
names and how to reach them, a meeting's time, kind and place, an evaluation's date. The child's
name is read once, only to leave out a meeting place that mentions it, and goes no further.
:func:`compose` writes the mail from those facts and is pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from relaytui.i18n import N_, _, speaking
from relaytui.i18n.formats import date_text, long_date_text, time_text
from relaytui.models import Effort, Handover, Meeting, Notice, RelayLog, Staff, Subject, Unit
from relaytui.services import installation

MEETING_KINDS = {
    "dialogue": N_("dialogue meeting"),
    "notification": N_("notification meeting"),
    "evaluation": N_("evaluation meeting"),
}
PRODID = "-//relaytui//relay log notices//EN"


@dataclass(frozen=True)
class Links:
    """Where a mail points: staff to the server's public address, the family to the family
    view. ``None``: the mail gives no link."""

    staff: str | None = None
    family: str | None = None


@dataclass(frozen=True)
class MeetingFacts:
    id: int
    kind: str
    starts_at: datetime
    duration_minutes: int
    #: "" when the place typed mentions the child (it is then not in the mail).
    place: str
    version: int
    convener: str
    convener_email: str


@dataclass(frozen=True)
class Facts:
    """All a notice's mail may say."""

    notice_id: int
    kind: str
    language: str
    address: str
    created_at: datetime
    log_id: int
    timezone: str
    municipality: str
    national_login: str
    #: The log's holder (the family's contact): name, unit, phone, address.
    holder: str
    holder_unit: str
    holder_phone: str
    holder_email: str
    #: The other person of a handover: who proposed it, or who answered.
    other: str = ""
    detail: str = ""
    evaluate_on: date | None = None
    meeting: MeetingFacts | None = None


def mentions(text: str, name: str, number: str = "") -> bool:
    """Does ``text`` name the child (a part of the name, as a word) or carry the number?"""
    parts = [re.escape(part) for part in name.split() if len(part) > 1]
    if parts and re.search(rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)", text, re.IGNORECASE):
        return True
    return bool(number) and number in re.sub(r"\D", "", text)


def read_facts(session: Session, notice: Notice) -> Facts:
    """What the mail of ``notice`` may say, read in the delivering session."""
    inst = installation.read_in(session)
    log = session.get_one(RelayLog, notice.log_id)
    holder = session.get_one(Staff, log.holder_id)
    unit = session.get(Unit, holder.unit_id) if holder.unit_id else None
    other = ""
    if notice.handover_id is not None:
        handover = session.get_one(Handover, notice.handover_id)
        other_id = handover.from_staff_id if notice.kind == "handover_waiting" else None
        other = session.get_one(Staff, other_id or handover.to_staff_id).full_name
    evaluate_on = None
    if notice.once_key and notice.kind == "evaluation_due":
        evaluate_on = date.fromisoformat(notice.once_key.rsplit(":", 1)[1])
    elif notice.effort_id is not None:
        evaluate_on = session.get_one(Effort, notice.effort_id).evaluate_on
    meeting = None
    if notice.meeting_id is not None:
        row = session.get_one(Meeting, notice.meeting_id)
        subject = session.get_one(Subject, log.subject_id)
        convener = session.get(Staff, row.convened_by)
        meeting = MeetingFacts(
            id=row.id or 0,
            kind=row.kind,
            starts_at=row.starts_at,
            duration_minutes=row.duration_minutes,
            place="" if mentions(row.place, subject.name, subject.national_number) else row.place,
            version=row.version,
            convener=convener.full_name if convener else "",
            convener_email=(convener.email or "").strip() if convener else "",
        )
    return Facts(
        notice_id=notice.id or 0,
        kind=notice.kind,
        language=notice.language,
        address=notice.address,
        created_at=notice.created_at,
        log_id=log.id or 0,
        timezone=inst.timezone,
        municipality=inst.municipality,
        national_login=inst.country.national_login,
        holder=holder.full_name,
        holder_unit=unit.name if unit else "",
        holder_phone=holder.phone or (unit.phone if unit else ""),
        holder_email=holder.email or "",
        other=other,
        detail=notice.detail,
        evaluate_on=evaluate_on,
        meeting=meeting,
    )


def message_id(facts: Facts, sender: str) -> str:
    """The same for every attempt at one notice, so that a mail system can drop a second copy."""
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "relaytui.invalid"
    stamp = int(facts.created_at.timestamp() * 1_000_000)
    return f"<relaytui-notice-{facts.notice_id}.{stamp}@{domain}>"


def compose(facts: Facts, links: Links, sender: str) -> EmailMessage:
    """The mail of one notice, in its recipient's language."""
    with speaking(facts.language) as spoken:
        subject, lines = _WRITERS[facts.kind](facts)
        family = facts.kind.startswith("family_")
        link = links.family if family else links.staff
        if link:
            lines += ["", _("Log in to read more: {link}").format(link=link)]
        lines += ["", "-- ", _footer(facts, family)]
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = sender
        message["To"] = facts.address
        message["Date"] = format_datetime(facts.created_at)
        message["Message-ID"] = message_id(facts, sender)
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no automatic replies
        # Quoted-printable rather than base64: what a mail says can be read in its raw form.
        message.set_content("\n".join(lines) + "\n", cte="quoted-printable")
        if facts.kind == "meeting_invitation" and facts.meeting is not None:
            method = "REQUEST" if facts.meeting.convener_email else "PUBLISH"
            calendar = ics(facts, links)
            message.add_attachment(
                # As text, so that the part says charset=utf-8 (a calendar reads "Møde" right).
                calendar.decode("utf-8") if isinstance(calendar, bytes) else calendar,
                subtype="calendar",
                filename="meeting.ics",
                params={"method": method},
                cte="quoted-printable",
            )
        message["Content-Language"] = spoken  # after the content, which would drop it
    return message


def _footer(facts: Facts, family: bool) -> str:
    where = facts.municipality or "relaytui"
    if family:
        return _(
            "An automatic message from {where}. It says nothing about your child on purpose; "
            "everything is in the relay log."
        ).format(where=where)
    if not facts.municipality:
        return _(
            "An automatic message from relaytui. Do not answer it with anything about the child."
        )
    return _(
        "An automatic message from relaytui, {where}. Do not answer it with anything about "
        "the child."
    ).format(where=where)


def _when(facts: Facts) -> str:
    assert facts.meeting is not None
    local = facts.meeting.starts_at.astimezone(ZoneInfo(facts.timezone))
    ends = local + timedelta(minutes=facts.meeting.duration_minutes)
    return f"{long_date_text(local.date())}, {time_text(local)}–{time_text(ends)}"


def _meeting_kind(facts: Facts) -> str:
    assert facts.meeting is not None
    return _(MEETING_KINDS.get(facts.meeting.kind, MEETING_KINDS["dialogue"]))


def _contact(facts: Facts) -> str:
    reach = ", ".join(p for p in (facts.holder_phone, facts.holder_email) if p)
    who = ", ".join(p for p in (facts.holder, facts.holder_unit) if p)
    return _("Your contact: {who} ({reach}).").format(who=who, reach=reach) if reach else who


def _actor_added(f: Facts) -> tuple[str, list[str]]:
    return (
        _("You read along in relay log {number}").format(number=f.log_id),
        [
            _("You were added as an actor of relay log {number}, held by {holder}.").format(
                number=f.log_id, holder=f.holder
            ),
            _("You find it in relaytui under its number."),
        ],
    )


def _handover_waiting(f: Facts) -> tuple[str, list[str]]:
    return (
        _("You have a handover waiting in relaytui (relay log {number})").format(number=f.log_id),
        [
            _("{name} asks you to take over relay log {number} as its holder.").format(
                name=f.other, number=f.log_id
            ),
            _("Accept or decline it in relaytui; until you accept, {name} holds the log.").format(
                name=f.other
            ),
        ],
    )


def _handover_accepted(f: Facts) -> tuple[str, list[str]]:
    return (
        _("Your handover of relay log {number} was accepted").format(number=f.log_id),
        [
            _("{name} accepted and now holds relay log {number}.").format(
                name=f.other, number=f.log_id
            )
        ],
    )


def _handover_declined(f: Facts) -> tuple[str, list[str]]:
    lines = [
        _("{name} declined to take over relay log {number}. You still hold it.").format(
            name=f.other, number=f.log_id
        )
    ]
    if f.detail:
        lines += ["", _("The reason given:"), f.detail]
    return _("Your handover of relay log {number} was declined").format(number=f.log_id), lines


def _evaluation_due(f: Facts) -> tuple[str, list[str]]:
    what = _("A goal") if f.detail == "goal" else _("An effort")
    return (
        _("An evaluation is due in relay log {number}").format(number=f.log_id),
        [
            _("{what} in relay log {number} is to be evaluated by {date}.").format(
                what=what, number=f.log_id, date=date_text(f.evaluate_on)
            )
        ],
    )


def _meeting_invitation(f: Facts) -> tuple[str, list[str]]:
    assert f.meeting is not None
    place = f.meeting.place or _("see the meeting in relaytui")
    return (
        _("Invitation: {kind}, relay log {number}").format(kind=_meeting_kind(f), number=f.log_id),
        [
            _("{name} invites you to a {kind} in relay log {number}.").format(
                name=f.meeting.convener, kind=_meeting_kind(f), number=f.log_id
            ),
            _("When: {when}").format(when=_when(f)),
            _("Where: {place}").format(place=place),
            _("The agenda is with the meeting in relaytui. The calendar entry is attached."),
        ],
    )


def _minutes_finished(f: Facts) -> tuple[str, list[str]]:
    assert f.meeting is not None
    return (
        _("The minutes are finished (relay log {number})").format(number=f.log_id),
        [
            _("The minutes of the {kind} of {when} in relay log {number} are finished.").format(
                kind=_meeting_kind(f), when=_when(f), number=f.log_id
            )
        ],
    )


def _ended_by_family(f: Facts) -> tuple[str, list[str]]:
    return (
        _("The guardians ended relay log {number}").format(number=f.log_id),
        [
            _(
                "The guardians ended relay log {number} in the family view. It is closed; the "
                "planned meetings are cancelled."
            ).format(number=f.log_id),
            _("Their reason, if they gave one, is with the log in relaytui."),
        ],
    )


def _transition_answered(f: Facts) -> tuple[str, list[str]]:
    said = (
        _("The family accepted that relay log {number} passes to a new unit.")
        if f.detail == "accepted"
        else _("The family declined that relay log {number} passes to a new unit.")
    )
    return (
        _("The family answered about relay log {number}").format(number=f.log_id),
        [said.format(number=f.log_id), _("You find the answer under Actors and consent.")],
    )


def _family_log_created(f: Facts) -> tuple[str, list[str]]:
    return (
        _("A relay log was started for your child"),
        [
            _(
                "{holder} has started a relay log (number {number}) to work together with you "
                "and other professionals for your child's well-being."
            ).format(holder=f.holder, number=f.log_id),
            _("You can read the log on the web: log in with {login} at the address below.").format(
                login=f.national_login
            ),
            _contact(f),
        ],
    )


def _family_meeting_planned(f: Facts) -> tuple[str, list[str]]:
    assert f.meeting is not None
    lines = [
        _("A {kind} is planned in your child's relay log (number {number}).").format(
            kind=_meeting_kind(f), number=f.log_id
        ),
        _("When: {when}").format(when=_when(f)),
    ]
    if f.meeting.place:
        lines.append(_("Where: {place}").format(place=f.meeting.place))
    lines.append(_contact(f))
    return _("A meeting about your child is planned"), lines


_WRITERS = {
    "actor_added": _actor_added,
    "handover_waiting": _handover_waiting,
    "handover_accepted": _handover_accepted,
    "handover_declined": _handover_declined,
    "evaluation_due": _evaluation_due,
    "meeting_invitation": _meeting_invitation,
    "minutes_finished": _minutes_finished,
    "ended_by_family": _ended_by_family,
    "transition_answered": _transition_answered,
    "family_log_created": _family_log_created,
    "family_meeting_planned": _family_meeting_planned,
}


def ics(facts: Facts, links: Links) -> bytes:
    """The meeting as a calendar entry (RFC 5545) that names only the log's number: no
    initials, no agenda (it is typed about the child). The same UID as the invitation the
    holder exports (relaytui.services.invitations), so a calendar keeps one entry."""
    from icalendar import Calendar, Event, vCalAddress, vText

    meeting = facts.meeting
    assert meeting is not None
    starts = meeting.starts_at.astimezone(ZoneInfo(facts.timezone))
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST" if meeting.convener_email else "PUBLISH")
    event = Event()
    domain = "".join(ch for ch in facts.municipality.lower() if ch.isalnum()) or "local"
    event.add("uid", f"relaytui-meeting-{meeting.id}@{domain}.relaytui")
    event.add("dtstamp", facts.created_at)
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=meeting.duration_minutes))
    event.add("sequence", meeting.version - 1)
    event.add("summary", _("Meeting, relay log {number}").format(number=facts.log_id))
    if meeting.place:
        event.add("location", meeting.place)
    if links.staff:
        event.add("description", _("The agenda is in relaytui: {link}").format(link=links.staff))
    event.add("status", "CONFIRMED")
    if meeting.convener_email:
        organizer = vCalAddress(f"mailto:{meeting.convener_email}")
        organizer.params["cn"] = vText(meeting.convener)
        event.add("organizer", organizer)
        attendee = vCalAddress(f"mailto:{facts.address}")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
