"""Setting an installation up: ``init``, ``connect`` and ``demo``.

These run before anyone can log in: ``init`` makes the first administrator of an empty
database (on a set-up one it only upgrades the schema), ``demo`` fills an empty one, and
``connect`` only remembers where the database is. None of them reads or changes anyone's data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Annotated

import typer

from relaytui import config, db, db_url
from relaytui.cli.common import (
    Lazy,
    location,
    open_store,
    populate,
    read_secret,
    say,
    sqlite_file,
    staff_count,
)
from relaytui.db_url import make_url
from relaytui.errors import InvalidInput, StoreError
from relaytui.i18n import _
from relaytui.profiles import DEFAULT_CODE, codes, profile_of

#: The medium and large demos are one data set, Danish (relaytui.demo_large).
SCALED_DEMO_PROFILE = "dk"


def _installer():
    """The acting party of a set-up: the person at the server's command line, before any
    account exists."""
    from relaytui.services import access

    return access.system_administrator()


def upgrade_message(store: db.Store, revisions: tuple[str | None, str | None] | None) -> str:
    before, after = revisions or (None, None)
    url = db_url.safe_url(store.url)
    if before == after:
        return _("The database at {url} is up to date (schema {revision}).").format(
            url=url, revision=after
        )
    if before is None:
        return _("Created the schema of the database at {url} ({revision}).").format(
            url=url, revision=after
        )
    return _("Upgraded the database at {url} from schema {before} to {after}.").format(
        url=url, before=before, after=after
    )


accounts = Lazy("relaytui.services.accounts")
sign_in = Lazy("relaytui.services.sign_in")
installation = Lazy("relaytui.services.installation")


@dataclass
class _Existing:
    """What ``init`` finds before it creates anything: a store whose schema it brought up to
    date, whether the installation is set up, whether the administrator's name is taken."""

    store: db.Store | None = None
    initialised: bool = False
    admin_exists: bool = False
    upgraded: tuple[str | None, str | None] | None = None


def _existing(ctx: typer.Context, where: config.Location, username: str) -> _Existing:
    found = _Existing()
    path = sqlite_file(where)
    if path is None or path.exists():
        found.store = open_store(ctx, create=False)
        if found.store.current_revision() is not None:
            found.upgraded = found.store.upgrade()
            found.initialised = installation.is_initialised(found.store)
            found.admin_exists = accounts.admin_or_user_exists(found.store, username)
    return found


def _profile_and_zone(
    profile: str | None, timezone: str | None, password_stdin: bool
) -> tuple[str, str]:
    """The profile and time zone of a new installation: as given, else asked for (or the
    Danish defaults when the password comes on stdin, with no one to ask)."""
    if profile is None:
        profile = (
            DEFAULT_CODE
            if password_stdin
            else installation.validate_profile(
                typer.prompt(_("Profile (dk = Denmark, no = Norway)"), default=DEFAULT_CODE)
            )
        )
    zone_default = profile_of(profile).timezone
    if timezone is None:
        timezone = (
            zone_default
            if password_stdin
            else installation.validate_timezone(typer.prompt(_("Time zone"), default=zone_default))
        )
    return profile, timezone


def _say_ready(store: db.Store, revision: str | None, username: str, *, admin_exists: bool) -> None:
    settings = installation.read(store)
    say(
        _("The database at {url} is ready (schema {revision}).").format(
            url=db_url.safe_url(store.url), revision=revision
        )
    )
    say(
        _("Profile {profile}, time zone {zone}.").format(
            profile=settings.profile, zone=settings.timezone
        )
    )
    if admin_exists:
        say(
            _("The user {username} already exists; no administrator was added.").format(
                username=username
            )
        )
    else:
        say(
            _(
                "Administrator {username} created. Start the application with "
                "'relaytui' and log in."
            ).format(username=username)
        )


def init_cmd(
    ctx: typer.Context,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            metavar="dk|no",
            help=_("The rules to follow: dk (Denmark) or no (Norway). Asked for when not given."),
        ),
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone",
            metavar="ZONE",
            help=_("The time zone, e.g. Europe/Copenhagen. Asked for when not given."),
        ),
    ] = None,
    admin_username: Annotated[
        str,
        typer.Option(
            "--admin-username",
            help=_("The first administrator's username."),
        ),
    ] = "admin",
    admin_name: Annotated[
        str | None,
        typer.Option(
            "--admin-name",
            help=_("The first administrator's full name."),
        ),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help=_(
                "Read the administrator's password from the first line of stdin instead of "
                "asking for it."
            ),
        ),
    ] = False,
    municipality: Annotated[
        str | None,
        typer.Option(
            "--municipality",
            help=_("The municipality's name, shown in the application."),
        ),
    ] = None,
) -> None:
    where = location(ctx)
    # Check what was given before anything is created.
    if profile is not None:
        profile = installation.validate_profile(profile)
    if timezone is not None:
        timezone = installation.validate_timezone(timezone)
    username = accounts.validate_username(admin_username)
    full_name = (admin_name or "").strip() or _("Administrator")

    found = _existing(ctx, where, username)
    if found.initialised and found.admin_exists:
        _say_already_set_up(found)
        return

    if not found.initialised:
        profile, timezone = _profile_and_zone(profile, timezone, password_stdin)
    password = ""
    if not found.admin_exists:
        password = _admin_password(username, password_stdin)

    store = found.store if found.store is not None else open_store(ctx, create=True)
    upgraded = found.upgraded if found.upgraded is not None else store.upgrade()
    if not found.initialised:
        _write_installation(store, profile, timezone, municipality)
    if not found.admin_exists:
        _add_administrator(store, username, full_name, password)
    _say_ready(store, upgraded[1], username, admin_exists=found.admin_exists)


