"""The command line's root: ``relaytui [--db] [--lang] [--demo]``, which starts the app, and its
command groups, each in a module of its own.

Help texts are translated when the app is built, so :func:`relaytui.__main__.main` chooses the
language first and then calls :func:`build_app`. Each command is a plain function of its group's
module, added by that module's ``register()``; the modules use ``from __future__ import
annotations``, so the options in a command's signature (and their help, through ``_()``) are read
when Typer builds the command line, in the language chosen by then, not when the module is
imported.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from relaytui import __version__, config
from relaytui.cli import accounts, audit, database, grants, notices, papers, serve, setup, units
from relaytui.cli.common import Group, State, app_store, demo_module, error_line
from relaytui.errors import DomainError, InvalidInput
from relaytui.i18n import LANGUAGES, _, known_language, language_from_environment, set_language


class _Start:
    """What a start without Typer has in place of its context: the state, and what to close."""

    def __init__(self, chosen: State) -> None:
        self.obj = chosen
        self.closing: list[Any] = []

    def find_root(self) -> _Start:
        return self

    def call_on_close(self, callback: Any) -> None:
        self.closing.append(callback)


def start_app(db_option: str | None = None, lang: str | None = None) -> None:
    """``relaytui [--db URL] [--lang CODE]``: the app, as the main callback starts it, without
    building the Typer app (its parameter handling imports pydantic: a third of the cold
    start). :mod:`relaytui.__main__` calls this only for exactly these options."""
    if lang is not None:
        set_language(lang)
    start = _Start(State(db=db_option))
    try:
        store = app_store(start)
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


def show_version(value: bool) -> None:
    if value:
        typer.echo("relaytui " + __version__)
        raise typer.Exit()


def main_callback(
    ctx: typer.Context,
    db_option: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL|PATH",
            help=_(
                "The database: a file path (SQLite) or postgresql://user@host/database. "
                "Default: {var}, then the config file, then a file in your data folder."
            ).format(var=config.ENV_URL),
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="|".join(LANGUAGES),
            help=_("The language of the messages. Default: RELAYTUI_LANG or LANG."),
        ),
    ] = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help=_("Use the demo database with made-up people (created and filled on first use)."),
        ),
    ] = False,
    _version: Annotated[
        bool,
        typer.Option(  # show_version answers it, before anything else
            "--version",
            callback=show_version,
            is_eager=True,
            help=_("Show the version and stop."),
        ),
    ] = False,
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
    ctx.obj = State(db=db_option, demo=demo, demo_profile=_demo_profile(lang) if demo else "dk")
    if ctx.invoked_subcommand is None:
        store = app_store(ctx)
        from relaytui.app import run_app

        # --lang, then the environment, then the installation's own language.
        language = None
        if lang is None and language_from_environment() is None:
            language = store.setting("language") or None
        run_app(store, language=language)


def _demo_profile(lang: str | None) -> str:
    """Which municipality ``--demo`` opens: Sunnfjord with ``--lang nb`` or ``nn``, else Kirkeby."""
    return demo_module().profile_for_language(lang.strip().lower() if lang else None)


def build_app() -> typer.Typer:
    """The Typer app, with its help texts in the current language."""
    app = typer.Typer(
        cls=Group,
        name="relaytui",
        help=_(
            "relaytui keeps relay logs (stafetlog / stafettlogg) around children and young "
            "people. Without a command it starts the application."
        ),
        pretty_exceptions_enable=False,
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    app.callback(invoke_without_command=True)(main_callback)
    for group in (setup, database, accounts, units, audit, papers, grants, notices, serve):
        group.register(app)
    return app
