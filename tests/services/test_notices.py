"""E-mail notices in the outbox: each change queues its notices in its own transaction (a change
that rolls back queues none), only to recipients with an address, never a kind switched off for
the installation or by the recipient, in the recipient's language, and an evaluation once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from relaytui.errors import InvalidInput, NotAllowed
from relaytui.models import AuditEvent, Guardian, Meeting, Notice, Staff
from relaytui.services import (
    clock,
    consent,
    efforts,
    handover,
    log_actors,
    log_closing,
    meetings,
    minutes,
    notices,
)
from tests.factories import guardian_consent, new_log


def outbox(world) -> list[tuple[str, str, str]]:
    """(kind, address, detail) of every notice, in the order queued."""
    with world.store.session() as session:
        rows = session.exec(select(Notice).order_by(col(Notice.id))).all()
        return [(n.kind, n.address, n.detail) for n in rows]


def kinds_to(world, address: str) -> list[str]:
    return [kind for kind, to, _detail in outbox(world) if to == address]


def give_guardian_address(world, name: str, email: str) -> None:
    with world.store.session(write=True) as session:
        session.execute(
            update(Guardian).where(col(Guardian.id) == world.guardians[name]).values(email=email)
        )


def add_bo(world, log_id: int) -> None:
    """Bo becomes an actor through a consent that names him (R5)."""
    consent.record_consent(
        world.store,
        world.ref("anna"),
        log_id,
        guardian_consent(world, staff_ids=(world.ref("bo").id,)),
    )
    log_actors.add_actor(world.store, world.ref("anna"), log_id, staff_id=world.ref("bo").id)


def test_a_new_log_tells_the_guardians_with_custody_and_an_address_and_the_leader(world):
    give_guardian_address(world, "Mette Jensen", "mette@example.invalid")
    give_guardian_address(world, "Peter Jensen", "peter@example.invalid")  # no custody
    log = new_log(world)
    assert outbox(world) == [
        ("actor_added", "lene@example.invalid", ""),  # the nearest leader reads along (R3)
        ("family_log_created", "mette@example.invalid", ""),
    ]
    with world.store.session() as session:
        mette = session.exec(select(Notice).where(Notice.kind == "family_log_created")).one()
        assert mette.log_id == log.id and mette.guardian_id == world.guardians["Mette Jensen"]
        assert mette.staff_id is None and mette.sent_at is None and mette.attempts == 0


def test_no_address_no_notice(world):
    with world.store.session(write=True) as session:
        session.execute(update(Staff).values(email=""))
    new_log(world)
    assert outbox(world) == []


def test_a_change_that_rolls_back_queues_nothing(world, monkeypatch):
    give_guardian_address(world, "Mette Jensen", "mette@example.invalid")
    log = new_log(world)
    before = outbox(world)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the disk is full")

    # Each change fails after its notices were queued, before it commits.
    monkeypatch.setattr(meetings, "meeting_view", broken)
    with pytest.raises(RuntimeError):
        meetings.schedule(
            world.store,
            world.ref("anna"),
            log.id,
            kind="dialogue",
            starts_at=clock.now() + timedelta(days=2),
            invitee_staff_ids=(world.ref("lene").id,),
            guardian_ids=(world.guardians["Mette Jensen"],),
        )
    monkeypatch.setattr(handover, "_view", broken)
    with pytest.raises(RuntimeError):
        handover.propose(world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id)
    monkeypatch.setattr(log_actors, "actor_view", broken)
    consent.record_consent(
        world.store,
        world.ref("anna"),
        log.id,
        guardian_consent(world, staff_ids=(world.ref("bo").id,)),
    )
    with pytest.raises(RuntimeError):
        log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("bo").id)
    assert outbox(world) == before
    with world.store.session() as session:
        assert session.exec(select(Meeting)).first() is None


def test_a_handover_tells_the_receiver_then_the_proposer_with_the_reason(world):
    log = new_log(world)
    waiting = handover.propose(
        world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id
    )
    assert outbox(world)[-1] == ("handover_waiting", "bo@example.invalid", "")
    handover.decline(world.store, world.ref("bo"), waiting.id, message="I am on leave in May")
    assert outbox(world)[-1] == (
        "handover_declined",
        "anna@example.invalid",
        "I am on leave in May",
    )
    again = handover.propose(world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id)
    handover.accept(world.store, world.ref("bo"), again.id)
    assert outbox(world)[-1] == ("handover_accepted", "anna@example.invalid", "")
    with world.store.session() as session:
        told = session.exec(select(Notice).where(Notice.kind == "handover_accepted")).one()
        assert told.handover_id == again.id


def test_an_actor_added_is_told(world):
    log = new_log(world)
    add_bo(world, log.id)
    assert kinds_to(world, "bo@example.invalid") == ["actor_added"]


def test_a_meeting_invites_staff_and_tells_the_family(world):
    give_guardian_address(world, "Mette Jensen", "mette@example.invalid")
    give_guardian_address(world, "Peter Jensen", "peter@example.invalid")
    log = new_log(world)
    add_bo(world, log.id)
    start = len(outbox(world))
    meeting = meetings.schedule(
        world.store,
        world.ref("anna"),
        log.id,
        kind="dialogue",
        starts_at=clock.now() + timedelta(days=2),
        invitee_staff_ids=(world.ref("lene").id, world.ref("bo").id),
        # Peter has no custody but is invited: he is told; Mette has custody: told once.
        guardian_ids=(world.guardians["Peter Jensen"], world.guardians["Mette Jensen"]),
    )
    queued = outbox(world)[start:]
    assert sorted(queued) == [
        ("family_meeting_planned", "mette@example.invalid", ""),
        ("family_meeting_planned", "peter@example.invalid", ""),
        ("meeting_invitation", "bo@example.invalid", ""),
        ("meeting_invitation", "lene@example.invalid", ""),
    ]  # not the holder, who convened it
    with world.store.session() as session:
        assert {n.meeting_id for n in session.exec(select(Notice)).all() if n.meeting_id} == {
            meeting.id
        }
    start = len(outbox(world))
    current = meetings.get_meeting(world.store, world.ref("anna"), meeting.id)
    minutes.finish_minutes(world.store, world.ref("anna"), meeting.id, version=current.version)
    assert sorted(outbox(world)[start:]) == [
        ("minutes_finished", "bo@example.invalid", ""),
        ("minutes_finished", "lene@example.invalid", ""),
    ]


def test_a_kind_switched_off_for_the_installation_queues_nothing(world):
    with pytest.raises(NotAllowed):
        notices.switch_for_installation(world.store, world.ref("anna"), "actor_added", on=False)
    with pytest.raises(InvalidInput):
        notices.switch_for_installation(world.store, world.ref("admin"), "gossip", on=False)
    off = notices.switch_for_installation(world.store, world.ref("admin"), "actor-added", on=False)
    assert off == {"actor_added"}
    assert notices.installation_off(world.store, world.ref("admin")) == {"actor_added"}
    log = new_log(world)
    add_bo(world, log.id)
    assert outbox(world) == []
    notices.switch_for_installation(world.store, world.ref("admin"), "actor_added", on=True)
    handover.propose(world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id)
    assert kinds_to(world, "bo@example.invalid") == ["handover_waiting"]
    with world.store.session() as session:
        changes = session.exec(
            select(AuditEvent.detail).where(AuditEvent.action == "setting_changed")
        ).all()
    assert changes == [
        "notices_off: - -> ,actor_added,",
        "notices_off: ,actor_added, -> -",
    ]


def test_a_kind_switched_off_by_a_member_of_staff_reaches_the_others(world):
    with pytest.raises(NotAllowed):
        notices.switch_for_me(world.store, world.ref("admin"), "actor_added", on=False)
    with pytest.raises(InvalidInput):  # a family notice is not hers to switch
        notices.switch_for_me(world.store, world.ref("lene"), "family_log_created", on=False)
    assert notices.switch_for_me(world.store, world.ref("lene"), "actor_added", on=False) == {
        "actor_added"
    }
    assert notices.my_notices_off(world.store, world.ref("lene")) == {"actor_added"}
    log = new_log(world)
    add_bo(world, log.id)
    assert kinds_to(world, "lene@example.invalid") == []
    assert kinds_to(world, "bo@example.invalid") == ["actor_added"]
    with world.store.session() as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "notices_switched")
        ).one()
        assert (event.username, event.detail) == ("lene", "actor_added off")


def test_the_language_is_the_recipients_else_the_installations_and_the_logs_for_family(world):
    from relaytui.services import accounts

    give_guardian_address(world, "Mette Jensen", "mette@example.invalid")
    accounts.set_language(world.store, world.ref("bo"), "da")
    log = new_log(world, language="nb")
    add_bo(world, log.id)
    with world.store.session() as session:
        spoken = {n.address: n.language for n in session.exec(select(Notice)).all()}
    assert spoken == {
        "lene@example.invalid": "da",  # the dk profile's language
        "mette@example.invalid": "nb",  # the log's
        "bo@example.invalid": "da",
    }


def test_an_evaluation_due_is_told_once_per_date(world):
    log = new_log(world)
    today = clock.today("Europe/Copenhagen")
    soon = efforts.add_effort(
        world.store,
        world.ref("anna"),
        log.id,
        what="Breakfast at the daycare",
        starts_on=today,
        evaluate_on=today + timedelta(days=5),
        responsible_text="mother",
    )
    efforts.add_effort(  # not within the 7 days
        world.store,
        world.ref("anna"),
        log.id,
        what="Later",
        starts_on=today,
        evaluate_on=today + timedelta(days=30),
        responsible_text="mother",
    )
    efforts.add_goal(
        world.store,
        world.ref("anna"),
        log.id,
        text="Ida eats breakfast",
        evaluate_on=today + timedelta(days=1),
    )
    assert notices.queue_evaluations_due(world.store) == 2
    assert notices.queue_evaluations_due(world.store) == 0  # once
    assert kinds_to(world, "anna@example.invalid") == ["evaluation_due", "evaluation_due"]
    with world.store.session() as session:
        keys = sorted(n.once_key for n in session.exec(select(Notice)).all() if n.once_key)
    assert keys[0] == f"evaluation_due:{soon.id}:{(today + timedelta(days=5)).isoformat()}"
    assert all(
        "Breakfast" not in detail and "Ida" not in detail for _k, _a, detail in outbox(world)
    )
    # Evaluated: the next date is told of in its time, not now.
    efforts.evaluate_effort(
        world.store,
        world.ref("anna"),
        soon.id,
        version=soon.version,
        text="Going well",
        next_evaluate_on=today + timedelta(days=40),
    )
    assert notices.queue_evaluations_due(world.store) == 0
    assert notices.queue_evaluations_due(world.store, days=45) == 2  # the new date, and "Later"


def test_a_closed_log_has_no_evaluation_due(world):
    log = new_log(world)
    today = clock.today("Europe/Copenhagen")
    efforts.add_effort(
        world.store,
        world.ref("anna"),
        log.id,
        what="w",
        starts_on=today,
        evaluate_on=today + timedelta(days=2),
        responsible_text="mother",
    )
    log_closing.close_log(
        world.store,
        world.ref("anna"),
        log.id,
        basis="colleagues",
        reason="Fine",
        consultation="Bo agreed",
    )
    assert notices.queue_evaluations_due(world.store) == 0


def test_a_notice_queued_meanwhile_by_another_server_breaks_nothing(world, monkeypatch):
    log = new_log(world)
    today = clock.today("Europe/Copenhagen")
    efforts.add_effort(
        world.store,
        world.ref("anna"),
        log.id,
        what="w",
        starts_on=today,
        evaluate_on=today + timedelta(days=2),
        responsible_text="mother",
    )
    efforts.add_goal(
        world.store, world.ref("anna"), log.id, text="g", evaluate_on=today + timedelta(days=3)
    )
    real = notices.queue

    def behind_the_back(session, kind, **kwargs):
        """Another server commits the same once-only notice just before this one inserts it."""
        if kwargs.get("effort_id") is not None:
            with world.store.session(write=True) as other:
                real(other, kind, **kwargs)
            kwargs = {**kwargs}
            made = real(session, kind, **{**kwargs, "once_key": None})
            made.once_key = kwargs["once_key"]
            return made
        return real(session, kind, **kwargs)

    monkeypatch.setattr(notices, "queue", behind_the_back)
    if world.store.is_sqlite:
        pytest.skip("SQLite has one writer: no other server inserts while this one writes")
    assert notices.queue_evaluations_due(world.store) == 1  # the goal; the effort's was there
    assert sorted(kinds_to(world, "anna@example.invalid")) == ["evaluation_due", "evaluation_due"]


def test_the_log_readers_see_what_was_sent_and_it_is_audited(world):
    give_guardian_address(world, "Mette Jensen", "mette@example.invalid")
    log = new_log(world)
    with pytest.raises(NotAllowed):
        notices.notices_for_log(world.store, world.ref("carl"), log.id)
    with pytest.raises(NotAllowed):
        notices.notices_for_log(world.store, world.ref("admin"), log.id)
    seen = notices.notices_for_log(world.store, world.ref("lene"), log.id)
    assert [(v.kind, v.recipient_name, v.recipient_role, v.state) for v in seen] == [
        ("actor_added", "Lene Lund", "staff", "queued"),
        ("family_log_created", "Mette Jensen", "guardian", "queued"),
    ]
    assert seen[0].kind_label == "Added as an actor" and seen[0].attempts == 0
    with world.store.session() as session:
        reads = session.exec(
            select(AuditEvent.username).where(
                AuditEvent.action == "read", AuditEvent.detail == "notices"
            )
        ).all()
    assert reads == ["lene"]


def test_the_administrator_lists_the_outbox_without_the_child(world):
    give_guardian_address(world, "Mette Jensen", "mette@example.invalid")
    log = new_log(world)
    with pytest.raises(NotAllowed):
        notices.list_notices(world.store, world.ref("anna"))
    lines = notices.list_notices(world.store, world.ref("admin"))
    assert {(line.kind, line.recipient, line.state, line.log_id) for line in lines} == {
        ("actor_added", "lene", "queued", log.id),
        ("family_log_created", "guardian", "queued", log.id),
    }
    assert notices.list_notices(world.store, world.ref("admin"), state="sent") == []
    with pytest.raises(InvalidInput):
        notices.list_notices(world.store, world.ref("admin"), state="lost")
    text = repr(lines)
    assert "Ida" not in text and "Jensen" not in text and "mette@" not in text
    with world.store.session() as session:
        assert (
            session.exec(
                select(AuditEvent.detail).where(AuditEvent.action == "notices_listed")
            ).first()
            == "all: 2"
        )
