"""The people the large demo's logs are about: children, young people and pregnant people, each
child and young person with a mother and a father as guardians.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from relaytui.bulk_rows import BulkWriter, NextIds
from relaytui.demo_large.storeby import FATHERS, FIRST, KIRKEBY, LAST, MOTHERS
from relaytui.models.subject import fold_name


def _cpr(born: date, serial: int) -> str:
    # The seventh digit gives the century: 4 for 2000-2036, 0 for 1900-1999 (as stdnum checks).
    lead = 4 if born.year >= 2000 else 0
    return f"{born:%d%m%y}{lead}{serial % 1000:03d}"


class Subjects:
    """Writes one subject after another; the national numbers stay unique per birth date."""

    def __init__(self, writer: BulkWriter, ids: NextIds, rng: random.Random, today: date) -> None:
        self.w, self.ids, self.rng, self.today = writer, ids, rng, today
        self.serials: dict[date, int] = {}

    def add(self, kind: str) -> tuple[int, str, list[tuple[int, str]]]:
        """A subject of ``kind`` and its guardians: its id, its name, (id, name) of each guardian."""
        rng = self.rng
        subject_id = self.ids.take("subject")
        first = FIRST[rng.randrange(len(FIRST))]
        last = LAST[rng.randrange(len(LAST))]
        if kind == "pregnant":
            born = date(1985, 1, 1) + timedelta(days=rng.randint(0, 365 * 18))
            first = MOTHERS[rng.randrange(len(MOTHERS))]
        else:
            born = self.today - timedelta(
                days=rng.randint(100, 365 * (12 if kind == "child" else 17))
            )
        serial = self.serials.get(born, 0)
        self.serials[born] = serial + 1
        name = f"{first} {last}"
        self.w.add(
            "subject", (subject_id, _cpr(born, serial), name, fold_name(name), born, kind, 1)
        )
        guardians = []
        if kind != "pregnant":
            for relation, names in ((KIRKEBY.mother, MOTHERS), (KIRKEBY.father, FATHERS)):
                guardian_id = self.ids.take("guardian")
                gname = f"{names[rng.randrange(len(names))]} {last}"
                self.w.add(
                    "guardian",
                    (
                        guardian_id,
                        subject_id,
                        gname,
                        relation,
                        f"+45 2{guardian_id:07d}",
                        f"g{guardian_id}@mail.example",
                        relation == KIRKEBY.mother or rng.random() < 0.8,
                    ),
                )
                guardians.append((guardian_id, gname))
        return subject_id, name, guardians
