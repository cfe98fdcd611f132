"""``relaytui audit``: check that the trail is whole; a child's access report. An
administrator runs them (the report is the trail's, never a log's content)."""

import os
from pathlib import Path
from typing import Annotated

import typer

from relaytui.cli.common import (
    current_store, error_line, password_stdin_option, say, signed_in, user_option,
)
from relaytui.errors import InvalidInput
from relaytui.i18n import _


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(help=_("The audit trail: check that it is whole; export a child's access log."),
                            no_args_is_help=True)
    app.add_typer(audit_app, name="audit")

    @audit_app.command("verify", help=_(
        "Walk the hash chain of the audit trail and report the first event that was changed, "
        "removed or inserted (exit code 1)."))
    def audit_verify(
        ctx: typer.Context,
        user: Annotated[str | None, user_option()] = None,
        password_stdin: Annotated[bool, password_stdin_option()] = False,
    ) -> None:
        from relaytui.services import audit

        store = current_store(ctx)
        report = audit.verify(store, signed_in(ctx, store, user, password_stdin))
        if report.intact:
            say(_("The audit trail is whole: {n} events, each chained to the one before.").format(
                n=report.events))
            return
        if report.problem == "changed":
            message = _("Audit event {id} was changed after it was written.")
        elif report.problem == "cut":
            message = _("The newest audit events, up to event {id}, were removed from the end of the chain.")
        else:
            message = _("The chain breaks at audit event {id}: an event before it was removed, or "
                        "it was inserted.")
        error_line(message.format(id=report.broken_at))
        raise typer.Exit(1)

    @audit_app.command("export", help=_(
        "Write who read and changed a child's relay log, for a guardian's request for access "
        "(GDPR art. 15)."))
    def audit_export(
        ctx: typer.Context,
        subject: Annotated[str, typer.Option("--subject", metavar="NUMBER",
                                             help=_("The child's national number."))],
        output: Annotated[Path | None, typer.Option(
            "--output", "-o", help=_("The file to write; standard output when not given."),
        )] = None,
        user: Annotated[str | None, user_option()] = None,
        password_stdin: Annotated[bool, password_stdin_option()] = False,
    ) -> None:
        from relaytui.services import audit, clock, installation

        if output is not None and not output.parent.exists():
            raise InvalidInput(_("The folder {folder} does not exist.").format(folder=output.parent))
        store = current_store(ctx)
        name, lines = audit.subject_trail(store, signed_in(ctx, store, user, password_stdin), subject)
        tz = installation.read(store).timezone
        out = [
            _("Access report for {name}").format(name=name),
            _("Every time someone read or changed the relay log, from the audit trail."),
            "",
        ]
        for line in lines:
            who = line.full_name or line.username
            if line.profession or line.unit:
                who += " (" + ", ".join(part for part in (line.profession, line.unit) if part) + ")"
            out.append("{at}  {who}  {what}".format(
                at=clock.local(line.at, tz).strftime("%Y-%m-%d %H:%M"), who=who,
                what=audit.action_label(line.action)))
        if not lines:
            out.append(_("Nobody has read or changed anything about this child."))
        text_out = "\n".join(out) + "\n"
        if output is None:
            typer.echo(text_out, nl=False)
        else:
            fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text_out)
            say(_("Wrote {n} events to {file}.").format(n=len(lines), file=output))
