"""The app's start stays light: ``relaytui --db FILE`` or ``--db postgresql+psycopg://...``
shows the login screen before SQLAlchemy, Alembic, argon2 or pydantic are imported (issue 6;
the timings are in benchmarks/). PostgreSQL is checked through psycopg alone, so its URL is
read here as SQLAlchemy reads it, and a refusal is the same one line as the engine's."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import uuid

import pytest
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.engine import make_url

from relaytui import cli, config, db
from relaytui.__main__ import _plain_start
from relaytui.__main__ import main as relaytui_main
from relaytui.errors import StoreError
from relaytui.services import access, installation, units

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "argon2", "pydantic")


def _start_in_a_fresh_process(target: str) -> tuple[list[str], list[str], str | None]:
    """The heavy modules and psycopg loaded when the app would start, and its language."""
    code = (
        "import sys\n"
        "import relaytui.app as app_module\n"
        "seen = {}\n"
        "def fake_run(store, language=None):\n"
        "    seen['heavy'] = sorted(m for m in sys.modules if m.split('.')[0] in %r)\n"
        "    seen['psycopg'] = sorted(m for m in sys.modules if m == 'psycopg')\n"
        "    seen['language'] = language\n"
        "app_module.run_app = fake_run\n"
        "from relaytui.__main__ import main\n"
        "main(['--db', %r])\n"
        "print(repr((seen['heavy'], seen['psycopg'], seen['language'])))\n" % (HEAVY, target)
    )
    # No language from the environment, so that the installation's own is read.
    env = {k: v for k, v in os.environ.items() if k not in ("RELAYTUI_LANG", "LANGUAGE", "LC_MESSAGES")}
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True,
                          timeout=60, env={**env, "LANG": "C", "LC_ALL": "C"})
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def test_start_up_to_the_app_imports_nothing_heavy(store, tmp_path):
    # A SQLite file by its path; PostgreSQL by its URL, read through psycopg alone.
    target = store.engine.url.database if store.is_sqlite else store.url
    installation.write(store, language="da")
    heavy, psycopg_loaded, language = _start_in_a_fresh_process(target)
    assert heavy == []
    assert psycopg_loaded == ([] if store.is_sqlite else ["psycopg"])
    assert language == "da"  # the installation's language, read before the engine exists


def test_a_lazy_postgres_store_answers_without_its_engine(pg_store):
    installation.write(pg_store, language="nn")
    lazy = db.open_store(pg_store.url, lazy=True)
    try:
        lazy.require_current()
        assert lazy.current_revision() == db.HEAD_REVISION
        assert lazy.setting("language") == "nn"
        assert lazy.setting("no such key") is None
        assert lazy.kind == "postgresql"
        assert lazy._engine is None
        # Its first real use makes the engine, which then answers the same.
        assert installation.read(lazy).language == "nn"
        assert lazy._engine is not None
        assert lazy.current_revision() == db.HEAD_REVISION
    finally:
        lazy.dispose()


# --- the URL as SQLAlchemy reads it ------------------------------------------------------------

URLS = [
    "postgresql://postgres@127.0.0.1:5432/relaytui",
    "postgresql+psycopg://postgres@127.0.0.1/relaytui",
    "postgresql://ann:p%40ss%3Aw%2Frd%25%20x@db.example.org:6543/relay_log",
    "postgresql://ann:@db.example.org/relay",
    "postgresql://ann%20b@db/relay?sslmode=require&application_name=relay tui",
    "postgresql://postgres@/relaytui?host=/var/run/postgresql",
    "postgresql://@/relaytui?host=%2Ftmp&port=5433",
    "postgresql://postgres@[::1]:5432/relaytui",
    "postgresql://ann@db/relay?host=h1,h2&port=5432,5433",  # libpq's own multi-host form
    "postgresql://ann@db:5432/relay?host=/tmp",
    "postgresql://db.example.org",
    "postgresql://ann@db/Relay%20Log?sslmode=",
    "postgresql://ann@db:05432/relay?target_session_attrs=any&application_name=a",
]


@pytest.mark.parametrize("url", URLS)
def test_the_url_is_read_as_sqlalchemy_reads_it(url):
    parsed = make_url(url)
    assert db.normalise_url(url) == parsed.set(drivername="postgresql+psycopg").render_as_string(
        hide_password=False)
    assert db.safe_url(url) == parsed.render_as_string(hide_password=True).replace(":***@", "@")


@pytest.mark.parametrize("url", URLS)
def test_the_conninfo_is_what_the_engine_gives_psycopg(url):
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

    _args, params = PGDialect_psycopg().create_connect_args(make_url(url))
    params.pop("context", None)
    expected = {key: str(value) for key, value in params.items()}
    expected["connect_timeout"] = str(db.CONNECT_TIMEOUT)
    assert conninfo_to_dict(db.pg_conninfo(url)) == expected


def test_the_conninfo_quotes_what_libpq_would_misread():
    info = conninfo_to_dict(db.pg_conninfo(
        "postgresql+psycopg://ann:p%40ss%3Aw%2Frd%27%20x%5C@db.example.org:6543/relay?sslmode=verify-full"
    ))
    assert info == {"host": "db.example.org", "port": "6543", "user": "ann",
                    "password": "p@ss:w/rd' x\\", "dbname": "relay", "sslmode": "verify-full",
                    "connect_timeout": str(db.CONNECT_TIMEOUT)}
    # Without a port or a password libpq chooses; the password given is used only then.
    info = conninfo_to_dict(db.pg_conninfo("postgresql://ann@db/relay", password="from keyring"))
    assert info == {"host": "db", "user": "ann", "dbname": "relay", "password": "from keyring",
                    "connect_timeout": str(db.CONNECT_TIMEOUT)}
    info = conninfo_to_dict(db.pg_conninfo("postgresql://ann:inurl@db/relay", password="other"))
    assert info["password"] == "inurl"
    socket = conninfo_to_dict(db.pg_conninfo("postgresql://postgres@/relay?host=/var/run/postgresql"))
    assert socket["host"] == "/var/run/postgresql" and "port" not in socket


@pytest.mark.parametrize("url", [
    "postgresql://ann@db/relay?host=h1:5432&host=h2:5433",  # a multi-host list
    "postgresql://ann@db/relay?host=h1:5432",
    "postgresql://ann@db:/relay",  # SQLAlchemy's own error
    "postgresql://ann@db:abc/relay",
    "postgresql://ann@db/relay?plugin=x",
    "postgresql+psycopg2://ann@db/relay",
    "postgres://ann@db/relay",
    "sqlite:///x.db",
])
def test_what_it_cannot_read_exactly_is_left_to_sqlalchemy(url):
    assert db.parse_postgresql_url(url) is None
    assert db.pg_conninfo(url) is None


def test_a_url_only_sqlalchemy_reads_still_starts_lazily(pg_database):
    base = make_url(pg_database)
    url = base.set(query={"host": [f"{base.host}:{base.port}"]}).render_as_string(hide_password=False)
    assert db.parse_postgresql_url(url) is None
    store = db.open_store(url, lazy=True)
    try:
        store.require_current()  # through the engine, as before
        assert store._engine is not None
    finally:
        store.dispose()


def test_the_keyring_is_asked_only_when_the_server_wants_a_password(monkeypatch):
    """A server that wants a password gets the keyring's on a second try; one that is not
    there does not make the start load the keyring."""
    import psycopg
    from psycopg.errors import FinishedPGconn

    tried: list[dict] = []
    asked: list[str] = []

    def fake_connect(conninfo, **_kwargs):
        info = conninfo_to_dict(conninfo)
        tried.append(info)
        if info.get("port") == "1":
            raise psycopg.OperationalError("connection refused", pgconn=FinishedPGconn())
        if "password" not in info:
            raise psycopg.OperationalError("fe_sendauth: no password supplied",
                                           pgconn=FinishedPGconn(needs_password=True))
        return "connected"

    monkeypatch.setattr(psycopg, "connect", fake_connect)
    monkeypatch.delenv("RELAYTUI_DATABASE_PASSWORD", raising=False)
    monkeypatch.setattr(config, "load_password", lambda url: asked.append(url) or "from keyring")
    assert db._pg_connect("postgresql+psycopg://ann@db/relay") == "connected"
    assert asked == ["postgresql+psycopg://ann@db/relay"]
    assert [t.get("password") for t in tried] == [None, "from keyring"]

    tried.clear()
    asked.clear()
    with pytest.raises(psycopg.OperationalError, match="refused"):
        db._pg_connect("postgresql+psycopg://ann@db:1/relay")
    assert asked == [] and len(tried) == 1

    tried.clear()
    monkeypatch.setenv("RELAYTUI_DATABASE_PASSWORD", "from env")
    assert db._pg_connect("postgresql+psycopg://ann@db/relay") == "connected"
    assert asked == [] and [t.get("password") for t in tried] == ["from env"]


# --- one line for each refusal, as before ---------------------------------------------------


def _start_refused(url: str, capsys, monkeypatch) -> str:
    """``relaytui --db URL``'s one line on stderr, with exit code 1 and no app."""
    import relaytui.app as app_module

    monkeypatch.setattr(app_module, "run_app", lambda *a, **k: pytest.fail("the app started"))
    with pytest.raises(SystemExit) as exit_:
        relaytui_main(["--db", url])
    assert exit_.value.code == 1
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert "Traceback" not in captured.err + captured.out
    assert len(lines) == 1, captured.err
    return lines[0]


