"""Tampering with the audit trail, as an attacker with write access to the database would:
past the append-only triggers, with SQL. Every case up to the last signed checkpoint must be
found by ``audit verify``; what happened after it cannot be, and a test says so.

Run with ``-s`` to see the figures (cases tried / found) that the README reports.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlmodel import select

from relaytui.models import AuditEvent
from relaytui.services import access, audit, checkpoints, journal, logs
from relaytui.signing import Signer
from tests.factories import build_world
from tests.tampering import heads_onto, rechain

FOUND: dict[str, bool] = {}
#: Whether the hash chain alone (no key, no checkpoint, as before issue 14) saw the same case.
CHAIN_ALONE: dict[str, bool] = {}


def _tamper(store, *statements: tuple[str, dict]) -> None:
    """SQL past the append-only guard of events and checkpoints (put back afterwards on
    PostgreSQL, whose database outlives the test)."""
    tables = ("audit_event", "audit_checkpoint")
    with store.engine.begin() as conn:
        if store.is_sqlite:
            for table in tables:
                for when in ("update", "delete"):
                    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_{when}")
        else:
            for table in tables:
                conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        for statement, params in statements:
            conn.execute(text(statement), params)
        if not store.is_sqlite:
            for table in tables:
                conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")


@pytest.fixture
def trail(store, tmp_path):
    """A municipality with a log, 30 audited actions, a signed checkpoint, 6 actions more."""
    world = build_world(store, "dk")
    anna = world.ref("anna")
    log = logs.create_log(store, anna, subject_id=world.subjects["Ida Jensen"], concern="c")
    for n in range(10):
        journal.write_entry(store, anna, log.id, text=f"entry {n}")
        logs.get_log(store, world.ref("lene"), log.id)
    signer = Signer(Ed25519PrivateKey.generate())
    file = tmp_path / "audit.checkpoints"
    made = checkpoints.take(store, signer, file=file)
    assert made is not None
    for n in range(3):
        journal.write_entry(store, anna, log.id, text=f"after {n}")
    return store, signer, file, made


def _verify(store, signer, file, *, from_file: bool = False):
    return audit.verify(
        store,
        access.system_administrator(),
        public_key=signer.public,
        checkpoint_file=file,
        from_file=from_file,
    )


def _events(store) -> list[AuditEvent]:
    with store.session() as session:
        return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)))


def test_an_untouched_trail_and_its_checkpoint_verify(trail):
    store, signer, file, made = trail
    report = _verify(store, signer, file)
    assert report.intact, report.findings
    assert report.checkpoints == 1 and report.last_checkpoint.last_id == made.last_id
    assert report.uncovered == report.events - made.events > 0
    assert _verify(store, signer, file, from_file=True).intact


CASES = (
    "change",
    "delete_middle",
    "delete_tail_keep_head",
    "delete_tail_and_head",
    "forged_insert",
    "reorder",
    "rewrite_with_new_hashes",
    "delete_everything",
    "delete_checkpoint_row",
    "forged_checkpoint",
    "swap_across_chains",
    "move_to_another_chain",
    "cut_one_chain_and_its_head",
    "rewrite_one_chain",
)


@pytest.mark.rule("R9")
@pytest.mark.parametrize("case", CASES)
def test_tampering_up_to_the_checkpoint_is_found(trail, case, request):
    store, signer, file, made = trail
    events = _events(store)
    middle = made.last_id // 2
    if case == "change":
        _tamper(
            store, ("UPDATE audit_event SET username = 'mallory' WHERE id = :id", {"id": middle})
        )
    elif case == "delete_middle":
        _tamper(store, ("DELETE FROM audit_event WHERE id = :id", {"id": middle}))
    elif case == "delete_tail_keep_head":
        _tamper(store, ("DELETE FROM audit_event WHERE id > :id", {"id": middle}))
    elif case == "delete_tail_and_head":
        # The attacker cuts the trail and moves the stored head onto what is left.
        kept = [e for e in events if e.id <= middle]
        _tamper(
            store, ("DELETE FROM audit_event WHERE id > :id", {"id": middle}), *heads_onto(kept)
        )
    elif case == "forged_insert":
        # A new event chained in properly: everything after it rewritten with new hashes.
        forged = AuditEvent(
            **{**events[middle - 1].model_dump(), "id": None, "username": "mallory"}
        )
        _tamper(store, *rechain(store, events[:middle] + [forged] + events[middle:]))
    elif case == "reorder":
        swapped = list(events)
        swapped[middle - 1], swapped[middle] = swapped[middle], swapped[middle - 1]
        _tamper(store, *rechain(store, swapped))
    elif case == "rewrite_with_new_hashes":
        rewritten = [
            AuditEvent(**{**e.model_dump(), "username": "someone else"})
            if e.username == "lene"
            else e
            for e in events
        ]
        _tamper(store, *rechain(store, rewritten))
    elif case == "delete_everything":
        _tamper(store, ("DELETE FROM audit_event", {}), *heads_onto([]))
    elif case == "delete_checkpoint_row":
        # Hide the checkpoint too: the file outside the database still has it.
        kept = [e for e in events if e.id <= middle]
        _tamper(
            store,
            ("DELETE FROM audit_checkpoint", {}),
            ("DELETE FROM audit_event WHERE id > :id", {"id": middle}),
            *heads_onto(kept),
        )
    elif case == "forged_checkpoint":
        # Rewrite the trail and sign a checkpoint for it with a key of one's own.
        rewritten = [AuditEvent(**{**e.model_dump(), "username": "someone else"}) for e in events]
        _tamper(store, *rechain(store, rewritten))
        checkpoints.take(store, Signer(Ed25519PrivateKey.generate()))
    elif case == "swap_across_chains":
        # Two events of different people (different chains) change places in the order of ids:
        # each chain's own order is unchanged.
        first = next(
            e
            for e, after in zip(events, events[1:], strict=False)
            if e.chain != after.chain and after.id <= made.last_id
        )
        second = events[events.index(first) + 1]
        _tamper(
            store,
            ("UPDATE audit_event SET id = -1 WHERE id = :a", {"a": first.id}),
            ("UPDATE audit_event SET id = :a WHERE id = :b", {"a": first.id, "b": second.id}),
            ("UPDATE audit_event SET id = :b WHERE id = -1", {"b": second.id}),
        )
    elif case == "move_to_another_chain":
        _tamper(
            store,
            (
                "UPDATE audit_event SET chain = :c WHERE id = :id",
                {"c": (events[middle - 1].chain + 1) % audit.CHAINS, "id": middle},
            ),
        )
    elif case == "cut_one_chain_and_its_head":
        # The newest signed events of one person's chain removed, that chain's head moved back
        # onto what is left: every other chain untouched, the newest signed event among them.
        newest_chain = next(e.chain for e in events if e.id == made.last_id)
        other = [e for e in events if e.chain != newest_chain]
        gone = [e for e in other if e.id > other[len(other) // 2].id]
        kept = [e for e in events if e not in gone]
        _tamper(
            store,
            (
                "DELETE FROM audit_event WHERE id IN ({})".format(
                    ",".join(str(e.id) for e in gone)
                ),
                {},
            ),
            *heads_onto(kept),
        )
    elif case == "rewrite_one_chain":
        # One person's chain rewritten with new hashes, under the same ids; the chain that
        # holds the newest signed event, and how many events there are, stay as they were.
        newest_chain = next(e.chain for e in events if e.id == made.last_id)
        assert [e.id for e in events] == list(range(1, len(events) + 1))
        rewritten = [
            AuditEvent(**{**e.model_dump(), "username": "someone else"})
            if e.chain != newest_chain
            else e
            for e in events
        ]
        _tamper(store, *rechain(store, rewritten))
    report = _verify(store, signer, file)
    from_file = _verify(store, signer, file, from_file=True)
    FOUND[f"{case}[{request.node.callspec.id}]"] = not report.intact and not from_file.intact
    CHAIN_ALONE[f"{case}[{request.node.callspec.id}]"] = not audit.verify(
        store, access.system_administrator()
    ).intact
    assert not report.intact, f"{case}: not found"
    assert not from_file.intact, f"{case}: not found from the file alone"


def test_a_restore_of_a_truncated_backup_is_refused(sqlite_store, tmp_path, monkeypatch):
    """The backup file is cut short (and its head moved): the checkpoint file outside says
    that events up to the checkpoint were there."""
    import shutil

    from relaytui import backup, restore

    store = sqlite_store
    world = build_world(store, "dk")
    log = logs.create_log(
        store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"], concern="c"
    )
    for n in range(6):
        journal.write_entry(store, world.ref("anna"), log.id, text=f"e{n}")
    signer = Signer(Ed25519PrivateKey.generate())
    file = tmp_path / "audit.checkpoints"
    made = checkpoints.take(store, signer, file=file)
    saved = tmp_path / "saved.db"
    backup.backup(store, saved)
    checkpoints.record_backup(file, signer, saved)  # what 'db backup' does with the key at hand
    from relaytui.db import open_store

    cut = open_store(str(saved))
    events = _events(cut)
    kept = [e for e in events if e.id <= made.last_id - 3]
    _tamper(
        cut,
        ("DELETE FROM audit_event WHERE id > :id", {"id": kept[-1].id}),
        ("DELETE FROM audit_checkpoint", {}),
        *heads_onto(kept),
    )
    cut.dispose()
    assert audit.verify(
        open_store(str(saved)), access.system_administrator()
    ).intact  # the chain alone: fooled
    monkeypatch.setattr("relaytui.signing.checkpoint_file", lambda: file)
    monkeypatch.setattr("relaytui.signing.configured_public_key", lambda: signer.public)
    target = tmp_path / "target.db"
    shutil.copyfile(store.url.replace("sqlite:///", ""), target)
    from relaytui.errors import DomainError

    with pytest.raises(DomainError) as refused:
        restore.restore(open_store(str(target)), restore.check_file(saved, "sqlite"), force=True)
    assert "checkpoint" in refused.value.message
    FOUND["restore_of_a_truncated_backup"] = True
    CHAIN_ALONE["restore_of_a_truncated_backup"] = False  # the chain in the backup verified, above
    # The untouched backup of a moment later is recorded and restores.
    again = tmp_path / "again.db"
    backup.backup(store, again)
    checkpoints.record_backup(file, signer, again)
    assert restore.restore(
        open_store(str(target)), restore.check_file(again, "sqlite"), force=True
    ).audit_events


def test_what_happened_after_the_last_checkpoint_cannot_be_seen(trail):
    """The limit, written down: events after the newest checkpoint, removed with the head
    moved back, leave no trace. Checkpoints often make this window small."""
    store, signer, file, made = trail
    events = _events(store)
    kept = [e for e in events if e.id <= made.last_id]
    _tamper(
        store, ("DELETE FROM audit_event WHERE id > :id", {"id": made.last_id}), *heads_onto(kept)
    )
    assert _verify(store, signer, file).intact


def test_an_unreadable_time_is_named_not_an_unexpected_error(trail):
    store, signer, file, made = trail
    if not store.is_sqlite:
        pytest.skip("PostgreSQL keeps a timestamp a timestamp: only SQLite stores text")
    _tamper(store, ("UPDATE audit_event SET at = 'not a time' WHERE id = 3", {}))
    report = _verify(store, signer, file)
    assert not report.intact and report.problem == "unreadable" and report.broken_at == 3


def teardown_module() -> None:
    if FOUND:
        print(
            f"\ntampering cases found: {sum(FOUND.values())} of {len(FOUND)} "
            f"(by the hash chain alone: {sum(CHAIN_ALONE.values())})"
        )
        for name, found in sorted(FOUND.items()):
            print(
                f"  {'found' if found else 'MISSED'}  {'chain alone' if CHAIN_ALONE.get(name) else '           '}  {name}"
            )
