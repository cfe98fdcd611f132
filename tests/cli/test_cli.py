"""The command line, through Typer's CliRunner on a throwaway SQLite file (and PostgreSQL for
``connect``). Every refusal is one line on stderr, exit code 1, no traceback, nothing changed."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from relaytui import config
from relaytui.cli import app
from relaytui.db import open_store
from relaytui.errors import LoginFailed
from relaytui.services import installation, sign_in
from tests.cli.running import assert_one_line_error, on, run, snapshot

PASSWORD = "correct horse battery staple"


def data(path: Path) -> dict[str, list[tuple]]:
    return snapshot(path, with_trail=False)


AS_ADMIN = ("--user", "admin", "--password-stdin")


def admin(path: Path, *args: str, input: str | None = None):
    """``relaytui --db PATH ARGS`` run by the administrator, who logs in with --password-stdin."""
    return on(path, *args, *AS_ADMIN, input=PASSWORD + "\n" + (input or ""))


def one_time_password(result) -> str:
    found = re.search(r"One-time password for [a-z0-9._-]+: ([a-z0-9-]+)", result.output)
    assert found, result.output
    return found.group(1)


def choose_password(path: Path, username: str, one_time: str, password: str) -> None:
    result = on(
        path, "password", "--user", username, "--password-stdin", input=f"{one_time}\n{password}\n"
    )
    assert result.exit_code == 0, result.output


def login(path: Path, username: str, password: str):
    store = open_store(str(path))
    try:
        return sign_in.authenticate(store, username, password)
    finally:
        store.dispose()


@pytest.fixture
def ready(db_path) -> Path:
    """An initialised database with the administrator ``admin``."""
    result = on(
        db_path,
        "init",
        "--profile",
        "dk",
        "--timezone",
        "Europe/Copenhagen",
        "--admin-name",
        "Ada Admin",
        "--municipality",
        "Aarhus",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    return db_path


@pytest.fixture
def populated(ready) -> Path:
    """... with a unit and a caseworker."""
    assert admin(ready, "unit", "add", "Nordskolen", "--kind", "school").exit_code == 0
    result = admin(
        ready,
        "user",
        "add",
        "anna",
        "--name",
        "Anna Jensen",
        "--unit",
        "Nordskolen",
        "--profession",
        "teacher",
    )
    assert result.exit_code == 0, result.output
    choose_password(ready, "anna", one_time_password(result), "anna-pass")
    return ready


# --- help and the language ------------------------------------------------------------------


def test_help_lists_the_commands():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("init", "connect", "user", "unit", "demo", "db"):
        assert command in result.output
    for option in ("--db", "--lang", "--demo"):
        assert option in result.output


def test_subcommand_help():
    result = run("user", "--help")
    assert result.exit_code == 0
    for command in (
        "add",
        "list",
        "disable",
        "enable",
        "unlock",
        "reset-password",
        "set-role",
        "add-key",
        "keys",
        "remove-key",
    ):
        assert command in result.output
    result = run("unit", "--help")
    for command in ("add", "list", "set-leader"):
        assert command in result.output


def every_command_path(command, path=()):
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from every_command_path(sub, (*path, name))


def test_no_help_page_asks_a_value_of_a_flag():
    """A flag takes no value: its help row names no type (issue 16: "--demo <bool>")."""
    import typer

    paths = list(every_command_path(typer.main.get_command(app)))
    assert len(paths) > 30
    for path in paths:
        result = run(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert "<bool>" not in result.output, path
    assert "en|da|nb|nn" in run("--help").output  # an option with a value keeps its values


def test_unknown_language_is_one_line(ready):
    assert_one_line_error(admin(ready, "--lang", "xx", "user", "list"), "xx")


def test_lang_option_is_found_before_the_app_is_built():
    from relaytui.__main__ import _language_option

    assert _language_option(["--lang", "da", "user", "list"]) == "da"
    assert _language_option(["user", "--lang=en"]) == "en"
    assert _language_option(["user", "list"]) is None
    assert _language_option(["--", "--lang", "da"]) is None


# --- init -----------------------------------------------------------------------------------


def test_init_creates_the_database_and_the_administrator(ready):
    assert stat.S_IMODE(os.stat(ready).st_mode) == 0o600
    store = open_store(str(ready))
    try:
        assert store.is_current()
        settings = installation.read(store)
        assert settings.profile == "dk"
        assert settings.timezone == "Europe/Copenhagen"
        assert settings.municipality == "Aarhus"
        ref = sign_in.authenticate(store, "admin", PASSWORD)
        assert ref.is_admin
        assert ref.full_name == "Ada Admin"
    finally:
        store.dispose()


def test_init_twice_only_upgrades(ready):
    before = snapshot(ready)
    result = on(
        ready, "init", "--admin-username", "admin", "--password-stdin", input="another password\n"
    )
    assert result.exit_code == 0, result.output
    assert "already set up" in result.output
    assert snapshot(ready) == before
    assert login(ready, "admin", PASSWORD).is_admin


def test_init_asks_for_what_is_missing(db_path):
    result = on(db_path, "init", input=f"no\nEurope/Oslo\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # typed without echo
    store = open_store(str(db_path))
    try:
        settings = installation.read(store)
        assert (settings.profile, settings.timezone) == ("no", "Europe/Oslo")
    finally:
        store.dispose()
    assert login(db_path, "admin", PASSWORD).is_admin


def test_init_password_typed_twice_must_match(db_path):
    result = on(
        db_path,
        "init",
        "--profile",
        "dk",
        "--timezone",
        "Europe/Copenhagen",
        input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert login(db_path, "admin", PASSWORD).is_admin


@pytest.mark.parametrize(
    ("args", "stdin", "fragment"),
    [
        (("--profile", "se"), PASSWORD + "\n", "se"),
        (("--timezone", "Mars/Olympus"), PASSWORD + "\n", "Mars/Olympus"),
        (("--admin-username", "Not Valid"), PASSWORD + "\n", "Not Valid"),
        ((), "\n", "password"),
    ],
    ids=["profile", "timezone", "username", "empty-password"],
)
def test_init_refuses_bad_input_before_creating_anything(db_path, args, stdin, fragment):
    result = on(db_path, "init", "--password-stdin", *args, input=stdin)
    assert_one_line_error(result, fragment)
    assert not db_path.exists()


def test_init_in_a_missing_folder_creates_nothing(tmp_path):
    path = tmp_path / "no" / "such" / "relay.db"
    result = on(path, "init", "--password-stdin", input=PASSWORD + "\n")
    assert_one_line_error(result, "does not exist")
    assert not (tmp_path / "no").exists()


def test_init_at_the_default_location_creates_the_data_folder(tmp_path):
    result = run(
        "init",
        "--profile",
        "dk",
        "--timezone",
        "Europe/Copenhagen",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    path = config.default_sqlite_path()
    assert path.exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert login(path, "admin", PASSWORD).is_admin


# --- users ----------------------------------------------------------------------------------


def test_user_add_and_list(populated):
    result = admin(populated, "user", "list")
    assert result.exit_code == 0, result.output
    for text in (
        "anna",
        "Anna Jensen",
        "teacher",
        "Nordskolen",
        "caseworker",
        "active",
        "admin",
        "Ada Admin",
        "administrator",
    ):
        assert text in result.output
    assert login(populated, "anna", "anna-pass").username == "anna"


def test_a_new_account_has_a_one_time_password_it_must_change(ready):
    result = admin(ready, "user", "add", "bo", "--name", "Bo Berg", "--role", "leader")
    assert result.exit_code == 0, result.output
    first = one_time_password(result)
    assert "one-time password" in admin(ready, "user", "list").output
    staff = login(ready, "bo", first)
    assert staff.role == "leader" and staff.must_change_password
    # The command line will not work on a one-time password: it is changed first.
    refused = on(ready, "user", "list", "--user", "bo", "--password-stdin", input=first + "\n")
    assert_one_line_error(refused, "relaytui password")
    same = on(ready, "password", "--user", "bo", "--password-stdin", input=f"{first}\n{first}\n")
    assert_one_line_error(same, "differs")
    choose_password(ready, "bo", first, "bo-pass")
    assert not login(ready, "bo", "bo-pass").must_change_password
    with pytest.raises(LoginFailed):
        login(ready, "bo", first)


def test_password_asks_for_the_new_one_twice(populated):
    result = on(
        populated, "password", "--user", "anna", input="anna-pass\nfresh words\nfresh words\n"
    )
    assert result.exit_code == 0, result.output
    assert "fresh words" not in result.output
    assert login(populated, "anna", "fresh words").username == "anna"


def test_database_text_is_not_markup(ready):
    result = admin(ready, "user", "add", "eve", "--name", "[bold red]Eve[/bold red]")
    assert result.exit_code == 0, result.output
    listing = admin(ready, "user", "list")
    assert "[bold red]Eve[/bold red]" in listing.output


def test_escape_sequences_from_the_database_are_shown_not_obeyed(ready):
    result = admin(ready, "unit", "add", "Evil\x1b[2JUnit")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "\\x1b[2J" in result.output
    listing = admin(ready, "unit", "list")
    assert "\x1b" not in listing.output
    assert "\\x1b[2J" in listing.output


def test_user_disable_and_enable(populated):
    result = admin(populated, "user", "disable", "anna")
    assert result.exit_code == 0, result.output
    assert "disabled" in admin(populated, "user", "list").output
    with pytest.raises(LoginFailed):
        login(populated, "anna", "anna-pass")
    result = admin(populated, "user", "enable", "anna")
    assert result.exit_code == 0, result.output
    assert login(populated, "anna", "anna-pass").username == "anna"


def test_user_unlock(populated):
    for _attempt in range(sign_in.MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            login(populated, "anna", "guess")
    assert "locked" in admin(populated, "user", "list").output
    result = admin(populated, "user", "unlock", "anna")
    assert result.exit_code == 0, result.output
    assert login(populated, "anna", "anna-pass").username == "anna"


def test_user_reset_password_gives_a_one_time_password(populated):
    result = admin(populated, "user", "reset-password", "anna")
    assert result.exit_code == 0, result.output
    new = one_time_password(result)
    assert login(populated, "anna", new).must_change_password
    with pytest.raises(LoginFailed):
        login(populated, "anna", "anna-pass")
    choose_password(populated, "anna", new, "anna-pass-2")
    assert not login(populated, "anna", "anna-pass-2").must_change_password


def test_user_set_role(populated):
    result = admin(populated, "user", "set-role", "anna", "leader")
    assert result.exit_code == 0, result.output
    assert login(populated, "anna", "anna-pass").role == "leader"


def test_user_set_unit(populated):
    assert admin(populated, "unit", "add", "Sydskolen", "--kind", "school").exit_code == 0
    result = admin(populated, "user", "set-unit", "anna", "Sydskolen")
    assert result.exit_code == 0, result.output
    assert "Sydskolen" in result.output


def test_the_last_administrator_cannot_be_disabled(ready):
    before = data(ready)
    assert_one_line_error(admin(ready, "user", "disable", "admin"), "last active administrator")
    assert_one_line_error(admin(ready, "user", "set-role", "admin", "caseworker"), "admin")
    assert data(ready) == before


# --- units ----------------------------------------------------------------------------------


def test_unit_add_list_and_set_leader(populated):
    result = admin(populated, "unit", "add", "Solsikken", "--kind", "daycare", "--phone", "8888")
    assert result.exit_code == 0, result.output
    result = admin(populated, "unit", "set-leader", "Nordskolen", "anna")
    assert result.exit_code == 0, result.output
    listing = admin(populated, "unit", "list")
    assert listing.exit_code == 0, listing.output
    for text in ("Nordskolen", "Solsikken", "daycare", "8888", "Anna Jensen"):
        assert text in listing.output
    assert login(populated, "anna", "anna-pass").role == "leader"


def test_unit_with_unknown_kind_is_refused(ready):
    before = data(ready)
    assert_one_line_error(admin(ready, "unit", "add", "Castle", "--kind", "castle"), "castle")
    assert data(ready) == before


# --- refusals: one line, nothing changed ----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("user", "disable", "ghost"), "ghost"),
        (("user", "reset-password", "ghost"), "ghost"),
        (("user", "set-role", "anna", "boss"), "boss"),
        (("user", "add", "anna", "--name", "Anna Again"), "anna"),
        (("user", "add", "ANNA", "--name", "Anna Again"), "anna"),
        (("user", "add", "bo"), "name"),
        (("user", "add", "bo", "--name", "Bo", "--unit", "Atlantis"), "Atlantis"),
        (("unit", "add", "nordskolen"), "nordskolen"),
        (("unit", "set-leader", "Nordskolen", "admin"), "admin"),
        (("unit", "set-leader", "Atlantis", "anna"), "Atlantis"),
    ],
    ids=[
        "unknown-user",
        "reset-unknown",
        "bad-role",
        "duplicate",
        "duplicate-case",
        "no-name",
        "unknown-unit",
        "duplicate-unit",
        "admin-leader",
        "leader-unknown-unit",
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(populated, args, fragment):
    before = data(populated)
    assert_one_line_error(admin(populated, *args), fragment)
    assert data(populated) == before


def _nothing_created(tmp_path: Path) -> None:
    assert not (tmp_path / "config").exists()
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    "command", [("user", "list"), ("unit", "list"), ("db", "upgrade"), ("init", "--password-stdin")]
)
def test_bad_url_is_one_line(tmp_path, command):
    result = run("--db", "foo://x", *command, input=PASSWORD + "\n")
    assert_one_line_error(result, "foo")
    _nothing_created(tmp_path)


@pytest.mark.parametrize("command", [("user", "list"), ("db", "status"), ("db", "upgrade")])
def test_unreachable_postgres_is_one_line(tmp_path, command):
    result = run("--db", "postgresql://postgres@127.0.0.1:1/nope", *command)
    assert_one_line_error(result, "127.0.0.1")
    _nothing_created(tmp_path)


@pytest.mark.parametrize(
    "command", [("user", "list"), ("unit", "list"), ("user", "disable", "anna")]
)
def test_missing_folder_is_one_line_and_creates_nothing(tmp_path, command):
    path = tmp_path / "no" / "such" / "folder" / "x.db"
    assert_one_line_error(on(path, *command), "relaytui init")
    assert not (tmp_path / "no").exists()
    _nothing_created(tmp_path)


def test_missing_file_is_not_created(tmp_path):
    path = tmp_path / "x.db"
    assert_one_line_error(on(path, "user", "list"), "relaytui init")
    assert not path.exists()


def test_commands_need_a_current_schema(tmp_path):
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    assert_one_line_error(on(path, "user", "list"), "relaytui init")
    assert snapshot(path) == {}


def test_main_turns_errors_into_one_line(tmp_path, capsys):
    from relaytui.__main__ import main

    with pytest.raises(SystemExit) as stopped:
        main(["--db", str(tmp_path / "no" / "such" / "x.db"), "user", "list"])
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not (tmp_path / "no").exists()


def test_main_hides_unexpected_errors(monkeypatch, capsys):
    from relaytui import __main__ as entry
    from relaytui import cli

    def broken():
        raise RuntimeError("secret internals")

    monkeypatch.delenv("RELAYTUI_DEBUG", raising=False)
    monkeypatch.setattr(cli, "build_app", broken)
    with pytest.raises(SystemExit) as stopped:
        entry.main(["user", "list"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "RuntimeError" in err and "secret internals" not in err


def test_python_dash_m_runs(tmp_path):
    env = {
        **os.environ,
        "RELAYTUI_CONFIG_DIR": str(tmp_path / "config"),
        "RELAYTUI_DATA_DIR": str(tmp_path / "data"),
        "RELAYTUI_LANG": "en",
    }
    env.pop("RELAYTUI_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "relaytui", "--db", str(tmp_path / "no" / "x.db"), "user", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "no").exists()
    helped = subprocess.run(
        [sys.executable, "-m", "relaytui", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert helped.returncode == 0
    assert "init" in helped.stdout


# --- db ---------------------------------------------------------------------------------------


def test_db_status_on_a_current_database(ready):
    result = on(ready, "db", "status")
    assert result.exit_code == 0, result.output
    assert str(ready) in result.output
    assert "--db" in result.output
    assert "SQLite" in result.output
    assert "up to date" in result.output


def test_db_status_and_upgrade_on_an_empty_database(tmp_path):
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    result = on(path, "db", "status")
    assert result.exit_code == 1
    assert "relaytui db upgrade" in result.output
    assert "Traceback" not in result.output
    upgraded = on(path, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert on(path, "db", "status").exit_code == 0


def test_db_status_on_a_missing_file_creates_nothing(tmp_path):
    path = tmp_path / "none.db"
    result = on(path, "db", "status")
    assert result.exit_code == 1
    assert "relaytui init" in result.output
    assert not path.exists()


def test_db_status_names_the_environment(tmp_path, monkeypatch, ready):
    monkeypatch.setenv("RELAYTUI_DATABASE_URL", str(ready))
    result = run("db", "status")
    assert result.exit_code == 0, result.output
    assert "RELAYTUI_DATABASE_URL" in result.output


# --- connect ----------------------------------------------------------------------------------


@pytest.fixture
def memory_keyring(monkeypatch):
    import keyring
    import keyring.core
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1

        def __init__(self) -> None:
            super().__init__()
            self.passwords: dict[tuple[str, str], str] = {}

        def get_password(self, service, username):
            return self.passwords.get((service, username))

        def set_password(self, service, username, password):
            self.passwords[(service, username)] = password

        def delete_password(self, service, username):
            self.passwords.pop((service, username), None)

    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    KeyringBackend._classes.discard(MemoryKeyring)


@pytest.fixture
def failing_keyring(monkeypatch):
    import keyring
    import keyring.core
    from keyring.backends import fail

    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)
    keyring.set_keyring(fail.Keyring())


def test_connect_keeps_the_password_in_the_keyring(pg_database, memory_keyring):
    secret = "pg-s3cret-word"
    result = run("connect", pg_database, input=secret + "\n")
    assert result.exit_code == 0, result.output
    assert secret not in result.output
    expected_url = pg_database.replace("postgresql://", "postgresql+psycopg://")
    assert memory_keyring.passwords == {(config.KEYRING_SERVICE, expected_url): secret}
    text = config.config_file().read_text()
    assert expected_url in text
    assert secret not in text
    assert stat.S_IMODE(os.stat(config.config_file()).st_mode) == 0o600
    location = config.resolve()
    assert location.source == "config"
    assert config.load_password(expected_url) == secret
    # The next command finds the database through the config file.
    status = run("db", "status")
    assert status.exit_code == 0, status.output
    assert "config file" in status.output


def test_connect_without_a_keyring_says_what_to_do(pg_database, failing_keyring):
    result = run("connect", pg_database, input="never-asked\n")
    assert_one_line_error(result, "RELAYTUI_DATABASE_URL")
    assert "Password" not in result.output
    assert not config.config_file().exists()


def test_connect_refuses_a_password_in_the_url(memory_keyring):
    result = run("connect", "postgresql://postgres:hunter22@127.0.0.1:5432/test")
    assert_one_line_error(result, "password")
    assert "hunter22" not in result.output
    assert memory_keyring.passwords == {}
    assert not config.config_file().exists()


def test_connect_refuses_an_unreachable_server(memory_keyring):
    result = run("connect", "postgresql://postgres@127.0.0.1:1/nope", input="whatever\n")
    assert_one_line_error(result, "127.0.0.1")
    assert "whatever" not in result.output
    assert memory_keyring.passwords == {}
    assert not config.config_file().exists()


@pytest.mark.parametrize("url", ["foo://x", "sqlite:////tmp/x.db"])
def test_connect_refuses_other_urls(memory_keyring, url):
    assert_one_line_error(run("connect", url))
    assert not config.config_file().exists()


# --- demo -------------------------------------------------------------------------------------


def test_demo_fills_an_empty_database_once(db_path):
    pytest.importorskip("relaytui.demo")
    result = on(db_path, "demo")
    assert result.exit_code == 0, result.output
    listing = on(db_path, "user", "list", "--user", "admin", "--password-stdin", input="demo\n")
    assert listing.exit_code == 0, listing.output
    before = snapshot(db_path)
    assert_one_line_error(on(db_path, "demo"), "already")
    assert snapshot(db_path) == before


def test_demo_refuses_a_database_with_staff(ready):
    before = snapshot(ready)
    assert_one_line_error(on(ready, "demo"), "already")
    assert snapshot(ready) == before


def test_demo_option_uses_its_own_database():
    pytest.importorskip("relaytui.demo")
    result = run("--demo", "user", "list", "--user", "admin", "--password-stdin", input="demo\n")
    assert result.exit_code == 0, result.output
    assert config.demo_sqlite_path().exists()
    assert not config.default_sqlite_path().exists()


def test_demo_and_db_together_are_refused(db_path):
    assert_one_line_error(on(db_path, "--demo", "user", "list"), "--demo")
    assert not db_path.exists()
