"""The outbox: e-mail notices, written in the same transaction as the change they tell of.

A notice holds who it goes to and what happened (the kind and the ids), never a text about the
child: the mail is written when it is sent, from the kind, the log's number and a link. The
server sends what is due, retries with back-off, and marks each notice sent once.
"""

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from relaytui.models.base import UTCDateTime


class Notice(SQLModel, table=True):
    __tablename__ = "notice"
    __table_args__ = (
        # What is due: not sent yet, the earliest next attempt first.
        Index("ix_notice_due", "sent_at", "next_attempt_at"),
        Index("ix_notice_log", "log_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: actor_added | handover_waiting | handover_accepted | handover_declined | evaluation_due |
    #: meeting_invitation | minutes_finished | family_log_created | family_meeting_planned
    kind: str = Field(max_length=40)
    log_id: int | None = Field(default=None, foreign_key="relay_log.id")
    #: The recipient: a member of staff, or a guardian (the family's notices).
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    guardian_id: int | None = Field(default=None, foreign_key="guardian.id")
    #: The address at the time of the change (an address changed later is not used).
    address: str = Field(max_length=200)
    #: The language the mail is written in: the recipient's, else the installation's.
    language: str = Field(default="en", max_length=10)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    handover_id: int | None = Field(default=None, foreign_key="handover.id")
    effort_id: int | None = Field(default=None, foreign_key="effort.id")
    #: A short text the kind needs (a declined handover's reason); never the child's data.
    detail: str = ""
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    #: The mail server's last refusal, shortened; the notice is retried until it is sent or
    #: given up (``failed_at``).
    last_error: str = Field(default="", max_length=300)
    failed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    #: Once only: e.g. ``evaluation_due:<effort>:<date>``; None for notices of a single change.
    once_key: str | None = Field(default=None, max_length=100, unique=True)
