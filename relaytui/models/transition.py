"""The guardians asked, in the family view, to let the log pass to a new unit (R8)."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from relaytui.models.base import UTCDateTime


class TransitionRequest(SQLModel, table=True):
    """The holder asks the family to consent to a transition (daycare to school, say); an
    accepted request is recorded as a digital consent that covers the new unit."""

    __tablename__ = "transition_request"

    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key="relay_log.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    asked_by: int = Field(foreign_key="staff.id")
    asked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    message: str = ""
    status: str = Field(default="pending", max_length=20)  # pending|accepted|declined|withdrawn
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    #: Who answered: a guardian, or the subject who consents for themself (R6).
    guardian_id: int | None = Field(default=None, foreign_key="guardian.id")
    answered_by_name: str | None = Field(default=None, max_length=200)
    #: The consent an accepted request recorded.
    consent_id: int | None = Field(default=None, foreign_key="consent.id")
    version: int = Field(default=1)
