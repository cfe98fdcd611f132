"""Asking to read a closed log again: the request an administrator answers (R10)."""

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from relaytui.models.base import UTCDateTime


class ReadGrantRequest(SQLModel, table=True):
    """A member of staff who held or read a log asks to read it again after it was closed."""

    __tablename__ = "read_grant_request"
    # The administrators' list of open requests, from the index alone.
    __table_args__ = (Index("ix_read_grant_request_status_id", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key="relay_log.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    requested_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    reason: str
    status: str = Field(default="pending", max_length=20)  # pending|granted|refused
    answered_by: int | None = Field(default=None, foreign_key="staff.id")  # None: the command line
    answered_by_name: str | None = Field(default=None, max_length=200)
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    answer: str | None = None
    version: int = Field(default=1)
