"""Lists that show children's names are audited (one event per page, search, planner week and
inbox, naming the children shown, so that each child's access report has it); settings are
audited, and the profile cannot change once a log exists (issue 14)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from relaytui.errors import InvalidInput, NotAllowed
from relaytui.models import AuditEvent
from relaytui.services import (
    access,
    audit,
    clock,
    handover,
    installation,
    log_list,
    logs,
    meetings,
    staff_calendar,
)
from relaytui.services.log_list import LogQuery


def _shown(store, username: str) -> list[tuple[str, set[int]]]:
    """What each list_shown event of ``username`` said: what was listed, which children."""
    with store.session() as session:
        rows = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "list_shown", AuditEvent.username == username)
            .order_by(col(AuditEvent.id))
        ).all()
    found = []
    for row in rows:
        what, _sep, ids = row.detail.partition("; subjects=")
        found.append((what, {int(part) for part in ids.split(",") if part}))
    return found


@pytest.fixture
def two_children(world):
    """Ida's log held by anna, Ole's by carl in the school: anna sees Ida only."""
    ole = world.add_subject("Ole Olsen", date(2015, 3, 2), guardians=(("Kim Olsen", True),))
    ida_log = logs.create_log(
        world.store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"], concern="c"
    )
    ole_log = logs.create_log(world.store, world.ref("carl"), subject_id=ole, concern="c")
    return world, ida_log, ole_log


def test_a_page_of_the_log_list_is_one_event_naming_the_children_on_it(two_children):
    world, _ida_log, _ole_log = two_children
    page = log_list.list_page(world.store, world.ref("anna"))
    assert [row.subject_id for row in page.rows] == [world.subjects["Ida Jensen"]]
    assert _shown(world.store, "anna") == [("log list", {world.subjects["Ida Jensen"]})]


def test_a_search_is_an_event_and_a_search_that_finds_nobody_is_none(two_children):
    world, _ida_log, _ole_log = two_children
    log_list.list_page(world.store, world.ref("anna"), LogQuery(search="ida"))
    log_list.list_page(world.store, world.ref("anna"), LogQuery(search="nobody by that name"))
    assert _shown(world.store, "anna") == [("search", {world.subjects["Ida Jensen"]})]


def test_a_planner_week_names_the_children_of_its_meetings(two_children):
    world, ida_log, _ole_log = two_children
    start = clock.now() + timedelta(days=2)
    meetings.schedule(
        world.store,
        world.ref("anna"),
        ida_log.id,
        kind=meetings.KINDS[0],
        starts_at=start,
        place="room 1",
    )
    staff_calendar.my_meetings(world.store, world.ref("anna"), start=start - timedelta(days=1))
    [(what, children)] = _shown(world.store, "anna")
    assert what.startswith("planner ") and children == {world.subjects["Ida Jensen"]}


def test_the_handover_inbox_names_the_child_to_both_sides(two_children):
    world, ida_log, _ole_log = two_children
    handover.propose(world.store, world.ref("anna"), ida_log.id, to_staff_id=world.ref("bo").id)
    assert handover.waiting_for_me(world.store, world.ref("bo")) == 1  # a number: no event
    assert _shown(world.store, "bo") == []
    handover.inbox(world.store, world.ref("bo"))
    handover.inbox(world.store, world.ref("anna"))
    assert _shown(world.store, "bo") == [("handover inbox", {world.subjects["Ida Jensen"]})]
    assert _shown(world.store, "anna") == [("handover inbox", {world.subjects["Ida Jensen"]})]


def test_the_childs_access_report_has_the_list_and_no_other_childs_report_has_it(two_children):
    world, _ida_log, _ole_log = two_children
    log_list.list_page(world.store, world.ref("carl"))  # carl's list shows Ole only
    admin = access.system_administrator()
    _name, ida_lines = audit.subject_trail(world.store, admin, _number(world, "Ida Jensen"))
    _name, ole_lines = audit.subject_trail(world.store, admin, _number(world, "Ole Olsen"))
    assert [line.username for line in ole_lines if line.action == "list_shown"] == ["carl"]
    assert [line for line in ida_lines if line.action == "list_shown"] == []
    assert audit.action_label("list_shown") != "list_shown"  # said in words to the guardians


def _number(world, name: str) -> str:
    from relaytui.models import Subject

    with world.store.session() as session:
        return session.get(Subject, world.subjects[name]).national_number


def test_a_subject_id_is_not_found_inside_another(world):
    """Subject 1 must not match an event that showed subject 11 or 21."""
    with world.store.session(write=True) as session:
        audit.record_view(
            session, staff_id=None, username="x", what="log list", subject_ids=[11, 21]
        )
    shown = _shown(world.store, "x")
    assert shown == [("log list", {11, 21})]
    assert 1 not in shown[0][1]


# --- settings -------------------------------------------------------------------------------


def test_a_setting_change_is_audited_with_before_and_after(world):
    installation.change(world.store, world.ref("admin"), "idle_lock_minutes", "12")
    with world.store.session() as session:
        details = session.exec(
            select(AuditEvent.detail).where(AuditEvent.action == "setting_changed")
        ).all()
    assert details == ["idle_lock_minutes: 10 -> 12"]


def test_only_an_administrator_changes_a_setting(world):
    with pytest.raises(NotAllowed):
        installation.change(world.store, world.ref("lene"), "idle_lock_minutes", "12")
    assert installation.read(world.store).idle_lock_minutes == 10


def test_the_profile_cannot_change_once_a_log_exists(world):
    installation.change(world.store, world.ref("admin"), "profile", "no")  # no log yet: allowed
    installation.change(world.store, world.ref("admin"), "profile", "dk")
    logs.create_log(
        world.store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"], concern="c"
    )
    with pytest.raises(InvalidInput) as refused:
        installation.change(world.store, world.ref("admin"), "profile", "no")
    assert "cannot change once relay logs exist" in refused.value.message
    assert installation.read(world.store).profile == "dk"
