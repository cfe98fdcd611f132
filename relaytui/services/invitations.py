"""The invitation to a meeting, with its agenda: an iCalendar file and a plain-text letter (R13).

Sending the agenda is the holder's task, so only the holder exports it, and each export is an
audited read of the log. A calendar entry often ends up in shared calendars and on phones, so
the .ics names the child by initials only; the letter, which the holder prints or pastes into
secure mail, carries the full name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import NotFound
from relaytui.i18n import N_, _
from relaytui.i18n.formats import long_date_text, time_text
from relaytui.models import Meeting, Staff, Unit
from relaytui.services import access, clock, installation
from relaytui.services.meetings import MeetingView, meeting_view

KIND_NAMES = {
    "dialogue": N_("Dialogue meeting"),
    "notification": N_("Notification meeting"),
    "evaluation": N_("Evaluation meeting"),
}
PRODID = "-//relaytui//relay log meetings//EN"


@dataclass(frozen=True)
class Invitation:
    """What both forms of the invitation say."""

    meeting: MeetingView
    municipality: str
    timezone: str
    convener: str
    convener_profession: str
    convener_unit: str
    convener_email: str
    convener_phone: str
    invitee_emails: dict[int, str]


def read_invitation(store: Store, by: access.StaffRef, meeting_id: int) -> Invitation:
    """What an invitation says (the meeting, its convener, the addresses), read by the holder
    only and audited as exported; the agenda counts as sent from then on (R13)."""
    with store.session(write=True) as session:
        meeting = session.get(Meeting, meeting_id)
        if meeting is None:
            raise NotFound(_("There is no such meeting."))
        staff, log = access.log_for_write(session, by, meeting.log_id, what="invitation")
        view = meeting_view(session, meeting, with_notes=False)
        convener = session.get(Staff, meeting.convened_by) or staff
        unit = session.get(Unit, convener.unit_id) if convener.unit_id else None
        emails = _emails(session, view)
        if meeting.agenda_sent_at is None and meeting.status == "planned":
            meeting.agenda_sent_at = clock.now()
            session.add(meeting)
        access.write_audit(
            session, staff, by, "invitation_exported", log=log, detail=f"meeting {meeting.id}"
        )
        tz = installation.timezone_of(session)
        municipality = installation.read_in(session).municipality
        return Invitation(
            view,
            municipality,
            tz,
            convener.full_name,
            convener.profession,
            unit.name if unit else "",
            convener.email,
            convener.phone,
            emails,
        )


def _emails(session: Session, view: MeetingView) -> dict[int, str]:
    """Each invitee's address, if there is one: staff at their own (read in one statement
    whatever the number invited), a guardian or a guest at the one recorded with them."""
    staff_ids = {invitee.staff_id for invitee in view.invitees if invitee.staff_id is not None}
    addresses = (
        dict(
            session.exec(
                select(Staff.id, Staff.email).where(
                    col(Staff.id).in_(staff_ids), col(Staff.email).is_not(None)
                )
            ).all()
        )
        if staff_ids
        else {}
    )
    found = {}
    for invitee in view.invitees:
        email = addresses.get(invitee.staff_id) if invitee.staff_id is not None else invitee.email
        if email and email.strip():
            found[invitee.id] = email.strip()
    return found


def initials(name: str) -> str:
    return ".".join(part[0].upper() for part in name.split() if part) + "." if name.strip() else ""


def initials_in(text: str, name: str) -> str:
    """``text`` with the subject's name, whole or any part of it ("Ida", "Jensen", "Ida's"),
    written as the initials the summary uses: an agenda item typed with the child's name
    must not carry it into shared calendars."""
    parts = [part for part in name.split() if len(part) > 1]
    if not parts:
        return text
    short = initials(name)
    whole = r"\s+".join(re.escape(part) for part in name.split())
    words = "|".join(re.escape(part) for part in sorted(parts, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{whole}|{words})(?!\w)", re.IGNORECASE)
    return pattern.sub(short, text)


def ics(store: Store, by: access.StaffRef, meeting_id: int) -> bytes:
    """The invitation as an iCalendar file (RFC 5545): time, place, invitees and agenda."""
    from icalendar import Calendar, Event, vCalAddress, vText

    inv = read_invitation(store, by, meeting_id)
    meeting = inv.meeting
    tz = ZoneInfo(inv.timezone)
    starts = meeting.starts_at.astimezone(tz)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if inv.convener_email:
        # A scheduling message needs an organizer to answer to (RFC 5546); without an
        # address the file is a plain calendar entry rather than one with a made-up address.
        calendar.add("method", "CANCEL" if meeting.status == "cancelled" else "REQUEST")
    event = Event()
    event.add("uid", f"relaytui-meeting-{meeting.id}@{_domain(inv.municipality)}")
    event.add("dtstamp", clock.now())
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=meeting.duration_minutes))
    event.add("sequence", meeting.version - 1)
    event.add(
        "summary",
        f"{_(KIND_NAMES.get(meeting.kind, meeting.kind))} ({initials(meeting.subject_name)})",
    )
    if meeting.place:
        event.add("location", meeting.place)
        if meeting.place.startswith(("http://", "https://")):
            event.add("url", meeting.place)
    event.add("description", initials_in(agenda_text(meeting), meeting.subject_name))
    event.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
    if inv.convener_email:
        organizer = vCalAddress(f"mailto:{inv.convener_email}")
        organizer.params["cn"] = vText(inv.convener)
        event.add("organizer", organizer)
    for invitee in meeting.invitees:
        email = inv.invitee_emails.get(invitee.id)
        if not email:
            # An ATTENDEE's value is a calendar address (RFC 5545 3.8.4.1: cal-address = uri);
            # there is none to give, and a made-up one would be mailed. The letter names them.
            continue
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = vText(invitee.name)
        attendee.params["role"] = vText(
            "CHAIR"
            if invitee.staff_id is not None and invitee.name == inv.convener
            else "REQ-PARTICIPANT"
        )
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _domain(municipality: str) -> str:
    word = "".join(ch for ch in municipality.lower() if ch.isalnum()) or "local"
    return f"{word}.relaytui"


def agenda_text(meeting: MeetingView) -> str:
    lines = [_("Agenda:")]
    lines += [f"{number}. {item.title}" for number, item in enumerate(meeting.agenda, start=1)]
    return "\n".join(lines)


def _when(meeting: MeetingView, tz: str) -> str:
    local = clock.local(meeting.starts_at, tz)
    ends = local + timedelta(minutes=meeting.duration_minutes)
    return f"{long_date_text(local.date())}, {time_text(local)}–{time_text(ends)}"


def letter(store: Store, by: access.StaffRef, meeting_id: int) -> str:
    """The invitation as plain text, to print or to paste into a (secure) message."""
    inv = read_invitation(store, by, meeting_id)
    meeting = inv.meeting
    kind = _(KIND_NAMES.get(meeting.kind, meeting.kind)).lower()
    reach = ", ".join(part for part in (inv.convener_phone, inv.convener_email) if part)
    convener = ", ".join(
        part for part in (inv.convener, inv.convener_profession, inv.convener_unit) if part
    )
    lines = (
        [inv.municipality, inv.convener_unit, ""] if inv.convener_unit else [inv.municipality, ""]
    )
    if meeting.status == "cancelled":
        lines.append(_("CANCELLED: {reason}").format(reason=meeting.cancel_reason or ""))
        lines.append("")
    lines += [
        _("Invitation to a {kind} about {name}").format(kind=kind, name=meeting.subject_name),
        "",
        _("When: {when}").format(when=_when(meeting, inv.timezone)),
        _("Where: {place}").format(place=meeting.place or _("to be agreed")),
        _("Convened by: {who}").format(who=convener),
        "",
        _("Invited:"),
    ]
    lines += [
        invitee_line(invitee, inv.invitee_emails.get(invitee.id, ""))
        for invitee in meeting.invitees
    ]
    lines += ["", agenda_text(meeting), ""]
    if reach:
        lines.append(
            _("If you cannot come, please tell {who} ({reach}).").format(
                who=inv.convener, reach=reach
            )
        )
    else:
        lines.append(_("If you cannot come, please tell {who}.").format(who=inv.convener))
    lines.append("")
    return "\n".join(lines)


def invitee_line(invitee, email: str) -> str:
    """ "- Karen Jensen (mother), karen@example.dk": one invitee of the letter."""
    line = f"- {invitee.name}" + (f" ({invitee.role})" if invitee.role else "")
    return f"{line}, {email}" if email else line


def default_path(meeting: MeetingView, suffix: str, tz: str = "UTC") -> Path:
    """Where an exported invitation goes: the user's documents folder, named by date and kind."""
    from platformdirs import user_documents_dir

    local = clock.local(meeting.starts_at, tz) or datetime.now()
    name = f"relaytui-meeting-{meeting.id}-{local:%Y-%m-%d}.{suffix.lstrip('.')}"
    return Path(user_documents_dir()) / name
