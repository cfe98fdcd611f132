"""Running the server: the SSH side, the web side, the sessions, and a clean stop on SIGTERM.

The server is the one process that knows the database's password. Its session processes get
the database's address without the password on their command line (which every user of the
machine can see with ``ps``) and the password in their environment (which only the server's
own account can read).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from relaytui import config, db_url
from relaytui.db import Store
from relaytui.errors import InvalidInput
from relaytui.i18n import _
from relaytui.server import mailing
from relaytui.server.sessions import GRACE_SECONDS, Sessions

if TYPE_CHECKING:
    from aiohttp.web import AppRunner
    from asyncssh import SSHAcceptor, SSHKey

    from relaytui.server.spawner import FreshStart, Spawner
    from relaytui.server.web import StaffWeb

log = logging.getLogger("relaytui.server")


@dataclass(frozen=True)
class Plan:
    """What ``relaytui serve`` was asked to do."""

    ssh_host: str = "127.0.0.1"
    ssh_port: int | None = 2222
    web_host: str = "127.0.0.1"
    web_port: int | None = 8080
    public_url: str | None = None
    max_sessions: int = 100
    state_dir: Path | None = None
    insecure: bool = False
    grace: float = GRACE_SECONDS
    #: Fork sessions from a process with relaytui loaded (False: a new Python each).
    preload: bool = True
    #: The mail server for e-mail notices (None: notices stay queued), relaytui.server.mailing.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_sender: str | None = None
    smtp_ca_file: Path | None = None
    #: The family view's port (None: not served) and the address families open (issue 15).
    family_port: int | None = None
    family_url: str | None = None

    def check(self) -> None:
        """Refuse what would put the children's data at risk, before anything listens."""
        from relaytui.server.web import is_loopback

        mailing.check_plan(self)
        if self.ssh_port is None and self.web_port is None and self.family_port is None:
            raise InvalidInput(_("Nothing to serve: give at most one of --no-ssh and --no-web."))
        if not 1 <= self.max_sessions <= 10_000:
            raise InvalidInput(_("--max-sessions is a whole number from 1 to 10000."))
        for port in (self.ssh_port, self.web_port):
            if port is not None and not 0 <= port <= 65535:
                raise InvalidInput(_("A port is a number from 1 to 65535."))
        browsers = self.web_port is not None or self.family_port is not None
        if browsers and not is_loopback(self.web_host) and not self.insecure:
            raise InvalidInput(
                _(
                    "The browser side would listen on {host} without TLS, so passwords and children's "
                    "data would cross the network in clear text. Keep it on 127.0.0.1 behind a TLS "
                    "reverse proxy (see the README: Serve a municipality), or give --insecure if TLS "
                    "ends on another machine in front of this one."
                ).format(host=self.web_host)
            )
        if self.family_url is not None and not self.family_url.startswith(("http://", "https://")):
            raise InvalidInput(
                _(
                    "--family-url is the address families open in the browser, e.g. "
                    "https://familie.kommune.dk"
                )
            )
        if self.public_url is not None and not self.public_url.startswith(("http://", "https://")):
            raise InvalidInput(
                _(
                    "--public-url is the address staff type in the browser, e.g. "
                    "https://relaytui.kommune.dk"
                )
            )


def database_password(url: str) -> str | None:
    """The store's password as the server's own engine finds it: the URL, the environment,
    the keyring."""
    if not db_url.is_postgresql(url):
        return None
    given = db_url.pg_params(url).get("password")
    return (
        given
        or os.environ.get("RELAYTUI_DATABASE_PASSWORD")
        or config.load_password(db_url.safe_url(url))
    )


def state_folder(plan: Plan) -> Path:
    """Where the server keeps its host key: ``--state-dir``, else the data folder."""
    folder = plan.state_dir if plan.state_dir is not None else config.data_dir() / "server"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


#: How often the server looks whether a checkpoint of the audit chain is due (seconds), and
#: the longest it lets new events go without one (seconds), however few they are.
CHECKPOINT_LOOK_SECONDS = 60.0
CHECKPOINT_AT_LEAST_SECONDS = 3600.0


