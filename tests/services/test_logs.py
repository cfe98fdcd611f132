"""Creating, reading and writing logs: R1-R4, R7, R9, R10, R15. Each test tries to break a rule."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from relaytui.errors import InvalidInput, NotAllowed, RuleViolation, StaleWrite
from relaytui.models import AuditEvent, Entry, LevelChange
from relaytui.services import (
    clock,
    consent,
    journal,
    log_actors,
    log_closing,
    log_history,
    log_list,
    logs,
    subjects,
)
from tests.factories import build_world, guardian_consent, new_log

# --- R1 one log --------------------------------------------------------------------------


@pytest.mark.rule("R1")
def test_second_log_for_a_subject_is_refused_naming_the_holder_only(world):
    first = new_log(world)
    with pytest.raises(RuleViolation) as refused:
        new_log(world, holder="carl")
    message = str(refused.value)
    assert "Anna Holm" in message and "Solsikken daycare" in message and "+45 2222 3333" in message
    assert "hungry" not in message  # nothing of the content
    assert refused.value.rule == "R1"
    with world.store.session() as session:
        from relaytui.models import RelayLog

        assert [r.id for r in session.exec(select(RelayLog)).all()] == [first.id]


@pytest.mark.rule("R1")
def test_a_closed_log_does_not_block_a_new_one(world):
    first = new_log(world)
    log_closing.close_log(
        world.store,
        world.ref("anna"),
        first.id,
        basis="colleagues",
        reason="Better now",
        consultation="Talked with Bo on Monday",
    )
    second = new_log(world, holder="carl")
    assert second.id != first.id and second.status == "active"


@pytest.mark.rule("R1")
def test_the_database_itself_refuses_two_open_logs(world):
    from sqlalchemy.exc import IntegrityError

    from relaytui.models import RelayLog

    new_log(world)
    with pytest.raises(IntegrityError):
        with world.store.session(write=True) as session:
            session.add(
                RelayLog(
                    subject_id=world.subjects["Ida Jensen"],
                    holder_id=world.ref("carl").id,
                    created_by=world.ref("carl").id,
                    created_at=clock.now(),
                    concern="x",
                )
            )
            session.flush()


# --- R2 creation -------------------------------------------------------------------------


@pytest.mark.rule("R2")
def test_creator_holds_a_log_at_level_0_with_its_concern_and_trigger(world):
    log = new_log(world, trigger="wellbeing_yellow")
    assert (
        log.holder_id == world.ref("anna").id
        and log.level == 0
        and log.trigger == "wellbeing_yellow"
    )
    assert log.concern.startswith("Ida is often hungry")


@pytest.mark.rule("R2")
@pytest.mark.parametrize("concern", ["", "   \n "])
def test_a_log_without_a_concern_is_refused(world, concern):
    with pytest.raises(InvalidInput):
        logs.create_log(
            world.store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"], concern=concern
        )


@pytest.mark.rule("R2")
def test_dk_log_cannot_start_above_level_0(world):
    with pytest.raises(RuleViolation):
        new_log(world, level=1, first_consent=guardian_consent(world))


@pytest.mark.rule("R2")
def test_unknown_trigger_is_refused(world):
    with pytest.raises(InvalidInput):
        new_log(world, trigger="purple")


@pytest.mark.rule("R2")
def test_a_norwegian_log_takes_no_danish_trigger_category(no_world):
    with pytest.raises(InvalidInput, match="Danish guide"):
        new_log(no_world, trigger="wellbeing_yellow", first_consent=guardian_consent(no_world))
    assert log_list.list_logs(no_world.store, no_world.ref("anna")) == []


# --- R3 leader ---------------------------------------------------------------------------


@pytest.mark.rule("R3")
def test_the_nearest_leader_reads_along_from_creation(world):
    log = new_log(world)
    actors = log_actors.list_actors(world.store, world.ref("anna"), log.id)
    assert [(a.name, a.role, a.consent_state) for a in actors] == [
        ("Lene Lund", "leader", "not_needed")
    ]
    assert logs.get_log(world.store, world.ref("lene"), log.id).my_role == "actor"
    with pytest.raises(NotAllowed):
        logs.get_log(world.store, world.ref("sofus"), log.id)  # leader of another unit


@pytest.mark.rule("R3")
def test_a_leader_creating_a_log_is_not_attached_twice(world):
    log = new_log(world, holder="lene")
    assert log_actors.list_actors(world.store, world.ref("lene"), log.id) == []


# --- R4 levels ---------------------------------------------------------------------------


@pytest.mark.rule("R4")
def test_raising_to_level_1_without_consent_is_refused_and_says_what_to_do(world):
    log = new_log(world)
    with pytest.raises(RuleViolation) as refused:
        logs.change_level(world.store, world.ref("anna"), log.id, to_level=1, reason="More worried")
    assert "Actors and consent" in str(refused.value)
    assert logs.get_log(world.store, world.ref("anna"), log.id).level == 0


@pytest.mark.rule("R4")
def test_level_change_records_who_when_from_to_and_why(world):
    log = new_log(world)
    consent.record_consent(world.store, world.ref("anna"), log.id, guardian_consent(world))
    logs.change_level(world.store, world.ref("anna"), log.id, to_level=2, reason="Sleeps in class")
    history = log_history.history(world.store, world.ref("anna"), log.id)
    last = history.level_changes[-1]
    assert (last.by_name, last.from_level, last.to_level, last.reason) == (
        "Anna Holm",
        0,
        2,
        "Sleeps in class",
    )


@pytest.mark.rule("R4")
@pytest.mark.parametrize("state", ["expired", "withdrawn"])
def test_an_expired_or_withdrawn_consent_does_not_allow_level_1(world, state):
    log = new_log(world)
    now = clock.now()
    if state == "expired":
        consent.record_consent(
            world.store,
            world.ref("anna"),
            log.id,
            guardian_consent(
                world, given_at=now - timedelta(days=400), expires_at=now - timedelta(days=1)
            ),
        )
    else:
        view = consent.record_consent(
            world.store, world.ref("anna"), log.id, guardian_consent(world)
        )
        consent.withdraw_consent(
            world.store, world.ref("anna"), view.id, version=view.version, reason="Mother called"
        )
    with pytest.raises(RuleViolation) as refused:
        logs.change_level(world.store, world.ref("anna"), log.id, to_level=1, reason="x")
    assert state in str(refused.value)


@pytest.mark.rule("R4")
def test_level_change_needs_a_reason_and_a_real_level(world):
    log = new_log(world)
    with pytest.raises(InvalidInput):
        logs.change_level(world.store, world.ref("anna"), log.id, to_level=0, reason="")
    with pytest.raises(InvalidInput):
        logs.change_level(world.store, world.ref("anna"), log.id, to_level=4, reason="x")


@pytest.mark.rule("R4")
def test_no_profile_creates_at_level_1_with_consent_in_one_step(no_world):
    world = no_world
    log = logs.create_log(
        world.store,
        world.ref("anna"),
        subject_id=world.subjects["Ida Jensen"],
        concern="Bekymring",
        first_consent=guardian_consent(world),
    )
    assert log.level == 1 and log.consent_state == "ok"
    with pytest.raises(RuleViolation):
        world.add_subject("Ola Nordmann", date(2019, 2, 3))
        logs.create_log(
            world.store,
            world.ref("anna"),
            subject_id=world.subjects["Ola Nordmann"],
            concern="Bekymring",
            level=1,
        )


# --- R7 one writer -----------------------------------------------------------------------


@pytest.mark.rule("R7")
def test_an_actor_cannot_write_an_entry(world):
    log = new_log(world)
    with pytest.raises(NotAllowed) as refused:
        journal.write_entry(world.store, world.ref("lene"), log.id, text="I am the leader")
    assert refused.value.rule == "R7" and "holder" in str(refused.value)
    assert journal.list_entries(world.store, world.ref("anna"), log.id) == []


@pytest.mark.rule("R7")
def test_entries_cannot_be_changed_or_deleted_even_with_sql(world):
    log = new_log(world)
    entry = journal.write_entry(
        world.store, world.ref("anna"), log.id, text="Came without a lunch box"
    )
    from sqlalchemy import delete, update
    from sqlalchemy.exc import DBAPIError

    for stmt in (
        update(Entry).where(Entry.id == entry.id).values(text="changed"),
        delete(Entry).where(Entry.id == entry.id),
    ):
        with pytest.raises(DBAPIError):
            with world.store.session(write=True) as session:
                session.execute(stmt)
    assert (
        journal.list_entries(world.store, world.ref("anna"), log.id)[0].text
        == "Came without a lunch box"
    )


@pytest.mark.rule("R7")
def test_a_correction_is_a_new_entry_pointing_to_the_old(world):
    log = new_log(world)
    wrong = journal.write_entry(world.store, world.ref("anna"), log.id, text="Came at 9")
    fixed = journal.write_entry(
        world.store, world.ref("anna"), log.id, text="Came at 10", corrects_id=wrong.id
    )
    entries = journal.list_entries(world.store, world.ref("anna"), log.id)
    assert {e.id for e in entries} == {wrong.id, fixed.id}
    assert next(e for e in entries if e.id == wrong.id).corrected_by == (fixed.id,)
    assert next(e for e in entries if e.id == fixed.id).corrects_id == wrong.id


@pytest.mark.rule("R7")
def test_an_actor_cannot_change_levels_efforts_or_meetings(world):
    from relaytui.services import efforts, meetings

    log = new_log(world)
    lene = world.ref("lene")
    with pytest.raises(NotAllowed):
        logs.change_level(world.store, lene, log.id, to_level=0, reason="x")
    with pytest.raises(NotAllowed):
        efforts.add_effort(
            world.store,
            lene,
            log.id,
            what="x",
            starts_on=date.today(),
            evaluate_on=date.today(),
            responsible_text="mother",
        )
    with pytest.raises(NotAllowed):
        meetings.schedule(
            world.store, lene, log.id, kind="dialogue", starts_at=clock.now() + timedelta(days=3)
        )


def test_empty_entry_and_unknown_kind_are_refused(world):
    log = new_log(world)
    with pytest.raises(InvalidInput):
        journal.write_entry(world.store, world.ref("anna"), log.id, text="  ")
    with pytest.raises(InvalidInput):
        journal.write_entry(world.store, world.ref("anna"), log.id, text="x", kind="gossip")


def test_text_is_stored_exactly_as_typed(world):
    log = new_log(world)
    text = "[bold red]hi[/] \x1b[31mred\x1b[0m æøå ÆØÅ 👶 שלום " + "x" * 5000
    journal.write_entry(world.store, world.ref("anna"), log.id, text=text)
    assert journal.list_entries(world.store, world.ref("anna"), log.id)[0].text == text


# --- R9 who may read ---------------------------------------------------------------------


@pytest.mark.rule("R9")
def test_only_holder_and_actors_read_and_every_read_is_audited(world):
    log = new_log(world)
    for outsider in ("bo", "carl", "fie"):
        with pytest.raises(NotAllowed):
            logs.get_log(world.store, world.ref(outsider), log.id)
        with pytest.raises(NotAllowed):
            journal.list_entries(world.store, world.ref(outsider), log.id)
    logs.get_log(world.store, world.ref("anna"), log.id)
    with world.store.session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.log_id == log.id)).all()
    actions = [(e.username, e.action) for e in events]
    assert ("anna", "read") in actions
    assert ("bo", "read_refused") in actions and ("carl", "read_refused") in actions


@pytest.mark.rule("R9")
def test_an_administrator_reads_no_log(world):
    log = new_log(world)
    with pytest.raises(NotAllowed):
        logs.get_log(world.store, world.ref("admin"), log.id)
    with pytest.raises(NotAllowed):
        log_list.list_logs(world.store, world.ref("admin"))


@pytest.mark.rule("R9")
def test_the_holder_sees_who_read_the_log_and_actors_do_not(world):
    log = new_log(world)
    logs.get_log(world.store, world.ref("lene"), log.id)
    assert any(
        r.username == "lene"
        for r in log_history.history(world.store, world.ref("anna"), log.id).reads
    )
    assert log_history.history(world.store, world.ref("lene"), log.id).reads == ()


@pytest.mark.rule("R9")
def test_audit_events_hold_no_content(world):
    log = new_log(world)
    journal.write_entry(
        world.store, world.ref("anna"), log.id, text="Secret detail about the father"
    )
    with world.store.session() as session:
        events = session.exec(select(AuditEvent)).all()
        number = session.exec(select(subjects.Subject.national_number)).first()
    blob = " ".join(e.detail for e in events)
    assert "Secret" not in blob and number not in blob


def test_list_logs_shows_held_and_actor_logs_with_masked_numbers(world):
    log = new_log(world)
    mine = log_list.list_logs(world.store, world.ref("anna"))
    assert [(s.id, s.my_role) for s in mine] == [(log.id, "holder")]
    assert mine[0].national_number_masked.endswith("-****")
    assert [(s.id, s.my_role) for s in log_list.list_logs(world.store, world.ref("lene"))] == [
        (log.id, "actor")
    ]
    assert log_list.list_logs(world.store, world.ref("carl")) == []
    assert log_list.list_logs(world.store, world.ref("anna"), search="ida")[0].id == log.id
    assert log_list.list_logs(world.store, world.ref("anna"), search="%") == []
    assert log_list.list_logs(world.store, world.ref("anna"), search="_") == []


# --- R10 closing -------------------------------------------------------------------------


@pytest.mark.rule("R10")
def test_dk_closing_needs_the_right_consultation(world):
    log = new_log(world)
    with pytest.raises(RuleViolation):
        log_closing.close_log(
            world.store, world.ref("anna"), log.id, basis="colleagues", reason="Fine now"
        )
    with pytest.raises(RuleViolation):
        log_closing.close_log(
            world.store,
            world.ref("anna"),
            log.id,
            basis="actors",
            reason="Fine now",
            consultation="Asked the actors",
        )
    consent.record_consent(world.store, world.ref("anna"), log.id, guardian_consent(world))
    logs.change_level(world.store, world.ref("anna"), log.id, to_level=2, reason="x")
    with pytest.raises(RuleViolation):
        log_closing.close_log(
            world.store,
            world.ref("anna"),
            log.id,
            basis="colleagues",
            reason="Fine",
            consultation="Bo agreed",
        )
    closed = log_closing.close_log(
        world.store,
        world.ref("anna"),
        log.id,
        basis="actors",
        reason="Fine",
        consultation="Meeting with the actors on 3 May",
    )
    assert closed.status == "closed"


@pytest.mark.rule("R10")
def test_a_closed_log_is_read_only_forever_and_read_only_with_a_grant(world):
    log = new_log(world)
    log_closing.close_log(
        world.store,
        world.ref("anna"),
        log.id,
        basis="colleagues",
        reason="Fine",
        consultation="Bo agreed",
    )
    with pytest.raises(RuleViolation):
        journal.write_entry(world.store, world.ref("anna"), log.id, text="one more")
    with pytest.raises(RuleViolation):
        logs.change_level(world.store, world.ref("anna"), log.id, to_level=1, reason="reopen")
    with pytest.raises(NotAllowed):
        logs.get_log(world.store, world.ref("anna"), log.id)
    with pytest.raises(NotAllowed):
        logs.grant_read(
            world.store,
            world.ref("anna"),
            log.id,
            staff_id=world.ref("anna").id,
            days=3,
            reason="Court asked",
        )
    with pytest.raises(NotAllowed):
        logs.grant_read(
            world.store,
            world.ref("admin"),
            log.id,
            staff_id=world.ref("admin").id,
            days=3,
            reason="I am curious",
        )
    logs.grant_read(
        world.store,
        world.ref("admin"),
        log.id,
        staff_id=world.ref("carl").id,
        days=3,
        reason="Court asked",
    )
    assert logs.get_log(world.store, world.ref("carl"), log.id).status == "closed"
    start = clock.now()
    clock.set_clock(lambda: start + timedelta(days=4))
    with pytest.raises(NotAllowed):
        logs.get_log(world.store, world.ref("carl"), log.id)


@pytest.mark.rule("R10")
def test_no_guardians_may_end_the_log(no_world):
    world = no_world
    log = new_log(world)
    with pytest.raises(InvalidInput):
        log_closing.close_log(
            world.store, world.ref("anna"), log.id, basis="colleagues", reason="x"
        )
    closed = log_closing.close_log(
        world.store,
        world.ref("anna"),
        log.id,
        basis="guardians_ended",
        reason="The mother ended it by phone on 2 March",
    )
    assert closed.status == "closed"


# --- R15 identity ------------------------------------------------------------------------


@pytest.mark.rule("R15")
@pytest.mark.parametrize("number", ["", "123", "3213991234", "abcdefghij", "0101151234567"])
def test_invalid_danish_numbers_are_refused(world, number):
    with pytest.raises(InvalidInput) as refused:
        subjects.create_subject(world.store, world.ref("anna"), national_number=number, name="X")
    assert "CPR" in str(refused.value)


@pytest.mark.rule("R15")
def test_norwegian_numbers_need_their_checksum_and_d_numbers_pass(no_world):
    from tests.factories import no_number

    world = no_world
    good = no_number(date(2015, 4, 12))
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(InvalidInput):
        subjects.create_subject(world.store, world.ref("anna"), national_number=bad, name="X")
    view = subjects.create_subject(
        world.store, world.ref("anna"), national_number=good, name="Kari"
    )
    assert (
        view.birth_date == date(2015, 4, 12) and view.national_number_masked == good[:6] + "-*****"
    )
    d = no_number(date(2014, 1, 2), d_number=True)
    assert subjects.create_subject(
        world.store, world.ref("anna"), national_number=d, name="D"
    ).birth_date == date(2014, 1, 2)


@pytest.mark.rule("R15")
def test_numbers_are_masked_and_lookups_find_the_holder(world):
    new_log(world)
    with world.store.session() as session:
        number = session.get(subjects.Subject, world.subjects["Ida Jensen"]).national_number
    found = subjects.find_subject(world.store, world.ref("carl"), number[:6] + "-" + number[6:])
    assert found.national_number_masked == number[:6] + "-****"
    assert found.active_log.holder_name == "Anna Holm"


def test_times_are_stored_in_utc_and_come_back_aware(world):
    log = new_log(world)
    assert log.created_at.tzinfo is not None
    assert abs((log.created_at - datetime.now(UTC)).total_seconds()) < 60


def test_stale_level_change_is_refused(world):
    log = new_log(world)
    consent.record_consent(world.store, world.ref("anna"), log.id, guardian_consent(world))
    logs.change_level(
        world.store, world.ref("anna"), log.id, to_level=1, reason="a", version=log.version
    )
    with pytest.raises(StaleWrite):
        logs.change_level(
            world.store, world.ref("anna"), log.id, to_level=2, reason="b", version=log.version
        )
    with world.store.session() as session:
        assert len(session.exec(select(LevelChange).where(LevelChange.log_id == log.id)).all()) == 2


def test_fresh_world_has_no_logs(store):
    world = build_world(store, "dk")
    assert log_list.list_logs(store, world.ref("anna")) == []


def test_search_folds_danish_letters(world):
    world.add_subject("Øjvind Ærø", date(2020, 1, 2))
    log = logs.create_log(
        world.store, world.ref("anna"), subject_id=world.subjects["Øjvind Ærø"], concern="x"
    )
    assert [s.id for s in log_list.list_logs(world.store, world.ref("anna"), search="øjv")] == [
        log.id
    ]
    assert [s.id for s in log_list.list_logs(world.store, world.ref("anna"), search="ÆRØ")] == [
        log.id
    ]
