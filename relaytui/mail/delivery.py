"""Sending what the outbox holds: over SMTP with STARTTLS, each notice marked sent in its own
transaction right after the mail server accepted it, retried with back-off when it did not.

Once, and at most one duplicate
-------------------------------
A notice is sent only while it is not marked sent, and marked sent (``sent_at``) in a commit
right after the server said 250 to it; a sent notice is never sent again. The one gap is a
crash (of the process, the machine or the database connection) between the server's 250 and
that commit: the notice is then still unsent in the database and goes out once more on the next
round. So each crash can give at most one duplicate per notice that was in flight, never a lost
mail. Every attempt at one notice carries the same Message-ID
(:func:`relaytui.mail.compose.message_id`), so a mail system that drops repeated Message-IDs
shows it once.

Claims: on PostgreSQL the notice's row is locked (``FOR UPDATE SKIP LOCKED``) from before the
mail is sent until it is marked, so two servers never send the same notice; one skips what the
other holds. On SQLite there is one server (the store is a file on it), so the due notice is read
without a lock and marked after the send, and the write lock is not held while the mail server
answers.

Back-off: after a failed attempt the notice waits 1 minute, then 2, 4, ... at most an hour;
after ``max_attempts`` attempts it is given up (``failed_at``) and shows as failed.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session, col, select

from relaytui import config
from relaytui.db import Store
from relaytui.mail.compose import Links, compose, read_facts
from relaytui.models import Notice
from relaytui.services import clock

log = logging.getLogger("relaytui.mail")

ENV_PASSWORD = "RELAYTUI_SMTP_PASSWORD"
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
MAX_ATTEMPTS = 12  # 1 + 2 + ... + 32 minutes, then hourly: about seven hours in all


@dataclass(frozen=True)
class MailSettings:
    """The mail server: ``relaytui serve --smtp-host ... --smtp-sender ...``. The password
    comes from ``RELAYTUI_SMTP_PASSWORD``, else the system keyring (service ``relaytui``,
    username :func:`keyring_name`), unless given here."""

    host: str
    sender: str
    port: int = 587
    user: str | None = None
    ca_file: Path | None = None
    password: str | None = None
    timeout: float = 30.0
    max_attempts: int = MAX_ATTEMPTS
    batch: int = 100


def keyring_name(settings: MailSettings) -> str:
    """The keyring's username for the mail server's password: ``smtp://user@host:port``."""
    return f"smtp://{settings.user or ''}@{settings.host}:{settings.port}"


def smtp_password(settings: MailSettings) -> str | None:
    if settings.password is not None:
        return settings.password
    return os.environ.get(ENV_PASSWORD) or config.load_password(keyring_name(settings))


