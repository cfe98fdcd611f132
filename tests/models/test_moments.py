"""A moment read back from SQLite is the moment written, aware and in UTC, whatever form the
text in the file has (the fast path reads the stored form; anything else takes the default)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator

from relaytui.models.base import UTCDateTime


class _DefaultPath(UTCDateTime):
    """The same type without the fast path: what TypeDecorator composes by itself."""

    cache_ok = True

    def result_processor(self, dialect, coltype):
        return TypeDecorator.result_processor(self, dialect, coltype)


@pytest.fixture(scope="module")
def table():
    engine = create_engine("sqlite://")
    metadata = MetaData()
    moments = Table(
        "moments",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("at", UTCDateTime()),
        Column("same", _DefaultPath()),
    )
    metadata.create_all(engine)
    yield engine, moments
    engine.dispose()


aware = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=5))]),
)


@given(moment=aware)
def test_a_moment_written_reads_back_the_same_and_in_utc(table, moment):
    engine, moments = table
    with engine.begin() as conn:
        row_id = conn.execute(insert(moments).values(at=moment, same=moment)).inserted_primary_key[
            0
        ]
        at, same = conn.execute(
            select(moments.c.at, moments.c.same).where(moments.c.id == row_id)
        ).one()
    assert at == moment
    assert at.tzinfo is UTC
    assert (at, at.tzinfo) == (same, same.tzinfo)


@pytest.mark.parametrize(
    ("stored", "moment"),
    [
        # the form SQLAlchemy writes
        ("2026-12-07 12:00:00.123456", datetime(2026, 12, 7, 12, 0, 0, 123456, tzinfo=UTC)),
        ("2018-09-24 07:15:00", datetime(2018, 9, 24, 7, 15, tzinfo=UTC)),  # no fraction
        ("2026-12-07T12:00:00", datetime(2026, 12, 7, 12, tzinfo=UTC)),  # another separator
        ("2026-12-07 14:00:00+02:00", datetime(2026, 12, 7, 12, tzinfo=UTC)),  # its own zone
        ("2026-12-07 12:00:00+00:00", datetime(2026, 12, 7, 12, tzinfo=UTC)),
        (None, None),
    ],
)
def test_text_in_any_form_reads_as_the_default_path_reads_it(table, stored, moment):
    engine, moments = table
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM moments"))
        conn.execute(text("INSERT INTO moments (id, at, same) VALUES (1, :v, :v)"), {"v": stored})
        at, same = conn.execute(select(moments.c.at, moments.c.same)).one()
    assert at == same == moment
    if moment is not None:
        assert at.tzinfo is UTC and same.tzinfo is UTC


def test_postgresql_keeps_the_default_path():
    processor = UTCDateTime().result_processor(postgresql.psycopg.dialect(), None)
    moment = datetime(2026, 12, 7, 14, tzinfo=timezone(timedelta(hours=2)))
    assert processor(moment) == moment and processor(moment).tzinfo is UTC
