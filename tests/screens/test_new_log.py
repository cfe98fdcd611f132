"""Starting a relay log, key by key: the number checked as typed (R15), one log per subject (R1),
registering a subject with its guardians, and the start level of each profile (R2, R4, R6)."""

from __future__ import annotations

import sys
import types
from datetime import date

import pytest
from textual.screen import Screen
from textual.widgets import Input, RadioSet, Static, TextArea

from relaytui.app import RelayApp
from relaytui.services import clock, consent, log_list, logs, subjects
from tests.factories import build_world, national_number
from tests.screens.reading import screen_text, wait_for
from tests.screens.starting_a_log import NEW_CPR, check_line, open_new_log

SIZE = (120, 40)
SMALL = (80, 24)
MARKUP_NAME = "[bold red]Alma[/] Hansen"


@pytest.fixture
def log_view_screen(monkeypatch):
    """A stand-in for the log view, which has its own tests (and is being built beside this
    screen): here it is enough that the new-log screen hands over to ``LogViewScreen(new_id)``."""

    class LogViewScreen(Screen):
        def __init__(self, log_id: int) -> None:
            super().__init__()
            self.log_id = log_id

    module = types.ModuleType("relaytui.screens.log_view")
    module.LogViewScreen = LogViewScreen
    monkeypatch.setitem(sys.modules, "relaytui.screens.log_view", module)
    return LogViewScreen


def ida_number(world) -> str:
    """Ida Jensen's full number: the first subject build_world registers (serial 1)."""
    return national_number(world.profile, date(2021, 5, 17), 1)


async def focus_on(pilot, selector: str, limit: int = 40) -> None:
    """Tab (as a user would) until ``selector`` has the focus."""
    target = pilot.app.screen.query_one(selector)
    for _ in range(limit):
        if pilot.app.focused is target:
            return
        await pilot.press("tab")
    raise AssertionError(f"tab never reached {selector}; focus is on {pilot.app.focused!r}")


def error_line(screen) -> str:
    error = screen.query_one("#newlog-error", Static)
    return str(error.render()) if error.display else ""


async def look_up(pilot, screen, number: str, stage: str) -> None:
    await pilot.press(*number, "enter")
    await wait_for(pilot, lambda: screen.stage == stage and not screen.busy, f"the {stage} step")
    await pilot.pause()


# --- the national number (R15) -------------------------------------------------------------


@pytest.mark.rule("R15")
async def test_an_invalid_number_is_explained_while_typing_and_not_looked_up(sqlite_store):
    world = build_world(sqlite_store, "dk")
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_log(pilot, world)
        assert "10 digits" in check_line(screen)
        await pilot.press(*"0101154")
        # The part that is wrong, and no partial number shown as if it were a masked one.
        assert "0101154" not in check_line(screen) and "010115-****" not in check_line(screen)
        assert "The number has 7 digits, not 10. Type a Danish CPR number" in check_line(screen)
        assert screen.query_one("#newlog-number-check").has_class("-invalid")
        await pilot.press(*"123")
        assert check_line(screen).endswith("Valid, born 2015-01-01")
        await pilot.press("home", "delete", "4")  # the 41st of January
        assert "The day (41) is wrong" in check_line(screen)
        await pilot.press("enter")
        await pilot.pause()
        assert (
            "The day (41) is wrong: the first two digits are the day, 01 to 31. "
            "Type a Danish CPR number: 10 digits, DDMMYY-NNNN."
        ) in error_line(screen)
        assert screen.stage == "lookup"
        assert not screen.query_one("#newlog-subject-form").display
        assert not screen.query_one("#newlog-log-form").display
        assert screen.query_one("#newlog-number", Input).value == "4101154123"
    assert subjects.find_subject(sqlite_store, world.ref("anna"), NEW_CPR) is None


async def test_the_norwegian_number_is_checked_by_its_own_rules(sqlite_store):
    world = build_world(sqlite_store, "no")
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_log(pilot, world)
        await pilot.press(*"0101154123")
        assert "Norwegian national identity number" in check_line(screen)
        await pilot.press("ctrl+u", *ida_number(world))
        assert check_line(screen).endswith("Valid, born 2021-05-17")


@pytest.mark.rule("R15")
async def test_a_norwegian_refusal_names_the_control_digits_and_the_month(sqlite_store):
    world = build_world(sqlite_store, "no")
    number = ida_number(world)
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_log(pilot, world)
        await pilot.press(*number[:-1], str((int(number[-1]) + 1) % 10))
        assert "control digits (the last two) do not match" in check_line(screen)
        await pilot.press("ctrl+u", *number[:2], *"13", *number[4:])
        assert "The month (13) is wrong" in check_line(screen)
        assert screen.query_one("#newlog-number-check").has_class("-invalid")


