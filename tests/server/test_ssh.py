"""Staff over SSH: a real ``relaytui serve`` and asyncssh's client, the screen read as a person
reads it (pyte). The server logs them in with their own account (password or registered key,
the same lockout); every session is a process of its own."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import stat
import subprocess
import sys
import time
import warnings

import pytest
from sqlmodel import select

from relaytui.db import open_store
from relaytui.models import AuditEvent, MinutesNote
from tests.server.serving import PASSWORD, SSHScreen, build_town, server_environment, start_server

pytestmark = pytest.mark.server

HOME = "Search by name or national number"


def events(town, action: str) -> list[AuditEvent]:
    store = open_store(str(town.db))
    try:
        with store.session() as session:
            return list(
                session.exec(
                    select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
                )
            )
    finally:
        store.dispose()


async def test_anna_logs_in_writes_an_entry_and_lene_reads_it_in_her_own_session(server, town):
    anna = await SSHScreen.open(server.ssh_port, "anna", password=PASSWORD)
    lene = await SSHScreen.open(server.ssh_port, "lene", password=PASSWORD)
    try:
        # No second login: the app starts as the account SSH logged in.
        await anna.wait_for("Bo Jensen")
        assert "anna" in anna.text() and "Username" not in anna.text()
        await anna.press("enter")
        await anna.wait_for("Holder: Anna Holm")
        await anna.press("n")
        await anna.wait_for("New entry")
        await anna.type("Mother called: Bo slept well [bold]all week[/bold].")
        await anna.press("ctrl+s")
        await anna.wait_for("all week[/bold]")  # saved, and shown as text, not markup

        await lene.wait_for("Bo Jensen")
        await lene.press("enter")
        await lene.wait_for("Mother called: Bo slept well")
    finally:
        await anna.close()
        await lene.close()
    logins = [(e.username, e.detail) for e in events(town, "login")]
    assert ("anna", "ssh 127.0.0.1") in logins and ("lene", "ssh 127.0.0.1") in logins


async def test_a_wrong_password_and_a_locked_account_are_refused(server, town):
    with pytest.raises(asyncssh_permission_denied()):
        await SSHScreen.open(server.ssh_port, "anna", password="not the password")
    with pytest.raises(asyncssh_permission_denied()):
        await SSHScreen.open(server.ssh_port, "nobody", password=PASSWORD)
    with pytest.raises(asyncssh_permission_denied()):
        await SSHScreen.open(server.ssh_port, "carl", password=PASSWORD)  # locked
    failed = [(e.username, e.detail) for e in events(town, "login_failed")]
    assert ("anna", "wrong password (1 in a row); ssh 127.0.0.1") in failed
    assert ("carl", "account locked; ssh 127.0.0.1") in failed
    assert ("", "unknown username; ssh 127.0.0.1") in failed
    assert server.alive()


async def test_a_registered_key_logs_in_and_an_unknown_key_does_not(server, town, tmp_path):
    anna = await SSHScreen.open(server.ssh_port, "anna", key=town.key_file)
    try:
        await anna.wait_for("Bo Jensen")
    finally:
        await anna.close()
    assert any("key SHA256:" in e.detail for e in events(town, "login") if e.username == "anna")
    # The same key does not log in another account.
    with pytest.raises(asyncssh_permission_denied()):
        await SSHScreen.open(server.ssh_port, "lene", key=town.key_file)


async def test_a_one_time_password_is_changed_before_anything_else(server, town):
    otto = await SSHScreen.open(server.ssh_port, "otto", password=town.one_time)
    try:
        await otto.wait_for("Choose your password")
        await otto.type(town.one_time)
        await otto.press("enter")
        await otto.type("ottos own words")
        await otto.press("enter")
        await otto.type("ottos own words")
        await otto.press("enter")
        await otto.wait_for(HOME)
    finally:
        await otto.close()
    again = await SSHScreen.open(server.ssh_port, "otto", password="ottos own words")
    try:
        await again.wait_for(HOME)
    finally:
        await again.close()


async def test_the_terminal_size_and_its_resizes_reach_the_app(server):
    anna = await SSHScreen.open(server.ssh_port, "anna", password=PASSWORD, size=(90, 26))
    try:
        await anna.wait_for("Bo Jensen")
        assert "Quit" in anna.screen.display[25]  # the footer on the last of 26 lines
        anna.resize(120, 34)
        for _try in range(100):
            if "Quit" in anna.screen.display[33]:
                break
            await asyncio.sleep(0.05)
        assert "Quit" in anna.screen.display[33]
    finally:
        await anna.close()


async def test_commands_and_a_session_without_a_terminal_are_refused_with_a_message(server):
    command = await SSHScreen.open(
        server.ssh_port, "anna", password=PASSWORD, term=None, command="cat /etc/passwd"
    )
    assert await command.ended() == 1
    assert b"runs no commands" in command.raw and b"root:" not in command.raw
    await command.close()
    no_terminal = await SSHScreen.open(server.ssh_port, "anna", password=PASSWORD, term=None)
    assert await no_terminal.ended() == 1
    assert b"ssh -t" in no_terminal.raw
    await no_terminal.close()


async def test_a_killed_session_ends_alone(server):
    first = await SSHScreen.open(server.ssh_port, "anna", password=PASSWORD)
    second = await SSHScreen.open(server.ssh_port, "lene", password=PASSWORD)
    try:
        await first.wait_for("Bo Jensen")
        await second.wait_for("Bo Jensen")
        pid = session_pid(server, "anna")
        os.kill(pid, signal.SIGKILL)
        assert await first.ended() != 0
        # The other session goes on, and a new one starts.
        await second.press("enter")
        await second.wait_for("Holder: Anna Holm")
        third = await SSHScreen.open(server.ssh_port, "anna", password=PASSWORD)
        await third.wait_for("Bo Jensen")
        await third.close()
    finally:
        await first.close()
        await second.close()
    assert server.alive()


def session_pid(server, username: str) -> int:
    """The process of the newest session of ``username``, as the server's log names it."""
    found = re.findall(rf"ssh session of {username} from \S+ runs as process (\d+)", server.log())
    assert found, server.log()
    return int(found[-1])


