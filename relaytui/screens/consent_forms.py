"""The consent forms of the "Actors and consent" tab: recording a consent and withdrawing one
(R5, R6).

The service judges who may consent and whom a consent covers; the form offers only the givers
it allows, and a withdrawal says beforehand which actors it detaches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Input, Select, SelectionList, Static
from textual.widgets.selection_list import Selection
from textual.worker import get_current_worker

from relaytui.i18n import _
from relaytui.screens.actors_data import METHODS, ActorsData, consent_details
from relaytui.screens.staff_search import SEARCH_LIMIT, StaffFound, staff_prompt
from relaytui.services import accounts, consent, log_actors, logs
from relaytui.services.consent import ConsentInput
from relaytui.ui.dialogs import WritingDialog
from relaytui.ui.forms import FormError, field, form_row, read_date
from relaytui.ui.log_pane import NOTHING, literal
from relaytui.ui.tables import one_line
from relaytui.widgets.choice import Choice
from relaytui.widgets.toggles import MarkedCheckbox, MarkedSelectionList

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef


# --- recording a consent ---------------------------------------------------------------------

SUBJECT_GIVER = "subject"


def local_moment(day: date, tz: str) -> datetime:
    """The start of ``day`` in the installation's time zone."""
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(tz))


def split_names(text: str) -> tuple[str, ...]:
    """ "Grandma Inge, Uncle Ib" -> ("Grandma Inge", "Uncle Ib")."""
    return tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


