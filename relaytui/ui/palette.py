"""The command palette: relay logs found by name, what the keys of the screen do, and the
commands that work everywhere.

Apart from the app so that the app holds the session and its places, and the palette's
providers can be read (and tested) on their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, cast

from textual.app import SystemCommand
from textual.binding import ActiveBinding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape as escape_markup

from relaytui.errors import DomainError
from relaytui.i18n import _
from relaytui.ui.base import described_bindings
from relaytui.widgets.messages import OpenLog

if TYPE_CHECKING:
    from relaytui.services.access import StaffRef
    from relaytui.ui.base import RelayHost


def highlighted(matcher: Matcher, candidate: str) -> Content:
    """``candidate`` as literal text, its fuzzy match in the palette's style.

    ``Matcher.highlight`` reads the candidate as markup; a name from the database is not.
    """
    content = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if not score:
        return content
    for offset in offsets:
        if not candidate[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class LogFinder(Provider):
    """Finds relay logs by the subject's name (or national number) as you type."""

    async def search(self, query: str) -> Hits:
        app = self.app
        staff = getattr(app, "staff", None)
        text = query.strip()
        if staff is None or getattr(app, "locked", False) or len(text) < 2:
            return
        from relaytui.services import log_list

        try:
            page = await asyncio.to_thread(
                log_list.list_page,
                cast("RelayHost", app).store,
                staff,
                log_list.LogQuery(search=text),
                limit=10,
            )
        except DomainError:
            return  # an administrator reads no logs (R9): nothing to find
        except Exception as exc:  # noqa: BLE001 - the palette goes on without logs
            app.log.error("finding logs for the palette failed", exc)
            return
        matcher = self.matcher(text)
        for row in page.rows:
            score = matcher.match(row.subject_name)
            name = highlighted(matcher, row.subject_name)
            display = Content.assemble(
                name,
                "  ",
                Content(row.national_number_masked),
                "  ",
                Content(_("level {level}").format(level=row.level)),
            )
            yield Hit(
                max(score, 0.5),
                display,
                partial(app.post_message, OpenLog(row.id)),
                text=row.subject_name,
                # The palette reads help as markup: a name from the database is escaped.
                help=escape_markup(
                    _("Open the relay log held by {holder}").format(holder=row.holder_name)
                ),
            )


class ScreenActions(Provider):
    """Offers what the keys of the current screen do, by their (translated) descriptions.

    The keys that work everywhere (F2, F3, ...) come from :meth:`RelayApp.get_system_commands`,
    so that they are there on a dialog too, where the app's keys do not reach.
    """

    def _actions(self) -> list[tuple[str, str, ActiveBinding]]:
        found: list[tuple[str, str, ActiveBinding]] = []
        seen: set[tuple[int, str]] = set()
        if getattr(self.app, "locked", False):
            return found
        for active in described_bindings(self.screen).values():
            binding = active.binding
            # Textual's own widget keys (scrolling, copying) carry no id; ours all do. The
            # app's own keys are offered by the system commands.
            if not active.enabled or binding.system or not binding.id or active.node is self.app:
                continue
            description = binding.description
            if not description or (id(active.node), binding.action) in seen:
                continue
            seen.add((id(active.node), binding.action))
            key = self.app.get_key_display(binding)
            found.append((description, key, active))
        return found

    async def _run(self, active: ActiveBinding) -> None:
        await self.app.run_action(active.binding.action, active.node)

    async def discover(self) -> Hits:
        for description, key, active in self._actions():
            yield DiscoveryHit(
                Content(description),
                partial(self._run, active),
                text=description,
                help=escape_markup(_("Key: {key}").format(key=key)),
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, key, active in self._actions():
            score = matcher.match(description)
            if score > 0:
                yield Hit(
                    score,
                    highlighted(matcher, description),
                    partial(self._run, active),
                    text=description,
                    help=escape_markup(_("Key: {key}").format(key=key)),
                )


class CommandsHost(Protocol):
    """What the commands that work everywhere ask of the app."""

    staff: StaffRef | None
    action_logout: Callable[[], Any]
    action_lock: Callable[[], Any]
    action_show_logs: Callable[[], Any]
    action_show_dashboard: Callable[[], Any]
    action_show_handovers: Callable[[], Any]
    action_show_planner: Callable[[], Any]
    action_change_language: Callable[[], Any]
    action_change_password: Callable[[], Any]
    open_read_grants: Callable[[], Any]
    open_closed_logs: Callable[[], Any]
    action_help: Callable[[], Any]
    action_change_theme: Callable[[], Any]
    action_quit: Callable[[], Any]


def everywhere_commands(app: CommandsHost) -> Iterable[SystemCommand]:
    """The app's commands in the palette: they work on a dialog too, where the app's keys do
    not reach; the session's only while someone is logged in."""
    staff = app.staff
    if staff is not None:
        yield SystemCommand(
            _("Log out"), _("Log out and return to the login screen."), app.action_logout
        )
        yield SystemCommand(
            _("Lock"), _("Lock the screen now; your password unlocks it."), app.action_lock
        )
        yield SystemCommand(_("Logs"), _("Go to the list of relay logs."), app.action_show_logs)
        yield SystemCommand(
            _("Dashboard"),
            _("Go to the figures of your logs (and of your unit)."),
            app.action_show_dashboard,
        )
        yield SystemCommand(
            _("Handovers"),
            _("Go to the handovers waiting for an answer."),
            app.action_show_handovers,
        )
        yield SystemCommand(
            _("Meetings"),
            _("Go to the planner: your meetings, week by week."),
            app.action_show_planner,
        )
        yield SystemCommand(
            _("Language"),
            _("Choose the language of relaytui and the e-mail notices you get."),
            app.action_change_language,
        )
        yield SystemCommand(
            _("Change password"),
            _("Choose a new password for your account."),
            app.action_change_password,
        )
        if staff.is_admin:
            yield SystemCommand(
                _("Requests to read closed logs"),
                _("Give or refuse a time-limited permission to read a closed log."),
                app.open_read_grants,
            )
        else:
            yield SystemCommand(
                _("Closed logs"),
                _("The closed logs you held or read: open one with a permission, or ask for one."),
                app.open_closed_logs,
            )
    yield SystemCommand(_("Keys"), _("Show the keys of this screen"), app.action_help)
    yield SystemCommand(_("Theme"), _("Change the colours of relaytui"), app.action_change_theme)
    yield SystemCommand(_("Quit"), _("Quit relaytui"), app.action_quit)
