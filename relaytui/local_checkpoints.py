"""Signed checkpoints of the audit trail while relaytui runs on this machine, without a server.

The server signs for its sessions (:mod:`relaytui.server.serving`); an app run from a terminal
does the same here: in a thread while it runs, and once more when it quits. Apart from the app
because it is plain Python around the services, with no screen in it.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from relaytui.i18n import _

if TYPE_CHECKING:
    from relaytui.db import Store


def sign_while_open(
    store: Store, signer: Any, stop: threading.Event, *, look: float = 60.0
) -> None:
    """While the app runs on this machine: a signed checkpoint once the setting's number of
    events is new (looked at every minute), and at least hourly when anything is new; the
    server does the same for its sessions (relaytui.server.serving)."""
    from relaytui import signing
    from relaytui.services import checkpoints, installation

    last = time.monotonic()
    while not stop.wait(look):
        try:
            every = installation.read(store).audit_checkpoint_every
            if time.monotonic() - last >= 3600.0:
                every = 1
            if (
                checkpoints.maybe_take(store, signer, every, file=signing.checkpoint_file())
                is not None
            ):
                last = time.monotonic()
        except Exception:  # noqa: BLE001 - tried again at the next look; quitting signs as well
            continue


def _unsigned(exc: Exception) -> None:
    sys.stderr.write(
        _(
            "The audit checkpoint could not be signed ({error}); take it with 'relaytui "
            "audit checkpoint'."
        ).format(error=getattr(exc, "message", type(exc).__name__))
        + "\n"
    )


@contextmanager
def checkpoints_while_open(store: Store) -> Iterator[None]:
    """Where this account holds the installation's audit signing key, new events are put under
    signed checkpoints while the body runs and when it ends (not when it fails)."""
    from relaytui import signing
    from relaytui.services import checkpoints

    problem: Exception | None
    try:
        signer = signing.load_signer()
    except Exception as exc:  # noqa: BLE001 - the app runs; 'audit verify' shows what is missing
        signer, problem = None, exc
    else:
        problem = None
    stop = threading.Event()
    if signer is not None:
        threading.Thread(
            target=sign_while_open,
            args=(store, signer, stop),
            name="audit-checkpoints",
            daemon=True,
        ).start()
    try:
        yield
    finally:
        stop.set()
    if problem is not None:
        _unsigned(problem)
        return
    if signer is None:
        return
    try:
        checkpoints.take(store, signer, file=signing.checkpoint_file())
    except Exception as exc:  # noqa: BLE001 - quitting never fails; 'audit verify' shows what is missing
        _unsigned(exc)
