"""What every command shares: one line per error, the database it works on, and who runs it.

Every refusal of a service (a :class:`~relaytui.errors.DomainError`) becomes one red line on
stderr and exit code 1, never a traceback. Every command that reads or changes accounts,
units, settings, logs, papers or the audit trail first logs in as an account
(:func:`signed_in`): the account is checked like at the app's login (lockout included) and the
command is in the audit trail with it. Every file the command line writes for papers goes
through :func:`write_private`: a new file readable by its owner only, renamed into place.
"""

from __future__ import annotations

import importlib
import os
import re
import secrets
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup, TyperOption

from relaytui import config, db, db_url
from relaytui.db_url import make_url
from relaytui.errors import DomainError, InvalidInput, StoreError
from relaytui.i18n import _

if TYPE_CHECKING:
    from relaytui.services.access import StaffRef

#: The roles of an account, as relaytui.services.access.ROLES (kept equal by tests/cli), here so
#: that building the command line imports no service.
STAFF_ROLES = ("caseworker", "leader", "admin")
#: The kinds of unit, as relaytui.services.units.KINDS (kept equal by tests/cli).
UNIT_KINDS = ("daycare", "school", "health", "ppr", "family", "other")
#: Who runs a command, when --user is not given.
ENV_USER = "RELAYTUI_USER"
#: The largest number a relay log, a meeting or any other row can have (PostgreSQL's integer).
LARGEST_NUMBER = 2**31 - 1
#: click's UsageError, wherever Typer takes click from (vendored since Typer 0.20).
_UsageError = typer.BadParameter.__mro__[1]


# --- output -------------------------------------------------------------------------------


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


def print_table(columns: list[str], rows: list[list[str]]) -> None:
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


def _flags_take_no_value() -> None:
    """A flag (``--demo``, ``--force``, ``--help``) takes no value, so its help row names none.

    Typer 0.29 shows ``<bool>`` beside every flag, as if ``--demo true`` were needed; options
    with a value keep their type (``--lang en|da|nb|nn``).
    """
    shown = TyperOption.display_type_rich
    if getattr(shown, "relaytui_flags", False):
        return

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag and self.metavar is None else shown(self, ctx)

    display_type_rich.relaytui_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_take_no_value()


class Group(TyperGroup):
    """The top-level group: turns every domain error below it into one line and exit code 1."""

    def parse_args(self, ctx, args):  # type: ignore[override]
        ctx.meta["relaytui.args"] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            error_line(exc.message)
            raise typer.Exit(1) from None
        except _UsageError as exc:
            # click reads "-1" as an option it does not know: it is a number out of range.
            option = getattr(exc, "option_name", None)
            if isinstance(option, str) and re.fullmatch(r"-[0-9]+", option):
                given = [
                    arg
                    for arg in ctx.meta.get("relaytui.args", ())
                    if re.fullmatch(r"-[0-9]+", arg) and arg.startswith(option)
                ]
                error_line(number_message(given[0] if given else option))
                raise typer.Exit(1) from None
            raise


def number_message(value: Any) -> str:
    return _(
        "{value} is not a number relaytui gives out. Give the number shown in the app: a "
        "whole number from 1 to {largest}."
    ).format(value=value, largest=LARGEST_NUMBER)


def row_number(value: int) -> int:
    """The number of a relay log or a meeting as given, or a refusal when no row can have it
    (0, negative, beyond the database's integer): refused before anything is looked up."""
    if not 1 <= value <= LARGEST_NUMBER:
        raise InvalidInput(number_message(value))
    return value


# --- files --------------------------------------------------------------------------------


def output_file(ctx: typer.Context, value: str | None, *, force: bool) -> Path | None:
    """``--output``: None for standard output, else the path, checked before anything is made
    (so a refused target costs no login and leaves no trace in the audit trail)."""
    if value is None:
        return None
    if not value.strip():
        raise InvalidInput(_("--output needs a file name, e.g. --output paper.pdf."))
    path = Path(value)
    if db.check_output_file(path, force=force):
        live = sqlite_file(location(ctx))
        if live is not None and live.exists() and os.path.samefile(path, live):
            raise InvalidInput(
                _("{path} is the database itself. Choose another file.").format(path=path)
            )
    return path


