"""SSH keys of staff: an administrator registers them, ``relaytui serve`` logs in with them.

A key belongs to one account. Logging in with a key is a login like any other: refused for a
disabled or locked account, recorded in the audit trail with the key's fingerprint. Offering
a key that is not registered is not a failed login (an SSH client offers every key it has).
Plain Python, no Textual.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from relaytui.db import Store
from relaytui.errors import AccountClosed, InvalidInput, NotFound
from relaytui.i18n import _
from relaytui.models import Staff, StaffKey
from relaytui.models.base import stored_id
from relaytui.services import access, audit, clock
from relaytui.services.access import StaffRef

#: Key types we accept; DSA is broken and short RSA keys are refused.
ALGORITHMS = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-rsa",
)
RSA_MIN_BITS = 3072
KEY_TEXT_MAX = 16_384


@dataclass(frozen=True)
class PublicKey:
    """A public key read from OpenSSH's one-line form."""

    algorithm: str
    line: str  # "ssh-ed25519 AAAA...", without the comment
    comment: str
    fingerprint: str  # "SHA256:..." as ssh-keygen -l prints it


@dataclass(frozen=True)
class KeyView:
    fingerprint: str
    algorithm: str
    comment: str
    added_at: datetime
    added_by: str
    last_used_at: datetime | None


