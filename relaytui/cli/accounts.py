"""``relaytui user``: staff accounts and their SSH keys (administrators); ``relaytui password``:
anyone's own password.

A new account and a reset get a one-time password, printed once for the administrator to hand
over; the person chooses their own at the first login. No administrator ever knows a
password that stays valid.

Each command is a function here; :func:`register` adds them with their help texts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from relaytui.cli.common import (
    STAFF_ROLES,
    Lazy,
    current_store,
    password_stdin_option,
    print_table,
    read_secret,
    say,
    signed_in,
    user_option,
)
from relaytui.errors import InvalidInput
from relaytui.i18n import _, ngettext

KEY_FILE_MAX = 16_384


def _username_arg() -> Any:
    return typer.Argument(metavar="USERNAME", help=_("The person's username."))


def _say_one_time(username: str, password: str) -> None:
    say(
        _("One-time password for {username}: {password}").format(
            username=username, password=password
        )
    )
    say(
        _(
            "Give it to the person directly, not by e-mail; they choose their own password when "
            "they first log in, and this one stops working."
        )
    )


def _read_key_file(path: Path) -> str:
    """The text of a public key file, or a message saying what is wrong with the path."""
    if str(path) == "-":
        import sys

        return sys.stdin.read(KEY_FILE_MAX + 1)
    try:
        if not path.is_file():
            raise InvalidInput(
                _(
                    "{file} is not a file. Give the public key file, e.g. ~/.ssh/id_ed25519.pub."
                ).format(file=path)
            )
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            return fh.read(KEY_FILE_MAX + 1)
    except OSError as exc:
        raise InvalidInput(
            _("{file} cannot be read ({error}).").format(
                file=path, error=exc.strerror or type(exc).__name__
            )
        ) from None


accounts = Lazy("relaytui.services.accounts")
sign_in = Lazy("relaytui.services.sign_in")
keys = Lazy("relaytui.services.keys")


def user_add(
    ctx: typer.Context,
    username: Annotated[str, _username_arg()],
    name: Annotated[str | None, typer.Option("--name", help=_("The person's full name."))] = None,
    role: Annotated[
        str,
        typer.Option(
            "--role", metavar="|".join(STAFF_ROLES), help=_("caseworker, leader or admin.")
        ),
    ] = "caseworker",
    profession: Annotated[
        str, typer.Option("--profession", help=_("E.g. teacher, health visitor."))
    ] = "",
    unit: Annotated[
        str | None, typer.Option("--unit", help=_("The unit the person works in (its name)."))
    ] = None,
    email: Annotated[str, typer.Option("--email", help=_("E-mail address."))] = "",
    phone: Annotated[str, typer.Option("--phone", help=_("Phone number."))] = "",
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    # Check the name before asking for a password that would then be thrown away.
    clean = accounts.validate_username(username)
    if not (name or "").strip():
        raise InvalidInput(_('Give the person\'s full name, e.g. --name "Anna Jensen".'))
    store = current_store(ctx)
    by = signed_in(ctx, store, user, password_stdin)
    accounts.check_username_free(store, by, clean)
    password = sign_in.one_time_password()
    view = accounts.add_user(
        store,
        by,
        username=clean,
        full_name=name or "",
        password=password,
        role=role,
        profession=profession,
        unit=unit,
        email=email,
        phone=phone,
        must_change_password=True,
    )
    say(
        _("Added {username} ({role}).").format(
            username=view.username, role=accounts.role_label(view.role)
        )
    )
    _say_one_time(view.username, password)


def user_list(
    ctx: typer.Context,
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    store = current_store(ctx)
    views = accounts.list_users(store, signed_in(ctx, store, user, password_stdin))
    print_table(
        [_("Username"), _("Name"), _("Profession"), _("Unit"), _("Role"), _("State")],
        [
            [
                v.username,
                v.full_name,
                v.profession,
                v.unit_name or "",
                accounts.role_label(v.role),
                _("one-time password")
                if v.state == "active" and v.must_change_password
                else accounts.state_label(v.state),
            ]
            for v in views
        ],
    )


def _state_command(
    user_app: typer.Typer, name: str, help_text: str, change: str, done: str
) -> None:
    """``relaytui user NAME USERNAME``: ``accounts.<change>(store, by, USERNAME)``, then
    ``done`` (with {username}) is said."""

    def command(
        ctx: typer.Context,
        username: Annotated[str, _username_arg()],
        user: Annotated[str | None, user_option()] = None,
        password_stdin: Annotated[bool, password_stdin_option()] = False,
    ) -> None:
        store = current_store(ctx)
        view = getattr(accounts, change)(
            store, signed_in(ctx, store, user, password_stdin), username
        )
        say(done.format(username=view.username))

    user_app.command(name, help=help_text)(command)


def user_reset_password(
    ctx: typer.Context,
    username: Annotated[str, _username_arg()],
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    store = current_store(ctx)
    reset = accounts.reset_password(store, signed_in(ctx, store, user, password_stdin), username)
    view = reset.view
    say(_("{username} has a new one-time password.").format(username=view.username))
    _say_one_time(view.username, reset.password)
    if reset.subjects:
        say(
            ngettext(
                "The reset is recorded in the access report of {n} child.",
                "The reset is recorded in the access report of {n} children.",
                reset.subjects,
            ).format(n=reset.subjects)
        )
    if view.locked:
        say(
            _(
                "The account is still locked: unlock it with 'relaytui user unlock {username}'."
            ).format(username=view.username)
        )


def user_set_role(
    ctx: typer.Context,
    username: Annotated[str, _username_arg()],
    role: Annotated[str, typer.Argument(metavar="ROLE", help=_("caseworker, leader or admin."))],
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    store = current_store(ctx)
    view = accounts.set_role(store, signed_in(ctx, store, user, password_stdin), username, role)
    say(
        _("{username} is now {role}.").format(
            username=view.username, role=accounts.role_label(view.role)
        )
    )


def user_set_unit(
    ctx: typer.Context,
    username: Annotated[str, _username_arg()],
    unit: Annotated[str, typer.Argument(metavar="UNIT", help=_("The unit's name."))],
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    store = current_store(ctx)
    view = accounts.set_unit(store, signed_in(ctx, store, user, password_stdin), username, unit)
    say(
        _("{username} now works in {unit}.").format(
            username=view.username, unit=view.unit_name or ""
        )
    )


def user_add_key(
    ctx: typer.Context,
    username: Annotated[str, _username_arg()],
    key_file: Annotated[
        Path,
        typer.Argument(
            metavar="KEYFILE", help=_("The person's public key file (it ends in .pub).")
        ),
    ],
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    if str(key_file) == "-" and password_stdin:
        raise InvalidInput(
            _("Stdin cannot carry both your password and the key: give the key as a file.")
        )
    store = current_store(ctx)
    by = signed_in(ctx, store, user, password_stdin)
    view = keys.add_key(store, by, username, _read_key_file(key_file))
    say(
        _("Added the key {fingerprint} ({kind}) for {username}.").format(
            fingerprint=view.fingerprint, kind=view.algorithm, username=username.strip().lower()
        )
    )


def user_keys(
    ctx: typer.Context,
    username: Annotated[str, _username_arg()],
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    store = current_store(ctx)
    views = keys.keys_of(store, signed_in(ctx, store, user, password_stdin), username)
    if not views:
        say(
            _("{username} has no SSH keys; they log in with their password.").format(
                username=username.strip().lower()
            )
        )
        return
    from relaytui.services import clock, installation

    tz = installation.read(store).timezone
    print_table(
        [_("Fingerprint"), _("Type"), _("Comment"), _("Added"), _("Last used")],
        [
            [
                v.fingerprint,
                v.algorithm,
                v.comment,
                clock.local(v.added_at, tz).strftime("%Y-%m-%d") + f" ({v.added_by})",
                clock.local(v.last_used_at, tz).strftime("%Y-%m-%d %H:%M")
                if v.last_used_at
                else _("never"),
            ]
            for v in views
        ],
    )


def user_remove_key(
    ctx: typer.Context,
    username: Annotated[str, _username_arg()],
    fingerprint: Annotated[
        str,
        typer.Argument(
            metavar="FINGERPRINT",
            help=_("The key's fingerprint, SHA256:..., as 'relaytui user keys' shows it."),
        ),
    ],
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    store = current_store(ctx)
    view = keys.remove_key(
        store, signed_in(ctx, store, user, password_stdin), username, fingerprint
    )
    say(
        _("Removed the key {fingerprint} of {username}.").format(
            fingerprint=view.fingerprint, username=username.strip().lower()
        )
    )


def password_cmd(
    ctx: typer.Context,
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    store = current_store(ctx)
    username = (user or "").strip()
    if not username:
        if password_stdin:
            raise InvalidInput(_("Give --user USERNAME: the account whose password to change."))
        username = typer.prompt(_("Your username"))
    current = read_secret(password_stdin, _("Your password now"))
    new = read_secret(password_stdin, _("Your new password"), confirm=True)
    me = sign_in.change_password(store, username, current, new, via="command line")
    say(_("{username} has a new password.").format(username=me.username))


def register(app: typer.Typer) -> None:
    """Add ``relaytui user ...`` and ``relaytui password``, their help in the current language."""
    user_app = typer.Typer(
        help=_(
            "Staff accounts: add, list, disable, unlock, keys, ... (an administrator runs these)."
        ),
        no_args_is_help=True,
    )
    app.add_typer(user_app, name="user")
    user_app.command(
        "add",
        help=_(
            "Add a staff account. It gets a one-time password, printed here, that the person "
            "changes at their first login."
        ),
    )(user_add)
    user_app.command("list", help=_("List all staff accounts."))(user_list)
    _state_command(
        user_app,
        "disable",
        _("Disable an account: it can no longer log in."),
        "disable_user",
        _("{username} is disabled and can no longer log in."),
    )
    _state_command(
        user_app,
        "enable",
        _("Enable a disabled account again."),
        "enable_user",
        _("{username} is enabled."),
    )
    _state_command(
        user_app,
        "unlock",
        _("Unlock an account locked after failed logins."),
        "unlock_user",
        _("{username} is unlocked."),
    )
    user_app.command(
        "reset-password",
        help=_(
            "Give an account a one-time password, printed here, that must be changed at the next "
            "login. The reset shows in the access report of every child whose log the account "
            "holds or reads."
        ),
    )(user_reset_password)
    user_app.command(
        "set-role", help=_("Make an account a caseworker, a leader or an administrator.")
    )(user_set_role)
    user_app.command("set-unit", help=_("Move an account to another unit."))(user_set_unit)
    user_app.command(
        "add-key",
        help=_(
            "Register an SSH public key with which the person logs in to 'relaytui serve' "
            "without a password: relaytui user add-key anna anna.pub ('-' reads stdin)."
        ),
    )(user_add_key)
    user_app.command("keys", help=_("List the SSH keys registered for an account."))(user_keys)
    user_app.command(
        "remove-key", help=_("Remove an SSH key from an account: the key no longer logs in.")
    )(user_remove_key)
    app.command(
        "password",
        help=_(
            "Change your own password (a one-time password too). With --password-stdin: the "
            "first line is your password now, the second the new one."
        ),
    )(password_cmd)
