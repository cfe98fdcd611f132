"""Changing a planned meeting: moving it, cancelling it, and editing its agenda (R13).

Each dialog shows the meeting as it is now and, after a stale write, the other person's change
(what was typed stays). They share the frame of :mod:`relaytui.screens.meeting_form`: times in
the installation's time zone, clashes warned of while typing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Label, ListItem, ListView, Static

from relaytui.i18n import N_, _
from relaytui.screens.meeting_form import (
    MeetingDialog,
    Slot,
    meeting_summary,
    read_duration,
    read_when,
)
from relaytui.services import clock, meetings
from relaytui.services.meetings import MeetingView
from relaytui.ui.forms import FormError, field, form_row
from relaytui.ui.log_pane import literal

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef


class ChangeMeetingDialog(MeetingDialog):
    """A change of one planned meeting: it shows the meeting as it is now, and after a stale
    write the other person's change (what was typed stays)."""

    def __init__(self, meeting: MeetingView) -> None:
        super().__init__(exclude_meeting_id=meeting.id)
        self.meeting = meeting

    def summary(self) -> Static:
        return Static("", id="meeting-summary", classes="log-dialog-note", markup=False)

    def ready(self, tz: str, extra: Any) -> None:
        self.refreshed(self.meeting)

    def reread(self, store: Store, staff: StaffRef) -> MeetingView | None:
        return meetings.get_meeting(store, staff, self.meeting.id)

    def refreshed(self, fresh: MeetingView | None) -> None:
        if fresh is not None:
            self.meeting = fresh
            self.query_one("#meeting-summary", Static).update(
                meeting_summary(fresh, self.tz or "UTC")
            )


@dataclass(frozen=True)
class Move:
    slot: Slot
    place: str
    reason: str


class RescheduleDialog(ChangeMeetingDialog):
    """Move a planned meeting to another time (and place), with the reason."""

    def heading(self) -> str:
        return _("Move the meeting")

    def form(self) -> ComposeResult:
        yield self.summary()
        yield form_row(
            _("New date"), field(id="move-date", max_length=10, placeholder="YYYY-MM-DD")
        )
        yield form_row(_("New time"), field(id="move-time", max_length=5, placeholder="HH:MM"))
        yield form_row(
            _("Duration"),
            field(str(self.meeting.duration_minutes), id="move-duration", max_length=3),
        )
        yield form_row(
            _("Place or video link"), field(self.meeting.place, id="move-place", max_length=500)
        )
        yield form_row(
            _("Why it moves"),
            field(id="move-reason", max_length=2000, placeholder=_("e.g. the mother is ill")),
        )

    def ready(self, tz: str, extra: Any) -> None:
        super().ready(tz, extra)
        local = clock.local(self.meeting.starts_at, tz)
        assert local is not None
        for selector, value in (
            ("#move-date", f"{local:%Y-%m-%d}"),
            ("#move-time", f"{local:%H:%M}"),
        ):
            box = self.query_one(selector, Input)
            if not box.value:
                box.value = value

    @on(Input.Changed, "#move-date, #move-time, #move-duration")
    def _slot_changed(self) -> None:
        self.conflicts_may_have_changed()

    def slot(self) -> Slot | None:
        if self.tz is None:
            raise self.not_ready()
        starts_at = read_when(
            self.value("#move-date"),
            self.value("#move-time"),
            self.tz,
            day_field="move-date",
            time_field="move-time",
        )
        duration = read_duration(self.value("#move-duration"), field="move-duration")
        staff = tuple(i.staff_id for i in self.meeting.invitees if i.staff_id is not None)
        return Slot(starts_at, duration, staff)

    def read_form(self) -> Move:
        slot = self.slot()
        assert slot is not None
        reason = self.value("#move-reason").strip()
        if not reason:
            raise FormError(_("Write why the meeting moves."), "move-reason")
        return Move(slot, self.value("#move-place"), reason)

    def write(self, store: Store, staff: StaffRef, values: Move) -> None:
        self.check_clash(store, staff, values.slot)
        self.saved = meetings.reschedule(
            store,
            staff,
            self.meeting.id,
            version=self.meeting.version,
            starts_at=values.slot.starts_at,
            duration_minutes=values.slot.duration_minutes,
            reason=values.reason,
            place=values.place,
        )


class CancelMeetingDialog(ChangeMeetingDialog):
    """Cancel a planned meeting, with the reason (kept, and shown wherever the meeting is)."""

    def heading(self) -> str:
        return _("Cancel the meeting")

    def form(self) -> ComposeResult:
        yield self.summary()
        yield form_row(
            _("Why it is cancelled"),
            field(id="cancel-reason", max_length=2000, placeholder=_("e.g. the family moved away")),
        )

    def read_form(self) -> str:
        if self.tz is None:
            raise self.not_ready()
        reason = self.value("#cancel-reason").strip()
        if not reason:
            raise FormError(_("Write why the meeting is cancelled."), "cancel-reason")
        return reason

    def write(self, store: Store, staff: StaffRef, values: str) -> None:
        self.saved = meetings.cancel(
            store, staff, self.meeting.id, version=self.meeting.version, reason=values
        )


# --- the agenda ------------------------------------------------------------------------------


