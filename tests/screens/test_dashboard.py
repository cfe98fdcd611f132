"""The level dashboard: my figures, a leader's unit figures, and Enter on a figure."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from rich.text import Text

from relaytui.app import RelayApp
from relaytui.services import (
    clock,
    consent,
    dashboard,
    efforts,
    handover,
    log_list,
    logs,
    meetings,
)
from tests.factories import new_log
from tests.screens.reading import screen_text, wait_for
from tests.screens.signing_in import log_in, logged_in, town_with_passwords

SIZE = (120, 40)
SMALL = (80, 24)


@pytest.fixture
def busy_town(sqlite_store):
    """Anna holds Ida (level 0, no consent) and Ole (level 1, consent, an overdue evaluation, a
    meeting in 3 days); Bo holds Emil (level 0) and proposes Anna as its holder."""
    world = town_with_passwords(sqlite_store)
    store, anna, bo = world.store, world.ref("anna"), world.ref("bo")
    new_log(world)
    world.add_subject("Ole Hansen", date(2019, 3, 2), guardians=(("Sara Hansen", True),))
    ole = new_log(world, subject="Ole Hansen")
    consent.record_consent(
        store,
        anna,
        ole.id,
        consent.ConsentInput(
            giver="guardian", guardian_id=world.guardians["Sara Hansen"], method="signed_form"
        ),
    )
    logs.change_level(store, anna, ole.id, to_level=1, reason="Dialogue meeting agreed")
    today = clock.today("Europe/Copenhagen")
    efforts.add_effort(
        store,
        anna,
        ole.id,
        what="Breakfast at daycare",
        starts_on=today - timedelta(days=30),
        evaluate_on=today - timedelta(days=2),
        responsible_text="the home",
    )
    meetings.schedule(
        store, anna, ole.id, kind="dialogue", starts_at=clock.now() + timedelta(days=3)
    )
    world.add_subject("Emil Berg", date(2020, 8, 9), guardians=(("Tove Berg", True),))
    emil = new_log(world, holder="bo", subject="Emil Berg")
    handover.propose(store, bo, emil.id, to_staff_id=anna.id)
    world.logs = {"ole": ole, "emil": emil}
    return world


def loaded(app) -> bool:
    from relaytui.screens.dashboard import DashboardScreen

    screen = app.screen
    return (
        isinstance(screen, DashboardScreen)
        and screen.data is not None
        and bool(screen.query("Figure"))
    )


async def open_dashboard(pilot) -> None:
    await pilot.press("f3")
    await wait_for(pilot, lambda: loaded(pilot.app), "the dashboard")
    await pilot.pause()


def counts(app, prefix: str) -> dict[str, int]:
    """The figures shown for one scope, by the end of their id: {"level-0": 1, ...}."""
    from relaytui.screens.dashboard import Figure

    found = {}
    for figure in app.screen.query(Figure):
        if figure.id.startswith(prefix + "-"):
            shown = figure.render()
            plain = shown.plain if isinstance(shown, Text) else str(shown)
            found[figure.id[len(prefix) + 1 :]] = int(plain.split()[0])
    return found


async def test_my_figures(busy_town):
    world = busy_town
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await open_dashboard(pilot)
        mine = counts(app, "mine")
        assert mine == {
            "level-0": 1,
            "level-1": 1,
            "level-2": 0,
            "level-3": 0,
            "overdue-evaluations": 1,
            "meetings-next-14-days": 1,
            "pending-handovers": 0,
            "consent-missing": 1,
            "consent-expired": 0,
            "consent-withdrawn": 0,
            "consent-expiring": 0,
        }
        # The same as the service says.
        figures = dashboard.my_figures(world.store, world.ref("anna"))
        assert [mine[f"level-{n}"] for n in range(4)] == [
            figures.logs_per_level[n] for n in range(4)
        ]
        text = screen_text(app)
        assert "Logs you hold" in text
        # A level is a number and words, never colour alone.
        assert re.search(r"\b1 +0 +wonder and attention: analyse the concern", text)
        assert re.search(r"\b1 +1 +concern: dialogue meeting, local effort", text)
        assert "1  overdue evaluations" in text
        # Anna leads no unit: no unit figures, and no child is named.
        assert not [f for f in app.screen.query("Figure") if f.id.startswith("unit-")]
        assert "Ida Jensen" not in text and "Ole Hansen" not in text


async def test_a_leader_also_sees_the_units_figures(busy_town):
    world = busy_town
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "lene")
        await open_dashboard(pilot)
        daycare = world.units["daycare"]
        unit = counts(app, f"unit-{daycare}")
        assert unit["level-0"] == 2 and unit["level-1"] == 1 and unit["level-2"] == 0
        assert unit["pending-handovers"] == 1
        assert unit["overdue-evaluations"] == 1 and unit["meetings-next-14-days"] == 1
        assert unit["consent-missing"] == 2
        assert counts(app, "mine")["level-0"] == 0  # Lene holds no log herself
        assert "Logs in Solsikken daycare" in screen_text(app)
        [figures] = dashboard.unit_figures(world.store, world.ref("lene"))
        assert figures.scope == "Solsikken daycare"
        assert unit["level-0"] == figures.logs_per_level[0]


async def test_enter_on_overdue_opens_the_list_filtered_to_it(busy_town):
    from relaytui.screens.log_list import LogListScreen

    world = busy_town
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await open_dashboard(pilot)
        assert app.focused.id == "mine-level-0"
        await pilot.press("down", "down", "down", "down")
        assert app.focused.id == "mine-overdue-evaluations"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LogListScreen), "the log list")
        assert app.screen.log_query == log_list.LogQuery(role="holder", attention="overdue")
        await wait_for(pilot, lambda: app.screen.loaded, "the filtered list")
        assert [row.subject_name for row in app.screen.rows] == ["Ole Hansen"]
        # Escape goes back to the dashboard, still on the same figure.
        await pilot.press("escape")
        await wait_for(pilot, lambda: loaded(app), "the dashboard again")
        await wait_for(
            pilot,
            lambda: app.focused is not None and app.focused.id == "mine-overdue-evaluations",
            "the same figure",
        )


async def test_enter_on_a_unit_figure_filters_by_the_unit(busy_town):
    from relaytui.screens.log_list import LogListScreen

    world = busy_town
    app = RelayApp(world.store)
    async with app.run_test(size=SMALL) as pilot:
        await log_in(pilot, "lene")
        await open_dashboard(pilot)
        daycare = world.units["daycare"]
        target = f"unit-{daycare}-pending-handovers"
        for _ in range(30):
            if app.focused.id == target:
                break
            await pilot.press("down")
        assert app.focused.id == target
        # At 80x24 the focused figure is scrolled into view.
        assert "pending handovers" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LogListScreen), "the log list")
        assert app.screen.log_query == log_list.LogQuery(
            role="all", unit_id=daycare, attention="handover"
        )


async def test_a_level_figure_opens_that_level(busy_town):
    from relaytui.screens.log_list import LogListScreen

    world = busy_town
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await open_dashboard(pilot)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LogListScreen), "the log list")
        assert app.screen.log_query == log_list.LogQuery(role="holder", level=1)


async def test_the_figures_follow_a_change_when_coming_back(busy_town):
    world = busy_town
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await open_dashboard(pilot)
        assert counts(app, "mine")["level-2"] == 0
        logs.change_level(
            world.store,
            world.ref("anna"),
            world.logs["ole"].id,
            to_level=2,
            reason="Cross-disciplinary effort needed",
        )
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.current_mode == "logs", "the log list")
        await pilot.press("f3")
        await wait_for(
            pilot, lambda: loaded(app) and counts(app, "mine")["level-2"] == 1, "the new figure"
        )
        assert counts(app, "mine")["level-1"] == 0


async def test_the_dashboard_fits_80_by_24(busy_town):
    world = busy_town
    app = RelayApp(world.store)
    async with app.run_test(size=SMALL) as pilot:
        await log_in(pilot, "anna")
        await open_dashboard(pilot)
        text = screen_text(app)
        lines = text.splitlines()
        assert "consents about to expire" in text
        assert "Show these logs" in lines[-1]
        assert all(len(line.rstrip()) <= 80 for line in lines)
        # Too narrow for two columns: the attention figures come below, no meaning cut off.
        assert not app.screen.has_class("-wide")
        assert "3  strong concern: notification meeting with the family department" in text
        # Wide enough again, the two columns stand side by side.
        await pilot.resize_terminal(*SIZE)
        await wait_for(pilot, lambda: app.screen.has_class("-wide"), "two columns")
        await wait_for(
            pilot,
            lambda: re.search(r"department +\d+  logs without consent", screen_text(app)),
            "the columns side by side after the resize",
        )


# --- snapshots: the demo municipality on a fixed clock ---------------------------------------


def dashboard_of(username: str):
    """Log in as ``username`` (see the log list's snapshots) and open the dashboard with F3."""
    before = logged_in(username)

    async def run_before(pilot) -> None:
        await before(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: loaded(pilot.app), "the dashboard")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


def test_snapshot_anna_at_80x24(demo_store, snap_compare):
    assert snap_compare(RelayApp(demo_store), terminal_size=SMALL, run_before=dashboard_of("anna"))


def test_snapshot_anna_at_120x40(demo_store, snap_compare):
    assert snap_compare(RelayApp(demo_store), terminal_size=SIZE, run_before=dashboard_of("anna"))


def test_snapshot_leader_at_120x40(demo_store, snap_compare):
    assert snap_compare(RelayApp(demo_store), terminal_size=SIZE, run_before=dashboard_of("lene"))
