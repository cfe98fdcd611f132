"""Meetings: agenda, invitees and attendance, minutes (R13)."""

from datetime import date, datetime

from sqlalchemy import Column, Index, false
from sqlmodel import Field, SQLModel

from relaytui.models.base import UTCDateTime


class Meeting(SQLModel, table=True):
    __tablename__ = "meeting"
    __table_args__ = (
        Index("ix_meeting_log_status_starts", "log_id", "status", "starts_at"),
        # The planned meetings of the coming days, with their logs, as one range.
        Index("ix_meeting_status_starts", "status", "starts_at", "log_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key="relay_log.id")
    kind: str = Field(default="dialogue", max_length=20)  # dialogue|notification|evaluation
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    duration_minutes: int = 60
    place: str = Field(default="", max_length=300)
    status: str = Field(default="planned", max_length=20)  # planned|held|cancelled
    convened_by: int = Field(foreign_key="staff.id")
    cancel_reason: str | None = None
    moved_reason: str | None = None  # why it was last moved
    outcome: str | None = None  # the family department's assessment at a notification meeting
    agenda_sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    minutes_finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    version: int = Field(default=1)


class AgendaItem(SQLModel, table=True):
    __tablename__ = "agenda_item"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    position: int
    title: str = Field(max_length=300)


class Invitee(SQLModel, table=True):
    __tablename__ = "invitee"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    name: str = Field(max_length=200)
    role: str = Field(default="", max_length=100)
    attended: bool | None = None
    #: A guardian of the subject invited as such (not typed as a guest).
    guardian_id: int | None = Field(default=None, foreign_key="guardian.id")
    #: Where the invitation goes for someone who is not staff: the guardian's recorded address,
    #: or one typed with a guest. Staff are reached at their own address.
    email: str | None = Field(default=None, max_length=200)


class MinutesNote(SQLModel, table=True):
    """A line of the minutes, saved as a draft while the meeting runs."""

    __tablename__ = "minutes_note"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id")
    noted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    text: str
    #: note | effort | goal | agreement | outcome: what the line becomes when the minutes finish.
    kind: str = Field(default="note", max_length=20, sa_column_kwargs={"server_default": "note"})
    responsible_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    responsible_text: str = Field(
        default="", max_length=200, sa_column_kwargs={"server_default": ""}
    )
    evaluate_on: date | None = None
    #: The line was still in the input, half typed, when it was saved: after a crash it comes
    #: back into the input to be finished, not as a finished line (issue 16).
    typing: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    version: int = Field(default=1)
