"""The family view as a Starlette application: its settings, its pages and its guards.

Every page is rendered on the server (Jinja2, escaped: text from the database is text). The
two forms (ending the log, answering a transition) and logout carry the visit's token and are
refused from another origin. Pages are never cached, never framed, and run no script.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from relaytui.db import Store
from relaytui.errors import DomainError, NotAllowed
from relaytui.i18n import LANGUAGE_NAMES, LANGUAGES, _, formats, speaking
from relaytui.server.family.visits import Visit, Visits
from relaytui.services import audit, installation

log = logging.getLogger("relaytui.family")

HERE = Path(__file__).parent
#: The cookie that carries the visit's key (and, apart, the login's state and the language).
VISIT_COOKIE = "relaytui_family"
LANGUAGE_COOKIE = "relaytui_family_language"
LOGIN_COOKIE = "relaytui_family_login"

HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Never to another site; "no-referrer" would make the browser send "Origin: null" with our
    # own forms, which the origin check then refuses.
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


@dataclass(frozen=True)
class FamilySettings:
    """How ``relaytui serve`` was asked to run the family view."""

    #: The address families type (https://familie.kommune.dk); the login comes back to it.
    public_url: str
    #: The national login's OpenID Connect issuer, and this municipality's client there.
    issuer: str
    client_id: str
    client_secret: str
    #: The ID token's claim that carries the national number ("" = the country's).
    number_claim: str = ""
    #: A private CA the server trusts for the issuer (tests, a municipal proxy).
    issuer_ca_file: str | None = None

    @property
    def secure(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["_"] = lambda message: _(message)
    env.globals["action_label"] = lambda action: audit.action_label(action)
    return env


class FamilySite:
    """The pages, over one store, with the visits in memory."""

    def __init__(self, store: Store, settings: FamilySettings, visits: Visits | None = None):
        from relaytui.server.family import login, pages

        self.store = store
        self.settings = settings
        self.visits = visits or Visits()
        self.templates = _environment()
        self.login = login.NationalLogin(self)
        self.app = Starlette(
            routes=[
                *pages.routes(self),
                *self.login.routes(),
                Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
            ],
            middleware=[
                # The login's state and nonce only (a few minutes), apart from the visit.
                Middleware(
                    SessionMiddleware,
                    secret_key=_secret(),
                    session_cookie=LOGIN_COOKIE,
                    max_age=600,
                    same_site="lax",
                    https_only=settings.secure,
                ),
            ],
            exception_handlers={DomainError: self._refused, Exception: self._failed},
        )

    # --- languages and pages ----------------------------------------------------------

    def language(self, request: Request) -> str:
        """The language asked for (the switch), else the browser's, else the country's."""
        from relaytui.server.web import browser_language

        chosen = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
        if chosen in LANGUAGES:
            return chosen
        return browser_language(request.headers.get("Accept-Language")) or "en"

    def page(
        self,
        request: Request,
        template: str,
        status: int = 200,
        *,
        visit: Visit | None = None,
        **context: Any,
    ) -> HTMLResponse:
        language = self.language(request)
        inst = installation.read(self.store)
        with speaking(language):
            body = self.templates.get_template(template).render(
                lang=language,
                languages=LANGUAGE_NAMES,
                path=request.url.path,
                visit=visit,
                municipality=inst.municipality or "",
                login_name=inst.country.national_login,
                tz=inst.timezone,
                fmt=formats,
                **context,
            )
        response = HTMLResponse(body, status_code=status, headers=HEADERS)
        if request.query_params.get("lang") in LANGUAGES:
            response.set_cookie(
                LANGUAGE_COOKIE,
                language,
                max_age=365 * 86400,
                httponly=True,
                secure=self.settings.secure,
                samesite="lax",
            )
        return response

    @property
    def login_name(self) -> str:
        return installation.read(self.store).country.national_login

    def go(self, where: str) -> RedirectResponse:
        return RedirectResponse(where, status_code=303, headers=HEADERS)

    def visit_of(self, request: Request) -> tuple[Visit | None, bool]:
        return self.visits.find(request.cookies.get(VISIT_COOKIE))

    def start_visit(self, response: Response, key: str) -> None:
        response.set_cookie(
            VISIT_COOKIE,
            key,
            httponly=True,
            secure=self.settings.secure,
            samesite="lax",
            path="/",
        )

    def same_origin(self, request: Request) -> bool:
        """A form posted from a page of this site (Origin, else Referer, must be ours)."""
        origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
        if not origin or origin == "null":
            return False
        parts = urlsplit(origin)
        return f"{parts.scheme}://{parts.netloc}" == self.settings.origin

    async def call(self, request: Request, work: Callable[..., Any], *args: Any, **kw: Any):
        """A service call in a worker thread, speaking the page's language."""
        language = self.language(request)

        def spoken() -> Any:
            with speaking(language):
                return work(*args, **kw)

        return await run_in_threadpool(spoken)

    async def _refused(self, request: Request, exc: Exception) -> Response:
        """A rule or an access check said no: the page says it in words."""
        visit, _ended = self.visit_of(request)
        status = 403 if isinstance(exc, NotAllowed) else 400
        return self.page(request, "problem.html", status, visit=visit, problem=str(exc))

    async def _failed(self, request: Request, exc: Exception) -> Response:
        """No traceback reaches a family: the failure is logged, and a plain page says that
        something went wrong."""
        log.error("a family page failed", exc_info=exc)
        return self.page(
            request,
            "problem.html",
            500,
            problem=_("Something went wrong on our side. Try again in a moment."),
        )


def _secret() -> str:
    import secrets

    return secrets.token_urlsafe(32)
