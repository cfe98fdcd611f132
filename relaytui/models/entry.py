"""Journal entries: append-only; a correction points to the entry it corrects (R7)."""

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from relaytui.models.base import UTCDateTime


class Entry(SQLModel, table=True):
    __tablename__ = "entry"
    __table_args__ = (Index("ix_entry_log_written", "log_id", "written_at"),)

    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key="relay_log.id")
    author_id: int = Field(foreign_key="staff.id")
    written_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    kind: str = Field(default="note", max_length=20)  # note|assessment|agreement|positive|minutes
    text: str
    corrects_id: int | None = Field(default=None, foreign_key="entry.id")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
