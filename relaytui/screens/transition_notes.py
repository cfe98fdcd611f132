"""What the "Actors and consent" tab says about the requests to the family to let the log pass
to a new unit (R8): waiting, accepted or declined; and the holder's key to withdraw one that
waits.

The family answers in the family view; an accepted request is a digital consent that covers
the unit, listed among the consents, and the holder then proposes the handover (h).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from relaytui.i18n import N_, _
from relaytui.services.transitions import TransitionView
from relaytui.ui.dialogs import ConfirmDialog
from relaytui.ui.log_pane import READ_ONLY, READ_ONLY_TIP, date_only, literal

#: The requests the tab shows, the latest first (a withdrawn one is not shown).
SHOWN = 2
TRANSITION_BINDINGS = [
    Binding(
        "f",
        "withdraw_transition",
        N_("Withdraw request to family"),
        id="actors.withdraw_transition",
        tooltip=N_(
            "Withdraw the request to the family about a new unit, while they have not answered."
        ),
    ),
    Binding(
        "f",
        "explain_read_only",
        READ_ONLY,
        show=False,
        id="actors.withdraw_transition.refused",
        tooltip=READ_ONLY_TIP,
    ),
]


def pending(requests: Sequence[TransitionView]) -> TransitionView | None:
    return next((r for r in requests if r.status == "pending"), None)


def request_line(request: TransitionView, tz: str, can_write: bool) -> Text:
    """One request, in words: when the family was asked, about which unit, and their answer."""
    values = {
        "asked": date_only(request.asked_at, tz),
        "answered": date_only(request.answered_at, tz),
        "unit": request.unit_name,
        "name": request.answered_by_name or "",
    }
    if request.status == "pending":
        text = _(
            "The family was asked on {asked} to let the log pass to {unit}: waiting for their "
            "answer in the family view."
        ).format(**values)
        if can_write:
            text += " " + _("(f withdraws the request)")
        return literal("? " + text)
    if request.status == "accepted":
        text = _("{name} accepted on {answered} that the log passes to {unit}.").format(**values)
        if can_write:
            text += " " + _("Propose the handover (h).")
        return literal("✓ " + text)
    return literal(
        "✗ " + _("{name} declined on {answered} that the log passes to {unit}.").format(**values)
    )


class TransitionNote(Static):
    """The latest requests to the family, one line each; hidden when there are none."""

    DEFAULT_CSS = """
    TransitionNote {
        display: none;
        height: auto;
        color: $text-accent;
    }
    """

    def show_requests(self, requests: Sequence[TransitionView], tz: str, can_write: bool) -> None:
        shown = [r for r in requests if r.status != "withdrawn"][:SHOWN]
        self.update(Text("\n").join(request_line(r, tz, can_write) for r in shown))
        self.display = bool(shown)


def withdraw_question(request: TransitionView) -> ConfirmDialog:
    return ConfirmDialog(
        Text(_("Withdraw the request to the family?"), style="bold"),
        literal(
            _(
                "The family will no longer be asked to let the log pass to {unit}. You may ask "
                "again later."
            ).format(unit=request.unit_name)
        ),
        _("Withdraw"),
        _("Keep it"),
    )
