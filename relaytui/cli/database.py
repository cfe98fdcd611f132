"""``relaytui db``: where the database is, its schema, its backups.

A backup holds every log and the whole audit trail, so ``backup`` and ``restore`` (over a
database with accounts) are run by an administrator who logs in. Two cases cannot check an
account and ask for none: a database whose schema is older than this version of relaytui
(its accounts are read once ``db upgrade`` has run; back it up first), and a restore into an
empty database. ``status`` and ``upgrade`` read and change no one's data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from relaytui import config, db, db_url
from relaytui.cli.common import (
    demo_store,
    location,
    open_store,
    password_stdin_option,
    say,
    signed_in,
    sqlite_file,
    staff_count,
    state,
    user_option,
)
from relaytui.cli.setup import upgrade_message
from relaytui.db_url import make_url
from relaytui.i18n import _


def _source_label(where: config.Location) -> str:
    labels = {
        "option": _("the --db option"),
        "environment": _("the environment variable {var}").format(var=config.ENV_URL),
        "config": _("the config file {path}").format(path=config.config_file()),
        "default": _("the default location"),
        "demo": _("the --demo option"),
    }
    return labels.get(where.source, where.source)


def _kind_label(where: config.Location) -> str:
    backend = make_url(db_url.normalise_url(where.url)).get_backend_name()
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(backend, backend)


def _sign_in_if_possible(
    ctx: typer.Context, store: db.Store, user: str | None, password_stdin: bool
) -> None:
    """An administrator logs in, where the database has accounts on the current schema."""
    if store.is_current() and staff_count(store) > 0:
        signed_in(ctx, store, user, password_stdin)


def db_upgrade(ctx: typer.Context) -> None:
    store = open_store(ctx, create=True)
    before, after = store.upgrade()
    say(upgrade_message(store, (before, after)))


def db_status(ctx: typer.Context) -> None:
    where = location(ctx)
    say(_("Database:      {url}").format(url=db_url.safe_url(db_url.normalise_url(where.url))))
    say(_("Chosen by:     {source}").format(source=_source_label(where)))
    say(_("Kind:          {kind}").format(kind=_kind_label(where)))
    path = sqlite_file(where)
    if path is not None and not path.exists():
        say(_("State:         not created yet; run 'relaytui init'"))
        raise typer.Exit(1)
    store = open_store(ctx, create=False)
    current = store.current_revision()
    head = store.head_revision()
    say(_("Schema:        {revision}").format(revision=current or _("none")))
    say(_("Newest schema: {revision}").format(revision=head))
    if current == head:
        say(_("State:         up to date"))
    else:
        say(_("State:         needs 'relaytui db upgrade'"))
        raise typer.Exit(1)


def db_backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help=_("The backup file to write."))],
    force: Annotated[bool, typer.Option("--force", help=_("Replace FILE if it exists."))] = False,
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    from relaytui import backup

    # An old schema is backed up too: that is what to do before 'relaytui db upgrade'.
    store = demo_store(ctx) if state(ctx).demo else open_store(ctx, create=False)
    backup.check_target(store, file, force=force)  # a refused FILE costs no login
    _sign_in_if_possible(ctx, store, user, password_stdin)
    report = backup.backup(store, file, force=force)
    say(_("Wrote a backup of the database to {file}.").format(file=report.path))
    if report.counts is not None:
        say(
            _(
                "Checked: it passes SQLite's integrity check and holds {logs} relay logs and "
                "{events} audit events."
            ).format(logs=report.counts.relay_logs, events=report.counts.audit_events)
        )
    elif report.kind == "sqlite":
        say(_("Checked: it passes SQLite's integrity check ({n} tables).").format(n=report.tables))
    else:
        say(_("Checked: pg_restore reads it, with {n} tables.").format(n=report.tables))
    if report.recorded:
        say(
            _(
                "Recorded in the checkpoint file, signed: a restore refuses the file if it is "
                "changed."
            )
        )


def db_restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help=_("The backup file to restore."))],
    force: Annotated[
        bool,
        typer.Option(
            "--force", help=_("Replace a database that holds data (a copy of it is kept).")
        ),
    ] = False,
    unverified: Annotated[
        bool,
        typer.Option(
            "--unverified",
            help=_(
                "Restore a backup that the checkpoint file does not record (made "
                "elsewhere, or before the audit key existed)."
            ),
        ),
    ] = False,
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    from relaytui import restore

    where = location(ctx)
    kind = (
        "sqlite"
        if make_url(db_url.normalise_url(where.url)).get_backend_name() == "sqlite"
        else "postgresql"
    )
    # A wrong file is refused before anything is touched.
    candidate = restore.check_file(file, kind, unverified=unverified)
    store = open_store(ctx, create=True)
    _sign_in_if_possible(ctx, store, user, password_stdin)
    report = restore.restore(store, candidate, force=force)
    if report.previous_copy is not None:
        say(_("The data that was there is kept in {file}.").format(file=report.previous_copy))
    say(
        _("Restored {file}: {logs} relay logs and {events} audit events.").format(
            file=report.path, logs=report.counts.relay_logs, events=report.counts.audit_events
        )
    )
    if report.upgraded_from is not None:
        say(
            _("The backup had the older schema {before}; it was upgraded to {after}.").format(
                before=report.upgraded_from, after=report.revision
            )
        )
    say(
        _("The audit trail is whole: {n} events, each chained to the one before.").format(
            n=report.audit_events
        )
    )


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(
        help=_("The database: where it is, its schema, its backups."), no_args_is_help=True
    )
    app.add_typer(db_app, name="db")
    db_app.command("upgrade", help=_("Create the database or bring its schema up to date."))(
        db_upgrade
    )
    db_app.command(
        "status",
        help=_(
            "Show where the database is and whether its schema is current (exit code 1 if not)."
        ),
    )(db_status)
    db_app.command(
        "backup",
        help=_(
            "Write a backup of the whole database, audit trail included, to FILE (readable by you "
            "only): SQLite's online backup, or pg_dump for PostgreSQL. Safe while the app is in use. "
            "An administrator runs it."
        ),
    )(db_backup)
    db_app.command(
        "restore",
        help=_(
            "Put a backup made by 'relaytui db backup' in place of the database. A database that "
            "holds data is only replaced with --force, and a copy of it is kept first; an "
            "administrator of that database runs it."
        ),
    )(db_restore)
