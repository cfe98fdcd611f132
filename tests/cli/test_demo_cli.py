"""The Norwegian demo: `relaytui demo --profile no`, and `relaytui --demo --lang nn|nb`.

Sunnfjord kommune is the Danish demo's story told under the ``no`` profile (BTI): logs start
at level 1 with consent, a young person of 16 and the pregnant consent for themselves, the
guardians end one log, one passes into an individual plan and one carries a notification to
child welfare at level 1. The Danish demo is unchanged (its snapshots in tests/screens).
"""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from stdnum.no import fodselsnummer

from relaytui import config
from relaytui.services import sign_in
from tests.cli.running import assert_one_line_error, on, run
from tests.cli.running import snapshot as table_rows


def rows(path, sql: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_demo_profile_no_tells_the_story_under_the_bti_rules(db_path):
    result = on(db_path, "demo", "--profile", "no")
    assert result.exit_code == 0, result.output
    settings = dict(rows(db_path, "SELECT key, value FROM setting"))
    assert (settings["profile"], settings["municipality"], settings["timezone"]) == (
        "no",
        "Sunnfjord kommune",
        "Europe/Oslo",
    )
    assert {name for (name,) in rows(db_path, "SELECT name FROM unit")} >= {
        "Solbakken barnehage",
        "Vie skule",
        "Helsestasjonen",
        "Barnevernstenesta",
    }
    # R15: every subject has a valid fødselsnummer that holds the birth date.
    subjects = rows(db_path, "SELECT national_number, birth_date FROM subject")
    assert len(subjects) == 40
    for number, born in subjects:
        assert fodselsnummer.is_valid(number), number
        assert fodselsnummer.get_birth_date(number) == date.fromisoformat(born)
    # R2 (no): a log with consent starts at level 1, in the same moment as it is created.
    started = rows(
        db_path,
        """SELECT COUNT(*) FROM relay_log r JOIN level_change c ON c.log_id = r.id
                               WHERE c.from_level = 0 AND c.to_level = 1 AND c.changed_at = r.created_at""",
    )
    assert started[0][0] >= 20
    # R6 (no): a young person of 16 or more and the pregnant consent for themselves.
    own = rows(
        db_path,
        """SELECT s.kind, s.birth_date FROM consent c JOIN relay_log r ON r.id = c.log_id
                           JOIN subject s ON s.id = r.subject_id WHERE c.giver_kind = 'subject'""",
    )
    assert {kind for kind, _ in own} == {"youth", "pregnant"}
    # R10 (no): the guardians ended one log, recorded without a consultation.
    assert rows(
        db_path, "SELECT close_basis, close_consultation FROM relay_log WHERE status = 'closed'"
    ) == [("guardians_ended", None)]
    # R14: one log passed into an individual plan; its coordinator holds it.
    assert rows(
        db_path,
        """SELECT COUNT(*) FROM relay_log WHERE status = 'plan'
                            AND plan_coordinator_id = holder_id""",
    ) == [(1,)]
    # R11 (no): a notification to child welfare as its own act at level 1, no exception.
    assert rows(
        db_path,
        """SELECT r.level, n.exception, n.meeting_id FROM notification n
                            JOIN relay_log r ON r.id = n.log_id""",
    ) == [(1, None, None)]
    # Written in nynorsk: efforts (tiltak), goals, minutes, agenda titles from the catalog.
    assert (
        rows(db_path, "SELECT COUNT(*) FROM effort WHERE what LIKE 'Frukost i barnehagen%'")[0][0]
        >= 1
    )
    assert (
        rows(
            db_path, "SELECT COUNT(*) FROM goal WHERE text LIKE '%trivst og er med i fellesskapet.'"
        )[0][0]
        >= 1
    )
    assert (
        rows(db_path, "SELECT COUNT(*) FROM minutes_note WHERE text LIKE 'Tiltaka held fram%'")[0][
            0
        ]
        >= 1
    )
    assert login(db_path, "anna").full_name == "Anna Hauge"


def login(path, username: str):
    from relaytui.db import open_store

    store = open_store(str(path))
    try:
        return sign_in.authenticate(store, username, "demo")
    finally:
        store.dispose()


@pytest.mark.parametrize("args", [("--profile", "se"), ("--profile", "no", "--size", "medium")])
def test_demo_refuses_an_unknown_profile_and_a_large_norway(db_path, args):
    assert_one_line_error(on(db_path, "demo", *args), "profile")
    assert not db_path.exists() or table_rows(db_path).get("staff", []) == []


def test_demo_option_with_a_norwegian_language_opens_sunnfjord_in_a_file_of_its_own():
    result = run(
        "--demo",
        "--lang",
        "nn",
        "user",
        "list",
        "--user",
        "admin",
        "--password-stdin",
        input="demo\n",
    )
    assert result.exit_code == 0, result.output
    norway = config.demo_sqlite_path().with_name("demo-no.db")
    assert norway.exists() and not config.demo_sqlite_path().exists()
    assert "Anna Hauge" in result.output and "Anna Holm" not in result.output
    # bokmål finds the same municipality, already filled
    again = run(
        "--demo",
        "--lang",
        "nb",
        "user",
        "list",
        "--user",
        "admin",
        "--password-stdin",
        input="demo\n",
    )
    assert again.exit_code == 0, again.output
    assert "Anna Hauge" in again.output
    assert not config.demo_sqlite_path().exists()
