"""The level dashboard counts what the rules say, however its statement is built (issue 6).

The dashboard is one hand-tuned statement per scope; here it is checked against the plainest
reading of the rules, log by log through the ORM, on a generated municipality where every
kind of figure occurs (closed logs, consents missing, expired, withdrawn and about to expire,
efforts due and not, meetings soon, later and cancelled, pending handovers).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from relaytui.demo_large import Size, populate
from relaytui.models import Consent, Effort, Handover, Meeting, RelayLog, Staff, Unit
from relaytui.services import clock, consent, dashboard, handover, sign_in
from relaytui.services.dashboard import EXPIRING_DAYS, Figures

WORLD = Size(
    logs=900,
    entries=900,
    meetings=1800,
    efforts=2700,
    staff=16,
    units=2,
    long_logs=1,
    long_entries=10,
)


def _by_the_rules(store, scope: str, unit_id: int | None, where) -> Figures:
    """The figures of the open logs ``where`` selects, counted one log at a time."""
    now = clock.now()
    today = clock.today("Europe/Copenhagen")
    per_level = {level: 0 for level in (0, 1, 2, 3)}
    counts = {
        "overdue": 0,
        "meetings": 0,
        "handovers": 0,
        "missing": 0,
        "expired": 0,
        "withdrawn": 0,
        "expiring": 0,
    }
    with store.session() as session:
        for log in session.exec(select(RelayLog).where(RelayLog.status != "closed", where)).all():
            per_level[log.level] += 1
            counts["overdue"] += len(
                session.exec(
                    select(Effort).where(
                        Effort.log_id == log.id,
                        Effort.status == "active",
                        col(Effort.evaluate_on) < today,
                    )
                ).all()
            )
            counts["meetings"] += len(
                session.exec(
                    select(Meeting).where(
                        Meeting.log_id == log.id,
                        Meeting.status == "planned",
                        col(Meeting.starts_at) >= now,
                        col(Meeting.starts_at) < now + timedelta(days=14),
                    )
                ).all()
            )
            counts["handovers"] += len(
                session.exec(
                    select(Handover).where(Handover.log_id == log.id, Handover.status == "pending")
                ).all()
            )
            state = consent.log_consent_state(session, log)
            if state in ("missing", "expired", "withdrawn"):
                counts[state] += 1
            elif not any(
                consent.state_of(c) == "in_force"
                and (c.expires_at is None or c.expires_at > now + timedelta(days=EXPIRING_DAYS))
                for c in session.exec(
                    select(Consent).where(
                        Consent.log_id == log.id, col(Consent.covers_log).is_(True)
                    )
                ).all()
            ):
                counts["expiring"] += 1
    return Figures(
        scope=scope,
        unit_id=unit_id,
        logs_per_level=per_level,
        overdue_evaluations=counts["overdue"],
        meetings_next_14_days=counts["meetings"],
        pending_handovers=counts["handovers"],
        consent_missing=counts["missing"],
        consent_expired=counts["expired"],
        consent_withdrawn=counts["withdrawn"],
        consent_expiring=counts["expiring"],
    )


@pytest.fixture
def demo_store(store):
    populate(store, size=WORLD)
    return store


def test_a_caseworkers_figures_are_those_of_the_logs_she_holds(demo_store):
    anna = sign_in.authenticate(demo_store, "anna", "demo")
    mine = dashboard.my_figures(demo_store, anna)
    assert mine == _by_the_rules(demo_store, "mine", None, RelayLog.holder_id == anna.id)
    assert sum(mine.logs_per_level.values()) > 0


def _a_pending_handover(store, unit_id: int) -> None:
    """One open log of the unit offered by its holder to a colleague of the same unit."""
    with store.session() as session:
        log = session.exec(
            select(RelayLog)
            .where(RelayLog.unit_id == unit_id, RelayLog.status != "closed")
            .order_by(RelayLog.id)
        ).first()
        holder = session.get(Staff, log.holder_id)
        colleague = session.exec(
            select(Staff).where(
                Staff.unit_id == holder.unit_id,
                Staff.id != holder.id,
                Staff.role == "caseworker",
                col(Staff.active),
            )
        ).first()
        log_id, username, colleague_id = log.id, holder.username, colleague.id
    handover.propose(
        store, sign_in.authenticate(store, username, "demo"), log_id, to_staff_id=colleague_id
    )


def _a_withdrawn_consent(store, unit_id: int) -> None:
    """The guardians of one open log of the unit withdraw its only consent, through its holder."""
    with store.session() as session:
        for log in session.exec(
            select(RelayLog)
            .where(RelayLog.unit_id == unit_id, RelayLog.status != "closed")
            .order_by(RelayLog.id)
        ).all():
            given = session.exec(select(Consent).where(Consent.log_id == log.id)).all()
            if len(given) == 1 and consent.state_of(given[0]) == "in_force":
                username = session.get(Staff, log.holder_id).username
                consent_id, version = given[0].id, given[0].version
                break
    consent.withdraw_consent(
        store,
        sign_in.authenticate(store, username, "demo"),
        consent_id,
        version=version,
        reason="The parents withdrew it",
    )


def _withdrawn_then_expired(store, unit_id: int) -> None:
    """A log without consent gets two that lapsed: the older withdrawn, the newer expired (so
    its state is expired: the newest decides)."""
    now = clock.now()
    with store.session(write=True) as session:
        log = next(
            log
            for log in session.exec(
                select(RelayLog)
                .where(RelayLog.unit_id == unit_id, RelayLog.status != "closed")
                .order_by(RelayLog.id)
            )
            if consent.log_consent_state(session, log) == "missing"
        )
        for given, expires, withdrawn in ((200, None, 100), (50, 10, None)):
            session.add(
                Consent(
                    log_id=log.id,
                    giver_kind="guardian",
                    giver_name="Mor",
                    method="signed_form",
                    given_at=now - timedelta(days=given),
                    covers_log=True,
                    expires_at=now - timedelta(days=expires) if expires else None,
                    withdrawn_at=now - timedelta(days=withdrawn) if withdrawn else None,
                    recorded_by=log.holder_id,
                    recorded_at=now - timedelta(days=given),
                )
            )


def test_a_leaders_figures_are_those_of_the_open_logs_of_each_unit(demo_store):
    lene = sign_in.authenticate(demo_store, "lene", "demo")
    _a_pending_handover(demo_store, lene.unit_id)
    _a_withdrawn_consent(demo_store, lene.unit_id)
    _withdrawn_then_expired(demo_store, lene.unit_id)
    figures = dashboard.unit_figures(demo_store, lene)
    with demo_store.session() as session:
        led = session.exec(
            select(Unit).where(Unit.leader_id == lene.id).order_by(col(Unit.name))
        ).all()
    assert [f.unit_id for f in figures] == [unit.id for unit in led] and figures
    for unit, found in zip(led, figures, strict=True):
        assert found == _by_the_rules(demo_store, unit.name, unit.id, RelayLog.unit_id == unit.id)
    # The demo_store is varied enough for each figure to mean something.
    for name in (
        "overdue_evaluations",
        "meetings_next_14_days",
        "pending_handovers",
        "consent_missing",
        "consent_expired",
        "consent_withdrawn",
        "consent_expiring",
    ):
        assert sum(getattr(f, name) for f in figures) > 0, name


def test_closing_a_log_takes_it_out_of_every_figure(demo_store):
    lene = sign_in.authenticate(demo_store, "lene", "demo")
    before = dashboard.unit_figures(demo_store, lene)[0]
    with demo_store.session(write=True) as session:
        log = session.exec(
            select(RelayLog)
            .where(RelayLog.unit_id == before.unit_id, RelayLog.status != "closed")
            .order_by(RelayLog.id)
        ).first()
        level, log_id = log.level, log.id
        # Straight to the table: the service would also end its efforts and meetings, and this
        # test is about the dashboard's own filter.
        log.status = "closed"
        session.add(log)
    after = dashboard.unit_figures(demo_store, lene)[0]
    assert after.logs_per_level[level] == before.logs_per_level[level] - 1
    with demo_store.session() as session:
        assert session.get(RelayLog, log_id).status == "closed"
    assert after == _by_the_rules(
        demo_store, after.scope, after.unit_id, RelayLog.unit_id == after.unit_id
    )