def write_private(path: Path, data: bytes, *, force: bool) -> None:
    """Write ``data`` to ``path`` as a file readable by its owner only.

    The data goes into a new file beside ``path`` (created with O_CREAT|O_EXCL|O_NOFOLLOW, mode
    600), is flushed to the disk, and the file is then renamed over ``path``: nothing is ever
    written through a link or into a folder, a device or a FIFO, an existing file keeps none of
    its old mode or links, and an existing ``path`` is replaced only with ``force``. On any
    failure (a full disk, no permission) nothing is left behind and ``path`` is as it was.
    """
    path = Path(path)
    db.check_output_file(path, force=force)
    folder = path.parent
    temporary: Path | None = None
    try:
        fd, temporary = _new_private_file(folder, path.name)
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        db.check_output_file(path, force=force)  # nothing took the name in the meantime
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        raise db.write_failed(path, exc) from None
    finally:
        if temporary is not None:
            try:
                temporary.unlink()
            except OSError:
                pass
    _sync_folder(folder)


def write_stdout(data: bytes) -> None:
    """``data`` on standard output: a full disk (``> /dev/full``) is one line, a reader that
    stopped reading (``| head``) ends the command quietly, never with a traceback."""
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except OSError as exc:
        _drop_stdout()
        if isinstance(exc, BrokenPipeError):
            raise typer.Exit(1) from None
        raise DomainError(
            _(
                "The paper could not be written to standard output ({error}). Write it "
                "to a file with --output FILE instead."
            ).format(error=exc.strerror or type(exc).__name__)
        ) from None


def _drop_stdout() -> None:
    """Send what is left in stdout's buffer nowhere, so that Python's last flush at exit does
    not fail a second time."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):  # not a file (a test's capture)
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def _new_private_file(folder: Path, name: str) -> tuple[int, Path]:
    """A new, empty file in ``folder`` that nobody else can have made or linked: (fd, path)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    while True:
        candidate = folder / f".{name[:100]}.{secrets.token_hex(8)}.partial"
        try:
            return os.open(candidate, flags, 0o600), candidate
        except FileExistsError:
            continue


def _sync_folder(folder: Path) -> None:
    """Make the rename last through a crash (best effort: not every file system can)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Lazy:
    """A service module imported when a command first uses it (``relaytui`` alone needs none)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


# --- the database -------------------------------------------------------------------------


@dataclass
class State:
    db: str | None = None
    demo: bool = False
    #: Which demo municipality --demo opens: "no" (Sunnfjord) with --lang nb or nn, else "dk".
    demo_profile: str = "dk"


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, State) else State()


def location(ctx: typer.Context) -> config.Location:
    chosen = state(ctx)
    if chosen.demo and chosen.db:
        raise InvalidInput(_("Use either --db or --demo, not both."))
    if chosen.demo:
        # Each municipality in a file of its own.
        path = config.demo_sqlite_path().with_name(demo_module().database_name(chosen.demo_profile))
        return config.Location(config.to_url(str(path)), "demo")
    found = config.resolve(chosen.db)
    db_url.normalise_url(found.url)  # a malformed URL is refused here, before anything else
    return found


def sqlite_file(where: config.Location) -> Path | None:
    """The SQLite file of ``where``, or ``None`` for PostgreSQL or an in-memory database."""
    plain = db_url.sqlite_file_of(where.url)
    if plain is not None:
        return plain
    if db_url.is_postgresql(where.url):
        return None  # read without SQLAlchemy: the app's start does not load it
    parsed = make_url(db_url.normalise_url(where.url))
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def missing(where: config.Location) -> StoreError:
    return StoreError(
        _(
            "There is no database at {path}. Create it with 'relaytui init', or choose another "
            "with --db."
        ).format(path=sqlite_file(where))
    )


def open_store(ctx: typer.Context, *, create: bool) -> db.Store:
    """Open the chosen database; without ``create`` a missing SQLite file is refused, not made."""
    where = location(ctx)
    path = sqlite_file(where)
    if not create and path is not None and not path.exists():
        raise missing(where)
    store = db.open_location(where)
    ctx.find_root().call_on_close(store.dispose)
    return store


