"""The command line: set-up, accounts, units, the database and the demo; with no command, the app.

Every refusal of a service (a :class:`~relaytui.errors.DomainError`) becomes one red line on
stderr and exit code 1, never a traceback. The commands act as
:func:`access.system_administrator`: they manage accounts and never read a relay log.

Help texts are translated when the app is built, so :func:`relaytui.__main__.main` chooses the
language first and then calls :func:`build_app`.
"""


import importlib
import os
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from relaytui import __version__, config, db
from relaytui.db import make_url
from relaytui.errors import DomainError, InvalidInput, StoreError
from relaytui.i18n import LANGUAGES, _, known_language, language_from_environment, set_language

# --- errors -------------------------------------------------------------------------------


def visible(value: Any) -> str:
    """Text with its control characters (an escape sequence, a bell) shown, not obeyed."""
    return "".join(
        f"\\x{ord(ch):02x}" if unicodedata.category(ch) == "Cc" and ch not in "\n\t" else ch
        for ch in str(value)
    )


def say(message: Any) -> None:
    """A line on stdout; text from the database in it is shown literally."""
    typer.echo(visible(message))


def error_line(message: Any) -> None:
    """One red line on stderr."""
    line = " ".join(visible(message).split())
    typer.secho(line, fg="red", err=True)


class _Group(TyperGroup):
    """The top-level group: turns every domain error below it into one line and exit code 1."""

    def invoke(self, ctx):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            error_line(exc.message)
            raise typer.Exit(1) from None


# --- the database -------------------------------------------------------------------------


@dataclass
class _State:
    db: str | None = None
    demo: bool = False
    #: Which demo municipality --demo opens: "no" (Sunnfjord) with --lang nb or nn, else "dk".
    demo_profile: str = "dk"


def _state(ctx: typer.Context) -> _State:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, _State) else _State()


def _location(ctx: typer.Context) -> config.Location:
    state = _state(ctx)
    if state.demo and state.db:
        raise InvalidInput(_("Use either --db or --demo, not both."))
    if state.demo:
        path = config.demo_sqlite_path()
        if state.demo_profile != "dk":  # each municipality in a file of its own
            path = path.with_name(f"demo-{state.demo_profile}.db")
        return config.Location(config.to_url(str(path)), "demo")
    location = config.resolve(state.db)
    db.normalise_url(location.url)  # a malformed URL is refused here, before anything else
    return location


def _sqlite_file(location: config.Location) -> Path | None:
    """The SQLite file of ``location``, or ``None`` for PostgreSQL or an in-memory database."""
    plain = db.sqlite_file_of(location.url)
    if plain is not None:
        return plain
    if db.is_postgresql(location.url):
        return None  # read without SQLAlchemy: the app's start does not load it
    parsed = make_url(db.normalise_url(location.url))
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _missing(location: config.Location) -> StoreError:
    return StoreError(
        _("There is no database at {path}. Create it with 'relaytui init', or choose another "
          "with --db.").format(path=_sqlite_file(location))
    )


def _open(ctx: typer.Context, *, create: bool) -> db.Store:
    """Open the chosen database; without ``create`` a missing SQLite file is refused, not made."""
    location = _location(ctx)
    path = _sqlite_file(location)
    if not create and path is not None and not path.exists():
        raise _missing(location)
    store = db.open_location(location)
    ctx.find_root().call_on_close(store.dispose)
    return store


def _staff_count(store: db.Store) -> int:
    """How many accounts there are (0 when the schema is not there yet)."""
    if store.current_revision() is None:
        return 0
    from relaytui.services import accounts

    return accounts.account_count(store)


def _populate(store: db.Store, profile: str = "dk") -> None:
    try:
        from relaytui.demo import populate
    except ImportError as exc:
        if exc.name not in ("relaytui.demo",):
            raise
        raise StoreError(_("The demo data is not part of this installation.")) from None
    populate(store, profile=profile)


def _demo_store(ctx: typer.Context) -> db.Store:
    """The demo database, created, migrated and filled on first use."""
    store = _open(ctx, create=True)
    if not store.is_current():
        store.upgrade()
    if _staff_count(store) == 0:
        _populate(store, _state(ctx).demo_profile)
    return store


def _store(ctx: typer.Context) -> db.Store:
    """The chosen database, which must exist and have the current schema."""
    if _state(ctx).demo:
        store = _demo_store(ctx)
    else:
        store = _open(ctx, create=False)
    store.require_current()
    return store


