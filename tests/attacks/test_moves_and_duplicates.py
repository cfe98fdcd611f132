"""Access that should end when people move, actors attached twice, and a login that told
which usernames exist. Each case runs on SQLite and PostgreSQL (the ``store`` fixture).

- A unit's new leader takes over the unit's open logs, the former leader leaves them (R3).
- A member of staff who moves loses what a consent to their former unit gave them (R5).
- The same person is attached to a log once (R5, R9).
- An unknown username, a wrong password and a locked account get one answer.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from relaytui.errors import AccountClosed, InvalidInput, LoginFailed, NotAllowed
from relaytui.models import AuditEvent, Membership
from relaytui.services import (
    access,
    accounts,
    clock,
    consent,
    log_actors,
    log_closing,
    log_list,
    logs,
    papers,
    sign_in,
    units,
)
from relaytui.services.consent import ConsentInput
from tests.factories import build_world, give_password

PASSWORD = "a long and correct passphrase"


@pytest.fixture
def world(store):
    """A Danish municipality on each store: Solsikken daycare (anna, bo, lene leads), Østre
    School (carl, sofus leads), the family department (fie)."""
    return build_world(store, "dk")


def _log(world, holder="anna", subject="Ida Jensen"):
    if subject not in world.subjects:
        world.add_subject(subject, date(2019, 2, 3), guardians=((f"Parent of {subject}", True),))
    return logs.create_log(
        world.store,
        world.ref(holder),
        subject_id=world.subjects[subject],
        concern="Often hungry in the morning.",
    )


def _guardian_of(world, subject):
    return world.guardians["Mette Jensen" if subject == "Ida Jensen" else f"Parent of {subject}"]


def _consent(world, log, subject="Ida Jensen", holder="anna", **covers):
    return consent.record_consent(
        world.store,
        world.ref(holder),
        log.id,
        ConsentInput(
            giver="guardian",
            guardian_id=_guardian_of(world, subject),
            method="signed_form",
            **covers,
        ),
    )


def _reads(world, username, log_id) -> bool:
    try:
        logs.get_log(world.store, world.ref(username), log_id)
    except NotAllowed:
        return False
    return True


def _actors(world, log_id, holder="anna"):
    return sorted(
        (a.name, a.role) for a in log_actors.list_actors(world.store, world.ref(holder), log_id)
    )


def _events(store, log_id, action=None):
    with store.session() as session:
        query = select(AuditEvent).where(AuditEvent.log_id == log_id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return list(session.exec(query.order_by(col(AuditEvent.id))).all())


def _memberships(store, log_id, staff_id):
    with store.session() as session:
        return list(
            session.exec(
                select(Membership)
                .where(Membership.log_id == log_id, Membership.staff_id == staff_id)
                .order_by(col(Membership.id))
            ).all()
        )


# --- a unit gets a new leader (R3) -----------------------------------------------------------


@pytest.mark.rule("R3")
@pytest.mark.parametrize("by", ["admin", "command line"])
def test_a_new_leader_takes_over_the_units_open_logs_and_the_former_leader_leaves_them(world, by):
    log = _log(world)
    assert _reads(world, "lene", log.id)
    admin = world.ref("admin") if by == "admin" else access.system_administrator()
    units.set_leader(world.store, admin, world.units["daycare"], "bo")
    assert not _reads(world, "lene", log.id)
    assert _reads(world, "bo", log.id)
    assert _actors(world, log.id) == [("Bo Berg", "leader")]
    assert log.id not in [row.id for row in log_list.list_logs(world.store, world.ref("lene"))]
    assert log.id in [row.id for row in log_list.list_logs(world.store, world.ref("bo"))]
    # Both changes are in the log's trail, so the child's access report shows them.
    removed = _events(world.store, log.id, "actor_removed")
    added = _events(world.store, log.id, "actor_added")
    assert len(removed) == 1 and "leader" in removed[0].detail
    assert len(added) == 1 and "leader" in added[0].detail
    assert {e.username for e in removed + added} == {admin.username}
    report = papers.access_report(world.store, world.ref("anna"), log.id)
    assert {"actor_removed", "actor_added"} <= {line.action for line in report.lines}


@pytest.mark.rule("R3")
def test_a_leader_change_leaves_other_units_and_closed_logs_alone(world):
    school_log = _log(world, holder="carl", subject="Ole Olsen")
    closed = _log(world, holder="anna", subject="Lis Lund")
    log_closing.close_log(
        world.store, world.ref("anna"), closed.id, basis="colleagues", reason="r", consultation="c"
    )
    before = _memberships(world.store, closed.id, world.ref("lene").id)
    units.set_leader(world.store, world.ref("admin"), world.units["daycare"], "bo")
    assert _reads(world, "sofus", school_log.id)
    assert _actors(world, school_log.id, holder="carl") == [("Sofus Sand", "leader")]
    # A closed log never changes (R10): its memberships stay as they were.
    assert _memberships(world.store, closed.id, world.ref("lene").id) == before
    assert _memberships(world.store, closed.id, world.ref("bo").id) == []


@pytest.mark.rule("R3")
def test_a_former_leader_who_holds_a_log_or_is_named_by_a_consent_reads_on(world):
    held = _log(world, holder="lene", subject="Ole Olsen")
    named = _log(world)
    _consent(world, named, staff_ids=(world.ref("lene").id,))
    units.set_leader(world.store, world.ref("admin"), world.units["daycare"], "bo")
    # She holds the first log: she reads it; the new leader reads along.
    assert logs.get_log(world.store, world.ref("lene"), held.id).my_role == "holder"
    assert _actors(world, held.id, holder="lene") == [("Bo Berg", "leader")]
    # A consent names her in the second: she reads on as an actor, through that consent.
    assert _reads(world, "lene", named.id)
    assert _actors(world, named.id) == [("Bo Berg", "leader"), ("Lene Lund", "actor")]
    rows = [
        r for r in _memberships(world.store, named.id, world.ref("lene").id) if r.removed_at is None
    ]
    assert len(rows) == 1 and rows[0].consent_id is not None


@pytest.mark.rule("R3")
def test_a_new_leader_who_already_reads_is_not_attached_twice(world):
    log = _log(world)
    _consent(world, log, staff_ids=(world.ref("bo").id,))
    log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("bo").id)
    units.set_leader(world.store, world.ref("admin"), world.units["daycare"], "bo")
    assert _actors(world, log.id) == [("Bo Berg", "actor")]
    assert not _reads(world, "lene", log.id)
    # Naming the same leader again changes nothing.
    units.set_leader(world.store, world.ref("admin"), world.units["daycare"], "bo")
    assert _actors(world, log.id) == [("Bo Berg", "actor")]


@pytest.mark.rule("R3")
def test_the_new_leader_is_attached_to_a_log_whose_holder_moved_away(world):
    log = _log(world)
    accounts.set_unit(world.store, world.ref("admin"), "anna", world.units["school"])
    units.set_leader(world.store, world.ref("admin"), world.units["daycare"], "bo")
    # The log is still the daycare's (the unit it was created in): its leader reads along.
    assert _actors(world, log.id) == [("Bo Berg", "leader")]
    assert not _reads(world, "lene", log.id)


# --- a member of staff moves (R5) ----------------------------------------------------------


@pytest.mark.rule("R5")
def test_moving_ends_what_a_consent_to_the_former_unit_gave(world):
    log = _log(world)
    _consent(world, log, unit_ids=(world.units["school"],))
    log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("carl").id)
    assert _reads(world, "carl", log.id)
    accounts.set_unit(world.store, world.ref("admin"), "carl", "Family department")
    assert not _reads(world, "carl", log.id)
    assert log.id not in [row.id for row in log_list.list_logs(world.store, world.ref("carl"))]
    assert _actors(world, log.id) == [("Lene Lund", "leader")]
    # The holder is told, as when a consent is withdrawn, and the trail shows it.
    detail = logs.get_log(world.store, world.ref("anna"), log.id)
    assert detail.needs_attention and "Carl Dahl" in detail.needs_attention
    removed = _events(world.store, log.id, "actor_removed")
    assert len(removed) == 1 and removed[0].username == "admin"
    ended = [r for r in _memberships(world.store, log.id, world.ref("carl").id)]
    assert ended[0].removed_at is not None and ended[0].removed_reason
    # Recording a consent to the log clears the flag, as after a withdrawal.
    _consent(world, log)
    assert logs.get_log(world.store, world.ref("anna"), log.id).needs_attention is None


@pytest.mark.rule("R5")
def test_moving_back_does_not_give_the_access_back(world):
    log = _log(world)
    _consent(world, log, unit_ids=(world.units["school"],))
    log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("carl").id)
    accounts.set_unit(world.store, world.ref("admin"), "carl", None)
    accounts.set_unit(world.store, world.ref("admin"), "carl", "Østre School")
    assert not _reads(world, "carl", log.id)


@pytest.mark.rule("R5")
def test_moving_keeps_what_a_consent_naming_the_person_gave(world):
    log = _log(world)
    _consent(world, log, staff_ids=(world.ref("carl").id,))
    log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("carl").id)
    accounts.set_unit(world.store, world.ref("admin"), "carl", "Family department")
    assert _reads(world, "carl", log.id)
    assert logs.get_log(world.store, world.ref("anna"), log.id).needs_attention is None
    assert _events(world.store, log.id, "actor_removed") == []


@pytest.mark.rule("R5")
def test_moving_keeps_access_when_another_consent_names_the_person(world):
    log = _log(world)
    by_unit = _consent(world, log, unit_ids=(world.units["school"],))
    log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("carl").id)
    by_name = _consent(world, log, staff_ids=(world.ref("carl").id,))
    accounts.set_unit(world.store, world.ref("admin"), "carl", "Family department")
    assert _reads(world, "carl", log.id)
    [carl] = [
        a
        for a in log_actors.list_actors(world.store, world.ref("anna"), log.id)
        if a.name == "Carl Dahl"
    ]
    assert carl.consent_id == by_name.id
    # The consent to the school no longer matters to him.
    consent.withdraw_consent(
        world.store, world.ref("anna"), by_unit.id, version=by_unit.version, reason="Letter"
    )
    assert _reads(world, "carl", log.id)


@pytest.mark.rule("R5")
def test_moving_ends_a_former_leaders_leftover_leader_membership(world):
    """A leader membership left from before leader changes were handled ends at a move."""
    log = _log(world)
    with world.store.session(write=True) as session:  # as an older version left it
        from relaytui.models import Unit

        session.get(Unit, world.units["daycare"]).leader_id = world.ref("bo").id
    assert _reads(world, "lene", log.id)
    accounts.set_unit(world.store, world.ref("admin"), "lene", "Østre School")
    assert not _reads(world, "lene", log.id)
    assert logs.get_log(world.store, world.ref("anna"), log.id).needs_attention


# --- the same person twice (R5) --------------------------------------------------------------


@pytest.mark.rule("R5")
def test_a_guardian_is_attached_once(world):
    log = _log(world)
    peter = world.guardians["Peter Jensen"]
    log_actors.add_actor(world.store, world.ref("anna"), log.id, guardian_id=peter)
    before = _actors(world, log.id)
    with pytest.raises(InvalidInput) as twice:
        log_actors.add_actor(world.store, world.ref("anna"), log.id, guardian_id=peter)
    assert "Peter Jensen" in str(twice.value)
    assert _actors(world, log.id) == before
    assert len(_events(world.store, log.id, "actor_added")) == 1


@pytest.mark.rule("R5")
def test_a_named_person_is_attached_once_however_the_name_is_typed(world):
    log = _log(world)
    _consent(world, log, persons=("Grandma Inge",))
    log_actors.add_actor(world.store, world.ref("anna"), log.id, person_name="Grandma Inge")
    before = _actors(world, log.id)
    for typed in ("Grandma Inge", "  grandma INGE "):
        with pytest.raises(InvalidInput) as twice:
            log_actors.add_actor(world.store, world.ref("anna"), log.id, person_name=typed)
        assert "Grandma Inge" in str(twice.value)
    assert _actors(world, log.id) == before


@pytest.mark.rule("R5")
def test_a_guardian_is_not_attached_again_as_a_named_person_nor_the_subject_twice(world):
    log = _log(world)
    log_actors.add_actor(
        world.store, world.ref("anna"), log.id, guardian_id=world.guardians["Mette Jensen"]
    )
    log_actors.add_actor(world.store, world.ref("anna"), log.id, as_subject=True)
    _consent(world, log, persons=("mette jensen", "Ida Jensen"))
    before = _actors(world, log.id)
    with pytest.raises(InvalidInput) as again:
        log_actors.add_actor(world.store, world.ref("anna"), log.id, person_name="Mette  Jensen")
    assert "Mette Jensen" in str(again.value)
    with pytest.raises(InvalidInput) as subject_twice:
        log_actors.add_actor(world.store, world.ref("anna"), log.id, as_subject=True)
    assert "Ida Jensen" in str(subject_twice.value)
    with pytest.raises(InvalidInput):
        log_actors.add_actor(world.store, world.ref("anna"), log.id, person_name="ida jensen")
    assert _actors(world, log.id) == before


@pytest.mark.rule("R5")
def test_a_staff_member_is_attached_once_also_after_a_consent_ran_out(world):
    log = _log(world)
    now = clock.now()
    _consent(world, log, staff_ids=(world.ref("carl").id,), expires_at=now + timedelta(days=5))
    log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("carl").id)
    with pytest.raises(InvalidInput) as twice:
        log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("carl").id)
    assert "Carl Dahl" in str(twice.value)
    clock.set_clock(lambda: now + timedelta(days=6))
    assert not _reads(world, "carl", log.id)
    _consent(world, log, staff_ids=(world.ref("carl").id,))
    log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("carl").id)
    assert _reads(world, "carl", log.id)
    # One Carl in the list, not an expired one beside the new one.
    assert _actors(world, log.id) == [("Carl Dahl", "actor"), ("Lene Lund", "leader")]
    with pytest.raises(InvalidInput):
        log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("carl").id)


# --- logging in: no answer tells which usernames exist -----------------------------------------


def _refusal(store, username, password) -> LoginFailed:
    with pytest.raises(LoginFailed) as refused:
        sign_in.authenticate(store, username, password)
    return refused.value


def test_unknown_username_wrong_password_and_locked_account_get_one_answer(world):
    store = world.store
    give_password(store, "anna", PASSWORD)
    give_password(store, "bo", PASSWORD)
    unknown = _refusal(store, "nobody", PASSWORD)
    wrong = _refusal(store, "bo", "guess")
    tries = [_refusal(store, "anna", "guess") for _n in range(sign_in.MAX_FAILED_LOGINS)]
    locked_right = _refusal(store, "anna", PASSWORD)
    locked_wrong = _refusal(store, "anna", "guess")
    messages = {str(e) for e in [unknown, wrong, *tries, locked_right, locked_wrong]}
    assert len(messages) == 1, messages
    [message] = messages
    assert "administrator" in message and "locked" in message
    # The types stay: a locked account ends a session that is open (AccountClosed).
    assert not isinstance(unknown, AccountClosed) and not isinstance(wrong, AccountClosed)
    assert all(not isinstance(e, AccountClosed) for e in tries[:-1])
    assert isinstance(tries[-1], AccountClosed)
    assert isinstance(locked_right, AccountClosed) and isinstance(locked_wrong, AccountClosed)


def test_a_disabled_account_says_so_only_to_whoever_knows_its_password(world):
    store = world.store
    give_password(store, "bo", PASSWORD)
    unknown = _refusal(store, "nobody", PASSWORD)
    accounts.disable_user(store, world.ref("admin"), "bo")
    right = _refusal(store, "bo", PASSWORD)
    wrong = _refusal(store, "bo", "guess")
    assert isinstance(right, AccountClosed) and "disabled" in str(right)
    assert str(wrong) == str(unknown) and "disabled" not in str(wrong)
