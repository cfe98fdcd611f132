"""Notifications to the family department / child welfare (R11)."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from relaytui.models.base import UTCDateTime


class Notification(SQLModel, table=True):
    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key="relay_log.id", index=True)
    made_by: int = Field(foreign_key="staff.id")
    made_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    # Without a meeting, which exception applies: abuse|violence|acute|conflict
    exception: str | None = Field(default=None, max_length=20)
    reason: str
    recipient: str = Field(default="", max_length=200)