def wait_after(attempts: int) -> timedelta:
    """How long a notice waits after its ``attempts``-th failed attempt."""
    return min(FIRST_WAIT * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


@dataclass
class Round:
    """What one round of delivery did."""

    sent: int = 0
    retried: int = 0  # failed this time, tried again later
    given_up: int = 0


class NoStartTLS(smtplib.SMTPException):
    """The server offers no STARTTLS: nothing is sent in clear text."""


def connect(settings: MailSettings) -> smtplib.SMTP:
    """A connection to the mail server, encrypted with STARTTLS (the server's certificate
    checked against the system's CAs, or ``ca_file`` for a private CA), logged in if a user
    is given."""
    context = ssl.create_default_context(
        cafile=str(settings.ca_file) if settings.ca_file is not None else None
    )
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        smtp.ehlo()
        if not smtp.has_extn("starttls"):
            raise NoStartTLS(f"{settings.host} offers no STARTTLS")
        smtp.starttls(context=context)
        smtp.ehlo()
        if settings.user:
            smtp.login(settings.user, smtp_password(settings) or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def due_ids(store: Store, now: datetime, limit: int) -> list[int]:
    """The notices due at ``now``: not sent, not given up, their next attempt reached."""
    with store.session() as session:
        return [
            i
            for i in session.exec(
                select(Notice.id)
                .where(
                    col(Notice.sent_at).is_(None),
                    col(Notice.failed_at).is_(None),
                    col(Notice.next_attempt_at) <= now,
                )
                .order_by(col(Notice.next_attempt_at), col(Notice.id))
                .limit(limit)
            ).all()
            if i is not None
        ]


def deliver_due(
    store: Store, settings: MailSettings, links: Links, now: datetime | None = None
) -> Round:
    """Send every notice that is due, in one connection to the mail server; see the module's
    text for what is sent once and what a crash can do."""
    now = now or clock.now()
    done = Round()
    ids = due_ids(store, now, settings.batch)
    if not ids:
        return done
    try:
        smtp = connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("the mail server %s cannot be reached: %s", settings.host, _error(exc))
        for notice_id in ids:
            with store.session(write=True) as session:
                _count(done, _failed(session, notice_id, now, _error(exc), settings.max_attempts))
        return done
    try:
        for notice_id in ids:
            deliver_one(store, smtp, settings, links, notice_id, now, done)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return done


def deliver_one(
    store: Store,
    smtp: smtplib.SMTP,
    settings: MailSettings,
    links: Links,
    notice_id: int,
    now: datetime,
    done: Round,
) -> None:
    """Claim one notice, send it, mark it: sent, or failed with its next attempt."""
    if store.is_sqlite:
        with store.session() as session:
            notice = _claim(session, notice_id, now, lock=False)
            message = _message(session, notice, settings, links) if notice else None
        if notice is None:
            return
        error = _send(smtp, settings, notice, message)
        with store.session(write=True) as session:
            _mark(session, notice_id, now, error, settings, done)
        return
    with store.session(write=True) as session:
        notice = _claim(session, notice_id, now, lock=True)
        if notice is None:
            return  # sent meanwhile, or another server holds it
        message = _message(session, notice, settings, links)
        error = _send(smtp, settings, notice, message)
        _mark(session, notice_id, now, error, settings, done)


def _claim(session: Session, notice_id: int, now: datetime, *, lock: bool) -> Notice | None:
    query = select(Notice).where(
        Notice.id == notice_id,
        col(Notice.sent_at).is_(None),
        col(Notice.failed_at).is_(None),
        col(Notice.next_attempt_at) <= now,
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return session.exec(query.execution_options(populate_existing=True)).first()


def _message(session: Session, notice: Notice, settings: MailSettings, links: Links):
    """The mail, or the error that kept it from being written (a failed attempt like any)."""
    try:
        return compose(read_facts(session, notice), links, settings.sender)
    except Exception as exc:  # noqa: BLE001 - recorded on the notice, tried again later
        log.exception("notice %s could not be written", notice.id)
        return _error(exc)


def _send(smtp: smtplib.SMTP, settings: MailSettings, notice: Notice, message) -> str | None:
    """Hand the mail to the server; ``None`` when it accepted it, else what went wrong."""
    if isinstance(message, str):
        return message
    try:
        smtp.send_message(message, from_addr=settings.sender, to_addrs=[notice.address])
    except (OSError, smtplib.SMTPException) as exc:
        return _error(exc)
    return None


def _mark(
    session: Session,
    notice_id: int,
    now: datetime,
    error: str | None,
    settings: MailSettings,
    done: Round,
) -> None:
    if error is None:
        mark_sent(session, notice_id, clock.now())
        done.sent += 1
        log.info("notice %d sent", notice_id)
    else:
        _count(done, _failed(session, notice_id, now, error, settings.max_attempts))


def mark_sent(session: Session, notice_id: int, at: datetime) -> None:
    """The server accepted the mail: the notice is sent, once and for all."""
    session.execute(
        update(Notice)
        .where(col(Notice.id) == notice_id, col(Notice.sent_at).is_(None))
        .values(sent_at=at, last_error="")
        .execution_options(synchronize_session=False)
    )


def _failed(session: Session, notice_id: int, now: datetime, error: str, most: int) -> bool:
    """One more failed attempt: wait longer, or give up after ``most``. True: given up."""
    notice = session.exec(
        select(Notice).where(Notice.id == notice_id).execution_options(populate_existing=True)
    ).first()
    if notice is None or notice.sent_at is not None or notice.failed_at is not None:
        return False
    notice.attempts += 1
    notice.last_error = error[:300]
    notice.next_attempt_at = now + wait_after(notice.attempts)
    if notice.attempts >= most:
        notice.failed_at = now
        log.warning("notice %d given up after %d attempts: %s", notice_id, notice.attempts, error)
    session.add(notice)
    return notice.failed_at is not None


def _count(done: Round, given_up: bool) -> None:
    if given_up:
        done.given_up += 1
    else:
        done.retried += 1


def _error(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [
            f"{code} {text.decode(errors='replace')}" for code, text in exc.recipients.values()
        ]
        return f"refused: {'; '.join(codes)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        said = exc.smtp_error
        return (
            f"{exc.smtp_code} {said.decode(errors='replace') if isinstance(said, bytes) else said}"
        )
    return f"{type(exc).__name__}: {exc}"
