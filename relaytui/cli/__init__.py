"""The command line: set-up, accounts, units, the database, papers, the server; with no
command, the app. One module per group of commands; :mod:`relaytui.cli.common` holds what they
share (errors as one line, the database, who runs the command)."""

from relaytui.cli.common import STAFF_ROLES, UNIT_KINDS, error_line, say, visible
from relaytui.cli.root import build_app, start_app

__all__ = [
    "STAFF_ROLES",
    "UNIT_KINDS",
    "app",
    "build_app",
    "error_line",
    "say",
    "start_app",
    "visible",
]

#: The app in the language chosen at import; ``main()`` builds a fresh one after ``--lang``.
app = build_app()
