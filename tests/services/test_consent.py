"""Actors and consent: R5 and R6."""

from datetime import date, timedelta

import pytest

from relaytui.errors import InvalidInput, NotAllowed, RuleViolation
from relaytui.services import clock, consent, consent_givers, log_actors, log_list, logs
from relaytui.services.consent import ConsentInput
from tests.factories import guardian_consent, new_log


@pytest.mark.rule("R5")
def test_an_actor_without_a_covering_consent_is_refused(world):
    log = new_log(world)
    carl = world.ref("carl").id
    with pytest.raises(RuleViolation) as refused:
        log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=carl)
    assert "Carl Dahl" in str(refused.value) and refused.value.rule == "R5"
    # a consent to the log alone does not cover Carl
    consent.record_consent(world.store, world.ref("anna"), log.id, guardian_consent(world))
    with pytest.raises(RuleViolation):
        log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=carl)
    with pytest.raises(NotAllowed):
        logs.get_log(world.store, world.ref("carl"), log.id)


@pytest.mark.rule("R5")
def test_a_consent_covering_a_person_or_unit_lets_them_in(world):
    log = new_log(world)
    consent.record_consent(
        world.store,
        world.ref("anna"),
        log.id,
        guardian_consent(
            world,
            staff_ids=(world.ref("carl").id,),
            unit_ids=(world.units["family"],),
            persons=("Grandma Inge",),
        ),
    )
    log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("carl").id)
    log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("fie").id)
    log_actors.add_actor(world.store, world.ref("anna"), log.id, person_name="grandma inge")
    assert logs.get_log(world.store, world.ref("carl"), log.id).can_write is False
    assert logs.get_log(world.store, world.ref("fie"), log.id).my_role == "actor"
    with pytest.raises(RuleViolation):
        log_actors.add_actor(world.store, world.ref("anna"), log.id, person_name="Uncle Ib")


@pytest.mark.rule("R5")
def test_guardians_and_the_subject_need_no_consent(world):
    log = new_log(world)
    log_actors.add_actor(
        world.store, world.ref("anna"), log.id, guardian_id=world.guardians["Peter Jensen"]
    )
    log_actors.add_actor(world.store, world.ref("anna"), log.id, as_subject=True)
    roles = sorted(a.role for a in log_actors.list_actors(world.store, world.ref("anna"), log.id))
    assert roles == ["guardian", "leader", "subject"]


@pytest.mark.rule("R5")
def test_withdrawing_a_consent_detaches_its_actors_and_flags_the_log(world):
    log = new_log(world)
    given = consent.record_consent(
        world.store,
        world.ref("anna"),
        log.id,
        guardian_consent(world, staff_ids=(world.ref("carl").id,)),
    )
    log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("carl").id)
    assert logs.get_log(world.store, world.ref("carl"), log.id)
    consent.withdraw_consent(
        world.store,
        world.ref("anna"),
        given.id,
        version=given.version,
        reason="Mother phoned on Tuesday",
    )
    with pytest.raises(NotAllowed):
        logs.get_log(world.store, world.ref("carl"), log.id)
    detail = logs.get_log(world.store, world.ref("anna"), log.id)
    assert detail.needs_attention and detail.consent_state == "withdrawn"
    assert [a.name for a in log_actors.list_actors(world.store, world.ref("anna"), log.id)] == [
        "Lene Lund"
    ]
    assert log_list.list_logs(world.store, world.ref("carl")) == []


@pytest.mark.rule("R5")
def test_an_expired_consent_removes_the_access_it_gave(world):
    log = new_log(world)
    now = clock.now()
    consent.record_consent(
        world.store,
        world.ref("anna"),
        log.id,
        guardian_consent(
            world, staff_ids=(world.ref("carl").id,), expires_at=now + timedelta(days=10)
        ),
    )
    log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("carl").id)
    assert logs.get_log(world.store, world.ref("carl"), log.id)
    clock.set_clock(lambda: now + timedelta(days=11))
    with pytest.raises(NotAllowed):
        logs.get_log(world.store, world.ref("carl"), log.id)


@pytest.mark.rule("R6")
def test_a_guardian_without_custody_cannot_consent(world):
    log = new_log(world)
    with pytest.raises(RuleViolation) as refused:
        consent.record_consent(
            world.store,
            world.ref("anna"),
            log.id,
            ConsentInput(
                giver="guardian", guardian_id=world.guardians["Peter Jensen"], method="oral"
            ),
        )
    assert "custody" in str(refused.value)


@pytest.mark.rule("R6")
def test_dk_a_child_cannot_consent_for_itself(world):
    log = new_log(world)
    with pytest.raises(RuleViolation):
        consent.record_consent(
            world.store, world.ref("anna"), log.id, ConsentInput(giver="subject", method="oral")
        )


@pytest.mark.rule("R6")
def test_no_the_young_person_consents_from_the_age_of_own_consent(no_world):
    from relaytui.services import installation

    world = no_world
    today = clock.today("Europe/Oslo")
    world.add_subject(
        "Siri Ung",
        today.replace(year=today.year - 16, day=min(today.day, 28)) - timedelta(days=1),
        kind="youth",
        guardians=(("Eva Ung", True),),
    )
    fifteen = today.replace(year=today.year - 15, day=min(today.day, 28)) - timedelta(days=1)
    world.add_subject("Per Yngre", fifteen, kind="youth", guardians=(("Jon Yngre", True),))
    siri = logs.create_log(
        world.store, world.ref("anna"), subject_id=world.subjects["Siri Ung"], concern="x"
    )
    with pytest.raises(RuleViolation):  # she decides for herself
        consent.record_consent(
            world.store,
            world.ref("anna"),
            siri.id,
            ConsentInput(giver="guardian", guardian_id=world.guardians["Eva Ung"], method="oral"),
        )
    view = consent.record_consent(
        world.store, world.ref("anna"), siri.id, ConsentInput(giver="subject", method="digital")
    )
    assert view.giver_name == "Siri Ung"
    per = logs.create_log(
        world.store, world.ref("anna"), subject_id=world.subjects["Per Yngre"], concern="x"
    )
    with pytest.raises(RuleViolation):
        consent.record_consent(
            world.store, world.ref("anna"), per.id, ConsentInput(giver="subject", method="oral")
        )
    installation.write(world.store, age_of_own_consent="15")
    consent.record_consent(
        world.store, world.ref("anna"), per.id, ConsentInput(giver="subject", method="oral")
    )


