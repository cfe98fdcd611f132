"""Papers for the family (issue 8): what each says, who may make it, and that making it is audited."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import col, select

from relaytui import documents
from relaytui.errors import NotAllowed, RuleViolation
from relaytui.i18n import set_language
from relaytui.models import AuditEvent
from relaytui.services import (
    clock,
    consent,
    efforts,
    installation,
    journal,
    log_actors,
    log_closing,
    logs,
    meetings,
    minutes,
    papers,
)
from tests.factories import build_world

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
MEETING_AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 10:00 in Copenhagen


def pdf_text(data: bytes) -> str:
    """The text of every page, spaces normalised (a PDF breaks lines where it likes)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def sorens_town(store):
    """Søren's log, held by Anna at level 1: Carl (school) reads by consent, Lene as leader.

    It has an entry, an effort, a goal, and a meeting with finished minutes. Ida's log (another
    family, held by Bo) holds a secret that no paper of Søren's may show.
    """
    clock.set_clock(lambda: NOW)
    world = build_world(store, "dk")
    installation.write(store, municipality="Kirkeby Kommune")
    anna, bo = world.ref("anna"), world.ref("bo")
    subject = world.add_subject(
        "Søren Ærø Åberg",
        date(2019, 3, 4),
        guardians=(("Bjørn Ærø", True), ("Åse Berg", True), ("Kåre Ås", False)),
    )
    log = logs.create_log(
        store, anna, subject_id=subject, concern="Søren græder ofte om morgenen.", language="en"
    )
    given = consent.record_consent(
        store,
        anna,
        log.id,
        consent.ConsentInput(
            giver="guardian",
            guardian_id=world.guardians["Bjørn Ærø"],
            method="oral",
            staff_ids=(world.ref("carl").id,),
        ),
    )
    log_actors.add_actor(store, anna, log.id, staff_id=world.ref("carl").id, consent_id=given.id)
    logs.change_level(store, anna, log.id, to_level=1, reason="Aftalt med far.")
    journal.write_entry(store, anna, log.id, text="Søren spiste sin madpakke \x1b[31m i dag.")
    efforts.add_effort(
        store,
        anna,
        log.id,
        what="Fast voksen ved aflevering",
        starts_on=date(2026, 11, 23),
        evaluate_on=date(2026, 12, 21),
        responsible_text="far",
    )
    efforts.add_goal(store, anna, log.id, text="Søren er glad om morgenen")
    meeting = meetings.schedule(
        store,
        anna,
        log.id,
        kind="dialogue",
        starts_at=MEETING_AT,
        place="Rum 2",
        invitee_staff_ids=(world.ref("carl").id,),
    )
    other = logs.create_log(
        store, bo, subject_id=world.subjects["Ida Jensen"], concern="OTHER FAMILY CONCERN"
    )
    journal.write_entry(store, bo, other.id, text="OTHER FAMILY SECRET")
    world.log, world.meeting, world.other = log, meeting, other
    world.subject_id = subject
    yield world
    clock.set_clock(None)


def finish(world) -> meetings.MeetingView:
    anna = world.ref("anna")
    current = meetings.get_meeting(world.store, anna, world.meeting.id)
    meetings.record_attendance(
        world.store, anna, current.id, {i.id: i.name != "Carl Dahl" for i in current.invitees}
    )
    minutes.save_note(
        world.store,
        anna,
        current.id,
        text="Far fortæller, at Søren sover bedre.",
        agenda_item_id=current.agenda[0].id,
    )
    current = meetings.get_meeting(world.store, anna, current.id)
    return minutes.finish_minutes(world.store, anna, current.id, version=current.version)


def exports(world, action: str) -> list[AuditEvent]:
    with world.store.session() as session:
        return list(
            session.exec(
                select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
            ).all()
        )


def set_log_language(sorens_town, code: str) -> None:
    """The language the log's papers are written in: the log's own, not the screen's."""
    from relaytui.models import RelayLog

    with sorens_town.store.session(write=True) as session:
        session.get(RelayLog, sorens_town.log.id).language = code


# --- the consent form ----------------------------------------------------------------------