async def test_twenty_sessions_at_once_all_get_their_screens(server):
    async def one(index: int) -> str:
        user = ("anna", "lene")[index % 2]
        session = await SSHScreen.open(server.ssh_port, user, password=PASSWORD, size=(100, 30))
        try:
            await session.wait_for("Bo Jensen", timeout=120)
            return session.text()
        finally:
            await session.close()

    screens = await asyncio.gather(*(one(i) for i in range(20)))
    assert len(screens) == 20 and all("Bo Jensen" in text for text in screens)
    assert server.alive()


def schedule_meeting(town, place: str) -> int:
    """A meeting of anna's in a few minutes, in ``place``; its id."""
    from datetime import timedelta

    from relaytui.services import clock, meetings, sign_in

    store = open_store(str(town.db))
    try:
        anna = sign_in.authenticate(store, "anna", PASSWORD)
        return meetings.schedule(
            store,
            anna,
            town.log_id,
            kind="dialogue",
            place=place,
            starts_at=clock.now() + timedelta(minutes=5),
        ).id
    finally:
        store.dispose()


async def open_minutes(anna: SSHScreen, place: str) -> None:
    """From anna's list to the minutes of the meeting in ``place``, key by key."""
    await anna.wait_for("Bo Jensen")
    await anna.press("enter")
    await anna.wait_for("Holder:")
    await anna.press("4")
    await anna.wait_for(place)
    await anna.press("enter")
    await anna.wait_for("Since last time")


def minutes_of(town, meeting_id: int) -> list[str]:
    store = open_store(str(town.db))
    try:
        with store.session() as session:
            return [
                n.text
                for n in session.exec(
                    select(MinutesNote).where(MinutesNote.meeting_id == meeting_id)
                )
            ]
    finally:
        store.dispose()


async def type_unsaved(anna: SSHScreen, town, meeting_id: int, text: str) -> str:
    """Type ``text`` into the minutes until the screen shows it and the database does not have
    it yet (the autosave waits two seconds after the last key); returns what was typed."""
    await anna.type(text)
    for _try in range(5):
        await anna.wait_for(text)  # on the screen: the app has every key
        if text not in minutes_of(town, meeting_id):
            return text
        text += "!"  # the autosave came first on a slow machine: one key more, not saved yet
        await anna.type("!")
    raise AssertionError("every key was saved before the test could stop the server")


async def test_sigterm_saves_the_minutes_being_written_then_stops(tmp_path):
    town = build_town(tmp_path)  # of its own: the only meeting of the log is this one
    meeting_id = schedule_meeting(town, "Room 9")
    running = start_server(town)
    try:
        anna = await SSHScreen.open(running.ssh_port, "anna", password=PASSWORD)
        await open_minutes(anna, "Room 9")
        text = await type_unsaved(anna, town, meeting_id, "Mother says the mornings are calmer")
        running.process.send_signal(signal.SIGTERM)
        assert await anna.ended() is not None
        assert b"The server is stopping" in anna.raw
        assert running.process.wait(40) == 0
    finally:
        running.stop()
    assert minutes_of(town, meeting_id) == [text]


async def test_when_full_the_next_person_is_told_so(town):
    running = start_server(town, max_sessions=2)
    try:
        one = await SSHScreen.open(running.ssh_port, "anna", password=PASSWORD)
        two = await SSHScreen.open(running.ssh_port, "lene", password=PASSWORD)
        await one.wait_for("Bo Jensen")
        await two.wait_for("Bo Jensen")
        three = await SSHScreen.open(running.ssh_port, "anna", password=PASSWORD)
        assert await three.ended() == 1
        assert b"The server is full: 2 sessions are open" in three.raw
        await three.close()
        await one.press("ctrl+q")
        await one.ended()
        four = await SSHScreen.open(running.ssh_port, "anna", password=PASSWORD)
        await four.wait_for("Bo Jensen")
        await four.close()
        await one.close()
        await two.close()
    finally:
        running.stop()


