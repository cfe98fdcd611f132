"""The journal tab: the entries of a log, newest first, and the editor the holder writes in.

Entries are never changed (R7): a mistake is put right by a correction, a new entry that
points to the one it corrects, and both carry a visible mark.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker, get_current_worker

from relaytui.errors import DomainError
from relaytui.i18n import N_, _
from relaytui.screens.log_view import READ_ONLY, READ_ONLY_TIP
from relaytui.services import installation, journal
from relaytui.ui.base import RelayModalScreen, after_typed_keys
from relaytui.ui.log_pane import LogPane, date_time, label, literal
from relaytui.widgets.choice import Choice
from relaytui.widgets.footer import KeyFooter
from relaytui.widgets.messages import LogChanged
from relaytui.widgets.writing_hints import WritingHints, hints_binding

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

ENTRY_KINDS = {
    "note": N_("note"),
    "assessment": N_("assessment"),
    "agreement": N_("agreement"),
    "positive": N_("positive observation"),
    "minutes": N_("minutes"),
}
#: R16: offered while writing, never enforced.
WRITING_HINT = N_(
    "Short sentences. Say who does what. Write what you saw and heard, not what you think it means."
)


def entry_prompt(entry: journal.EntryView, tz: str) -> Text:
    """One entry as the journal shows it: a heading line, then the text exactly as written."""
    text = Text()
    text.append(f"#{entry.id}", style="bold")
    text.append("  ")
    text.append(date_time(entry.written_at, tz))
    text.append("  ")
    text.append(label(ENTRY_KINDS, entry.kind), style="bold")
    text.append("  ")
    text.append_text(literal(entry.author_name))
    if entry.corrects_id is not None:
        text.append("  ")
        text.append(_("corrects #{id}").format(id=entry.corrects_id), style="bold reverse")
    if entry.corrected_by:
        text.append("  ")
        ids = ", ".join(f"#{number}" for number in entry.corrected_by)
        text.append(_("corrected by {ids}").format(ids=ids), style="bold reverse")
    text.append("\n")
    text.append_text(literal(entry.text))
    return text


class JournalPane(LogPane):
    """The entries, newest first; the holder writes (n) or corrects (c) from here."""

    BINDINGS = [
        Binding(
            "n",
            "new_entry",
            N_("New entry"),
            id="journal.new_entry",
            tooltip=N_("Write a new entry in the journal."),
        ),
        Binding(
            "c",
            "correct_entry",
            N_("Correct"),
            id="journal.correct",
            tooltip=N_("Write a correction of the chosen entry."),
        ),
        # A reader pressing the writer's keys is told why nothing opens.
        Binding(
            "n",
            "explain_read_only",
            READ_ONLY,
            show=False,
            id="journal.new_entry.refused",
            tooltip=READ_ONLY_TIP,
        ),
        Binding(
            "c",
            "explain_read_only",
            READ_ONLY,
            show=False,
            id="journal.correct.refused",
            tooltip=READ_ONLY_TIP,
        ),
    ]

    class Loaded(Message):
        def __init__(self, entries: tuple[journal.EntryView, ...], tz: str) -> None:
            super().__init__()
            self.entries = entries
            self.tz = tz

    def __init__(self, log_id: int, *, id: str | None = None) -> None:
        super().__init__(log_id, id=id)
        self.entries: tuple[journal.EntryView, ...] | None = None
        self._select_after: int | None = None

    def compose(self) -> ComposeResult:
        # The concern typed when the log was started stands above the entries (R2): where the
        # log began, read before anything written since.
        yield Static("", id="journal-concern", markup=False)
        yield Static("", id="journal-summary", markup=False)
        yield OptionList(id="journal-entries")

    # --- loading -------------------------------------------------------------------------

    def load(self) -> None:
        self.query_one("#journal-entries").loading = True
        self._load(self.store, self.staff, self.log_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="journal")
    def _load(self, store: Store, staff: StaffRef, log_id: int) -> None:
        worker = get_current_worker()
        tz = installation.read(store).timezone
        entries = tuple(journal.list_entries(store, staff, log_id))
        if not worker.is_cancelled:
            self.post_message(self.Loaded(entries, tz))

    def take(self, entries: tuple[journal.EntryView, ...], tz: str) -> None:
        """The entries, read with the log when it opened: no read of its own this time."""
        self._stale = False
        self.post_message(self.Loaded(entries, tz))

    def worker_done(self) -> None:
        self.query_one("#journal-entries").loading = False

    def on_journal_pane_loaded(self, message: Loaded) -> None:
        message.stop()
        self.entries = message.entries
        listing = self.query_one("#journal-entries", OptionList)
        listing.loading = False
        keep = self._select_after
        if keep is None and listing.highlighted_option is not None:
            keep = int(listing.highlighted_option.id)
        self._select_after = None
        options: list[Option | None] = []
        for entry in message.entries:
            if options:
                options.append(None)  # a rule between entries
            options.append(Option(entry_prompt(entry, message.tz), id=str(entry.id)))
        listing.set_options(options)
        if message.entries:
            ids = [entry.id for entry in message.entries]
            listing.highlighted = listing.get_option_index(str(keep if keep in ids else ids[0]))
        self._show_summary()
        self.focus_if_lost()

    def detail_changed(self) -> None:
        self._show_summary()

    def _show_concern(self) -> None:
        concern = self.query_one("#journal-concern", Static)
        if self.detail is None or not self.detail.concern:
            concern.display = False
            return
        text = Text()
        text.append(_("The concern when the log was started:"), style="bold")
        text.append(" ")
        text.append_text(literal(self.detail.concern))
        concern.update(text)
        concern.display = True

    def _show_summary(self) -> None:
        self._show_concern()
        summary = self.query_one("#journal-summary", Static)
        if self.entries is None:
            summary.update("")
            return
        can_write = self.detail is not None and self.detail.can_write
        if not self.entries:
            text = _("No entries yet.")
            if can_write:
                text += " " + _("Press n to write the first one.")
        else:
            count = len(self.entries)
            text = (
                _("{count} entries, newest first.").format(count=count)
                if count != 1
                else _("1 entry.")
            )
            if can_write:
                text += " " + _("n writes a new entry, c corrects the chosen one.")
        summary.update(Text(text))

    # --- writing -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("new_entry", "correct_entry"):
            return self.detail is not None and self.detail.can_write
        if action == "explain_read_only":
            return self.detail is not None and not self.detail.can_write
        return True

    def action_explain_read_only(self) -> None:
        if self.detail is not None and self.detail.why_read_only:
            self.notify(self.detail.why_read_only, severity="warning", markup=False)

    def action_new_entry(self) -> None:
        self.app.push_screen(EntryEditor(self.log_id), callback=self._written)

    def action_correct_entry(self) -> None:
        entry = self.chosen_entry()
        if entry is None:
            self.notify(_("Choose the entry to correct first."), markup=False)
            return
        self.app.push_screen(EntryEditor(self.log_id, corrects=entry), callback=self._written)

    def chosen_entry(self) -> journal.EntryView | None:
        option = self.query_one("#journal-entries", OptionList).highlighted_option
        if option is None or self.entries is None:
            return None
        return next((entry for entry in self.entries if str(entry.id) == option.id), None)

    def _written(self, entry: journal.EntryView | None) -> None:
        if entry is None:
            return
        self._select_after = entry.id
        self.notify(_("Entry #{id} is saved.").format(id=entry.id), markup=False)
        self.post_message(LogChanged(self.log_id))


class DiscardDialog(RelayModalScreen[bool]):
    """Asked before typed text is thrown away: Escape or Enter keeps writing."""

    CSS_PATH = "log_view.tcss"
    BINDINGS = [
        Binding("escape", "keep", N_("Keep writing"), id="discard.keep"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="discard-box"):
            yield Static(
                _("Throw away what you typed? It is not saved."),
                id="discard-question",
                markup=False,
            )
            with Horizontal(id="discard-buttons"):
                yield Button(_("Keep writing"), id="discard-keep", variant="primary")
                yield Button(_("Throw away"), id="discard-throw", variant="error")

    def on_mount(self) -> None:
        self.query_one("#discard-keep", Button).focus()

    def action_keep(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#discard-keep")
    def _keep(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#discard-throw")
    def _throw(self) -> None:
        self.dismiss(True)


class EntryEditor(RelayModalScreen["journal.EntryView | None"]):
    """Write a new entry, or a correction of ``corrects``; ctrl+s saves, Escape cancels.

    The service checks and stores; what it refuses is shown here, and the text stays.
    Dismisses with the saved entry, or ``None`` when nothing was saved.
    """

    CSS_PATH = "log_view.tcss"
    AUTO_FOCUS = "#entry-text"
    BINDINGS = [
        Binding(
            "ctrl+s",
            "save",
            N_("Save"),
            id="entry.save",
            priority=True,
            tooltip=N_("Save the entry. It cannot be changed afterwards, only corrected."),
        ),
        Binding(
            "escape",
            "cancel",
            N_("Cancel"),
            id="entry.cancel",
            tooltip=N_("Close the editor without saving."),
        ),
        hints_binding(),
    ]

    class Refused(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Saved(Message):
        def __init__(self, entry: journal.EntryView) -> None:
            super().__init__()
            self.entry = entry

    def __init__(self, log_id: int, *, corrects: journal.EntryView | None = None) -> None:
        super().__init__()
        self.log_id = log_id
        self.corrects = corrects
        self.busy = False

    def compose(self) -> ComposeResult:
        kinds = [(_(ENTRY_KINDS[kind]), kind) for kind in journal.ENTRY_KINDS]
        start = "note"
        with Vertical(id="entry-box"):
            if self.corrects is None:
                yield Static(_("New entry"), id="entry-title", markup=False)
            else:
                yield Static(
                    _("Correction of entry #{id}").format(id=self.corrects.id),
                    id="entry-title",
                    markup=False,
                )
                first = (self.corrects.text.strip().splitlines() or [""])[0]
                yield Static(literal(first), id="entry-corrects", markup=False)
                if self.corrects.kind in journal.ENTRY_KINDS:
                    start = self.corrects.kind
            with Horizontal(id="entry-kind-row"):
                yield Label(_("Kind"), id="entry-kind-label", markup=False)
                yield Choice(kinds, value=start, allow_blank=False, id="entry-kind")
            yield TextArea(
                id="entry-text", soft_wrap=True, show_line_numbers=False, tab_behavior="focus"
            )
            yield WritingHints(id="entry-hints")
            yield Static(_(WRITING_HINT), id="entry-hint", markup=False)
            yield Static("", id="entry-error", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#entry-error").display = False

    @property
    def typed(self) -> str:
        return self.query_one("#entry-text", TextArea).text

    @on(TextArea.Changed, "#entry-text")
    def _typed(self, event: TextArea.Changed) -> None:
        self.query_one("#entry-hints", WritingHints).follow(event.text_area.text)

    def action_toggle_writing_hints(self) -> None:
        self.query_one("#entry-hints", WritingHints).toggle()

    # --- saving --------------------------------------------------------------------------

    @after_typed_keys
    def action_save(self) -> None:
        if self.busy:
            return
        kind = self.query_one("#entry-kind", Select).value
        self._set_busy(True)
        self._save(
            self.store,
            self.staff,
            self.log_id,
            self.typed,
            str(kind),
            self.corrects.id if self.corrects else None,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="entry-editor")
    def _save(
        self,
        store: Store,
        staff: StaffRef,
        log_id: int,
        text: str,
        kind: str,
        corrects_id: int | None,
    ) -> None:
        try:
            entry = journal.write_entry(
                store, staff, log_id, text=text, kind=kind, corrects_id=corrects_id
            )
        except DomainError as exc:
            self.post_message(self.Refused(exc.message))
            return
        self.post_message(self.Saved(entry))

    def on_entry_editor_saved(self, message: Saved) -> None:
        message.stop()
        self.dismiss(message.entry)

    def on_entry_editor_refused(self, message: Refused) -> None:
        message.stop()
        self._show_error(message.text)

    def worker_failed(self, worker: Worker, message: str) -> None:
        self._show_error(message)

    def _show_error(self, text: str) -> None:
        self._set_busy(False)
        error = self.query_one("#entry-error", Static)
        error.update(Text(text))
        error.display = True
        self.query_one("#entry-text", TextArea).focus()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.query_one("#entry-text", TextArea).read_only = busy
        self.query_one("#entry-kind", Select).disabled = busy
        if busy:
            self.query_one("#entry-error").display = False

    # --- leaving -------------------------------------------------------------------------

    def action_cancel(self) -> None:
        if self.busy:
            return
        if not self.typed.strip():
            self.dismiss(None)
            return

        def decided(throw_away: bool | None) -> None:
            if throw_away:
                self.dismiss(None)
            else:
                self.query_one("#entry-text", TextArea).focus()

        self.app.push_screen(DiscardDialog(), callback=decided)
