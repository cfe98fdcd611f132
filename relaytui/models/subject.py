"""Subjects (the child, the young person, the pregnant person) and their guardians."""

from datetime import date
from typing import overload

from sqlalchemy import Index, event
from sqlmodel import Field, SQLModel


@overload
def fold_name(name: str) -> str: ...
@overload
def fold_name(name: str | None) -> str | None: ...


def fold_name(name: str | None) -> str | None:
    """The form a name is sorted and searched by: case folded beyond ASCII ("Ø" sorts as "ø")."""
    return name.lower() if name is not None else None


class Subject(SQLModel, table=True):
    __tablename__ = "subject"
    # The log list reads a page in name order from this index instead of sorting every row
    # the reader may see (issue 6); ``id`` breaks ties between equal names.
    __table_args__ = (Index("ix_subject_name_key", "name_key", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    national_number: str = Field(max_length=20, unique=True)  # digits only, validated (R15)
    name: str = Field(max_length=200, index=True)
    #: ``fold_name(name)``, kept by the ORM events below wherever a name is written.
    name_key: str | None = Field(default=None, max_length=200)
    birth_date: date | None = None
    kind: str = Field(default="child", max_length=20)  # child|youth|pregnant
    version: int = Field(default=1)


@event.listens_for(Subject, "before_insert")
@event.listens_for(Subject, "before_update")
def _keep_name_key(_mapper, _connection, subject: Subject) -> None:
    subject.name_key = fold_name(subject.name)


class Guardian(SQLModel, table=True):
    __tablename__ = "guardian"

    id: int | None = Field(default=None, primary_key=True)
    subject_id: int = Field(foreign_key="subject.id", index=True)
    name: str = Field(max_length=200)
    relation: str = Field(default="", max_length=50)  # mother, father, foster parent ...
    phone: str = Field(default="", max_length=50)
    email: str = Field(default="", max_length=200)
    has_custody: bool = Field(default=True)
    #: Matched against the national login's number claim (MitID, ID-porten): the guardian reads
    #: the log in the family view. Digits only, validated (R15); None: not recorded.
    national_number: str | None = Field(default=None, max_length=20, index=True)
