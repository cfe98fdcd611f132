"""What each paper says, in the user's language and in plain words (R16), as blocks.

The data comes from :mod:`relaytui.services.papers` (already checked and audited); this module
only chooses the words, the order and the local date format. Text typed into the log is put in
as typed: the renderers make control characters visible.
"""

from __future__ import annotations

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
from relaytui.documents.sections import (
    LOG_STATUS,
    MEETING_STATUS,
    NOTHING,
    SUBJECT_HEADINGS,
    attendance,
    efforts_table,
    entry_blocks,
    frame,
    goals_table,
    holder_fields,
    how_to_reach,
    level_line,
    log_reference,
    meeting_time,
    people_table,
    presence,
    subject_fields,
    word,
)
from relaytui.i18n import _, ngettext
from relaytui.i18n.formats import local_date, local_date_time
from relaytui.services import audit
from relaytui.services.invitations import KIND_NAMES
from relaytui.services.papers import (
    AccessReport,
    ConsentForm,
    GuardianCopy,
    MeetingPaper,
)

# --- the consent form --------------------------------------------------------------------


def consent_form(paper: ConsentForm) -> Document:
    head, subject = paper.head, paper.subject
    unit = paper.holder.unit or head.unit or NOTHING
    blocks = _consent_asked(paper, unit)
    blocks += _data_protection(paper, unit)
    blocks += _withdrawal(paper)
    blocks += [
        Together(tuple(_what_is_signed(paper, unit))),
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
    return frame(
        head,
        reference=log_reference(paper.log_id),
        title=_("Consent to a relay log"),
        subtitle=_("about {name}").format(name=subject.name),
        running=_("Consent to a relay log about {name}").format(name=subject.name),
        blocks=blocks,
    )


def _consent_asked(paper: ConsentForm, unit: str) -> list[Block]:
    """Who asks for consent, about whom, and what a relay log is."""
    head, subject, holder = paper.head, paper.subject, paper.holder
    return [
        Paragraph(
            _(
                "{holder} at {unit} asks for your consent to keep a relay log about {name}, and to let "
                "the people named below read it. Read the form, tick what you agree to, and sign it."
            ).format(holder=holder.name, unit=unit, name=subject.name)
        ),
        Heading(_(SUBJECT_HEADINGS.get(subject.kind, SUBJECT_HEADINGS["child"]))),
        subject_fields(subject),
        Heading(_("The holder")),
        holder_fields(holder),
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


def _withdrawal(paper: ConsentForm) -> list[Block]:
    """How to withdraw the consent; and how to end the log, where the family may (R10)."""
    head, holder = paper.head, paper.holder
    blocks: list[Block] = [
        Heading(_("How to withdraw your consent")),
        Paragraph(
            _(
                "You can withdraw your consent at any time, without giving a reason. Tell {holder} "
                "({reach}), orally or in writing. The people your consent covers then stop reading the "
                "log. What was written before stays in the log."
            ).format(holder=holder.name, reach=how_to_reach(holder))
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
    return blocks


def _what_is_signed(paper: ConsentForm, unit: str) -> list[Block]:
    """What is consented to and the signatures: they stand on one page (issue 16)."""
    subject = paper.subject
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
    return signed


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


def guardian_copy(paper: GuardianCopy) -> Document:
    head, subject, holder, tz = paper.head, paper.subject, paper.holder, paper.head.timezone
    made = local_date(head.made_at, tz)
    blocks: list[Block] = [
        Paragraph(
            (
                _(
                    "This is what the relay log about {name} says on {date}. Ask {holder}, the "
                    "holder, if something is unclear or wrong."
                )
                if paper.family_view
                else _(
                    "This is what the relay log about {name} says on {date}. {holder}, the holder, made this "
                    "copy for you. Ask {holder} if something is unclear or wrong."
                )
            ).format(name=subject.name, date=made, holder=holder.name)
        ),
        Heading(_(SUBJECT_HEADINGS.get(subject.kind, SUBJECT_HEADINGS["child"]))),
        subject_fields(subject),
        Heading(_("The relay log")),
        Fields(
            (
                (_("Started"), local_date(paper.started_at, tz)),
                (_("Level"), level_line(head.country, paper.level)),
                (_("Status"), word(LOG_STATUS, paper.status)),
            )
        ),
        Heading(_("The concern")),
        Paragraph(paper.concern),
        Heading(
            _("The coordinator: your contact")
            if holder.role == "coordinator"
            else _("The holder: your contact")
        ),
        holder_fields(holder),
        Heading(_("Who reads the log")),
    ]
    blocks.append(
        people_table(paper.actors)
        if paper.actors
        else Paragraph(_("Only the holder."), style="small")
    )
    blocks.append(Heading(_("Efforts: who does what, and when")))
    blocks.append(
        efforts_table(paper.efforts, tz)
        if paper.efforts
        else Paragraph(_("No efforts are agreed yet."), style="small")
    )
    blocks.append(Heading(_("Goals")))
    blocks.append(
        goals_table(paper.goals, tz)
        if paper.goals
        else Paragraph(_("No goals are agreed yet."), style="small")
    )
    blocks += _copy_meetings(paper, tz)
    blocks.append(Heading(_("Entries")))
    blocks += entry_blocks(paper.entries, tz) or [Paragraph(_("No entries yet."), style="small")]
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
    return frame(
        head,
        reference=log_reference(paper.log_id),
        title=_("The relay log about {name}").format(name=subject.name),
        subtitle=_("Copy for the guardians, {date}").format(date=made),
        running=_("The relay log about {name}").format(name=subject.name),
        blocks=blocks,
    )


def _copy_meetings(paper: GuardianCopy, tz: str) -> list[Block]:
    """The log's meetings in the guardians' copy: when and where, who came, what was said."""
    blocks: list[Block] = []
    blocks.append(Heading(_("Meetings")))
    if not paper.meetings:
        blocks.append(Paragraph(_("No meetings yet."), style="small"))
    for record in paper.meetings:
        meeting = record.meeting
        blocks.append(
            Heading(
                f"{word(KIND_NAMES, meeting.kind)}, {meeting_time(meeting.starts_at, meeting.duration_minutes, tz)}",
                level=2,
            )
        )
        rows = [
            (_("Where"), meeting.place or _("to be agreed")),
            (_("Status"), word(MEETING_STATUS, meeting.status)),
        ]
        if meeting.status == "cancelled" and meeting.cancel_reason:
            rows.append((_("Why cancelled"), meeting.cancel_reason))
        blocks.append(Fields(tuple(rows)))
        blocks += attendance(meeting)
        if meeting.agenda and meeting.status == "planned":
            blocks.append(Bullets(tuple(item.title for item in meeting.agenda), mark=""))
        if meeting.outcome:
            blocks.append(Paragraph(_("The family department's assessment"), style="strong"))
            blocks.append(Paragraph(meeting.outcome))
        if record.minutes:
            blocks.append(Bullets(tuple(entry.text for entry in record.minutes)))
    return blocks


# --- meeting papers ----------------------------------------------------------------------


def meeting_paper(paper: MeetingPaper) -> Document:
    inv, head = paper.invitation, paper.head
    meeting, tz = inv.meeting, head.timezone
    kind = word(KIND_NAMES, meeting.kind)
    convener = ", ".join(
        part for part in (inv.convener, inv.convener_profession, inv.convener_unit) if part
    )
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
                (_("When"), meeting_time(meeting.starts_at, meeting.duration_minutes, tz)),
                (_("Where"), meeting.place or _("to be agreed")),
                (_("Convened by"), convener or NOTHING),
            )
        )
    )
    if paper.has_minutes:
        blocks += _minutes(paper)
        title = _("Minutes of the {kind}").format(kind=kind.lower())
    else:
        blocks += _invitation(paper)
        title = _("Invitation to a {kind}").format(kind=kind.lower())
    return frame(
        head,
        reference=_("Meeting no. {number}").format(number=meeting.id),
        title=title,
        subtitle=_("about {name}").format(name=meeting.subject_name),
        running=f"{title} — {meeting.subject_name}",
        blocks=blocks,
    )


def _minutes(paper: MeetingPaper) -> list[Block]:
    """A held meeting's paper: who took part, the agenda, the minutes and what was agreed."""
    meeting, tz = paper.invitation.meeting, paper.head.timezone
    blocks: list[Block] = []
    blocks.append(Heading(_("Who took part")))
    if any(i.attended is not None for i in meeting.invitees):
        blocks.append(
            Table(
                (_("Name"), _("Role"), _("Present")),
                tuple((i.name, i.role or NOTHING, presence(i.attended)) for i in meeting.invitees),
                (50, 32, 18),
                centred=(2,),
            )
        )
    else:
        blocks.append(Paragraph(_("Who was present was not recorded. Invited:"), style="small"))
        blocks.append(
            Bullets(tuple(i.name + (f" ({i.role})" if i.role else "") for i in meeting.invitees))
        )
    blocks.append(Heading(_("Agenda")))
    blocks.append(Bullets(tuple(item.title for item in meeting.agenda), mark=""))
    if meeting.outcome:
        blocks.append(Heading(_("The family department's assessment")))
        blocks.append(Paragraph(meeting.outcome))
    blocks.append(Heading(_("Minutes")))
    blocks += entry_blocks(paper.minutes, tz) or [
        Paragraph(_("No minutes were written."), style="small")
    ]
    if paper.agreed_efforts:
        blocks.append(Heading(_("Agreed efforts: who does what, and when")))
        blocks.append(efforts_table(paper.agreed_efforts, tz))
    if paper.agreed_goals:
        blocks.append(Heading(_("Agreed goals")))
        blocks.append(goals_table(paper.agreed_goals, tz))
    return blocks


def _invitation(paper: MeetingPaper) -> list[Block]:
    """A coming meeting's paper: who is invited, the agenda, and whom to tell if one cannot come."""
    inv = paper.invitation
    meeting = inv.meeting
    reach = ", ".join(part for part in (inv.convener_phone, inv.convener_email) if part)
    blocks: list[Block] = []
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
    return blocks


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
        subject_fields(subject),
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
    blocks += _readers(paper)
    blocks += _trail(paper)
    return frame(
        head,
        reference=subject.national_number_masked,
        title=_("Access report"),
        subtitle=_("for {name}").format(name=subject.name),
        running=_("Access report for {name}").format(name=subject.name),
        blocks=blocks,
    )


def _readers(paper: AccessReport) -> list[Block]:
    """Who has read the log, how often, first and last."""
    tz = paper.head.timezone
    blocks: list[Block] = []
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
    return blocks


def _trail(paper: AccessReport) -> list[Block]:
    """Every event of the audit trail in order, and why it can be trusted."""
    lines, tz = paper.lines, paper.head.timezone
    blocks: list[Block] = []
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
    return blocks


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