async def _sign_checkpoints(store: Store, stop: asyncio.Event) -> None:
    """Sign the audit chain's head every ``audit_checkpoint_every`` events, and at least once
    an hour when there are new events: what happens after the newest checkpoint is what an
    attacker with the database could still hide."""
    from relaytui import signing
    from relaytui.services import checkpoints, installation

    try:
        signer = signing.load_signer()
    except Exception as exc:  # noqa: BLE001 - the server runs on; the log says what to do
        log.error(
            "the audit signing key cannot be used: %s", getattr(exc, "message", type(exc).__name__)
        )
        return
    if signer is None:
        log.warning(
            "no audit signing key: the audit trail has no checkpoints outside the database. "
            "Make one with 'relaytui audit keygen' as this account."
        )
        return
    log.info(
        "signing audit checkpoints with key %s into %s", signer.public.id, signing.checkpoint_file()
    )
    last = asyncio.get_running_loop().time()
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), CHECKPOINT_LOOK_SECONDS)
            return
        except TimeoutError:
            pass
        try:
            every = (await asyncio.to_thread(installation.read, store)).audit_checkpoint_every
            if asyncio.get_running_loop().time() - last >= CHECKPOINT_AT_LEAST_SECONDS:
                every = 1
            made = await asyncio.to_thread(
                checkpoints.maybe_take, store, signer, every, file=signing.checkpoint_file()
            )
        except Exception as exc:  # noqa: BLE001 - try again at the next look
            log.error("an audit checkpoint failed: %s", getattr(exc, "message", type(exc).__name__))
            continue
        if made is not None:
            last = asyncio.get_running_loop().time()
            log.info("audit checkpoint: %d events, up to event %d", made.events, made.last_id)


async def _last_checkpoint(store: Store) -> None:
    """On a clean stop: the last events under a checkpoint too."""
    from relaytui import signing
    from relaytui.services import checkpoints

    try:
        signer = signing.load_signer()
        if signer is not None:
            made = await asyncio.to_thread(
                checkpoints.take, store, signer, file=signing.checkpoint_file()
            )
            if made is not None:
                log.info(
                    "audit checkpoint on stopping: %d events, up to event %d",
                    made.events,
                    made.last_id,
                )
    except Exception as exc:  # noqa: BLE001
        log.error(
            "the audit checkpoint on stopping failed: %s",
            getattr(exc, "message", type(exc).__name__),
        )


