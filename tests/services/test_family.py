"""The family view's rules (issue 15): who of the family reads which log, that every view is
in the child's trail without the national number, and what the family may decide."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from relaytui.errors import NotAllowed, RuleViolation
from relaytui.models import (
    AuditEvent,
    Consent,
    ConsentCover,
    Guardian,
    Meeting,
    RelayLog,
    TransitionRequest,
)
from relaytui.services import clock, family, papers
from tests.factories import guardian_consent, national_number, new_log

METTE = national_number("dk", date(1990, 3, 4), 901)
OTHER = national_number("dk", date(1985, 6, 7), 902)


def _give_number(world, guardian: str, number: str) -> None:
    with world.store.session(write=True) as session:
        session.get(Guardian, world.guardians[guardian]).national_number = number


def _trail(world, log_id: int) -> list[AuditEvent]:
    with world.store.session() as session:
        return list(
            session.exec(
                select(AuditEvent).where(AuditEvent.log_id == log_id).order_by(AuditEvent.id)
            ).all()
        )


@pytest.fixture
def mettes_log(world):
    """Ida's log, held by anna; her mother Mette (custody) has her number recorded, her father
    Peter (no custody) too."""
    _give_number(world, "Mette Jensen", METTE)
    _give_number(world, "Peter Jensen", OTHER)
    return new_log(world).id


def test_a_guardian_with_custody_reads_her_childs_log(world, mettes_log):
    mette = family.identify(world.store, METTE, "Mette Jensen")
    assert family.sign_in(world.store, mette) == 1
    [line] = family.my_logs(world.store, mette)
    assert (line.log_id, line.subject_name, line.holder_name) == (
        mettes_log,
        "Ida Jensen",
        "Anna Holm",
    )
    page = family.read_log(world.store, mette, mettes_log)
    assert page.copy.concern.startswith("Ida is often hungry")
    assert page.copy.holder.name == "Anna Holm"
    assert not page.may_end  # Denmark: the holder closes the log


@pytest.mark.rule("R9")
def test_a_guardian_without_custody_and_another_family_read_nothing(world, mettes_log):
    peter = family.identify(world.store, OTHER, "Peter Jensen")
    assert family.my_logs(world.store, peter) == []
    stranger = family.identify(world.store, national_number("dk", date(1970, 1, 2), 903), "X")
    for who in (peter, stranger):
        with pytest.raises(NotAllowed) as refused:
            family.read_log(world.store, who, mettes_log)
        # The same words whether the log exists or not.
        with pytest.raises(NotAllowed) as missing:
            family.read_log(world.store, who, 99999)
        assert str(refused.value) == str(missing.value)
        with pytest.raises(NotAllowed):
            family.copy_of_log(world.store, who, mettes_log)
    refusals = [e for e in _trail(world, mettes_log) if e.action == "family_read_refused"]
    assert len(refusals) == 4  # two people, the log and the copy each


@pytest.mark.rule("R9")
def test_custody_lost_is_access_lost_at_once(world, mettes_log):
    mette = family.identify(world.store, METTE, "Mette Jensen")
    family.read_log(world.store, mette, mettes_log)
    with world.store.session(write=True) as session:
        session.get(Guardian, world.guardians["Mette Jensen"]).has_custody = False
    with pytest.raises(NotAllowed):
        family.read_log(world.store, mette, mettes_log)


@pytest.mark.rule("R9")
def test_every_view_is_in_the_childs_trail_without_the_number(world, mettes_log):
    mette = family.identify(world.store, METTE, "Mette Jensen")
    family.my_logs(world.store, mette)
    family.read_log(world.store, mette, mettes_log)
    family.copy_of_log(world.store, mette, mettes_log)
    reads = [e for e in _trail(world, mettes_log) if e.action == "family_read"]
    assert [e.detail for e in reads] == ["list", "log", "copy"]
    guardian_id = world.guardians["Mette Jensen"]
    assert {e.username for e in reads} == {f"family:guardian:{guardian_id}"}
    with world.store.session() as session:
        for event in session.exec(select(AuditEvent)).all():
            assert METTE not in f"{event.username} {event.detail}"
    # The holder's access report names her; the staff see that she read along.
    report = papers.access_report(world.store, world.ref("anna"), mettes_log)
    assert any(line.full_name == "Mette Jensen" for line in report.lines)
    [read] = family.family_reads(world.store, world.ref("anna"), mettes_log)
    assert (read.name, read.reads) == ("Mette Jensen", 3)


def test_the_family_reads_what_the_paper_says_and_no_notification(world, mettes_log):
    mette = family.identify(world.store, METTE, "Mette Jensen")
    page = family.read_log(world.store, mette, mettes_log)
    staff_copy = papers.guardian_copy(world.store, world.ref("anna"), mettes_log)
    assert page.copy.concern == staff_copy.concern
    assert page.copy.entries == staff_copy.entries
    assert page.copy.meetings == staff_copy.meetings


@pytest.mark.rule("R10")
def test_in_denmark_the_family_cannot_end_the_log(world, mettes_log):
    mette = family.identify(world.store, METTE, "Mette Jensen")
    with pytest.raises(RuleViolation):
        family.end_log(world.store, mette, mettes_log)
    with world.store.session() as session:
        assert session.get(RelayLog, mettes_log).status != "closed"


@pytest.fixture
def no_log(no_world):
    number = national_number("no", date(1988, 2, 3), 904)
    with no_world.store.session(write=True) as session:
        session.get(Guardian, no_world.guardians["Mette Jensen"]).national_number = number
    log = new_log(no_world, level=1, first_consent=guardian_consent(no_world))
    return no_world, log.id, number


@pytest.mark.rule("R10")
def test_in_norway_the_guardians_end_the_log_and_the_holder_sees_it_closed(no_log):
    world, log_id, number = no_log
    with world.store.session(write=True) as session:
        session.add(
            Meeting(
                log_id=log_id,
                starts_at=clock.now() + timedelta(days=3),
                convened_by=world.ref("anna").id,
            )
        )
    mette = family.identify(world.store, number, "Mette Jensen")
    assert family.read_log(world.store, mette, log_id).may_end
    family.end_log(world.store, mette, log_id, reason="We manage now.")
    from relaytui.services import grants

    closed = grants.my_closed_logs(world.store, world.ref("anna"))
    assert [view.log_id for view in closed] == [log_id]
    with world.store.session() as session:
        log = session.get(RelayLog, log_id)
        assert log.close_basis == "guardians_ended"
        assert "Mette Jensen" in log.close_reason and "We manage now." in log.close_reason
        assert session.exec(select(Meeting.status)).all() == ["cancelled"]
    with pytest.raises(RuleViolation):
        family.end_log(world.store, mette, log_id)
    assert not family.read_log(world.store, mette, log_id).may_end


def _ask(world, log_id: int) -> int:
    with world.store.session(write=True) as session:
        request = TransitionRequest(
            log_id=log_id,
            unit_id=world.units["school"],
            asked_by=world.ref("anna").id,
            asked_at=clock.now(),
        )
        session.add(request)
        session.flush()
        return request.id


@pytest.mark.rule("R8")
def test_accepting_a_transition_records_a_consent_for_the_new_unit(world, mettes_log):
    request_id = _ask(world, mettes_log)
    mette = family.identify(world.store, METTE, "Mette Jensen")
    [ask] = family.read_log(world.store, mette, mettes_log).transitions
    assert (ask.status, ask.unit_name) == ("pending", "Østre School")
    assert family.answer_transition(world.store, mette, request_id, accept=True) == "accepted"
    with world.store.session() as session:
        request = session.get(TransitionRequest, request_id)
        given = session.get(Consent, request.consent_id)
        assert (given.giver_name, given.method, given.covers_log) == (
            "Mette Jensen",
            "digital",
            False,
        )
        [cover] = session.exec(select(ConsentCover).where(ConsentCover.consent_id == given.id))
        assert cover.unit_id == world.units["school"]
    # The handover to the school's teacher is now allowed (R8).
    from relaytui.services import handover

    handover.propose(world.store, world.ref("anna"), mettes_log, to_staff_id=world.ref("carl").id)
    with pytest.raises(RuleViolation):
        family.answer_transition(world.store, mette, request_id, accept=False)


@pytest.mark.rule("R8")
def test_declining_a_transition_records_no_consent_and_another_family_cannot_answer(
    world, mettes_log
):
    request_id = _ask(world, mettes_log)
    peter = family.identify(world.store, OTHER, "Peter Jensen")
    with pytest.raises(NotAllowed):
        family.answer_transition(world.store, peter, request_id, accept=True)
    mette = family.identify(world.store, METTE, "Mette Jensen")
    assert family.answer_transition(world.store, mette, request_id, accept=False) == "declined"
    with world.store.session() as session:
        assert session.exec(select(Consent)).all() == []


@pytest.mark.rule("R6")
def test_in_norway_a_young_person_with_own_consent_reads_her_own_log(no_world):
    today = clock.today("Europe/Oslo")
    older = no_world.add_subject("Sara Berg", date(today.year - 17, 1, 1), kind="youth")
    younger = no_world.add_subject("Siv Berg", date(today.year - 12, 1, 1), kind="youth")
    with no_world.store.session() as session:
        from relaytui.models import Subject

        numbers = {sid: session.get(Subject, sid).national_number for sid in (older, younger)}
    from relaytui.services.consent import ConsentInput

    for name in ("Sara Berg", "Siv Berg"):
        giver = (
            ConsentInput(giver="subject", method="oral")
            if name == "Sara Berg"
            else ConsentInput(
                giver="guardian", guardian_id=no_world.guardians["Mette Jensen"], method="oral"
            )
        )
        new_log(no_world, subject=name, level=1, first_consent=giver)
    sara = family.identify(no_world.store, numbers[older], "Sara Berg")
    assert [line.subject_name for line in family.my_logs(no_world.store, sara)] == ["Sara Berg"]
    siv = family.identify(no_world.store, numbers[younger], "Siv Berg")
    assert family.my_logs(no_world.store, siv) == []


def test_a_login_without_a_valid_number_is_refused(world):
    with pytest.raises(NotAllowed):
        family.identify(world.store, "12345", "Nobody")


@pytest.mark.rule("R10")
def test_ending_the_log_withdraws_a_transition_the_family_was_asked_about(no_log):
    world, log_id, number = no_log
    with world.store.session(write=True) as session:
        ask = TransitionRequest(
            log_id=log_id,
            unit_id=world.units["school"],
            asked_by=world.ref("anna").id,
            asked_at=clock.now(),
        )
        session.add(ask)
        session.flush()
        request_id = ask.id
    mette = family.identify(world.store, number, "Mette Jensen")
    family.end_log(world.store, mette, log_id)
    assert family.read_log(world.store, mette, log_id).transitions == ()
    with world.store.session() as session:
        assert session.get(TransitionRequest, request_id).status == "withdrawn"
    with pytest.raises(RuleViolation):
        family.answer_transition(world.store, mette, request_id, accept=True)


def _notices(world, kind: str) -> list:
    from relaytui.models import Notice

    with world.store.session() as session:
        return list(session.exec(select(Notice).where(Notice.kind == kind)).all())


def _mail(world, notice):
    from relaytui.mail.compose import Links, compose, read_facts
    from relaytui.models import Notice

    with world.store.session() as session:
        facts = read_facts(session, session.get_one(Notice, notice.id))
    return compose(facts, Links(staff="https://relaytui.example"), "relaytui@example.invalid")


def test_the_holder_is_told_by_mail_when_the_guardians_end_the_log(no_log):
    world, log_id, number = no_log
    family.end_log(world.store, family.identify(world.store, number, "Mette Jensen"), log_id)
    [notice] = _notices(world, "ended_by_family")
    assert (notice.staff_id, notice.log_id) == (world.ref("anna").id, log_id)
    mail = _mail(world, notice)
    text = mail.get_content()
    assert str(log_id) in mail["Subject"]
    assert "Ida" not in text and "Jensen" not in text and number not in text


@pytest.mark.rule("R8")
def test_the_holder_is_told_by_mail_how_the_family_answered(world, mettes_log):
    request_id = _ask(world, mettes_log)
    mette = family.identify(world.store, METTE, "Mette Jensen")
    family.answer_transition(world.store, mette, request_id, accept=False)
    [notice] = _notices(world, "transition_answered")
    assert (notice.staff_id, notice.detail) == (world.ref("anna").id, "declined")
    assert "Ida" not in _mail(world, notice).get_content()
