"""Every refused read is in the audit trail, whoever tried: a member of staff who is no
reader, an administrator, a disabled or a locked account (R9). The child's access report
shows each attempt."""

from __future__ import annotations

import pytest
from sqlmodel import select

from relaytui.errors import NotAllowed
from relaytui.models import AuditEvent, Staff
from relaytui.services import access, logs


def _refusals(store, log_id: int) -> list[tuple[str, str]]:
    with store.session() as session:
        rows = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "read_refused", AuditEvent.log_id == log_id
            )
        ).all()
        return [(row.username, row.detail) for row in rows]


@pytest.mark.rule("R9")
@pytest.mark.parametrize(
    "who", ["not a reader", "administrator", "account disabled", "account locked"]
)
def test_every_refused_read_is_recorded_with_the_child(world, who):
    store = world.store
    log = logs.create_log(
        store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"], concern="c"
    )
    username = {"not a reader": "carl", "administrator": "admin"}.get(who, "bo")
    by = world.ref(username)
    if who in ("account disabled", "account locked"):
        with store.session(write=True) as session:
            row = session.exec(select(Staff).where(Staff.username == username)).one()
            if who == "account disabled":
                row.active = False
            else:
                row.locked = True
            session.add(row)
    with pytest.raises(NotAllowed):
        logs.get_log(store, by, log.id)
    assert (username, f"log; {who}") in _refusals(store, log.id)
    with store.session() as session:
        subject = session.exec(
            select(AuditEvent.subject_id).where(
                AuditEvent.action == "read_refused", AuditEvent.log_id == log.id
            )
        ).first()
    assert subject == world.subjects["Ida Jensen"]  # in the child's access report


@pytest.mark.rule("R9")
def test_the_command_line_refused_a_read_is_recorded_too(world):
    store = world.store
    log = logs.create_log(
        store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"], concern="c"
    )
    with pytest.raises(NotAllowed):
        logs.get_log(store, access.system_administrator(), log.id)
    assert [d for _u, d in _refusals(store, log.id)] == ["log; administrator"]
