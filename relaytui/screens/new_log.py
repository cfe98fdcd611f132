"""Starting a relay log: find the subject by national number, register it if need be, write the
concern, and start at the level the profile prescribes (R1, R2, R4, R6, R15).

A subject has one active log at most (R1): when one exists the screen names its holder and how
to reach them, and goes no further.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    OptionList,
    RadioSet,
    Select,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option
from textual.worker import Worker

from relaytui.errors import DomainError
from relaytui.i18n import N_, _
from relaytui.i18n.formats import date_text
from relaytui.screens.new_log_forms import (
    KIND_LABELS,
    guardian_label,
    holder_notice,
    log_form,
    subject_form,
    subject_summary,
)
from relaytui.services import clock, consent, consent_givers, installation, logs, subjects
from relaytui.ui.base import RelayScreen, after_typed_keys
from relaytui.widgets.footer import KeyFooter
from relaytui.widgets.levels import level_badge
from relaytui.widgets.toggles import MarkedRadioButton

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

#: The text fields of one guardian: emptied once the guardian is in the list.
GUARDIAN_FIELDS = (
    "#newlog-guardian-name",
    "#newlog-guardian-relation",
    "#newlog-guardian-phone",
    "#newlog-guardian-email",
    "#newlog-guardian-number",
)


class NewLogScreen(RelayScreen):
    """Find or register the subject, then write the concern and start the log.

    Steps: the national number (checked as it is typed, looked up with Enter); if the subject
    is unknown, its name, kind and guardians; then the concern, an optional trigger category,
    and the start level: in ``dk`` always 0, in ``no`` normally 1 with the consent given now.
    A refusal from a service is shown under the form, and everything typed stays.
    """

    CSS_PATH = "dialogs.tcss"
    AUTO_FOCUS = "#newlog-number"
    BINDINGS = [
        Binding(
            "escape",
            "back",
            N_("Back"),
            id="newlog.back",
            tooltip=N_("Leave without starting a log."),
        ),
        Binding(
            "ctrl+s",
            "save",
            N_("Save"),
            id="newlog.save",
            priority=True,
            tooltip=N_("Register the subject, or create the relay log."),
        ),
        Binding(
            "delete",
            "remove_guardian",
            N_("Remove guardian"),
            id="newlog.remove_guardian",
            tooltip=N_("Remove the highlighted guardian from the list."),
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.inst: installation.Installation | None = None
        #: lookup | holder (a log exists: stop) | subject (register it) | log (write the concern)
        self.stage = "lookup"
        self.subject: subjects.SubjectView | None = None
        self.guardians: list[subjects.GuardianInput] = []
        #: The consent givers offered, in the order of the choice: ("guardian", id) or ("subject", None).
        self.givers: list[tuple[str, int | None]] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="newlog-header"):
            yield Static(_("New relay log"), id="newlog-title", markup=False)
            yield Static(
                _("Find the subject by national number. A subject has one relay log at most."),
                id="newlog-explanation",
                markup=False,
            )
        with VerticalScroll(id="newlog-body"):
            yield Label(_("National number"), classes="newlog-label", markup=False)
            with Horizontal(id="newlog-number-row"):
                yield Input(id="newlog-number", max_length=20)
                yield Button(_("Look up"), id="newlog-lookup")
            yield Static("", id="newlog-number-check", markup=False)
            yield Static("", id="newlog-holder", markup=False)
            yield from subject_form()
            yield from log_form()
        yield Static("", id="newlog-error", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        for widget in (
            "#newlog-subject-form",
            "#newlog-log-form",
            "#newlog-holder",
            "#newlog-error",
            "#newlog-guardian-list",
        ):
            self.query_one(widget).display = False
        self._load(self.store)

    # --- the installation ----------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="newlog-load")
    def _load(self, store: Store) -> None:
        inst = installation.read(store)
        self.app.call_from_thread(self._loaded, inst)

    async def _loaded(self, inst: installation.Installation) -> None:
        self.inst = inst
        number = self.query_one("#newlog-number", Input)
        number.placeholder = _(inst.country.number_placeholder)
        self._check_number(number.value)
        if not inst.country.trigger_categories:
            # The trigger categories are the Danish guide's ("Sådan gør vi"); a Norwegian log
            # has none (R2).
            self.query_one("#newlog-trigger-label").display = False
            self.query_one("#newlog-trigger").display = False
        if not inst.country.starts_with_consent:
            self.query_one("#newlog-level-note", Static).update(
                Text.assemble(
                    _("Level"),
                    " ",
                    level_badge(0),
                    " ",
                    inst.country.level_meaning(0),
                    "\n",
                    _(
                        "In Denmark a relay log always starts at level 0. Raise the level later, when "
                        "the guardians have consented."
                    ),
                )
            )
            self.query_one("#newlog-consent").display = False
        else:
            note = self.query_one("#newlog-level-note", Static)
            note.update(
                Text(
                    _(
                        "Normally level 1, with the consent the guardians give now; or "
                        "level 0 to clarify first whether there is a concern."
                    )
                )
            )
            buttons = []
            for level in inst.country.start_levels:
                label = Text.assemble(level_badge(level), " ", inst.country.level_meaning(level))
                label.append(
                    " — " + (_("with the consent given now") if level == 1 else _("no consent yet"))
                )
                buttons.append(
                    MarkedRadioButton(label, value=level == 1, id=f"newlog-level-{level}")
                )
            await self.query_one("#newlog-level-box").mount(RadioSet(*buttons, id="newlog-level"))

    # --- the national number (R15) -------------------------------------------------------

    @on(Input.Changed, "#newlog-number")
    def _number_changed(self, event: Input.Changed) -> None:
        if self.stage != "lookup":
            self._back_to_lookup()
        self._show_error(None)
        self._check_number(event.value)

    def _check_number(self, number: str) -> bool:
        """Say under the field whether the number is valid; a pure check, no database."""
        check = self.query_one("#newlog-number-check", Static)
        if self.inst is None:
            return False
        if not number.strip():
            check.update(Text(_(self.inst.country.number_hint), style="dim"))
            check.set_class(False, "-invalid")
            return False
        try:
            _digits, born = subjects.validate_national_number(
                number, self.inst.profile, clock.today(self.inst.timezone)
            )
        except DomainError as exc:
            check.update(Text(exc.message))
            check.set_class(True, "-invalid")
            return False
        text = _("Valid, born {date}").format(date=date_text(born)) if born else _("Valid")
        line = Text("✓ " + text)
        warning = subjects.adult_warning(born, clock.today(self.inst.timezone))
        if warning:  # a warning, not a refusal: the log can still be started
            line.append("\n⚠ " + warning, style="bold")
        check.update(line)
        check.set_class(False, "-invalid")
        return True

    @on(Input.Submitted, "#newlog-number")
    @on(Button.Pressed, "#newlog-lookup")
    def action_lookup(self) -> None:
        if self.busy or self.inst is None:
            return
        number = self.query_one("#newlog-number", Input).value
        try:
            subjects.validate_national_number(
                number, self.inst.profile, clock.today(self.inst.timezone)
            )
        except DomainError as exc:
            self._show_error(exc.message)
            return
        self._back_to_lookup()
        self._set_busy(True)
        self._find(self.store, self.staff, number)

    @work(thread=True, exclusive=True, exit_on_error=False, group="newlog-find")
    def _find(self, store: Store, staff: StaffRef, number: str) -> None:
        view = subjects.find_subject(store, staff, number)
        self.app.call_from_thread(self._found, view)

    async def _found(self, view: subjects.SubjectView | None) -> None:
        self._set_busy(False)
        if view is None:
            self._set_stage("subject")
            self.query_one("#newlog-name", Input).focus()
        elif view.active_log is not None:
            self._show_holder(view.active_log)
            self._set_stage("holder")
        else:
            await self._start_log_form(view)

    def _show_holder(self, contact: subjects.HolderContact) -> None:
        """R1: who holds the existing log and how to reach them; nothing of its content."""
        self.query_one("#newlog-holder", Static).update(holder_notice(contact))

    # --- registering the subject ---------------------------------------------------------

    @on(Input.Submitted, "#newlog-name")
    def _name_submitted(self) -> None:
        self.focus_next()

    @on(Input.Submitted, ", ".join(GUARDIAN_FIELDS))
    @on(Button.Pressed, "#newlog-add-guardian")
    def action_add_guardian(self) -> None:
        guardian = self._typed_guardian()
        if guardian is None:
            self._show_error(_("Type the guardian's name."))
            self.query_one("#newlog-guardian-name", Input).focus()
            return
        problem = self._guardian_number_problem(guardian)
        if problem:  # a hint before registering; the service decides
            self._show_error(problem)
            self.query_one("#newlog-guardian-number", Input).focus()
            return
        self._show_error(None)
        self.guardians.append(guardian)
        for field in GUARDIAN_FIELDS:
            self.query_one(field, Input).clear()
        self.query_one("#newlog-guardian-custody", Checkbox).value = True
        self._show_guardians()
        self.query_one("#newlog-guardian-name", Input).focus()

    def _typed_guardian(self) -> subjects.GuardianInput | None:
        name = self.query_one("#newlog-guardian-name", Input).value.strip()
        if not name:
            return None
        return subjects.GuardianInput(
            name=name,
            relation=self.query_one("#newlog-guardian-relation", Input).value.strip(),
            phone=self.query_one("#newlog-guardian-phone", Input).value.strip(),
            email=self.query_one("#newlog-guardian-email", Input).value.strip(),
            has_custody=self.query_one("#newlog-guardian-custody", Checkbox).value,
            national_number=self.query_one("#newlog-guardian-number", Input).value.strip(),
        )

    def _guardian_number_problem(self, guardian: subjects.GuardianInput) -> str | None:
        """What is wrong with the guardian's national number, as the service will say it."""
        if self.inst is None or not guardian.national_number:
            return None
        try:
            subjects.validate_national_number(
                guardian.national_number, self.inst.profile, clock.today(self.inst.timezone)
            )
        except DomainError as exc:
            return _("{name}'s national number: {problem}").format(
                name=guardian.name, problem=exc.message
            )
        return None

    def _show_guardians(self) -> None:
        listing = self.query_one("#newlog-guardian-list", OptionList)
        highlighted = listing.highlighted
        listing.clear_options()
        listing.add_options(
            Option(
                guardian_label(
                    g.name, g.relation, g.phone, g.has_custody, g.email, bool(g.national_number)
                )
            )
            for g in self.guardians
        )
        listing.display = bool(self.guardians)
        if self.guardians:
            listing.highlighted = min(highlighted or 0, len(self.guardians) - 1)

    def action_remove_guardian(self) -> None:
        listing = self.query_one("#newlog-guardian-list", OptionList)
        if listing.highlighted is None or not self.guardians:
            return
        del self.guardians[listing.highlighted]
        self._show_guardians()
        if not self.guardians:
            self.query_one("#newlog-guardian-name", Input).focus()

    @on(Button.Pressed, "#newlog-register")
    def action_register(self) -> None:
        if self.busy or self.stage != "subject":
            return
        self._show_error(None)
        guardians = list(self.guardians)
        pending = self._typed_guardian()
        if pending is not None:
            # Typed but not added: the user surely meant it to count.
            guardians.append(pending)
        kinds = list(KIND_LABELS)
        index = self.query_one("#newlog-kind", RadioSet).pressed_index
        self._set_busy(True)
        self._register(
            self.store,
            self.staff,
            self.query_one("#newlog-number", Input).value,
            self.query_one("#newlog-name", Input).value,
            kinds[index] if index >= 0 else "",
            tuple(guardians),
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="newlog-register")
    def _register(
        self,
        store: Store,
        staff: StaffRef,
        number: str,
        name: str,
        kind: str,
        guardians: tuple[subjects.GuardianInput, ...],
    ) -> None:
        view = subjects.create_subject(
            store, staff, national_number=number, name=name, kind=kind, guardians=guardians
        )
        self.app.call_from_thread(self._registered, view)

    async def _registered(self, view: subjects.SubjectView) -> None:
        self._set_busy(False)
        self.guardians = []
        for field in GUARDIAN_FIELDS:
            self.query_one(field, Input).clear()
        self._show_guardians()
        await self._start_log_form(view)

    # --- the log -------------------------------------------------------------------------

    async def _start_log_form(self, view: subjects.SubjectView) -> None:
        assert self.inst is not None
        self.subject = view
        today = clock.today(self.inst.timezone)
        self.query_one("#newlog-subject", Static).update(subject_summary(view, today))
        await self._fill_givers(view)
        self._set_stage("log")
        self.query_one("#newlog-concern", TextArea).focus()

    async def _fill_givers(self, view: subjects.SubjectView) -> None:
        """Only those who may consent (R6), as the consent service decides."""
        box = self.query_one("#newlog-giver-box", Vertical)
        await box.remove_children()
        if self.inst is None or not self.inst.country.starts_with_consent:
            self.givers = []
            return
        givers = consent_givers.who_may_consent(
            view.name,
            view.kind,
            view.birth_date,
            view.guardians,
            self.inst,
            clock.today(self.inst.timezone),
        )
        self.givers = [
            ("subject", None) if g.guardian_id is None else ("guardian", g.guardian_id)
            for g in givers
        ]
        guardians = {g.id: g for g in view.guardians}
        buttons = [
            MarkedRadioButton(Text(_("{name} themself").format(name=view.name)), value=index == 0)
            if g.guardian_id is None
            else MarkedRadioButton(
                guardian_label(g.name, g.relation, guardians[g.guardian_id].phone, True),
                value=index == 0,
            )
            for index, g in enumerate(givers)
        ]
        if buttons:
            await box.mount(RadioSet(*buttons, id="newlog-giver"))
        else:
            await box.mount(
                Static(
                    Text(
                        _(
                            "No one can consent yet: no guardian with custody is "
                            "registered. Start at level 0, and add the guardians in the "
                            "log."
                        )
                    ),
                    markup=False,
                )
            )

    @on(RadioSet.Changed, "#newlog-level")
    def _level_changed(self) -> None:
        self.query_one("#newlog-consent").display = self._start_level() == 1

    def _start_level(self) -> int:
        if self.inst is None or not self.inst.country.starts_with_consent:
            return 0
        index = self.query_one("#newlog-level", RadioSet).pressed_index
        return self.inst.country.start_levels[index] if index >= 0 else 1

    @on(Button.Pressed, "#newlog-create")
    def action_create(self) -> None:
        if self.busy or self.stage != "log" or self.subject is None:
            return
        self._show_error(None)
        level = self._start_level()
        first_consent = None
        if level == 1:
            giver_index = -1
            givers = self.query("#newlog-giver")
            if givers:
                giver_index = givers.first(RadioSet).pressed_index
            if giver_index < 0:
                self._show_error(
                    _(
                        "Level 1 needs the consent given now: choose who gave it, or "
                        "start at level 0."
                    )
                )
                return
            method_index = self.query_one("#newlog-method", RadioSet).pressed_index
            giver, guardian_id = self.givers[giver_index]
            first_consent = consent.ConsentInput(
                giver=giver,
                guardian_id=guardian_id,
                method=consent.METHODS[method_index] if method_index >= 0 else "",
            )
        trigger = (
            self.query_one("#newlog-trigger", Select).value
            if self.inst.country.trigger_categories
            else None
        )
        self._set_busy(True)
        self._create(
            self.store,
            self.staff,
            self.subject.id,
            self.query_one("#newlog-concern", TextArea).text,
            trigger if isinstance(trigger, str) else None,
            level,
            first_consent,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="newlog-create")
    def _create(
        self,
        store: Store,
        staff: StaffRef,
        subject_id: int,
        concern: str,
        trigger: str | None,
        level: int,
        first_consent: consent.ConsentInput | None,
    ) -> None:
        detail = logs.create_log(
            store,
            staff,
            subject_id=subject_id,
            concern=concern,
            trigger=trigger,
            level=level,
            first_consent=first_consent,
        )
        self.app.call_from_thread(self._created, detail)

    def _created(self, detail: logs.LogDetail) -> None:
        from relaytui.screens.log_view import LogViewScreen

        self._set_busy(False)
        if self.is_current:
            self.app.switch_screen(LogViewScreen(detail.id))

    # --- keys ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save":
            return self.stage in ("subject", "log")
        if action == "remove_guardian":
            return (
                self.stage == "subject"
                and bool(self.guardians)
                and self.focused is self.query_one("#newlog-guardian-list")
            )
        return True

    @after_typed_keys
    def action_save(self) -> None:
        if self.stage == "subject":
            self.action_register()
        elif self.stage == "log":
            self.action_create()

    def action_back(self) -> None:
        if self.busy:
            return  # the answer of the database comes first; then Escape works again
        self.app.pop_screen()

    # --- state ---------------------------------------------------------------------------

    def _set_stage(self, stage: str) -> None:
        self.stage = stage
        self.query_one("#newlog-holder").display = stage == "holder"
        self.query_one("#newlog-subject-form").display = stage == "subject"
        self.query_one("#newlog-log-form").display = stage == "log"
        self.refresh_bindings()

    def _back_to_lookup(self) -> None:
        """The number changed: what was found for the old one no longer holds (typing stays)."""
        self.subject = None
        self._set_stage("lookup")

    @property
    def busy(self) -> bool:
        return self.has_class("-busy")

    def _set_busy(self, busy: bool) -> None:
        self.set_class(busy, "-busy")
        for button in self.query("#newlog-body Button"):
            button.disabled = busy

    def worker_failed(self, worker: Worker, message: str) -> None:
        self._set_busy(False)
        self._show_error(message)

    def _show_error(self, text: str | None) -> None:
        error = self.query_one("#newlog-error", Static)
        error.update(Text(text or ""))
        error.display = bool(text)