def staff_count(store: db.Store) -> int:
    """How many accounts there are (0 when the schema is not there yet)."""
    if store.current_revision() is None:
        return 0
    from relaytui.services import accounts

    return accounts.account_count(store)


def demo_module() -> Any:
    """:mod:`relaytui.demo` (which demo, its file, its people), or one clear line where this
    installation has no demo data."""
    try:
        return importlib.import_module("relaytui.demo")
    except ImportError as exc:
        if exc.name not in ("relaytui.demo",):
            raise
        raise StoreError(_("The demo data is not part of this installation.")) from None


def populate(store: db.Store, profile: str = "dk") -> None:
    demo_module().populate(store, profile=profile)


def demo_store(ctx: typer.Context) -> db.Store:
    """The demo database, created, migrated and filled on first use."""
    store = open_store(ctx, create=True)
    if not store.is_current():
        store.upgrade()
    if staff_count(store) == 0:
        populate(store, state(ctx).demo_profile)
    return store


def current_store(ctx: typer.Context) -> db.Store:
    """The chosen database, which must exist and have the current schema."""
    if state(ctx).demo:
        store = demo_store(ctx)
    else:
        store = open_store(ctx, create=False)
    store.require_current()
    return store


def app_store(ctx: Any) -> db.Store:
    """As :func:`current_store`, for the app: the schema is checked through the plain driver
    (sqlite3, psycopg) and the engine made on first use, so the login screen shows before
    SQLAlchemy is imported."""
    if state(ctx).demo:
        return current_store(ctx)
    where = location(ctx)
    path = sqlite_file(where)
    if path is not None and not path.exists():
        raise missing(where)
    store = db.open_location(where, lazy=True)
    ctx.find_root().call_on_close(store.dispose)
    store.require_current()
    return store


# --- who runs the command -----------------------------------------------------------------


def user_option() -> Any:
    """``--user``: the account that runs the command (made when the app is built, translated)."""
    return typer.Option(
        "--user",
        "-u",
        envvar=ENV_USER,
        metavar="USERNAME",
        help=_(
            "Your username: every command is run, and recorded, as an account. Default: "
            "{var}; asked for when not given."
        ).format(var=ENV_USER),
    )


def password_stdin_option() -> Any:
    return typer.Option(
        "--password-stdin",
        help=_("Read your password from the first line of stdin instead of asking for it."),
    )


def read_secret(from_stdin: bool, prompt: str, *, confirm: bool = False) -> str:
    """The next line of stdin, or a secret typed without echo (twice with ``confirm``)."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise InvalidInput(
                _("--password-stdin was given, but stdin has no line for the password.")
            )
        return line.rstrip("\r\n")
    if confirm:
        return typer.prompt(prompt, hide_input=True, confirmation_prompt=_("Repeat the password"))
    return typer.prompt(prompt, hide_input=True)


def _arguments(ctx: typer.Context) -> str:
    """The command's arguments for the audit trail: never a password, never a national number."""
    shown = []
    for name, value in ctx.params.items():
        if name in ("user", "password_stdin") or value in (None, False, "", ()):
            continue
        if name == "subject":
            value = "(national number)"
        shown.append(f"{name}={value}")
    return " ".join(shown)


def signed_in(
    ctx: typer.Context,
    store: db.Store,
    user: str | None,
    password_stdin: bool,
    *,
    admin: bool = True,
) -> StaffRef:
    """Log in as the account that runs this command (``admin``: an administrator)."""
    from relaytui.services import sign_in

    username = (user or "").strip()
    if not username:
        if password_stdin:
            raise InvalidInput(
                _(
                    "Give --user USERNAME (or set {var}): every command is run as an account."
                ).format(var=ENV_USER)
            )
        username = typer.prompt(_("Your username"))
    password = read_secret(password_stdin, _("Password for {username}").format(username=username))
    command = " ".join(ctx.command_path.split()[1:])
    return sign_in.command_line_login(
        store, username, password, command=command, arguments=_arguments(ctx), admin=admin
    )
