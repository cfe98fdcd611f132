"""Changing a log's level (R4): the new level, why, and what is missing when it cannot change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, RadioButton, RadioSet, Static, TextArea

from relaytui.i18n import N_, _
from relaytui.services import installation, logs
from relaytui.ui.dialogs import LogDialog
from relaytui.ui.forms import FormError
from relaytui.widgets.footer import KeyFooter
from relaytui.widgets.levels import level_badge
from relaytui.widgets.toggles import MarkedRadioButton

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef


class LevelChangeDialog(LogDialog):
    """Raise or lower the level, with the reason written down (R4).

    Level 1 and above need the guardians' consent to the log: the dialog says so before the
    change is tried when the log has none in force, and shows the service's refusal if it
    is tried anyway.
    """

    AUTO_FOCUS = "#level-choice"
    BINDINGS = [
        Binding(
            "ctrl+s",
            "submit",
            N_("Change level"),
            id="level.save",
            priority=True,
            tooltip=N_("Change the level and record why."),
        ),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="level-dialog", classes="dialog-box"):
            with Vertical(classes="dialog-head"):
                yield Static(
                    self.title_text(_("Change level")), classes="dialog-title", markup=False
                )
            with VerticalScroll(classes="dialog-body"):
                yield Static("", id="level-now", markup=False)
                yield Label(_("New level"), classes="dialog-label", markup=False)
                yield RadioSet(
                    *(
                        MarkedRadioButton(Text(str(level)), id=f"level-{level}")
                        for level in logs.LEVELS
                    ),
                    id="level-choice",
                )
                yield Static("", id="level-hint", classes="dialog-hint", markup=False)
                yield Label(
                    _("Why does the level change? (required)"), classes="dialog-label", markup=False
                )
                yield TextArea(id="level-reason", classes="dialog-text")
            with Vertical(classes="dialog-foot"):
                yield Static("", classes="dialog-error", markup=False)
                with Horizontal(classes="dialog-buttons"):
                    yield Button(_("Change level"), variant="primary", classes="dialog-submit")
                    yield Button(_("Cancel"), classes="dialog-cancel")
        yield KeyFooter()

    def ready(self, inst: installation.Installation, extra: Any) -> None:
        current = self.detail.level
        self.query_one("#level-now", Static).update(
            Text.assemble(
                _("Now at level"),
                " ",
                level_badge(current),
                " ",
                inst.country.level_meaning(current),
            )
        )
        for level in logs.LEVELS:
            label = Text.assemble(level_badge(level), " ", inst.country.level_meaning(level))
            if level == current:
                label.append(" " + _("(now)"), style="italic")
            self.query_one(f"#level-{level}", RadioButton).label = label
        self._update_hint()

    def chosen_level(self) -> int | None:
        index = self.query_one("#level-choice", RadioSet).pressed_index
        return logs.LEVELS[index] if index >= 0 else None

    @on(RadioSet.Changed, "#level-choice")
    def _update_hint(self) -> None:
        hint = self.query_one("#level-hint", Static)
        level = self.chosen_level()
        text = ""
        if level is not None and level >= 1 and self.detail.consent_state != "ok":
            state = {
                "expired": _("the consent has expired"),
                "withdrawn": _("the consent was withdrawn"),
            }.get(self.detail.consent_state, _("no consent is recorded"))
            text = _(
                "Level {level} needs a consent to the log, and {detail}: record it under "
                "Actors and consent."
            ).format(level=level, detail=state)
        elif level is not None and level != self.detail.level:
            text = _("From level {old} to level {new}.").format(old=self.detail.level, new=level)
        hint.update(Text(text))
        hint.display = bool(text)

    def show_error(self, text: str | None, field: str | None = None) -> None:
        super().show_error(text, field)
        # The service's refusal says what the hint said: once is enough.
        hint = self.query_one("#level-hint", Static)
        if text and hint.display and str(hint.render()) == text:
            hint.display = False

    def read_form(self) -> tuple[int, str]:
        level = self.chosen_level()
        if level is None:
            raise FormError(
                _("Choose the new level: move with the arrow keys, choose with Enter or Space.")
            )
        return level, self.query_one("#level-reason", TextArea).text

    def write(self, store: Store, staff: StaffRef, values: tuple[int, str]) -> logs.LogDetail:
        level, reason = values
        return logs.change_level(
            store, staff, self.detail.id, to_level=level, reason=reason, version=self.detail.version
        )
