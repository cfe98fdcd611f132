"""The app's start stays light: ``relaytui --db FILE`` or ``--db postgresql+psycopg://...``
shows the login screen before SQLAlchemy, Alembic, argon2 or pydantic are imported (issue 6;
the timings are in benchmarks/). PostgreSQL is checked through psycopg alone: libpq reads its
URL, which must reach what the engine (SQLAlchemy's reading) reaches, keep its keyring key, and
be refused in the same one line as by the engine."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import uuid

import pytest
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.engine import make_url

from relaytui import cli, config, db, db_url
from relaytui.__main__ import _plain_start
from relaytui.__main__ import main as relaytui_main
from relaytui.errors import StoreError
from relaytui.services import access, installation, units

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "argon2", "pydantic")


def _start_in_a_fresh_process(target: str) -> tuple[list[str], list[str], str | None]:
    """The heavy modules and psycopg loaded when the app would start, and its language."""
    # Percent formatting, so that the braces of the code itself stay literal.
    code = (
        "import sys\n"  # noqa: UP031
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
    env = {
        k: v for k, v in os.environ.items() if k not in ("RELAYTUI_LANG", "LANGUAGE", "LC_MESSAGES")
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "LANG": "C", "LC_ALL": "C"},
    )
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


# --- the URL: libpq reads it for the start, SQLAlchemy for the engine ------------------------

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
    # What SQLAlchemy reads leniently: a raw "/", "?", "#", "%" or "@" in a password, an "@"
    # in a user's name, bare spaces, and "+" for a space in the query (as it writes URLs).
    "postgresql://ann:pa/ss?w#rd@db/relay",
    "postgresql://ann:50%off@db/relay",
    "postgresql://ann@corp:pw@db/relay",
    "postgresql://ann b:a b@db/Relay Log?application_name=relay+tui&options=-c+x%3D1",
    "postgresql://s%C3%B8ren:pw@db/relay",
    "postgresql+psycopg://ann@db/relay?password=q",
]


@pytest.mark.parametrize("url", URLS)
def test_the_conninfo_reaches_what_the_engine_reaches(url):
    """libpq's reading of the URL, for the start, and SQLAlchemy's, for the engine, agree."""
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

    _args, params = PGDialect_psycopg().create_connect_args(make_url(url))
    params.pop("context", None)
    expected = {key: str(value) for key, value in params.items()}
    expected["connect_timeout"] = str(db_url.CONNECT_TIMEOUT)
    ours = conninfo_to_dict(db_url.pg_conninfo(url))
    if "port" in ours:
        ours["port"] = ",".join(str(int(port)) for port in ours["port"].split(","))
    assert ours == expected


def test_the_conninfo_quotes_what_libpq_would_misread():
    info = conninfo_to_dict(
        db_url.pg_conninfo(
            "postgresql+psycopg://ann:p%40ss%3Aw%2Frd%27%20x%5C@db.example.org:6543/relay?sslmode=verify-full"
        )
    )
    assert info == {
        "host": "db.example.org",
        "port": "6543",
        "user": "ann",
        "password": "p@ss:w/rd' x\\",
        "dbname": "relay",
        "sslmode": "verify-full",
        "connect_timeout": str(db_url.CONNECT_TIMEOUT),
    }
    # Without a port or a password libpq chooses; the password given is used only then.
    info = conninfo_to_dict(
        db_url.pg_conninfo("postgresql://ann@db/relay", password="from keyring")
    )
    assert info == {
        "host": "db",
        "user": "ann",
        "dbname": "relay",
        "password": "from keyring",
        "connect_timeout": str(db_url.CONNECT_TIMEOUT),
    }
    info = conninfo_to_dict(db_url.pg_conninfo("postgresql://ann:inurl@db/relay", password="other"))
    assert info["password"] == "inurl"
    socket = conninfo_to_dict(
        db_url.pg_conninfo("postgresql://postgres@/relay?host=/var/run/postgresql")
    )
    assert socket["host"] == "/var/run/postgresql" and "port" not in socket
    hosts = conninfo_to_dict(db_url.pg_conninfo("postgresql://ann@h1:5432,h2:5433/relay"))
    assert (hosts["host"], hosts["port"]) == ("h1,h2", "5432,5433")


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("postgresql://ann@db/relay", "postgresql+psycopg://ann@db/relay"),
        (
            "postgresql+psycopg://ann:p%40ss@db:5432/relay?sslmode=require",
            "postgresql+psycopg://ann:p%40ss@db:5432/relay?sslmode=require",
        ),
        ("postgresql://@/relay?host=/tmp", "postgresql+psycopg://@/relay?host=/tmp"),
        (
            "postgresql://ann@h1:5432,h2:5433/relay",
            "postgresql+psycopg://ann@h1:5432,h2:5433/relay",
        ),
    ],
)
def test_normalise_changes_only_the_scheme_of_a_postgres_url(url, normal):
    assert db_url.normalise_url(url) == normal
    assert db_url.normalise_url(normal) == normal


def _not_a_url(shown: str) -> str:
    return (
        f"'{shown}' is not a database URL. Use a file path for SQLite or "
        "postgresql://user@host/database."
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        # As the SQLAlchemy-based check refused them.
        (
            "postgresql+psycopg2://ann@db/relay",
            "Only the psycopg driver is supported: use postgresql+psycopg://.",
        ),
        (
            "postgresql+asyncpg://ann@db/relay",
            "Only the psycopg driver is supported: use postgresql+psycopg://.",
        ),
        ("mysql://ann@db/relay", "relaytui stores its data in SQLite or PostgreSQL, not 'mysql'."),
        ("no-such-scheme://ann:hunter22@db/relay", _not_a_url("no-such-scheme://ann@db/relay")),
        # What libpq refuses, with the password left out.
        (
            "postgresql://ann:hunter22@db/relay?sslmode",
            _not_a_url("postgresql://ann@db/relay?sslmode"),
        ),
        ("postgresql://ann:hunter22@[::1/relay", _not_a_url("postgresql://ann@[::1/relay")),
        ("postgresql://ann:hunter22@db/re%zzlay", _not_a_url("postgresql://ann@db/re%zzlay")),
    ],
)
def test_a_url_that_cannot_be_used_is_refused_in_words(url, message):
    with pytest.raises(StoreError) as refused:
        db_url.normalise_url(url)
    assert refused.value.message == message


def _sqlalchemy_safe(url: str) -> str:
    """What the SQLAlchemy-based safe_url gave, and wrote as the keyring's key."""
    return make_url(url).render_as_string(hide_password=True).replace(":***@", "@")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://anna:secret@db.example:5432/relay",
        "postgresql+psycopg://postgres@127.0.0.1:5432/relaytui",
        "postgresql+psycopg://ann:p%40ss%3Aw%2Frd@db.example.org:6543/relay_log?sslmode=require",
        "postgresql+psycopg://ann:@db/relay",
        "postgresql+psycopg://:secret@db/relay",
        "postgresql+psycopg://ann:secret@[::1]:5432/relay",
        "postgresql+psycopg://ann@db/relay?application_name=relay&sslmode=verify-full",
        "postgresql+psycopg://@/relay?host=%2Fvar%2Frun%2Fpostgresql",
    ],
)
def test_safe_url_is_unchanged_for_ordinary_urls(url):
    assert db_url.safe_url(url) == _sqlalchemy_safe(url)


