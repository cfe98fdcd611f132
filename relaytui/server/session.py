"""One served session: ``python -m relaytui.server.session``, started by the server, never by
hand.

Over SSH the server has already logged the person in (password or key) and hands over who
it is on a pipe (``--identity-fd``): the app starts logged in as that account, read again
from the database. In the browser the app starts on its own login screen. The database is the
server's (``--db`` and the password in the environment the server set). Whatever happens, the
person sees one line, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def _take_the_terminal() -> None:
    """Make the pseudo-terminal on stdin this session's controlling terminal, so that the
    kernel tells the app of a resize (SIGWINCH) and of a lost connection (SIGHUP)."""
    import fcntl
    import termios

    try:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    except OSError:
        pass  # already ours, or not a terminal (the tests' pipes)


def end_with_parent() -> None:
    """If the process that started this one dies (the server, or the spawner that forked it),
    even by SIGKILL, this one gets SIGTERM and ends as on quitting, instead of running on
    with nobody to talk to."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return


#: Seconds a served session has to end once the server stopped it, its saves done, before the
#: process ends anyway: a terminal that is gone must not keep it (and its memory) alive.
END_FOR_CERTAIN_SECONDS = 20.0


def end_for_certain() -> None:
    """Once a served session is told to end: wait for the saves in flight, then make sure the
    process ends, whatever the terminal's end does to the shutdown."""
    import threading
    import time

    def watch() -> None:
        time.sleep(END_FOR_CERTAIN_SECONDS)
        for thread in threading.enumerate():
            if (
                not thread.daemon
                and thread is not threading.main_thread()
                and thread is not threading.current_thread()
            ):
                thread.join(END_FOR_CERTAIN_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="end-for-certain", daemon=True).start()


def _identity(fd: int | None) -> dict:
    if fd is None:
        return {}
    with os.fdopen(fd, "r", encoding="utf-8") as pipe:
        return json.loads(pipe.read() or "{}")


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="relaytui-session", add_help=False)
    parser.add_argument("--db", required=True)
    parser.add_argument("--identity-fd", type=int, default=None)
    parser.add_argument("--via", default="")
    args = parser.parse_args(argv)

    from relaytui import config, db
    from relaytui.i18n import language_from_environment, set_language

    end_with_parent()
    identity = _identity(args.identity_fd)
    set_language(language_from_environment())
    if identity:
        _take_the_terminal()
    store = db.open_location(config.Location(config.to_url(args.db), "option"), lazy=True)
    try:
        store.require_current()
        staff = None
        if identity:
            from relaytui.services import sign_in

            staff = sign_in.session_ref(store, int(identity["staff_id"]))
        language = None
        if language_from_environment() is None:
            language = store.setting("language") or None
        from relaytui.app import RelayApp
        from relaytui.session_guard import Served

        via = str(identity.get("via") or args.via or "")
        app = RelayApp(
            store,
            language=language,
            staff=staff,
            served=Served(via=via, ends_on_logout=bool(identity)),
        )
        app.run()
        return app.return_code or 0
    finally:
        store.dispose()


def main() -> None:
    from relaytui.errors import DomainError
    from relaytui.i18n import _

    try:
        code = run()
    except DomainError as exc:
        sys.stderr.write(exc.message + "\r\n")
        code = 1
    except KeyboardInterrupt:
        code = 130
    except Exception as exc:  # noqa: BLE001 - the last guard: one line, never a traceback
        if os.environ.get("RELAYTUI_DEBUG"):
            raise
        sys.stderr.write(
            _(
                "relaytui stopped on an unexpected error ({error}). What was saved is "
                "kept; connect again."
            ).format(error=type(exc).__name__)
            + "\r\n"
        )
        code = 2
    sys.stderr.flush()
    sys.exit(code)


if __name__ == "__main__":
    main()
