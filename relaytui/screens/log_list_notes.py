"""What the log list says around its table: the installation it runs in, how many logs are
shown, why the list is empty, and why it is refused (an administrator reads no log, R9).

The screen places these texts; the words of the table and its filters are in
:mod:`relaytui.screens.log_table`.
"""

from __future__ import annotations

from rich.text import Text

from relaytui.i18n import _
from relaytui.screens.log_table import describe
from relaytui.services import installation, log_list


def installation_line(inst: installation.Installation) -> Text:
    """The municipality, the profile and the time zone the times are shown in."""
    parts = [
        _("Profile: {profile}").format(profile=_(inst.country.country)),
        _("times in {zone}").format(zone=inst.timezone),
    ]
    if inst.municipality:
        parts.insert(0, inst.municipality)
    return Text(" · ".join(parts))


def count_line(shown: int, *, loading: bool, loading_more: bool, more: bool) -> Text:
    """How many logs are shown, and whether more are loading or waiting further down."""
    if loading:
        return Text(_("Loading…"))
    text = _("{count} shown").format(count=shown)
    if loading_more:
        text += " · " + _("loading more…")
    elif more:
        text += " · " + _("more…")
    return Text(text)


def untouched(query: log_list.LogQuery) -> bool:
    """No search and no filter: the list shows every open log I hold or read."""
    return (
        not query.search.strip()
        and query.level is None
        and query.role == "all"
        and query.status == "open"
        and query.attention is None
        and query.unit_id is None
    )


def empty_note(query: log_list.LogQuery, unit_name: str | None) -> Text:
    """Why the list is empty: no log at all, or none that matches the search and filters."""
    if untouched(query):
        lines = [
            _("You hold no relay logs and read none."),
            _("Press n to start a new relay log."),
        ]
    else:
        first = (
            _("Nothing matches the search.")
            if query.search.strip()
            else _("No relay log matches the filters.")
        )
        lines = [
            first,
            _("Filters: {filters}").format(filters=describe(query, unit_name)),
            _("Press x to clear the search and the filters."),
        ]
    return Text("\n".join(lines))


def refused_note(text: str, *, is_admin: bool) -> Text:
    """The service's refusal, and for an administrator where accounts are managed instead."""
    lines = [text]
    if is_admin:
        lines.append(
            _(
                "Manage accounts at the command line with the 'relaytui user' "
                "commands, for example 'relaytui user list'."
            )
        )
    return Text("\n\n".join(lines))
