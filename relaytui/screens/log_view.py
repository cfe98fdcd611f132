"""The log view: one relay log, its header and its tabs.

The header says whose log it is, how worried we are (level as number, colour and word), who
holds it and how to reach them, and what needs attention. The tabs each load their own data
when they are first shown, so opening a log reads (and audits) only what the user looks at.
Only the holder writes; everyone else is told why, instead of being offered keys that fail.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import Worker, get_current_worker

from relaytui.errors import DomainError
from relaytui.i18n import N_, _
from relaytui.profiles import default_profile
from relaytui.screens.log_header import (
    attention,
    attention_line,
    holder_line,
    level_class,
    read_only_line,
    status_word,
    subject_line,
)
from relaytui.services import grants, installation, journal, logs
from relaytui.ui.base import RelayScreen, generic_error
from relaytui.widgets.footer import KeyFooter
from relaytui.widgets.levels import level_text
from relaytui.widgets.messages import LogChanged

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

#: The tabs, in order: pane id and English title.
TABS = (
    ("journal", N_("Journal")),
    ("efforts", N_("Efforts and goals")),
    ("actors", N_("Actors and consent")),
    ("meetings", N_("Meetings")),
    ("history", N_("History")),
)
TAB_KEYS = Binding.Group(N_("Tabs"))
#: The description of the hidden keys that tell a reader why a writer's key does nothing.
READ_ONLY = N_("Read only")
READ_ONLY_TIP = N_("Say why you cannot write in this log.")


# --- the screen ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """What the loading worker hands back: the installation and the log, or why not."""

    inst: installation.Installation | None
    detail: logs.LogDetail | None
    refused: str | None = None
    #: The rule that refused it ("R10": a closed log, which a former reader may ask to read).
    refused_rule: str | None = None
    #: The grant a closed log is read under (R10): the banner names its end and its giver.
    grant: grants.GrantView | None = None
    #: The journal, read with the log when it is the tab shown.
    entries: tuple[journal.EntryView, ...] | None = None


class LogViewScreen(RelayScreen):
    """One relay log: header, and the tabs Journal, Efforts and goals, Actors and consent,
    Meetings and History."""

    CSS_PATH = "log_view.tcss"
    AUTO_FOCUS = ""  # no automatic focus: the shown tab takes it once its data is there
    WRITER_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"change_level", "close_log", "notification", "propose_handover", "individual_plan"}
    )
    BINDINGS = [
        Binding(
            "1",
            "show_tab('journal')",
            N_("Journal"),
            id="logview.tab.journal",
            group=TAB_KEYS,
            tooltip=N_("Show the journal."),
        ),
        Binding(
            "2",
            "show_tab('efforts')",
            N_("Efforts and goals"),
            id="logview.tab.efforts",
            group=TAB_KEYS,
            tooltip=N_("Show the efforts and goals."),
        ),
        Binding(
            "3",
            "show_tab('actors')",
            N_("Actors and consent"),
            id="logview.tab.actors",
            group=TAB_KEYS,
            tooltip=N_("Show the actors and the consents."),
        ),
        Binding(
            "4",
            "show_tab('meetings')",
            N_("Meetings"),
            id="logview.tab.meetings",
            group=TAB_KEYS,
            tooltip=N_("Show the meetings."),
        ),
        Binding(
            "5",
            "show_tab('history')",
            N_("History"),
            id="logview.tab.history",
            group=TAB_KEYS,
            tooltip=N_("Show the history."),
        ),
        Binding(
            "ctrl+right",
            "next_tab",
            N_("Next tab"),
            id="logview.next_tab",
            show=False,
            tooltip=N_("Show the next tab."),
        ),
        Binding(
            "ctrl+left",
            "previous_tab",
            N_("Previous tab"),
            id="logview.previous_tab",
            show=False,
            tooltip=N_("Show the previous tab."),
        ),
        Binding(
            "l",
            "change_level",
            N_("Level"),
            id="logview.level",
            tooltip=N_("Raise or lower the level, with the reason."),
        ),
        Binding(
            "h",
            "propose_handover",
            N_("Hand over"),
            id="logview.handover",
            tooltip=N_("Propose a new holder for this log."),
        ),
        Binding(
            "u",
            "notification",
            N_("Notification"),
            id="logview.notification",
            tooltip=N_("Send a notification to the family department."),
        ),
        Binding(
            "x",
            "close_log",
            N_("Close log"),
            id="logview.close",
            tooltip=N_("Close this log for good, with the consultation it needs."),
        ),
        Binding(
            "p",
            "individual_plan",
            N_("Individual plan"),
            id="logview.plan",
            tooltip=N_("Pass the log into an individual plan with a coordinator (Norway)."),
        ),
        # The same keys for a reader: they explain why nothing can be written.
        Binding(
            "l",
            "explain_read_only",
            READ_ONLY,
            show=False,
            id="logview.level.refused",
            tooltip=READ_ONLY_TIP,
        ),
        Binding(
            "h",
            "explain_read_only",
            READ_ONLY,
            show=False,
            id="logview.handover.refused",
            tooltip=READ_ONLY_TIP,
        ),
        Binding(
            "u",
            "explain_read_only",
            READ_ONLY,
            show=False,
            id="logview.notification.refused",
            tooltip=READ_ONLY_TIP,
        ),
        Binding(
            "x",
            "explain_read_only",
            READ_ONLY,
            show=False,
            id="logview.close.refused",
            tooltip=READ_ONLY_TIP,
        ),
        Binding(
            "d",
            "papers",
            N_("Documents"),
            id="logview.papers",
            tooltip=N_(
                "Papers for the family: consent form, copy of the log, access report (PDF or text)."
            ),
        ),
        Binding(
            "r", "refresh", N_("Refresh"), id="logview.refresh", tooltip=N_("Load this log again.")
        ),
        Binding(
            "g",
            "ask_to_read",
            N_("Ask to read"),
            id="logview.ask_to_read",
            tooltip=N_(
                "Ask an administrator for a time-limited permission to read this closed log."
            ),
        ),
        Binding(
            "escape", "back", N_("Back"), id="logview.back", tooltip=N_("Back to the list of logs.")
        ),
    ]

    class Loaded(Message):
        def __init__(self, opened: Opened) -> None:
            super().__init__()
            self.opened = opened

    def __init__(self, log_id: int) -> None:
        super().__init__()
        self.log_id = log_id
        self.detail: logs.LogDetail | None = None
        self.inst: installation.Installation | None = None
        self.refused: str | None = None
        self.refused_rule: str | None = None
        # A tab chosen (1-5) before the log was there: shown as soon as it is.
        self._wanted_tab: str | None = None

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Imported here: the tabs are their own modules and import this one.
        from relaytui.screens.log_actors import ActorsPane
        from relaytui.screens.log_efforts import EffortsPane
        from relaytui.screens.log_history import HistoryPane
        from relaytui.screens.log_journal import JournalPane
        from relaytui.screens.log_meetings import MeetingsPane

        panes = {
            "journal": JournalPane(self.log_id, id="logview-journal"),
            "efforts": EffortsPane(self.log_id),
            "actors": ActorsPane(self.log_id),
            "meetings": MeetingsPane(self.log_id, id="logview-meetings"),
            "history": HistoryPane(self.log_id, id="logview-history"),
        }
        with Vertical(id="logview-body"):
            with Vertical(id="logview-header"):
                with Horizontal(id="logview-title-row"):
                    yield Static("", id="logview-subject", markup=False)
                    yield Static("", id="logview-status", markup=False)
                with Horizontal(id="logview-level-row"):
                    yield Static("", id="logview-level", markup=False)
                    yield Static("", id="logview-holder", markup=False)
                yield Static("", id="logview-flags", markup=False)
                yield Static("", id="logview-read-only", markup=False)
            with TabbedContent(id="logview-tabs"):
                for number, (pane_id, title) in enumerate(TABS, start=1):
                    with TabPane(f"{number} {_(title)}", id=pane_id):
                        yield panes[pane_id]
        yield Static("", id="logview-refused", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        for widget_id in ("#logview-flags", "#logview-read-only", "#logview-refused"):
            self.query_one(widget_id).display = False
        # The focus lives inside the tabs, where each tab's own keys work; the tab row is
        # switched with 1-5 and ctrl+left/right (or the mouse), so it takes no focus itself.
        self.query_one("#logview-tabs ContentTabs").can_focus = False
        self.load()

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        # The footer shows the tab keys under one translated group name.
        result = {}
        for key, active in super().active_bindings.items():
            group = active.binding.group
            if group is not None and group.description:
                translated = Binding.Group(_(group.description), compact=group.compact)
                active = active._replace(binding=replace(active.binding, group=translated))
            result[key] = active
        return result

    # --- loading -------------------------------------------------------------------------

    def load(self) -> None:
        if self.detail is None:
            # The first load covers the view; a reload keeps what is shown until it is done.
            self.query_one("#logview-body").loading = True
        # The journal comes with the log when it is the tab to be shown: one read, not two.
        shown = self._wanted_tab or self.query_one("#logview-tabs", TabbedContent).active
        self._load(self.store, self.staff, self.log_id, shown == "journal")

    @work(thread=True, exclusive=True, exit_on_error=False, group="logview")
    def _load(self, store: Store, staff: StaffRef, log_id: int, with_entries: bool) -> None:
        worker = get_current_worker()
        try:
            found = logs.open_log(store, staff, log_id, with_entries=with_entries)
        except DomainError as exc:
            # Not the holder, not an actor, a closed log without a grant: the service says
            # which, and nothing of the log is shown.
            opened = Opened(installation.read(store), None, exc.message, refused_rule=exc.rule)
        else:
            opened = Opened(
                found.installation, found.detail, grant=found.grant, entries=found.entries
            )
        if not worker.is_cancelled:
            self.post_message(self.Loaded(opened))

    def worker_failed(self, worker: Worker, message: str) -> None:
        self.query_one("#logview-body").loading = False
        super().worker_failed(worker, message)

    def on_log_view_screen_loaded(self, message: Loaded) -> None:
        message.stop()
        opened = message.opened
        body = self.query_one("#logview-body")
        body.loading = False
        self.inst = opened.inst
        self.refused_rule = opened.refused_rule
        if opened.refused is not None or opened.detail is None:
            text = opened.refused or generic_error()
            if opened.refused_rule == "R10":
                text = "\n\n".join(
                    (
                        text,
                        _(
                            "If you held this log or read it as an actor, press g to ask "
                            "an administrator for a permission."
                        ),
                    )
                )
            self._refuse(text)
            return
        self.detail = opened.detail
        self.refused = None
        self.query_one("#logview-refused").display = False
        body.display = True
        self._show_header(opened.detail, opened.inst)
        if opened.grant is not None:
            from relaytui.screens.read_grants import grant_banner

            banner = self.query_one("#logview-read-only", Static)
            banner.update(grant_banner(opened.grant))
            banner.display = True
        for pane in self._panes():
            pane.show(opened.detail)
        if opened.entries is not None:
            from relaytui.screens.log_journal import JournalPane

            self.query_one(JournalPane).take(opened.entries, opened.inst.timezone)
        if self._wanted_tab is not None:
            self.query_one("#logview-tabs", TabbedContent).active = self._wanted_tab
            self._wanted_tab = None
        self._ensure_loaded(self.query_one("#logview-tabs", TabbedContent).active)
        self.refresh_bindings()
        self._focus_tab(self.query_one("#logview-tabs", TabbedContent).active, keep=True)

    def _refuse(self, text: str) -> None:
        """Show why the log cannot be read, and nothing of it."""
        self.detail = None
        self.refused = text
        body = self.query_one("#logview-body")
        body.display = False
        refused = self.query_one("#logview-refused", Static)
        refused.update(Text.assemble(text, "\n\n", _("Press Escape to go back.")))
        refused.display = True
        self.refresh_bindings()

    def _panes(self) -> list[Widget]:
        return [pane for pane in self.query("TabPane > *") if hasattr(pane, "show")]

    # --- the header ----------------------------------------------------------------------

    def _show_header(self, detail: logs.LogDetail, inst: installation.Installation | None) -> None:
        country = inst.country if inst else default_profile()
        tz = inst.timezone if inst else "UTC"
        self.query_one("#logview-subject", Static).update(subject_line(detail))
        self.query_one("#logview-status", Static).update(Text(status_word(detail, tz)))

        level = self.query_one("#logview-level", Static)
        for number in logs.LEVELS:
            level.remove_class(level_class(number))
        level.add_class(level_class(detail.level))
        level.update(Text(level_text(country, detail.level)))

        self.query_one("#logview-holder", Static).update(holder_line(detail.holder))

        flags = self.query_one("#logview-flags", Static)
        problems = attention(detail)
        if problems:
            flags.update(attention_line(problems))
        flags.display = bool(problems)

        read_only = self.query_one("#logview-read-only", Static)
        if detail.can_write:
            read_only.display = False
        else:
            read_only.update(read_only_line(detail))
            read_only.display = True

    # --- tabs ----------------------------------------------------------------------------

    @on(TabbedContent.TabActivated, "#logview-tabs")
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane is not None and event.pane.id:
            self._ensure_loaded(event.pane.id)
            self._focus_tab(event.pane.id, keep=True)
        self.refresh_bindings()

    def _ensure_loaded(self, pane_id: str) -> None:
        if not pane_id:
            return
        for pane in self.query_one(f"TabPane#{pane_id}").children:
            ensure = getattr(pane, "ensure_loaded", None)
            if ensure is not None:
                ensure()

    def action_show_tab(self, pane_id: str) -> None:
        if self.detail is None:
            self._wanted_tab = pane_id  # a key typed while the log loads is not lost
            return
        tabs = self.query_one("#logview-tabs", TabbedContent)
        tabs.active = pane_id
        self._focus_tab(pane_id)

    def _step_tab(self, step: int) -> None:
        order = [pane_id for pane_id, _title in TABS]
        current = self._wanted_tab or self.query_one("#logview-tabs", TabbedContent).active
        index = order.index(current) if current in order else 0
        self.action_show_tab(order[(index + step) % len(order)])

    def action_next_tab(self) -> None:
        self._step_tab(1)

    def action_previous_tab(self) -> None:
        self._step_tab(-1)

    def _focus_tab(self, pane_id: str, *, keep: bool = False) -> None:
        """Put the focus inside the shown tab, so its own keys work at once.

        With ``keep``, a focus that is already inside the tab stays where it is.
        """

        def focus() -> None:
            if self.query_one("#logview-tabs", TabbedContent).active != pane_id:
                return  # another tab was chosen meanwhile (a key typed while the log loaded)
            pane = self.query_one(f"TabPane#{pane_id}")
            if keep and self.focused is not None and pane in self.focused.ancestors:
                return
            for widget in self.focus_chain:
                if pane in widget.ancestors:
                    widget.focus()
                    return

        self.call_after_refresh(focus)

    # --- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "individual_plan":
            return (
                self.detail is not None
                and self.detail.can_write
                and self.detail.status == "active"
                and self.inst is not None
                and self.inst.country.individual_plan
            )
        if action in self.WRITER_ACTIONS:
            return self.detail is not None and self.detail.can_write
        if action == "explain_read_only":
            return self.detail is not None and not self.detail.can_write
        if action in ("show_tab", "next_tab", "previous_tab"):
            return (
                self.refused is None
            )  # while the log loads too: the tab is shown once it is there
        if action == "papers":
            return self.detail is not None
        if action == "ask_to_read":
            return self.detail is None and self.refused_rule == "R10"
        return True

    def action_ask_to_read(self) -> None:
        from relaytui.screens.read_grants import RequestReadDialog

        if self.detail is None and self.refused_rule == "R10":
            self.app.push_screen(RequestReadDialog(self.log_id))

    def action_explain_read_only(self) -> None:
        if self.detail is not None and self.detail.why_read_only:
            self.notify(self.detail.why_read_only, severity="warning", markup=False)

    def action_papers(self) -> None:
        from relaytui.screens.papers import open_papers

        open_papers(self, self.detail)

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_change_level(self) -> None:
        from relaytui.screens.level_change import LevelChangeDialog

        self._open(LevelChangeDialog)

    def action_close_log(self) -> None:
        from relaytui.screens.closing import CloseLogDialog

        self._open(CloseLogDialog)

    def action_notification(self) -> None:
        from relaytui.screens.notification import NotificationDialog

        self._open(NotificationDialog)

    def action_individual_plan(self) -> None:
        from relaytui.screens.individual_plan import IndividualPlanDialog

        if self.detail is None or not self.detail.can_write:
            return
        dialog = IndividualPlanDialog(self.detail)

        def done(changed: bool | None) -> None:
            # Another coordinator holds the log now: it is theirs, back to the list.
            if changed and dialog.handed_on:
                self.action_back()
            else:
                self._after_dialog(changed)

        self.app.push_screen(dialog, callback=done)

    def action_propose_handover(self) -> None:
        from relaytui.screens.handover import ProposeHandoverDialog

        self._open(ProposeHandoverDialog)

    def _open(self, dialog: type) -> None:
        if self.detail is None or not self.detail.can_write:
            return
        self.app.push_screen(dialog(self.detail), callback=self._after_dialog)

    def _after_dialog(self, changed: bool | None) -> None:
        if changed:
            self.load()

    def on_log_changed(self, message: LogChanged) -> None:
        """A tab wrote to the log: reload the header, and every tab when it is next shown."""
        message.stop()
        if message.log_id == self.log_id:
            self.load()