def _app_store(ctx: typer.Context) -> db.Store:
    """As :func:`_store`, for the app: the schema is checked through the plain driver (sqlite3,
    psycopg) and the engine made on first use, so the login screen shows before SQLAlchemy is
    imported."""
    if _state(ctx).demo:
        return _store(ctx)
    location = _location(ctx)
    path = _sqlite_file(location)
    if path is not None and not path.exists():
        raise _missing(location)
    store = db.open_location(location, lazy=True)
    ctx.find_root().call_on_close(store.dispose)
    store.require_current()
    return store


class _Start:
    """What a start without Typer has in place of its context: the state, and what to close."""

    def __init__(self, state: _State) -> None:
        self.obj = state
        self.closing: list[Any] = []

    def find_root(self) -> "_Start":
        return self

    def call_on_close(self, callback: Any) -> None:
        self.closing.append(callback)


def start_app(db_option: str | None = None, lang: str | None = None) -> None:
    """``relaytui [--db URL] [--lang CODE]``: the app, as the main callback starts it, without
    building the Typer app (its parameter handling imports pydantic: a third of the cold
    start). :mod:`relaytui.__main__` calls this only for exactly these options."""
    if lang is not None:
        set_language(lang)
    start = _Start(_State(db=db_option))
    try:
        store = _app_store(start)  # type: ignore[arg-type]
        from relaytui.app import run_app

        language = None
        if lang is None and language_from_environment() is None:
            language = store.setting("language") or None
        run_app(store, language=language)
    except DomainError as exc:
        error_line(exc.message)
        sys.exit(1)
    finally:
        for callback in start.closing:
            callback()


#: The roles of an account, as relaytui.services.access.ROLES (kept equal by tests/cli), here so
#: that building the command line imports no service.
STAFF_ROLES = ("caseworker", "leader", "admin")
#: The kinds of unit, as relaytui.services.units.KINDS (kept equal by tests/cli).
UNIT_KINDS = ("daycare", "school", "health", "ppr", "family", "other")


class _Lazy:
    """A service module imported when a command first uses it (``relaytui`` alone needs none)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


def _admin():
    from relaytui.services import access

    return access.system_administrator()


def _read_password(from_stdin: bool, prompt: str) -> str:
    """The first line of stdin, or a password typed twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=_("Repeat the password"))


def _source_label(location: config.Location) -> str:
    labels = {
        "option": _("the --db option"),
        "environment": _("the environment variable {var}").format(var=config.ENV_URL),
        "config": _("the config file {path}").format(path=config.config_file()),
        "default": _("the default location"),
        "demo": _("the --demo option"),
    }
    return labels.get(location.source, location.source)


def _kind_label(location: config.Location) -> str:
    backend = make_url(db.normalise_url(location.url)).get_backend_name()
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(backend, backend)


