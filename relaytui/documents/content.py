"""What each paper says, in the user's language and in plain words (R16), as blocks.

The data comes from :mod:`relaytui.services.papers` (already checked and audited); this module
only chooses the words, the order and the local date format. Text typed into the log is put in
as typed: the renderers make control characters visible.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from relaytui.documents.blocks import (
    BLANK,
    BOX,
    Block,
    Bullets,
    Document,
    Fields,
    Heading,
    Paragraph,
    Signatures,
    Signer,
    Table,
    Together,
)
from relaytui.i18n import N_, _, ngettext
from relaytui.i18n.formats import date_text, local_date, local_date_time, long_date_text, time_text
from relaytui.profiles import Profile
from relaytui.services import audit, clock
from relaytui.services.invitations import KIND_NAMES
from relaytui.services.papers import (
    AboutSubject,
    AccessReport,
    ConsentForm,
    GuardianCopy,
    Letterhead,
    MeetingPaper,
    PaperEntry,
    Person,
)

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


def _word(table: dict[str, str], code: str | None) -> str:
    if not code:
        return NOTHING
    return _(table[code]) if code in table else code


def _frame(
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


def _log_reference(log_id: int) -> str:
    return _("Relay log no. {number}").format(number=log_id)


def _reach(person: Person) -> str:
    return ", ".join(part for part in (person.phone, person.email) if part) or NOTHING


def _subject_fields(subject: AboutSubject) -> Fields:
    return Fields(
        (
            (_("Name"), subject.name),
            (_("National number"), subject.national_number_masked),
            (_("Date of birth"), date_text(subject.birth_date, NOTHING)),
        )
    )


def _holder_fields(holder: Person) -> Fields:
    return Fields(
        (
            (_("Name"), holder.name),
            (_("Profession"), holder.profession or NOTHING),
            (_("Unit"), holder.unit or NOTHING),
            (_("Phone"), holder.phone or NOTHING),
            (_("E-mail"), holder.email or NOTHING),
        )
    )


def _level_line(country: Profile, level: int) -> str:
    return _("Level {level}: {meaning}").format(level=level, meaning=country.level_meaning(level))


# --- the consent form --------------------------------------------------------------------


def consent_form(paper: ConsentForm) -> Document:
    head, subject, holder = paper.head, paper.subject, paper.holder
    unit = holder.unit or head.unit or NOTHING
    blocks: list[Block] = [
        Paragraph(
            _(
                "{holder} at {unit} asks for your consent to keep a relay log about {name}, and to let "
                "the people named below read it. Read the form, tick what you agree to, and sign it."
            ).format(holder=holder.name, unit=unit, name=subject.name)
        ),
        Heading(_(SUBJECT_HEADINGS.get(subject.kind, SUBJECT_HEADINGS["child"]))),
        _subject_fields(subject),
        Heading(_("The holder")),
        _holder_fields(holder),
        Paragraph(
            _(
                "The holder is responsible for the relay log, coordinates the efforts and is your "
                "contact."
            )
        ),
        Heading(_("What a relay log is")),
        Paragraph(
            _(
                "A relay log is a shared log in which you and the professionals around {name} agree who "
                "does what and when. Only the holder writes in it. Only the people named in it can read "
                "it, and you can read it too. Every time someone reads it, this is recorded."
            ).format(name=subject.name)
        ),
        Paragraph(
            _("The log is now at level {level}: {meaning}.").format(
                level=paper.level, meaning=head.country.level_meaning(paper.level)
            )
        ),
    ]
    blocks += _data_protection(paper, unit)
    blocks += [
        Heading(_("How to withdraw your consent")),
        Paragraph(
            _(
                "You can withdraw your consent at any time, without giving a reason. Tell {holder} "
                "({reach}), orally or in writing. The people your consent covers then stop reading the "
                "log. What was written before stays in the log."
            ).format(holder=holder.name, reach=_reach(holder))
        ),
    ]
    if head.country.family_may_end:
        blocks.append(
            Paragraph(
                _(
                    "You can also end the relay log at any time. Tell {holder}, who records it "
                    "and closes the log."
                ).format(holder=holder.name)
            )
        )
    # What is signed and the signatures stand on one page (issue 16).
    signed: list[Block] = [
        Heading(_("What you consent to")),
        Bullets((_("That a relay log is kept about {name}.").format(name=subject.name),), mark=BOX),
    ]
    if paper.actors:
        signed.append(
            Paragraph(
                _(
                    "That these people read the log and take part in the efforts. Tick yes or no "
                    "for each person; add others by hand:"
                )
            )
        )
    else:
        signed.append(
            Paragraph(
                _(
                    "No one is proposed yet. The consent covers no one but the holder until a "
                    "name is written below and ticked yes; add names by hand:"
                )
            )
        )
    signed.append(
        Table(
            (_("Name"), _("Profession"), _("Unit"), _("Yes"), _("No")),
            tuple(
                (a.name, a.profession or NOTHING, a.unit or NOTHING, BOX, BOX) for a in paper.actors
            )
            + (("", "", "", BOX, BOX),) * (2 if paper.actors else 3),
            (34, 24, 30, 6, 6),
            centred=(3, 4),
        )
    )
    if paper.leader is not None:
        signed.append(
            Paragraph(
                _(
                    "{name}, the leader at {unit}, reads along without consent, so that what is known is not lost "
                    "when staff change jobs."
                ).format(name=paper.leader.name, unit=paper.leader.unit or unit),
                style="small",
            )
        )
    signed += [
        Fields(((_("Valid until"), BLANK + " " + _("(empty: until it is withdrawn)")),)),
        Heading(_("Signature") if len(paper.signers) == 1 else _("Signatures")),
    ]
    if paper.self_consent:
        signed.append(
            Paragraph(_("{name} gives this consent for themself.").format(name=subject.name))
        )
    signed.append(
        Signatures(
            tuple(Signer(s.name, s.relation) for s in paper.signers), _("Date"), _("Signature")
        )
    )
    blocks += [
        Together(tuple(signed)),
        Heading(_("For the workplace")),
        Paragraph(
            _(
                "Keep the signed form at {unit}. Record the consent in relaytui under Actors and consent, "
                "as given on a signed form, with the date it was signed."
            ).format(unit=unit),
            style="small",
        ),
        Fields(((_("Recorded in relaytui on"), BLANK), (_("By"), BLANK))),
    ]
    return _frame(
        head,
        reference=_log_reference(paper.log_id),
        title=_("Consent to a relay log"),
        subtitle=_("about {name}").format(name=subject.name),
        running=_("Consent to a relay log about {name}").format(name=subject.name),
        blocks=blocks,
    )


def _data_protection(paper: ConsentForm, unit: str) -> list[Block]:
    """Who is responsible for the data, how long it is kept, the right of access (GDPR art. 13)."""
    head, subject, holder = paper.head, paper.subject, paper.holder
    municipality = head.municipality or unit
    return [
        Heading(_("Your data and your rights")),
        Paragraph(
            _(
                "{municipality} is responsible for the personal data in the relay log (the data "
                "controller); {unit} keeps the log day to day."
            ).format(municipality=municipality, unit=unit)
        ),
        Paragraph(
            _(
                "When the relay log is closed, nothing more is written in it and it is never changed. It is "
                "kept after closing for as long as {municipality}'s rules on keeping records require. In "
                "that time nobody reads it without a time-limited permission from an administrator, and "
                "every such reading is recorded."
            ).format(municipality=municipality)
        ),
        Paragraph(
            _(
                "You have the right to see what is written about {name} and who has read it (GDPR article "
                "15). Ask {holder}."
            ).format(name=subject.name, holder=holder.name)
        ),
    ]


# --- the guardians' copy -----------------------------------------------------------------


def _when(starts_at: datetime, minutes: int, tz: str) -> str:
    local = clock.local(starts_at, tz)
    return f"{long_date_text(local.date())}, {time_text(local)}–{time_text(local + timedelta(minutes=minutes))}"


def _entry_blocks(entries: tuple[PaperEntry, ...], tz: str) -> list[Block]:
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
                _word(ENTRY_KINDS, entry.kind),
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


def _people_table(people: tuple[Person, ...]) -> Table:
    return Table(
        (_("Name"), _("Profession"), _("Unit"), _("Role")),
        tuple(
            (p.name, p.profession or NOTHING, p.unit or NOTHING, _word(ROLES, p.role))
            for p in people
        ),
        (30, 25, 30, 15),
    )


def _efforts_table(rows, tz: str) -> Table:
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
                _word(EFFORT_STATUS, effort.status),
            )
        )
    return Table(
        (_("What is done"), _("Who"), _("From"), _("Evaluated by"), _("Status")),
        tuple(lines),
        (42, 20, 13, 14, 11),
    )


def _goals_table(rows, tz: str) -> Table:
    lines = []
    for goal in rows:
        text = goal.text
        for evaluation in goal.evaluations:
            text += "\n" + _("Evaluated {date}: {text}").format(
                date=local_date(evaluation.at, tz), text=evaluation.text
            )
        lines.append((text, date_text(goal.evaluate_on, NOTHING), _word(GOAL_STATUS, goal.status)))
    return Table((_("Goal"), _("Evaluated by"), _("Status")), tuple(lines), (70, 16, 14))


def _present(attended: bool | None) -> str:
    return _("yes") if attended else (_("no") if attended is False else _("not recorded"))


def _attendance(meeting) -> list[Block]:
    present = [i.name for i in meeting.invitees if i.attended]
    absent = [i.name for i in meeting.invitees if i.attended is False]
    rows = []
    if present:
        rows.append((_("Present"), ", ".join(present)))
    if absent:
        rows.append((_("Absent"), ", ".join(absent)))
    return [Fields(tuple(rows))] if rows else []


def guardian_copy(paper: GuardianCopy) -> Document:
    head, subject, holder, tz = paper.head, paper.subject, paper.holder, paper.head.timezone
    made = local_date(head.made_at, tz)
    blocks: list[Block] = [
        Paragraph(
            _(
                "This is what the relay log about {name} says on {date}. {holder}, the holder, made this "
                "copy for you. Ask {holder} if something is unclear or wrong."
            ).format(name=subject.name, date=made, holder=holder.name)
        ),
        Heading(_(SUBJECT_HEADINGS.get(subject.kind, SUBJECT_HEADINGS["child"]))),
        _subject_fields(subject),
        Heading(_("The relay log")),
        Fields(
            (
                (_("Started"), local_date(paper.started_at, tz)),
                (_("Level"), _level_line(head.country, paper.level)),
                (_("Status"), _word(LOG_STATUS, paper.status)),
            )
        ),
        Heading(_("The concern")),
        Paragraph(paper.concern),
        Heading(
            _("The coordinator: your contact")
            if holder.role == "coordinator"
            else _("The holder: your contact")
        ),
        _holder_fields(holder),
        Heading(_("Who reads the log")),
    ]
    blocks.append(
        _people_table(paper.actors)
        if paper.actors
        else Paragraph(_("Only the holder."), style="small")
    )
    blocks.append(Heading(_("Efforts: who does what, and when")))
    blocks.append(
        _efforts_table(paper.efforts, tz)
        if paper.efforts
        else Paragraph(_("No efforts are agreed yet."), style="small")
    )
    blocks.append(Heading(_("Goals")))
    blocks.append(
        _goals_table(paper.goals, tz)
        if paper.goals
        else Paragraph(_("No goals are agreed yet."), style="small")
    )
    blocks.append(Heading(_("Meetings")))
    if not paper.meetings:
        blocks.append(Paragraph(_("No meetings yet."), style="small"))
    for record in paper.meetings:
        meeting = record.meeting
        blocks.append(
            Heading(
                f"{_word(KIND_NAMES, meeting.kind)}, {_when(meeting.starts_at, meeting.duration_minutes, tz)}",
                level=2,
            )
        )
        rows = [
            (_("Where"), meeting.place or _("to be agreed")),
            (_("Status"), _word(MEETING_STATUS, meeting.status)),
        ]
        if meeting.status == "cancelled" and meeting.cancel_reason:
            rows.append((_("Why cancelled"), meeting.cancel_reason))
        blocks.append(Fields(tuple(rows)))
        blocks += _attendance(meeting)
        if meeting.agenda and meeting.status == "planned":
            blocks.append(Bullets(tuple(item.title for item in meeting.agenda), mark=""))
        if meeting.outcome:
            blocks.append(Paragraph(_("The family department's assessment"), style="strong"))
            blocks.append(Paragraph(meeting.outcome))
        if record.minutes:
            blocks.append(Bullets(tuple(entry.text for entry in record.minutes)))
    blocks.append(Heading(_("Entries")))
    blocks += _entry_blocks(paper.entries, tz) or [Paragraph(_("No entries yet."), style="small")]
    if paper.notifications_left_out:
        blocks.append(
            Paragraph(
                ngettext(
                    "Left out of this copy: {n} notification to the family department. Ask {holder} about it.",
                    "Left out of this copy: {n} notifications to the family department. Ask {holder} about them.",
                    paper.notifications_left_out,
                ).format(n=paper.notifications_left_out, holder=holder.name),
                style="strong",
            )
        )
    return _frame(
        head,
        reference=_log_reference(paper.log_id),
        title=_("The relay log about {name}").format(name=subject.name),
        subtitle=_("Copy for the guardians, {date}").format(date=made),
        running=_("The relay log about {name}").format(name=subject.name),
        blocks=blocks,
    )


# --- meeting papers ----------------------------------------------------------------------


def meeting_paper(paper: MeetingPaper) -> Document:
    inv, head = paper.invitation, paper.head
    meeting, tz = inv.meeting, head.timezone
    kind = _word(KIND_NAMES, meeting.kind)
    convener = ", ".join(
        part for part in (inv.convener, inv.convener_profession, inv.convener_unit) if part
    )
    reach = ", ".join(part for part in (inv.convener_phone, inv.convener_email) if part)
    blocks: list[Block] = []
    if meeting.status == "cancelled":
        blocks.append(
            Paragraph(
                _("CANCELLED: {reason}").format(reason=meeting.cancel_reason or ""), style="alert"
            )
        )
    blocks.append(
        Fields(
            (
                (_("About"), meeting.subject_name),
                (_("When"), _when(meeting.starts_at, meeting.duration_minutes, tz)),
                (_("Where"), meeting.place or _("to be agreed")),
                (_("Convened by"), convener or NOTHING),
            )
        )
    )
    if paper.has_minutes:
        blocks.append(Heading(_("Who took part")))
        if any(i.attended is not None for i in meeting.invitees):
            blocks.append(
                Table(
                    (_("Name"), _("Role"), _("Present")),
                    tuple(
                        (i.name, i.role or NOTHING, _present(i.attended)) for i in meeting.invitees
                    ),
                    (50, 32, 18),
                    centred=(2,),
                )
            )
        else:
            blocks.append(Paragraph(_("Who was present was not recorded. Invited:"), style="small"))
            blocks.append(
                Bullets(
                    tuple(i.name + (f" ({i.role})" if i.role else "") for i in meeting.invitees)
                )
            )
        blocks.append(Heading(_("Agenda")))
        blocks.append(Bullets(tuple(item.title for item in meeting.agenda), mark=""))
        if meeting.outcome:
            blocks.append(Heading(_("The family department's assessment")))
            blocks.append(Paragraph(meeting.outcome))
        blocks.append(Heading(_("Minutes")))
        blocks += _entry_blocks(paper.minutes, tz) or [
            Paragraph(_("No minutes were written."), style="small")
        ]
        if paper.agreed_efforts:
            blocks.append(Heading(_("Agreed efforts: who does what, and when")))
            blocks.append(_efforts_table(paper.agreed_efforts, tz))
        if paper.agreed_goals:
            blocks.append(Heading(_("Agreed goals")))
            blocks.append(_goals_table(paper.agreed_goals, tz))
        title = _("Minutes of the {kind}").format(kind=kind.lower())
    else:
        blocks.append(Heading(_("Invited")))
        blocks.append(
            Bullets(tuple(i.name + (f" ({i.role})" if i.role else "") for i in meeting.invitees))
        )
        blocks.append(Heading(_("Agenda")))
        blocks.append(Bullets(tuple(item.title for item in meeting.agenda), mark=""))
        if reach:
            line = _("If you cannot come, please tell {who} ({reach}).").format(
                who=inv.convener, reach=reach
            )
        else:
            line = _("If you cannot come, please tell {who}.").format(who=inv.convener)
        blocks.append(Paragraph(line))
        title = _("Invitation to a {kind}").format(kind=kind.lower())
    return _frame(
        head,
        reference=_("Meeting no. {number}").format(number=meeting.id),
        title=title,
        subtitle=_("about {name}").format(name=meeting.subject_name),
        running=f"{title} — {meeting.subject_name}",
        blocks=blocks,
    )


# --- the access report -------------------------------------------------------------------


def access_report(paper: AccessReport) -> Document:
    head, subject, tz = paper.head, paper.subject, paper.head.timezone
    lines = paper.lines
    if paper.whole_subject:
        intro = _(
            "Everyone who read or changed anything in the relay logs about {name}, from the audit trail. "
            "You have the right to know this (GDPR article 15)."
        )
    else:
        intro = _(
            "Everyone who read or changed anything in the relay log about {name}, from the audit trail. "
            "You have the right to know this (GDPR article 15)."
        )
    blocks: list[Block] = [
        Paragraph(intro.format(name=subject.name)),
        Heading(_(SUBJECT_HEADINGS.get(subject.kind, SUBJECT_HEADINGS["child"]))),
        _subject_fields(subject),
    ]
    if lines:
        blocks.append(Heading(_("Period")))
        blocks.append(
            Fields(
                (
                    (
                        _("Period"),
                        f"{local_date(lines[0].at, tz)} – {local_date(lines[-1].at, tz)}",
                    ),
                    (_("Events"), str(len(lines))),
                )
            )
        )
    blocks.append(Heading(_("Who has read the log")))
    if paper.readers:
        blocks.append(
            Table(
                (
                    _("Name"),
                    _("Profession"),
                    _("Unit"),
                    _("Number of reads"),
                    _("First"),
                    _("Last"),
                ),
                tuple(
                    (
                        r.name,
                        r.profession or NOTHING,
                        r.unit or NOTHING,
                        str(r.reads),
                        local_date(r.first, tz),
                        local_date(r.last, tz),
                    )
                    for r in paper.readers
                ),
                (22, 17, 21, 12, 14, 14),
                centred=(3,),
            )
        )
    else:
        blocks.append(Paragraph(_("Nobody has read the log."), style="small"))
    blocks.append(Heading(_("Everything that was done, in order")))
    if lines:
        blocks.append(
            Table(
                (_("When"), _("Who"), _("What")),
                tuple(
                    (local_date_time(line.at, tz), _who(line), audit.action_label(line.action))
                    for line in lines
                ),
                (20, 40, 40),
            )
        )
    else:
        blocks.append(
            Paragraph(_("Nobody has read or changed anything about this child."), style="small")
        )
    blocks.append(
        Paragraph(
            ngettext(
                "{n} event. The audit trail is chained, so that an event cannot be changed or removed "
                "afterwards without it showing.",
                "{n} events. The audit trail is chained, so that an event cannot be changed or removed "
                "afterwards without it showing.",
                len(lines),
            ).format(n=len(lines)),
            style="small",
        )
    )
    return _frame(
        head,
        reference=subject.national_number_masked,
        title=_("Access report"),
        subtitle=_("for {name}").format(name=subject.name),
        running=_("Access report for {name}").format(name=subject.name),
        blocks=blocks,
    )


def _who(line: audit.AccessLine) -> str:
    who = line.full_name or line.username
    extra = ", ".join(part for part in (line.profession, line.unit) if part)
    return f"{who} ({extra})" if extra else who


def document(paper) -> Document:
    """The document of any paper."""
    for kind, build in (
        (ConsentForm, consent_form),
        (GuardianCopy, guardian_copy),
        (MeetingPaper, meeting_paper),
        (AccessReport, access_report),
    ):
        if isinstance(paper, kind):
            return build(paper)
    raise TypeError(f"not a paper: {type(paper).__name__}")
