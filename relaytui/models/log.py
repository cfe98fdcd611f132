"""The relay log and what happens to it as a whole: holders, handovers, levels, grants."""

from datetime import date, datetime

from sqlalchemy import Column, Index, literal_column, text
from sqlmodel import Field, SQLModel

from relaytui.models.base import UTCDateTime


class RelayLog(SQLModel, table=True):
    __tablename__ = "relay_log"
    __table_args__ = (
        # R1 held by the database too: at most one open (not closed) log per subject.
        Index(
            "uq_relay_log_one_active",
            "subject_id",
            unique=True,
            sqlite_where=text("status <> 'closed'"),
            postgresql_where=text("status <> 'closed'"),
        ),
        Index("ix_relay_log_holder_status", "holder_id", "status"),
        # A unit's open logs per level, from the index alone (the leader's dashboard); the
        # queries say "status <> 'closed'" as a literal so that the planners may use it.
        Index(
            "ix_relay_log_unit_open",
            "unit_id",
            "level",
            "status",
            "id",
            sqlite_where=text("status <> 'closed'"),
            postgresql_where=text("status <> 'closed'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject_id: int = Field(foreign_key="subject.id", index=True)
    holder_id: int = Field(foreign_key="staff.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    created_by: int = Field(foreign_key="staff.id")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    level: int = Field(default=0)
    status: str = Field(default="active", max_length=20)  # active|closed|plan
    concern: str
    trigger: str | None = Field(default=None, max_length=40)
    language: str = Field(default="da", max_length=10)
    # Set when a withdrawn consent detached actors: the holder must look (R5).
    needs_attention: str | None = Field(default=None, max_length=200)
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    closed_by: int | None = Field(default=None, foreign_key="staff.id")
    close_reason: str | None = None
    close_basis: str | None = Field(default=None, max_length=40)
    close_consultation: str | None = None
    plan_coordinator_id: int | None = Field(default=None, foreign_key="staff.id")
    version: int = Field(default=1)


#: "The log is not closed", written with the literal that the partial indexes above name: with a
#: bound parameter instead, SQLite and PostgreSQL's generic plans could not use those indexes.
#: (SQLModel's classes do not declare ``__table__``: a library typing gap, hence the ignore.)
LOG_IS_OPEN = RelayLog.__table__.c.status != literal_column("'closed'")  # type: ignore[attr-defined]


class HolderPeriod(SQLModel, table=True):
    """Who held the log when: one open period per log at any time (R8)."""

    __tablename__ = "holder_period"

    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key="relay_log.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    handover_id: int | None = Field(default=None, foreign_key="handover.id")


class Handover(SQLModel, table=True):
    __tablename__ = "handover"
    # The few pending handovers, with their logs (the list's handover filter, the dashboard).
    __table_args__ = (Index("ix_handover_status_log", "status", "log_id"),)

    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key="relay_log.id", index=True)
    from_staff_id: int = Field(foreign_key="staff.id")
    to_staff_id: int = Field(foreign_key="staff.id", index=True)
    proposed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    message: str = ""
    transition: bool = False
    consent_id: int | None = Field(default=None, foreign_key="consent.id")
    status: str = Field(default="pending", max_length=20)  # pending|accepted|declined|withdrawn
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    answer_message: str = ""
    #: The proposer was told of a declined handover at login (the notice lists each once).
    answer_told_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    #: The proposer dismissed the declined handover in the inbox's "answered recently".
    answer_seen_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    version: int = Field(default=1)


class LevelChange(SQLModel, table=True):
    __tablename__ = "level_change"

    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key="relay_log.id", index=True)
    changed_by: int = Field(foreign_key="staff.id")
    changed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    from_level: int | None = None
    to_level: int
    reason: str


class ReadGrant(SQLModel, table=True):
    """A time-limited permission to read a closed log (R10)."""

    __tablename__ = "read_grant"

    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key="relay_log.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    granted_by: int | None = Field(default=None, foreign_key="staff.id")  # None: the command line
    granted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    reason: str
    #: The request the grant answers (None: given without one, e.g. by an older version).
    request_id: int | None = Field(default=None, foreign_key="read_grant_request.id")
    #: The guardians' approval, which the `no` profile requires (R10): who, how, on which day.
    approved_by: str | None = Field(default=None, max_length=200)
    approval_method: str | None = Field(default=None, max_length=20)  # oral|written|digital
    approved_on: date | None = None