@pytest.mark.rule("R5")
def test_the_consent_form_names_child_holder_actors_and_who_signs(sorens_town):
    set_log_language(sorens_town, "da")
    paper = papers.consent_form(sorens_town.store, sorens_town.ref("anna"), sorens_town.log.id)
    text = pdf_text(documents.render(paper, "pdf"))
    for expected in (
        "Kirkeby Kommune",
        "Solsikken daycare",
        "Søren Ærø Åberg",
        "Anna Holm",
        "Carl Dahl",
        "teacher",
        "Østre School",
        "Bjørn Ærø",
        "Åse Berg",
        "23.11.2026",
        "Lene Lund",
        "+45 2222 3333",
    ):
        assert expected in text, expected
    assert "Kåre Ås" not in text  # no custody: does not sign
    assert [s.name for s in paper.signers] == ["Bjørn Ærø", "Åse Berg"]
    assert [a.name for a in paper.actors] == ["Carl Dahl"] and paper.leader.name == "Lene Lund"
    plain = documents.render(paper, "text").decode("utf-8")
    set_language("en")  # the screen's language does not change the paper: the log's does
    assert documents.render(paper, "text").decode("utf-8") == plain
    set_log_language(sorens_town, "en")
    english = documents.render(
        papers.consent_form(sorens_town.store, sorens_town.ref("anna"), sorens_town.log.id), "text"
    ).decode("utf-8")
    assert "Consent to a relay log".upper() in english and "How to withdraw your consent" in english
    assert "Signature" in english and "Bjørn Ærø" in plain


@pytest.mark.rule("R6")
def test_a_young_person_of_16_and_a_pregnant_person_sign_for_themselves(no_world):
    store, anna = no_world.store, no_world.ref("anna")
    today = clock.today("Europe/Oslo")
    youth = no_world.add_subject("Ola Nordmann", date(today.year - 17, 1, 2), kind="youth")
    pregnant = no_world.add_subject("Kari Nordmann", date(today.year - 25, 1, 2), kind="pregnant")
    child = no_world.add_subject("Lille Nordmann", date(today.year - 5, 1, 2))
    found = {}
    for name, subject_id in (("youth", youth), ("pregnant", pregnant), ("child", child)):
        log = logs.create_log(
            store, anna, subject_id=subject_id, concern="c", level=0, language="en"
        )
        found[name] = papers.consent_form(store, anna, log.id)
    assert [(s.name, s.is_subject) for s in found["youth"].signers] == [("Ola Nordmann", True)]
    assert [s.relation for s in found["pregnant"].signers] == ["herself"]
    assert not found["child"].self_consent and [s.name for s in found["child"].signers] == [
        "Mette Jensen"
    ]
    assert "Ola Nordmann gives this consent for themself." in pdf_text(
        documents.render(found["youth"], "pdf")
    )


# --- the guardians' copy -------------------------------------------------------------------


@pytest.mark.rule("R9")
def test_the_guardians_copy_holds_what_they_may_read_and_nothing_else(sorens_town):
    finish(sorens_town)
    set_log_language(sorens_town, "da")
    paper = papers.guardian_copy(sorens_town.store, sorens_town.ref("anna"), sorens_town.log.id)
    data = documents.render(paper, "pdf")
    text = pdf_text(data)
    for expected in (
        "Kirkeby Kommune",
        "Solsikken daycare",
        "Søren græder ofte om morgenen.",
        "Anna Holm",
        "anna@example.invalid",
        "Carl Dahl",
        "Fast voksen ved aflevering",
        "far",
        "21.12.2026",
        "Søren er glad om morgenen",
        "Rum 2",
        "Far fortæller, at Søren sover bedre.",
        "Søren spiste sin madpakke",
        "23.11.2026",
    ):
        assert expected in text, expected
    for hidden in ("OTHER FAMILY", "Ida Jensen", "Audit", "read the relay log", "\x1b"):
        assert hidden not in text, hidden
    assert "<U+001B>[31m" in text  # the escape character is shown, not obeyed
    plain = documents.render(paper, "text").decode("utf-8")
    assert (
        "Fast voksen ved aflevering" in plain
        and "OTHER FAMILY" not in plain
        and "\x1b" not in plain
    )
    assert pages(data) >= 1


