"""Efforts (who does what, from when, evaluated when) and goals (R12)."""

from datetime import date, datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from relaytui.models.base import UTCDateTime


class Effort(SQLModel, table=True):
    __tablename__ = "effort"
    __table_args__ = (
        Index("ix_effort_log_status_eval", "log_id", "status", "evaluate_on"),
        # Every effort due by a date, with its log: a unit's overdue count is one range.
        Index("ix_effort_status_due", "status", "evaluate_on", "log_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key="relay_log.id")
    what: str
    responsible_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    responsible_text: str = Field(default="", max_length=200)
    starts_on: date
    evaluate_on: date
    status: str = Field(default="active", max_length=20)  # active|ended
    created_by: int = Field(foreign_key="staff.id")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    version: int = Field(default=1)


class Goal(SQLModel, table=True):
    __tablename__ = "goal"

    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key="relay_log.id", index=True)
    text: str
    evaluate_on: date | None = None
    status: str = Field(default="active", max_length=20)  # active|reached|dropped
    created_by: int = Field(foreign_key="staff.id")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    version: int = Field(default=1)


class Evaluation(SQLModel, table=True):
    """One evaluation of an effort or a goal; the history stays."""

    __tablename__ = "evaluation"

    id: int | None = Field(default=None, primary_key=True)
    effort_id: int | None = Field(default=None, foreign_key="effort.id", index=True)
    goal_id: int | None = Field(default=None, foreign_key="goal.id", index=True)
    evaluated_by: int = Field(foreign_key="staff.id")
    evaluated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    text: str
    next_evaluate_on: date | None = None
