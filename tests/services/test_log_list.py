"""The log list: keyset pages, filters and sorting, in the database, on both stores."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from relaytui.errors import InvalidInput
from relaytui.services import (
    clock,
    consent,
    efforts,
    handover,
    journal,
    log_actors,
    log_closing,
    log_list,
    logs,
    meetings,
)
from relaytui.services.log_list import LogQuery
from tests.factories import guardian_consent


@pytest.fixture
def many(world):
    """Anna holds 23 logs with different names, levels, entries and meetings."""
    start = clock.now()
    ids = []
    for n in range(23):
        name = f"Child {chr(65 + (n * 7) % 23)}{n:02d}"
        world.add_subject(
            name, date(2018, 1 + n % 12, 1 + n % 27), guardians=((f"Parent {n}", True),)
        )
        clock.set_clock(lambda n=n: start - timedelta(days=100 - n))
        log = logs.create_log(
            world.store, world.ref("anna"), subject_id=world.subjects[name], concern="c"
        )
        ids.append(log.id)
        if n % 3 == 0:
            journal.write_entry(world.store, world.ref("anna"), log.id, text=f"entry {n}")
        if n % 4 == 0:
            consent.record_consent(
                world.store,
                world.ref("anna"),
                log.id,
                consent.ConsentInput(
                    giver="guardian", guardian_id=world.guardians[f"Parent {n}"], method="oral"
                ),
            )
            logs.change_level(
                world.store, world.ref("anna"), log.id, to_level=1 + n % 3, reason="r"
            )
    clock.set_clock(None)
    return world, ids


def all_pages(world, query, limit=5, who="anna"):
    rows, cursor, pages = [], None, 0
    while True:
        page = log_list.list_page(world.store, world.ref(who), query, after=cursor, limit=limit)
        rows.extend(page.rows)
        pages += 1
        if page.next_cursor is None:
            return rows, pages
        cursor = page.next_cursor


@pytest.mark.parametrize("sort", ["name", "level", "last_entry", "next_meeting"])
@pytest.mark.parametrize("descending", [False, True])
def test_pages_cover_every_log_once_in_order(many, sort, descending):
    world, ids = many
    rows, pages = all_pages(world, LogQuery(sort=sort, descending=descending))
    assert sorted(r.id for r in rows) == sorted(ids) and pages == 5
    if sort == "name":
        names = [r.subject_name.lower() for r in rows]
        assert names == sorted(names, reverse=descending)
    if sort == "level":
        levels = [r.level for r in rows]
        assert levels == sorted(levels, reverse=descending)


def test_filters_by_level_role_status_and_attention(many):
    world, ids = many
    assert {r.level for r in all_pages(world, LogQuery(level=2))[0]} == {2}
    assert len(all_pages(world, LogQuery(role="actor"))[0]) == 0
    lene_rows, _pages = all_pages(world, LogQuery(role="actor"), who="lene")
    assert len(lene_rows) == 23 and all(r.my_role == "actor" for r in lene_rows)
    # attention: a pending handover, an overdue effort, a withdrawn consent
    handover.propose(world.store, world.ref("anna"), ids[1], to_staff_id=world.ref("bo").id)
    efforts.add_effort(
        world.store,
        world.ref("anna"),
        ids[2],
        what="x",
        starts_on=date.today() - timedelta(days=9),
        evaluate_on=date.today() - timedelta(days=2),
        responsible_text="mother",
    )
    assert [r.id for r in all_pages(world, LogQuery(attention="handover"))[0]] == [ids[1]]
    assert [r.id for r in all_pages(world, LogQuery(attention="overdue"))[0]] == [ids[2]]
    assert ids[1] in {r.id for r in all_pages(world, LogQuery(attention="any"))[0]}
    meetings.schedule(
        world.store,
        world.ref("anna"),
        ids[3],
        kind="dialogue",
        starts_at=clock.now() + timedelta(days=3),
    )
    assert [r.id for r in all_pages(world, LogQuery(attention="meeting_soon"))[0]] == [ids[3]]
    first = all_pages(world, LogQuery(sort="next_meeting"))[0][0]
    assert first.id == ids[3] and first.next_meeting_at is not None
    log_closing.close_log(
        world.store, world.ref("anna"), ids[5], basis="colleagues", reason="ok", consultation="Bo"
    )
    assert ids[5] not in {r.id for r in all_pages(world, LogQuery())[0]}
    assert all_pages(world, LogQuery(status="closed"))[0] == []  # closed: only with a grant


def test_search_by_name_and_number_prefix(many):
    world, ids = many
    rows = log_list.list_page(world.store, world.ref("anna"), LogQuery(search="child a")).rows
    assert rows and all(r.subject_name.lower().startswith("child a") for r in rows)
    with world.store.session() as session:
        from relaytui.models import Subject

        number = session.get(Subject, world.subjects["Child A00"]).national_number
    found = log_list.list_page(
        world.store, world.ref("anna"), LogQuery(search=number[:6] + "-" + number[6:8])
    ).rows
    assert "Child A00" in [r.subject_name for r in found]
    for hostile in ("%", "_", "'; DROP TABLE relay_log; --", "\\"):
        assert (
            log_list.list_page(world.store, world.ref("anna"), LogQuery(search=hostile)).rows == ()
        )


def test_a_page_costs_the_same_number_of_statements_whatever_its_size(many):
    world, _ids = many
    counts = []
    for limit in (2, 20):
        seen = []

        def count(*_args, **_kwargs):
            seen.append(1)

        event.listen(world.store.engine, "before_cursor_execute", count)
        try:
            log_list.list_page(world.store, world.ref("anna"), LogQuery(), limit=limit)
        finally:
            event.remove(world.store.engine, "before_cursor_execute", count)
        counts.append(len(seen))
    assert counts[0] == counts[1]


def test_bad_queries_and_cursors_are_refused(world):
    with pytest.raises(InvalidInput):
        log_list.list_page(world.store, world.ref("anna"), LogQuery(sort="nonsense"))
    with pytest.raises(InvalidInput):
        log_list.list_page(world.store, world.ref("anna"), LogQuery(), after="not-a-cursor")


def test_a_lapsed_consent_hides_the_log_from_the_actor(world):
    log = logs.create_log(
        world.store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"], concern="c"
    )
    given = consent.record_consent(
        world.store,
        world.ref("anna"),
        log.id,
        guardian_consent(world, staff_ids=(world.ref("carl").id,)),
    )
    log_actors.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("carl").id)
    assert [r.id for r in log_list.list_page(world.store, world.ref("carl")).rows] == [log.id]
    consent.withdraw_consent(
        world.store, world.ref("anna"), given.id, version=given.version, reason="letter"
    )
    assert log_list.list_page(world.store, world.ref("carl")).rows == ()


# --- the figures of each row, against the rules read log by log -----------------------------


def _figures_by_the_rules(store, log_id: int) -> dict:
    """What the list must show for one log, each figure asked of the database on its own."""
    from sqlmodel import col, func, select

    from relaytui.models import Effort, Entry, Handover, Meeting, RelayLog, Staff

    now, today = clock.now(), clock.today("Europe/Copenhagen")
    with store.session() as session:
        log = session.get(RelayLog, log_id)
        return {
            "holder_name": session.get(Staff, log.holder_id).full_name,
            "consent_state": consent.log_consent_state(session, log),
            "overdue_evaluations": session.exec(
                select(func.count())
                .select_from(Effort)
                .where(
                    Effort.log_id == log_id,
                    Effort.status == "active",
                    col(Effort.evaluate_on) < today,
                )
            ).one(),
            "pending_handover": session.exec(
                select(Handover).where(Handover.log_id == log_id, Handover.status == "pending")
            ).first()
            is not None,
            "next_meeting_at": session.exec(
                select(func.min(Meeting.starts_at)).where(
                    Meeting.log_id == log_id,
                    Meeting.status == "planned",
                    col(Meeting.starts_at) >= now,
                )
            ).one(),
            "last_entry_at": session.exec(
                select(func.max(Entry.written_at)).where(Entry.log_id == log_id)
            ).one(),
            "level": log.level,
            "status": log.status,
            "needs_attention": log.needs_attention,
        }


def _shown(row) -> dict:
    return {
        "holder_name": row.holder_name,
        "consent_state": row.consent_state,
        "overdue_evaluations": row.overdue_evaluations,
        "pending_handover": row.pending_handover,
        "next_meeting_at": row.next_meeting_at,
        "last_entry_at": row.last_entry_at,
        "level": row.level,
        "status": row.status,
        "needs_attention": row.needs_attention,
    }


def _comparable(figures: dict) -> dict:
    """Times as aware UTC instants to the second (SQLite hands back naive text for aggregates)."""

    out = dict(figures)
    for key in ("next_meeting_at", "last_entry_at"):
        value = out[key]
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value is not None:
            value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
            out[key] = value.replace(microsecond=0)
    return out


@pytest.mark.parametrize("walk", [False, True], ids=["collected", "walked"])
def test_every_row_shows_the_figures_of_its_own_log(store, monkeypatch, walk):
    """Each page's figures are computed in the page's own statement; here every row of every
    page, for a leader who reads many logs, is checked against its log read on its own, by
    both plans (collecting the visible logs, or walking the name index)."""
    from relaytui.demo_large import Size, populate
    from relaytui.services import sign_in

    populate(
        store,
        size=Size(
            logs=900,
            entries=1800,
            meetings=1800,
            efforts=2700,
            staff=16,
            units=2,
            long_logs=1,
            long_entries=10,
        ),
    )
    monkeypatch.setattr(log_list, "WALK_FROM", 1 if walk else 10**9)
    lene = sign_in.authenticate(store, "lene", "demo")
    rows, cursor = [], None
    while True:
        page = log_list.list_page(store, lene, LogQuery(), after=cursor, limit=25)
        rows.extend(page.rows)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(rows) > 25
    wrong = {
        row.id: (_comparable(_shown(row)), _comparable(_figures_by_the_rules(store, row.id)))
        for row in rows
    }
    wrong = {log_id: pair for log_id, pair in wrong.items() if pair[0] != pair[1]}
    assert wrong == {}
    # The world is varied enough for each figure to mean something.
    assert {row.consent_state for row in rows} >= {"ok", "missing", "expired"}
    assert any(row.overdue_evaluations for row in rows) and any(row.next_meeting_at for row in rows)
    assert all(row.last_entry_at for row in rows if row.id == 1)


def test_the_header_of_every_log_shows_the_figures_of_its_own_log(store):
    """Issue 18: opening a log reads its header in one statement; every log's header is
    checked here against its figures read one by one, and the holder's contact against
    subjects.holder_contact."""
    from sqlmodel import select

    from relaytui.demo_large import Size, populate
    from relaytui.models import RelayLog, Staff
    from relaytui.services import access, subjects

    populate(
        store,
        size=Size(
            logs=300,
            entries=600,
            meetings=600,
            efforts=900,
            staff=16,
            units=2,
            long_logs=1,
            long_entries=10,
        ),
    )
    with store.session() as session:
        found = [
            (
                log.id,
                access.to_ref(session.get(Staff, log.holder_id)),
                subjects.holder_contact(session, log),
            )
            for log in session.exec(select(RelayLog).where(RelayLog.status != "closed"))
        ]
    states, wrong = set(), {}
    for log_id, holder, contact in found:
        header = logs.open_log(store, holder, log_id, with_entries=False).detail
        shown = {
            "consent_state": header.consent_state,
            "overdue_evaluations": header.overdue_evaluations,
            "pending_handover": header.pending_handover_id is not None,
            "holder": header.holder,
            "level": header.level,
        }
        rules = _figures_by_the_rules(store, log_id)
        expected = {
            "consent_state": rules["consent_state"],
            "overdue_evaluations": rules["overdue_evaluations"],
            "pending_handover": rules["pending_handover"],
            "holder": contact,
            "level": rules["level"],
        }
        if shown != expected:
            wrong[log_id] = (shown, expected)
        states.add(header.consent_state)
    assert wrong == {}
    assert len(found) > 50 and states >= {"ok", "missing", "expired"}