class AgendaDialog(ChangeMeetingDialog):
    """Edit and reorder the agenda by keyboard: Enter or e edits the chosen item, n adds one
    after it, d removes it, Shift+Up/Down moves it; Ctrl+S saves the whole agenda."""

    BINDINGS = [
        Binding(
            "e",
            "edit_item",
            N_("Edit"),
            id="agenda.edit",
            tooltip=N_("Edit the chosen agenda item."),
        ),
        Binding(
            "n",
            "add_item",
            N_("New item"),
            id="agenda.add",
            tooltip=N_("Add an agenda item after the chosen one."),
        ),
        Binding(
            "d,delete",
            "remove_item",
            N_("Remove"),
            id="agenda.remove",
            tooltip=N_("Remove the chosen agenda item."),
        ),
        Binding(
            "shift+up,ctrl+up",
            "move_item(-1)",
            N_("Move up"),
            id="agenda.up",
            tooltip=N_("Move the chosen agenda item up."),
        ),
        Binding(
            "shift+down,ctrl+down",
            "move_item(1)",
            N_("Move down"),
            id="agenda.down",
            tooltip=N_("Move the chosen agenda item down."),
        ),
    ]

    def __init__(self, meeting: MeetingView) -> None:
        super().__init__(meeting)
        self.titles = [item.title for item in meeting.agenda]
        #: The item being edited in the field below the list (None: none).
        self.editing: int | None = None
        self._new_item = False

    def heading(self) -> str:
        return _("Agenda")

    def form(self) -> ComposeResult:
        yield self.summary()
        yield ListView(id="agenda-items")
        yield Input(
            id="agenda-edit",
            max_length=200,
            compact=True,
            disabled=True,
            select_on_focus=False,
            placeholder=_("Enter or e edits the chosen item; n adds one"),
        )

    async def on_mount(self) -> None:
        await self.show_items(0)
        self.query_one("#agenda-items", ListView).focus()

    async def show_items(self, index: int) -> None:
        items = self.query_one("#agenda-items", ListView)
        await items.clear()
        await items.extend(
            ListItem(Label(literal(f"{number}. {title}")))
            for number, title in enumerate(self.titles, start=1)
        )
        if self.titles:
            items.index = max(0, min(index, len(self.titles) - 1))

    @property
    def chosen(self) -> int | None:
        index = self.query_one("#agenda-items", ListView).index
        return index if index is not None and 0 <= index < len(self.titles) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit_item", "add_item", "remove_item", "move_item"):
            return self.editing is None
        return True

    def begin_edit(self, index: int) -> None:
        self.editing = index
        box = self.query_one("#agenda-edit", Input)
        box.disabled = False
        box.value = self.titles[index]
        box.cursor_position = len(box.value)
        box.focus()
        self.refresh_bindings()

    def action_edit_item(self) -> None:
        if self.chosen is not None:
            self._new_item = False
            self.begin_edit(self.chosen)

    @on(ListView.Selected, "#agenda-items")
    def _item_selected(self, event: ListView.Selected) -> None:
        event.stop()
        self.action_edit_item()

    async def action_add_item(self) -> None:
        at = self.chosen + 1 if self.chosen is not None else len(self.titles)
        self.titles.insert(at, "")
        await self.show_items(at)
        self._new_item = True
        self.begin_edit(at)

    async def action_remove_item(self) -> None:
        index = self.chosen
        if index is None:
            return
        del self.titles[index]
        await self.show_items(index)

    async def action_move_item(self, step: int) -> None:
        index = self.chosen
        if index is None or not 0 <= index + step < len(self.titles):
            return
        self.titles[index], self.titles[index + step] = (
            self.titles[index + step],
            self.titles[index],
        )
        await self.show_items(index + step)

    def edited(self) -> list[str]:
        """The agenda with the item being edited as it is typed."""
        titles = list(self.titles)
        if self.editing is not None:
            titles[self.editing] = self.query_one("#agenda-edit", Input).value.strip()
        return [title for title in titles if title]

    async def end_edit(self, keep: bool) -> None:
        index = self.editing
        if index is None:
            return
        text = self.query_one("#agenda-edit", Input).value.strip()
        if keep and text and any(t == text for i, t in enumerate(self.titles) if i != index):
            self.show_error(_("That item is already on the agenda."), "agenda-edit")
            return
        self.show_error("")
        if keep and text:
            self.titles[index] = text
        elif self._new_item or (keep and not text):
            del self.titles[index]
        self.editing = None
        self._new_item = False
        box = self.query_one("#agenda-edit", Input)
        box.value = ""
        box.disabled = True
        await self.show_items(index)
        self.query_one("#agenda-items", ListView).focus()
        self.refresh_bindings()

    @on(Input.Submitted, "#agenda-edit")
    async def _edit_entered(self, event: Input.Submitted) -> None:
        event.stop()
        event.prevent_default()  # Enter ends the edit; it does not save the agenda
        await self.end_edit(keep=True)

    async def action_cancel(self) -> None:
        if self.editing is not None:
            await self.end_edit(keep=False)
            return
        self.dismiss(None)

    def read_form(self) -> list[str]:
        if self.tz is None:
            raise self.not_ready()
        titles = self.edited()
        if not titles:
            raise FormError(_("An agenda needs at least one item."))
        return titles

    def write(self, store: Store, staff: StaffRef, values: list[str]) -> None:
        self.saved = meetings.set_agenda(store, staff, self.meeting.id, values)