@pytest.mark.rule("R6")
def test_a_pregnant_person_consents_for_herself(profile, store):
    from tests.factories import build_world

    world = build_world(store, profile)
    world.add_subject(
        "Maja Mor", date(1998, 3, 4), kind="pregnant", guardians=(("Old Mother", True),)
    )
    log = logs.create_log(
        world.store, world.ref("anna"), subject_id=world.subjects["Maja Mor"], concern="x"
    )
    with pytest.raises(RuleViolation):
        consent.record_consent(
            world.store,
            world.ref("anna"),
            log.id,
            ConsentInput(
                giver="guardian", guardian_id=world.guardians["Old Mother"], method="oral"
            ),
        )
    assert (
        consent.record_consent(
            world.store, world.ref("anna"), log.id, ConsentInput(giver="subject", method="oral")
        ).state
        == "in_force"
    )


@pytest.mark.rule("R6")
@pytest.mark.parametrize(
    "kind,years", [("child", 2), ("youth", 15), ("youth", 16), ("pregnant", 27)]
)
def test_the_givers_offered_are_exactly_those_the_rule_accepts(profile, store, kind, years):
    """The consent forms offer ``consent_givers.who_may_consent``: each of them is accepted, and
    everyone else who might be tried (the subject, a guardian with or without custody) is
    refused."""
    from tests.factories import build_world

    world = build_world(store, profile)
    today = clock.today("Europe/Oslo" if profile == "no" else "Europe/Copenhagen")
    born = today.replace(year=today.year - years, day=min(today.day, 28)) - timedelta(days=1)
    world.add_subject(
        "Tove Test", born, kind=kind, guardians=(("Mor Test", True), ("Far Test", False))
    )
    log = logs.create_log(
        world.store, world.ref("anna"), subject_id=world.subjects["Tove Test"], concern="x"
    )
    from relaytui.services import installation, subjects

    inst = installation.read(world.store)
    detail = logs.get_log(world.store, world.ref("anna"), log.id)
    offered = consent_givers.who_may_consent(
        detail.subject_name,
        detail.subject_kind,
        detail.birth_date,
        subjects.list_guardians(world.store, world.ref("anna"), log.id),
        inst,
        clock.today(inst.timezone),
    )
    tries = {None: ConsentInput(giver="subject", method="oral")} | {
        world.guardians[name]: ConsentInput(
            giver="guardian", guardian_id=world.guardians[name], method="oral"
        )
        for name in ("Mor Test", "Far Test")
    }
    accepted = set()
    for who, data in tries.items():
        try:
            consent.record_consent(world.store, world.ref("anna"), log.id, data)
            accepted.add(who)
        except RuleViolation:
            pass
    assert {g.guardian_id for g in offered} == accepted
    own = kind == "pregnant" or (profile == "no" and years >= 16)
    assert accepted == ({None} if own else {world.guardians["Mor Test"]})


@pytest.mark.rule("R6")
def test_a_consent_records_how_when_what_and_until_when(world):
    log = new_log(world)
    now = clock.now()
    with pytest.raises(InvalidInput):
        consent.record_consent(
            world.store,
            world.ref("anna"),
            log.id,
            ConsentInput(
                giver="guardian", guardian_id=world.guardians["Mette Jensen"], method="telepathy"
            ),
        )
    with pytest.raises(InvalidInput):
        consent.record_consent(
            world.store,
            world.ref("anna"),
            log.id,
            guardian_consent(world, given_at=now + timedelta(days=1)),
        )
    with pytest.raises(InvalidInput):
        consent.record_consent(
            world.store,
            world.ref("anna"),
            log.id,
            guardian_consent(world, expires_at=now - timedelta(days=1)),
        )
    view = consent.record_consent(
        world.store,
        world.ref("anna"),
        log.id,
        guardian_consent(
            world, expires_at=now + timedelta(days=365), staff_ids=(world.ref("carl").id,)
        ),
    )
    assert (view.giver_name, view.method, view.covers_log, view.state) == (
        "Mette Jensen",
        "signed_form",
        True,
        "in_force",
    )
    assert [c.label for c in view.covers] == ["Carl Dahl"]


@pytest.mark.rule("R6")
def test_a_withdrawn_consent_cannot_be_withdrawn_twice_and_needs_a_reason(world):
    log = new_log(world)
    view = consent.record_consent(world.store, world.ref("anna"), log.id, guardian_consent(world))
    with pytest.raises(InvalidInput):
        consent.withdraw_consent(
            world.store, world.ref("anna"), view.id, version=view.version, reason=""
        )
    after = consent.withdraw_consent(
        world.store, world.ref("anna"), view.id, version=view.version, reason="Letter"
    )
    with pytest.raises(RuleViolation):
        consent.withdraw_consent(
            world.store, world.ref("anna"), view.id, version=after.version, reason="again"
        )


def test_only_the_holder_records_consent(world):
    log = new_log(world)
    with pytest.raises(NotAllowed):
        consent.record_consent(world.store, world.ref("lene"), log.id, guardian_consent(world))
