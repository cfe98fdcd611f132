"""The app in the browser, with textual-serve: each page opens one session process, which starts
on the app's own login screen.

The server listens on localhost only; a TLS reverse proxy (Caddy, nginx: see the README)
carries it to staff. Pages say where they come from (``--public-url``), refuse to be framed
by another site, and a websocket from a page of another origin is refused. When the server is
full, the page says so instead of opening a session.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from relaytui.i18n import LANGUAGES, _, speaking
from relaytui.server.sessions import Seat, Sessions, session_environment
from relaytui.server.spawner import FreshStart, Spawner, session_arguments

log = logging.getLogger("relaytui.server")

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__import__("textual_serve").__file__).parent / "static"
#: Seconds a session process gets to end after its page closed, before it is killed.
END_SECONDS = 10.0


def browser_language(header: str | None) -> str | None:
    """The language of ours the browser prefers (Accept-Language), if any."""
    from babel import Locale

    wanted: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            with contextlib.suppress(ValueError):
                quality = float(params.strip()[2:])
        if tag and quality > 0:
            wanted.append((-quality, index, tag.strip().replace("-", "_")))
    preferred = [tag for _q, _i, tag in sorted(wanted)]
    if not preferred:
        return None
    found = Locale.negotiate(preferred, list(LANGUAGES) + ["no"], sep="_")
    if found is None:
        return None
    return "nb" if found.language == "no" else found.language


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def peer_of(request: web.Request) -> str:
    """Who is at the other end: the address the proxy in front of us saw, else the socket's."""
    remote = request.remote or "?"
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and is_loopback(remote):
        return forwarded.split(",")[-1].strip() or remote
    return remote


