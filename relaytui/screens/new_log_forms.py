"""The new-log screen's two forms and what it says: registering the subject (name, kind,
guardians), writing the concern (trigger, start level, the consent given now), the holder of a
log that already exists (R1), and the subject found.

:class:`~relaytui.screens.new_log.NewLogScreen` places them and reads them by id; names from the
database are shown as text, never as markup.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList, RadioSet, Static, TextArea

from relaytui.i18n import N_, _
from relaytui.i18n.formats import date_text
from relaytui.services import subjects
from relaytui.widgets.choice import Choice
from relaytui.widgets.toggles import MarkedCheckbox, MarkedRadioButton

KIND_LABELS = {
    "child": N_("a child"),
    "youth": N_("a young person"),
    "pregnant": N_("a pregnant person"),
}
TRIGGER_LABELS = {
    "wellbeing_yellow": N_("well-being scheme: yellow"),
    "wellbeing_red": N_("well-being scheme: red"),
    "birth_complications": N_("birth complications"),
    "premature_birth": N_("premature birth"),
    "pregnancy_visit": N_("pregnancy visit"),
}
METHOD_LABELS = {
    "signed_form": N_("signed paper form, kept at the workplace"),
    "digital": N_("digital"),
    "oral": N_("oral"),
}


def guardian_label(
    name: str, relation: str, phone: str, custody: bool, email: str = "", online: bool = False
) -> Text:
    """ "Mette Jensen · mother · 12 34 56 78 · custody · can read online", names as text, never
    as markup; "can read online" when a national number is recorded for the family's login."""
    parts = [name] + [part for part in (relation, phone, email) if part]
    parts.append(_("custody") if custody else _("no custody"))
    if online:
        parts.append(_("can read online"))
    return Text(" · ".join(parts))


def subject_form() -> ComposeResult:
    """The subject is not registered yet: its name, kind and guardians (none, one or several)."""
    with Vertical(id="newlog-subject-form", classes="newlog-step"):
        yield Static(
            _("Not registered yet: register the subject."),
            classes="newlog-section",
            markup=False,
        )
        yield Label(_("Name (required)"), classes="newlog-label", markup=False)
        yield Input(id="newlog-name", max_length=200)
        yield Label(_("The subject is"), classes="newlog-label", markup=False)
        yield RadioSet(
            *(
                MarkedRadioButton(Text(_(label)), value=kind == "child", id=f"newlog-kind-{kind}")
                for kind, label in KIND_LABELS.items()
            ),
            id="newlog-kind",
        )
        yield Label(_("Guardians: none, one or several"), classes="newlog-label", markup=False)
        yield OptionList(id="newlog-guardian-list")
        with Horizontal(id="newlog-guardian-row"):
            yield Input(id="newlog-guardian-name", placeholder=_("Guardian's name"), max_length=200)
            yield Input(id="newlog-guardian-relation", placeholder=_("Relation"), max_length=50)
            yield Input(id="newlog-guardian-phone", placeholder=_("Phone"), max_length=50)
            yield MarkedCheckbox(_("Custody"), value=True, id="newlog-guardian-custody")
        with Horizontal(id="newlog-guardian-login-row"):
            yield Input(id="newlog-guardian-email", placeholder=_("E-mail"), max_length=200)
            yield Input(
                id="newlog-guardian-number",
                placeholder=_("National number (for the family's login)"),
                max_length=20,
            )
        with Horizontal(classes="newlog-buttons"):
            yield Button(_("Add guardian"), id="newlog-add-guardian")
            yield Button(_("Register subject"), id="newlog-register", variant="primary")


def log_form() -> ComposeResult:
    """The concern, an optional trigger category, the start level and the consent given now."""
    with Vertical(id="newlog-log-form", classes="newlog-step"):
        yield Static("", id="newlog-subject", markup=False)
        yield Label(
            _("Concern: what have you seen or heard? (required)"),
            classes="newlog-label",
            markup=False,
        )
        yield TextArea(id="newlog-concern")
        yield Label(
            _("Trigger category (optional)"),
            id="newlog-trigger-label",
            classes="newlog-label",
            markup=False,
        )
        yield Choice(
            [(_(label), key) for key, label in TRIGGER_LABELS.items()],
            id="newlog-trigger",
            prompt=_("No trigger category"),
        )
        yield Label(_("Start level"), classes="newlog-label", markup=False)
        yield Static("", id="newlog-level-note", markup=False)
        yield Vertical(id="newlog-level-box")
        with Vertical(id="newlog-consent"):
            yield Label(_("Who gave the consent?"), classes="newlog-label", markup=False)
            yield Vertical(id="newlog-giver-box")
            yield Label(_("How was it given?"), classes="newlog-label", markup=False)
            yield RadioSet(
                *(
                    MarkedRadioButton(Text(_(label)), id=f"newlog-method-{method}")
                    for method, label in METHOD_LABELS.items()
                ),
                id="newlog-method",
            )
        yield Button(_("Create relay log"), id="newlog-create", variant="primary")


def holder_notice(contact: subjects.HolderContact) -> Text:
    """R1: who holds the existing log and how to reach them; nothing of its content."""
    text = Text()
    text.append(
        _(
            "This subject already has a relay log. A subject has one relay log at most, "
            "so you cannot start another."
        ),
        style="bold",
    )
    text.append("\n\n")
    rows = [
        (_("Holder"), contact.holder_name),
        (_("Unit"), contact.unit_name or "-"),
        (_("Phone"), contact.phone or "-"),
        (_("E-mail"), contact.email or "-"),
    ]
    width = max(len(label) for label, _value in rows) + 2
    for label, value in rows:
        text.append(f"{label}:".ljust(width), style="bold")
        text.append(value)
        text.append("\n")
    text.append("\n")
    text.append(
        _(
            "Contact the holder: they can add you as an actor, with the guardians' "
            "consent, or hand the log over to you."
        )
    )
    return text


def subject_summary(view: subjects.SubjectView, today: date) -> Text:
    """The subject the log will be about: name, number, birth, kind, guardians, and a warning
    when they are of age."""
    born = date_text(view.birth_date)
    summary = Text()
    summary.append(view.name, style="bold")
    summary.append(" (" + view.national_number_masked + ")")
    summary.append(
        "\n"
        + _("born {date}, {kind}").format(date=born, kind=_(KIND_LABELS.get(view.kind, view.kind)))
    )
    if view.guardians:
        summary.append("\n" + _("Guardians:") + " ")
        summary.append(
            "; ".join(
                guardian_label(
                    g.name, g.relation, g.phone, g.has_custody, online=g.has_national_number
                ).plain
                for g in view.guardians
            )
        )
    else:
        summary.append("\n" + _("No guardians registered."))
    warning = subjects.adult_warning(view.birth_date, today)
    if warning:
        summary.append("\n⚠ " + warning, style="bold")
    return summary