def test_safe_url_leaves_out_only_the_password():
    assert db_url.safe_url("postgresql+psycopg://anna:secret@db.example:5432/relay") == (
        "postgresql+psycopg://anna@db.example:5432/relay"
    )
    assert db_url.safe_url("postgresql+psycopg://anna@db.example/relay?host=/tmp&port=5433") == (
        "postgresql+psycopg://anna@db.example/relay?host=/tmp&port=5433"
    )


@pytest.mark.parametrize(
    "typed",
    [
        "postgresql://anna@db.example:5432/relay",
        "postgresql://ann%20b@db/Relay%20Log?application_name=relay%20tui",
        "postgresql://s%C3%B8ren@db/relay",
        "postgresql://@/relay?host=/var/run/postgresql&sslmode=require",
    ],
)
def test_a_keyring_entry_saved_before_is_still_found(typed):
    """``relaytui connect`` saved SQLAlchemy's rendering as the config's URL and the keyring's
    key; the start reads that URL back and must ask the keyring under the same key."""
    saved = _sqlalchemy_safe(make_url(typed).set(drivername="postgresql+psycopg"))
    assert db_url.safe_url(db_url.normalise_url(saved)) == saved


@pytest.mark.parametrize(
    ("url", "password"),
    [
        ("postgresql://ann:hunter22@db/relay", "hunter22"),
        ("postgresql://ann:hun/ter?22@db/relay", "hun/ter?22"),
        ("postgresql://ann:hun#ter 22@db/relay?sslmode=require", "hun#ter 22"),
        ("postgresql://ann:hunter22@h1:5432,h2:5433/relay", "hunter22"),
        ("postgresql://ann@db/relay?password=hunter22&sslmode=require", "hunter22"),
        ("postgresql://ann@db/relay?password=hunter22", "hunter22"),
        ("postgresql://:hunter22@/relay?host=/tmp", "hunter22"),
        ("mysql://ann:hunter22@db/relay", "hunter22"),
        ("postgresql://ann:hunter22@[::1/relay", "hunter22"),
    ],
)
def test_safe_url_never_shows_the_password(url, password):
    safe = db_url.safe_url(url)
    assert password not in safe and "hunter" not in safe
    assert db_url.safe_url(safe) == safe == db_url.safe_url(url)  # the same key every time


