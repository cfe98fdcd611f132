"""Column types and helpers shared by the tables."""

from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

# Named constraints, so that Alembic's batch mode on SQLite can find them again.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A moment stored in UTC and always returned time-zone aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; relaytui stores aware UTC moments")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect, coltype):
        """On SQLite, the stored text read straight into an aware moment: one call per value.

        The default reads the text into a naive datetime and then replaces its zone, and
        ``replace(tzinfo=...)`` alone costs several times the parse; a journal of 500 entries
        spent more on this than on its statement (issue 18). A value not in the stored form
        (another separator, a zone of its own, a number) takes the default path."""
        default = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or default is None:
            return default
        parse = datetime.fromisoformat

        def process(value):
            if value is None:
                return None
            if value.__class__ is str:
                try:
                    return parse(value + "+00:00")
                except ValueError:
                    pass
            return default(value)

        return process


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(row: _Row) -> int:
    """The id of a row read from the store or flushed to it.

    The tables type ``id`` as ``int | None`` only because a new row has none until it is
    flushed; a row the services hand on is stored, so its id is there. Saying so here once
    keeps a missing flush from passing ``None`` on silently.
    """
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: it was never flushed")
    return row.id
