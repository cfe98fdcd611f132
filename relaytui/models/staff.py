"""Staff accounts: the people who log in, and the SSH keys they log in with."""

from datetime import datetime

from sqlalchemy import Column, Text, false
from sqlmodel import Field, SQLModel

from relaytui.models.base import UTCDateTime


class Staff(SQLModel, table=True):
    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    full_name: str = Field(max_length=200)
    profession: str = Field(default="", max_length=100)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    role: str = Field(default="caseworker", max_length=20)  # caseworker|leader|admin
    email: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=50)
    password_hash: str = Field(default="", max_length=200)
    active: bool = Field(default=True)
    failed_logins: int = Field(default=0)
    locked: bool = Field(default=False)
    language: str | None = Field(default=None, max_length=10)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_login_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    version: int = Field(default=1)
    #: A one-time password (a new account, a reset): it must be changed at the next login.
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    #: The kinds of e-mail notice this person switched off, comma-separated (",kind,kind,").
    notices_off: str = Field(default="", max_length=400, sa_column_kwargs={"server_default": ""})


class StaffKey(SQLModel, table=True):
    """A public key with which a member of staff logs in over SSH (``relaytui user add-key``)."""

    __tablename__ = "staff_key"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    #: SHA256:... as OpenSSH prints it; one key belongs to one account.
    fingerprint: str = Field(max_length=100, unique=True)
    #: The key in OpenSSH's one-line form, without its comment.
    public_key: str = Field(sa_column=Column(Text(), nullable=False))
    comment: str = Field(default="", max_length=200)
    added_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    added_by: str = Field(default="", max_length=64)
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
