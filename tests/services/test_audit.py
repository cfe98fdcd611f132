"""The audit trail: a hash chain that shows a changed, removed or inserted event."""

import threading

import pytest
from sqlalchemy import text

from relaytui.errors import NotAllowed
from relaytui.services import access, audit, journal, log_history, logs
from tests.factories import new_log


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
    journal.write_entry(world.store, world.ref("anna"), log.id, text="x")
    report = audit.verify(world.store, access.system_administrator())
    assert report.intact and report.events >= 2


@pytest.mark.rule("R9")
@pytest.mark.parametrize(
    "tamper, problem",
    [
        ("UPDATE audit_event SET username = 'mallory' WHERE id = 2", "changed"),
        ("DELETE FROM audit_event WHERE id = 2", "gap"),
    ],
)
def test_a_changed_or_removed_event_is_found(world, tamper, problem):
    log = new_log(world)
    for n in range(3):
        journal.write_entry(world.store, world.ref("anna"), log.id, text=f"e{n}")
    _without_guard(world.store, tamper)
    report = audit.verify(world.store, access.system_administrator())
    assert not report.intact and report.problem == problem and report.broken_at in (2, 3)


@pytest.mark.rule("R9")
def test_events_cut_off_the_end_are_found(world):
    log = new_log(world)
    for n in range(3):
        journal.write_entry(world.store, world.ref("anna"), log.id, text=f"e{n}")
    with world.store.session() as session:
        from sqlmodel import func, select

        from relaytui.models import AuditEvent

        newest = session.exec(select(func.max(AuditEvent.id))).one()
    _without_guard(world.store, f"DELETE FROM audit_event WHERE id >= {newest - 1}")
    report = audit.verify(world.store, access.system_administrator())
    assert not report.intact and report.problem == "cut" and report.broken_at == newest
    # The chain goes on from where it was cut only in appearance: verify still says so.
    journal.write_entry(world.store, world.ref("anna"), log.id, text="later")
    assert not audit.verify(world.store, access.system_administrator()).intact


@pytest.mark.rule("R9")
def test_an_inserted_event_is_found(world):
    log = new_log(world)
    journal.write_entry(world.store, world.ref("anna"), log.id, text="e")
    with world.store.session(write=True) as session:
        from relaytui.models import AuditEvent

        first = session.get(AuditEvent, 1)
        forged_prev = first.hash
    _without_guard(
        world.store,
        "INSERT INTO audit_event (id, at, staff_id, username, action, detail, prev_hash, hash) "
        "VALUES (1000, :at, NULL, 'x', 'read', '', :prev, 'forged')",
        {"at": first.at.replace(tzinfo=None), "prev": forged_prev},
    )
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
                journal.write_entry(world.store, world.ref("anna"), log.id, text=f"{n}-{i}")
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(journal.list_entries(world.store, world.ref("anna"), log.id)) == 30
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
    reads = [e for e in log_history.history(pg_store, anna, log.id).reads if e.what == "log"]
    assert len(reads) == 2  # both reads are in the chain, in the order they committed


@pytest.mark.rule("R9")
def test_each_person_s_actions_go_to_their_own_chain(world):
    """Issue 18: the trail is several chains; each event names its chain, each chain has its
    head, and the whole verifies."""
    from sqlmodel import select

    from relaytui.models import AuditEvent

    log = new_log(world)
    anna, lene = world.ref("anna"), world.ref("lene")
    assert audit.chain_of(anna.id) != audit.chain_of(lene.id)
    for n in range(3):
        journal.write_entry(world.store, anna, log.id, text=f"e{n}")
        logs.get_log(world.store, lene, log.id)
    with world.store.session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.log_id == log.id)).all()
        heads = audit.heads(session)
    assert {e.chain for e in events if e.username == "anna"} == {audit.chain_of(anna.id)}
    assert {e.chain for e in events if e.username == "lene"} == {audit.chain_of(lene.id)}
    assert heads[audit.chain_of(lene.id)][0] == max(e.id for e in events if e.username == "lene")
    assert audit.verify(world.store, access.system_administrator()).intact


def test_people_writing_at_once_keep_every_chain_whole(world):
    log = new_log(world)
    errors = []

    def act(who, n):
        try:
            for i in range(5):
                if who == "anna":
                    journal.write_entry(world.store, world.ref("anna"), log.id, text=f"{n}-{i}")
                else:
                    logs.get_log(world.store, world.ref(who), log.id)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [
        threading.Thread(target=act, args=(who, n)) for n, who in enumerate(["anna", "lene"] * 3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = audit.verify(world.store, access.system_administrator())
    assert report.intact, report


@pytest.mark.postgres
def test_one_person_s_commit_does_not_hold_another_s_chain(pg_store):
    """Issue 18: each chain has its own lock. While anna's chain is locked (a commit under
    way), lene's audited read finishes; anna's own next one waits for it."""
    from tests.factories import build_world

    world = build_world(pg_store, "dk")
    log = new_log(world)
    anna, lene = world.ref("anna"), world.ref("lene")
    lene_done, anna_done = threading.Event(), threading.Event()
    with pg_store.engine.connect() as holder:
        holder.execute(
            text("SELECT pg_advisory_xact_lock(:k, :c)"),
            {"k": audit.CHAIN_LOCK_KEY, "c": audit.chain_of(anna.id)},
        )
        others = [
            threading.Thread(
                target=lambda: (logs.get_log(pg_store, lene, log.id), lene_done.set())
            ),
            threading.Thread(
                target=lambda: (logs.get_log(pg_store, anna, log.id), anna_done.set())
            ),
        ]
        for thread in others:
            thread.start()
        assert lene_done.wait(10), "a read in another chain waited for anna's chain"
        assert not anna_done.wait(0.5), "anna's chain was not locked"
        holder.rollback()
    for thread in others:
        thread.join()
    assert anna_done.is_set()
    assert audit.verify(pg_store, access.system_administrator()).intact


@pytest.mark.postgres
def test_an_event_joins_the_head_as_it_is_at_commit_not_as_the_session_read_it(pg_store):
    """The head is read under the chain's lock, fresh: a head the session read earlier (a read
    of all settings does) and another transaction moved meanwhile must not fork the chain."""
    from relaytui.models import Setting
    from tests.factories import build_world

    world = build_world(pg_store, "dk")
    log = new_log(world)
    anna = world.ref("anna")
    with pg_store.session(write=True) as session:
        held = session.get(
            Setting, audit.head_key(audit.chain_of(anna.id))
        )  # kept: in the session's map
        assert held is not None
        access.log_for_read(session, anna, log.id, what="log")
        journal.write_entry(pg_store, anna, log.id, text="meanwhile")  # commits in the same chain
    report = audit.verify(pg_store, access.system_administrator())
    assert report.intact, report
