"""``relaytui serve``: the server of a municipality (SSH and the browser), in the foreground
for systemd.

It runs as the server's own account, which alone holds the database's password, and asks for
no login: it reads and changes nothing itself. Every person who connects logs in as their own
account.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from relaytui.cli.common import current_store
from relaytui.errors import StoreError
from relaytui.i18n import _

# The options whose help runs over a line are made by these (when the command line is built,
# so that their help is translated), to keep the command readable.


def _web_host_option() -> Any:
    return typer.Option(
        "--web-host",
        help=_("The address the browser side listens on: localhost, behind a TLS reverse proxy."),
    )


def _public_url_option() -> Any:
    return typer.Option(
        "--public-url",
        metavar="URL",
        help=_(
            "The address staff open in the browser, as the proxy serves it, e.g. "
            "https://relaytui.kommune.dk"
        ),
    )


def _max_sessions_option() -> Any:
    return typer.Option(
        "--max-sessions",
        help=_(
            "How many sessions may be open at once, SSH and browser "
            "together; the next one is told that the server is full."
        ),
    )


def _insecure_option() -> Any:
    return typer.Option(
        "--insecure",
        help=_(
            "Let the browser side listen beyond localhost without TLS in "
            "front (only when TLS ends on a machine in front)."
        ),
    )


def _no_preload_option() -> Any:
    return typer.Option(
        "--no-preload",
        help=_(
            "Start every session as a new process instead of forking it from "
            "one that has relaytui loaded (slower, more memory)."
        ),
    )


def _family_port_option() -> Any:
    return typer.Option(
        "--family-port",
        help=_(
            "Serve the family view on this port (0: any free port): guardians read their log "
            "after logging in with the national login. Not served when not given."
        ),
    )


def _family_url_option() -> Any:
    return typer.Option(
        "--family-url",
        metavar="URL",
        help=_(
            "The address families open, as the proxy serves it, e.g. https://familie.kommune.dk"
        ),
    )


def _mail_option(flag: str) -> Any:
    """The e-mail notices' options (relaytui.server.mailing)."""
    said = {
        "--smtp-host": (
            "HOST",
            _("The mail server that sends e-mail notices. Without it, notices stay queued."),
        ),
        "--smtp-port": ("PORT", _("The mail server's port; STARTTLS is required.")),
        "--smtp-user": (
            "USER",
            _(
                "The mail server's login. The password: RELAYTUI_SMTP_PASSWORD, else the "
                "keyring (service relaytui, username smtp://USER@HOST:PORT)."
            ),
        ),
        "--smtp-sender": ("ADDRESS", _("The address notices come from.")),
        "--smtp-ca-file": (
            "FILE",
            _("The CA certificate (PEM) the mail server's certificate is checked against."),
        ),
    }
    metavar, text = said[flag]
    return typer.Option(flag, metavar=metavar, help=text)


def serve_cmd(
    ctx: typer.Context,
    ssh_host: Annotated[
        str,
        typer.Option(
            "--ssh-host", help=_("The address SSH listens on; 0.0.0.0 for every network.")
        ),
    ] = "127.0.0.1",
    ssh_port: Annotated[
        int,
        typer.Option("--ssh-port", help=_("The SSH port (0: any free port, printed at start).")),
    ] = 2222,
    no_ssh: Annotated[bool, typer.Option("--no-ssh", help=_("Do not offer SSH."))] = False,
    web_host: Annotated[str, _web_host_option()] = "127.0.0.1",
    web_port: Annotated[
        int, typer.Option("--web-port", help=_("The browser side's port (0: any free port)."))
    ] = 8080,
    no_web: Annotated[
        bool, typer.Option("--no-web", help=_("Do not offer the browser side."))
    ] = False,
    public_url: Annotated[str | None, _public_url_option()] = None,
    max_sessions: Annotated[int, _max_sessions_option()] = 100,
    state_dir: Annotated[
        Path | None,
        typer.Option(
            "--state-dir",
            metavar="DIR",
            help=_("Where the server keeps its SSH host key. Default: the data folder."),
        ),
    ] = None,
    insecure: Annotated[bool, _insecure_option()] = False,
    no_preload: Annotated[bool, _no_preload_option()] = False,
    smtp_host: Annotated[str | None, _mail_option("--smtp-host")] = None,
    smtp_port: Annotated[int, _mail_option("--smtp-port")] = 587,
    smtp_user: Annotated[str | None, _mail_option("--smtp-user")] = None,
    smtp_sender: Annotated[str | None, _mail_option("--smtp-sender")] = None,
    smtp_ca_file: Annotated[Path | None, _mail_option("--smtp-ca-file")] = None,
    family_port: Annotated[int | None, _family_port_option()] = None,
    family_url: Annotated[str | None, _family_url_option()] = None,
) -> None:
    from relaytui.server.serving import Plan, serve
    from relaytui.services import installation

    plan = Plan(
        ssh_host=ssh_host,
        ssh_port=None if no_ssh else ssh_port,
        web_host=web_host,
        web_port=None if no_web else web_port,
        public_url=public_url,
        max_sessions=max_sessions,
        state_dir=state_dir,
        insecure=insecure,
        preload=not no_preload,
        smtp_host=smtp_host,
        smtp_port=smtp_port,
        smtp_user=smtp_user,
        smtp_sender=smtp_sender,
        smtp_ca_file=smtp_ca_file,
        family_port=family_port,
        family_url=family_url,
    )
    plan.check()
    store = current_store(ctx)
    if not installation.is_initialised(store):
        raise StoreError(_("The database is not set up: run 'relaytui init' first."))
    raise typer.Exit(serve(store, plan))


def register(app: typer.Typer) -> None:
    app.command(
        "serve",
        help=_(
            "Serve relaytui to staff: over SSH (ssh -p 2222 anna@server) and in the browser "
            "(behind a TLS reverse proxy). The server alone holds the database's password; each "
            "session runs in a process of its own. Stops cleanly on SIGTERM."
        ),
    )(serve_cmd)
