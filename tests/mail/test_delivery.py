"""Delivery of the outbox to a real SMTP server (aiosmtpd, STARTTLS required, its certificate
trusted through the CA file): each notice arrives once, even when the server is down for a
while; back-off grows; a refused recipient is given up after the last attempt; a crash between
the server's acceptance and the commit gives at most one duplicate, with the same Message-ID;
and no mail carries the child's name, number or concern."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from relaytui.i18n import _, speaking
from relaytui.mail import delivery
from relaytui.mail.compose import Links
from relaytui.mail.delivery import MailSettings, deliver_due
from relaytui.models import Guardian, Notice, Subject
from relaytui.services import (
    accounts,
    clock,
    consent,
    handover,
    log_actors,
    log_closing,
    meetings,
    minutes,
)
from relaytui.services import notices as notices_service
from tests.factories import build_world, guardian_consent, new_log

LINKS = Links(staff="https://relaytui.kirkeby.invalid", family="https://familie.kirkeby.invalid")


def settings_for(server, **extra) -> MailSettings:
    return MailSettings(
        **{
            "host": "127.0.0.1",
            "port": server.port,
            "sender": "relaytui@kirkeby.invalid",
            "ca_file": server.cert_file,
            "timeout": 5,
            **extra,
        }
    )


def give_guardian_address(world, name: str, email: str) -> None:
    with world.store.session(write=True) as session:
        session.execute(
            update(Guardian).where(col(Guardian.id) == world.guardians[name]).values(email=email)
        )


def rows(world) -> list[Notice]:
    with world.store.session() as session:
        return list(session.exec(select(Notice).order_by(col(Notice.id))).all())


def busy_log(world):
    """A log with one notice of every kind but the evaluation (which needs a date to come)."""
    give_guardian_address(world, "Mette Jensen", "mette@example.invalid")
    log = new_log(world)  # lene: actor_added; mette: family_log_created
    anna = world.ref("anna")
    consent.record_consent(
        world.store, anna, log.id, guardian_consent(world, staff_ids=(world.ref("bo").id,))
    )
    log_actors.add_actor(world.store, anna, log.id, staff_id=world.ref("bo").id)
    meeting = meetings.schedule(
        world.store,
        anna,
        log.id,
        kind="dialogue",
        starts_at=clock.now() + timedelta(days=2),
        place="At Ida's home, Skolevej 3",
        invitee_staff_ids=(world.ref("bo").id,),
        guardian_ids=(world.guardians["Mette Jensen"],),
        agenda=("How Ida Jensen sleeps",),
    )
    current = meetings.get_meeting(world.store, anna, meeting.id)
    minutes.finish_minutes(world.store, anna, meeting.id, version=current.version)
    waiting = handover.propose(world.store, anna, log.id, to_staff_id=world.ref("bo").id)
    handover.decline(world.store, world.ref("bo"), waiting.id, message="I start in May")
    return log


def test_every_kind_arrives_once_and_says_nothing_of_the_child(world, mail_server):
    accounts.set_language(world.store, world.ref("bo"), "da")
    log = busy_log(world)
    mail_server.up()
    done = deliver_due(world.store, settings_for(mail_server), LINKS)
    kinds = [n.kind for n in rows(world)]
    assert set(kinds) >= {
        "actor_added",
        "family_log_created",
        "meeting_invitation",
        "family_meeting_planned",
        "minutes_finished",
        "handover_waiting",
        "handover_declined",
    }
    assert (done.sent, done.retried, done.given_up) == (len(kinds), 0, 0)
    assert all(n.sent_at is not None and n.attempts == 0 for n in rows(world))
    with world.store.session() as session:
        number = session.get(Subject, world.subjects["Ida Jensen"]).national_number
    for raw, message in zip(mail_server.box.raw, mail_server.box.messages(), strict=True):
        text = "".join(
            part.get_content() if part.get_content_maintype() == "text" else ""
            for part in message.walk()
            if not part.is_multipart()
        )
        said = raw.decode() + text
        for secret in ("Ida", "Jensen", number, number[:6], "hungry", "Skolevej", "sleeps"):
            assert secret not in said, (secret, message["Subject"])
        # The log's number, whatever the language the mail is in (Danish here).
        assert re.search(rf"(?<![\d.:-]){log.id}(?!\d|[.:-]\d)", text), text
        assert message["Auto-Submitted"] == "auto-generated"
    by_kind = {
        n.kind: m
        for n, m in zip(
            sorted(rows(world), key=lambda n: n.sent_at), mail_server.box.messages(), strict=True
        )
    }
    family = by_kind["family_log_created"]
    assert family["To"] == "mette@example.invalid" and family["Content-Language"] == "da"
    assert LINKS.family in family.get_content() and "MitID" in family.get_content()
    assert LINKS.staff in by_kind["actor_added"].get_content()
    declined = by_kind["handover_declined"]
    assert declined["To"] == "anna@example.invalid" and "I start in May" in declined.get_content()
    invitation = by_kind["meeting_invitation"]
    assert invitation["To"] == "bo@example.invalid" and invitation["Content-Language"] == "da"
    calendar = next(p for p in invitation.walk() if p.get_content_type() == "text/calendar")
    ics = calendar.get_content()
    ics = ics.decode() if isinstance(ics, bytes) else ics
    with speaking("da"):
        summary = _("Meeting, relay log {number}").format(number=log.id).replace(",", "\\,")
    assert f"SUMMARY:{summary}" in ics.replace("\r\n ", "")
    assert "I.J." not in ics and "LOCATION" not in ics  # the place named the child
    # Nothing twice.
    assert deliver_due(world.store, settings_for(mail_server), LINKS).sent == 0
    assert len(mail_server.box.raw) == len(kinds)


def test_down_for_a_while_then_up_every_notice_arrives_once(world, mail_server):
    busy_log(world)
    queued = len(rows(world))
    settings = settings_for(mail_server)
    start = clock.now()
    waits = []
    for minutes_later in (0, 1, 3, 7):  # the server is down: 1, 2, 4 minutes between tries
        at = start + timedelta(minutes=minutes_later, seconds=5)
        assert deliver_due(world.store, settings, LINKS, at).retried == queued
        assert deliver_due(world.store, settings, LINKS, at).retried == 0  # not due again yet
        waits.append({n.next_attempt_at - at for n in rows(world)})
    assert waits == [
        {timedelta(minutes=1)},
        {timedelta(minutes=2)},
        {timedelta(minutes=4)},
        {timedelta(minutes=8)},
    ]
    assert {n.attempts for n in rows(world)} == {4}
    assert "ConnectionRefusedError" in rows(world)[0].last_error
    mail_server.up()
    later = start + timedelta(minutes=20)
    assert deliver_due(world.store, settings, LINKS, later).sent == queued
    assert deliver_due(world.store, settings, LINKS, later + timedelta(hours=2)).sent == 0
    counts = Counter(mail_server.box.message_ids())
    assert len(counts) == queued and set(counts.values()) == {1}
    assert {n.last_error for n in rows(world)} == {""}


def test_the_back_off_stops_growing_at_an_hour():
    assert [delivery.wait_after(n) for n in (1, 2, 3, 6, 7, 8, 20)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=32),
        timedelta(hours=1),
        timedelta(hours=1),
        timedelta(hours=1),
    ]


def test_a_recipient_refused_for_good_is_given_up_after_the_last_attempt(world, mail_server):
    give_guardian_address(world, "Mette Jensen", "nobody@example.invalid")
    mail_server.box.refuse.add("nobody@example.invalid")
    new_log(world)  # lene: accepted; nobody: refused
    mail_server.up()
    settings = settings_for(mail_server, max_attempts=3)
    at = clock.now()
    results = []
    for _hour in range(5):
        results.append(deliver_due(world.store, settings, LINKS, at))
        at += timedelta(hours=1)
    assert [(r.sent, r.retried, r.given_up) for r in results] == [
        (1, 1, 0),
        (0, 1, 0),
        (0, 0, 1),
        (0, 0, 0),
        (0, 0, 0),
    ]
    refused = next(n for n in rows(world) if n.address == "nobody@example.invalid")
    assert refused.failed_at is not None and refused.sent_at is None and refused.attempts == 3
    assert refused.last_error.startswith("refused: 550")
    assert mail_server.box.tried.count("nobody@example.invalid") == 3
    lines = notices_service.list_notices(world.store, world.ref("admin"), state="failed")
    assert [(line.kind, line.recipient) for line in lines] == [("family_log_created", "guardian")]


def test_a_crash_after_the_server_accepted_gives_one_duplicate_with_the_same_id(
    world, mail_server, monkeypatch
):
    busy_log(world)
    queued = len(rows(world))
    mail_server.up()
    real = delivery.mark_sent
    calls = []

    def crash_once(session, notice_id, at):
        calls.append(notice_id)
        if len(calls) == 2:
            raise SystemExit("the power went")  # after the 250, before the commit
        real(session, notice_id, at)

    monkeypatch.setattr(delivery, "mark_sent", crash_once)
    with pytest.raises(SystemExit):
        deliver_due(world.store, settings_for(mail_server), LINKS)
    assert len(mail_server.box.raw) == 2 and sum(n.sent_at is not None for n in rows(world)) == 1
    deliver_due(world.store, settings_for(mail_server), LINKS)
    counts = Counter(mail_server.box.message_ids())
    assert len(counts) == queued
    assert sorted(counts.values()) == [1] * (queued - 1) + [2]  # the one in flight, twice
    assert all(n.sent_at is not None for n in rows(world))


def test_nothing_is_sent_without_starttls_or_to_an_untrusted_server(world, mail_server):
    new_log(world)
    mail_server.starttls = False
    mail_server.up()
    done = deliver_due(world.store, settings_for(mail_server), LINKS)
    assert (done.sent, done.retried) == (0, 1)
    assert "STARTTLS" in rows(world)[0].last_error and mail_server.box.raw == []
    mail_server.down()
    mail_server.starttls = True
    mail_server.up()
    untrusted = MailSettings(host="127.0.0.1", port=mail_server.port, sender="r@x.invalid")
    later = clock.now() + timedelta(minutes=5)
    assert deliver_due(world.store, untrusted, LINKS, later).retried == 1
    assert "CERTIFICATE_VERIFY_FAILED" in rows(world)[0].last_error
    assert mail_server.box.raw == []


def test_the_password_comes_from_the_environment(world, mail_server, monkeypatch):
    new_log(world)
    mail_server.logins = {"relaytui": "s3cret"}
    mail_server.up()
    monkeypatch.setenv(delivery.ENV_PASSWORD, "wrong")
    # (after the refusal smtplib tries the next mechanism, which this server leaves unanswered)
    wrong = settings_for(mail_server, user="relaytui", timeout=1)
    assert deliver_due(world.store, wrong, LINKS).retried == 1
    assert mail_server.box.raw == []
    monkeypatch.setenv(delivery.ENV_PASSWORD, "s3cret")
    right = settings_for(mail_server, user="relaytui")
    assert deliver_due(world.store, right, LINKS, clock.now() + timedelta(minutes=2)).sent == 1


def test_two_servers_at_once_send_each_notice_once(pg_store, mail_server):
    world = build_world(pg_store, "dk")
    for _round in range(3):
        log = busy_log(world)
        log_closing.close_log(
            world.store,
            world.ref("anna"),
            log.id,
            basis="colleagues",
            reason="Fine",
            consultation="Bo agreed",
        )
    queued = len(rows(world))
    mail_server.up()
    settings = settings_for(mail_server)
    results = []

    def one_server() -> None:
        results.append(deliver_due(world.store, settings, LINKS))

    threads = [threading.Thread(target=one_server) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in results) == queued
    counts = Counter(mail_server.box.message_ids())
    assert len(counts) == queued and set(counts.values()) == {1}


def test_an_evaluation_and_a_plain_place_are_told(world, mail_server):
    from relaytui.services import efforts

    give_guardian_address(world, "Mette Jensen", "mette@example.invalid")
    log = new_log(world)
    anna = world.ref("anna")
    today = clock.today("Europe/Copenhagen")
    efforts.add_effort(
        world.store,
        anna,
        log.id,
        what="Breakfast at the daycare",
        starts_on=today,
        evaluate_on=today + timedelta(days=3),
        responsible_text="mother",
    )
    notices_service.queue_evaluations_due(world.store)
    meetings.schedule(
        world.store,
        anna,
        log.id,
        kind="evaluation",
        starts_at=clock.now() + timedelta(days=2),
        place="Solsikken daycare, room 2",
    )
    mail_server.up()
    deliver_due(world.store, settings_for(mail_server), LINKS)
    said = {m["Subject"]: m.get_content() for m in mail_server.box.messages()}
    with speaking("da"):  # anna reads her mail in the installation's language
        due = said[_("An evaluation is due in relay log {number}").format(number=log.id)]
    with speaking("da"):
        assert _("An effort") in due and "Breakfast" not in due
    assert str((today + timedelta(days=3)).day) in due
    with speaking("da"):  # the family reads in the log's language
        planned = said[_("A meeting about your child is planned")]
    # In the log's language (Danish): the place, since it does not name the child.
    assert "Solsikken daycare, room 2" in planned and "evalueringsmøde" in planned
    assert "Anna Holm" in planned and "+45 2222 3333" in planned  # the family's contact
