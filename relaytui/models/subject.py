"""Subjects (the child, the young person, the pregnant person) and their guardians."""

from datetime import date

from sqlmodel import Field, SQLModel


class Subject(SQLModel, table=True):
    __tablename__ = "subject"

    id: int | None = Field(default=None, primary_key=True)
    national_number: str = Field(max_length=20, unique=True)  # digits only, validated (R15)
    name: str = Field(max_length=200, index=True)
    birth_date: date | None = None
    kind: str = Field(default="child", max_length=20)  # child|youth|pregnant
    version: int = Field(default=1)


class Guardian(SQLModel, table=True):
    __tablename__ = "guardian"

    id: int | None = Field(default=None, primary_key=True)
    subject_id: int = Field(foreign_key="subject.id", index=True)
    name: str = Field(max_length=200)
    relation: str = Field(default="", max_length=50)  # mother, father, foster parent ...
    phone: str = Field(default="", max_length=50)
    email: str = Field(default="", max_length=200)
    has_custody: bool = Field(default=True)
