"""The history tab: level changes, holders over time, and, for the holder, who read the log;
for every reader, who of the family read it in the family view and the notices sent by e-mail.

Every read of a log is audited (R9); the holder sees the trail so a guardian's question
"who has read about my child?" can be answered. The holder and the actors see that the family
follows along, and whether the notices about the log reached the people they were for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from relaytui.i18n import N_, _
from relaytui.services import family, installation, log_history, notices
from relaytui.ui.log_pane import LogPane, date_time, label, literal

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

#: What part of the log a read was of (the audit trail's detail).
READ_WHAT = {
    "log": N_("the log"),
    "entries": N_("the journal"),
    "history": N_("the history"),
    "meetings": N_("the meetings"),
    "meeting": N_("a meeting"),
    "efforts": N_("the efforts"),
    "goals": N_("the goals"),
    "actors": N_("the actors"),
    "consents": N_("the consents"),
    "guardians": N_("the guardians"),
    "notifications": N_("the notifications"),
    "family reads": N_("the family's reads"),
    "notices": N_("the e-mail notices"),
}


def _table(*headings: str, expand: bool = False) -> Table:
    table = Table(expand=expand, show_edge=False, box=None, pad_edge=False, header_style="bold")
    for heading in headings:
        table.add_column(heading, overflow="fold", no_wrap=False)
    return table


def level_changes_table(history: log_history.History, tz: str) -> Table:
    table = _table(_("When"), _("Who"), _("From"), _("To"), _("Why"), expand=True)
    table.columns[4].ratio = 1
    for change in history.level_changes:
        table.add_row(
            Text(date_time(change.at, tz)),
            literal(change.by_name),
            Text("-" if change.from_level is None else str(change.from_level)),
            Text(str(change.to_level)),
            literal(change.reason),
        )
    return table


def holders_table(history: log_history.History, tz: str) -> Table:
    table = _table(_("Holder"), _("From"), _("Until"))
    for period in history.holders:
        table.add_row(
            literal(period.staff_name),
            Text(date_time(period.started_at, tz)),
            Text(date_time(period.ended_at, tz) if period.ended_at else _("now")),
        )
    return table


#: What became of a handover (the history's handover table).
HANDOVER_STATUS = {
    "pending": N_("waiting for an answer"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "withdrawn": N_("withdrawn"),
}


def handovers_table(history: log_history.History, tz: str) -> Table:
    """Each proposed handover: who to whom, the answer and when, and the answer's message (a
    declined handover's reason)."""
    table = _table(
        _("Proposed"), _("From"), _("To"), _("Answer"), _("Answered"), _("Message"), expand=True
    )
    table.columns[5].ratio = 1
    for h in history.handovers:
        table.add_row(
            Text(date_time(h.proposed_at, tz)),
            literal(h.from_name),
            literal(h.to_name),
            Text(label(HANDOVER_STATUS, h.status)),
            Text(date_time(h.answered_at, tz) if h.answered_at else "-"),
            literal(h.answer_message),
        )
    return table


def reads_table(history: log_history.History, tz: str) -> Table:
    table = _table(_("When"), _("Who"), _("What"))
    for read in history.reads:
        who = literal(read.staff_name or read.username)
        if read.staff_name and read.username:
            who.append(f" ({read.username})")
        table.add_row(Text(date_time(read.at, tz)), who, Text(label(READ_WHAT, read.what)))
    return table


def family_reads_table(reads: list[family.FamilyRead], tz: str) -> Table:
    """Who of the family read the log in the family view: the latest reader first."""
    table = _table(_("Name"), _("Relation"), _("Times"), _("Last time"))
    for read in reads:
        table.add_row(
            literal(read.name),
            literal(read.relation),
            Text(str(read.reads)),
            Text(date_time(read.last_read_at, tz)),
        )
    return table


def notice_state(notice: notices.NoticeView, tz: str) -> str:
    """Sent (when), given up (when), or waiting (and when it is tried next)."""
    if notice.sent_at is not None:
        return _("sent {when}").format(when=date_time(notice.sent_at, tz))
    if notice.failed_at is not None:
        return _("given up {when}").format(when=date_time(notice.failed_at, tz))
    if notice.next_attempt_at is None:
        return _("waiting")
    return _("waiting, next attempt {when}").format(when=date_time(notice.next_attempt_at, tz))


