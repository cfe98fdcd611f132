"""``relaytui`` and ``python -m relaytui``: choose the language, then run the command line.

The language is chosen before the Typer app is built, so that its help texts are translated
too: ``--lang`` on the command line, else RELAYTUI_LANG or the usual LANG variables.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from relaytui.i18n import _, language_from_environment, set_language


def _language_option(args: Sequence[str]) -> str | None:
    """The value of ``--lang`` among the arguments, if any (before a ``--``)."""
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def _plain_start(args: Sequence[str]) -> tuple[str | None, str | None] | None:
    """``(db, lang)`` when the arguments only choose the database and the language (the app's
    everyday start), else None: then the full command line handles them."""
    from relaytui.i18n import LANGUAGES

    found: dict[str, str] = {}
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        name, eq, value = arg.partition("=")
        if name not in ("--db", "--lang") or name in found:
            return None
        if not eq:
            if not rest:
                return None
            value = rest.pop(0)
        if not value or value.startswith("-"):
            return None
        found[name] = value
    lang = found.get("--lang")
    if lang is not None:
        lang = lang.strip().lower()
        if lang not in LANGUAGES:
            return None
    return found.get("--db"), lang


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    set_language(_language_option(args) or language_from_environment())
    try:
        from relaytui import cli
        from relaytui.errors import DomainError

        try:
            plain = _plain_start(args)
            if plain is not None:
                cli.start_app(*plain)
                return
            cli.build_app()(args=args, prog_name="relaytui")
        except DomainError as exc:  # raised outside a command (the app catches its own)
            cli.error_line(exc.message)
            sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last guard: one line, never a traceback
        if os.environ.get("RELAYTUI_DEBUG"):
            raise
        message = _(
            "relaytui stopped on an unexpected error ({error}). Set RELAYTUI_DEBUG=1 "
            "to see the details."
        ).format(error=type(exc).__name__)
        try:
            import typer

            typer.secho(message, fg="red", err=True)
        except Exception:  # noqa: BLE001
            print(message, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
