"""Reading a closed log again (R10), in the app: a caseworker asks from the closed log's view,
an administrator grants from the command palette's screen, the reader sees the banner."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import select

from relaytui.app import RelayApp
from relaytui.i18n.formats import date_text
from relaytui.models import ReadGrant, ReadGrantRequest
from relaytui.services import clock, consent, grants, log_actors, log_closing, logs
from relaytui.services.consent import ConsentInput
from tests.factories import build_world, give_password
from tests.screens.reading import palette_offers, screen_text, wait_for

SIZE = (120, 40)


def make_town(store, profile: str):
    world = build_world(store, profile)
    for name in ("anna", "carl", "admin"):
        give_password(store, name, "demo")
    anna = world.ref("anna")
    log = logs.create_log(
        store, anna, subject_id=world.subjects["Ida Jensen"], concern="Ida is hungry."
    )
    given = consent.record_consent(
        store,
        anna,
        log.id,
        ConsentInput(
            giver="guardian",
            guardian_id=world.guardians["Mette Jensen"],
            method="oral",
            staff_ids=(world.ref("carl").id,),
        ),
    )
    log_actors.add_actor(store, anna, log.id, staff_id=world.ref("carl").id, consent_id=given.id)
    if profile == "no":
        log_closing.close_log(
            store, anna, log.id, basis="guardians_ended", reason="The mother ended it"
        )
    else:
        log_closing.close_log(
            store, anna, log.id, basis="colleagues", reason="Fine", consultation="Bo agreed"
        )
    tz = "Europe/Oslo" if profile == "no" else "Europe/Copenhagen"
    return SimpleNamespace(world=world, store=store, log=log, today=clock.today(tz))


@pytest.fixture
def dk_town(sqlite_store):
    return make_town(sqlite_store, "dk")


@pytest.fixture
def no_town(sqlite_store):
    return make_town(sqlite_store, "no")


def stored(dk_town, model):
    with dk_town.store.session() as session:
        return list(session.exec(select(model)).all())


async def log_in(pilot, username: str) -> None:
    app = pilot.app
    await pilot.press(*username, "enter", *"demo", "enter")
    await wait_for(
        pilot, lambda: app.staff is not None and app.current_mode == "logs", "the log list"
    )
    await pilot.pause()


async def open_requests(pilot):
    from relaytui.screens.read_grants import ReadGrantsScreen

    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: app.screen.id == "--command-palette", "the palette")
    await pilot.press(*"requests to read")
    await wait_for(
        pilot, lambda: palette_offers(app, "requests to read"), "the command in the palette"
    )
    await pilot.press("enter")
    await wait_for(
        pilot,
        lambda: (
            isinstance(app.screen, ReadGrantsScreen)
            and not app.screen.query_one("#grants-table").loading
        ),
        "the requests",
    )
    await pilot.pause()


async def open_give_dialog(pilot):
    from relaytui.screens.read_grants import GiveGrantDialog

    app = pilot.app
    await pilot.press("g")
    await wait_for(
        pilot,
        lambda: (
            isinstance(app.screen, GiveGrantDialog)
            and app.screen.inst is not None
            and not app.screen.busy
        ),
        "the grant dialog",
    )
    await pilot.pause()
    return app.screen


async def test_the_administrator_grants_from_the_palette_and_the_reader_sees_the_banner(dk_town):
    grants.request_read(
        dk_town.store, dk_town.world.ref("carl"), dk_town.log.id, reason="A new concern about Ida"
    )
    app = RelayApp(dk_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin")
        await open_requests(pilot)
        text = screen_text(app)
        assert "Carl Dahl" in text and "A new concern about Ida" in text and "Ida Jensen" in text
        dialog = await open_give_dialog(pilot)
        await pilot.press(*"The court asked for it")
        await pilot.press(
            "tab", "ctrl+u", *(dk_town.today - timedelta(days=1)).isoformat(), "ctrl+s"
        )
        await wait_for(pilot, lambda: dialog.query_one(".dialog-error").display, "the refusal")
        assert "has passed" in str(dialog.query_one(".dialog-error").render())
        assert stored(dk_town, ReadGrant) == []
        until = dk_town.today + timedelta(days=20)
        await pilot.press("ctrl+u", *until.isoformat(), "ctrl+s")
        await wait_for(
            pilot,
            lambda: app.screen is not dialog and not app.screen.query_one("#grants-table").loading,
            "the list again",
        )
        assert [r.status for r in stored(dk_town, ReadGrantRequest)] == ["granted"]
        assert "No request waits" in screen_text(app)

    from relaytui.screens.log_view import LogViewScreen

    app = RelayApp(dk_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "carl")
        await app.push_screen(LogViewScreen(dk_town.log.id))
        await wait_for(pilot, lambda: app.screen.detail is not None, "the closed log")
        await pilot.pause()
        text = screen_text(app)
        assert (
            f"You read this closed log with a permission until {date_text(until)}, given by Ada Admin."
            in " ".join(text.split())
        )
        assert "Ida Jensen" in text


async def test_a_caseworker_asks_from_the_closed_logs_view(dk_town):
    from relaytui.screens.log_view import LogViewScreen
    from relaytui.screens.read_grants import RequestReadDialog

    app = RelayApp(dk_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await app.push_screen(LogViewScreen(dk_town.log.id))
        await wait_for(pilot, lambda: app.screen.refused is not None, "the refusal")
        await pilot.pause()
        assert "press g to ask" in screen_text(app)
        assert "Ida is hungry" not in screen_text(app)
        await pilot.press("g")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, RequestReadDialog) and not app.screen.busy,
            "the request dialog",
        )
        dialog = app.screen
        await pilot.press("enter")  # no reason yet
        await wait_for(pilot, lambda: dialog.query_one(".dialog-error").display, "the refusal")
        assert stored(dk_town, ReadGrantRequest) == []
        await pilot.press(*"The school asks about Ida", "enter")
        await wait_for(pilot, lambda: app.screen is not dialog, "the dialog closing")
        requests = stored(dk_town, ReadGrantRequest)
        assert [(r.staff_id, r.reason, r.status) for r in requests] == [
            (dk_town.world.ref("anna").id, "The school asks about Ida", "pending")
        ]


async def test_closed_logs_from_the_palette_ask_and_show_the_state(dk_town):
    from relaytui.screens.read_grants import ClosedLogsScreen, RequestReadDialog

    app = RelayApp(dk_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "carl")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: app.screen.id == "--command-palette", "the palette")
        await pilot.press(*"closed logs")
        await wait_for(
            pilot, lambda: palette_offers(app, "closed logs"), "the command in the palette"
        )
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ClosedLogsScreen) and app.screen.logs,
            "the closed logs",
        )
        await pilot.pause()
        assert "Ida Jensen" in screen_text(app)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, RequestReadDialog) and not app.screen.busy,
            "the request dialog",
        )
        await pilot.press(*"A new concern", "ctrl+s")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, ClosedLogsScreen) and "asked, waiting" in screen_text(app)
            ),
            "the request shown",
        )
    assert len(stored(dk_town, ReadGrantRequest)) == 1


async def test_no_the_grant_dialog_asks_for_the_guardians_approval(no_town):
    dk_town = no_town
    grants.request_read(dk_town.store, dk_town.world.ref("carl"), dk_town.log.id, reason="Ny uro")
    app = RelayApp(dk_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin")
        await open_requests(pilot)
        dialog = await open_give_dialog(pilot)
        assert dialog.query_one("#grant-approval").display
        await pilot.press(*"Barnevernet spør", "ctrl+s")
        await wait_for(pilot, lambda: dialog.query_one(".dialog-error").display, "the refusal")
        assert "approval" in str(dialog.query_one(".dialog-error").render())
        assert stored(dk_town, ReadGrant) == []
        dialog.query_one("#grant-approved-by").focus()
        await pilot.press(*"Mette Jensen", "ctrl+s")
        await wait_for(pilot, lambda: app.screen is not dialog, "the dialog closing")
    grant = stored(dk_town, ReadGrant)[0]
    assert (grant.approved_by, grant.approval_method, grant.approved_on) == (
        "Mette Jensen",
        "oral",
        dk_town.today,
    )
