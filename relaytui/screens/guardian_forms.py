"""The guardians in the "Actors and consent" tab: who they are, whether they can read the log
online, and the holder's form to add one or change what is recorded about one.

A guardian with a national number recorded logs in to the family view (MitID, ID-porten) and
reads the log there. The number is never shown in full: the service hands out only its masked
form, and a change that leaves the field empty keeps the number recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Checkbox, Static

from relaytui.i18n import N_, _
from relaytui.services import logs, subjects
from relaytui.services.subjects import KEEP_NUMBER, GuardianInput, GuardianView
from relaytui.ui.dialogs import WritingDialog
from relaytui.ui.forms import FormError, field, form_row
from relaytui.ui.log_pane import NOTHING, READ_ONLY, READ_ONLY_TIP, literal
from relaytui.ui.tables import one_line
from relaytui.widgets.toggles import MarkedCheckbox

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

GUARDIAN_COLUMNS = (
    ("name", N_("Name"), None),
    ("relation", N_("Relation"), 12),
    ("custody", N_("Custody"), 10),
    ("contact", N_("Phone and e-mail"), None),
    ("online", N_("Family view"), 16),
)
#: The holder's keys for the guardians (the pane adds them to its own).
GUARDIAN_ACTIONS = frozenset({"add_guardian", "change_guardian"})
GUARDIAN_BINDINGS = [
    Binding(
        "n",
        "add_guardian",
        N_("Add guardian"),
        id="actors.add_guardian",
        tooltip=N_("Register another guardian of the subject: parent, foster parent."),
    ),
    Binding(
        "g",
        "change_guardian",
        N_("Change guardian"),
        id="actors.change_guardian",
        tooltip=N_(
            "Change what is recorded about the chosen guardian: contact, custody, and the "
            "national number the family logs in with."
        ),
    ),
    Binding(
        "n",
        "explain_read_only",
        READ_ONLY,
        show=False,
        id="actors.add_guardian.refused",
        tooltip=READ_ONLY_TIP,
    ),
    Binding(
        "g",
        "explain_read_only",
        READ_ONLY,
        show=False,
        id="actors.change_guardian.refused",
        tooltip=READ_ONLY_TIP,
    ),
]


def online_text(guardian: GuardianView) -> Text:
    """Whether the guardian can log in to the family view and read the log."""
    if guardian.has_national_number:
        return Text(_("can read online"), style="green")
    return Text(_("cannot log in"), style="dim")


def guardian_cells(guardian: GuardianView, widths: Sequence[int]) -> list[Text]:
    name = one_line(guardian.name)
    name.truncate(widths[0], overflow="ellipsis")
    relation = one_line(guardian.relation or NOTHING)
    relation.truncate(widths[1], overflow="ellipsis")
    contact = one_line(" · ".join(p for p in (guardian.phone, guardian.email) if p) or NOTHING)
    contact.truncate(widths[3], overflow="ellipsis")
    custody = _("custody") if guardian.has_custody else _("no custody")
    return [name, relation, Text(custody), contact, online_text(guardian)]


def guardian_details(guardian: GuardianView, can_write: bool) -> Text:
    """Everything about one guardian, for the line under the tables; the number masked."""
    text = one_line(guardian.name)
    text.stylize("bold")
    for part in (guardian.relation, guardian.phone, guardian.email):
        if part:
            text.append(" · ")
            text.append_text(one_line(part))
    text.append("\n")
    if guardian.has_national_number:
        text.append(
            _(
                "Can log in to the family view and read the log: national number {number} recorded."
            ).format(number=guardian.national_number_masked)
        )
    else:
        text.append(_("Cannot log in to read the log online: no national number recorded."))
        if can_write:
            text.append(" " + _("Change the guardian (g) to add it."))
    return text


class GuardianDialog(WritingDialog):
    """Add a guardian of the subject, or change one: name, relation, phone, e-mail, custody,
    and the national number the family logs in with. The service checks the number (R15)."""

    def __init__(self, detail: logs.LogDetail, guardian: GuardianView | None = None) -> None:
        super().__init__()
        self.detail = detail
        self.guardian = guardian

    def heading(self) -> str:
        if self.guardian is None:
            return _("Add a guardian")
        return _("Change a guardian")

    def form(self) -> ComposeResult:
        g = self.guardian
        yield form_row(_("Name"), field(g.name if g else "", id="guardian-name", max_length=200))
        yield form_row(
            _("Relation"),
            field(
                g.relation if g else "",
                id="guardian-relation",
                max_length=50,
                placeholder=_("e.g. mother, father, foster parent"),
            ),
        )
        yield form_row(_("Phone"), field(g.phone if g else "", id="guardian-phone", max_length=50))
        yield form_row(
            _("E-mail"),
            field(
                g.email if g else "",
                id="guardian-email",
                max_length=200,
                placeholder=_("e.g. name@example.dk"),
            ),
        )
        yield form_row(
            _("Custody"),
            MarkedCheckbox(
                _("yes"), g.has_custody if g else True, id="guardian-custody", compact=True
            ),
        )
        recorded = g is not None and g.has_national_number
        if recorded and g is not None:
            yield form_row(
                _("Recorded number"),
                MarkedCheckbox(
                    _("{number}: remove it (the family can no longer log in)").format(
                        number=g.national_number_masked
                    ),
                    False,
                    id="guardian-remove-number",
                    compact=True,
                ),
            )
        yield form_row(
            _("National number (for the family's login)"),
            field(
                id="guardian-number",
                max_length=20,
                placeholder=_("a new number, or empty to keep it") if recorded else _("optional"),
            ),
        )
        yield Static(
            literal(
                _(
                    "With a national number the guardian logs in with the national login "
                    "and reads the log in the family view."
                )
            ),
            classes="log-dialog-note",
            markup=False,
        )

    def read_form(self) -> GuardianInput:
        name = self.value("#guardian-name").strip()
        if not name:
            raise FormError(_("Type the guardian's name."), "guardian-name")
        number: str | None = self.value("#guardian-number").strip()
        removing = bool(self.query("#guardian-remove-number")) and (
            self.query_one("#guardian-remove-number", Checkbox).value
        )
        if removing and number:
            raise FormError(
                _("Either type a new number or remove the one recorded, not both."),
                "guardian-number",
            )
        if removing:
            number = ""
        elif not number and self.guardian is not None:
            number = KEEP_NUMBER  # the number recorded, which the form never knows in full
        return GuardianInput(
            name=name,
            relation=self.value("#guardian-relation"),
            phone=self.value("#guardian-phone"),
            email=self.value("#guardian-email"),
            has_custody=self.query_one("#guardian-custody", Checkbox).value,
            national_number=number,
        )

    def write(self, store: Store, staff: StaffRef, values: GuardianInput) -> GuardianView:
        if self.guardian is None:
            return subjects.add_guardian(store, staff, self.detail.id, values)
        return subjects.change_guardian(store, staff, self.detail.id, self.guardian.id, values)
