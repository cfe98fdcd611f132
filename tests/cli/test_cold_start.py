"""The app's start stays light: ``relaytui --db FILE`` shows the login screen before SQLAlchemy,
Alembic, argon2 or pydantic are imported (issue 6; the timings are in benchmarks/)."""

from __future__ import annotations

import subprocess
import sys

from relaytui import cli
from relaytui.__main__ import _plain_start
from relaytui.services import access, units

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "argon2", "pydantic")


def test_start_up_to_the_app_imports_nothing_heavy(store, tmp_path):
    if not store.is_sqlite:
        return  # PostgreSQL needs its driver (and so SQLAlchemy) to check the schema
    path = store.engine.url.database
    code = (
        "import sys\n"
        "import relaytui.app as app_module\n"
        "seen = {}\n"
        "def fake_run(store, language=None):\n"
        "    seen['heavy'] = sorted(m for m in sys.modules if m.split('.')[0] in %r)\n"
        "app_module.run_app = fake_run\n"
        "from relaytui.__main__ import main\n"
        "main(['--db', %r])\n"
        "print(seen['heavy'])\n" % (HEAVY, path)
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_plain_start_only_for_db_and_lang():
    assert _plain_start(["--db", "x.db"]) == ("x.db", None)
    assert _plain_start(["--lang=da", "--db=x.db"]) == ("x.db", "da")
    assert _plain_start([]) == (None, None)
    for args in (["--demo"], ["--db"], ["--db", "x", "--db", "y"], ["--lang", "xx"], ["users", "list"],
                 ["--help"], ["--db", "x", "--version"]):
        assert _plain_start(args) is None, args


def test_metavars_kept_equal_to_the_services():
    assert cli.STAFF_ROLES == access.ROLES
    assert cli.UNIT_KINDS == units.KINDS
