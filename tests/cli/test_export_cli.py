"""`relaytui export invitation`: the holder's calendar file and letter, nobody else's."""

from datetime import UTC, datetime

from icalendar import Calendar
from typer.testing import CliRunner

from relaytui.cli import app
from relaytui.services import logs, meetings
from tests.factories import build_world, give_password

runner = CliRunner()


def _setup(store):
    world = build_world(store, "dk")
    for name in ("anna", "lene"):
        give_password(store, name, "secret-pw")
    log = logs.create_log(
        store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"], concern="c"
    )
    meeting = meetings.schedule(
        store,
        world.ref("anna"),
        log.id,
        kind="dialogue",
        starts_at=datetime(2026, 12, 3, 9, tzinfo=UTC),
        place="Room 2",
        invitee_staff_ids=(world.ref("lene").id,),
    )
    return store.url.replace("sqlite:///", ""), meeting


def test_the_holder_exports_the_invitation_as_ics_and_as_a_letter(sqlite_store, tmp_path):
    db, meeting = _setup(sqlite_store)
    out = tmp_path / "invitation.ics"
    result = runner.invoke(
        app,
        [
            "--db",
            db,
            "export",
            "invitation",
            str(meeting.id),
            "--user",
            "anna",
            "--password-stdin",
            "-o",
            str(out),
        ],
        input="secret-pw\n",
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o077 == 0  # readable by its owner only
    [event] = Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 3, 9, tzinfo=UTC)
    assert str(event["location"]) == "Room 2"
    assert [str(a.params["cn"]) for a in event["attendee"]] == ["Anna Holm", "Lene Lund"]
    letter = runner.invoke(
        app,
        [
            "--db",
            db,
            "export",
            "invitation",
            str(meeting.id),
            "--user",
            "anna",
            "--password-stdin",
            "--format",
            "text",
        ],
        input="secret-pw\n",
    )
    assert (
        letter.exit_code == 0
        and "Invitation to a dialogue meeting about Ida Jensen" in letter.output
    )
    assert "1. Since last time" in letter.output


def test_an_actor_a_wrong_password_and_a_wrong_format_export_nothing(sqlite_store, tmp_path):
    db, meeting = _setup(sqlite_store)
    out = tmp_path / "x.ics"
    for user, password, extra in (
        ("lene", "secret-pw", []),
        ("anna", "wrong", []),
        ("anna", "secret-pw", ["--format", "pdf"]),
    ):
        result = runner.invoke(
            app,
            [
                "--db",
                db,
                "export",
                "invitation",
                str(meeting.id),
                "--user",
                user,
                "--password-stdin",
                "-o",
                str(out),
                *extra,
            ],
            input=f"{password}\n",
        )
        assert result.exit_code == 1 and "Traceback" not in result.output, (user, result.output)
        assert not out.exists()
