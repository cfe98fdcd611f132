"""Each screen's load issues a fixed number of SQL statements, whatever the number of rows.

The same loads run on a small municipality and on one three times as large (more logs, and
more entries, efforts and meetings per log, and three times the actors, consents, efforts,
goals, level changes and holders on log 1); a count that grows means a query per row, which
is what makes a screen slow at municipality scale (issue 6; the timings are in benchmarks/).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from relaytui.demo_large import Size, populate
from relaytui.services import (
    access,
    clock,
    consent,
    dashboard,
    efforts,
    handover,
    journal,
    log_actors,
    log_history,
    log_list,
    logs,
    meetings,
    papers,
    sign_in,
    staff_calendar,
)
from relaytui.services.log_list import LogQuery

SMALL = Size(
    logs=60, entries=600, meetings=60, efforts=60, staff=16, units=2, long_logs=1, long_entries=10
)
LARGE = Size(
    logs=180,
    entries=5400,
    meetings=540,
    efforts=540,
    staff=16,
    units=2,
    long_logs=1,
    long_entries=30,
)


class Counter:
    """Counts the statements sent on the store's engine while ``active``."""

    def __init__(self, store) -> None:
        self.count = 0
        self.active = False
        event.listen(store.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        if self.active:
            self.count += 1

    def __call__(self, load) -> int:
        load()  # warm: the first call may read the schema or fill caches
        self.count, self.active = 0, True
        try:
            load()
        finally:
            self.active = False
        return self.count


def _fresh_store(request, store):
    """An empty, migrated store of the same kind (entries and the audit trail refuse DELETE)."""
    import os
    import shutil

    from relaytui.db import open_store

    if store.is_sqlite:
        path = request.getfixturevalue("tmp_path") / "larger.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        os.chmod(path, 0o600)
        return open_store(str(path))
    from tests.postgres import truncate_all

    url = request.getfixturevalue("pg_database")
    store.dispose()
    truncate_all(url)
    return open_store(url)


def _held_meeting(store, by, log_id: int) -> int:
    """A meeting of the log with finished minutes: the one whose minutes paper says most."""
    return next(
        m.id for m in meetings.list_meetings(store, by, log_id) if m.minutes_finished_at is not None
    )


def _loads(store) -> dict[str, object]:
    """Every screen's load, as the screens call the services, for lene (a leader) and anna; and
    every paper of log 1 (the screens and the command line make them alike)."""
    from relaytui.models import RelayLog, Subject

    lene = sign_in.authenticate(store, "lene", "demo")
    anna = sign_in.authenticate(store, "anna", "demo")
    admin = sign_in.authenticate(store, "admin", "demo")
    # The log with 1,000 entries of the large demo (log 1), held by anna; one of its meetings.
    log_id = 1
    assert logs.get_log(store, anna, log_id).holder_id == anna.id
    meeting_id = meetings.list_meetings(store, anna, log_id)[-1].id
    held_id = _held_meeting(store, anna, log_id)
    with store.session() as session:
        national_number = session.get(
            Subject, session.get(RelayLog, log_id).subject_id
        ).national_number
    week = clock.now() - timedelta(days=1)
    second_page = log_list.list_page(store, lene, LogQuery(), limit=5).next_cursor
    return {
        "log list: first page": lambda: log_list.list_page(store, lene, LogQuery()),
        "log list: next page": lambda: log_list.list_page(
            store, lene, LogQuery(), after=second_page
        ),
        "log list: attention filter": lambda: log_list.list_page(
            store, lene, LogQuery(attention="any")
        ),
        "dashboard: mine": lambda: dashboard.my_figures(store, anna),
        "dashboard: unit": lambda: dashboard.unit_figures(store, lene),
        "log view: get_log": lambda: logs.get_log(store, anna, log_id),
        "log view: list_entries": lambda: journal.list_entries(store, anna, log_id),
        "log view: open_log": lambda: logs.open_log(store, anna, log_id),
        "log view: list_efforts": lambda: efforts.list_efforts(store, anna, log_id),
        "log view: list_actors": lambda: log_actors.list_actors(store, anna, log_id),
        "log view: list_meetings": lambda: meetings.list_meetings(store, anna, log_id),
        "log view: history": lambda: log_history.history(store, anna, log_id),
        "planner: my_meetings": lambda: staff_calendar.my_meetings(
            store, anna, start=week, days=35
        ),
        "minutes: get_meeting": lambda: meetings.get_meeting(store, anna, meeting_id),
        "consents: list_consents": lambda: consent.list_consents(store, anna, log_id),
        "papers: consent_form": lambda: papers.consent_form(store, anna, log_id),
        "papers: guardian_copy": lambda: papers.guardian_copy(store, anna, log_id),
        "papers: meeting_paper": lambda: papers.meeting_paper(store, anna, held_id),
        "papers: access_report": lambda: papers.access_report(store, anna, log_id),
        "papers: subject_access_report": lambda: papers.subject_access_report(
            store, admin, national_number
        ),
    }


#: Loads that still look rows up one by one, with why (load name -> reason). Empty since issue 6
#: batched efforts, actors, consents, history and papers; a load listed here may grow, and must.
KNOWN_PER_ROW: dict[str, str] = {}


def _thicken_log_one(store, rows: int) -> None:
    """Give log 1 ``rows`` more consents (each covering a member of staff, a named person and a
    unit), actors, efforts and goals (agreed in its held meeting), level changes and holders,
    through the services.

    The generated municipality gives log 1 about the same few actors, level changes and holders
    at every size, so without this a per-row look-up there would not show in the counts.
    """
    from sqlmodel import col, select

    from relaytui.models import Guardian, Membership, RelayLog, Staff

    anna = sign_in.authenticate(store, "anna", "demo")
    with store.session() as session:
        log = session.get(RelayLog, 1)
        taken = {
            log.holder_id,
            *session.exec(
                select(Membership.staff_id).where(
                    Membership.log_id == 1, col(Membership.staff_id).is_not(None)
                )
            ).all(),
        }
        others = session.exec(
            select(Staff)
            .where(Staff.role != "admin", col(Staff.id).not_in(taken))
            .order_by(col(Staff.id))
        ).all()
        # A colleague of anna's own unit: a handover to them needs no consent (no transition).
        colleague = next(access.to_ref(s) for s in others if s.unit_id == anna.unit_id)
        readers = [s.id for s in others if s.id != colleague.id][:rows]
        units = {s.id: s.unit_id for s in others}
        guardians = session.exec(
            select(Guardian).where(
                Guardian.subject_id == log.subject_id, col(Guardian.has_custody).is_(True)
            )
        ).all()
        guardian_ids = [
            g.id
            for g in session.exec(select(Guardian).where(Guardian.subject_id == log.subject_id))
        ]
    assert len(readers) == rows, "SMALL/LARGE need more staff for the extra actors"
    persons = tuple(f"Person {n}" for n in range(rows))
    giver = (
        {"giver": "guardian", "guardian_id": guardians[0].id} if guardians else {"giver": "subject"}
    )
    # A consent each, so the consents and their covers both grow with ``rows``.
    for staff_id, person in zip(readers, persons, strict=True):
        consent.record_consent(
            store,
            anna,
            1,
            consent.ConsentInput(
                method="signed_form",
                staff_ids=(staff_id,),
                persons=(person,),
                unit_ids=(units[staff_id],) if units[staff_id] else (),
                **giver,
            ),
        )
    for staff_id in readers:
        log_actors.add_actor(store, anna, 1, staff_id=staff_id)
    for person in persons:
        log_actors.add_actor(store, anna, 1, person_name=person)
    for guardian_id in guardian_ids:
        log_actors.add_actor(store, anna, 1, guardian_id=guardian_id)
    today = clock.today("Europe/Copenhagen")
    held_id = _held_meeting(store, anna, 1)
    for n in range(rows):
        who = {"responsible_staff_id": readers[n]} if n % 2 else {"responsible_text": "mor"}
        effort = efforts.add_effort(
            store,
            anna,
            1,
            what=f"Effort {n}",
            starts_on=today,
            evaluate_on=today + timedelta(days=30),
            meeting_id=held_id,
            **who,
        )
        efforts.evaluate_effort(
            store,
            anna,
            effort.id,
            version=effort.version,
            text="Going well",
            next_evaluate_on=today + timedelta(days=40),
        )
        goal = efforts.add_goal(
            store,
            anna,
            1,
            text=f"Goal {n}",
            evaluate_on=today + timedelta(days=30),
            meeting_id=held_id,
        )
        efforts.evaluate_goal(
            store,
            anna,
            goal.id,
            version=goal.version,
            text="Nearly there",
            next_evaluate_on=today + timedelta(days=40),
        )
        level = logs.get_log(store, anna, 1).level
        logs.change_level(store, anna, 1, to_level=2 if level == 3 else 3, reason="Reassessed")
        there = handover.propose(store, anna, 1, to_staff_id=colleague.id)
        handover.accept(store, colleague, there.id)
        back = handover.propose(store, colleague, 1, to_staff_id=anna.id)
        handover.accept(store, anna, back.id)


def _rows_of_log_one(store) -> dict[str, int]:
    """How many rows the per-row loads of log 1 show."""
    from sqlmodel import col, func, select

    from relaytui.models import (
        Consent,
        ConsentCover,
        Effort,
        Evaluation,
        Goal,
        HolderPeriod,
        LevelChange,
        Membership,
    )

    def count(query) -> int:
        with store.session() as session:
            return session.exec(query).one()

    return {
        "actors": count(
            select(func.count())
            .select_from(Membership)
            .where(Membership.log_id == 1, col(Membership.removed_at).is_(None))
        ),
        "efforts": count(select(func.count()).select_from(Effort).where(Effort.log_id == 1)),
        "evaluations": count(
            select(func.count())
            .select_from(Evaluation)
            .join(Effort, Effort.id == Evaluation.effort_id)
            .where(Effort.log_id == 1)
        ),
        "level changes": count(
            select(func.count()).select_from(LevelChange).where(LevelChange.log_id == 1)
        ),
        "holders": count(
            select(func.count()).select_from(HolderPeriod).where(HolderPeriod.log_id == 1)
        ),
        "consents": count(select(func.count()).select_from(Consent).where(Consent.log_id == 1)),
        "consent covers": count(
            select(func.count())
            .select_from(ConsentCover)
            .join(Consent, Consent.id == ConsentCover.consent_id)
            .where(Consent.log_id == 1)
        ),
        "goals": count(select(func.count()).select_from(Goal).where(Goal.log_id == 1)),
        "agreed efforts": count(
            select(func.count())
            .select_from(Effort)
            .where(Effort.log_id == 1, col(Effort.meeting_id).is_not(None))
        ),
        "agreed goals": count(
            select(func.count())
            .select_from(Goal)
            .where(Goal.log_id == 1, col(Goal.meeting_id).is_not(None))
        ),
    }


def _counts(store, size: Size) -> tuple[dict[str, int], dict[str, int]]:
    """The statements per load, and the rows of log 1 they show."""
    populate(store, size=size)
    _thicken_log_one(store, rows=2 * size.logs // SMALL.logs)
    counter = Counter(store)
    counts = {name: counter(load) for name, load in _loads(store).items()}
    event.remove(store.engine, "before_cursor_execute", counter._seen)
    return counts, _rows_of_log_one(store)


@pytest.fixture
def counts(request, store):
    small = _counts(store, SMALL)
    again = _fresh_store(request, store)
    try:
        large = _counts(again, LARGE)
    finally:
        again.dispose()
    return small, large


def test_no_load_issues_more_statements_on_three_times_the_rows(counts):
    (small, _), (large, _) = counts
    grown = {
        name: (small[name], large[name])
        for name in small
        if large[name] > small[name] and name not in KNOWN_PER_ROW
    }
    assert grown == {}, f"statements per load grew with the rows (small, large): {grown}"
    for name in KNOWN_PER_ROW:
        if large[name] <= small[name]:
            pytest.fail(f"{name} no longer grows with the rows: remove it from KNOWN_PER_ROW")


def test_the_larger_store_has_more_of_every_row_a_load_lists(counts):
    """Kept honest: a count that stays fixed means something only if the rows behind it grew,
    and an exemption in KNOWN_PER_ROW only if it names a load."""
    (small, small_rows), (_, large_rows) = counts
    assert set(KNOWN_PER_ROW) <= set(small), "KNOWN_PER_ROW names a load that does not exist"
    flat = {
        kind: (small_rows[kind], large_rows[kind])
        for kind in small_rows
        if large_rows[kind] <= small_rows[kind]
    }
    assert flat == {}, f"log 1 has no more of these rows in the larger store (small, large): {flat}"