@pytest.mark.rule("R15")
async def test_an_adult_is_warned_about_and_the_log_can_still_be_created(
    sqlite_store, log_view_screen
):
    world = build_world(sqlite_store, "dk")
    born = date(2000, 3, 4)
    number = national_number("dk", born, 77)
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_log(pilot, world)
        await pilot.press(*number)
        age = clock.today().year - 2000 - (clock.today() < clock.today().replace(month=3, day=4))
        assert "Valid, born 2000-03-04" in check_line(screen)
        assert f"The subject is {age} years old, an adult" in check_line(screen)
        assert not screen.query_one("#newlog-number-check").has_class("-invalid")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: screen.stage == "subject" and not screen.busy, "the subject step"
        )
        await pilot.press(*"Line Mørk")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.stage == "log" and not screen.busy, "the log step")
        await pilot.pause()
        summary = str(screen.query_one("#newlog-subject", Static).render())
        assert "an adult" in summary
        await pilot.press(*"She says she sleeps in the stairwell.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, log_view_screen), "the new log")
    found = subjects.find_subject(sqlite_store, world.ref("anna"), number)
    assert found is not None and found.active_log is not None


# --- a new subject, with guardians, and its log ---------------------------------------------


async def test_an_unknown_subject_is_registered_and_its_log_created(sqlite_store, log_view_screen):
    world = build_world(sqlite_store, "dk")
    anna = world.ref("anna")
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_log(pilot, world)
        await look_up(pilot, screen, NEW_CPR, "subject")
        assert app.focused is screen.query_one("#newlog-name")
        assert "Not registered yet" in screen_text(app)
        await pilot.press(*MARKUP_NAME, "enter")
        # The kind: a young person (the second choice).
        assert app.focused is screen.query_one("#newlog-kind")
        await pilot.press("down", "enter")
        # Two guardians: one with custody, one without.
        await focus_on(pilot, "#newlog-guardian-name")
        await pilot.press(*"Mette Hansen", "tab", *"mother", "tab", *"11 22 33 44", "enter")
        await pilot.press(*"Jens Hansen", "tab", *"father", "tab", "tab", "space", "tab", "enter")
        await pilot.pause()
        assert len(screen.guardians) == 2
        text = screen_text(app)
        assert "Mette Hansen · mother · 11 22 33 44 · custody" in text
        assert "Jens Hansen · father · no custody" in text
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.stage == "log", "the log step")
        await pilot.pause()
        text = screen_text(app)
        assert MARKUP_NAME in text and "010115-****" in text
        assert "In Denmark a relay log always starts at level 0" in text
        assert app.focused is screen.query_one("#newlog-concern", TextArea)
        await pilot.press(*"Comes to school without food.")
        # The trigger: well-being scheme, yellow (the first category).
        await focus_on(pilot, "#newlog-trigger")
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, log_view_screen), "the new log opened")
        new_id = app.screen.log_id
    [row] = [r for r in log_list.list_logs(sqlite_store, anna) if r.id == new_id]
    assert (row.subject_name, row.level, row.status, row.holder_name) == (
        MARKUP_NAME,
        0,
        "active",
        "Anna Holm",
    )
    detail = logs.get_log(sqlite_store, anna, new_id)
    assert detail.concern == "Comes to school without food."
    assert detail.trigger == "wellbeing_yellow"
    assert detail.subject_kind == "youth"
    subject = subjects.find_subject(sqlite_store, anna, NEW_CPR)
    assert [(g.name, g.relation, g.phone, g.has_custody) for g in subject.guardians] == [
        ("Mette Hansen", "mother", "11 22 33 44", True),
        ("Jens Hansen", "father", "", False),
    ]


async def test_a_guardians_e_mail_and_number_are_typed_for_the_familys_login(sqlite_store):
    world = build_world(sqlite_store, "dk")
    mothers = national_number("dk", date(1985, 3, 12), 123)
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_log(pilot, world)
        await look_up(pilot, screen, NEW_CPR, "subject")
        await pilot.press(*"Alma Hansen")
        await focus_on(pilot, "#newlog-guardian-name")
        await pilot.press(*"Mette Hansen")
        await focus_on(pilot, "#newlog-guardian-email")
        await pilot.press(*"mette@example.dk", "tab", *mothers[:7], "enter")
        # A number cut short: said at once, under the form, and the guardian is not listed.
        await wait_for(pilot, lambda: error_line(screen), "the hint")
        assert "Mette Hansen's national number: The number has 7 digits, not 10." in error_line(
            screen
        )
        assert screen.guardians == []
        assert app.focused is screen.query_one("#newlog-guardian-number")
        await pilot.press(*mothers[7:], "enter")
        await pilot.pause()
        assert len(screen.guardians) == 1 and not error_line(screen)
        assert "Mette Hansen · mette@example.dk · custody · can read online" in screen_text(app)
        assert mothers not in screen_text(app)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.stage == "log", "the log step")
        assert "Mette Hansen · custody · can read online" in screen_text(app)
    [mette] = subjects.find_subject(sqlite_store, world.ref("anna"), NEW_CPR).guardians
    assert mette.email == "mette@example.dk" and mette.has_national_number
    assert mette.national_number_masked == subjects.mask(mothers)