def test_the_host_key_is_private_and_kept_across_restarts(town, server):
    key = town.folder / "state" / "ssh_host_ed25519_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    again = start_server(town)
    try:
        assert again.host_key == server.host_key
    finally:
        again.stop()
    key.chmod(0o644)
    try:
        refused = subprocess.run(
            start_command(town),
            capture_output=True,
            text=True,
            timeout=60,
            env=server_environment(town.folder),
        )
        assert refused.returncode == 1 and "chmod 600" in refused.stderr
    finally:
        key.chmod(0o600)


def start_command(town) -> list[str]:
    return [
        sys.executable,
        "-m",
        "relaytui",
        "--db",
        str(town.db),
        "serve",
        "--ssh-port",
        "0",
        "--web-port",
        "0",
        "--state-dir",
        str(town.folder / "state"),
    ]


def asyncssh_permission_denied():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import asyncssh

    return asyncssh.PermissionDenied


def test_openssh_in_a_real_terminal_logs_in_with_the_key_and_knows_the_host(server, town, tmp_path):
    """What a caseworker does: ``ssh -p PORT anna@server`` in their own terminal."""
    import shutil

    from tests.e2e.terminal import Terminal

    if shutil.which("ssh") is None:
        pytest.fail("OpenSSH's ssh is not installed (.ci/run installs openssh-client)")
    known = tmp_path / "known_hosts"
    term = Terminal(
        [
            "ssh",
            "-p",
            str(server.ssh_port),
            "-i",
            str(town.key_file),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            f"UserKnownHostsFile={known}",
            "-o",
            "StrictHostKeyChecking=accept-new",
            "-o",
            "BatchMode=yes",
            "anna@127.0.0.1",
        ],
        width=100,
        height=30,
    ).start()
    try:
        term.wait_for("Bo Jensen", timeout=60)
        term.send("Enter")
        term.wait_for("Holder: Anna Holm")
        term.send("C-q")
        deadline = time.monotonic() + 20
        while not term.dead() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert term.dead()
    finally:
        term.close()
    listed = subprocess.run(
        ["ssh-keygen", "-lf", str(known)], capture_output=True, text=True, check=True
    ).stdout
    assert server.host_key in listed  # the fingerprint the server printed is the one ssh saw


async def test_a_killed_server_still_lets_its_sessions_save_their_minutes(tmp_path):
    town = build_town(tmp_path)  # of its own: the only meeting of the log is this one
    meeting_id = schedule_meeting(town, "Room 11")
    running = start_server(town)
    anna = await SSHScreen.open(running.ssh_port, "anna", password=PASSWORD)
    try:
        await open_minutes(anna, "Room 11")
        pid = session_pid(running, "anna")
        text = await type_unsaved(anna, town, meeting_id, "Father will join next time")
        running.process.kill()  # SIGKILL: the server runs no handler at all
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and os.path.exists(f"/proc/{pid}") and _state(pid) != "Z":
            await asyncio.sleep(0.1)
        if os.path.exists(f"/proc/{pid}") and _state(pid) != "Z":
            import shutil

            spy = shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")
            stack = (
                subprocess.run(
                    [spy, "dump", "--pid", str(pid)], capture_output=True, text=True
                ).stdout
                if os.path.exists(spy)
                else ""
            )
            raise AssertionError(f"the session outlived its server:\n{stack}")
    finally:
        await anna.close()
        running.stop()
    assert minutes_of(town, meeting_id) == [text]


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


async def test_the_server_is_no_way_through_to_the_database_or_files(server):
    """No port forwarding (PostgreSQL listens beside the server), no sftp, no agent."""
    session = await SSHScreen.open(server.ssh_port, "anna", password=PASSWORD)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import asyncssh
        with pytest.raises(asyncssh.ChannelOpenError):
            await session.conn.create_connection(asyncssh.SSHTCPSession, "127.0.0.1", 5432)
        with pytest.raises((asyncssh.ChannelOpenError, asyncssh.SFTPError, OSError)):
            await session.conn.start_sftp_client()
        with pytest.raises((asyncssh.ChannelListenError, OSError)):
            await session.conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 22)
    finally:
        await session.close()
    assert server.alive()


async def test_a_killed_spawner_ends_no_session_and_new_ones_still_start(town):
    running = start_server(town)
    try:
        anna = await SSHScreen.open(running.ssh_port, "anna", password=PASSWORD)
        await anna.wait_for("Bo Jensen")
        [spawner] = re.findall(r"the spawner \(process (\d+)\)", running.log())
        os.kill(int(spawner), signal.SIGKILL)
        for _try in range(100):
            if "the spawner ended" in running.log():
                break
            await asyncio.sleep(0.1)
        assert "the spawner ended" in running.log()
        await anna.press("enter")  # anna's session is the server's, not the spawner's: it goes on
        await anna.wait_for("Holder: Anna Holm")
        lene = await SSHScreen.open(running.ssh_port, "lene", password=PASSWORD)
        await lene.wait_for("Bo Jensen")  # a new Python now, slower but there
        await lene.close()
        await anna.close()
    finally:
        running.stop()
