"""Units: daycares, schools, health services, the family department."""

from sqlmodel import Field, SQLModel


class Unit(SQLModel, table=True):
    __tablename__ = "unit"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(default="other", max_length=30)  # daycare|school|health|ppr|family|other
    phone: str = Field(default="", max_length=50)
    # The nearest leader (R3). Not a foreign key to avoid a cycle unit <-> staff at creation.
    leader_id: int | None = Field(default=None, index=True)
    version: int = Field(default=1)