class RecordConsentDialog(WritingDialog):
    """Who gave the consent (a guardian with custody, or the subject for themself), how, when,
    what it covers (the log, named staff, whole units, named persons) and until when (R6)."""

    def __init__(self, detail: logs.LogDetail, data: ActorsData) -> None:
        super().__init__()
        self.detail = detail
        self.data = data
        #: Staff chosen so far, kept across searches: id -> name.
        self.chosen_staff: dict[int, str] = {}
        self._found: dict[int, accounts.StaffView] = {}

    def heading(self) -> str:
        return _("Record a consent")

    def givers(self) -> list[tuple[Text, object]]:
        """Only those who may consent (R6): the guardians with custody, or the subject alone
        when they consent for themself."""
        options: list[tuple[Text, object]] = []
        for giver in self.data.givers:
            text = one_line(giver.name)
            if giver.guardian_id is None:
                text.append(" " + _("(the subject, for themself)"))
                options.append((text, SUBJECT_GIVER))
            else:
                if giver.relation:
                    text.append(f" ({giver.relation})")
                options.append((text, giver.guardian_id))
        return options

    def giver_rows(self) -> ComposeResult:
        """Who gave it, and why a guardian the caseworker expects is not offered."""
        givers = self.givers()
        first = givers[0][1] if givers else Select.BLANK
        yield form_row(
            _("Given by"),
            Choice(
                givers,
                value=first,
                id="consent-giver",
                compact=True,
                allow_blank=not givers,
                prompt=_("Choose who gave it"),
            ),
        )
        offered = {g.guardian_id for g in self.data.givers}
        left_out = [g.name for g in self.data.guardians if g.id not in offered]
        if left_out:
            # Why a guardian the caseworker expects is not in the list.
            yield form_row(
                "",
                Static(
                    Text(
                        _("Not offered, as they may not consent: {names}.").format(
                            names=", ".join(left_out)
                        )
                    ),
                    id="consent-not-offered",
                    classes="form-note",
                    markup=False,
                ),
            )

    def form(self) -> ComposeResult:
        yield from self.giver_rows()
        yield form_row(
            _("How"),
            Choice(
                [(Text(_(word)), code) for code, word in METHODS.items()],
                id="consent-method",
                compact=True,
                prompt=_("Choose how it was given"),
            ),
        )
        yield form_row(
            _("Given on"),
            field(
                self.data.today.isoformat(),
                id="consent-given",
                max_length=10,
                placeholder="YYYY-MM-DD",
            ),
        )
        yield from self.coverage_rows()
        yield form_row(
            _("Expires on"),
            field(id="consent-expires", max_length=10, placeholder=_("YYYY-MM-DD, or empty")),
        )
        yield form_row(
            _("Note"),
            field(
                id="consent-note",
                max_length=1000,
                placeholder=_("e.g. where the signed form is kept"),
            ),
        )

    def coverage_rows(self) -> ComposeResult:
        """What it covers: the log, named staff (searched as you type), whole units and named
        persons."""
        yield form_row(
            _("Covers the log"),
            MarkedCheckbox(_("yes"), True, id="consent-covers-log", compact=True),
        )
        yield form_row(
            _("Staff: search"),
            field(id="consent-staff-search", max_length=100, placeholder=_("name or profession")),
        )
        yield form_row(
            "", MarkedSelectionList[int](id="consent-staff", compact=True, classes="form-list")
        )
        yield form_row(
            _("Staff chosen"), Static(Text(NOTHING), id="consent-staff-chosen", markup=False)
        )
        unit_choices = [Selection(one_line(u.name), u.id) for u in self.data.units]
        yield form_row(
            _("Whole units"),
            MarkedSelectionList[int](
                *unit_choices, id="consent-units", compact=True, classes="form-list"
            ),
        )
        yield form_row(
            _("Named persons"),
            field(
                id="consent-persons", max_length=1000, placeholder=_("e.g. Grandma Inge, Uncle Ib")
            ),
        )

    def on_mount(self) -> None:
        unit_list = self.query_one("#consent-units", SelectionList)
        if unit_list.option_count:
            unit_list.highlighted = 0
        self._search("")

    # --- the staff search, as you type -----------------------------------------------------

    @on(Input.Changed, "#consent-staff-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    def _search(self, query: str) -> None:
        self._find_staff(self.store, self.staff, query)

    @work(thread=True, exclusive=True, exit_on_error=False, group="consent-staff-search")
    def _find_staff(self, store: Store, staff: StaffRef, query: str) -> None:
        worker = get_current_worker()
        found = tuple(
            p
            for p in accounts.search_staff(store, staff, query, limit=SEARCH_LIMIT)
            if p.id != self.detail.holder_id
        )
        if not worker.is_cancelled:
            self.post_message(StaffFound(query, found))

    def on_staff_found(self, message: StaffFound) -> None:
        message.stop()
        if message.query != self.value("#consent-staff-search"):
            return  # an older search; a newer one is on its way
        self._found = {p.id: p for p in message.found}
        found = self.query_one("#consent-staff", SelectionList)
        found.clear_options()
        found.add_options(
            [Selection(staff_prompt(p), p.id, p.id in self.chosen_staff) for p in message.found]
        )
        if found.option_count:
            found.highlighted = 0

    @on(SelectionList.SelectionToggled, "#consent-staff")
    def _staff_toggled(self, event: SelectionList.SelectionToggled) -> None:
        value = event.selection.value
        if value in event.selection_list.selected and value in self._found:
            self.chosen_staff[value] = self._found[value].full_name
        else:
            self.chosen_staff.pop(value, None)
        chosen = literal("; ".join(self.chosen_staff.values()) or NOTHING)
        self.query_one("#consent-staff-chosen", Static).update(chosen)

    # --- saving ----------------------------------------------------------------------------

    def read_form(self) -> ConsentInput:
        giver = self.query_one("#consent-giver", Select).value
        if giver is Select.BLANK:
            raise FormError(
                _(
                    "Nobody is registered who may consent for {name}: add a guardian with "
                    "custody to the subject first."
                ).format(name=self.detail.subject_name)
                if not self.data.givers
                else _("Choose one of the subject's guardians as the one who consents."),
                "consent-giver",
            )
        method = self.query_one("#consent-method", Select).value
        if method is Select.BLANK:
            raise FormError(
                _("Say how the consent was given: signed form, digital or oral."), "consent-method"
            )
        today = self.data.today
        given_on = read_date(
            self.value("#consent-given"),
            _("Type the date the consent was given as YYYY-MM-DD, for example {example}."),
            example=today,
            field="consent-given",
        )
        expires_on = read_date(
            self.value("#consent-expires"),
            _("Type the expiry date as YYYY-MM-DD, for example {example}, or leave it empty."),
            example=today + timedelta(days=365),
            required=False,
            field="consent-expires",
        )
        tz = self.data.timezone
        given_at = None if given_on == today else local_moment(given_on, tz)  # type: ignore[arg-type]
        return ConsentInput(
            giver=SUBJECT_GIVER if giver == SUBJECT_GIVER else "guardian",
            guardian_id=None if giver == SUBJECT_GIVER else int(giver),  # type: ignore[arg-type]
            method=str(method),
            given_at=given_at,
            covers_log=self.query_one("#consent-covers-log", Checkbox).value,
            staff_ids=tuple(self.chosen_staff),
            unit_ids=tuple(self.query_one("#consent-units", SelectionList).selected),
            persons=split_names(self.value("#consent-persons")),
            expires_at=local_moment(expires_on, tz) if expires_on else None,
            note=self.value("#consent-note").strip(),
        )

    def write(self, store: Store, staff: StaffRef, values: ConsentInput) -> None:
        consent.record_consent(store, staff, self.detail.id, values)


# --- withdrawing a consent -------------------------------------------------------------------


class WithdrawConsentDialog(WritingDialog):
    """A guardian withdrew a consent: the reason is written down, the actors it covered are
    detached, and the log is flagged for the holder (R5). It cannot be undone."""

    def __init__(
        self,
        view: consent.ConsentView,
        readers: Sequence[log_actors.ActorView],
        tz: str,
        *,
        on_stale: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(on_stale=on_stale)
        self.view = view
        self.readers = tuple(readers)
        self.tz = tz

    def heading(self) -> str:
        return _("Withdraw a consent")

    def warning(self) -> Text:
        text = consent_details(self.view, self.tz)
        text.append("\n\n")
        if self.readers:
            names = ", ".join(a.name for a in self.readers)
            text.append_text(
                literal(
                    _(
                        "These actors read through it and are detached unless "
                        "another consent covers them: {names}."
                    ).format(names=names)
                )
            )
        else:
            text.append(_("No actor reads through this consent."))
        text.append("\n")
        text.append(
            _("A withdrawal cannot be undone; a new consent must be recorded instead."),
            style="bold",
        )
        return text

    def form(self) -> ComposeResult:
        yield Static(self.warning(), id="withdraw-warning", classes="log-dialog-note", markup=False)
        yield form_row(
            _("How and when"),
            field(
                id="withdraw-reason",
                max_length=1000,
                placeholder=_("e.g. Mother phoned on 3 March"),
            ),
        )
        yield Horizontal(
            Button(_("Withdraw consent"), id="withdraw-confirm", variant="error", compact=True),
            classes="form-row form-buttons",
        )

    def action_enter_field(self) -> None:
        """Enter in the reason goes to the button, the confirmation, instead of withdrawing
        at once (the focus moves before any key typed after the Enter)."""
        if self.focused is self.query_one("#withdraw-reason", Input):
            self.query_one("#withdraw-confirm", Button).focus()
            return
        super().action_enter_field()

    @on(Button.Pressed, "#withdraw-confirm")
    def _confirmed(self) -> None:
        self.action_save()

    def read_form(self) -> str:
        reason = self.value("#withdraw-reason").strip()
        if not reason:
            raise FormError(
                _("Write down how and when the consent was withdrawn."), "withdraw-reason"
            )
        return reason

    def write(self, store: Store, staff: StaffRef, values: str) -> None:
        consent.withdraw_consent(
            store, staff, self.view.id, version=self.view.version, reason=values
        )

    def reread(self, store: Store, staff: StaffRef) -> consent.ConsentView | None:
        return next(
            (
                c
                for c in consent.list_consents(store, staff, self.view.log_id)
                if c.id == self.view.id
            ),
            None,
        )

    def refreshed(self, fresh: consent.ConsentView | None) -> None:
        if fresh is not None:
            self.view = fresh
            self.query_one("#withdraw-warning", Static).update(self.warning())
