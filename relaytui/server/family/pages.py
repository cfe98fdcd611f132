"""The family view's pages: the front page, my logs, one log, its copy as PDF, ending the log
(Norway) and answering a transition. Each page view is recorded by the service it calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from relaytui.i18n import _, speaking
from relaytui.server.family.visits import Visit
from relaytui.services import family

if TYPE_CHECKING:
    from relaytui.server.family.site import FamilySite


def routes(site: FamilySite) -> list[Route]:
    pages = Pages(site)
    return [
        Route("/", pages.front, methods=["GET"]),
        Route("/logs", pages.my_logs, methods=["GET"]),
        Route("/logs/{log_id:int}", pages.one_log, methods=["GET"]),
        Route("/logs/{log_id:int}/copy.pdf", pages.copy, methods=["GET"]),
        Route("/logs/{log_id:int}/end", pages.end_asked, methods=["GET"]),
        Route("/logs/{log_id:int}/end", pages.end, methods=["POST"]),
        Route("/transitions/{request_id:int}", pages.answer, methods=["POST"]),
    ]


class Pages:
    def __init__(self, site: FamilySite) -> None:
        self.site = site

    def _visitor(self, request: Request) -> tuple[Visit | None, Response | None]:
        """The visit, or the front page that says why the person must log in (again)."""
        visit, ended = self.site.visit_of(request)
        if visit is None:
            return None, self.site.go("/?ended=1" if ended else "/")
        return visit, None

    async def _form(self, request: Request, visit: Visit) -> dict[str, str] | Response:
        """The posted form, if it came from our own page with this visit's token."""
        form = await request.form()
        fields = {key: str(value) for key, value in form.items()}
        if not self.site.same_origin(request) or not visit.form_token_matches(fields.get("token")):
            return self.site.page(
                request,
                "problem.html",
                403,
                visit=visit,
                problem=_(
                    "This form came from another page, or the page was too old. Open the log "
                    "again and use the form there."
                ),
            )
        return fields

    async def front(self, request: Request) -> Response:
        visit, _ended = self.site.visit_of(request)
        if visit is not None:
            return self.site.go("/logs")
        notice = ""
        if request.query_params.get("ended"):
            notice = _("You were logged out after 15 minutes without use. Log in again.")
        elif request.query_params.get("bye"):
            notice = _("You are logged out. Close the browser if others use this device.")
        elif _ended:
            notice = _("You were logged out after 15 minutes without use. Log in again.")
        return self.site.page(request, "front.html", notice=notice)

    async def my_logs(self, request: Request) -> Response:
        visit, away = self._visitor(request)
        if visit is None:
            return away  # type: ignore[return-value]
        lines = await self.site.call(request, family.my_logs, self.site.store, visit.who)
        return self.site.page(request, "logs.html", visit=visit, lines=lines)

    async def one_log(self, request: Request) -> Response:
        visit, away = self._visitor(request)
        if visit is None:
            return away  # type: ignore[return-value]
        found = await self.site.call(
            request, family.read_log, self.site.store, visit.who, request.path_params["log_id"]
        )
        from relaytui.documents import content

        with speaking(self.site.language(request)):
            document = content.guardian_copy(found.copy)
        return self.site.page(
            request,
            "log.html",
            visit=visit,
            log=found,
            paper=found.copy,
            document=document,
            done=request.query_params.get("done", ""),
        )

    async def copy(self, request: Request) -> Response:
        visit, away = self._visitor(request)
        if visit is None:
            return away  # type: ignore[return-value]
        from relaytui.documents import render

        log_id = request.path_params["log_id"]
        paper = await self.site.call(
            request, family.copy_of_log, self.site.store, visit.who, log_id
        )
        body = await self.site.call(request, render, paper, "pdf")
        from relaytui.server.family.site import HEADERS

        return Response(
            body,
            media_type="application/pdf",
            headers={
                **HEADERS,
                "Content-Disposition": f'attachment; filename="relay-log-{log_id}.pdf"',
            },
        )

    async def end_asked(self, request: Request) -> Response:
        visit, away = self._visitor(request)
        if visit is None:
            return away  # type: ignore[return-value]
        found = await self.site.call(
            request, family.read_log, self.site.store, visit.who, request.path_params["log_id"]
        )
        if not found.may_end:
            return self.site.go(f"/logs/{found.copy.log_id}")
        return self.site.page(
            request, "end.html", visit=visit, log=found, paper=found.copy, problem="", reason=""
        )

    async def end(self, request: Request) -> Response:
        visit, away = self._visitor(request)
        if visit is None:
            return away  # type: ignore[return-value]
        fields = await self._form(request, visit)
        if isinstance(fields, Response):
            return fields
        log_id = request.path_params["log_id"]
        if fields.get("sure") != "yes":
            found = await self.site.call(
                request, family.read_log, self.site.store, visit.who, log_id
            )
            return self.site.page(
                request,
                "end.html",
                400,
                visit=visit,
                log=found,
                paper=found.copy,
                problem=_("Tick the box to confirm that you want to end the relay log."),
                reason=fields.get("reason", ""),
            )
        await self.site.call(
            request,
            family.end_log,
            self.site.store,
            visit.who,
            log_id,
            reason=fields.get("reason", ""),
        )
        return self.site.go(f"/logs/{log_id}?done=ended")

    async def answer(self, request: Request) -> Response:
        visit, away = self._visitor(request)
        if visit is None:
            return away  # type: ignore[return-value]
        fields = await self._form(request, visit)
        if isinstance(fields, Response):
            return fields
        choice = fields.get("answer")
        if choice not in ("accept", "decline"):
            return self.site.page(
                request,
                "problem.html",
                400,
                visit=visit,
                problem=_("Choose yes or no."),
            )
        request_id = request.path_params["request_id"]
        status = await self.site.call(
            request,
            family.answer_transition,
            self.site.store,
            visit.who,
            request_id,
            accept=choice == "accept",
        )
        log_id = fields.get("log", "")
        where = f"/logs/{int(log_id)}" if log_id.isdigit() else "/logs"
        return self.site.go(f"{where}?done={status}")
