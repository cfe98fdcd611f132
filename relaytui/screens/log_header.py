"""The log view's header in words: whose log it is, its status, who holds it and how to reach
them, what needs attention, and why the user may only read.

The log view places these texts; what they say changes here. Text from the database is shown
as text, never as markup.
"""

from __future__ import annotations

from rich.text import Text

from relaytui.i18n import N_, _, ngettext
from relaytui.services import logs, subjects
from relaytui.ui.log_pane import date_only, label, literal

SUBJECT_KINDS = {
    "child": N_("child"),
    "youth": N_("young person"),
    "pregnant": N_("pregnant person"),
}
STATUS_LABELS = {"active": N_("active"), "closed": N_("closed"), "plan": N_("individual plan")}
CONSENT_PROBLEMS = {
    "missing": N_("consent missing"),
    "expired": N_("consent expired"),
    "withdrawn": N_("consent withdrawn"),
}


def level_class(level: int) -> str:
    return f"-level-{level}"


def subject_line(detail: logs.LogDetail) -> Text:
    """The subject's name in bold, the masked national number and what kind of subject."""
    name = literal(detail.subject_name)
    name.stylize("bold")
    return Text.assemble(
        name,
        "  ",
        detail.national_number_masked,
        "  ",
        label(SUBJECT_KINDS, detail.subject_kind),
    )


def status_word(detail: logs.LogDetail, tz: str) -> str:
    """Active, an individual plan, or closed (with the day it was closed)."""
    status = label(STATUS_LABELS, detail.status)
    if detail.status == "closed" and detail.closed_at is not None:
        status = _("closed {date}").format(date=date_only(detail.closed_at, tz))
    return status


def holder_line(contact: subjects.HolderContact) -> Text:
    """Who holds the log (or coordinates the plan), their unit, and how to reach them."""
    who = contact.holder_name
    if contact.unit_name:
        who = _("{name}, {unit}").format(name=who, unit=contact.unit_name)
    reach = [part for part in (contact.phone, contact.email) if part]
    said = _("Coordinator: {name}") if contact.coordinator else _("Holder: {name}")
    return literal(" · ".join([said.format(name=who), *reach]))


def attention(detail: logs.LogDetail) -> list[Text]:
    """What needs the holder's attention, each said on its own."""
    problems: list[Text] = []
    if detail.needs_attention:
        problems.append(literal(detail.needs_attention))
    if detail.overdue_evaluations:
        count = detail.overdue_evaluations
        problems.append(
            Text(
                ngettext("{count} overdue evaluation", "{count} overdue evaluations", count).format(
                    count=count
                )
            )
        )
    if detail.consent_state in CONSENT_PROBLEMS and detail.status != "closed":
        problems.append(Text(label(CONSENT_PROBLEMS, detail.consent_state)))
    if detail.pending_handover_id is not None:
        problems.append(Text(_("handover pending")))
    return problems


def attention_line(problems: list[Text]) -> Text:
    text = Text(_("Needs attention:"), style="bold")
    text.append(" ")
    text.append_text(Text(" · ").join(problems))
    return text


def read_only_line(detail: logs.LogDetail) -> Text:
    """Why this user only reads the log, as the service said it."""
    text = Text(_("Read only:"), style="bold")
    text.append(" ")
    text.append(detail.why_read_only or "")
    return text
