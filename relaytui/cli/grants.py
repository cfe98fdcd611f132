"""``relaytui grant request | list | give | refuse``: reading a closed log again (R10).

A member of staff who held the log or read it as an actor asks, with a reason (``request``,
with their own account); an administrator lists the open requests and gives a grant with a
reason and the last day it lasts (``give``), or refuses with a reason (``refuse``). In the
``no`` profile a grant records the guardians' approval (``--approved-by``, ``--approval``,
``--approved-on``). Every command logs in and is recorded in the audit trail."""

from __future__ import annotations

from typing import Annotated

import typer

from relaytui.cli.common import (
    Lazy,
    current_store,
    password_stdin_option,
    print_table,
    row_number,
    say,
    signed_in,
    user_option,
)
from relaytui.i18n import _

grants = Lazy("relaytui.services.grants")
grant_requests = Lazy("relaytui.services.grant_requests")


def grant_request(
    ctx: typer.Context,
    log: Annotated[int, typer.Argument(metavar="LOG", help=_("The relay log's number."))],
    reason: Annotated[str, typer.Option("--reason", help=_("Why you need to read it again."))] = "",
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    row_number(log)
    store = current_store(ctx)
    by = signed_in(ctx, store, user, password_stdin, admin=False)
    number = grants.request_read(store, by, log, reason=reason)
    say(_("Your request number {id} waits for an administrator.").format(id=number))


def grant_list(
    ctx: typer.Context,
    every: Annotated[bool, typer.Option("--all", help=_("Show answered requests too."))] = False,
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    from relaytui.i18n.formats import local_date, local_date_time
    from relaytui.services import installation

    store = current_store(ctx)
    views = grant_requests.list_requests(
        store, signed_in(ctx, store, user, password_stdin), include_answered=every
    )
    if not views:
        say(_("No request waits for an answer."))
        return
    tz = installation.read(store).timezone
    print_table(
        [
            _("Request"),
            _("Log"),
            _("Child"),
            _("Closed"),
            _("Asked by"),
            _("Asked"),
            _("Reason"),
            _("Status"),
        ],
        [
            [
                str(v.id),
                str(v.log_id),
                f"{v.subject_name} {v.national_number_masked}",
                local_date(v.closed_at, tz),
                f"{v.staff_name} ({v.staff_username}), {v.unit_name}".rstrip(", "),
                local_date_time(v.requested_at, tz),
                v.reason,
                grants.status_label(v.status) + (f": {v.answer}" if v.answer else ""),
            ]
            for v in views
        ],
    )


def grant_give(
    ctx: typer.Context,
    request: Annotated[int, typer.Argument(metavar="REQUEST", help=_("The request's number."))],
    reason: Annotated[str, typer.Option("--reason", help=_("Why the log may be read again."))] = "",
    until: Annotated[
        str,
        typer.Option(
            "--until",
            metavar="DATE",
            help=_("The last day the grant lasts, e.g. 2026-12-20 or 20.12.2026."),
        ),
    ] = "",
    approved_by: Annotated[
        str,
        typer.Option(
            "--approved-by",
            metavar="NAME",
            help=_("The guardian who approved (required in Norway)."),
        ),
    ] = "",
    approval: Annotated[
        str,
        typer.Option(
            "--approval", metavar="oral|written|digital", help=_("How the guardians approved.")
        ),
    ] = "oral",
    approved_on: Annotated[
        str,
        typer.Option(
            "--approved-on",
            metavar="DATE",
            help=_("The day the guardians approved (today when not given)."),
        ),
    ] = "",
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    from relaytui.i18n.formats import date_text
    from relaytui.services import clock

    row_number(request)
    day = grants.read_day(until)
    given = None
    if approved_by.strip():
        on = (
            grants.read_day(
                approved_on, what=_("Write the day the guardians approved, for example {example}.")
            )
            if approved_on.strip()
            else clock.today()
        )
        given = grants.GuardianApproval(approved_by, approval.strip().lower(), on)
    store = current_store(ctx)
    view = grants.give(
        store,
        signed_in(ctx, store, user, password_stdin),
        request,
        reason=reason,
        until=day,
        approval=given,
    )
    say(
        _("Granted: the person who asked may read relay log {log} until {date}.").format(
            log=view.log_id, date=date_text(view.until)
        )
    )


def grant_refuse(
    ctx: typer.Context,
    request: Annotated[int, typer.Argument(metavar="REQUEST", help=_("The request's number."))],
    reason: Annotated[str, typer.Option("--reason", help=_("Why it is refused."))] = "",
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    row_number(request)
    store = current_store(ctx)
    grants.refuse(store, signed_in(ctx, store, user, password_stdin), request, reason=reason)
    say(_("Refused request number {id}.").format(id=request))


def register(app: typer.Typer) -> None:
    grant_app = typer.Typer(
        help=_(
            "Reading a closed relay log again: ask for a time-limited grant "
            "(staff who held or read the log), give or refuse it (an "
            "administrator)."
        ),
        no_args_is_help=True,
    )
    app.add_typer(grant_app, name="grant")
    grant_app.command(
        "request",
        help=_(
            "Ask to read a closed relay log you held or read as an actor, with the reason. An "
            "administrator answers; 'relaytui grant list' shows the open requests."
        ),
    )(grant_request)
    grant_app.command(
        "list",
        help=_(
            "The requests to read a closed relay log that wait for an answer (--all: answered ones "
            "too). An administrator runs it."
        ),
    )(grant_list)
    grant_app.command(
        "give",
        help=_(
            "Let the person who asked read the closed relay log until a day (at most 90 days ahead), "
            "with the reason. In Norway (profile 'no') also who of the guardians approved, how and "
            "when. An administrator runs it."
        ),
    )(grant_give)
    grant_app.command(
        "refuse",
        help=_(
            "Refuse a request to read a closed relay log, with the reason the person who asked will "
            "see. An administrator runs it."
        ),
    )(grant_refuse)