def test_a_url_only_libpq_reads_is_refused_in_one_line_when_the_engine_is_made(pg_database):
    """libpq's own list of hosts passes the start; SQLAlchemy cannot read it for the engine,
    which then refuses in words, not with a traceback."""
    base = make_url(pg_database)
    url = f"postgresql+psycopg://{base.username}@{base.host}:{base.port},{base.host}:{base.port}/{base.database}"
    store = db.open_store(url, lazy=True)
    try:
        store.require_current()  # through psycopg: libpq tries the hosts in turn
        with pytest.raises(StoreError, match="is not a database URL"):
            store.engine  # noqa: B018
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
            raise psycopg.OperationalError(
                "fe_sendauth: no password supplied", pgconn=FinishedPGconn(needs_password=True)
            )
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
    line = _start_refused(
        "postgresql+psycopg://ann:hunter22@127.0.0.1:1/relay", capsys, monkeypatch
    )
    assert line.startswith(
        "The database at postgresql+psycopg://ann@127.0.0.1:1/relay cannot be used: "
    )
    assert "port 1 failed" in line
    assert "hunter22" not in line


def test_an_unknown_url_parameter_is_one_line(capsys, monkeypatch):
    line = _start_refused(
        "postgresql+psycopg://ann:hunter22@127.0.0.1:1/relay?colour=red", capsys, monkeypatch
    )
    assert line == _not_a_url("postgresql+psycopg://ann@127.0.0.1:1/relay?colour=red")


def test_a_malformed_url_is_one_line(capsys, monkeypatch):
    line = _start_refused("postgresql+psycopg://ann:hunter22@[::1/relay", capsys, monkeypatch)
    assert line == _not_a_url("postgresql+psycopg://ann@[::1/relay")


def test_a_missing_database_is_one_line(pg_database, capsys, monkeypatch):
    url = pg_database.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    url = url.replace("://postgres@", "://postgres:hunter22@") + "/relaytui_no_such_db"
    line = _start_refused(url, capsys, monkeypatch)
    assert "hunter22" not in line
    assert line.startswith(f"The database at {db_url.safe_url(url)} cannot be used: ")
    assert 'database "relaytui_no_such_db" does not exist' in line


def test_a_database_without_the_schema_says_to_set_it_up(pg_server, capsys, monkeypatch):
    url = pg_server()
    line = _start_refused(url, capsys, monkeypatch)
    assert line == (
        f"The database at {url} is not set up. Run 'relaytui init' (or 'relaytui db upgrade')."
    )


def test_an_old_schema_says_to_upgrade(pg_server, capsys, monkeypatch):
    url = pg_server(
        "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)",
        "INSERT INTO alembic_version VALUES ('0003')",
    )
    line = _start_refused(url, capsys, monkeypatch)
    assert line == (
        f"The database at {url} has an old schema (0003). Run 'relaytui db upgrade' first."
    )


def test_the_lazy_store_refuses_as_the_engine_does(pg_server):
    """The same words from psycopg alone and from the engine, for each kind of refusal."""
    for url in (
        pg_server(),
        "postgresql+psycopg://postgres@127.0.0.1:1/relay",
        pg_server(
            "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)",
            "INSERT INTO alembic_version VALUES ('0002')",
        ),
    ):
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
    for args in (
        ["--demo"],
        ["--db"],
        ["--db", "x", "--db", "y"],
        ["--lang", "xx"],
        ["users", "list"],
        ["--help"],
        ["--db", "x", "--version"],
    ):
        assert _plain_start(args) is None, args


def test_metavars_kept_equal_to_the_services():
    assert cli.STAFF_ROLES == access.ROLES
    assert cli.UNIT_KINDS == units.KINDS


def test_the_short_postgres_scheme_is_read_as_postgresql():
    """libpq and many hosting services write "postgres://"; it names the same server."""
    assert (
        db_url.normalise_url("postgres://ann@db:5433/relay")
        == "postgresql+psycopg://ann@db:5433/relay"
    )
    assert db_url.pg_params("postgres://ann@db:5433/relay") == db_url.pg_params(
        "postgresql://ann@db:5433/relay"
    )
