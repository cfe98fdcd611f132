"""Logging in with the national login (MitID through NemLog-in, ID-porten) over OpenID Connect:
the authorization code flow with PKCE and a nonce, through authlib's Starlette client.

The person is the national number in the ID token's claim (the country's by default). The
number is kept in the server's memory for the visit and never written down.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from relaytui.errors import DomainError
from relaytui.i18n import _
from relaytui.services import family, installation

if TYPE_CHECKING:
    from relaytui.server.family.site import FamilySite

log = logging.getLogger("relaytui.family")


class NationalLogin:
    """The routes /login, /login/done and /logout."""

    def __init__(self, site: FamilySite) -> None:
        self.site = site
        settings = site.settings
        self.oauth = OAuth()
        client_kwargs: dict[str, object] = {
            "scope": "openid profile",
            "code_challenge_method": "S256",
            "timeout": 20.0,
        }
        if settings.issuer_ca_file:
            client_kwargs["verify"] = settings.issuer_ca_file
        self.oauth.register(
            name="national",
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            server_metadata_url=settings.issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs=client_kwargs,
        )

    def routes(self) -> list[Route]:
        return [
            Route("/login", self.begin, methods=["GET"]),
            Route("/login/done", self.done, methods=["GET"]),
            Route("/logout", self.logout, methods=["POST"]),
        ]

    @property
    def client(self):
        return self.oauth.create_client("national")

    async def begin(self, request: Request) -> Response:
        back = self.site.settings.public_url.rstrip("/") + "/login/done"
        try:
            return await self.client.authorize_redirect(request, back)
        except Exception as exc:  # noqa: BLE001 - the provider is away: say so, log why
            log.warning("the national login does not answer: %s", type(exc).__name__)
            return self.site.page(
                request,
                "problem.html",
                503,
                problem=_(
                    "The login service ({login}) does not answer. Try again in a few minutes."
                ).format(login=self.site.login_name),
            )

    async def done(self, request: Request) -> Response:
        try:
            token = await self.client.authorize_access_token(request)
        except OAuthError as exc:
            log.info("a family login was not completed: %s", exc.error)
            return self._not_completed(request)
        except Exception as exc:  # noqa: BLE001 - an answer we cannot use
            log.warning("a family login failed: %s", type(exc).__name__)
            return self._not_completed(request)
        claims = dict(token.get("userinfo") or {})
        claim = (
            self.site.settings.number_claim
            or installation.read(self.site.store).country.number_claim
        )
        number = str(claims.get(claim) or "")
        name = str(
            claims.get("name")
            or " ".join(str(claims.get(part) or "") for part in ("given_name", "family_name"))
        )
        try:
            who = await self.site.call(request, family.identify, self.site.store, number, name)
            await self.site.call(request, family.sign_in, self.site.store, who)
        except DomainError as exc:
            return self.site.page(request, "problem.html", 403, problem=str(exc))
        response = self.site.go("/logs")
        self.site.start_visit(response, self.site.visits.begin(who))
        return response

    def _not_completed(self, request: Request) -> Response:
        return self.site.page(
            request,
            "problem.html",
            400,
            problem=_("The login was not completed. Start again from the front page."),
        )

    async def logout(self, request: Request) -> Response:
        from relaytui.server.family.site import VISIT_COOKIE

        visit, _ended = self.site.visit_of(request)
        form = await request.form()
        if visit is not None and (
            not self.site.same_origin(request)
            or not visit.form_token_matches(str(form.get("token") or ""))
        ):
            return self.site.page(
                request,
                "problem.html",
                403,
                visit=visit,
                problem=_("This form came from another page. Log out from the page itself."),
            )
        self.site.visits.end(request.cookies.get(VISIT_COOKIE))
        response = self.site.go("/?bye=1")
        response.delete_cookie(VISIT_COOKIE, path="/")
        return response
