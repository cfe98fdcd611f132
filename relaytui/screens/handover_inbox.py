"""The handover inbox (F4, from anywhere; R8): what waits for my answer, what waits for
someone else's, mine declined recently, and, for a leader, what has waited too long in the unit.

Accepting or declining opens :class:`~relaytui.screens.handover_answer.AnswerDialog`; nothing
changes until the receiver accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import Worker, get_current_worker

from relaytui.i18n import N_, _
from relaytui.i18n.formats import local_date
from relaytui.screens.handover_answer import AnswerDialog
from relaytui.services import handover, installation
from relaytui.ui.base import RelayScreen
from relaytui.ui.dialogs import ConfirmDialog
from relaytui.widgets.fitted_table import FittedTable
from relaytui.widgets.footer import KeyFooter
from relaytui.widgets.levels import level_badge
from relaytui.widgets.messages import OpenLog

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

NOTHING = "-"
#: How many characters of a message a table cell shows (the whole message is shown below).
MESSAGE_CELL = 24


def _date(moment: datetime | None, tz: str) -> str:
    return local_date(moment, tz, NOTHING)


def _short(text: str, limit: int = MESSAGE_CELL) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# --- the inbox ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxData:
    """What the worker hands back."""

    inst: installation.Installation
    to_me: tuple[handover.HandoverView, ...]
    from_me: tuple[handover.HandoverView, ...]
    unanswered: tuple[handover.HandoverView, ...]
    declined: tuple[handover.HandoverView, ...] = ()


#: The tables' ids and their columns.
TO_ME, FROM_ME, LATE = "handovers-to-me", "handovers-from-me", "handovers-late"
DECLINED = "handovers-declined"
COLUMNS = {
    TO_ME: (N_("Subject"), N_("No."), N_("Level"), N_("From"), N_("Proposed"), N_("Message")),
    FROM_ME: (N_("Subject"), N_("No."), N_("Level"), N_("To"), N_("Proposed"), N_("Message")),
    DECLINED: (N_("Subject"), N_("No."), N_("Level"), N_("Declined by"), N_("Answered"), N_("Why")),
    LATE: (N_("Subject"), N_("No."), N_("Level"), N_("From"), N_("To"), N_("Proposed")),
}
#: The inbox's four parts in order: the table, its heading and what it says when empty. The
#: leader's part is headed once the unit's time limit is read.
SECTIONS = (
    (TO_ME, N_("Waiting for your answer"), N_("Nothing waits for your answer.")),
    (
        FROM_ME,
        N_("Proposed by you, waiting for the answer"),
        N_("You have proposed no handover that waits for an answer."),
    ),
    (
        DECLINED,
        N_("Answered recently: declined, with the reason"),
        N_("None of your handovers was declined."),
    ),
    (LATE, "", N_("No handover in your unit has waited too long.")),
)


class HandoverInboxScreen(RelayScreen):
    """Handovers waiting for my answer, mine waiting for others', mine declined recently (with
    the reason, until I dismiss them), and (for a leader) the ones left unanswered too long in
    the unit (R8)."""

    BINDINGS = [
        Binding(
            "a",
            "accept",
            N_("Accept"),
            id="handovers.accept",
            tooltip=N_("Accept the chosen handover: you become the holder."),
        ),
        Binding(
            "d",
            "decline",
            N_("Decline"),
            id="handovers.decline",
            tooltip=N_("Decline the chosen handover, with a message to the holder."),
        ),
        Binding(
            "w",
            "withdraw",
            N_("Withdraw"),
            id="handovers.withdraw",
            tooltip=N_("Take back a handover you proposed."),
        ),
        Binding(
            "x",
            "dismiss_declined",
            N_("Dismiss"),
            id="handovers.dismiss",
            tooltip=N_("You have read why your handover was declined: remove it from the list."),
        ),
        Binding(
            "o",
            "open_log",
            N_("Open log"),
            id="handovers.open_log",
            tooltip=N_("Open the relay log of the chosen handover."),
        ),
        Binding(
            "r",
            "refresh",
            N_("Refresh"),
            id="handovers.refresh",
            tooltip=N_("Load the handovers again."),
        ),
    ]

    class Loaded(Message):
        def __init__(self, data: InboxData) -> None:
            super().__init__()
            self.data = data

    def __init__(self) -> None:
        super().__init__()
        self.data: InboxData | None = None
        self._rows: dict[str, dict[str, handover.HandoverView]] = {
            TO_ME: {},
            FROM_ME: {},
            DECLINED: {},
            LATE: {},
        }

    def compose(self) -> ComposeResult:
        yield Static(_("Handovers"), id="handovers-title", markup=False)
        with VerticalScroll(id="handovers-body"):
            for table_id, heading, empty in SECTIONS:
                yield Static(
                    _(heading) if heading else "",
                    id=f"{table_id}-heading",
                    classes="handovers-heading",
                    markup=False,
                )
                yield FittedTable(id=table_id, cursor_type="row", classes="handovers-table")
                yield Static(
                    _(empty), id=f"{table_id}-empty", classes="handovers-empty", markup=False
                )
        yield Static("", id="handovers-detail", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        for table_id, columns in COLUMNS.items():
            table = self.query_one(f"#{table_id}", DataTable)
            for index, heading in enumerate(columns):
                table.add_column(Text(_(heading)), key=str(index))
        for widget in self.query(".handovers-table, .handovers-empty, .handovers-heading"):
            widget.display = False
        self.query_one("#handovers-detail").display = False
        self.load()

    def on_screen_resume(self) -> None:
        if self.data is not None:
            self.load()

    # --- loading -------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.load()

    def load(self) -> None:
        if self.data is None:
            self.query_one("#handovers-body").loading = True
        self._load(self.store, self.staff)

    @work(thread=True, exclusive=True, exit_on_error=False, group="handovers")
    def _load(self, store: Store, staff: StaffRef) -> None:
        inst = installation.read(store)
        mine = handover.inbox(store, staff)
        late = handover.unanswered_for_leader(store, staff)
        declined = handover.declined_answers(store, staff)
        if get_current_worker().is_cancelled:
            return  # a newer load (after a withdrawal, say) answers instead: never the older
        self.post_message(
            self.Loaded(
                InboxData(
                    inst=inst,
                    to_me=tuple(h for h in mine if h.to_id == staff.id),
                    from_me=tuple(h for h in mine if h.to_id != staff.id),
                    unanswered=tuple(late),
                    declined=tuple(declined),
                )
            )
        )

    def worker_failed(self, worker: Worker, message: str) -> None:
        self.query_one("#handovers-body").loading = False
        super().worker_failed(worker, message)

    def on_handover_inbox_screen_loaded(self, message: Loaded) -> None:
        message.stop()
        data = message.data
        first = self.data is None
        self.data = data
        self.query_one("#handovers-body").loading = False
        tz = data.inst.timezone
        self._fill(
            TO_ME,
            data.to_me,
            lambda h: [
                Text(h.subject_name),
                Text(h.national_number_masked),
                level_badge(h.level),
                Text(h.from_name),
                Text(_date(h.proposed_at, tz)),
                Text(_short(h.message)),
            ],
        )
        self._fill(
            FROM_ME,
            data.from_me,
            lambda h: [
                Text(h.subject_name),
                Text(h.national_number_masked),
                level_badge(h.level),
                Text(h.to_name),
                Text(_date(h.proposed_at, tz)),
                Text(_short(h.message)),
            ],
        )
        self._fill(
            DECLINED,
            data.declined,
            lambda h: [
                Text(h.subject_name),
                Text(h.national_number_masked),
                level_badge(h.level),
                Text(h.to_name),
                Text(_date(h.answered_at, tz)),
                Text(_short(h.answer_message)),
            ],
        )
        self._fill(
            LATE,
            data.unanswered,
            lambda h: [
                Text(h.subject_name),
                Text(h.national_number_masked),
                level_badge(h.level),
                Text(h.from_name),
                Text(h.to_name),
                Text(_date(h.proposed_at, tz)),
            ],
        )
        leader = self.staff.role == "leader" or bool(data.unanswered)
        heading = self.query_one(f"#{LATE}-heading", Static)
        heading.update(
            Text(
                _("Unanswered for more than {days} days in your unit").format(
                    days=data.inst.handover_reminder_days
                )
            )
        )
        heading.display = leader
        if not leader:
            self.query_one(f"#{LATE}", DataTable).display = False
            self.query_one(f"#{LATE}-empty").display = False
        for table_id in (TO_ME, FROM_ME, DECLINED):
            self.query_one(f"#{table_id}-heading").display = True
        if hasattr(self.app, "show_waiting_handovers"):
            self.host.show_waiting_handovers(len(data.to_me))
        if first or not isinstance(self.focused, DataTable) or not self.focused.display:
            for table_id in (TO_ME, FROM_ME, DECLINED, LATE):
                table = self.query_one(f"#{table_id}", DataTable)
                if table.display:
                    table.focus()
                    break
        self._show_detail()
        self.refresh_bindings()

    def _fill(
        self,
        table_id: str,
        rows: tuple[handover.HandoverView, ...],
        cells: Callable[[handover.HandoverView], list[Text]],
    ) -> None:
        """Replace the rows, keeping the cursor on the same handover when it is still there."""
        table = self.query_one(f"#{table_id}", DataTable)
        current = self._current_key(table)
        table.clear()
        self._rows[table_id] = {str(h.id): h for h in rows}
        for h in rows:
            table.add_row(*cells(h), key=str(h.id))
        if current is not None and current in table.rows:
            table.move_cursor(row=table.get_row_index(current))
        table.display = bool(rows)
        self.query_one(f"#{table_id}-empty").display = not rows

    @staticmethod
    def _current_key(table: DataTable) -> str | None:
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    # --- the chosen handover -------------------------------------------------------------

    def chosen(self) -> tuple[str, handover.HandoverView] | None:
        """The focused table and the handover under its cursor, if any."""
        table = self.focused
        if not isinstance(table, DataTable) or table.id not in self._rows:
            return None
        key = self._current_key(table)
        view = self._rows[table.id].get(key) if key is not None else None
        return (table.id, view) if view is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("accept", "decline", "withdraw", "dismiss_declined", "open_log"):
            chosen = self.chosen()
            where = chosen[0] if chosen else None
            if action in ("accept", "decline"):
                return where == TO_ME
            if action == "withdraw":
                return where == FROM_ME
            if action == "dismiss_declined":
                return where == DECLINED
            return where in (FROM_ME, DECLINED, LATE)
        return True

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def on_descendant_focus(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        detail = self.query_one("#handovers-detail", Static)
        chosen = self.chosen()
        if chosen is None or self.data is None:
            detail.display = False
            return
        _where, h = chosen
        tz = self.data.inst.timezone
        text = Text()
        text.append(h.subject_name, style="bold")
        text.append(f" ({h.national_number_masked}) ")
        text.append_text(level_badge(h.level))
        text.append("\n")
        text.append(
            _("From {giver} ({giver_unit}) to {taker} ({taker_unit}), proposed {day}.").format(
                giver=h.from_name,
                giver_unit=h.from_unit or NOTHING,
                taker=h.to_name,
                taker_unit=h.to_unit or NOTHING,
                day=_date(h.proposed_at, tz),
            )
        )
        if h.transition:
            text.append(" " + _("A transition to another unit, covered by a consent."))
        if h.message:
            text.append("\n" + _("Message:") + " ")
            text.append(h.message, style="italic")
        if h.status == "declined":
            text.append(
                "\n"
                + _("{taker} declined on {day}. Why:").format(
                    taker=h.to_name, day=_date(h.answered_at, tz)
                )
                + " "
            )
            text.append(h.answer_message, style="italic")
            text.append("\n" + _("Press x to remove it from this list once you have read it."))
        detail.update(text)
        detail.display = True

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.data_table.id == TO_ME:
            self.action_accept()
        else:
            self.action_open_log()

    # --- answering -----------------------------------------------------------------------

    def action_accept(self) -> None:
        self._answer(accept=True)

    def action_decline(self) -> None:
        self._answer(accept=False)

    def _answer(self, *, accept: bool) -> None:
        chosen = self.chosen()
        if chosen is None or chosen[0] != TO_ME:
            return
        view = chosen[1]
        self.app.push_screen(
            AnswerDialog(view, accept=accept), callback=lambda result: self._answered(result)
        )

    def _answered(self, result: handover.HandoverView | bool | None) -> None:
        if not isinstance(result, handover.HandoverView):
            return
        self.load()
        if result.status == "accepted":
            self.app.push_screen(
                ConfirmDialog(
                    Text(_("You hold the log now"), style="bold"),
                    Text(
                        _(
                            "You are now the holder of the relay log about {subject}. Open it now?"
                        ).format(subject=result.subject_name)
                    ),
                    _("Open the log"),
                    _("Later"),
                ),
                callback=lambda yes: self.post_message(OpenLog(result.log_id)) if yes else None,
            )
        else:
            self.notify(
                _("You declined. {name} stays the holder.").format(name=result.from_name),
                markup=False,
            )

    def action_withdraw(self) -> None:
        chosen = self.chosen()
        if chosen is None or chosen[0] != FROM_ME:
            return
        view = chosen[1]
        self.app.push_screen(
            ConfirmDialog(
                Text(_("Withdraw the handover?"), style="bold"),
                Text(
                    _(
                        "{name} will no longer be asked to hold the relay log about {subject}. You "
                        "stay the holder."
                    ).format(name=view.to_name, subject=view.subject_name)
                ),
                _("Withdraw"),
                _("Keep it"),
            ),
            callback=lambda yes: self._withdraw(self.store, self.staff, view.id) if yes else None,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="handover-withdraw")
    def _withdraw(self, store: Store, staff: StaffRef, handover_id: int) -> None:
        result = handover.withdraw(store, staff, handover_id)
        self.app.call_from_thread(self._withdrawn, result)

    def _withdrawn(self, result: handover.HandoverView) -> None:
        self.notify(
            _("Withdrawn. You stay the holder of the relay log about {subject}.").format(
                subject=result.subject_name
            ),
            markup=False,
        )
        self.load()

    def action_dismiss_declined(self) -> None:
        chosen = self.chosen()
        if chosen is None or chosen[0] != DECLINED:
            return
        self._dismiss_declined(self.store, self.staff, chosen[1].id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="handover-dismiss")
    def _dismiss_declined(self, store: Store, staff: StaffRef, handover_id: int) -> None:
        handover.dismiss_declined(store, staff, handover_id)
        self.app.call_from_thread(self.load)

    def action_open_log(self) -> None:
        chosen = self.chosen()
        if chosen is None or chosen[0] not in (FROM_ME, DECLINED, LATE):
            return
        self.post_message(OpenLog(chosen[1].log_id))
