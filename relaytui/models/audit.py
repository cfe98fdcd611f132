"""The audit trail: append-only, each event chained to the one before by a hash."""

from datetime import datetime

from sqlalchemy import Column, Index, SmallInteger, text
from sqlmodel import Field, SQLModel

from relaytui.models.base import UTCDateTime


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_log_at", "log_id", "at"),
        Index("ix_audit_subject", "subject_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    staff_id: int | None = Field(default=None)
    username: str = Field(default="", max_length=64)
    action: str = Field(max_length=40)
    log_id: int | None = Field(default=None)
    subject_id: int | None = Field(default=None)
    detail: str = ""
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)
    #: Which of the hash chains the event is in (relaytui.services.audit.CHAINS; 0 for every
    #: event before issue 18). ``prev_hash`` is the previous event of the same chain.
    chain: int = Field(
        default=0, sa_column=Column(SmallInteger, nullable=False, server_default=text("0"))
    )


class Setting(SQLModel, table=True):
    """Installation settings: profile, time zone, age of own consent, ..."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True, max_length=64)
    value: str


class AuditCheckpoint(SQLModel, table=True):
    """A signed statement of the chain's head: the newest event, its hash, how many events
    there were, when. Also appended to a file outside the database (relaytui.signing)."""

    __tablename__ = "audit_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    last_id: int = Field(index=True)
    head_hash: str = Field(max_length=64)
    events: int
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    key_id: str = Field(max_length=16)
    #: The head of every chain, ``[[chain, id, hash], ...]`` as JSON; empty when all events
    #: were in chain 0 (every checkpoint before issue 18), whose head is ``last_id``.
    heads: str = Field(default="", sa_column_kwargs={"server_default": ""})
    #: Ed25519 over relaytui.signing.checkpoint_message(...), base64.
    signature: str = Field(max_length=100)
