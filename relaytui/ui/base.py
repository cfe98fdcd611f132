"""The screens' foundation: what every relaytui screen and dialog shares.

Screens build on these bases instead of on the app, so that :mod:`relaytui.app` imports the
screens and never the other way round.
"""

from __future__ import annotations

from dataclasses import replace
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol, cast

from textual import events
from textual.app import App
from textual.binding import ActiveBinding, Binding
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen, ScreenResultType
from textual.worker import Worker, WorkerState

from relaytui.errors import DomainError
from relaytui.i18n import _

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

    _ScreenBase = Screen[Any]
else:
    _ScreenBase = object


class RelayHost(Protocol):
    """The app as screens see it: the store, the person signed in, and what a screen may ask
    of the session. :class:`relaytui.app.RelayApp` is the one there is; screens name this
    instead, so that no screen imports the app that imports them."""

    store: Store
    #: The person signed in, or None on the login screen.
    staff: StaffRef | None
    #: Handovers waiting for the answer of the person signed in.
    waiting_handovers: int

    def cancel_login(self, message: str | None = None) -> None: ...

    def end_session(self, message: str, *, severity: str = "information") -> None: ...

    def show_waiting_handovers(self, count: int, *, announce: bool = False) -> None: ...

    def reopen_in_language(self, code: str) -> None: ...


def host_of(node: DOMNode) -> RelayHost:
    """The app ``node`` runs in, typed as a :class:`RelayHost` (for widgets, which have no
    screen base to ask)."""
    return cast("RelayHost", node.app)


def after_typed_keys(action: Any) -> Any:
    """Run a screen's action only once the keys typed before its key have reached their field.

    Textual handles a priority key (ctrl+s, and the minutes' ctrl keys) at once, while the
    characters typed just before it may still wait in the focused field's queue: a save that
    read the field then would lose the last characters a fast typist typed. The action is
    queued behind them instead.
    """

    @wraps(action)
    def queued(self: Any, *args: Any, **kwargs: Any) -> Any:
        focused = getattr(self, "focused", None)
        if focused is None:
            return action(self, *args, **kwargs)
        focused.call_later(action, self, *args, **kwargs)
        return None

    return queued


def generic_error() -> str:
    """The one line shown when a worker fails in a way no service foresaw."""
    return _(
        "Something went wrong, and nothing was changed. Try again; if it happens again, "
        "tell your administrator."
    )


def binding_description(app: App[Any] | None, binding: Binding) -> str:
    """The binding's description in the user's language (with the app's live figures)."""
    describe = getattr(app, "describe_binding", None)
    if describe is not None:
        return describe(binding)
    return _(binding.description) if binding.description else ""


def translated(active: ActiveBinding, app: App[Any] | None = None) -> ActiveBinding:
    """``active`` with its description and tooltip in the user's language."""
    binding = active.binding
    description = binding_description(app, binding)
    tooltip = _(active.tooltip) if active.tooltip else ""
    if description == binding.description and tooltip == active.tooltip:
        return active
    return active._replace(
        binding=replace(binding, description=description, tooltip=tooltip), tooltip=tooltip
    )


class RelayScreenBehaviour(_ScreenBase):
    """What every relaytui screen and dialog shares.

    Binding descriptions and tooltips are written in English with ``N_()`` and translated
    when the footer asks for them, so they follow a change of language after login. A worker
    that fails is reported here, once: a :class:`DomainError` as its own message, anything
    else as one generic line (the traceback goes to the Textual log, never to the screen).
    """

    @property
    def host(self) -> RelayHost:
        """The app, typed as what a screen may ask of it."""
        return host_of(self)

    @property
    def store(self) -> Store:
        return self.host.store

    @property
    def staff(self) -> StaffRef:
        """The person signed in. Screens after login are shown only while someone is; the
        login and password screens, shown before, keep the person they are given."""
        return cast("StaffRef", self.host.staff)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        app = self.app
        return {key: translated(active, app) for key, active in super().active_bindings.items()}

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, DomainError):
            message = error.message
        else:
            self.log.error(f"worker {event.worker.name!r} failed", error)
            message = generic_error()
        self.worker_failed(event.worker, message)

    def worker_failed(self, worker: Worker, message: str) -> None:
        """Put the screen back in order after a failed worker; the default is a notification."""
        self.notify(message, severity="error", markup=False)

    # --- keys typed before the first field has the focus ----------------------------------

    #: Whether the keys typed while the screen opens belong to its first text field. ``None``:
    #: when its AUTO_FOCUS is a text field. A screen that focuses a field itself says True.
    TYPEAHEAD: bool | None = None

    def _expects_text(self) -> bool:
        if self.TYPEAHEAD is not None:
            return self.TYPEAHEAD
        selector = getattr(self, "AUTO_FOCUS", None)
        if not selector:
            return False
        from textual.widgets import Input, TextArea

        found = self.query(selector)
        return bool(found) and isinstance(found.first(), (Input, TextArea))

    def on_key(self, event: events.Key) -> None:
        """A fast typist (or a slow machine): keys typed before the field has the focus are
        kept, and handed to the field once it has it, in order, instead of being lost."""
        if self.focused is not None or not event.is_printable or not self._expects_text():
            return
        self._typeahead = [*getattr(self, "_typeahead", ()), events.Key(event.key, event.character)]
        event.stop()
        event.prevent_default()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        waiting = getattr(self, "_typeahead", None)
        if not waiting:
            return
        self._typeahead = []
        from textual.widgets import Input, TextArea

        field = self.focused
        if isinstance(field, (Input, TextArea)):
            for key in waiting:
                field.post_message(events.Key(key.key, key.character))


def described_bindings(screen: Screen) -> dict[str, ActiveBinding]:
    """The screen's active bindings with their descriptions in the user's language."""
    if isinstance(screen, RelayScreenBehaviour):
        return screen.active_bindings  # translated already
    return {key: translated(active, screen.app) for key, active in screen.active_bindings.items()}


class RelayScreen(RelayScreenBehaviour, Screen):
    """A full relaytui screen (see :class:`RelayScreenBehaviour`)."""


class RelayModalScreen(RelayScreenBehaviour, ModalScreen[ScreenResultType]):
    """A relaytui dialog over another screen (see :class:`RelayScreenBehaviour`)."""