def _print_table(columns: list[str], rows: list[list[str]]) -> None:
    """A Rich table; database text is shown as text, never parsed as markup."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for name in columns:
        table.add_column(Text(name), overflow="fold")
    for row in rows:
        table.add_row(*(Text(visible(value or "")) for value in row))
    Console(highlight=False).print(table)


# --- the app ------------------------------------------------------------------------------


def build_app() -> typer.Typer:
    """The Typer app, with its help texts in the current language."""
    accounts = _Lazy("relaytui.services.accounts")
    installation = _Lazy("relaytui.services.installation")
    units = _Lazy("relaytui.services.units")

    app = typer.Typer(
        cls=_Group,
        name="relaytui",
        help=_("relaytui keeps relay logs (stafetlog / stafettlogg) around children and young "
               "people. Without a command it starts the application."),
        pretty_exceptions_enable=False,
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    def _version(value: bool) -> None:
        if value:
            typer.echo("relaytui " + __version__)
            raise typer.Exit()

    @app.callback(invoke_without_command=True)
    def main_callback(
        ctx: typer.Context,
        db_option: Annotated[str | None, typer.Option(
            "--db", metavar="URL|PATH",
            help=_("The database: a file path (SQLite) or postgresql://user@host/database. "
                   "Default: {var}, then the config file, then a file in your data folder.").format(
                       var=config.ENV_URL),
        )] = None,
        lang: Annotated[str | None, typer.Option(
            "--lang", metavar="|".join(LANGUAGES),
            help=_("The language of the messages. Default: RELAYTUI_LANG or LANG."),
        )] = None,
        demo: Annotated[bool, typer.Option(
            "--demo",
            help=_("Use the demo database with made-up people (created and filled on first "
                   "use)."),
        )] = False,
        version: Annotated[bool, typer.Option(
            "--version", callback=_version, is_eager=True,
            help=_("Show the version and stop."),
        )] = False,
    ) -> None:
        if lang is not None:
            code = known_language(lang.strip())
            if code is None:
                raise InvalidInput(
                    _("Unknown language '{language}'. Choose one of: {languages}.").format(
                        language=lang, languages=", ".join(LANGUAGES)
                    )
                )
            set_language(code)
        ctx.obj = _State(db=db_option, demo=demo,
                         demo_profile="no" if lang and lang.strip().lower() in ("nb", "nn") else "dk")
        if ctx.invoked_subcommand is None:
            store = _app_store(ctx)
            from relaytui.app import run_app

            # --lang, then the environment, then the installation's own language.
            language = None
            if lang is None and language_from_environment() is None:
                language = store.setting("language") or None
            run_app(store, language=language)

    # --- init ---------------------------------------------------------------------------

    @app.command("init", help=_(
        "Create the database and its first administrator, or upgrade an existing database."))
    def init_cmd(
        ctx: typer.Context,
        profile: Annotated[str | None, typer.Option(
            "--profile", metavar="dk|no",
            help=_("The rules to follow: dk (Denmark) or no (Norway). Asked for when not given."),
        )] = None,
        timezone: Annotated[str | None, typer.Option(
            "--timezone", metavar="ZONE",
            help=_("The time zone, e.g. Europe/Copenhagen. Asked for when not given."),
        )] = None,
        admin_username: Annotated[str, typer.Option(
            "--admin-username", help=_("The first administrator's username."),
        )] = "admin",
        admin_name: Annotated[str | None, typer.Option(
            "--admin-name", help=_("The first administrator's full name."),
        )] = None,
        password_stdin: Annotated[bool, typer.Option(
            "--password-stdin",
            help=_("Read the administrator's password from the first line of stdin instead of "
                   "asking for it."),
        )] = False,
        municipality: Annotated[str | None, typer.Option(
            "--municipality", help=_("The municipality's name, shown in the application."),
        )] = None,
    ) -> None:
        location = _location(ctx)
        # Check what was given before anything is created.
        if profile is not None:
            profile = installation.validate_profile(profile)
        if timezone is not None:
            timezone = installation.validate_timezone(timezone)
        username = accounts.validate_username(admin_username)
        full_name = (admin_name or "").strip() or _("Administrator")

        store: db.Store | None = None
        initialised = False
        admin_exists = False
        upgraded: tuple[str | None, str | None] | None = None
        path = _sqlite_file(location)
        if path is None or path.exists():
            store = _open(ctx, create=False)
            if store.current_revision() is not None:
                upgraded = store.upgrade()
                initialised = installation.is_initialised(store)
                admin_exists = _admin_exists(store, username)

        if initialised and admin_exists:
            say(_upgrade_message(store, upgraded))
            say(_("The database is already set up; nothing else was changed. Add more "
                         "people with 'relaytui user add'."))
            return

        if not initialised:
            if profile is None:
                profile = "dk" if password_stdin else installation.validate_profile(
                    typer.prompt(_("Profile (dk = Denmark, no = Norway)"), default="dk"))
            zone_default = "Europe/Oslo" if profile == "no" else "Europe/Copenhagen"
            if timezone is None:
                timezone = zone_default if password_stdin else installation.validate_timezone(
                    typer.prompt(_("Time zone"), default=zone_default))
        password = ""
        if not admin_exists:
            password = _read_password(
                password_stdin,
                _("Password for the administrator {username}").format(username=username),
            )
            accounts.check_password(password)

        if store is None:
            store = _open(ctx, create=True)
        if upgraded is None:
            upgraded = store.upgrade()
        if not initialised:
            values = {"profile": profile, "timezone": timezone}
            if municipality:
                values["municipality"] = municipality.strip()
            installation.write(store, **values)
        if not admin_exists:
            accounts.add_user(store, _admin(), username=username, full_name=full_name,
                              password=password, role="admin")
        settings = installation.read(store)
        say(_("The database at {url} is ready (schema {revision}).").format(
            url=db.safe_url(store.url), revision=upgraded[1]))
        say(_("Profile {profile}, time zone {zone}.").format(
            profile=settings.profile, zone=settings.timezone))
        if admin_exists:
            say(_("The user {username} already exists; no administrator was added.").format(
                username=username))
        else:
            say(_("Administrator {username} created. Start the application with "
                         "'relaytui' and log in.").format(username=username))

    # --- connect ------------------------------------------------------------------------

    @app.command("connect", help=_(
        "Use a shared PostgreSQL database from now on. The password is asked for and kept in "
        "the system keyring, never in a file."))
    def connect_cmd(
        url: Annotated[str, typer.Argument(
            metavar="URL", help=_("postgresql://user@host:port/database, without the password."),
        )],
    ) -> None:
        normal = db.normalise_url(config.to_url(url))
        parsed = make_url(normal)
        if parsed.password is not None:
            raise InvalidInput(
                _("Leave the password out of the URL ({url}): you will be asked for it, and it "
                  "is kept in the system keyring.").format(url=db.safe_url(normal))
            )
        if parsed.get_backend_name() != "postgresql":
            raise InvalidInput(
                _("'relaytui connect' is for a shared PostgreSQL database. For an SQLite file use "
                  "--db PATH, or set {var}.").format(var=config.ENV_URL)
            )
        if config.usable_keyring() is None:
            raise StoreError(config.no_keyring_message())
        safe = db.safe_url(normal)
        password = typer.prompt(
            _("Password for {url} (empty if none is needed)").format(url=safe),
            hide_input=True, default="", show_default=False,
        )
        trial = normal
        if password:
            trial = parsed.set(password=password).render_as_string(hide_password=False)
        store = db.open_store(trial)
        try:
            current = store.is_current()
        finally:
            store.dispose()
        if password:
            config.store_password(safe, password)
        values = config.read_config()
        values["database_url"] = safe
        path = config.write_config(values)
        say(_("Connected to {url}. The address is saved in {path}.").format(url=safe, path=path))
        if password:
            say(_("The password is kept in the system keyring."))
        if not current:
            say(_("The database is not set up yet (or has an old schema): run 'relaytui "
                         "init' or 'relaytui db upgrade'."))
        if os.environ.get(config.ENV_URL):
            say(_("Note: {var} is set and is used instead, as long as it is set.").format(
                var=config.ENV_URL))

    # --- db -----------------------------------------------------------------------------

    db_app = typer.Typer(help=_("The database: where it is, its schema, its backups."),
                         no_args_is_help=True)
    app.add_typer(db_app, name="db")

    @db_app.command("upgrade", help=_("Create the database or bring its schema up to date."))
    def db_upgrade(ctx: typer.Context) -> None:
        store = _open(ctx, create=True)
        before, after = store.upgrade()
        say(_upgrade_message(store, (before, after)))

    @db_app.command("status", help=_(
        "Show where the database is and whether its schema is current (exit code 1 if not)."))
    def db_status(ctx: typer.Context) -> None:
        location = _location(ctx)
        say(_("Database:      {url}").format(url=db.safe_url(db.normalise_url(location.url))))
        say(_("Chosen by:     {source}").format(source=_source_label(location)))
        say(_("Kind:          {kind}").format(kind=_kind_label(location)))
        path = _sqlite_file(location)
        if path is not None and not path.exists():
            say(_("State:         not created yet; run 'relaytui init'"))
            raise typer.Exit(1)
        store = _open(ctx, create=False)
        current = store.current_revision()
        head = store.head_revision()
        say(_("Schema:        {revision}").format(revision=current or _("none")))
        say(_("Newest schema: {revision}").format(revision=head))
        if current == head:
            say(_("State:         up to date"))
        else:
            say(_("State:         needs 'relaytui db upgrade'"))
            raise typer.Exit(1)

    @db_app.command("backup", help=_(
        "Write a backup of the whole database, audit trail included, to FILE (readable by you "
        "only): SQLite's online backup, or pg_dump for PostgreSQL. Safe while the app is in use."))
    def db_backup(
        ctx: typer.Context,
        file: Annotated[Path, typer.Argument(metavar="FILE", help=_("The backup file to write."))],
        force: Annotated[bool, typer.Option(
            "--force", help=_("Replace FILE if it exists."))] = False,
    ) -> None:
        from relaytui import backup

        # An old schema is backed up too: that is what to do before 'relaytui db upgrade'.
        store = _demo_store(ctx) if _state(ctx).demo else _open(ctx, create=False)
        report = backup.backup(store, file, force=force)
        say(_("Wrote a backup of the database to {file}.").format(file=report.path))
        if report.counts is not None:
            say(_("Checked: it passes SQLite's integrity check and holds {logs} relay logs and "
                  "{events} audit events.").format(logs=report.counts.relay_logs,
                                                   events=report.counts.audit_events))
        elif report.kind == "sqlite":
            say(_("Checked: it passes SQLite's integrity check ({n} tables).").format(n=report.tables))
        else:
            say(_("Checked: pg_restore reads it, with {n} tables.").format(n=report.tables))

    @db_app.command("restore", help=_(
        "Put a backup made by 'relaytui db backup' in place of the database. A database that "
        "holds data is only replaced with --force, and a copy of it is kept first."))
    def db_restore(
        ctx: typer.Context,
        file: Annotated[Path, typer.Argument(metavar="FILE", help=_("The backup file to restore."))],
        force: Annotated[bool, typer.Option(
            "--force", help=_("Replace a database that holds data (a copy of it is kept)."))] = False,
    ) -> None:
        from relaytui import backup

        location = _location(ctx)
        kind = "sqlite" if make_url(db.normalise_url(location.url)).get_backend_name() == "sqlite" else "postgresql"
        candidate = backup.check_file(file, kind)  # a wrong file is refused before anything is touched
        report = backup.restore(_open(ctx, create=True), candidate, force=force)
        if report.previous_copy is not None:
            say(_("The data that was there is kept in {file}.").format(file=report.previous_copy))
        say(_("Restored {file}: {logs} relay logs and {events} audit events.").format(
            file=report.path, logs=report.counts.relay_logs, events=report.counts.audit_events))
        if report.upgraded_from is not None:
            say(_("The backup had the older schema {before}; it was upgraded to {after}.").format(
                before=report.upgraded_from, after=report.revision))
        say(_("The audit trail is whole: {n} events, each chained to the one before.").format(
            n=report.audit_events))

    # --- user ---------------------------------------------------------------------------

    user_app = typer.Typer(help=_("Staff accounts: add, list, disable, unlock, ..."),
                           no_args_is_help=True)
    app.add_typer(user_app, name="user")

    def username_arg() -> Any:
        return typer.Argument(metavar="USERNAME", help=_("The person's username."))

    @user_app.command("add", help=_("Add a staff account."))
    def user_add(
        ctx: typer.Context,
        username: Annotated[str, username_arg()],
        name: Annotated[str | None, typer.Option(
            "--name", help=_("The person's full name."))] = None,
        role: Annotated[str, typer.Option(
            "--role", metavar="|".join(STAFF_ROLES),
            help=_("caseworker, leader or admin."))] = "caseworker",
        profession: Annotated[str, typer.Option(
            "--profession", help=_("E.g. teacher, health visitor."))] = "",
        unit: Annotated[str | None, typer.Option(
            "--unit", help=_("The unit the person works in (its name)."))] = None,
        email: Annotated[str, typer.Option("--email", help=_("E-mail address."))] = "",
        phone: Annotated[str, typer.Option("--phone", help=_("Phone number."))] = "",
        password_stdin: Annotated[bool, typer.Option(
            "--password-stdin",
            help=_("Read the password from the first line of stdin instead of asking for it."),
        )] = False,
    ) -> None:
        # Check the name before asking for a password that would then be thrown away.
        clean = accounts.validate_username(username)
        if not (name or "").strip():
            raise InvalidInput(_("Give the person's full name, e.g. --name \"Anna Jensen\"."))
        store = _store(ctx)
        accounts.check_username_free(store, _admin(), clean)
        password = _read_password(
            password_stdin, _("Password for {username}").format(username=clean))
        view = accounts.add_user(
            store, _admin(), username=clean, full_name=name or "", password=password, role=role,
            profession=profession, unit=unit, email=email, phone=phone,
        )
        say(_("Added {username} ({role}).").format(
            username=view.username, role=accounts.role_label(view.role)))

    @user_app.command("list", help=_("List all staff accounts."))
    def user_list(ctx: typer.Context) -> None:
        store = _store(ctx)
        views = accounts.list_users(store, _admin())
        if not views:
            say(_("There are no accounts yet. Add one with 'relaytui user add'."))
            return
        _print_table(
            [_("Username"), _("Name"), _("Profession"), _("Unit"), _("Role"), _("State")],
            [[v.username, v.full_name, v.profession, v.unit_name or "",
              accounts.role_label(v.role), accounts.state_label(v.state)] for v in views],
        )

    @user_app.command("disable", help=_("Disable an account: it can no longer log in."))
    def user_disable(ctx: typer.Context, username: Annotated[str, username_arg()]) -> None:
        view = accounts.disable_user(_store(ctx), _admin(), username)
        say(_("{username} is disabled and can no longer log in.").format(
            username=view.username))

    @user_app.command("enable", help=_("Enable a disabled account again."))
    def user_enable(ctx: typer.Context, username: Annotated[str, username_arg()]) -> None:
        view = accounts.enable_user(_store(ctx), _admin(), username)
        say(_("{username} is enabled.").format(username=view.username))

    @user_app.command("unlock", help=_("Unlock an account locked after failed logins."))
    def user_unlock(ctx: typer.Context, username: Annotated[str, username_arg()]) -> None:
        view = accounts.unlock_user(_store(ctx), _admin(), username)
        say(_("{username} is unlocked.").format(username=view.username))

    @user_app.command("reset-password", help=_("Give an account a new password."))
    def user_reset_password(
        ctx: typer.Context,
        username: Annotated[str, username_arg()],
        password_stdin: Annotated[bool, typer.Option(
            "--password-stdin",
            help=_("Read the password from the first line of stdin instead of asking for it."),
        )] = False,
    ) -> None:
        store = _store(ctx)
        admin = _admin()
        target = accounts.get_user(store, admin, username)  # an unknown user stops here
        password = _read_password(
            password_stdin, _("New password for {username}").format(username=target.username))
        view = accounts.reset_password(store, admin, target.username, password)
        say(_("{username} has a new password.").format(username=view.username))
        if view.locked:
            say(_("The account is still locked: unlock it with 'relaytui user unlock "
                         "{username}'.").format(username=view.username))

    @user_app.command("set-role", help=_("Make an account a caseworker, a leader or an "
                                         "administrator."))
    def user_set_role(
        ctx: typer.Context,
        username: Annotated[str, username_arg()],
        role: Annotated[str, typer.Argument(
            metavar="ROLE", help=_("caseworker, leader or admin."))],
    ) -> None:
        view = accounts.set_role(_store(ctx), _admin(), username, role)
        say(_("{username} is now {role}.").format(
            username=view.username, role=accounts.role_label(view.role)))

    @user_app.command("set-unit", help=_("Move an account to another unit."))
    def user_set_unit(
        ctx: typer.Context,
        username: Annotated[str, username_arg()],
        unit: Annotated[str, typer.Argument(metavar="UNIT", help=_("The unit's name."))],
    ) -> None:
        view = accounts.set_unit(_store(ctx), _admin(), username, unit)
        say(_("{username} now works in {unit}.").format(
            username=view.username, unit=view.unit_name or ""))

    # --- unit ---------------------------------------------------------------------------

    unit_app = typer.Typer(help=_("Units: daycares, schools, health services, ..."),
                           no_args_is_help=True)
    app.add_typer(unit_app, name="unit")

    @unit_app.command("add", help=_("Add a unit."))
    def unit_add(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(metavar="NAME", help=_("The unit's name."))],
        kind: Annotated[str, typer.Option(
            "--kind", metavar="|".join(UNIT_KINDS), help=_("What kind of unit it is."))] = "other",
        phone: Annotated[str, typer.Option("--phone", help=_("The unit's phone number."))] = "",
    ) -> None:
        view = units.add_unit(_store(ctx), _admin(), name=name, kind=kind, phone=phone)
        say(_("Added the unit {name} ({kind}).").format(
            name=view.name, kind=units.kind_label(view.kind)))

    @unit_app.command("list", help=_("List the units."))
    def unit_list(ctx: typer.Context) -> None:
        views = units.list_units(_store(ctx), _admin())
        if not views:
            say(_("There are no units yet. Add one with 'relaytui unit add'."))
            return
        _print_table(
            [_("Name"), _("Kind"), _("Phone"), _("Leader"), _("Staff")],
            [[v.name, units.kind_label(v.kind), v.phone,
              f"{v.leader_name} ({v.leader_username})" if v.leader_username else "",
              str(v.staff_count)] for v in views],
        )

    @unit_app.command("set-leader", help=_(
        "Name a unit's nearest leader: an active member of staff of that unit."))
    def unit_set_leader(
        ctx: typer.Context,
        unit: Annotated[str, typer.Argument(metavar="UNIT", help=_("The unit's name."))],
        username: Annotated[str, username_arg()],
    ) -> None:
        view = units.set_leader(_store(ctx), _admin(), unit, username)
        say(_("{username} is now the leader of {unit}.").format(
            username=view.leader_username, unit=view.name))

    # --- settings -----------------------------------------------------------------------

    @app.command("setting", help=_(
        "Show the installation's settings, or change one: relaytui setting idle_lock_minutes 15."))
    def setting_cmd(
        ctx: typer.Context,
        key: Annotated[str | None, typer.Argument(help=_("The setting to change."))] = None,
        value: Annotated[str | None, typer.Argument(help=_("Its new value."))] = None,
    ) -> None:
        store = _store(ctx)
        if key is not None:
            if value is None:
                raise InvalidInput(_("Give the new value after the name of the setting."))
            installation.write(store, **{key: value})
        current = installation.read(store)
        for name in installation.DEFAULTS:
            say("{name} = {value}".format(name=name, value=getattr(current, name)))

    # --- audit --------------------------------------------------------------------------

    audit_app = typer.Typer(help=_("The audit trail: check that it is whole; export a child's access log."),
                            no_args_is_help=True)
    app.add_typer(audit_app, name="audit")

    @audit_app.command("verify", help=_(
        "Walk the hash chain of the audit trail and report the first event that was changed, "
        "removed or inserted (exit code 1)."))
    def audit_verify(ctx: typer.Context) -> None:
        from relaytui.services import audit

        report = audit.verify(_store(ctx), _admin())
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
    ) -> None:
        from relaytui.services import audit, clock, installation

        store = _store(ctx)
        name, lines = audit.subject_trail(store, _admin(), subject)
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
            if not output.parent.exists():
                raise InvalidInput(_("The folder {folder} does not exist.").format(folder=output.parent))
            fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text_out)
            say(_("Wrote {n} events to {file}.").format(n=len(lines), file=output))

    # --- export -------------------------------------------------------------------------

    export_app = typer.Typer(help=_("Papers from a relay log, written by the person who may read them."),
                             no_args_is_help=True)
    app.add_typer(export_app, name="export")

    def _write_private(output: Path, data: bytes) -> None:
        if not output.parent.exists():
            raise InvalidInput(_("The folder {folder} does not exist.").format(folder=output.parent))
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)

    @export_app.command("invitation", help=_(
        "The invitation to a meeting with its agenda, as an iCalendar file (.ics) or a "
        "plain-text letter. Only the log's holder may export it; the export is recorded."))
    def export_invitation(
        ctx: typer.Context,
        meeting: Annotated[int, typer.Argument(metavar="MEETING", help=_("The meeting's number."))],
        user: Annotated[str, typer.Option("--user", "-u", help=_("Your username."))],
        form: Annotated[str, typer.Option("--format", "-f", metavar="ics|text",
                                          help=_("ics (calendar) or text (letter)."))] = "ics",
        output: Annotated[Path | None, typer.Option(
            "--output", "-o", help=_("The file to write; standard output when not given."),
        )] = None,
        password_stdin: Annotated[bool, typer.Option(
            "--password-stdin",
            help=_("Read the password from the first line of stdin instead of asking for it."),
        )] = False,
    ) -> None:
        from relaytui.services import accounts, invitations

        if form not in ("ics", "text"):
            raise InvalidInput(_("Choose --format ics or --format text."))
        store = _store(ctx)
        password = (sys.stdin.readline().rstrip("\n") if password_stdin
                    else typer.prompt(_("Password"), hide_input=True))
        by = accounts.authenticate(store, user, password)
        data = (invitations.ics(store, by, meeting) if form == "ics"
                else invitations.letter(store, by, meeting).encode("utf-8"))
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            _write_private(output, data)
            say(_("Wrote the invitation to {file}.").format(file=output))

    # Papers for the family (issue 8): PDF or plain text, made by the holder and audited.
    _user_option = typer.Option("--user", "-u", help=_("Your username."))
    _format_option = typer.Option("--format", "-f", metavar="pdf|text", help=_("pdf (to print) or text."))
    _output_option = typer.Option("--output", "-o", help=_("The file to write; standard output when not given."))
    _stdin_option = typer.Option(
        "--password-stdin", help=_("Read the password from the first line of stdin instead of asking for it."))

    def _export_paper(ctx: typer.Context, make, user: str | None, form: str, output: Path | None,
                      password_stdin: bool) -> None:
        """Check the format, log the user in (or act as the administrator), write the paper."""
        from relaytui import documents
        from relaytui.services import accounts

        if form not in documents.FORMATS:
            raise InvalidInput(_("Choose --format pdf or --format text."))
        if output is None and form == "pdf" and sys.stdout.isatty():
            raise InvalidInput(_("A PDF cannot be shown in the terminal: give --output FILE."))
        store = _store(ctx)
        if user is None:
            by = _admin()
        else:
            password = (sys.stdin.readline().rstrip("\n") if password_stdin
                        else typer.prompt(_("Password"), hide_input=True))
            by = accounts.authenticate(store, user, password)
        data = documents.render(make(store, by), form)
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            _write_private(output, data)
            say(_("Wrote {file}.").format(file=output))

    def _paper_command(name: str, help_text: str, metavar: str, number_help: str, paper: str) -> None:
        """One `relaytui export NAME NUMBER` command: the paper ``papers.<paper>(store, by, NUMBER)``."""

        def command(
            ctx: typer.Context,
            number: Annotated[int, typer.Argument(metavar=metavar, help=number_help)],
            user: Annotated[str, _user_option],
            form: Annotated[str, _format_option] = "pdf",
            output: Annotated[Path | None, _output_option] = None,
            password_stdin: Annotated[bool, _stdin_option] = False,
        ) -> None:
            from relaytui.services import papers

            _export_paper(ctx, lambda store, by: getattr(papers, paper)(store, by, number), user, form, output,
                          password_stdin)

        export_app.command(name, help=help_text)(command)

    _paper_command("consent-form", _(
        "The consent form for a relay log, filled in, to print and have signed. Only the log's "
        "holder may export it; the export is recorded."), "LOG", _("The relay log's number."), "consent_form")
    _paper_command("guardian-copy", _(
        "What the guardians may read in a relay log, as one paper. Only the log's holder may "
        "export it; the export is recorded."), "LOG", _("The relay log's number."), "guardian_copy")
    _paper_command("minutes", _(
        "A meeting's paper: the invitation with its agenda before the meeting, the minutes after "
        "it. Only the log's holder may export it; the export is recorded."), "MEETING",
        _("The meeting's number."), "meeting_paper")

    @export_app.command("access-report", help=_(
        "Who read or changed a relay log, for a guardian's request for access (GDPR art. 15): "
        "the holder for their log (LOG and --user), an administrator for every log of a child "
        "(--subject). The export is recorded."))
    def export_access_report(
        ctx: typer.Context,
        log: Annotated[int | None, typer.Argument(metavar="[LOG]", help=_("The relay log's number."))] = None,
        subject: Annotated[str | None, typer.Option(
            "--subject", metavar="NUMBER", help=_("The child's national number (administrators)."))] = None,
        user: Annotated[str | None, _user_option] = None,
        form: Annotated[str, _format_option] = "pdf",
        output: Annotated[Path | None, _output_option] = None,
        password_stdin: Annotated[bool, _stdin_option] = False,
    ) -> None:
        from relaytui.services import papers

        if (log is None) == (subject is None):
            raise InvalidInput(_("Give either a relay log's number (with --user) or --subject NUMBER."))
        if log is not None and user is None:
            raise InvalidInput(_("Give --user: the holder of the log exports its access report."))
        if subject is not None:
            # As the command line's administrator, or as the (administrator) account given.
            _export_paper(ctx, lambda store, by: papers.subject_access_report(store, by, subject), user, form,
                          output, password_stdin)
        else:
            _export_paper(ctx, lambda store, by: papers.access_report(store, by, log), user, form, output,
                          password_stdin)

    # --- demo ---------------------------------------------------------------------------

    @app.command("demo", help=_(
        "Fill an empty database with made-up demo data, to try relaytui."))
    def demo_cmd(
        ctx: typer.Context,
        size: Annotated[str, typer.Option(
            "--size",
            help=_("small: a few dozen logs made through the services; medium: 10,000 logs; large: "
                   "100,000 logs and 1,000,000 entries, for measuring speed."),
        )] = "small",
        profile: Annotated[str, typer.Option(
            "--profile", metavar="dk|no",
            help=_("dk: Kirkeby Kommune in Denmark; no: Sunnfjord kommune in Norway (BTI, nynorsk)."),
        )] = "dk",
    ) -> None:
        if size not in ("small", "medium", "large"):
            raise InvalidInput(_("The size is small, medium or large."))
        if profile not in ("dk", "no") or (profile == "no" and size != "small"):
            raise InvalidInput(_("The profile is dk or no; the Norwegian demo comes in the small size only."))
        store = _open(ctx, create=True)
        if _staff_count(store) > 0:
            raise InvalidInput(
                _("The database at {url} already has staff accounts; demo data only goes into an "
                  "empty database. Try 'relaytui --demo' for a separate demo database.").format(
                      url=db.safe_url(store.url))
            )
        if not store.is_current():
            store.upgrade()
        if size == "small":
            _populate(store, profile)
        else:
            from relaytui.demo_large import populate_with_progress

            populate_with_progress(store, size=size)
        say(_("Demo data added to {url}.").format(url=db.safe_url(store.url)))

    return app


def _admin_exists(store: db.Store, username: str) -> bool:
    """Whether an administrator, or an account named ``username``, is already there."""
    from relaytui.services import accounts

    return accounts.admin_or_user_exists(store, username)


def _upgrade_message(store: db.Store, revisions: tuple[str | None, str | None] | None) -> str:
    before, after = revisions or (None, None)
    url = db.safe_url(store.url)
    if before == after:
        return _("The database at {url} is up to date (schema {revision}).").format(
            url=url, revision=after)
    if before is None:
        return _("Created the schema of the database at {url} ({revision}).").format(
            url=url, revision=after)
    return _("Upgraded the database at {url} from schema {before} to {after}.").format(
        url=url, before=before, after=after)


#: The app in the language chosen at import; ``main()`` builds a fresh one after ``--lang``.
app = build_app()
