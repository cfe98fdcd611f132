"""Every command that reads or changes accounts, units, settings, logs, papers or the audit
trail logs in first: refused without credentials, with a wrong password, and as a caseworker
where an administrator is needed; each run, refused or not, leaves an audit event with the
account that ran it. The list of commands is read from the command line itself, so a new
command that forgets to log in fails here."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import typer
from sqlmodel import select
from typer.testing import CliRunner

from relaytui.cli import app
from relaytui.models import AuditEvent, Subject
from relaytui.services import log_closing, logs, meetings
from tests.factories import build_world, give_password

runner = CliRunner()

#: Commands that read and change no one's data, and so ask for no login.
OPEN = {"init", "connect", "demo", "db status", "db upgrade", "serve", "password"}


def every_command() -> set[str]:
    found: set[str] = set()

    def walk(command, path: str) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}".strip())
        else:
            found.add(path)

    walk(typer.main.get_command(app), "")
    return found


@pytest.fixture
def town_with_open_and_closed_logs(sqlite_store, tmp_path):
    store = sqlite_store
    world = build_world(store, "dk")
    for name in ("admin", "anna", "carl"):
        give_password(store, name, f"{name}-pw")
    anna = world.ref("anna")
    log = logs.create_log(store, anna, subject_id=world.subjects["Ida Jensen"], concern="c")
    meeting = meetings.schedule(
        store,
        anna,
        log.id,
        kind="dialogue",
        place="Room 2",
        starts_at=datetime(2026, 12, 3, 9, tzinfo=UTC),
    )
    with store.session() as session:
        number = session.get(Subject, world.subjects["Ida Jensen"]).national_number
    # A closed log anna held: she may ask to read it again (R10).
    world.add_subject("Oskar Berg", date(2020, 3, 2), guardians=(("Sara Berg", True),))
    closed = logs.create_log(store, anna, subject_id=world.subjects["Oskar Berg"], concern="c")
    log_closing.close_log(
        store, anna, closed.id, basis="colleagues", reason="Fine", consultation="Bo agreed"
    )
    from relaytui import backup

    backup.backup(store, tmp_path / "saved.db")
    key = tmp_path / "anna.pub"
    key.write_text(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPbObbR80QdyCXuIZMcVsixzR3FLWjuCUdPQX2ah0087 anna@pc\n"
    )
    world.db = store.url.replace("sqlite:///", "")
    world.args = {
        "user add": ["eva", "--name", "Eva Eng"],
        "user list": [],
        "user disable": ["carl"],
        "user enable": ["carl"],
        "user unlock": ["carl"],
        "user reset-password": ["carl"],
        "user set-role": ["carl", "leader"],
        "user set-unit": ["carl", "Solsikken daycare"],
        "user add-key": ["carl", str(key)],
        "user keys": ["carl"],
        "user remove-key": ["carl", "SHA256:nothing"],
        "unit add": ["Nordskolen"],
        "unit list": [],
        "unit set-leader": ["Solsikken daycare", "lene"],
        "setting": ["idle_lock_minutes", "12"],
        "audit verify": [],
        "audit keygen": [],
        "audit checkpoint": [],
        "audit export": ["--subject", number],
        "db backup": [str(tmp_path / "backup.db")],
        "db restore": [str(tmp_path / "saved.db")],
        "export invitation": [str(meeting.id), "-f", "text"],
        "export consent-form": [str(log.id), "-f", "text"],
        "export guardian-copy": [str(log.id), "-f", "text"],
        "export minutes": [str(meeting.id), "-f", "text"],
        "export access-report": [str(log.id), "-f", "text"],
        "grant request": [str(closed.id), "--reason", "A new concern"],
        "grant list": [],
        "grant give": ["1", "--reason", "Court", "--until", "2026-12-20"],
        "grant refuse": ["1", "--reason", "No"],
        "notices list": [],
        "notices kinds": [],
        "notices off": ["actor_added"],
        "notices on": ["actor_added"],
        "notices evaluation-days": ["5"],
    }
    #: Who may run it: the holder's papers are anna's, everything else the administrator's.
    world.allowed = {
        name: ("anna" if name.startswith(("export", "grant request")) else "admin")
        for name in world.args
    }
    return world


def invoke(town_with_open_and_closed_logs, command: str, *extra: str, input: str | None = None):
    return runner.invoke(
        app,
        [
            "--db",
            town_with_open_and_closed_logs.db,
            *command.split(),
            *town_with_open_and_closed_logs.args[command],
            *extra,
        ],
        input=input,
        env={"COLUMNS": "200"},
    )


def trail(store, since: int) -> list[tuple[str, str, str]]:
    with store.session() as session:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.id > since).order_by(AuditEvent.id)
        ).all()
        return [(row.action, row.username, row.detail) for row in rows]


def last_event(store) -> int:
    with store.session() as session:
        return session.exec(select(AuditEvent.id).order_by(AuditEvent.id.desc())).first() or 0


def test_every_command_is_either_open_or_signed_in(town_with_open_and_closed_logs):
    assert every_command() == OPEN | set(town_with_open_and_closed_logs.args)


@pytest.mark.rule("R9")
@pytest.mark.parametrize(
    "command",
    sorted(
        {
            "user add",
            "user list",
            "user disable",
            "user enable",
            "user unlock",
            "user reset-password",
            "user set-role",
            "user set-unit",
            "user add-key",
            "user keys",
            "user remove-key",
            "unit add",
            "unit list",
            "unit set-leader",
            "setting",
            "audit verify",
            "audit keygen",
            "audit checkpoint",
            "audit export",
            "db backup",
            "db restore",
            "export invitation",
            "export consent-form",
            "export guardian-copy",
            "export minutes",
            "export access-report",
            "grant request",
            "grant list",
            "grant give",
            "grant refuse",
            "notices list",
            "notices kinds",
            "notices off",
            "notices on",
            "notices evaluation-days",
        }
    ),
)
def test_a_command_refuses_without_a_login_and_records_every_try(
    town_with_open_and_closed_logs, command, tmp_path
):
    store = town_with_open_and_closed_logs.store
    who = town_with_open_and_closed_logs.allowed[command]
    other = "carl" if who == "admin" else "admin"  # carl is a caseworker and an actor of nothing

    # No credentials: asked for, and nothing given.
    start = last_event(store)
    nothing = invoke(town_with_open_and_closed_logs, command, input="")
    assert nothing.exit_code != 0 and "Traceback" not in nothing.output
    assert not (tmp_path / "backup.db").exists()

    # A wrong password: refused, and the failed login is in the trail.
    start = last_event(store)
    wrong = invoke(
        town_with_open_and_closed_logs,
        command,
        "--user",
        who,
        "--password-stdin",
        input="not-the-password\n",
    )
    assert wrong.exit_code == 1, wrong.output
    assert "Wrong username or password" in wrong.output
    assert [a for a, _u, _d in trail(store, start)] == ["login_failed"]

    # The wrong account: refused, with its login and the refused command in the trail.
    start = last_event(store)
    refused = invoke(
        town_with_open_and_closed_logs,
        command,
        "--user",
        other,
        "--password-stdin",
        input=f"{other}-pw\n",
    )
    assert refused.exit_code == 1, refused.output
    events = trail(store, start)
    assert ("login", other, "command line") in events
    assert any(
        user == other and action in ("command_refused", "read_refused", "command")
        for action, user, _d in events
    )
    if who == "admin":
        assert ("command_refused", other) == events[-1][:2]
        assert command in events[-1][2]
    assert not (tmp_path / "backup.db").exists()

    # The right account: the command runs (or says what is wrong with its arguments), recorded.
    start = last_event(store)
    done = invoke(
        town_with_open_and_closed_logs,
        command,
        "--user",
        who,
        "--password-stdin",
        input=f"{who}-pw\n",
    )
    assert "Traceback" not in done.output
    if command not in (
        "db restore",
        "user remove-key",
        "audit checkpoint",
        "grant give",
        "grant refuse",
    ):  # they need what is not there
        assert done.exit_code == 0, done.output
    events = trail(store, start)
    assert events[0][:3] == ("login", who, "command line")
    assert events[1][:2] == ("command", who) and events[1][2].startswith(command)


def test_the_username_comes_from_the_environment_and_a_prompt(town_with_open_and_closed_logs):
    by_env = runner.invoke(
        app,
        ["--db", town_with_open_and_closed_logs.db, "user", "list", "--password-stdin"],
        input="admin-pw\n",
        env={"RELAYTUI_USER": "admin", "COLUMNS": "200"},
    )
    assert by_env.exit_code == 0, by_env.output
    assert "Lene Lund" in by_env.output
    asked = runner.invoke(
        app,
        ["--db", town_with_open_and_closed_logs.db, "user", "list"],
        input="admin\nadmin-pw\n",
        env={"COLUMNS": "200"},
    )
    assert asked.exit_code == 0, asked.output
    assert "admin-pw" not in asked.output  # typed without echo
    stdin_without_user = runner.invoke(
        app,
        ["--db", town_with_open_and_closed_logs.db, "user", "list", "--password-stdin"],
        input="admin-pw\n",
    )
    assert stdin_without_user.exit_code == 1 and "--user" in stdin_without_user.output


def test_a_locked_account_is_refused_like_at_the_app(town_with_open_and_closed_logs):
    for _attempt in range(5):
        invoke(
            town_with_open_and_closed_logs,
            "user list",
            "--user",
            "admin",
            "--password-stdin",
            input="guess\n",
        )
    locked = invoke(
        town_with_open_and_closed_logs,
        "user list",
        "--user",
        "admin",
        "--password-stdin",
        input="admin-pw\n",
    )
    assert locked.exit_code == 1 and "locked" in locked.output


def test_a_reset_password_shows_in_the_access_report_of_each_child_the_account_reads(
    town_with_open_and_closed_logs,
):
    from relaytui.services import audit, sign_in

    store = town_with_open_and_closed_logs.store
    reset = invoke(
        town_with_open_and_closed_logs,
        "user reset-password",
        "--user",
        "admin",
        "--password-stdin",
        input="admin-pw\n",
    )
    assert reset.exit_code == 0
    # carl holds and reads nothing: no child's report changes.
    assert "access report" not in reset.output
    town_with_open_and_closed_logs.args["user reset-password"] = ["anna"]
    reset = invoke(
        town_with_open_and_closed_logs,
        "user reset-password",
        "--user",
        "admin",
        "--password-stdin",
        input="admin-pw\n",
    )
    assert reset.exit_code == 0 and "access report of 1 child." in reset.output
    with store.session() as session:
        number = session.get(
            Subject, town_with_open_and_closed_logs.subjects["Ida Jensen"]
        ).national_number
    admin = sign_in.authenticate(store, "admin", "admin-pw")
    _name, lines = audit.subject_trail(store, admin, number)
    assert [line.action for line in lines if line.action == "reader_password_reset"] == [
        "reader_password_reset"
    ]
    assert audit.action_label("reader_password_reset") != "reader_password_reset"


def test_keys_are_added_listed_and_removed_by_an_administrator(
    town_with_open_and_closed_logs, tmp_path
):
    added = invoke(
        town_with_open_and_closed_logs,
        "user add-key",
        "--user",
        "admin",
        "--password-stdin",
        input="admin-pw\n",
    )
    assert added.exit_code == 0, added.output
    assert "SHA256:w8srEWZTa2+4RTKYiF2Q7SBLoJwKMayNWGCJ0ej/898" in added.output
    again = invoke(
        town_with_open_and_closed_logs,
        "user add-key",
        "--user",
        "admin",
        "--password-stdin",
        input="admin-pw\n",
    )
    assert again.exit_code == 1 and "already registered" in again.output
    listed = invoke(
        town_with_open_and_closed_logs,
        "user keys",
        "--user",
        "admin",
        "--password-stdin",
        input="admin-pw\n",
    )
    assert (
        "SHA256:w8srEWZTa2+4RTKYiF2Q7SBLoJwKMayNWGCJ0ej/898" in listed.output
        and "anna@pc" in listed.output
    )
    town_with_open_and_closed_logs.args["user remove-key"] = [
        "carl",
        "SHA256:w8srEWZTa2+4RTKYiF2Q7SBLoJwKMayNWGCJ0ej/898",
    ]
    removed = invoke(
        town_with_open_and_closed_logs,
        "user remove-key",
        "--user",
        "admin",
        "--password-stdin",
        input="admin-pw\n",
    )
    assert removed.exit_code == 0, removed.output
    listed = invoke(
        town_with_open_and_closed_logs,
        "user keys",
        "--user",
        "admin",
        "--password-stdin",
        input="admin-pw\n",
    )
    assert "no SSH keys" in listed.output


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n",
            "private key",
        ),
        ("hello world\n", "not an SSH public key"),
        ("", "one public key"),
        (
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPbObbR80QdyCXuIZMcVsixzR3FLWjuCUdPQX2ah0087 a\n"
            * 2,
            "one public key",
        ),
    ],
)
def test_a_wrong_key_file_is_one_clear_line(
    town_with_open_and_closed_logs, tmp_path, text, fragment
):
    path = tmp_path / "wrong.pub"
    path.write_text(text)
    town_with_open_and_closed_logs.args["user add-key"] = ["carl", str(path)]
    refused = invoke(
        town_with_open_and_closed_logs,
        "user add-key",
        "--user",
        "admin",
        "--password-stdin",
        input="admin-pw\n",
    )
    assert refused.exit_code == 1 and fragment in refused.output, refused.output
    town_with_open_and_closed_logs.args["user add-key"] = ["carl", str(tmp_path)]
    folder = invoke(
        town_with_open_and_closed_logs,
        "user add-key",
        "--user",
        "admin",
        "--password-stdin",
        input="admin-pw\n",
    )
    assert folder.exit_code == 1 and "not a file" in folder.output


def test_the_profile_cannot_change_once_logs_exist(town_with_open_and_closed_logs):
    town_with_open_and_closed_logs.args["setting"] = ["profile", "no"]
    refused = invoke(
        town_with_open_and_closed_logs,
        "setting",
        "--user",
        "admin",
        "--password-stdin",
        input="admin-pw\n",
    )
    assert refused.exit_code == 1 and "cannot change" in refused.output
    assert "setting_changed" not in [
        a for a, _u, _d in trail(town_with_open_and_closed_logs.store, 0)
    ]
    town_with_open_and_closed_logs.args["setting"] = ["idle_end_minutes", "30"]
    changed = invoke(
        town_with_open_and_closed_logs,
        "setting",
        "--user",
        "admin",
        "--password-stdin",
        input="admin-pw\n",
    )
    assert changed.exit_code == 0 and "idle_end_minutes = 30" in changed.output
    assert ("setting_changed", "admin", "idle_end_minutes: 60 -> 30") in trail(
        town_with_open_and_closed_logs.store, 0
    )
