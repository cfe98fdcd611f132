"""The server's mail: ``relaytui serve`` sends the notices that are due every
:data:`MAIL_LOOK_SECONDS` (:func:`relaytui.mail.delivery.deliver_due`), and once an hour queues
the evaluations that come due (:func:`relaytui.services.notices.queue_evaluations_due`).

Without ``--smtp-host`` nothing is sent: the notices stay queued in the outbox (and are sent
once a mail server is given), and the server's log says so when it starts.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from relaytui.db import Store
from relaytui.errors import InvalidInput
from relaytui.i18n import _

if TYPE_CHECKING:
    from relaytui.mail.compose import Links
    from relaytui.mail.delivery import MailSettings
    from relaytui.server.serving import Plan

log = logging.getLogger("relaytui.server")

#: How often the outbox is looked at (seconds), and how often the evaluations due are queued.
MAIL_LOOK_SECONDS = 30.0
EVALUATIONS_EVERY_SECONDS = 3600.0


def check_plan(plan: Plan) -> None:
    """Refuse mail options that cannot work, before anything listens."""
    if plan.smtp_host is None:
        return
    if "@" not in (plan.smtp_sender or ""):
        raise InvalidInput(
            _("--smtp-sender is the address notices come from, e.g. relaytui@kommune.dk")
        )
    if not 1 <= plan.smtp_port <= 65535:
        raise InvalidInput(_("A port is a number from 1 to 65535."))
    if plan.smtp_ca_file is not None and not plan.smtp_ca_file.is_file():
        raise InvalidInput(
            _("--smtp-ca-file: there is no file {path}. Give the CA certificate (PEM).").format(
                path=plan.smtp_ca_file
            )
        )


def settings_of(plan: Plan) -> MailSettings | None:
    """The mail server the plan names; ``None``: no mail is sent."""
    from relaytui.mail.delivery import MailSettings

    if plan.smtp_host is None:
        return None
    return MailSettings(
        host=plan.smtp_host,
        port=plan.smtp_port,
        user=plan.smtp_user,
        sender=plan.smtp_sender or "",
        ca_file=plan.smtp_ca_file,
    )


def links_of(plan: Plan) -> Links:
    """Where the mails point: staff to the server's public address, the family to the
    family view's (when the server has one)."""
    from relaytui.mail.compose import Links

    staff = plan.public_url or (
        f"http://{plan.web_host}:{plan.web_port}" if plan.web_port else None
    )
    family = plan.family_url or (
        f"http://{plan.web_host}:{plan.family_port}" if plan.family_port else None
    )
    return Links(staff=staff, family=family)


async def run(store: Store, plan: Plan, stop: asyncio.Event) -> None:
    """Until ``stop``: the evaluations due once an hour, the outbox every half minute; the
    blocking work in a thread, so that sessions are served meanwhile."""
    settings = settings_of(plan)
    links = links_of(plan)
    if settings is None:
        log.warning(
            "no mail server (--smtp-host): e-mail notices stay queued in the outbox; none is sent"
        )
    else:
        log.info("e-mail notices go through %s:%d from %s", *_server(settings))
    loop = asyncio.get_running_loop()
    scanned: float | None = None
    while not stop.is_set():
        if scanned is None or loop.time() - scanned >= EVALUATIONS_EVERY_SECONDS:
            scanned = loop.time()
            await _queue_evaluations(store)
        if settings is not None:
            await _deliver(store, settings, links)
        try:
            await asyncio.wait_for(stop.wait(), MAIL_LOOK_SECONDS)
            return
        except TimeoutError:
            pass


def _server(settings: MailSettings) -> tuple[str, int, str]:
    return settings.host, settings.port, settings.sender


async def _queue_evaluations(store: Store) -> None:
    from relaytui.services import notices

    try:
        queued = await asyncio.to_thread(notices.queue_evaluations_due, store)
    except Exception as exc:  # noqa: BLE001 - tried again in an hour
        log.error("queueing the evaluations due failed: %s", _what(exc))
        return
    if queued:
        log.info("evaluations due: %d notices queued", queued)


async def _deliver(store: Store, settings: MailSettings, links: Links) -> None:
    from relaytui.mail.delivery import deliver_due

    try:
        done = await asyncio.to_thread(deliver_due, store, settings, links)
    except Exception as exc:  # noqa: BLE001 - the next look tries again
        log.error("sending e-mail notices failed: %s", _what(exc))
        return
    if done.sent or done.retried or done.given_up:
        log.info(
            "e-mail notices: %d sent, %d to try again, %d given up",
            done.sent,
            done.retried,
            done.given_up,
        )


def _what(exc: Exception) -> str:
    return getattr(exc, "message", None) or type(exc).__name__