class SessionProcess(AppService):
    """textual-serve's app process: forked by the spawner (or a new Python), on pipes of
    ours, counted as a session."""

    def __init__(
        self,
        *args: Any,
        arguments: list[str],
        environment: dict[str, str],
        seat: Seat,
        starter: Spawner | FreshStart,
        **kwargs: Any,
    ) -> None:
        super().__init__("relaytui-session", *args, **kwargs)
        self.arguments = arguments
        self.environment = environment
        self.seat = seat
        self.starter = starter

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        env = super()._build_environment(width, height)
        # The server's environment, not textual-serve's copy of ours: the same for every session.
        for key in list(env):
            if key not in self.environment and key not in (
                "TEXTUAL_DRIVER",
                "TEXTUAL_FPS",
                "TEXTUAL_COLOR_SYSTEM",
                "TERM_PROGRAM",
                "TERM_PROGRAM_VERSION",
                "COLUMNS",
                "ROWS",
            ):
                del env[key]
        env.update({k: v for k, v in self.environment.items() if k not in ("COLUMNS", "ROWS")})
        return env

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        loop = asyncio.get_running_loop()
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            child = await self.starter.start(
                self.arguments, self._build_environment(width, height), (in_r, out_w, err_w)
            )
        except BaseException:
            for fd in (in_w, out_r, err_r):
                os.close(fd)
            raise
        finally:
            for fd in (in_r, out_w, err_w):
                os.close(fd)
        child.stdout = await _reader(loop, out_r)
        child.stderr = await _reader(loop, err_r)
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(in_w, "wb", buffering=0)
        )
        child.stdin = asyncio.StreamWriter(transport, protocol, None, loop)
        self._process = child
        self._stdin = child.stdin
        self.seat.attach(child)
        return child

    async def run(self) -> None:
        """Relay the app's output; when its process ends (quit, idle, a crash), the page hears of
        it at once instead of showing a screen that no longer answers."""
        try:
            await super().run()
        finally:
            with contextlib.suppress(Exception):
                await self.remote_close()

    async def end(self) -> None:
        """After the page closed: the app quits (drafts saved); a process that hangs is killed."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.stop(), timeout=END_SECONDS)
        process = self._process
        if process is not None and process.returncode is None:
            try:
                await asyncio.wait_for(process.wait(), timeout=END_SECONDS)
            except TimeoutError:
                log.warning("web session process %d did not end: killed", process.pid)
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()


async def _reader(loop: asyncio.AbstractEventLoop, fd: int) -> asyncio.StreamReader:
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd, "rb", buffering=0)
    )
    return reader


@web.middleware
async def _guarded(request: web.Request, handler: Any) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path in ("/", "/index.html"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self'; connect-src 'self' ws: wss:; worker-src 'self' blob:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        )
    return response


class StaffWeb(Server):
    """textual-serve's server, as one part of ``relaytui serve``."""

    def __init__(
        self,
        sessions: Sessions,
        *,
        db_url: str,
        environment: dict[str, str],
        host: str,
        port: int,
        public_url: str | None,
        title: str,
        starter: Spawner | FreshStart,
    ) -> None:
        super().__init__(
            "relaytui",
            host=host,
            port=port,
            title=title,
            public_url=public_url,
            statics_path=STATIC,
            templates_path=TEMPLATES,
        )
        self.sessions = sessions
        self.db_url = db_url
        self.environment = environment
        self.starter = starter
        self.services: set[SessionProcess] = set()

    def set_port(self, port: int) -> None:
        """The port the site listens on, once known (``--web-port 0``)."""
        self.port = port
        if self.public_url.endswith(":0"):
            self.public_url = self.public_url[:-2] + f":{port}"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    def initialize_logging(self) -> None:
        """The server logs through relaytui's logging (never a traceback's local variables)."""

    async def on_startup(self, app: web.Application) -> None:
        return None

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[_guarded])
        aiohttp_jinja2.setup(
            app,
            loader=jinja2.FileSystemLoader(self.templates_path),
            autoescape=jinja2.select_autoescape(default=True),
        )
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.static("/static", self.statics_path, show_index=False, name="static"),
            ]
        )
        return app

    def _page(self, request: web.Request) -> tuple[str, dict[str, str]]:
        language = browser_language(request.headers.get("Accept-Language")) or "en"
        with speaking(language):
            return language, {
                "lang": language,
                "title": _("Relay log"),
                "starting": _("Starting relaytui…"),
                "ended": _(
                    "The session has ended: you logged out, it was not used for a while, "
                    "or the server was restarted. Drafts of minutes are kept."
                ),
                "again": _("Start again"),
                "message": _(
                    "The server is full: {n} sessions are open. Try again in a few "
                    "minutes, or ask your IT department."
                ).format(n=self.sessions.limit),
                "stopping": _("The server is stopping; try again in a minute."),
            }

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        _language, page = self._page(request)
        if self.sessions.closing or self.sessions.full:
            if self.sessions.closing:
                page["message"] = page["stopping"]
            return aiohttp_jinja2.render_template("full.html", request, {"page": page}, status=503)
        font_size = max(8, min(32, to_int(request.query.get("fontsize", "16"), 16)))
        base = self.public_url.rstrip("/")
        socket = ("wss:" if base.startswith("https") else "ws:") + base.split(":", 1)[1] + "/ws"
        context = {
            "font_size": font_size,
            "app_websocket_url": socket,
            "config": {"static": {"url": base + "/static/"}},
            "page": page,
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        origin = request.headers.get("Origin")
        if origin is not None and origin.rstrip("/") != self.origin:
            log.warning("refused a websocket from the page of another site: %s", origin[:100])
            raise web.HTTPForbidden(text="wrong origin")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = max(20, min(1000, to_int(request.query.get("width", "80"), 80)))
        height = max(5, min(500, to_int(request.query.get("height", "24"), 24)))
        peer = peer_of(request)
        language, page = self._page(request)
        await websocket.prepare(request)
        seat = self.sessions.take("web", peer)
        if seat is None:
            text = page["stopping"] if self.sessions.closing else page["message"]
            await websocket.send_bytes(("\r\n  " + text + "\r\n").encode("utf-8"))
            await websocket.close()
            return websocket
        service = SessionProcess(
            arguments=session_arguments(self.db_url, via=f"web {peer}"),
            environment=session_environment(self.environment, RELAYTUI_LANG=language),
            seat=seat,
            starter=self.starter,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
        )
        self.services.add(service)
        try:
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:  # noqa: BLE001 - one session ends, the server goes on
            log.exception("a web session failed")
        finally:
            self.services.discard(service)
            await service.end()
            seat.release()
        return websocket
