"""The log list: keyset pages, filters and sorting, in the database, on both stores."""

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from relaytui.errors import InvalidInput
from relaytui.services import clock, consent, efforts, handover, logs, meetings
from relaytui.services.logs import LogQuery
from tests.services.test_logs import guardian_consent


@pytest.fixture
def many(world):
    """Anna holds 23 logs with different names, levels, entries and meetings."""
    start = clock.now()
    ids = []
    for n in range(23):
        name = f"Child {chr(65 + (n * 7) % 23)}{n:02d}"
        world.add_subject(name, date(2018, 1 + n % 12, 1 + n % 27), guardians=((f"Parent {n}", True),))
        clock.set_clock(lambda n=n: start - timedelta(days=100 - n))
        log = logs.create_log(world.store, world.ref("anna"), subject_id=world.subjects[name], concern="c")
        ids.append(log.id)
        if n % 3 == 0:
            logs.write_entry(world.store, world.ref("anna"), log.id, text=f"entry {n}")
        if n % 4 == 0:
            consent.record_consent(world.store, world.ref("anna"), log.id, consent.ConsentInput(
                giver="guardian", guardian_id=world.guardians[f"Parent {n}"], method="oral"))
            logs.change_level(world.store, world.ref("anna"), log.id, to_level=1 + n % 3, reason="r")
    clock.set_clock(None)
    return world, ids


def all_pages(world, query, limit=5, who="anna"):
    rows, cursor, pages = [], None, 0
    while True:
        page = logs.list_page(world.store, world.ref(who), query, after=cursor, limit=limit)
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
    efforts.add_effort(world.store, world.ref("anna"), ids[2], what="x", starts_on=date.today() - timedelta(days=9),
                       evaluate_on=date.today() - timedelta(days=2), responsible_text="mother")
    assert [r.id for r in all_pages(world, LogQuery(attention="handover"))[0]] == [ids[1]]
    assert [r.id for r in all_pages(world, LogQuery(attention="overdue"))[0]] == [ids[2]]
    assert ids[1] in {r.id for r in all_pages(world, LogQuery(attention="any"))[0]}
    meetings.schedule(world.store, world.ref("anna"), ids[3], kind="dialogue", starts_at=clock.now() + timedelta(days=3))
    assert [r.id for r in all_pages(world, LogQuery(attention="meeting_soon"))[0]] == [ids[3]]
    first = all_pages(world, LogQuery(sort="next_meeting"))[0][0]
    assert first.id == ids[3] and first.next_meeting_at is not None
    logs.close_log(world.store, world.ref("anna"), ids[5], basis="colleagues", reason="ok", consultation="Bo")
    assert ids[5] not in {r.id for r in all_pages(world, LogQuery())[0]}
    assert all_pages(world, LogQuery(status="closed"))[0] == []  # closed: only with a grant


def test_search_by_name_and_number_prefix(many):
    world, ids = many
    rows = logs.list_page(world.store, world.ref("anna"), LogQuery(search="child a")).rows
    assert rows and all(r.subject_name.lower().startswith("child a") for r in rows)
    with world.store.session() as session:
        from relaytui.models import Subject

        number = session.get(Subject, world.subjects["Child A00"]).national_number
    found = logs.list_page(world.store, world.ref("anna"), LogQuery(search=number[:6] + "-" + number[6:8])).rows
    assert "Child A00" in [r.subject_name for r in found]
    for hostile in ("%", "_", "'; DROP TABLE relay_log; --", "\\"):
        assert logs.list_page(world.store, world.ref("anna"), LogQuery(search=hostile)).rows == ()


def test_a_page_costs_the_same_number_of_statements_whatever_its_size(many):
    world, _ids = many
    counts = []
    for limit in (2, 20):
        seen = []

        def count(*_args, **_kwargs):
            seen.append(1)

        event.listen(world.store.engine, "before_cursor_execute", count)
        try:
            logs.list_page(world.store, world.ref("anna"), LogQuery(), limit=limit)
        finally:
            event.remove(world.store.engine, "before_cursor_execute", count)
        counts.append(len(seen))
    assert counts[0] == counts[1]


def test_bad_queries_and_cursors_are_refused(world):
    with pytest.raises(InvalidInput):
        logs.list_page(world.store, world.ref("anna"), LogQuery(sort="nonsense"))
    with pytest.raises(InvalidInput):
        logs.list_page(world.store, world.ref("anna"), LogQuery(), after="not-a-cursor")


def test_a_lapsed_consent_hides_the_log_from_the_actor(world):
    log = logs.create_log(world.store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"], concern="c")
    given = consent.record_consent(world.store, world.ref("anna"), log.id,
                                   guardian_consent(world, staff_ids=(world.ref("carl").id,)))
    consent.add_actor(world.store, world.ref("anna"), log.id, staff_id=world.ref("carl").id)
    assert [r.id for r in logs.list_page(world.store, world.ref("carl")).rows] == [log.id]
    consent.withdraw_consent(world.store, world.ref("anna"), given.id, version=given.version, reason="letter")
    assert logs.list_page(world.store, world.ref("carl")).rows == ()
