"""``relaytui audit``: check that the trail is whole; a child's access report. An
administrator runs them (the report is the trail's, never a log's content)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from relaytui.cli.common import (
    current_store,
    error_line,
    output_file,
    password_stdin_option,
    say,
    signed_in,
    user_option,
    write_private,
    write_stdout,
)
from relaytui.errors import InvalidInput, StoreError
from relaytui.i18n import _, ngettext

if TYPE_CHECKING:
    from relaytui.services.audit import ChainReport
    from relaytui.signing import PublicKey


def audit_verify(
    ctx: typer.Context,
    from_file: Annotated[
        bool,
        typer.Option(
            "--from-file",
            help=_(
                "Trust only the checkpoint file outside the database, not the "
                "checkpoints kept in it."
            ),
        ),
    ] = False,
    public_key: Annotated[
        str | None,
        typer.Option(
            "--public-key",
            metavar="KEY",
            help=_(
                "The audit public key to check signatures with. Default: the one 'relaytui audit "
                "keygen' wrote to the config file."
            ),
        ),
    ] = None,
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    from relaytui import signing
    from relaytui.services import audit

    key = signing.PublicKey.from_text(public_key) if public_key else signing.configured_public_key()
    file = signing.checkpoint_file()
    if from_file and not file.exists():
        raise InvalidInput(_("There is no checkpoint file at {file}.").format(file=file))
    store = current_store(ctx)
    report = audit.verify(
        store,
        signed_in(ctx, store, user, password_stdin),
        public_key=key,
        checkpoint_file=file,
        from_file=from_file,
    )
    _say_verified(report, key)


def _say_verified(report: ChainReport, key: PublicKey | None) -> None:
    """What the check found, a line each; exit 1 when the trail is not whole."""
    for finding in report.findings:
        (error_line if finding.failure else say)(finding_text(finding))
    if report.broken_at is not None:
        error_line(chain_text(report.problem, report.broken_at))
    if not report.intact:
        raise typer.Exit(1)
    say(
        _("The audit trail is whole: {n} events, each chained to the one before.").format(
            n=report.events
        )
    )
    if report.last_checkpoint is not None:
        say(
            ngettext(
                "It matches {count} signed checkpoint.",
                "It matches {count} signed checkpoints.",
                report.checkpoints,
            ).format(count=report.checkpoints)
        )
        say(
            ngettext(
                "The newest covers the events up to {id} ({time} UTC); {newer} event after it "
                "is under no checkpoint yet.",
                "The newest covers the events up to {id} ({time} UTC); {newer} events after it "
                "are under no checkpoint yet.",
                report.uncovered,
            ).format(
                id=report.last_checkpoint.last_id,
                time=report.last_checkpoint.at.strftime("%Y-%m-%d %H:%M"),
                newer=report.uncovered,
            )
        )
    elif key is None:
        say(
            _(
                "No audit signing key is set up, so nothing outside the database vouches for the "
                "trail: make one with 'relaytui audit keygen'."
            )
        )
    else:
        say(_("No signed checkpoint yet: take one with 'relaytui audit checkpoint'."))


def audit_keygen(
    ctx: typer.Context,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            metavar="FILE",
            help=_("Where to keep the private key. Default: audit-signing.key in the data folder."),
        ),
    ] = None,
    keyring: Annotated[
        bool,
        typer.Option(
            "--keyring", help=_("Keep the private key in the system keyring instead of a file.")
        ),
    ] = False,
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    from relaytui import signing

    store = current_store(ctx)
    signed_in(ctx, store, user, password_stdin)
    signer, where = signing.generate(key_file=key_file, keyring=keyring)
    say(
        _("Made the audit signing key {id}; its private half is in {where}.").format(
            id=signer.public.id, where=where
        )
    )
    say(
        _("Public key (for 'relaytui audit verify --public-key'): {key}").format(
            key=signer.public.text
        )
    )
    say(
        _("Checkpoints go to {file}; take the first with 'relaytui audit checkpoint'.").format(
            file=signing.checkpoint_file()
        )
    )


def audit_checkpoint(
    ctx: typer.Context,
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    from relaytui import signing
    from relaytui.services import checkpoints

    store = current_store(ctx)
    signed_in(ctx, store, user, password_stdin)
    signer = signing.load_signer()
    if signer is None:
        raise StoreError(
            _(
                "There is no audit signing key this account can read. Make one with "
                "'relaytui audit keygen' (as the account that runs the server)."
            )
        )
    made = checkpoints.take(store, signer, file=signing.checkpoint_file())
    if made is None:
        say(_("Nothing new since the last checkpoint."))
        return
    say(
        _("Signed a checkpoint: {events} events, up to event {id}, with key {key}.").format(
            events=made.events, id=made.last_id, key=made.key_id
        )
    )


def audit_export(
    ctx: typer.Context,
    subject: Annotated[
        str, typer.Option("--subject", metavar="NUMBER", help=_("The child's national number."))
    ],
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help=_("The file to write; standard output when not given."),
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help=_("Replace the output file if it exists."))
    ] = False,
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    from relaytui.services import audit, clock, installation

    target = output_file(ctx, output, force=force)  # checked before the login
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
        out.append(
            "{at}  {who}  {what}".format(
                at=clock.local(line.at, tz).strftime("%Y-%m-%d %H:%M"),
                who=who,
                what=audit.action_label(line.action),
            )
        )
    if not lines:
        out.append(_("Nobody has read or changed anything about this child."))
    text_out = "\n".join(out) + "\n"
    if target is None:
        write_stdout(text_out.encode("utf-8"))
    else:
        write_private(target, text_out.encode("utf-8"), force=force)
        say(_("Wrote {n} events to {file}.").format(n=len(lines), file=target))


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(
        help=_("The audit trail: check that it is whole; export a child's access log."),
        no_args_is_help=True,
    )
    app.add_typer(audit_app, name="audit")
    audit_app.command(
        "verify",
        help=_(
            "Walk the hash chain of the audit trail, check it against every signed checkpoint, and "
            "report what was changed, removed, inserted or rewritten (exit code 1)."
        ),
    )(audit_verify)
    audit_app.command(
        "keygen",
        help=_(
            "Make the installation's audit signing key (Ed25519): the private half in a file readable "
            "by you only (or the system keyring), never in the database; the public half in the config "
            "file. Keep a copy of both apart from the database's backups."
        ),
    )(audit_keygen)
    audit_app.command(
        "checkpoint",
        help=_(
            "Sign the head of the audit chain now, in the database and in the checkpoint file (the "
            "server does it by itself every so many events and when it stops)."
        ),
    )(audit_checkpoint)
    audit_app.command(
        "export",
        help=_(
            "Write who read and changed a child's relay log, for a guardian's request for access "
            "(GDPR art. 15)."
        ),
    )(audit_export)


def chain_text(problem: str, event_id: int | None) -> str:
    """What a break of the chain means, in words."""
    if problem == "changed":
        message = _("Audit event {id} was changed after it was written.")
    elif problem == "cut":
        message = _(
            "The newest audit events, up to event {id}, were removed from the end of the chain."
        )
    elif problem == "unreadable":
        message = _(
            "Audit event {id} cannot be read: its time is not a time. It was changed in the "
            "database."
        )
    else:
        message = _(
            "The chain breaks at audit event {id}: an event before it was removed, or "
            "it was inserted."
        )
    return message.format(id=event_id)


def finding_text(finding) -> str:
    """What a checkpoint showed, in words."""
    texts = {
        "bad_signature": _(
            "The checkpoint at event {id} does not carry a valid signature of this "
            "installation's key: it was forged or changed."
        ),
        "events_removed": _(
            "Events up to event {id}, which a signed checkpoint covers, were removed "
            "(the trail now ends at event {detail})."
        ),
        "rewritten": _(
            "The events up to event {id} differ from what the signed checkpoint holds: "
            "the trail was rewritten (new hashes) or an event was changed."
        ),
        "count": _(
            "The signed checkpoint at event {id} counted other events than the trail holds "
            "now (now / then: {detail}): events were inserted or removed."
        ),
        "removed_from_database": _(
            "The checkpoint at event {id} is in the checkpoint file but was "
            "removed from the database."
        ),
        "not_in_file": _(
            "Note: the checkpoint at event {id} is in the database but not in the "
            "checkpoint file (was the file moved or replaced?)."
        ),
        "file_line": _(
            "Line {detail} of the checkpoint file is not a checkpoint: the file was changed."
        ),
        "no_key": _(
            "Note: there are checkpoints, but no public key to check them with: give "
            "--public-key or make the key with 'relaytui audit keygen'."
        ),
    }
    return texts.get(finding.kind, finding.kind).format(id=finding.at_event, detail=finding.detail)
