"""``relaytui export``: papers from a relay log, made by the person who may read them (the
holder, who logs in) and recorded in the audit trail; a child's whole access report by an
administrator.

A paper goes to standard output, or with ``--output FILE`` to a new file readable by its
owner only (:func:`~relaytui.cli.common.write_private`); an existing FILE is replaced only with
``--force``. The number and the file are checked before the login, so a refused one leaves
nothing in the audit trail."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from relaytui.cli.common import (
    current_store,
    output_file,
    password_stdin_option,
    row_number,
    say,
    signed_in,
    user_option,
    write_private,
    write_stdout,
)
from relaytui.errors import InvalidInput
from relaytui.i18n import _


def _deliver(data: bytes, output: Path | None, done: str, *, force: bool) -> None:
    if output is None:
        write_stdout(data)
    else:
        write_private(output, data, force=force)
        say(done.format(file=output))


def _format_option() -> Any:
    return typer.Option("--format", "-f", metavar="pdf|text", help=_("pdf (to print) or text."))


def _output_option() -> Any:
    return typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help=_("The file to write; standard output when not given."),
    )


def _force_option() -> Any:
    return typer.Option("--force", help=_("Replace the output file if it exists."))


def _log_number() -> Any:
    return typer.Argument(metavar="LOG", help=_("The relay log's number."))


def _meeting_number() -> Any:
    return typer.Argument(metavar="MEETING", help=_("The meeting's number."))


def export_invitation(
    ctx: typer.Context,
    meeting: Annotated[int, _meeting_number()],
    user: Annotated[str | None, user_option()] = None,
    form: Annotated[
        str,
        typer.Option(
            "--format", "-f", metavar="ics|text", help=_("ics (calendar) or text (letter).")
        ),
    ] = "ics",
    output: Annotated[str | None, _output_option()] = None,
    force: Annotated[bool, _force_option()] = False,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    from relaytui.services import invitations

    row_number(meeting)
    if form not in ("ics", "text"):
        raise InvalidInput(_("Choose --format ics or --format text."))
    target = output_file(ctx, output, force=force)
    store = current_store(ctx)
    by = signed_in(ctx, store, user, password_stdin, admin=False)
    data = (
        invitations.ics(store, by, meeting)
        if form == "ics"
        else invitations.letter(store, by, meeting).encode("utf-8")
    )
    _deliver(data, target, _("Wrote the invitation to {file}."), force=force)


def _export_paper(
    ctx: typer.Context,
    make,
    user: str | None,
    form: str,
    output: str | None,
    force: bool,
    password_stdin: bool,
    *,
    admin: bool = False,
) -> None:
    """Check the format and the file, log the person in, write the paper."""
    from relaytui import documents

    if form not in documents.FORMATS:
        raise InvalidInput(_("Choose --format pdf or --format text."))
    target = output_file(ctx, output, force=force)
    if target is None and form == "pdf" and sys.stdout.isatty():
        raise InvalidInput(_("A PDF cannot be shown in the terminal: give --output FILE."))
    store = current_store(ctx)
    by = signed_in(ctx, store, user, password_stdin, admin=admin)
    _deliver(documents.render(make(store, by), form), target, _("Wrote {file}."), force=force)


def _export_numbered(
    ctx: typer.Context,
    paper: str,
    number: int,
    user: str | None,
    form: str,
    output: str | None,
    force: bool,
    password_stdin: bool,
) -> None:
    """`relaytui export NAME NUMBER`: the paper ``papers.<paper>(store, by, NUMBER)``."""
    from relaytui.services import papers

    row_number(number)
    _export_paper(
        ctx,
        lambda store, by: getattr(papers, paper)(store, by, number),
        user,
        form,
        output,
        force,
        password_stdin,
    )


def export_consent_form(
    ctx: typer.Context,
    number: Annotated[int, _log_number()],
    user: Annotated[str | None, user_option()] = None,
    form: Annotated[str, _format_option()] = "pdf",
    output: Annotated[str | None, _output_option()] = None,
    force: Annotated[bool, _force_option()] = False,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    _export_numbered(ctx, "consent_form", number, user, form, output, force, password_stdin)


def export_guardian_copy(
    ctx: typer.Context,
    number: Annotated[int, _log_number()],
    user: Annotated[str | None, user_option()] = None,
    form: Annotated[str, _format_option()] = "pdf",
    output: Annotated[str | None, _output_option()] = None,
    force: Annotated[bool, _force_option()] = False,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    _export_numbered(ctx, "guardian_copy", number, user, form, output, force, password_stdin)


def export_minutes(
    ctx: typer.Context,
    number: Annotated[int, _meeting_number()],
    user: Annotated[str | None, user_option()] = None,
    form: Annotated[str, _format_option()] = "pdf",
    output: Annotated[str | None, _output_option()] = None,
    force: Annotated[bool, _force_option()] = False,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    _export_numbered(ctx, "meeting_paper", number, user, form, output, force, password_stdin)


def export_access_report(
    ctx: typer.Context,
    log: Annotated[
        int | None, typer.Argument(metavar="[LOG]", help=_("The relay log's number."))
    ] = None,
    subject: Annotated[
        str | None,
        typer.Option(
            "--subject", metavar="NUMBER", help=_("The child's national number (administrators).")
        ),
    ] = None,
    user: Annotated[str | None, user_option()] = None,
    form: Annotated[str, _format_option()] = "pdf",
    output: Annotated[str | None, _output_option()] = None,
    force: Annotated[bool, _force_option()] = False,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    from relaytui.services import papers

    if (log is None) == (subject is None):
        raise InvalidInput(_("Give either the relay log's number (LOG) or --subject NUMBER."))
    if subject is not None:
        _export_paper(
            ctx,
            lambda store, by: papers.subject_access_report(store, by, subject),
            user,
            form,
            output,
            force,
            password_stdin,
            admin=True,
        )
    else:
        row_number(log)
        _export_paper(
            ctx,
            lambda store, by: papers.access_report(store, by, log),
            user,
            form,
            output,
            force,
            password_stdin,
        )


def register(app: typer.Typer) -> None:
    """Add ``relaytui export ...``, its help in the current language."""
    export_app = typer.Typer(
        help=_("Papers from a relay log, written by the person who may read them."),
        no_args_is_help=True,
    )
    app.add_typer(export_app, name="export")
    export_app.command(
        "invitation",
        help=_(
            "The invitation to a meeting with its agenda, as an iCalendar file (.ics) or a "
            "plain-text letter. Only the log's holder may export it; the export is recorded."
        ),
    )(export_invitation)
    export_app.command(
        "consent-form",
        help=_(
            "The consent form for a relay log, filled in, to print and have signed. Only the log's "
            "holder may export it; the export is recorded."
        ),
    )(export_consent_form)
    export_app.command(
        "guardian-copy",
        help=_(
            "What the guardians may read in a relay log, as one paper. Only the log's holder may "
            "export it; the export is recorded."
        ),
    )(export_guardian_copy)
    export_app.command(
        "minutes",
        help=_(
            "A meeting's paper: the invitation with its agenda before the meeting, the minutes after "
            "it. Only the log's holder may export it; the export is recorded."
        ),
    )(export_minutes)
    export_app.command(
        "access-report",
        help=_(
            "Who read or changed a relay log, for a guardian's request for access (GDPR art. 15): "
            "the holder for their log (LOG), an administrator for every log of a child "
            "(--subject). The export is recorded."
        ),
    )(export_access_report)
