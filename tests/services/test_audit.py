"""The audit trail: a hash chain that shows a changed, removed or inserted event."""

import threading

import pytest
from sqlalchemy import text

from relaytui.errors import NotAllowed
from relaytui.services import access, audit, logs
from tests.services.test_logs import new_log


def _without_guard(store, statement, params=None):
    """Tamper as an attacker with database access would: past the append-only trigger."""
    with store.engine.begin() as conn:
        if store.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_delete")
            conn.execute(text(statement), params or {})
        else:  # the PostgreSQL database outlives the test: the guard goes back on at once
            conn.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
            conn.execute(text(statement), params or {})
            conn.exec_driver_sql("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")


@pytest.mark.rule("R9")
def test_an_intact_chain_verifies(world):
    log = new_log(world)
    logs.write_entry(world.store, world.ref("anna"), log.id, text="x")
    report = audit.verify(world.store, access.system_administrator())
    assert report.intact and report.events >= 2


@pytest.mark.rule("R9")
@pytest.mark.parametrize("tamper, problem", [
    ("UPDATE audit_event SET username = 'mallory' WHERE id = 2", "changed"),
    ("DELETE FROM audit_event WHERE id = 2", "gap"),
])
def test_a_changed_or_removed_event_is_found(world, tamper, problem):
    log = new_log(world)
    for n in range(3):
        logs.write_entry(world.store, world.ref("anna"), log.id, text=f"e{n}")
    _without_guard(world.store, tamper)
    report = audit.verify(world.store, access.system_administrator())
    assert not report.intact and report.problem == problem and report.broken_at in (2, 3)


@pytest.mark.rule("R9")
def test_events_cut_off_the_end_are_found(world):
    log = new_log(world)
    for n in range(3):
        logs.write_entry(world.store, world.ref("anna"), log.id, text=f"e{n}")
    with world.store.session() as session:
        from sqlmodel import func, select

        from relaytui.models import AuditEvent

        newest = session.exec(select(func.max(AuditEvent.id))).one()
    _without_guard(world.store, f"DELETE FROM audit_event WHERE id >= {newest - 1}")
    report = audit.verify(world.store, access.system_administrator())
    assert not report.intact and report.problem == "cut" and report.broken_at == newest
    # The chain goes on from where it was cut only in appearance: verify still says so.
    logs.write_entry(world.store, world.ref("anna"), log.id, text="later")
    assert not audit.verify(world.store, access.system_administrator()).intact


@pytest.mark.rule("R9")
def test_an_inserted_event_is_found(world):
    log = new_log(world)
    logs.write_entry(world.store, world.ref("anna"), log.id, text="e")
    with world.store.session(write=True) as session:
        from relaytui.models import AuditEvent

        first = session.get(AuditEvent, 1)
        forged_prev = first.hash
    _without_guard(world.store,
                   "INSERT INTO audit_event (id, at, staff_id, username, action, detail, prev_hash, hash) "
                   "VALUES (1000, :at, NULL, 'x', 'read', '', :prev, 'forged')",
                   {"at": first.at.replace(tzinfo=None), "prev": forged_prev})
    assert not audit.verify(world.store, access.system_administrator()).intact


def test_the_trail_is_append_only_in_the_database(world):
    from sqlalchemy.exc import DBAPIError

    new_log(world)
    with pytest.raises(DBAPIError):
        with world.store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE audit_event SET username = 'x'")


def test_only_an_administrator_verifies_and_exports(world):
    with pytest.raises(NotAllowed):
        audit.verify(world.store, world.ref("anna"))


def test_a_subject_trail_names_readers_and_is_itself_recorded(world):
    log = new_log(world)
    logs.get_log(world.store, world.ref("lene"), log.id)
    with world.store.session() as session:
        from relaytui.models import Subject

        number = session.get(Subject, world.subjects["Ida Jensen"]).national_number
    name, lines = audit.subject_trail(world.store, access.system_administrator(), number)
    assert name == "Ida Jensen"
    assert ("Lene Lund", "read") in [(line.full_name, line.action) for line in lines]
    _name, again = audit.subject_trail(world.store, access.system_administrator(), number)
    assert again[-1].action == "audit_export"


def test_concurrent_writers_keep_one_chain(world):
    log = new_log(world)
    errors = []

    def write(n):
        try:
            for i in range(5):
                logs.write_entry(world.store, world.ref("anna"), log.id, text=f"{n}-{i}")
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(logs.list_entries(world.store, world.ref("anna"), log.id)) == 30
    assert audit.verify(world.store, access.system_administrator()).intact


@pytest.mark.postgres
def test_an_audited_transaction_holds_the_chain_only_while_it_commits(pg_store):
    """Issue 18: the chain's lock is taken when the transaction commits, not when its first
    event is recorded. A read whose transaction is still going on (here: held open) no longer
    makes every other audited action wait for it."""
    from tests.factories import build_world

    world = build_world(pg_store, "dk")
    log = new_log(world)
    anna = world.ref("anna")
    done = threading.Event()
    with pg_store.session(write=True) as session:
        access.log_for_read(session, anna, log.id, what="log")  # an audited read, not committed
        other = threading.Thread(target=lambda: (logs.get_log(pg_store, anna, log.id), done.set()))
        other.start()
        # Before: the other read waited for this transaction's end on the chain's lock.
        assert done.wait(10), "an audited read waited for another transaction to end"
    other.join()
    report = audit.verify(pg_store, access.system_administrator())
    assert report.intact, report
    reads = [e for e in logs.history(pg_store, anna, log.id).reads if e.what == "log"]
    assert len(reads) == 2  # both reads are in the chain, in the order they committed
