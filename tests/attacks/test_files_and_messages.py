"""Attacks on the files relaytui writes and on the words it answers with.

Files: ``--db PATH`` must not change the mode of anything but a database file; a backup and a
paper are written only as a new private file (mode 600) renamed into place, never through a
link, never into a folder, a device or a pipe, and over an existing file only with --force.

Messages: no message shows a password, whatever characters it holds; and what used to end in
"unexpected error" (exit code 2) or in Typer's usage box is one clear line and exit code 1,
with nothing written or changed.
"""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from relaytui import config, db, db_url
from relaytui.cli import app
from relaytui.errors import DomainError
from relaytui.models import AuditEvent
from relaytui.services import logs, meetings
from tests.factories import build_world, give_password

runner = CliRunner()
PASSWORD = "secret-pw"


def one_line(result, *fragments: str) -> str:
    """A refusal: exit code 1, one line on stderr (no traceback, no usage box)."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert "Traceback" not in result.output and "Usage:" not in result.output, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    """What is in ``folder``: each name with its kind and mode, links not followed."""
    found = {}
    for entry in sorted(folder.iterdir()):
        st = os.lstat(entry)
        found[entry.name] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode))
    return found


def device(path: Path) -> Path:
    """A character device of our own (a copy of /dev/null's node), mode 666."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs CAP_MKNOD")
    os.chmod(path, 0o666)
    return path


def fifo(path: Path) -> Path:
    os.mkfifo(path, 0o644)
    os.chmod(path, 0o644)
    return path


@pytest.fixture
def town_with_a_meeting(sqlite_store, tmp_path):
    store = sqlite_store
    world = build_world(store, "dk")
    for name in ("anna", "admin"):
        give_password(store, name, PASSWORD)
    anna = world.ref("anna")
    world.log = logs.create_log(
        store, anna, subject_id=world.subjects["Ida Jensen"], concern="Ida cries."
    )
    world.meeting = meetings.schedule(
        store,
        anna,
        world.log.id,
        kind="dialogue",
        place="Room 2",
        starts_at=datetime(2026, 12, 3, 9, tzinfo=UTC),
    )
    world.db = store.url.replace("sqlite:///", "")
    world.out = tmp_path / "out"
    world.out.mkdir()
    return world


def export(town_with_a_meeting, *args: str, user: str = "anna"):
    return runner.invoke(
        app,
        ["--db", town_with_a_meeting.db, "export", *args, "--user", user, "--password-stdin"],
        input=PASSWORD + "\n",
    )


def backup(db_path: str, *args: str):
    return runner.invoke(
        app,
        ["--db", db_path, "db", "backup", *args, "--user", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
    )


def trail_length(town_with_a_meeting) -> int:
    with town_with_a_meeting.store.session() as session:
        return len(session.exec(select(AuditEvent.id)).all())


def exported(town_with_a_meeting) -> int:
    """How many papers the trail says were exported."""
    with town_with_a_meeting.store.session() as session:
        return len(
            session.exec(select(AuditEvent).where(AuditEvent.action.endswith("_exported"))).all()
        )


# --- 1. --db PATH changes the mode of a database file only -------------------------------------


@pytest.mark.parametrize(
    "command",
    [(), ("user", "list"), ("db", "status"), ("db", "upgrade"), ("init", "--password-stdin")],
)
def test_db_on_a_folder_or_a_link_to_one_is_refused_and_its_mode_kept(tmp_path, command):
    folder = tmp_path / "folder"
    folder.mkdir()
    os.chmod(folder, 0o755)
    link = tmp_path / "link-to-folder"
    link.symlink_to(folder)
    for target in (folder, link):
        before = listing(tmp_path)
        result = runner.invoke(app, ["--db", str(target), *command], input=PASSWORD + "\n")
        one_line(result, str(target), "folder")
        assert listing(tmp_path) == before
        assert listing(folder) == {}


@pytest.mark.parametrize(
    "command", [("user", "list"), ("db", "status"), ("init", "--password-stdin")]
)
def test_db_on_a_device_is_refused_and_its_mode_kept(tmp_path, command):
    node = device(tmp_path / "null")
    link = tmp_path / "link-to-device"
    link.symlink_to(node)
    for target in (node, link):
        before = listing(tmp_path)
        result = runner.invoke(app, ["--db", str(target), *command], input=PASSWORD + "\n")
        one_line(result, str(target), "device")
        assert listing(tmp_path) == before
        assert stat.S_IMODE(os.stat(node).st_mode) == 0o666


def test_db_on_a_fifo_is_refused_at_once(tmp_path):
    """Through ``python -m relaytui``: reading a FIFO as a database would wait for ever."""
    pipe = fifo(tmp_path / "pipe")
    env = {**os.environ, "RELAYTUI_LANG": "en"}
    for command in ([], ["db", "status"], ["user", "list", "--user", "admin", "--password-stdin"]):
        done = subprocess.run(
            [sys.executable, "-m", "relaytui", "--db", str(pipe), *command],
            input=PASSWORD + "\n",
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert done.returncode == 1, (command, done.stdout, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and "FIFO" in done.stderr, done.stderr
        assert (
            stat.S_ISFIFO(os.lstat(pipe).st_mode) and stat.S_IMODE(os.lstat(pipe).st_mode) == 0o644
        )


def test_db_on_a_link_to_nothing_creates_nothing(tmp_path):
    link = tmp_path / "dangling.db"
    link.symlink_to(tmp_path / "nowhere" / "x.db")
    result = runner.invoke(
        app, ["--db", str(link), "init", "--password-stdin"], input=PASSWORD + "\n"
    )
    one_line(result, str(link))
    assert not (tmp_path / "nowhere").exists() and link.is_symlink()


def test_db_on_a_file_still_makes_it_private(sqlite_store):
    path = Path(sqlite_store.url.replace("sqlite:///", ""))
    os.chmod(path, 0o644)
    link = path.with_name("link.db")
    link.symlink_to(path)
    result = runner.invoke(app, ["--db", str(link), "db", "status"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


# --- 2. a backup replaces a regular file only ----------------------------------------------------


def test_backup_never_replaces_a_device_a_fifo_or_a_link(town_with_a_meeting, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    os.chmod(victim, 0o644)
    events = trail_length(town_with_a_meeting)
    for name, points_to in (
        ("link-to-file", victim),
        ("link-to-folder", town_with_a_meeting.out),
        ("link-to-nothing", tmp_path / "nothing.db"),
    ):
        (tmp_path / name).symlink_to(points_to)
        before = listing(tmp_path)
        one_line(backup(town_with_a_meeting.db, str(tmp_path / name), "--force"), name, "link")
        assert listing(tmp_path) == before
    for word, target in (("device", device(tmp_path / "null")), ("FIFO", fifo(tmp_path / "pipe"))):
        before = listing(tmp_path)
        one_line(backup(town_with_a_meeting.db, str(target), "--force"), str(target), word)
        assert listing(tmp_path) == before
    assert victim.read_text() == "keep me" and not (tmp_path / "nothing.db").exists()
    assert listing(town_with_a_meeting.out) == {}
    assert trail_length(town_with_a_meeting) == events  # refused before the administrator logged in


def test_backup_replaces_a_file_with_force_only_and_privately(town_with_a_meeting, tmp_path):
    old = tmp_path / "old-backup.db"
    old.write_text("an old backup")
    os.chmod(old, 0o644)
    one_line(backup(town_with_a_meeting.db, str(old)), "already exists", "--force")
    assert old.read_text() == "an old backup"
    result = backup(town_with_a_meeting.db, str(old), "--force")
    assert result.exit_code == 0, result.output
    assert old.read_bytes().startswith(b"SQLite format 3\x00")
    assert stat.S_IMODE(os.stat(old).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []


# --- 3. papers: a new private file, renamed into place ------------------------------------------


def test_an_export_does_not_overwrite_without_force(town_with_a_meeting):
    out = town_with_a_meeting.out / "consent.pdf"
    out.write_text("last week's letter")
    os.chmod(out, 0o644)
    count = exported(town_with_a_meeting)
    one_line(
        export(
            town_with_a_meeting, "consent-form", str(town_with_a_meeting.log.id), "-o", str(out)
        ),
        "already exists",
        "--force",
    )
    assert out.read_text() == "last week's letter" and stat.S_IMODE(os.stat(out).st_mode) == 0o644
    assert exported(town_with_a_meeting) == count  # refused before anything was made
    result = export(
        town_with_a_meeting,
        "consent-form",
        str(town_with_a_meeting.log.id),
        "-o",
        str(out),
        "--force",
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600  # a new file, not the old one's mode
    assert list(town_with_a_meeting.out.iterdir()) == [out]


def test_an_export_never_writes_through_a_link(town_with_a_meeting, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file")
    os.chmod(victim, 0o644)
    (town_with_a_meeting.out / "to-file.pdf").symlink_to(victim)
    (town_with_a_meeting.out / "to-nothing.pdf").symlink_to(tmp_path / "created-by-export.pdf")
    (town_with_a_meeting.out / "to-folder").symlink_to(tmp_path)
    count = exported(town_with_a_meeting)
    before = listing(town_with_a_meeting.out)
    for name in ("to-file.pdf", "to-nothing.pdf", "to-folder"):
        for force in ((), ("--force",)):
            one_line(
                export(
                    town_with_a_meeting,
                    "guardian-copy",
                    str(town_with_a_meeting.log.id),
                    "-o",
                    str(town_with_a_meeting.out / name),
                    *force,
                ),
                name,
                "link",
            )
    assert listing(town_with_a_meeting.out) == before
    assert (
        victim.read_text() == "someone else's file"
        and stat.S_IMODE(os.stat(victim).st_mode) == 0o644
    )
    assert not (tmp_path / "created-by-export.pdf").exists()
    assert exported(town_with_a_meeting) == count


def test_an_export_never_writes_into_a_device_or_a_fifo(town_with_a_meeting):
    node = device(town_with_a_meeting.out / "null")
    pipe = fifo(town_with_a_meeting.out / "pipe")
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)  # a writer would not wait: nothing may come
    try:
        before = listing(town_with_a_meeting.out)
        for target, word in ((node, "device"), (pipe, "FIFO")):
            one_line(
                export(
                    town_with_a_meeting,
                    "minutes",
                    str(town_with_a_meeting.meeting.id),
                    "-f",
                    "text",
                    "-o",
                    str(target),
                    "--force",
                ),
                word,
            )
        assert listing(town_with_a_meeting.out) == before
        assert os.read(reader, 65536) == b""  # nothing was written into the pipe
    finally:
        os.close(reader)


@pytest.mark.parametrize(
    "args",
    [
        ("invitation", "{meeting}"),
        ("consent-form", "{log}"),
        ("guardian-copy", "{log}"),
        ("minutes", "{meeting}"),
        ("access-report", "{log}"),
    ],
)
def test_every_export_writes_privately_and_needs_force_to_replace(town_with_a_meeting, args):
    kind, number = (
        args[0],
        args[1].format(meeting=town_with_a_meeting.meeting.id, log=town_with_a_meeting.log.id),
    )
    out = town_with_a_meeting.out / f"{kind}.out"
    first = export(town_with_a_meeting, kind, number, "-o", str(out))
    assert first.exit_code == 0, first.output
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    made = out.read_bytes()
    os.chmod(out, 0o644)
    one_line(export(town_with_a_meeting, kind, number, "-o", str(out)), "already exists")
    again = export(town_with_a_meeting, kind, number, "-o", str(out), "--force")
    assert again.exit_code == 0, again.output
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600 and out.read_bytes()[:4] == made[:4]
    assert [p.name for p in town_with_a_meeting.out.iterdir()] == [out.name]


def test_an_export_never_replaces_the_database(town_with_a_meeting):
    one_line(
        export(
            town_with_a_meeting,
            "guardian-copy",
            str(town_with_a_meeting.log.id),
            "-o",
            town_with_a_meeting.db,
            "--force",
        ),
        "database itself",
    )
    assert Path(town_with_a_meeting.db).read_bytes()[:16] == b"SQLite format 3\x00"
    assert stat.S_IMODE(os.stat(town_with_a_meeting.db).st_mode) == 0o600


def test_write_private_is_the_one_way_papers_reach_the_disk(tmp_path):
    from relaytui.cli.common import write_private

    path = tmp_path / "paper.txt"
    write_private(path, b"one", force=False)
    assert path.read_bytes() == b"one" and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(DomainError, match="already exists"):
        write_private(path, b"two", force=False)
    write_private(path, b"two", force=True)
    assert path.read_bytes() == b"two"
    link = tmp_path / "link.txt"
    link.symlink_to(path)
    with pytest.raises(DomainError, match="link"):
        write_private(link, b"three", force=True)
    with pytest.raises(DomainError, match="does not exist"):
        write_private(tmp_path / "no" / "paper.txt", b"x", force=False)
    with pytest.raises(DomainError, match="not a folder"):
        write_private(path / "paper.txt", b"x", force=False)
    assert path.read_bytes() == b"two" and sorted(p.name for p in tmp_path.iterdir()) == [
        "link.txt",
        "paper.txt",
    ]


# --- 4. no message shows a password --------------------------------------------------------------

PASSWORDS = [
    "Sekret@Hemmelig",
    "Sekret:Hemmelig@Passord",
    "Sekret/Hemmelig@Passord",
    "Sekret@Hemmelig/Passord:Kodeord",
    "Sekret%40Hemmelig",
    "Sekret@@Hemmelig",
]


def _pieces(password: str) -> list[str]:
    return [piece for piece in re.split(r"@|:|/|%40", password) if len(piece) >= 4] + [password]


def _urls(password: str) -> list[str]:
    return [
        f"postgresql://postgres:{password}@127.0.0.1:1/relay",
        f"postgresql+psycopg://postgres:{password}@127.0.0.1:1/relay?sslmode=disable",
        f"postgresql://postgres@127.0.0.1:1/relay?password={password}",
        f"postgresql://postgres@127.0.0.1:1/relay?sslmode=disable&password={password}&application_name=x",
        f"postgres://postgres:{password}@localhost/relay",
    ]


@pytest.mark.parametrize("password", PASSWORDS)
def test_no_message_shows_a_password(password, tmp_path):
    for url in _urls(password):
        for command in (
            (),
            ("db", "status"),
            ("db", "upgrade"),
            ("user", "list", "--user", "admin", "--password-stdin"),
            ("db", "backup", str(tmp_path / "b.dump")),
        ):
            result = runner.invoke(app, ["--db", url, *command], input=PASSWORD + "\n")
            assert result.exit_code == 1, (url, command, result.output)
            assert result.exception is None or isinstance(result.exception, SystemExit), repr(
                result.exception
            )
            for piece in _pieces(password):
                assert piece not in result.output, (url, command, result.output)


@pytest.mark.parametrize("password", PASSWORDS)
def test_no_url_function_shows_a_password(password):
    for url in [
        *_urls(password),
        f"no-such-scheme://ann:{password}@db/relay",
        f"sqlite://ann:{password}@db/relay",
        f"mysql://ann:{password}@db:notaport/relay",
    ]:
        shown = [
            db_url.safe_url(url),
            db_url.not_a_url(url).message,
            db._unreachable(url, RuntimeError("x")).message,
        ]
        try:
            db_url.normalise_url(url)
        except DomainError as exc:
            shown.append(exc.message)
        for text in shown:
            for piece in _pieces(password):
                assert piece not in text, (url, text)
        assert db_url.safe_url(db_url.safe_url(url)) == db_url.safe_url(url)


def test_a_password_in_the_config_file_or_the_environment_is_not_shown(monkeypatch):
    url = "postgresql://postgres:Sekret@Hemmelig@127.0.0.1:1/relay"
    config.write_config({"database_url": url})
    result = runner.invoke(app, ["db", "status"])
    assert (
        result.exit_code == 1 and "Hemmelig" not in result.output and "Sekret" not in result.output
    )
    monkeypatch.setenv(config.ENV_URL, url)
    result = runner.invoke(app, ["db", "status"])
    assert (
        result.exit_code == 1 and "Hemmelig" not in result.output and "Sekret" not in result.output
    )


def test_a_password_with_an_at_sign_is_refused_with_what_to_write():
    line = one_line(
        runner.invoke(
            app, ["--db", "postgresql://postgres:Sekret@Hemmelig@127.0.0.1:1/relay", "db", "status"]
        ),
        "%40",
    )
    assert "Hemmelig" not in line


# --- 5. one clear line instead of "unexpected error" or a usage box -----------------------------


def test_a_binary_config_file_is_one_line(tmp_path):
    path = config.config_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe binary")
    for command in (("user", "list"), ("db", "status")):
        one_line(runner.invoke(app, list(command)), str(path))
    path.write_bytes(b"database_url = = 'x'\n")  # text, but not TOML
    one_line(runner.invoke(app, ["db", "status"]), str(path))


def test_a_config_file_that_is_a_fifo_is_one_line(tmp_path):
    path = config.config_file()
    path.parent.mkdir(parents=True)
    fifo(path)
    env = {**os.environ, "RELAYTUI_LANG": "en"}
    done = subprocess.run(
        [sys.executable, "-m", "relaytui", "db", "status"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert str(path) in done.stderr


@pytest.mark.parametrize(
    "number",
    [
        "1000000000000000000000000000000",
        "9223372036854775808",
        "2147483648",
        "0",
        "-1",
        "-99999999999999999999",
    ],
)
@pytest.mark.parametrize(
    "kind", ["consent-form", "guardian-copy", "minutes", "access-report", "invitation"]
)
def test_a_number_out_of_range_is_one_line(town_with_a_meeting, kind, number):
    out = town_with_a_meeting.out / "paper.pdf"
    count = exported(town_with_a_meeting)
    one_line(export(town_with_a_meeting, kind, number, "-o", str(out)), number)
    assert not out.exists() and exported(town_with_a_meeting) == count


def test_minus_one_is_not_a_usage_box(town_with_a_meeting):
    result = runner.invoke(app, ["--db", town_with_a_meeting.db, "export", "minutes", "-1"])
    one_line(result, "-1")
    assert "╭" not in result.output


def test_output_naming_a_folder_or_nothing_is_one_line(town_with_a_meeting):
    count = exported(town_with_a_meeting)
    for target, word in (
        (str(town_with_a_meeting.out), "folder"),
        ("", "--output"),
        (".", "folder"),
        ("   ", "--output"),
    ):
        for force in ((), ("--force",)):
            one_line(
                export(
                    town_with_a_meeting,
                    "guardian-copy",
                    str(town_with_a_meeting.log.id),
                    "-o",
                    target,
                    *force,
                ),
                word,
            )
    assert listing(town_with_a_meeting.out) == {} and exported(town_with_a_meeting) == count


def test_output_in_a_missing_folder_or_below_a_file_is_one_line(town_with_a_meeting):
    one_line(
        export(
            town_with_a_meeting,
            "guardian-copy",
            str(town_with_a_meeting.log.id),
            "-o",
            str(town_with_a_meeting.out / "no" / "x.pdf"),
        ),
        "does not exist",
    )
    (town_with_a_meeting.out / "file").write_text("x")
    one_line(
        export(
            town_with_a_meeting,
            "guardian-copy",
            str(town_with_a_meeting.log.id),
            "-o",
            str(town_with_a_meeting.out / "file" / "x.pdf"),
        ),
        "not a folder",
    )


@pytest.fixture
def full_disk(monkeypatch, tmp_path):
    """Every write to a file under tmp_path fails with ENOSPC (through os.write, and through
    the file objects os.fdopen gives)."""
    where = str(tmp_path.resolve())
    real_write, real_fdopen = os.write, os.fdopen

    def under_tmp(fd: int) -> bool:
        try:
            return os.readlink(f"/proc/self/fd/{fd}").startswith(where)
        except OSError:
            return False

    def full():
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def write(fd, data):
        if under_tmp(fd):
            raise full()
        return real_write(fd, data)

    class Full(io.RawIOBase):
        def __init__(self, fd):
            self.fd = fd

        def writable(self):
            return True

        def write(self, data):
            raise full()

        def close(self):
            if not self.closed:
                os.close(self.fd)
            super().close()

    def fdopen(fd, *args, **kwargs):
        return (
            Full(fd)
            if under_tmp(fd) and "w" in (args[0] if args else kwargs.get("mode", "r"))
            else real_fdopen(fd, *args, **kwargs)
        )

    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(os, "fdopen", fdopen)


def test_a_full_disk_is_one_line_and_leaves_nothing(town_with_a_meeting, full_disk):
    out = town_with_a_meeting.out / "paper.pdf"
    one_line(
        export(
            town_with_a_meeting, "guardian-copy", str(town_with_a_meeting.log.id), "-o", str(out)
        ),
        "full",
    )
    assert listing(town_with_a_meeting.out) == {}
    kept = town_with_a_meeting.out / "kept.pdf"
    with open(kept, "wb", buffering=0) as fh:  # FileIO writes without os.write
        fh.write(b"the old paper")
    one_line(
        export(
            town_with_a_meeting,
            "guardian-copy",
            str(town_with_a_meeting.log.id),
            "-o",
            str(kept),
            "--force",
        ),
        "full",
    )
    assert kept.read_bytes() == b"the old paper" and [
        p.name for p in town_with_a_meeting.out.iterdir()
    ] == ["kept.pdf"]


def test_a_full_disk_on_standard_output_is_one_line(town_with_a_meeting):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    env = {**os.environ, "RELAYTUI_LANG": "en"}
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "relaytui",
                "--db",
                town_with_a_meeting.db,
                "export",
                "guardian-copy",
                str(town_with_a_meeting.log.id),
                "-f",
                "text",
                "--user",
                "anna",
                "--password-stdin",
            ],
            input=(PASSWORD + "\n").encode(),
            stdout=full,
            stderr=subprocess.PIPE,
            env=env,
            timeout=120,
            check=False,
        )
    lines = done.stderr.decode().strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, lines
    assert "standard output" in lines[0] and "--output" in lines[0]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@h:notaport/db",
        "postgresql+psycopg://u@h:99999/db",
        "postgres://u@h:1,h2:x/db",
        "mysql://u@h:notaport/db",
        "sqlite://u@h:notaport/x.db",
    ],
)
@pytest.mark.parametrize(
    "command", [(), ("db", "status"), ("user", "list"), ("init", "--password-stdin")]
)
def test_a_port_that_is_not_a_number_is_one_line(url, command):
    result = runner.invoke(app, ["--db", url, *command], input=PASSWORD + "\n")
    one_line(result)
    assert "Database:" not in result.stdout  # refused before anything is shown
