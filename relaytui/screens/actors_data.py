"""What the "Actors and consent" tab knows: the data its worker loads, and how a consent is
said (its state, what it covers, who it covers). The tab and its forms both use these words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rich.text import Text

from relaytui.i18n import N_, _
from relaytui.services import consent, consent_givers, log_actors, subjects, transitions, units
from relaytui.ui.log_pane import NOTHING, date_only, label
from relaytui.ui.tables import one_line

CONSENT_STATES = {
    "in_force": N_("in force"),
    "expired": N_("expired"),
    "withdrawn": N_("withdrawn"),
    "not_needed": N_("not needed"),
}
STATE_STYLES = {
    "in_force": "green",
    "expired": "bold red",
    "withdrawn": "bold red",
    "not_needed": "dim",
}
METHODS = {"signed_form": N_("signed form"), "digital": N_("digital"), "oral": N_("oral")}
GIVER_KINDS = {"guardian": N_("guardian"), "subject": N_("the subject")}


def state_text(state: str, consent_id: int | None = None) -> Text:
    """A consent's state as a word (with its colour), and the consent's number if any."""
    text = Text(label(CONSENT_STATES, state), style=STATE_STYLES.get(state, ""))
    if consent_id is not None:
        text.append(f" (#{consent_id})")
    return text


def covers_text(view: consent.ConsentView) -> Text:
    """What a consent covers: the log, named staff, whole units, named persons."""
    parts = [Text(_("the log"))] if view.covers_log else []
    parts += [one_line(cover.label) for cover in view.covers]
    return Text("; ").join(parts) if parts else Text(NOTHING)


def in_force(consents: Iterable[consent.ConsentView]) -> list[consent.ConsentView]:
    return [c for c in consents if c.state == "in_force"]


def covering_staff(
    consents: Iterable[consent.ConsentView], staff_id: int, unit_id: int | None
) -> consent.ConsentView | None:
    """The first consent in force that names this member of staff or their unit (R5)."""
    for view in in_force(consents):
        for cover in view.covers:
            if cover.staff_id == staff_id or (unit_id is not None and cover.unit_id == unit_id):
                return view
    return None


def covering_person(
    consents: Iterable[consent.ConsentView], name: str
) -> consent.ConsentView | None:
    wanted = name.strip().casefold()
    for view in in_force(consents):
        if any(c.person_name and c.person_name.strip().casefold() == wanted for c in view.covers):
            return view
    return None


# --- what the pane loads ---------------------------------------------------------------------


@dataclass(frozen=True)
class ActorsData:
    """What the pane's worker hands back; the guardians and units only for the holder."""

    timezone: str
    today: date
    actors: tuple[log_actors.ActorView, ...]
    consents: tuple[consent.ConsentView, ...]
    guardians: tuple[subjects.GuardianView, ...] = ()
    units: tuple[units.UnitView, ...] = ()
    #: Who may give a consent today (R6), as the service decides.
    givers: tuple[consent_givers.Giver, ...] = ()
    #: The requests to the family about a new unit (R8), the latest first.
    transitions: tuple[transitions.TransitionView, ...] = ()

    def leader_id(self, unit_id: int | None) -> int | None:
        """The nearest leader of the log's unit: attached without a consent (R3)."""
        return next((u.leader_id for u in self.units if u.id == unit_id), None)


def consent_state_cell(view: consent.ConsentView, tz: str) -> Text:
    if view.state == "withdrawn":
        return Text(
            _("withdrawn {date}").format(date=date_only(view.withdrawn_at, tz)),
            style=STATE_STYLES["withdrawn"],
        )
    if view.state == "expired":
        return Text(
            _("expired {date}").format(date=date_only(view.expires_at, tz)),
            style=STATE_STYLES["expired"],
        )
    if view.expires_at is not None:
        return Text(
            _("in force to {date}").format(date=date_only(view.expires_at, tz)),
            style=STATE_STYLES["in_force"],
        )
    return state_text("in_force")


def consent_details(view: consent.ConsentView, tz: str) -> Text:
    """Everything about one consent, for the line under the tables."""
    text = Text(f"#{view.id} ", style="bold")
    text.append_text(one_line(view.giver_name))
    text.append(f" ({label(GIVER_KINDS, view.giver_kind)}), {label(METHODS, view.method)}, ")
    text.append(_("given {date}").format(date=date_only(view.given_at, tz)))
    text.append(". ")
    text.append(_("Covers: "))
    text.append_text(covers_text(view))
    text.append(". ")
    text.append(_("State:") + " ")
    text.append_text(consent_state_cell(view, tz))
    if view.withdrawn_reason:
        text.append(": ")
        text.append_text(one_line(view.withdrawn_reason))
    return text