def _announce(line: str) -> None:
    """A line for the operator (and the journal): what listens where."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def serve(store: Store, plan: Plan) -> int:
    """Run until SIGTERM or SIGINT; returns the exit code."""
    plan.check()
    if plan.family_port is not None:
        from relaytui.server.family import serving as family_serving

        family_serving.settings_for(store, plan)  # refused here, before anything listens
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    # asyncssh says a line for every channel and packet exchange; ours say who, from where.
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    url = db_url.safe_url(store.url)
    environment = dict(os.environ)
    password = database_password(store.url)
    if password:
        environment["RELAYTUI_DATABASE_PASSWORD"] = password
    environment.pop(config.ENV_URL, None)  # the sessions get the address on their command line
    return asyncio.run(_serve(store, plan, url, environment))


async def _serve(store: Store, plan: Plan, url: str, environment: dict[str, str]) -> int:
    from relaytui.services import installation

    sessions = Sessions(plan.max_sessions)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for ending in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(ending, stop.set)
    loop.add_signal_handler(signal.SIGHUP, lambda: None)  # a closed operator terminal stops nothing

    title = installation.read(store).municipality or _("Relay log")
    ssh_server = None
    web_runner = None
    signing_task: asyncio.Task | None = None
    mail_task: asyncio.Task | None = None
    family_server = None
    from relaytui.server.sessions import session_environment
    from relaytui.server.spawner import FreshStart, Spawner

    starter: Spawner | FreshStart = FreshStart()
    if plan.preload:
        starter = await Spawner.begin(session_environment(environment)) or FreshStart()
    try:
        if plan.ssh_port is not None:
            ssh_server, key = await _listen_ssh(store, plan, sessions, url, environment, starter)
            _announce_ssh(plan, ssh_server, key)
        if plan.web_port is not None:
            web_runner, site_server = await _web_side(
                plan, sessions, url, environment, title, starter
            )
            await _listen_web(plan, web_runner, site_server)
        if plan.family_port is not None:
            family_server = await _family_side(store, plan)
        _announce(
            _(
                "Serving {url} to at most {n} sessions. Stop with SIGTERM (systemctl stop); "
                "open sessions save their drafts."
            ).format(url=url, n=plan.max_sessions)
        )
        signing_task = asyncio.ensure_future(_sign_checkpoints(store, stop))
        mail_task = asyncio.ensure_future(mailing.run(store, plan, stop))
        await stop.wait()
    finally:
        log.info("stopping")
        if ssh_server is not None:
            ssh_server.close()
        await sessions.end_all(plan.grace)
        await starter.close()
        if signing_task is not None:
            await asyncio.wait([signing_task], timeout=5)
        if mail_task is not None:
            await asyncio.wait([mail_task], timeout=5)
        await _last_checkpoint(store)
        if web_runner is not None:
            with contextlib.suppress(Exception):
                await web_runner.cleanup()
        if family_server is not None:
            await family_server.stop()
        if ssh_server is not None:
            with contextlib.suppress(Exception):
                await ssh_server.wait_closed()
        store.dispose()
    _announce(_("The server has stopped."))
    return 0


async def _listen_ssh(
    store: Store,
    plan: Plan,
    sessions: Sessions,
    url: str,
    environment: dict[str, str],
    starter: Spawner | FreshStart,
) -> tuple[SSHAcceptor, SSHKey]:
    """The SSH side, listening: the server and its host key (kept in the state folder)."""
    from relaytui.server import ssh

    key = ssh.host_key(state_folder(plan) / "ssh_host_ed25519_key")
    gate = ssh.Gate(
        store=store,
        sessions=sessions,
        db_url=url,
        environment=environment,
        checks=asyncio.Semaphore(ssh.PASSWORD_CHECKS),
        starter=starter,
    )
    return await ssh.listen(gate, plan.ssh_host, plan.ssh_port, key), key


def _announce_ssh(plan: Plan, ssh_server: SSHAcceptor, key: SSHKey) -> None:
    from relaytui.server import ssh

    port = ssh_server.get_port()
    _announce(
        _("SSH: listening on {host}:{port}; host key {fingerprint}").format(
            host=plan.ssh_host, port=port, fingerprint=ssh.fingerprint(key)
        )
    )


async def _web_side(
    plan: Plan,
    sessions: Sessions,
    url: str,
    environment: dict[str, str],
    title: str,
    starter: Spawner | FreshStart,
) -> tuple[AppRunner, StaffWeb]:
    """The browser side's runner, not yet set up: from here on the stop cleans it up."""
    from aiohttp import web as aioweb

    from relaytui.server.web import StaffWeb

    site_server = StaffWeb(
        sessions,
        db_url=url,
        environment=environment,
        host=plan.web_host,
        port=plan.web_port,
        public_url=plan.public_url or f"http://{plan.web_host}:{plan.web_port}",
        title=title,
        starter=starter,
    )
    web_runner = aioweb.AppRunner(
        await site_server._make_app(), handle_signals=False, access_log=None
    )
    return web_runner, site_server


async def _listen_web(plan: Plan, web_runner: AppRunner, site_server: StaffWeb) -> None:
    """The browser side, listening on its port (0: the one it was given), announced."""
    from aiohttp import web as aioweb

    await web_runner.setup()
    site = aioweb.TCPSite(web_runner, plan.web_host, plan.web_port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    site_server.set_port(port)
    _announce(
        _("Web: listening on http://{host}:{port}; staff open {url}").format(
            host=plan.web_host, port=port, url=site_server.public_url
        )
    )


async def _family_side(store: Store, plan: Plan):
    """The family view, listening (issue 15), announced."""
    from relaytui.server.family import serving as family_serving

    settings = await asyncio.to_thread(family_serving.settings_for, store, plan)
    server = await family_serving.listen(store, plan, settings)
    _announce(
        _("Family view: listening on http://{host}:{port}; families open {url}").format(
            host=plan.web_host, port=server.port, url=server.public_url
        )
    )
    return server