def _asyncssh():
    """asyncssh, imported without its warnings about DSA (which we refuse anyway)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import asyncssh

    return asyncssh


def read_public_key(text: str) -> PublicKey:
    """The one public key in ``text`` (the contents of an ``id_ed25519.pub``), or a message
    that says what to give instead."""
    if "PRIVATE KEY" in text:
        raise InvalidInput(
            _(
                "This is a private key, which never leaves the person's computer. "
                "Give the public key: the file that ends in .pub."
            )
        )
    lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    if len(text) > KEY_TEXT_MAX or len(lines) != 1:
        raise InvalidInput(
            _(
                "Give one public key, as one line such as 'ssh-ed25519 AAAA... "
                "anna@laptop' (the file that ends in .pub)."
            )
        )
    asyncssh = _asyncssh()
    try:
        key = asyncssh.import_public_key(lines[0])
    except (asyncssh.KeyImportError, ValueError, TypeError):
        raise InvalidInput(
            _(
                "This is not an SSH public key. Give the file that ends in .pub, "
                "e.g. ~/.ssh/id_ed25519.pub."
            )
        ) from None
    algorithm = key.algorithm.decode("ascii", "replace")
    if algorithm not in ALGORITHMS:
        raise InvalidInput(
            _(
                "Keys of the type {kind} are not accepted. Make an Ed25519 key "
                "with 'ssh-keygen -t ed25519'."
            ).format(kind=algorithm)
        )
    if algorithm == "ssh-rsa":
        bits = getattr(getattr(key, "pyca_key", None), "key_size", 0) or 0
        if bits < RSA_MIN_BITS:
            raise InvalidInput(
                _(
                    "This RSA key has {bits} bits; at least {minimum} are needed. "
                    "Better: make an Ed25519 key with 'ssh-keygen -t ed25519'."
                ).format(bits=bits, minimum=RSA_MIN_BITS)
            )
    comment = key.get_comment() or ""
    line = key.export_public_key("openssh").decode("ascii").split()
    return PublicKey(
        algorithm=algorithm,
        line=" ".join(line[:2]),
        comment=comment[:200],
        fingerprint=key.get_fingerprint("sha256"),
    )


def _find(session, username: str) -> Staff:
    name = (username or "").strip().lower()
    staff = session.exec(select(Staff).where(Staff.username == name)).first()
    if staff is None:
        raise NotFound(
            _("There is no user '{username}'. See 'relaytui user list'.").format(
                username=username or ""
            )
        )
    return staff


def add_key(store: Store, by: StaffRef, username: str, key_text: str) -> KeyView:
    """Register a public key for an account (administrators only)."""
    key = read_public_key(key_text)
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        staff = _find(session, username)
        taken = session.exec(
            select(StaffKey.staff_id).where(StaffKey.fingerprint == key.fingerprint)
        ).first()
        if taken is not None:
            raise InvalidInput(
                _(
                    "This key is already registered ({fingerprint}). A key belongs "
                    "to one person: each makes their own."
                ).format(fingerprint=key.fingerprint)
            )
        row = StaffKey(
            staff_id=stored_id(staff),
            fingerprint=key.fingerprint,
            public_key=key.line,
            comment=key.comment,
            added_at=clock.now(),
            added_by=actor.username if actor is not None else by.username,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            raise InvalidInput(
                _(
                    "This key is already registered ({fingerprint}). A key belongs "
                    "to one person: each makes their own."
                ).format(fingerprint=key.fingerprint)
            ) from None
        access.write_audit(
            session,
            actor,
            by,
            "key_added",
            detail=f"user={staff.id} username={staff.username} key={key.fingerprint}",
        )
        return _view(row)


def _view(row: StaffKey) -> KeyView:
    return KeyView(
        fingerprint=row.fingerprint,
        algorithm=row.public_key.split(" ", 1)[0],
        comment=row.comment,
        added_at=row.added_at,
        added_by=row.added_by,
        last_used_at=row.last_used_at,
    )


def keys_of(store: Store, by: StaffRef, username: str) -> list[KeyView]:
    """The keys registered for an account (administrators only)."""
    with store.session() as session:
        access.require_admin(session, by)
        staff = _find(session, username)
        rows = session.exec(
            select(StaffKey).where(StaffKey.staff_id == staff.id).order_by(col(StaffKey.id))
        ).all()
        return [_view(row) for row in rows]


def remove_key(store: Store, by: StaffRef, username: str, fingerprint: str) -> KeyView:
    """Take a key away from an account: it no longer logs in (administrators only)."""
    wanted = (fingerprint or "").strip()
    if wanted and not wanted.startswith("SHA256:"):
        wanted = "SHA256:" + wanted
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        staff = _find(session, username)
        row = session.exec(
            select(StaffKey).where(StaffKey.staff_id == staff.id, StaffKey.fingerprint == wanted)
        ).first()
        if row is None:
            raise NotFound(
                _(
                    "{username} has no key {fingerprint}. See 'relaytui user keys {username}'."
                ).format(username=staff.username, fingerprint=fingerprint)
            )
        view = _view(row)
        session.delete(row)
        access.write_audit(
            session,
            actor,
            by,
            "key_removed",
            detail=f"user={staff.id} username={staff.username} key={row.fingerprint}",
        )
        return view


# --- logging in with a key (the SSH server) ------------------------------------------------

#: What :func:`key_answer` says about a key offered for an account.
KEY_ACCEPTED, KEY_UNKNOWN, KEY_ACCOUNT_CLOSED = "accepted", "unknown", "closed"


def key_answer(store: Store, username: str, fingerprint: str) -> str:
    """Whether ``username`` may log in with the key ``fingerprint``: accepted, unknown (not
    registered for this account, or no such account: the same answer), or closed (the key is
    the account's, but the account is locked or disabled). Nothing is recorded: a client
    offers all its keys, and only the signature that follows proves one."""
    name = (username or "").strip().lower()
    with store.session() as session:
        row = session.exec(
            select(Staff.active, Staff.locked)
            .join(StaffKey, col(StaffKey.staff_id) == col(Staff.id))
            .where(Staff.username == name, StaffKey.fingerprint == fingerprint)
        ).first()
    if row is None:
        return KEY_UNKNOWN
    active, locked = row
    return KEY_ACCEPTED if active and not locked else KEY_ACCOUNT_CLOSED


def log_in_with_key(store: Store, username: str, fingerprint: str, *, via: str = "") -> StaffRef:
    """The login after the SSH client proved it holds the key: checked again, recorded."""
    name = (username or "").strip().lower()
    via = " ".join(str(via).split())[:120]
    now = clock.now()
    failure: AccountClosed | None = None
    with store.session(write=True) as session:
        found = session.exec(
            select(Staff, StaffKey)
            .join(StaffKey, col(StaffKey.staff_id) == col(Staff.id))
            .where(Staff.username == name, StaffKey.fingerprint == fingerprint)
            .with_for_update()
        ).first()
        if found is None:
            raise AccountClosed(
                _(
                    "Wrong username or password, or the account is locked. Check both; after five "
                    "failed tries, ask an administrator to unlock it."
                )
            )
        staff, key = found
        if not staff.active or staff.locked:
            audit.record(
                session,
                staff_id=staff.id,
                username=staff.username,
                action="login_failed",
                detail=f"account {'locked' if staff.locked else 'disabled'}; key {fingerprint}; {via}",
            )
            failure = AccountClosed(
                _(
                    "This account is locked after too many failed logins. Ask an administrator to "
                    "unlock it."
                )
                if staff.locked
                else _("This account is disabled. Ask an administrator if you need access again.")
            )
        else:
            session.execute(
                update(StaffKey)
                .where(col(StaffKey.id) == key.id)
                .values(last_used_at=now)
                .execution_options(synchronize_session=False)
            )
            session.execute(
                update(Staff)
                .where(col(Staff.id) == staff.id)
                .values(last_login_at=now, failed_logins=0)
                .execution_options(synchronize_session=False)
            )
            audit.record(
                session,
                staff_id=staff.id,
                username=staff.username,
                action="login",
                detail=f"key {fingerprint}; {via}" if via else f"key {fingerprint}",
            )
            session.refresh(staff)
            ref = access.to_ref(staff)
    # Raised only now, so that the audit event above is committed.
    if failure is not None:
        raise failure
    return ref