# --- meeting papers ------------------------------------------------------------------------


@pytest.mark.rule("R13")
def test_the_meeting_paper_is_the_invitation_before_and_the_minutes_after(sorens_town):
    anna = sorens_town.ref("anna")
    invitation = papers.meeting_paper(sorens_town.store, anna, sorens_town.meeting.id)
    text = pdf_text(documents.render(invitation, "pdf"))
    assert (
        "Invitation to a dialogue meeting" in text and "Since last time" in text and "Rum 2" in text
    )
    assert "Monday, 30 November 2026, 10:00" in text  # the installation's time zone
    assert not invitation.has_minutes and not exports(sorens_town, "minutes_exported")
    finish(sorens_town)
    minutes = papers.meeting_paper(sorens_town.store, anna, sorens_town.meeting.id)
    text = pdf_text(documents.render(minutes, "pdf"))
    assert (
        "Minutes of the dialogue meeting" in text and "Far fortæller, at Søren sover bedre." in text
    )
    assert "Who took part" in text and "Carl Dahl" in text
    assert [i.attended for i in minutes.invitation.meeting.invitees] == [True, False]
    assert (
        len(exports(sorens_town, "invitation_exported")) == 2
        and len(exports(sorens_town, "minutes_exported")) == 1
    )


# --- the access report ---------------------------------------------------------------------


@pytest.mark.rule("R9")
def test_the_access_report_names_who_read_and_is_itself_recorded(sorens_town):
    logs.get_log(sorens_town.store, sorens_town.ref("carl"), sorens_town.log.id)
    logs.get_log(sorens_town.store, sorens_town.ref("carl"), sorens_town.log.id)
    set_log_language(sorens_town, "da")
    report = papers.access_report(sorens_town.store, sorens_town.ref("anna"), sorens_town.log.id)
    carl = next(r for r in report.readers if r.name == "Carl Dahl")
    assert (carl.reads, carl.profession, carl.unit) == (2, "teacher", "Østre School")
    assert all(
        line.action != "entry_written" or line.full_name == "Anna Holm" for line in report.lines
    )
    assert not any(line.username == "bo" for line in report.lines)  # the other family's log
    text = pdf_text(documents.render(report, "pdf"))
    assert "Carl Dahl" in text and "Søren Ærø Åberg" in text and "23.11.2026" in text
    [event] = exports(sorens_town, "access_report_exported")
    assert (event.log_id, event.username) == (sorens_town.log.id, "anna")


def test_an_administrator_exports_the_whole_subjects_report(sorens_town):
    from relaytui.models import Subject
    from relaytui.services import access

    logs.get_log(sorens_town.store, sorens_town.ref("carl"), sorens_town.log.id)
    with sorens_town.store.session() as session:
        number = session.get(Subject, sorens_town.subject_id).national_number
    report = papers.subject_access_report(sorens_town.store, access.system_administrator(), number)
    assert report.whole_subject and any(r.name == "Carl Dahl" for r in report.readers)
    assert [line.at for line in report.lines] == sorted(line.at for line in report.lines)
    assert len(exports(sorens_town, "audit_export")) == 1
    with pytest.raises(NotAllowed):
        papers.subject_access_report(sorens_town.store, sorens_town.ref("anna"), number)


# --- who may make papers ------------------------------------------------------------------


MAKERS = {
    "consent_form": lambda w, by: papers.consent_form(w.store, by, w.log.id),
    "guardian_copy": lambda w, by: papers.guardian_copy(w.store, by, w.log.id),
    "meeting_paper": lambda w, by: papers.meeting_paper(w.store, by, w.meeting.id),
    "access_report": lambda w, by: papers.access_report(w.store, by, w.log.id),
}
EXPORTED = (
    "consent_form_exported",
    "guardian_copy_exported",
    "minutes_exported",
    "invitation_exported",
    "access_report_exported",
)


