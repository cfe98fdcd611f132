"""The family view as one part of ``relaytui serve``: uvicorn on its own port, in the server's
event loop, stopped with the rest of the server."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import socket
from typing import TYPE_CHECKING

from relaytui import config
from relaytui.db import Store
from relaytui.errors import InvalidInput
from relaytui.i18n import _
from relaytui.server.family.site import FamilySettings, FamilySite
from relaytui.services import installation

if TYPE_CHECKING:
    import uvicorn

    from relaytui.server.serving import Plan

log = logging.getLogger("relaytui.family")

#: Where the client secret of the national login comes from when the keyring has none.
SECRET_ENV = "RELAYTUI_FAMILY_LOGIN_SECRET"


def secret_key_name(issuer: str) -> str:
    """The keyring entry of the client secret at ``issuer``."""
    return f"family-login {issuer}"


def settings_for(store: Store, plan: Plan) -> FamilySettings:
    """The family view's settings, or a message that says what to set first."""
    inst = installation.read(store)
    if not inst.family_login_issuer or not inst.family_login_client:
        raise InvalidInput(
            _(
                "The family view needs the national login first: set family_login_issuer and "
                "family_login_client with 'relaytui setting', and the client secret in {var} or "
                "the keyring."
            ).format(var=SECRET_ENV)
        )
    secret = os.environ.get(SECRET_ENV) or config.load_password(
        secret_key_name(inst.family_login_issuer)
    )
    if not secret:
        raise InvalidInput(
            _(
                "The national login's client secret is missing: put it in {var} or in the keyring."
            ).format(var=SECRET_ENV)
        )
    url = plan.family_url or f"http://{plan.web_host}:{plan.family_port}"
    return FamilySettings(
        public_url=url.rstrip("/"),
        issuer=inst.family_login_issuer,
        client_id=inst.family_login_client,
        client_secret=secret,
        number_claim=inst.family_number_claim,
    )


class FamilyServer:
    """uvicorn serving the family view on a socket of ours (port 0: a free one)."""

    def __init__(self, server: uvicorn.Server, task: asyncio.Task, port: int, url: str) -> None:
        self.server = server
        self.task = task
        self.port = port
        self.public_url = url

    async def stop(self) -> None:
        self.server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.task, timeout=10)


def _in_our_loop():
    import uvicorn

    class InOurLoop(uvicorn.Server):
        """uvicorn without its own signal handlers: the server's SIGTERM stops everything."""

        def capture_signals(self):  # type: ignore[override]
            return contextlib.nullcontext()

    return InOurLoop


async def listen(store: Store, plan: Plan, settings: FamilySettings) -> FamilyServer:
    import uvicorn

    port = plan.family_port or 0
    listener = socket.socket(socket.AF_INET6 if ":" in plan.web_host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((plan.web_host, port))
    listener.listen(128)
    bound = listener.getsockname()[1]
    if settings.public_url.endswith(":0"):
        settings = dataclasses.replace(settings, public_url=settings.public_url[:-2] + f":{bound}")
    site = FamilySite(store, settings)
    server = _in_our_loop()(
        uvicorn.Config(
            site.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            proxy_headers=True,
            forwarded_allow_ips="127.0.0.1",
            server_header=False,
        )
    )
    task = asyncio.ensure_future(server.serve(sockets=[listener]))
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    if task.done():
        task.result()
    log.info("family view on port %d", bound)
    return FamilyServer(server, task, bound, settings.public_url)
