"""Efforts and goals: R12."""

from datetime import timedelta

import pytest

from relaytui.errors import InvalidInput, NotAllowed, RuleViolation, StaleWrite
from relaytui.services import clock, dashboard, efforts, log_list, logs
from tests.factories import new_log


def today():
    return clock.today("Europe/Copenhagen")


@pytest.mark.rule("R12")
def test_an_effort_names_what_who_from_when_and_evaluation(world):
    log = new_log(world)
    with pytest.raises(InvalidInput):
        efforts.add_effort(
            world.store,
            world.ref("anna"),
            log.id,
            what="Breakfast at daycare",
            starts_on=today(),
            evaluate_on=today() + timedelta(days=30),
        )
    with pytest.raises(InvalidInput):
        efforts.add_effort(
            world.store,
            world.ref("anna"),
            log.id,
            what="Breakfast",
            starts_on=today(),
            evaluate_on=today() - timedelta(days=1),
            responsible_text="mother",
        )
    with pytest.raises(RuleViolation):  # Carl is no actor of this log
        efforts.add_effort(
            world.store,
            world.ref("anna"),
            log.id,
            what="Breakfast",
            starts_on=today(),
            evaluate_on=today(),
            responsible_staff_id=world.ref("carl").id,
        )
    home = efforts.add_effort(
        world.store,
        world.ref("anna"),
        log.id,
        what="Packs a lunch box",
        starts_on=today(),
        evaluate_on=today() + timedelta(days=14),
        responsible_text="mother",
    )
    leader = efforts.add_effort(
        world.store,
        world.ref("anna"),
        log.id,
        what="Talks to the kitchen",
        starts_on=today(),
        evaluate_on=today() + timedelta(days=14),
        responsible_staff_id=world.ref("lene").id,
    )
    assert (home.responsible, leader.responsible) == ("mother", "Lene Lund")


@pytest.mark.rule("R12")
def test_overdue_evaluations_are_flagged_everywhere_the_holder_looks(world):
    log = new_log(world)
    start = clock.now()
    effort = efforts.add_effort(
        world.store,
        world.ref("anna"),
        log.id,
        what="Sleep diary",
        starts_on=today(),
        evaluate_on=today() + timedelta(days=7),
        responsible_text="father",
    )
    assert not effort.overdue
    clock.set_clock(lambda: start + timedelta(days=9))
    assert efforts.list_efforts(world.store, world.ref("anna"), log.id)[0].overdue
    assert [e.id for e in efforts.overdue_for_holder(world.store, world.ref("anna"))] == [effort.id]
    assert log_list.list_logs(world.store, world.ref("anna"))[0].overdue_evaluations == 1
    assert logs.get_log(world.store, world.ref("anna"), log.id).overdue_evaluations == 1
    assert dashboard.my_figures(world.store, world.ref("anna")).overdue_evaluations == 1
    evaluated = efforts.evaluate_effort(
        world.store,
        world.ref("anna"),
        effort.id,
        version=effort.version,
        text="Sleeps better",
        next_evaluate_on=clock.today("Europe/Copenhagen") + timedelta(days=30),
    )
    assert not evaluated.overdue and evaluated.evaluations[0].text == "Sleeps better"
    assert dashboard.my_figures(world.store, world.ref("anna")).overdue_evaluations == 0


@pytest.mark.rule("R12")
def test_two_edits_of_one_effort_one_is_refused_as_stale(world):
    log = new_log(world)
    effort = efforts.add_effort(
        world.store,
        world.ref("anna"),
        log.id,
        what="A",
        starts_on=today(),
        evaluate_on=today() + timedelta(days=7),
        responsible_text="mother",
    )
    efforts.update_effort(
        world.store, world.ref("anna"), effort.id, version=effort.version, what="B"
    )
    with pytest.raises(StaleWrite):
        efforts.update_effort(
            world.store, world.ref("anna"), effort.id, version=effort.version, what="C"
        )
    assert efforts.list_efforts(world.store, world.ref("anna"), log.id)[0].what == "B"


@pytest.mark.rule("R12")
def test_an_ended_effort_cannot_be_evaluated_and_actors_cannot_evaluate(world):
    log = new_log(world)
    effort = efforts.add_effort(
        world.store,
        world.ref("anna"),
        log.id,
        what="A",
        starts_on=today(),
        evaluate_on=today() + timedelta(days=7),
        responsible_text="mother",
    )
    with pytest.raises(NotAllowed):
        efforts.evaluate_effort(
            world.store, world.ref("lene"), effort.id, version=effort.version, text="x", end=True
        )
    ended = efforts.evaluate_effort(
        world.store, world.ref("anna"), effort.id, version=effort.version, text="Worked", end=True
    )
    assert ended.status == "ended"
    with pytest.raises(RuleViolation):
        efforts.evaluate_effort(
            world.store, world.ref("anna"), effort.id, version=ended.version, text="x", end=True
        )


def test_goals_are_added_and_evaluated(world):
    log = new_log(world)
    goal = efforts.add_goal(
        world.store,
        world.ref("anna"),
        log.id,
        text="Ida eats breakfast every day",
        evaluate_on=today() + timedelta(days=30),
    )
    done = efforts.evaluate_goal(
        world.store,
        world.ref("anna"),
        goal.id,
        version=goal.version,
        text="Reached",
        status="reached",
    )
    assert done.status == "reached"
    assert efforts.list_goals(world.store, world.ref("lene"), log.id)[0].status == "reached"


def test_dashboard_figures_for_me_and_for_the_leader(world):
    from relaytui.services import consent

    log = new_log(world)
    mine = dashboard.my_figures(world.store, world.ref("anna"))
    assert mine.logs_per_level == {0: 1, 1: 0, 2: 0, 3: 0} and mine.consent_missing == 1
    unit = dashboard.unit_figures(world.store, world.ref("lene"))
    assert [(f.scope, f.logs_per_level[0]) for f in unit] == [("Solsikken daycare", 1)]
    assert dashboard.unit_figures(world.store, world.ref("anna")) == []
    consent.record_consent(
        world.store,
        world.ref("anna"),
        log.id,
        consent.ConsentInput(
            giver="guardian",
            guardian_id=world.guardians["Mette Jensen"],
            method="oral",
            expires_at=clock.now() + timedelta(days=10),
        ),
    )
    assert dashboard.my_figures(world.store, world.ref("anna")).consent_expiring == 1
    with pytest.raises(NotAllowed):
        dashboard.my_figures(world.store, world.ref("admin"))
