"""``relaytui notices list | kinds | off | on | evaluation-days``: the e-mail notices' outbox
and switches, for an administrator.

The list shows what was queued, sent or given up, with the log's number only: nothing of the
child, not even the guardian's name. Every command logs in and is recorded in the audit trail.
"""

from __future__ import annotations

from typing import Annotated

import typer

from relaytui.cli.common import (
    Lazy,
    current_store,
    password_stdin_option,
    print_table,
    say,
    signed_in,
    user_option,
)
from relaytui.i18n import _

notices = Lazy("relaytui.services.notices")


def notices_list(
    ctx: typer.Context,
    state: Annotated[
        str,
        typer.Option("--state", metavar="queued|sent|failed|all", help=_("Which notices.")),
    ] = "all",
    limit: Annotated[
        int, typer.Option("--limit", help=_("At most this many, newest first."))
    ] = 200,
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    from relaytui.i18n.formats import local_date_time
    from relaytui.services import installation

    store = current_store(ctx)
    lines = notices.list_notices(
        store,
        signed_in(ctx, store, user, password_stdin),
        state=state.strip().lower(),
        limit=max(1, min(limit, 10_000)),
    )
    if not lines:
        say(_("No notices."))
        return
    tz = installation.read(store).timezone
    print_table(
        [
            _("Notice"),
            _("Kind"),
            _("Log"),
            _("To"),
            _("State"),
            _("Queued"),
            _("Tries"),
            _("Error"),
        ],
        [
            [
                str(line.id),
                notices.kind_label(line.kind),
                str(line.log_id or "-"),
                line.recipient if line.recipient != "guardian" else _("guardian"),
                _(notices.STATES[line.state]),
                local_date_time(line.created_at, tz),
                str(line.attempts),
                line.last_error,
            ]
            for line in lines
        ],
    )


def notices_kinds(
    ctx: typer.Context,
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    store = current_store(ctx)
    off = notices.installation_off(store, signed_in(ctx, store, user, password_stdin))
    print_table(
        [_("Kind"), _("What"), _("Sent")],
        [
            [kind, notices.kind_label(kind), _("off") if kind in off else _("on")]
            for kind in notices.KINDS
        ],
    )


def _kind_argument():
    return typer.Argument(metavar="KIND", help=_("The kind, as 'relaytui notices kinds' lists it."))


def notices_off(
    ctx: typer.Context,
    kind: Annotated[str, _kind_argument()],
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    store = current_store(ctx)
    by = signed_in(ctx, store, user, password_stdin)
    notices.switch_for_installation(store, by, kind, on=False)
    say(_("No more notices of this kind are queued for anyone: {kind}.").format(kind=kind))


def notices_on(
    ctx: typer.Context,
    kind: Annotated[str, _kind_argument()],
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    store = current_store(ctx)
    by = signed_in(ctx, store, user, password_stdin)
    notices.switch_for_installation(store, by, kind, on=True)
    say(_("Notices of this kind are queued again: {kind}.").format(kind=kind))


def notices_evaluation_days(
    ctx: typer.Context,
    days: Annotated[int, typer.Argument(metavar="DAYS", help=_("From 1 to 90."))],
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    store = current_store(ctx)
    notices.set_evaluation_days(store, signed_in(ctx, store, user, password_stdin), days)
    say(_("A holder is told {days} days before an evaluation is due.").format(days=days))


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help=_(
            "E-mail notices: what was queued, sent or given up, and which kinds are sent at all. "
            "An administrator runs them."
        ),
        no_args_is_help=True,
    )
    app.add_typer(group, name="notices")
    group.command(
        "list",
        help=_("The outbox, newest first: each notice's kind, log number, state and last error."),
    )(notices_list)
    group.command("kinds", help=_("Every kind of notice, and whether it is sent."))(notices_kinds)
    group.command(
        "off", help=_("Stop queueing a kind of notice for everyone (already queued ones go).")
    )(notices_off)
    group.command("on", help=_("Queue a kind of notice again."))(notices_on)
    group.command(
        "evaluation-days",
        help=_("How many days before an evaluation date its holder is told (default 7)."),
    )(notices_evaluation_days)