@pytest.mark.rule("R7")
@pytest.mark.parametrize("name", sorted(MAKERS))
def test_an_actor_an_outsider_and_an_administrator_make_no_papers(sorens_town, name):
    with pytest.raises(NotAllowed) as actor:
        MAKERS[name](sorens_town, sorens_town.ref("carl"))
    assert "Anna Holm" in actor.value.message  # who to ask instead
    with pytest.raises(NotAllowed):
        MAKERS[name](sorens_town, sorens_town.ref("sofus"))
    with pytest.raises(NotAllowed):
        MAKERS[name](sorens_town, sorens_town.ref("admin"))
    assert not any(exports(sorens_town, action) for action in EXPORTED)
    refused = exports(sorens_town, "read_refused")
    assert [event.username for event in refused] == ["sofus", "admin"]  # every attempt is recorded


@pytest.mark.rule("R10")
def test_a_closed_log_gives_no_papers(sorens_town):
    log_closing.close_log(
        sorens_town.store,
        sorens_town.ref("anna"),
        sorens_town.log.id,
        basis="colleagues",
        reason="Søren trives.",
        consultation="Med Lene, 20.11.",
    )
    for _name, make in MAKERS.items():
        with pytest.raises((RuleViolation, NotAllowed)):
            make(sorens_town, sorens_town.ref("anna"))
    assert not any(exports(sorens_town, action) for action in EXPORTED)


def test_each_export_is_one_event_in_the_trail(sorens_town):
    anna = sorens_town.ref("anna")
    for make in MAKERS.values():
        make(sorens_town, anna)
    for action in (
        "consent_form_exported",
        "guardian_copy_exported",
        "access_report_exported",
        "invitation_exported",
    ):
        [event] = exports(sorens_town, action)
        assert (event.log_id, event.username) == (sorens_town.log.id, "anna"), action
    assert papers.default_path("guardian-copy", sorens_town.log.id, "pdf").name == (
        f"relaytui-guardian-copy-{sorens_town.log.id}-2026-11-23.pdf"
    )


def test_every_paper_has_page_numbers_and_a_long_one_runs_onto_more_pages(sorens_town):
    anna = sorens_town.ref("anna")
    for number in range(40):
        journal.write_entry(
            sorens_town.store,
            anna,
            sorens_town.log.id,
            text=f"Notat {number}: Søren leger med de andre. " * 4,
        )
    data = documents.render(
        papers.guardian_copy(sorens_town.store, anna, sorens_town.log.id), "pdf"
    )
    count = pages(data)
    assert count >= 3
    assert f"Page 1 of {count}" in pdf_text(data) and f"Page {count} of {count}" in pdf_text(data)
    clock.set_clock(lambda: NOW + timedelta(hours=23))  # 00:00 on the 24th in Copenhagen
    set_log_language(sorens_town, "nb")
    letter = documents.render(
        papers.consent_form(sorens_town.store, anna, sorens_town.log.id), "text"
    ).decode("utf-8")
    assert "24.11.2026" in letter.splitlines()[0]  # the date at the top, in the Norwegian form


# --- issue 16: what the consent form says, where it is signed; the minutes; what is left out ----


