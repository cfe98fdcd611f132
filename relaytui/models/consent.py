"""Consents and what each one covers (R5, R6)."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from relaytui.models.base import UTCDateTime


class Consent(SQLModel, table=True):
    __tablename__ = "consent"

    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key="relay_log.id", index=True)
    giver_kind: str = Field(max_length=20)  # guardian|subject
    guardian_id: int | None = Field(default=None, foreign_key="guardian.id")
    giver_name: str = Field(max_length=200)
    method: str = Field(max_length=20)  # signed_form|digital|oral
    given_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    covers_log: bool = True
    expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    withdrawn_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    withdrawn_reason: str | None = None
    note: str = ""
    recorded_by: int = Field(foreign_key="staff.id")
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    version: int = Field(default=1)


class ConsentCover(SQLModel, table=True):
    """One thing a consent covers: a staff member, a whole unit, or a named person."""

    __tablename__ = "consent_cover"

    id: int | None = Field(default=None, primary_key=True)
    consent_id: int = Field(foreign_key="consent.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    person_name: str | None = Field(default=None, max_length=200)
