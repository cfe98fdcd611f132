"""Staff accounts: the people who log in."""

from datetime import datetime

from sqlalchemy import Column
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