def _say_already_set_up(found: _Existing) -> None:
    """``init`` on a set-up database with its administrator: it only upgraded the schema."""
    say(upgrade_message(found.store, found.upgraded))
    say(
        _(
            "The database is already set up; nothing else was changed. Add more "
            "people with 'relaytui user add'."
        )
    )


def _admin_password(username: str, password_stdin: bool) -> str:
    """The first administrator's password, asked for (or read from stdin) before anything is
    created, and refused at once when it is too weak."""
    password = read_secret(
        password_stdin,
        _("Password for the administrator {username}").format(username=username),
        confirm=True,
    )
    sign_in.check_password(password)
    return password


def _add_administrator(store: db.Store, username: str, full_name: str, password: str) -> None:
    """The installation's first account, made by the installer."""
    accounts.add_user(
        store,
        _installer(),
        username=username,
        full_name=full_name,
        password=password,
        role="admin",
    )


def _write_installation(
    store: db.Store, profile: str | None, timezone: str | None, municipality: str | None
) -> None:
    """The new installation's settings: its profile, time zone and municipality."""
    values = {"profile": profile, "timezone": timezone}
    if municipality:
        values["municipality"] = municipality.strip()
    installation.write(store, **values)


def connect_cmd(
    url: Annotated[
        str,
        typer.Argument(
            metavar="URL",
            help=_("postgresql://user@host:port/database, without the password."),
        ),
    ],
) -> None:
    normal = db_url.normalise_url(config.to_url(url))
    parsed = make_url(normal)
    if parsed.password is not None:
        raise InvalidInput(
            _(
                "Leave the password out of the URL ({url}): you will be asked for it, and it "
                "is kept in the system keyring."
            ).format(url=db_url.safe_url(normal))
        )
    if parsed.get_backend_name() != "postgresql":
        raise InvalidInput(
            _(
                "'relaytui connect' is for a shared PostgreSQL database. For an SQLite file use "
                "--db PATH, or set {var}."
            ).format(var=config.ENV_URL)
        )
    if config.usable_keyring() is None:
        raise StoreError(config.no_keyring_message())
    safe = db_url.safe_url(normal)
    password = typer.prompt(
        _("Password for {url} (empty if none is needed)").format(url=safe),
        hide_input=True,
        default="",
        show_default=False,
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
        say(
            _(
                "The database is not set up yet (or has an old schema): run 'relaytui "
                "init' or 'relaytui db upgrade'."
            )
        )
    if os.environ.get(config.ENV_URL):
        say(
            _("Note: {var} is set and is used instead, as long as it is set.").format(
                var=config.ENV_URL
            )
        )


def demo_cmd(
    ctx: typer.Context,
    size: Annotated[
        str,
        typer.Option(
            "--size",
            help=_(
                "small: a few dozen logs made through the services; medium: 10,000 logs; large: "
                "100,000 logs and 1,000,000 entries, for measuring speed."
            ),
        ),
    ] = "small",
    profile: Annotated[
        str,
        typer.Option(
            "--profile",
            metavar="dk|no",
            help=_(
                "dk: Kirkeby Kommune in Denmark; no: Sunnfjord kommune in Norway (BTI, nynorsk)."
            ),
        ),
    ] = "dk",
) -> None:
    if size not in ("small", "medium", "large"):
        raise InvalidInput(_("The size is small, medium or large."))
    if profile not in codes() or (size != "small" and profile != SCALED_DEMO_PROFILE):
        raise InvalidInput(
            _("The profile is dk or no; the Norwegian demo comes in the small size only.")
        )
    store = open_store(ctx, create=True)
    if staff_count(store) > 0:
        raise InvalidInput(
            _(
                "The database at {url} already has staff accounts; demo data only goes into an "
                "empty database. Try 'relaytui --demo' for a separate demo database."
            ).format(url=db_url.safe_url(store.url))
        )
    if not store.is_current():
        store.upgrade()
    if size == "small":
        populate(store, profile)
    else:
        from relaytui.demo_large import populate_with_progress

        populate_with_progress(store, size=size)
    say(_("Demo data added to {url}.").format(url=db_url.safe_url(store.url)))


def register(app: typer.Typer) -> None:
    """Add ``init``, ``connect`` and ``demo``, their help in the current language."""
    app.command(
        "init",
        help=_("Create the database and its first administrator, or upgrade an existing database."),
    )(init_cmd)
    app.command(
        "connect",
        help=_(
            "Use a shared PostgreSQL database from now on. The password is asked for and kept in "
            "the system keyring, never in a file."
        ),
    )(connect_cmd)
    app.command("demo", help=_("Fill an empty database with made-up demo data, to try relaytui."))(
        demo_cmd
    )
