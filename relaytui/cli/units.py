"""``relaytui unit``: daycares, schools, health services; ``relaytui setting``: the
installation's settings. An administrator runs them."""

from __future__ import annotations

from typing import Annotated

import typer

from relaytui.cli.common import (
    UNIT_KINDS,
    Lazy,
    current_store,
    password_stdin_option,
    print_table,
    say,
    signed_in,
    user_option,
)
from relaytui.errors import InvalidInput
from relaytui.i18n import _

units = Lazy("relaytui.services.units")
installation = Lazy("relaytui.services.installation")


def unit_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help=_("The unit's name."))],
    kind: Annotated[
        str,
        typer.Option("--kind", metavar="|".join(UNIT_KINDS), help=_("What kind of unit it is.")),
    ] = "other",
    phone: Annotated[str, typer.Option("--phone", help=_("The unit's phone number."))] = "",
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    store = current_store(ctx)
    view = units.add_unit(
        store, signed_in(ctx, store, user, password_stdin), name=name, kind=kind, phone=phone
    )
    say(
        _("Added the unit {name} ({kind}).").format(
            name=view.name, kind=units.kind_label(view.kind)
        )
    )


def unit_list(
    ctx: typer.Context,
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    store = current_store(ctx)
    views = units.list_units(store, signed_in(ctx, store, user, password_stdin))
    if not views:
        say(_("There are no units yet. Add one with 'relaytui unit add'."))
        return
    print_table(
        [_("Name"), _("Kind"), _("Phone"), _("Leader"), _("Staff")],
        [
            [
                v.name,
                units.kind_label(v.kind),
                v.phone,
                f"{v.leader_name} ({v.leader_username})" if v.leader_username else "",
                str(v.staff_count),
            ]
            for v in views
        ],
    )


def unit_set_leader(
    ctx: typer.Context,
    unit: Annotated[str, typer.Argument(metavar="UNIT", help=_("The unit's name."))],
    username: Annotated[str, typer.Argument(metavar="USERNAME", help=_("The person's username."))],
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    store = current_store(ctx)
    view = units.set_leader(store, signed_in(ctx, store, user, password_stdin), unit, username)
    say(
        _("{username} is now the leader of {unit}.").format(
            username=view.leader_username, unit=view.name
        )
    )


def setting_cmd(
    ctx: typer.Context,
    key: Annotated[str | None, typer.Argument(help=_("The setting to change."))] = None,
    value: Annotated[str | None, typer.Argument(help=_("Its new value."))] = None,
    user: Annotated[str | None, user_option()] = None,
    password_stdin: Annotated[bool, password_stdin_option()] = False,
) -> None:
    if key is not None and value is None:
        raise InvalidInput(_("Give the new value after the name of the setting."))
    store = current_store(ctx)
    by = signed_in(ctx, store, user, password_stdin)
    if key is not None:
        installation.change(store, by, key, value)
    current = installation.read(store)
    for name in installation.DEFAULTS:
        say(f"{name} = {getattr(current, name)}")


def register(app: typer.Typer) -> None:
    unit_app = typer.Typer(
        help=_("Units: daycares, schools, health services, ... (an administrator runs these)."),
        no_args_is_help=True,
    )
    app.add_typer(unit_app, name="unit")
    unit_app.command("add", help=_("Add a unit."))(unit_add)
    unit_app.command("list", help=_("List the units."))(unit_list)
    unit_app.command(
        "set-leader",
        help=_("Name a unit's nearest leader: an active member of staff of that unit."),
    )(unit_set_leader)
    app.command(
        "setting",
        help=_(
            "Show the installation's settings, or change one: relaytui setting idle_lock_minutes 15. "
            "An administrator runs it."
        ),
    )(setting_cmd)
