"""Passing the log into an individual plan (``no``, R14): choose the coordinator, say why.

The same form as proposing a handover, but nothing waits for an answer: the coordinator holds
the log from the moment it is saved, with the whole history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Input

from relaytui.i18n import N_, _
from relaytui.screens.handover import ProposeHandoverDialog, person_line
from relaytui.services import accounts, plan
from relaytui.ui.forms import FormError

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef


class IndividualPlanDialog(ProposeHandoverDialog):
    """Dismisses True when the log became part of an individual plan."""

    HEADING = N_("Individual plan")
    INTRO = N_(
        "The coordinator takes over your role at once and keeps the whole history of the log. "
        "The consent the log rests on must be in force."
    )
    PERSON_LABEL = N_("Coordinator: type part of a name or a profession")
    MESSAGE_LABEL = N_("Why the log passes into an individual plan (required)")
    MESSAGE_HINT = N_("e.g. long-term services from several places need one plan")
    SUBMIT = N_("Pass into the plan")
    BINDINGS = [
        Binding(
            "ctrl+s",
            "submit",
            N_("Pass into the plan"),
            id="plan.save",
            priority=True,
            tooltip=N_("Make the chosen person the coordinator of an individual plan."),
        ),
        Binding(
            "down",
            "to_results",
            N_("To the list"),
            id="plan.to_results",
            show=False,
            tooltip=N_("Move from the search field to the people found."),
        ),
    ]

    def ready(self, inst, extra) -> None:
        self._show_chosen()
        self._search(self.store, self.staff, "")

    def _show_chosen(self) -> None:
        chosen = self.query_one("#handover-chosen")
        self.query_one("#handover-transition").display = False
        if self.chosen is None:
            chosen.update(
                Text(
                    _("Nobody chosen yet: pick a person from the list with Enter."), style="italic"
                )
            )
            return
        chosen.update(Text.assemble(_("Coordinator:"), " ", person_line(self.chosen)))

    def read_form(self) -> tuple[accounts.StaffView, str]:
        person = self.chosen
        if person is None:
            self.query_one("#handover-search").focus()
            raise FormError(
                _(
                    "Choose the coordinator first: type part of a name or a profession, "
                    "then pick the person from the list with Enter."
                )
            )
        return person, self.query_one("#handover-message", Input).value

    def write(
        self, store: Store, staff: StaffRef, values: tuple[accounts.StaffView, str]
    ) -> plan.PlanView:
        person, reason = values
        return plan.pass_to_plan(
            store, staff, self.detail.id, coordinator_id=person.id, reason=reason
        )

    def written(self, result: object) -> None:
        if isinstance(result, plan.PlanView):
            self.app.notify(
                _("The log is now part of an individual plan, coordinated by {name}.").format(
                    name=result.coordinator_name
                ),
                markup=False,
            )
            self.handed_on = result.coordinator_id != self.staff.id
        # Not the handover dialog's own message: straight to the frame's.
        super(ProposeHandoverDialog, self).written(result)

    #: True once another person coordinates the plan (and this one no longer holds the log).
    handed_on = False
