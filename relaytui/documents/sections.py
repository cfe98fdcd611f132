"""The parts several papers share: the words for codes, the frame around a paper, the subject and
the holder, entries, efforts and goals, and who came to a meeting.

:mod:`.content` puts them together into each paper; the words are chosen here once so that the
papers say the same thing the same way.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from relaytui.documents.blocks import Block, Document, Fields, Paragraph, Table
from relaytui.i18n import N_, _
from relaytui.i18n.formats import date_text, local_date, local_date_time, long_date_text, time_text
from relaytui.profiles import Profile
from relaytui.services import clock
from relaytui.services.papers import AboutSubject, Letterhead, PaperEntry, Person

SUBJECT_HEADINGS = {
    "child": N_("The child"),
    "youth": N_("The young person"),
    "pregnant": N_("The pregnant person"),
}
ROLES = {
    "holder": N_("holder"),
    "coordinator": N_("coordinator"),
    "leader": N_("leader"),
    "actor": N_("actor"),
    "guardian": N_("guardian"),
    "subject": N_("subject"),
    "other": N_("other"),
}
ENTRY_KINDS = {
    "note": N_("note"),
    "assessment": N_("assessment"),
    "agreement": N_("agreement"),
    "positive": N_("positive observation"),
    "minutes": N_("minutes"),
}
EFFORT_STATUS = {"active": N_("active"), "ended": N_("ended")}
GOAL_STATUS = {"active": N_("active"), "reached": N_("reached"), "dropped": N_("dropped")}
LOG_STATUS = {"active": N_("active"), "closed": N_("closed"), "plan": N_("individual plan")}
MEETING_STATUS = {"planned": N_("planned"), "held": N_("held"), "cancelled": N_("cancelled")}
NOTHING = "-"


def word(table: dict[str, str], code: str | None) -> str:
    if not code:
        return NOTHING
    return _(table[code]) if code in table else code


def frame(
    head: Letterhead,
    *,
    reference: str,
    title: str,
    subtitle: str,
    running: str,
    blocks: list[Block],
) -> Document:
    return Document(
        municipality=head.municipality,
        unit=head.unit,
        date_line=_("Date: {date}").format(date=local_date(head.made_at, head.timezone)),
        reference=reference,
        title=title,
        subtitle=subtitle,
        running_title=running,
        footer_note=_("Confidential: contains personal data. Made by {name}.").format(
            name=head.made_by
        ),
        page_words=_("Page {page} of {pages}"),
        blocks=tuple(blocks),
    )


def log_reference(log_id: int) -> str:
    return _("Relay log no. {number}").format(number=log_id)


def how_to_reach(person: Person) -> str:
    return ", ".join(part for part in (person.phone, person.email) if part) or NOTHING


def subject_fields(subject: AboutSubject) -> Fields:
    return Fields(
        (
            (_("Name"), subject.name),
            (_("National number"), subject.national_number_masked),
            (_("Date of birth"), date_text(subject.birth_date, NOTHING)),
        )
    )


def holder_fields(holder: Person) -> Fields:
    return Fields(
        (
            (_("Name"), holder.name),
            (_("Profession"), holder.profession or NOTHING),
            (_("Unit"), holder.unit or NOTHING),
            (_("Phone"), holder.phone or NOTHING),
            (_("E-mail"), holder.email or NOTHING),
        )
    )


def level_line(country: Profile, level: int) -> str:
    return _("Level {level}: {meaning}").format(level=level, meaning=country.level_meaning(level))


def meeting_time(starts_at: datetime, minutes: int, tz: str) -> str:
    local = clock.local(starts_at, tz)
    return f"{long_date_text(local.date())}, {time_text(local)}–{time_text(local + timedelta(minutes=minutes))}"


def entry_blocks(entries: tuple[PaperEntry, ...], tz: str) -> list[Block]:
    """The entries, oldest first; the author is named once for each run of lines they wrote."""
    blocks: list[Block] = []
    previous = None
    for entry in entries:
        author = entry.author if entry.author != previous else ""
        previous = entry.author
        meta = " · ".join(
            part
            for part in (
                local_date_time(entry.written_at, tz),
                author,
                word(ENTRY_KINDS, entry.kind),
            )
            if part
        )
        blocks.append(Paragraph(meta, style="strong"))
        if entry.corrects_written_at is not None:
            blocks.append(
                Paragraph(
                    _("This corrects the entry of {when}.").format(
                        when=local_date_time(entry.corrects_written_at, tz)
                    ),
                    style="small",
                )
            )
        blocks.append(Paragraph(entry.text))
    return blocks


def people_table(people: tuple[Person, ...]) -> Table:
    return Table(
        (_("Name"), _("Profession"), _("Unit"), _("Role")),
        tuple(
            (p.name, p.profession or NOTHING, p.unit or NOTHING, word(ROLES, p.role))
            for p in people
        ),
        (30, 25, 30, 15),
    )


def efforts_table(rows, tz: str) -> Table:
    lines = []
    for effort in rows:
        what = effort.what
        for evaluation in effort.evaluations:
            what += "\n" + _("Evaluated {date}: {text}").format(
                date=local_date(evaluation.at, tz), text=evaluation.text
            )
        lines.append(
            (
                what,
                effort.responsible or NOTHING,
                date_text(effort.starts_on),
                date_text(effort.evaluate_on),
                word(EFFORT_STATUS, effort.status),
            )
        )
    return Table(
        (_("What is done"), _("Who"), _("From"), _("Evaluated by"), _("Status")),
        tuple(lines),
        (42, 20, 13, 14, 11),
    )


def goals_table(rows, tz: str) -> Table:
    lines = []
    for goal in rows:
        text = goal.text
        for evaluation in goal.evaluations:
            text += "\n" + _("Evaluated {date}: {text}").format(
                date=local_date(evaluation.at, tz), text=evaluation.text
            )
        lines.append((text, date_text(goal.evaluate_on, NOTHING), word(GOAL_STATUS, goal.status)))
    return Table((_("Goal"), _("Evaluated by"), _("Status")), tuple(lines), (70, 16, 14))


def presence(attended: bool | None) -> str:
    return _("yes") if attended else (_("no") if attended is False else _("not recorded"))


def attendance(meeting) -> list[Block]:
    present = [i.name for i in meeting.invitees if i.attended]
    absent = [i.name for i in meeting.invitees if i.attended is False]
    rows = []
    if present:
        rows.append((_("Present"), ", ".join(present)))
    if absent:
        rows.append((_("Absent"), ", ".join(absent)))
    return [Fields(tuple(rows))] if rows else []