async def test_a_guardian_typed_but_not_added_still_counts_and_one_can_be_removed(sqlite_store):
    world = build_world(sqlite_store, "dk")
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_log(pilot, world)
        await look_up(pilot, screen, NEW_CPR, "subject")
        await pilot.press(*"Alma Hansen")
        await focus_on(pilot, "#newlog-guardian-name")
        await pilot.press(*"Wrong Person", "enter")
        await focus_on(pilot, "#newlog-guardian-list")
        await pilot.press("delete")
        await pilot.pause()
        assert screen.guardians == []
        assert "Wrong Person" not in screen_text(app)
        await focus_on(pilot, "#newlog-guardian-name")
        await pilot.press(*"Mette Hansen")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.stage == "log", "the log step")
    subject = subjects.find_subject(sqlite_store, world.ref("anna"), NEW_CPR)
    assert [g.name for g in subject.guardians] == ["Mette Hansen"]


async def test_refusals_are_shown_in_place_and_keep_what_was_typed(sqlite_store):
    world = build_world(sqlite_store, "dk")
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_log(pilot, world)
        await look_up(pilot, screen, NEW_CPR, "subject")
        # No name: the service says what to do, the guardian typed stays.
        await focus_on(pilot, "#newlog-guardian-name")
        await pilot.press(*"Mette Hansen")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: error_line(screen), "the refusal")
        assert "Type the subject's name." in error_line(screen)
        assert screen.stage == "subject"
        assert screen.query_one("#newlog-guardian-name", Input).value == "Mette Hansen"
        await focus_on(pilot, "#newlog-name")
        await pilot.press(*"Alma Hansen", "ctrl+s")
        await wait_for(pilot, lambda: screen.stage == "log", "the log step")
        # No concern: refused, nothing created.
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: error_line(screen), "the refusal")
        assert "Write down the concern: what have you seen or heard?" in error_line(screen)
        assert screen.stage == "log"
    assert log_list.list_logs(sqlite_store, world.ref("anna")) == []


# --- one log per subject (R1) ---------------------------------------------------------------


@pytest.mark.rule("R1")
async def test_an_existing_log_names_its_holder_and_goes_no_further(sqlite_store):
    world = build_world(sqlite_store, "dk")
    logs.create_log(
        sqlite_store,
        world.ref("anna"),
        subject_id=world.subjects["Ida Jensen"],
        concern="Secret worry about the family.",
    )
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_log(pilot, world, "carl")
        await look_up(pilot, screen, ida_number(world), "holder")
        text = screen_text(app)
        assert "already has a relay log" in text
        assert "Anna Holm" in text
        assert "Solsikken daycare" in text
        assert "+45 2222 3333" in text and "anna@example.invalid" in text
        assert "Secret worry" not in text
        assert not screen.query_one("#newlog-subject-form").display
        assert not screen.query_one("#newlog-log-form").display
        assert "Create relay log" not in text and "Register subject" not in text
        # No key leads on: Save is not offered and does nothing.
        assert "newlog.save" not in {b.binding.id for b in screen.active_bindings.values()}
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen.stage == "holder" and app.screen is screen
    assert [r.subject_name for r in log_list.list_logs(sqlite_store, world.ref("carl"))] == []


# --- the start level by profile (R2, R4, R6) ------------------------------------------------


@pytest.mark.rule("R4")
async def test_in_norway_the_log_starts_at_level_1_with_the_consent_given_now(
    sqlite_store, log_view_screen
):
    world = build_world(sqlite_store, "no")
    anna = world.ref("anna")
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_log(pilot, world)
        await look_up(pilot, screen, ida_number(world), "log")
        text = screen_text(app)
        assert "Ida Jensen" in text
        assert "effort within one service — with the consent given now" in text
        assert screen.query_one("#newlog-consent").display
        # The giver is the guardian with custody, unless chosen otherwise.
        giver = screen.query_one("#newlog-giver", RadioSet)
        assert screen.givers[giver.pressed_index] == ("guardian", world.guardians["Mette Jensen"])
        await pilot.press(*"Ida is often sad and tired.")
        await focus_on(pilot, "#newlog-method")
        await pilot.press("enter")  # signed paper form
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, log_view_screen), "the new log opened")
        new_id = app.screen.log_id
    detail = logs.get_log(sqlite_store, anna, new_id)
    assert (detail.level, detail.consent_state) == (1, "ok")
    [view] = consent.list_consents(sqlite_store, anna, new_id)
    assert (view.giver_name, view.method, view.covers_log) == ("Mette Jensen", "signed_form", True)