def notice_recipient(notice: notices.NoticeView) -> Text:
    who = literal(notice.recipient_name or "-")
    if notice.recipient_role == "guardian":
        who.append(" (" + _("family") + ")")
    return who


def notices_table(sent: list[notices.NoticeView], tz: str) -> Table:
    """The log's notices by e-mail, the latest first: when, what, to whom, and what became of it."""
    table = _table(_("When"), _("Notice"), _("To"), _("State"), expand=True)
    table.columns[1].ratio = 1
    for notice in reversed(sent):
        table.add_row(
            Text(date_time(notice.created_at, tz)),
            Text(notice.kind_label),
            notice_recipient(notice),
            Text(notice_state(notice, tz)),
        )
    return table


class HistoryPane(LogPane):
    """Level changes, holders, (for the holder) reads, the family's reads and the notices sent,
    one under the other, scrollable."""

    class Loaded(Message):
        def __init__(
            self,
            history: log_history.History,
            tz: str,
            family_reads: list[family.FamilyRead],
            sent: list[notices.NoticeView],
        ) -> None:
            super().__init__()
            self.history = history
            self.tz = tz
            self.family_reads = family_reads
            self.notices = sent

    def __init__(self, log_id: int, *, id: str | None = None) -> None:
        super().__init__(log_id, id=id)
        self.history: log_history.History | None = None
        self.family_reads: list[family.FamilyRead] | None = None
        self.notices: list[notices.NoticeView] | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="history-scroll"):
            yield Static(_("Level changes"), classes="history-heading", markup=False)
            yield Static("", id="history-levels", markup=False)
            yield Static(_("Holders"), classes="history-heading", markup=False)
            yield Static("", id="history-holders", markup=False)
            yield Static(_("Handovers"), classes="history-heading", markup=False)
            yield Static("", id="history-handovers", markup=False)
            yield Static(_("Who read the log"), classes="history-heading", markup=False)
            yield Static("", id="history-reads", markup=False)
            yield Static(
                _("Read by the family in the family view"),
                classes="history-heading",
                markup=False,
            )
            yield Static("", id="history-family", markup=False)
            yield Static(_("Notices sent by e-mail"), classes="history-heading", markup=False)
            yield Static("", id="history-notices", markup=False)

    def on_mount(self) -> None:
        self.query_one("#history-scroll").can_focus = True

    def load(self) -> None:
        self.query_one("#history-scroll").loading = True
        self._load(self.store, self.staff, self.log_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="history")
    def _load(self, store: Store, staff: StaffRef, log_id: int) -> None:
        worker = get_current_worker()
        tz = installation.read(store).timezone
        found = log_history.history(store, staff, log_id)
        read_by_family = family.family_reads(store, staff, log_id)
        sent = notices.notices_for_log(store, staff, log_id)
        if not worker.is_cancelled:
            self.post_message(self.Loaded(found, tz, read_by_family, sent))

    def worker_done(self) -> None:
        self.query_one("#history-scroll").loading = False

    def on_history_pane_loaded(self, message: Loaded) -> None:
        message.stop()
        self.query_one("#history-scroll").loading = False
        history, tz = message.history, message.tz
        self.history = history
        levels = self.query_one("#history-levels", Static)
        levels.update(
            level_changes_table(history, tz)
            if history.level_changes
            else Text(_("No level changes."))
        )
        self.query_one("#history-holders", Static).update(holders_table(history, tz))
        self.query_one("#history-handovers", Static).update(
            handovers_table(history, tz) if history.handovers else Text(_("No handovers proposed."))
        )
        reads = self.query_one("#history-reads", Static)
        if self.detail is not None and self.detail.my_role == "holder":
            reads.update(
                reads_table(history, tz) if history.reads else Text(_("No reads recorded."))
            )
        else:
            reads.update(Text(_("Only the holder sees who read the log.")))
        self.show_family_and_notices(message)
        self.focus_if_lost()

    def show_family_and_notices(self, message: Loaded) -> None:
        tz = message.tz
        self.family_reads, self.notices = message.family_reads, message.notices
        self.query_one("#history-family", Static).update(
            family_reads_table(message.family_reads, tz)
            if message.family_reads
            else Text(_("No one of the family has read the log in the family view yet."))
        )
        self.query_one("#history-notices", Static).update(
            notices_table(message.notices, tz)
            if message.notices
            else Text(_("No notices about this log were sent by e-mail."))
        )