@pytest.fixture
def pg_server(pg_database):
    """Make throwaway databases on the test server; each is dropped afterwards."""
    import psycopg

    made: list[str] = []

    def make(*statements: str) -> str:
        name = f"relaytui_cold_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(pg_database, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        url = pg_database.rsplit("/", 1)[0] + f"/{name}"
        with psycopg.connect(url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)
        return url.replace("postgresql://", "postgresql+psycopg://", 1)

    yield make
    with psycopg.connect(pg_database, autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_an_unreachable_server_is_one_line(capsys, monkeypatch):
    line = _start_refused("postgresql+psycopg://ann:hunter22@127.0.0.1:1/relay", capsys, monkeypatch)
    assert line.startswith("The database at postgresql+psycopg://ann@127.0.0.1:1/relay cannot be used: ")
    assert "port 1 failed" in line
    assert "hunter22" not in line


def test_an_unknown_url_parameter_is_one_line(capsys, monkeypatch):
    line = _start_refused("postgresql+psycopg://ann@127.0.0.1:1/relay?colour=red", capsys, monkeypatch)
    assert line == ("The database at postgresql+psycopg://ann@127.0.0.1:1/relay?colour=red cannot be "
                    'used: invalid connection option "colour"')


def test_a_missing_database_is_one_line(pg_database, capsys, monkeypatch):
    url = pg_database.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    url = url.replace("://postgres@", "://postgres:hunter22@") + "/relaytui_no_such_db"
    line = _start_refused(url, capsys, monkeypatch)
    assert "hunter22" not in line
    assert line.startswith(f"The database at {db.safe_url(url)} cannot be used: ")
    assert 'database "relaytui_no_such_db" does not exist' in line


def test_a_database_without_the_schema_says_to_set_it_up(pg_server, capsys, monkeypatch):
    url = pg_server()
    line = _start_refused(url, capsys, monkeypatch)
    assert line == (f"The database at {url} is not set up. Run 'relaytui init' (or "
                    "'relaytui db upgrade').")


def test_an_old_schema_says_to_upgrade(pg_server, capsys, monkeypatch):
    url = pg_server("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)",
                    "INSERT INTO alembic_version VALUES ('0003')")
    line = _start_refused(url, capsys, monkeypatch)
    assert line == (f"The database at {url} has an old schema (0003). Run 'relaytui db upgrade' "
                    "first.")


def test_the_lazy_store_refuses_as_the_engine_does(pg_server):
    """The same words from psycopg alone and from the engine, for each kind of refusal."""
    for url in (pg_server(), "postgresql+psycopg://postgres@127.0.0.1:1/relay",
                pg_server("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)",
                          "INSERT INTO alembic_version VALUES ('0002')")):
        messages = []
        for lazy in (True, False):
            with pytest.raises(StoreError) as refused:
                store = db.open_store(url, lazy=lazy)
                try:
                    store.require_current()
                finally:
                    store.dispose()
            messages.append(refused.value.message)
        assert messages[0] == messages[1], url


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
