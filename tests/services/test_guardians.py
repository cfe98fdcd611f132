"""A guardian's national number and e-mail, so that the family can log in to read the log
(issue 15): validated like a subject's (R15), never shown in full, changed only by the holder."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, select

from relaytui.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from relaytui.models import AuditEvent, Guardian, Subject
from relaytui.services import consent, log_actors, subjects
from relaytui.services.subjects import KEEP_NUMBER, GuardianInput
from tests.factories import build_world, dk_number, guardian_consent, new_log, no_number

MOTHER_BORN = date(1985, 3, 12)


def adult_number(profile: str, serial: int = 0) -> str:
    """A valid number of an adult born in 1985 (individual numbers of the 1900s)."""
    if profile == "no":
        return no_number(MOTHER_BORN, individual=100 + serial)
    return dk_number(MOTHER_BORN, serial=4123 + serial)


def stored_number(world, guardian_id: int) -> str | None:
    with world.store.session() as session:
        return session.get(Guardian, guardian_id).national_number


def events(world, action: str) -> list[AuditEvent]:
    with world.store.session() as session:
        query = select(AuditEvent).where(AuditEvent.action == action)
        return list(session.exec(query.order_by(col(AuditEvent.id))).all())


def mette(world) -> int:
    return world.guardians["Mette Jensen"]


# --- registering with the subject ------------------------------------------------------------


@pytest.mark.rule("R15")
def test_a_guardian_registered_with_the_subject_keeps_the_digits_and_shows_them_masked(
    store, profile
):
    world = build_world(store, profile)
    number = adult_number(profile)
    typed = f"{number[:6]}-{number[6:]}"  # as a person types it
    view = subjects.create_subject(
        world.store,
        world.ref("anna"),
        national_number=_child_number(profile),
        name="Oskar Berg",
        guardians=[
            GuardianInput("Sara Berg", "mother", email="sara@example.dk", national_number=typed),
            GuardianInput("Tom Berg", "father"),
        ],
    )
    sara, tom = view.guardians
    assert sara.has_national_number and not tom.has_national_number
    assert sara.national_number_masked == subjects.mask(number)
    assert number not in repr(view)  # never in full outside the service
    assert sara.email == "sara@example.dk"
    assert stored_number(world, sara.id) == number
    assert stored_number(world, tom.id) is None


def _child_number(profile: str) -> str:
    born = date(2019, 6, 3)
    return no_number(born, individual=600) if profile == "no" else dk_number(born, serial=4321)


@pytest.mark.rule("R15")
@pytest.mark.parametrize("bad", ["1203851234X", "120385", "3213851234", "12038512"])
def test_a_wrong_guardian_number_is_refused_and_nothing_is_registered(store, profile, bad):
    world = build_world(store, profile)
    with pytest.raises(InvalidInput) as refused:
        subjects.create_subject(
            world.store,
            world.ref("anna"),
            national_number=_child_number(profile),
            name="Oskar Berg",
            guardians=[GuardianInput("Sara Berg", national_number=bad)],
        )
    message = refused.value.message
    assert message.startswith("Sara Berg's national number:")
    assert "Type a " in message and "leave it empty" in message
    assert refused.value.rule == "R15"
    with world.store.session() as session:
        assert not session.exec(select(Subject).where(Subject.name == "Oskar Berg")).all()


@pytest.mark.rule("R15")
def test_two_guardians_of_one_subject_cannot_share_a_number(world):
    number = adult_number("dk")
    with pytest.raises(InvalidInput) as refused:
        subjects.create_subject(
            world.store,
            world.ref("anna"),
            national_number=_child_number("dk"),
            name="Oskar Berg",
            guardians=[
                GuardianInput("Sara Berg", national_number=number),
                GuardianInput("Tom Berg", national_number=number),
            ],
        )
    assert "Sara Berg is already registered with this national number" in str(refused.value)


# --- adding and changing in the log ----------------------------------------------------------


def test_the_holder_adds_a_guardian_with_a_number_and_an_e_mail(no_world):
    world = no_world
    log = new_log(world, level=0)
    number = adult_number("no")
    view = subjects.add_guardian(
        world.store,
        world.ref("anna"),
        log.id,
        GuardianInput(
            "Kari Nordmann", "foster parent", email=" kari@example.no ", national_number=number
        ),
    )
    assert view.has_national_number and view.email == "kari@example.no"
    assert stored_number(world, view.id) == number
    listed = subjects.list_guardians(world.store, world.ref("anna"), log.id)
    assert [g.has_national_number for g in listed] == [False, False, True]


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        (GuardianInput("Kari", email="kari at example.no"), "is not an e-mail address"),
        (GuardianInput("Kari", email="@"), "is not an e-mail address"),
        (GuardianInput("  "), "Type the guardian's name."),
        (GuardianInput("Kari", phone="1" * 51), "phone number is too long"),
        (GuardianInput("Kari", national_number="0101"), "Kari's national number: The number"),
    ],
)
def test_a_guardian_typed_wrong_is_refused_and_not_added(world, typed, says):
    log = new_log(world)
    with pytest.raises(InvalidInput) as refused:
        subjects.add_guardian(world.store, world.ref("anna"), log.id, typed)
    assert says in str(refused.value)
    assert len(subjects.list_guardians(world.store, world.ref("anna"), log.id)) == 2


@pytest.mark.rule("R15")
def test_a_guardian_cannot_log_in_with_the_subjects_own_number(world):
    log = new_log(world)
    with world.store.session() as session:
        own = session.get(Subject, world.subjects["Ida Jensen"]).national_number
    with pytest.raises(InvalidInput) as refused:
        subjects.change_guardian(
            world.store,
            world.ref("anna"),
            log.id,
            mette(world),
            GuardianInput("Mette Jensen", national_number=own),
        )
    assert "national number of Ida Jensen, the subject" in str(refused.value)
    assert stored_number(world, mette(world)) is None


def test_the_holder_changes_a_guardian_keeps_or_removes_the_number(world):
    log = new_log(world)
    anna, number = world.ref("anna"), adult_number("dk")
    view = subjects.change_guardian(
        world.store,
        anna,
        log.id,
        mette(world),
        GuardianInput("Mette Jensen", "mother", "+45 1234 5678", "mette@example.dk", True, number),
    )
    assert view.has_national_number and view.relation == "mother"
    assert stored_number(world, mette(world)) == number
    # The dialog never knows the full number: KEEP_NUMBER leaves it as it is.
    view = subjects.change_guardian(
        world.store,
        anna,
        log.id,
        mette(world),
        GuardianInput("Mette Jensen", "mother", email="m@example.dk", national_number=KEEP_NUMBER),
    )
    assert view.email == "m@example.dk" and view.phone == ""
    assert stored_number(world, mette(world)) == number
    subjects.change_guardian(
        world.store, anna, log.id, mette(world), GuardianInput("Mette Jensen", national_number="")
    )
    assert stored_number(world, mette(world)) is None


def test_a_change_is_audited_by_the_fields_it_changed_never_their_values(world):
    log = new_log(world)
    number = adult_number("dk")
    subjects.change_guardian(
        world.store,
        world.ref("anna"),
        log.id,
        mette(world),
        GuardianInput("Mette Jensen", "parent", email="mette@example.dk", national_number=number),
    )
    (event,) = events(world, "guardian_changed")
    assert event.log_id == log.id and event.username == "anna"
    assert set(event.detail.split(",")) == {"email", "national_number"}
    assert number not in event.detail and "mette@" not in event.detail


@pytest.mark.rule("R7")
def test_an_actor_cannot_change_a_guardian(world):
    log = new_log(world)
    consent.record_consent(
        world.store,
        world.ref("anna"),
        log.id,
        guardian_consent(world, staff_ids=(world.ref("carl").id,)),
    )
    log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("carl").id)
    for who in ("carl", "lene", "fie"):  # an actor, the leader, a stranger
        with pytest.raises(NotAllowed):
            subjects.change_guardian(
                world.store,
                world.ref(who),
                log.id,
                mette(world),
                GuardianInput("Mette Jensen", national_number=adult_number("dk")),
            )
    assert stored_number(world, mette(world)) is None
    assert not events(world, "guardian_changed")


def test_a_guardian_of_another_subject_is_not_changed_through_this_log(world):
    log = new_log(world)
    world.add_subject("Liv Holm", date(2020, 2, 2), guardians=(("Rikke Holm", True),))
    new_log(world, holder="bo", subject="Liv Holm")
    with pytest.raises(NotFound):
        subjects.change_guardian(
            world.store,
            world.ref("anna"),
            log.id,
            world.guardians["Rikke Holm"],
            GuardianInput("Rikke Holm", national_number=adult_number("dk")),
        )
    assert stored_number(world, world.guardians["Rikke Holm"]) is None


@pytest.mark.rule("R10")
def test_a_guardian_of_a_closed_log_is_not_changed(world):
    from relaytui.services import log_closing

    log = new_log(world)
    log_closing.close_log(
        world.store, world.ref("anna"), log.id, basis="colleagues", reason="r", consultation="c"
    )
    with pytest.raises(RuleViolation):
        subjects.change_guardian(
            world.store, world.ref("anna"), log.id, mette(world), GuardianInput("Mette")
        )
