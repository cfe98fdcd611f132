"""A quiet panel under a text field with plain-language hints while the holder writes (R16).

The hints are advice, never a block: the panel shows them dim, below the field, and saving goes
on as before. Finding them is pure and fast (about 3 ms for 2,000 characters of text full of
hints), so it runs on the event loop after a short pause in typing. The spelling dictionary that
tells passives from look-alikes (about half a second to read, once per process and language) is
loaded in a worker when the panel mounts. Each person may switch the panel off (F8); the choice
is stored for them in a worker and followed in every editor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.timer import Timer

from relaytui.errors import DomainError
from relaytui.i18n import N_, _, current_language, ngettext
from relaytui.profiles import DEFAULT_CODE
from relaytui.services import installation, writing
from relaytui.ui.base import host_of
from relaytui.ui.steady import SteadyStatic

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

#: Seconds of quiet after a key before the hints are found again.
DEBOUNCE_SECONDS = 0.3
#: Hints shown at most; the rest are counted on one more line.
SHOWN = 4


def hints_binding(*, show: bool = True) -> Binding:
    """The key that switches the panel on or off; each screen with a panel lists it."""
    return Binding(
        "f8",
        "toggle_writing_hints",
        N_("Hints"),
        id="writing_hints.toggle",
        show=show,
        tooltip=N_("Switch the plain-language writing hints on or off (remembered for you)."),
    )


def hint_line(hint: writing.Hint) -> Text:
    """'“forefindes” → er / findes  Official word: ...' (the words as typed, the plainer form
    first, so a narrow panel cuts only the end of the advice)."""
    line = Text()
    words = " ".join(hint.words.split())
    if len(words) > 40:
        words = words[:39] + "…"
    line.append(f"“{words}”", style="bold")
    if hint.plainer:
        line.append(" → ")
        line.append(hint.plainer, style="italic")
    line.append("  ")
    line.append(hint.why)
    return line


class WritingHints(SteadyStatic):
    """The hints for the text given to ``follow()``, in the text's language.

    A screen composes it under its field, calls ``follow(text)`` on every change, and gives
    ``hints_binding()`` an action that calls ``toggle()``. The text's language is the user's
    language, or the installation's when the user works in English.
    """

    DEFAULT_CSS = """
    WritingHints {
        height: auto;
        max-height: 5;
        color: $text-muted;
        text-style: dim;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        #: ``None`` until the person's choice is read; then whether hints are shown.
        self.enabled: bool | None = None
        self.profile = DEFAULT_CODE  # until the installation's profile is read
        self.text = ""
        #: The hints now shown (empty when switched off).
        self.hints: list[writing.Hint] = []
        self._timer: Timer | None = None

    def on_mount(self) -> None:
        self.display = False
        staff = getattr(self.app, "staff", None)
        if staff is not None:
            self._read_choice(host_of(self).store, staff)

    @work(thread=True, exclusive=True, exit_on_error=False, group="writing-hints-read")
    def _read_choice(self, store: Store, staff: StaffRef) -> None:
        try:
            enabled = writing.hints_enabled(store, staff)
            profile = installation.read(store).profile
        except Exception as exc:  # noqa: BLE001 - hints are advice: without them, writing goes on
            self.log.error(f"writing hints: the choice could not be read: {exc!r}")
            enabled, profile = True, self.profile
        self.app.call_from_thread(self._choice_read, enabled, profile)

    def _choice_read(self, enabled: bool, profile: str) -> None:
        if not self.is_mounted:
            return  # the editor closed meanwhile
        if self.enabled is None:  # a toggle meanwhile wins
            self.enabled = enabled
        self.profile = profile
        self._prepare_words(self.language)
        self.refresh_hints()

    @work(thread=True, exclusive=True, exit_on_error=False, group="writing-hints-words")
    def _prepare_words(self, language: str) -> None:
        try:
            writing.prepare(language)
        except Exception as exc:  # noqa: BLE001 - without a dictionary the word tables remain
            self.log.error(f"writing hints: the dictionary could not be loaded: {exc!r}")

    @property
    def language(self) -> str:
        return writing.language_of_text(current_language(), self.profile)

    # --- what the screen calls ---------------------------------------------------------

    def follow(self, text: str) -> None:
        """The text changed: find its hints after a short pause in typing."""
        self.text = text
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self.refresh_hints, name="writing-hints")

    def toggle(self) -> None:
        """Switch the hints on or off for the person logged in, and remember it."""
        self.enabled = not self.enabled if self.enabled is not None else False
        self.refresh_hints()
        if self.enabled:
            self.notify(_("Writing hints are on."), markup=False)
        else:
            self.notify(_("Writing hints are off. F8 switches them on again."), markup=False)
        staff = getattr(self.app, "staff", None)
        if staff is not None:
            self._remember(host_of(self).store, staff, self.enabled)

    @work(thread=True, exclusive=True, exit_on_error=False, group="writing-hints-write")
    def _remember(self, store: Store, staff: StaffRef, enabled: bool) -> None:
        try:
            writing.set_hints_enabled(store, staff, enabled)
        except DomainError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="warning", markup=False)
        except Exception as exc:  # noqa: BLE001 - the switch still holds for this session
            self.log.error(f"writing hints: the choice could not be stored: {exc!r}")
            self.app.call_from_thread(
                self.notify,
                _("Your choice of writing hints could not be stored; it holds until you log out."),
                severity="warning",
                markup=False,
            )

    # --- showing -------------------------------------------------------------------------

    def refresh_hints(self) -> None:
        self._timer = None
        self.hints = writing.hints(self.text, self.language) if self.enabled else []
        if not self.hints:
            self.update("")
            self.display = False
            return
        shown = Text("\n").join(hint_line(hint) for hint in self.hints[:SHOWN])
        more = len(self.hints) - SHOWN
        if more > 0:
            shown.append("\n")
            shown.append(
                ngettext("… and {count} more hint", "… and {count} more hints", more).format(
                    count=more
                )
            )
        self.update(shown)
        self.display = True
