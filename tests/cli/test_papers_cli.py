"""`relaytui export consent-form | guardian-copy | minutes | access-report`: the holder's papers."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlmodel import select
from typer.testing import CliRunner

from relaytui.cli import app
from relaytui.models import AuditEvent, Subject
from relaytui.services import consent, installation, log_actors, logs, meetings
from tests.factories import build_world, give_password

runner = CliRunner()


def pdf_text(data: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages
    )


@pytest.fixture
def town_with_a_meeting(sqlite_store):
    store = sqlite_store
    world = build_world(store, "dk")
    installation.write(store, municipality="Kirkeby Kommune")
    for name in ("anna", "carl", "admin"):
        give_password(store, name, "secret-pw")
    anna = world.ref("anna")
    log = logs.create_log(
        store,
        anna,
        subject_id=world.subjects["Ida Jensen"],
        concern="Ida græder om morgenen.",
        language="en",
    )
    given = consent.record_consent(
        store,
        anna,
        log.id,
        consent.ConsentInput(
            giver="guardian",
            guardian_id=world.guardians["Mette Jensen"],
            method="oral",
            staff_ids=(world.ref("carl").id,),
        ),
    )
    log_actors.add_actor(store, anna, log.id, staff_id=world.ref("carl").id, consent_id=given.id)
    meeting = meetings.schedule(
        store,
        anna,
        log.id,
        kind="dialogue",
        starts_at=datetime(2026, 12, 3, 9, tzinfo=UTC),
        place="Rum 2",
    )
    with store.session() as session:
        number = session.get(Subject, world.subjects["Ida Jensen"]).national_number
    world.db, world.log, world.meeting, world.number = (
        store.url.replace("sqlite:///", ""),
        log,
        meeting,
        number,
    )
    return world


def export(town_with_a_meeting, *args, user="anna", password="secret-pw"):
    who = ["--user", user, "--password-stdin"] if user else []
    return runner.invoke(
        app, ["--db", town_with_a_meeting.db, "export", *args, *who], input=f"{password}\n"
    )


def events(town_with_a_meeting, action: str) -> list[AuditEvent]:
    with town_with_a_meeting.store.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_the_holder_writes_each_paper_as_a_private_pdf(town_with_a_meeting, tmp_path):
    papers = {
        "consent-form": (
            str(town_with_a_meeting.log.id),
            ("Consent to a relay log", "Carl Dahl", "Mette Jensen"),
        ),
        "guardian-copy": (
            str(town_with_a_meeting.log.id),
            ("Ida græder om morgenen.", "Carl Dahl", "Rum 2"),
        ),
        "minutes": (
            str(town_with_a_meeting.meeting.id),
            ("Invitation to a dialogue meeting", "Since last time"),
        ),
        "access-report": (str(town_with_a_meeting.log.id), ("Access report", "Anna Holm")),
    }
    for kind, (number, expected) in papers.items():
        out = tmp_path / f"{kind}.pdf"
        result = export(town_with_a_meeting, kind, number, "-o", str(out))
        assert result.exit_code == 0, (kind, result.output)
        assert out.stat().st_mode & 0o077 == 0, kind  # readable by its owner only
        text = pdf_text(out.read_bytes())
        for words in ("Kirkeby Kommune", "Solsikken daycare", "Ida Jensen", *expected):
            assert words in text, (kind, words)
    for action in (
        "consent_form_exported",
        "guardian_copy_exported",
        "invitation_exported",
        "access_report_exported",
    ):
        assert [e.username for e in events(town_with_a_meeting, action)] == ["anna"], action


def test_text_goes_to_standard_output(town_with_a_meeting):
    result = export(
        town_with_a_meeting, "guardian-copy", str(town_with_a_meeting.log.id), "--format", "text"
    )
    assert result.exit_code == 0, result.output
    assert (
        "THE RELAY LOG ABOUT IDA JENSEN" in result.output
        and "Ida græder om morgenen." in result.output
    )


def test_an_administrator_exports_a_childs_whole_access_report(town_with_a_meeting, tmp_path):
    out = tmp_path / "report.txt"
    result = export(
        town_with_a_meeting,
        "access-report",
        "--subject",
        town_with_a_meeting.number,
        "--format",
        "text",
        "-o",
        str(out),
        user="admin",
    )
    assert result.exit_code == 0, result.output
    report = out.read_text(encoding="utf-8")
    assert "Access report" in report.splitlines()[3].title() or "ACCESS REPORT" in report
    assert "started the relay log" in report and "Anna Holm" in report
    assert len(events(town_with_a_meeting, "audit_export")) == 1


@pytest.mark.rule("R7")
def test_an_actor_a_wrong_password_and_bad_arguments_write_nothing(town_with_a_meeting, tmp_path):
    out = tmp_path / "x.pdf"
    for args, user, password in (
        (["guardian-copy", str(town_with_a_meeting.log.id)], "carl", "secret-pw"),
        (["consent-form", str(town_with_a_meeting.log.id)], "carl", "secret-pw"),
        (["minutes", str(town_with_a_meeting.meeting.id)], "carl", "secret-pw"),
        (["access-report", str(town_with_a_meeting.log.id)], "carl", "secret-pw"),
        (["guardian-copy", str(town_with_a_meeting.log.id)], "anna", "wrong"),
        (
            ["guardian-copy", str(town_with_a_meeting.log.id), "--format", "docx"],
            "anna",
            "secret-pw",
        ),
        (["access-report"], "anna", "secret-pw"),
        (["access-report", "--subject", town_with_a_meeting.number], "anna", "secret-pw"),
    ):
        result = export(town_with_a_meeting, *args, "-o", str(out), user=user, password=password)
        assert result.exit_code == 1 and "Traceback" not in result.output, (args, result.output)
        assert not out.exists(), args
    refused = export(
        town_with_a_meeting,
        "guardian-copy",
        str(town_with_a_meeting.log.id),
        "-o",
        str(out),
        user="carl",
    )
    assert "Anna Holm" in refused.output  # who to ask
    for action in (
        "guardian_copy_exported",
        "consent_form_exported",
        "access_report_exported",
        "minutes_exported",
        "audit_export",
    ):
        assert not events(town_with_a_meeting, action), action
