"""Actor memberships: who reads a log, in which role, through which consent (R5, R9)."""

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from relaytui.models.base import UTCDateTime


class Membership(SQLModel, table=True):
    __tablename__ = "membership"
    # Covers the log and the consent too: a leader's log list reads no membership row.
    __table_args__ = (
        Index("ix_membership_staff_active", "staff_id", "removed_at", "log_id", "consent_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key="relay_log.id", index=True)
    # A staff member, or a person who is not staff (a guardian, the young person, a relative).
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    guardian_id: int | None = Field(default=None, foreign_key="guardian.id")
    person_name: str | None = Field(default=None, max_length=200)
    role: str = Field(max_length=20)  # leader|actor|guardian|subject|other
    consent_id: int | None = Field(default=None, foreign_key="consent.id", index=True)
    added_by: int = Field(foreign_key="staff.id")
    added_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    removed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    removed_reason: str | None = None