@pytest.mark.rule("R6")
async def test_in_norway_a_guardian_without_custody_is_not_offered_as_giver(sqlite_store):
    world = build_world(sqlite_store, "no")
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_log(pilot, world)
        await look_up(pilot, screen, ida_number(world), "log")
        # Peter Jensen (no custody) is among the guardians, not among the givers.
        assert "Peter Jensen" in str(screen.query_one("#newlog-subject").render())
        assert screen.givers == [("guardian", world.guardians["Mette Jensen"])]
        assert len(screen.query_one("#newlog-giver", RadioSet).query("RadioButton")) == 1


@pytest.mark.rule("R6")
async def test_in_norway_a_young_person_of_age_consents_for_themself(sqlite_store, log_view_screen):
    world = build_world(sqlite_store, "no")
    today = clock.today("Europe/Oslo")
    born = today.replace(year=today.year - 17, day=1)
    world.add_subject("Sara Berg", born, kind="youth")
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_log(pilot, world)
        await look_up(pilot, screen, national_number("no", born, world.serial), "log")
        giver = screen.query_one("#newlog-giver", RadioSet)
        # She alone decides: her guardians are not offered (R6).
        assert screen.givers == [("subject", None)] and giver.pressed_index == 0
        assert "Sara Berg themself" in screen_text(app)
        await pilot.press(*"Worried.")
        await focus_on(pilot, "#newlog-method")
        await pilot.press("down", "enter")  # digital
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, log_view_screen), "the new log opened")
        new_id = app.screen.log_id
    [view] = consent.list_consents(sqlite_store, world.ref("anna"), new_id)
    assert (view.giver_kind, view.giver_name, view.method) == ("subject", "Sara Berg", "digital")


async def test_in_norway_level_0_clarifies_a_concern_without_consent(sqlite_store, log_view_screen):
    world = build_world(sqlite_store, "no")
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new_log(pilot, world)
        await look_up(pilot, screen, ida_number(world), "log")
        await pilot.press(*"Not sure yet.")
        await focus_on(pilot, "#newlog-level")
        await pilot.press("down", "enter")
        await pilot.pause()
        assert not screen.query_one("#newlog-consent").display
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, log_view_screen), "the new log opened")
        new_id = app.screen.log_id
    detail = logs.get_log(sqlite_store, world.ref("anna"), new_id)
    assert (detail.level, detail.consent_state) == (0, "missing")


# --- 80x24 ----------------------------------------------------------------------------------


def inside_screen(app, selector: str) -> bool:
    """Fully in view: inside the scrolling body (so neither under the refusal nor the footer)."""
    region = app.screen.query_one(selector).region
    body = app.screen.query_one("#newlog-body").region
    return region.height > 0 and body.contains_region(region) and body.right <= app.size.width


async def test_every_step_fits_in_80_by_24(sqlite_store):
    world = build_world(sqlite_store, "no")
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_new_log(pilot, world)
        await look_up(pilot, screen, "0101154", "lookup")
        await pilot.press("ctrl+u", *national_number("no", date(2015, 1, 1), 7), "enter")
        await wait_for(pilot, lambda: screen.stage == "subject", "the subject step")
        for selector in (
            "#newlog-name",
            "#newlog-kind",
            "#newlog-guardian-name",
            "#newlog-guardian-relation",
            "#newlog-guardian-phone",
            "#newlog-guardian-custody",
            "#newlog-guardian-email",
            "#newlog-guardian-number",
            "#newlog-add-guardian",
            "#newlog-register",
        ):
            await focus_on(pilot, selector)
            await pilot.pause()
            assert inside_screen(app, selector), selector
        await focus_on(pilot, "#newlog-name")
        await pilot.press(*"Alma Hansen", "ctrl+s")
        await wait_for(pilot, lambda: screen.stage == "log", "the log step")
        await pilot.press(*"Worried.")
        assert not screen.query_one("#newlog-trigger").display  # the Danish guide's categories
        for selector in ("#newlog-concern", "#newlog-level", "#newlog-method", "#newlog-create"):
            await focus_on(pilot, selector)
            await pilot.pause()
            assert inside_screen(app, selector), selector
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: error_line(screen), "the refusal")
        # The refusal is under the form, above the footer, whatever was scrolled.
        error = app.screen.query_one("#newlog-error").region
        assert error.height > 0 and error.bottom <= app.size.height - 1
        assert "No one can consent yet" in screen_text(app)
        assert "Level 1 needs the consent given now" in error_line(screen)