def page_texts(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


@pytest.mark.rule("R9")
def test_the_consent_form_says_who_is_responsible_how_long_it_is_kept_and_the_rights(sorens_town):
    text = pdf_text(
        documents.render(
            papers.consent_form(sorens_town.store, sorens_town.ref("anna"), sorens_town.log.id),
            "pdf",
        )
    )
    for expected in (
        "Your data and your rights",
        "Kirkeby Kommune is responsible for the personal data",
        "Solsikken daycare keeps the log day to day",
        "kept after closing",
        "time-limited permission from an administrator",
        "GDPR article 15",
        "You can withdraw your consent at any time",
    ):
        assert expected in text, expected
    assert (
        "end the relay log at any time" not in text
    )  # dk: closing is the holder's, after consultation


@pytest.mark.rule("R10")
def test_in_no_the_consent_form_says_the_log_can_be_ended_at_any_time(no_world):
    store, anna = no_world.store, no_world.ref("anna")
    log = logs.create_log(
        store, anna, subject_id=no_world.subjects["Ida Jensen"], concern="c", level=0, language="en"
    )
    norwegian = pdf_text(documents.render(papers.consent_form(store, anna, log.id), "pdf"))
    assert (
        "You can also end the relay log at any time." in norwegian
    )  # R10 (no): the guardians end it


def test_a_consent_form_without_actors_says_it_covers_no_one_yet(sorens_town):
    paper = papers.consent_form(sorens_town.store, sorens_town.ref("anna"), sorens_town.log.id)
    bare = paper.__class__(**{**paper.__dict__, "actors": ()})
    text = documents.render(bare, "text").decode("utf-8")
    assert "No one is proposed yet. The consent covers no one but the holder" in text
    assert "Tick yes or no for each person" not in text


def test_the_signatures_stand_on_the_page_of_what_is_signed(sorens_town):
    """However many actors push the form down, "What you consent to" and every signature line
    are on one page."""
    from relaytui.services.papers import Person

    paper = papers.consent_form(sorens_town.store, sorens_town.ref("anna"), sorens_town.log.id)

    def laid_out(count: int) -> tuple[list[str], list[int], set[int]]:
        actors = tuple(
            Person(f"Actor Number{n}", "teacher", "Østre School", "actor") for n in range(count)
        )
        texts = page_texts(
            documents.render(paper.__class__(**{**paper.__dict__, "actors": actors}), "pdf")
        )
        signed = [n for n, page in enumerate(texts) if "What you consent to" in page]
        signing = {
            n
            for n, page in enumerate(texts)
            for s in paper.signers
            if s.name in page and "Signature" in page
        }
        return texts, signed, signing

    for count in range(0, 15, 2):
        _texts, signed, signing = laid_out(count)
        assert len(signed) == 1 and signing == set(signed), (count, signed, signing)
    # Longer than a page: the signatures stand with the end of the list and the period of validity.
    texts, _signed, signing = laid_out(40)
    [page] = signing
    assert "Actor Number39" in texts[page] and "Valid until" in texts[page]


@pytest.mark.rule("R13")
def test_the_minutes_name_the_author_once_and_say_when_attendance_was_not_recorded(sorens_town):
    anna = sorens_town.ref("anna")
    current = meetings.get_meeting(sorens_town.store, anna, sorens_town.meeting.id)
    for n, text in enumerate(("First line.", "Second line.", "Third line.")):
        minutes.save_note(
            sorens_town.store, anna, current.id, text=text, agenda_item_id=current.agenda[n].id
        )
    current = meetings.get_meeting(sorens_town.store, anna, current.id)
    minutes.finish_minutes(sorens_town.store, anna, current.id, version=current.version)
    text = documents.render(
        papers.meeting_paper(sorens_town.store, anna, sorens_town.meeting.id), "text"
    ).decode("utf-8")
    section = text.split("Who took part", 1)[1]
    assert section.count("Anna Holm ·") == 1  # four lines by Anna: her name once
    assert "Who was present was not recorded." in section and "Carl Dahl" in section
    assert "Present  " not in section  # no column of dashes


@pytest.mark.rule("R13")
def test_recorded_attendance_shows_who_was_present(sorens_town):
    finish(sorens_town)
    text = documents.render(
        papers.meeting_paper(sorens_town.store, sorens_town.ref("anna"), sorens_town.meeting.id),
        "text",
    ).decode("utf-8")
    rows = {
        line.split()[0] + " " + line.split()[1]: line.split()[-1]
        for line in text.splitlines()
        if line.startswith(("Anna Holm ", "Carl Dahl "))
    }
    assert rows == {"Anna Holm": "yes", "Carl Dahl": "no"}


@pytest.mark.rule("R11")
def test_the_guardians_copy_says_a_notification_was_left_out(sorens_town):
    from relaytui.services import notifications

    anna = sorens_town.ref("anna")
    without = documents.render(
        papers.guardian_copy(sorens_town.store, anna, sorens_town.log.id), "text"
    ).decode("utf-8")
    assert "Left out of this copy" not in without
    notifications.notify(
        sorens_town.store, anna, sorens_town.log.id, reason="SECRET REASON", exception="violence"
    )
    paper = papers.guardian_copy(sorens_town.store, anna, sorens_town.log.id)
    text = pdf_text(documents.render(paper, "pdf"))
    assert (
        "Left out of this copy: 1 notification to the family department. Ask Anna Holm about it."
        in text
    )
    assert "SECRET REASON" not in text
