"""Signed checkpoints of the audit chain: its anchor outside the database.

A hash chain shows a changed or removed event, but not a chain rewritten from the start with
new hashes, nor events cut off its end together with the stored head. A checkpoint is the
head of every chain (relaytui.services.audit.CHAINS: each chain's newest event, its id and
hash; the newest event of all; how many events there are; when) signed with the
installation's Ed25519 key (relaytui.signing), whose private half is never in the
database. Checkpoints are kept in the database and appended to a file outside it; ``audit
verify`` checks the chain against every checkpoint with the public key. What happened after
the last checkpoint can still be hidden: take them often (the setting
``audit_checkpoint_every``, and the server takes one every minute when there are new events
and when it stops).

Plain Python, no Textual.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from relaytui.db import Store, has_column
from relaytui.errors import StoreError
from relaytui.i18n import _
from relaytui.models import AuditCheckpoint, AuditEvent
from relaytui.services import audit, clock
from relaytui.signing import PublicKey, Signer, checkpoint_message

#: The marks of the file's lines, for a reader who meets the file alone.
FILE_MARK = "relaytui-audit-checkpoint"
BACKUP_MARK = "relaytui-backup"


@dataclass(frozen=True)
class Checkpoint:
    last_id: int  # the newest event of all chains
    head_hash: str
    events: int  # how many events have an id up to last_id
    at: datetime
    key_id: str
    signature: bytes
    source: str  # "database" or "file"
    #: ``(chain, id, hash)`` of every chain's head; empty when every event was in chain 0
    #: (and every checkpoint from before there were chains), whose head is last_id.
    heads: tuple[tuple[int, int, str], ...] = ()

    @property
    def all_heads(self) -> tuple[tuple[int, int, str], ...]:
        return self.heads or ((0, self.last_id, self.head_hash),)

    def message(self) -> bytes:
        return checkpoint_message(self.last_id, self.head_hash, self.events, self.at, self.heads)

    def same(self, other: Checkpoint) -> bool:
        return (self.last_id, self.head_hash, self.events, self.heads, self.signature) == (
            other.last_id,
            other.head_hash,
            other.events,
            other.heads,
            other.signature,
        )


def _heads(value) -> tuple[tuple[int, int, str], ...]:
    """Heads as stored (JSON text in the database, a list in the file); ValueError if not."""
    if value in ("", None):
        return ()
    found = json.loads(value) if isinstance(value, str) else value
    if not isinstance(found, list):
        raise ValueError("heads")
    return tuple((int(chain), int(event_id), str(digest)) for chain, event_id, digest in found)


def _row(row: AuditCheckpoint) -> Checkpoint:
    try:
        heads = _heads(row.heads)
    except (ValueError, TypeError):
        heads = ((-1, row.last_id, ""),)  # unreadable: its signature will not check out
    return Checkpoint(
        last_id=row.last_id,
        head_hash=row.head_hash,
        events=row.events,
        at=row.at,
        key_id=row.key_id,
        signature=base64.b64decode(row.signature),
        source="database",
        heads=heads,
    )


def in_database(session: Session) -> list[Checkpoint]:
    """The checkpoints kept in the database (none in one older than schema 0007, as in a
    backup about to be restored and upgraded)."""
    from sqlalchemy import inspect

    if not inspect(session.connection()).has_table(AuditCheckpoint.__tablename__):
        return []
    if not has_column(
        session.connection(), AuditCheckpoint.__tablename__, "heads"
    ):  # before schema 0012
        # sqlmodel.select's overloads stop at four columns (a library typing gap).
        old = session.exec(
            select(
                AuditCheckpoint.last_id,
                AuditCheckpoint.head_hash,  # type: ignore[call-overload]
                AuditCheckpoint.events,
                AuditCheckpoint.at,
                AuditCheckpoint.key_id,
                AuditCheckpoint.signature,
            ).order_by(col(AuditCheckpoint.id))
        ).all()
        return [
            Checkpoint(
                last_id=last_id,
                head_hash=head_hash,
                events=events,
                at=at,
                key_id=key_id,
                signature=base64.b64decode(signature),
                source="database",
            )
            for last_id, head_hash, events, at, key_id, signature in old
        ]
    rows = session.exec(select(AuditCheckpoint).order_by(col(AuditCheckpoint.id))).all()
    return [_row(row) for row in rows]


def events_since_last(store: Store) -> int:
    """How many events the newest checkpoint does not cover yet."""
    with store.session() as session:
        last = session.exec(select(func.max(AuditCheckpoint.last_id))).one() or 0
        return session.exec(
            select(func.count()).select_from(AuditEvent).where(col(AuditEvent.id) > last)
        ).one()


def take(store: Store, signer: Signer, *, file: Path | None = None) -> Checkpoint | None:
    """Sign the heads of every chain now, in the database and in ``file``; None when there is
    nothing new since the last checkpoint (or no event at all)."""
    with store.session(write=True) as session:
        if session.get_bind().dialect.name == "postgresql":
            # No head moves meanwhile, and every id given so far is committed: the locks in
            # the order of the chains, as an appender takes only one.
            chains = max([audit.CHAINS - 1, *audit.heads(session)]) + 1
            for chain in range(chains):
                session.execute(
                    text("SELECT pg_advisory_xact_lock(:k, :c)"),
                    {"k": audit.CHAIN_LOCK_KEY, "c": chain},
                )
        found = {chain: head for chain, head in audit.heads(session).items() if head is not None}
        if not found:
            return None
        last_id, head_hash = max(found.values())
        newest = session.exec(
            select(AuditCheckpoint).order_by(col(AuditCheckpoint.id).desc()).limit(1)
        ).first()
        if newest is not None and newest.last_id == last_id:
            return None
        heads = (
            ()
            if set(found) == {0}
            else tuple(sorted((chain, i, h) for chain, (i, h) in found.items()))
        )
        events = session.exec(
            select(func.count()).select_from(AuditEvent).where(col(AuditEvent.id) <= last_id)
        ).one()
        at = clock.now()
        signature = signer.sign(checkpoint_message(last_id, head_hash, events, at, heads))
        row = AuditCheckpoint(
            last_id=last_id,
            head_hash=head_hash,
            events=events,
            at=at,
            heads=json.dumps([list(h) for h in heads], separators=(",", ":")) if heads else "",
            key_id=signer.public.id,
            signature=base64.b64encode(signature).decode("ascii"),
        )
        session.add(row)
        session.flush()
        made = _row(row)
    if file is not None:
        append_to_file(file, made)
    return made


def maybe_take(
    store: Store, signer: Signer, every: int, *, file: Path | None = None
) -> Checkpoint | None:
    """A checkpoint when ``every`` events (or more) came since the last one."""
    if events_since_last(store) < max(1, every):
        return None
    return take(store, signer, file=file)


# --- the file outside the database ------------------------------------------------------------


def append_to_file(path: Path, checkpoint: Checkpoint) -> None:
    """One line at the end of the file, which is only ever appended to (mode 600)."""
    entry = {
        FILE_MARK: 1,
        "last_id": checkpoint.last_id,
        "hash": checkpoint.head_hash,
        "events": checkpoint.events,
        "at": checkpoint.at.isoformat(timespec="microseconds"),
        "key_id": checkpoint.key_id,
        "signature": base64.b64encode(checkpoint.signature).decode("ascii"),
    }
    if checkpoint.heads:
        entry["heads"] = [list(head) for head in checkpoint.heads]
    _append(path, entry)


@dataclass(frozen=True)
class BackupRecord:
    """A backup file as it was written: its SHA-256, signed. A backup that is changed
    afterwards (cut short, rewritten) no longer matches any record."""

    sha256: str
    at: datetime
    key_id: str
    signature: bytes
    name: str

    def message(self) -> bytes:
        from relaytui.signing import backup_message

        return backup_message(self.sha256, self.at)


def record_backup(path: Path, signer: Signer, backup: Path) -> BackupRecord:
    """Append a signed record of the backup file ``backup`` to the checkpoint file."""
    import hashlib

    from relaytui.signing import backup_message

    digest = _sha256(backup, hashlib)
    at = clock.now()
    record = BackupRecord(
        sha256=digest,
        at=at,
        key_id=signer.public.id,
        signature=signer.sign(backup_message(digest, at)),
        name=backup.name,
    )
    _append(
        path,
        {
            BACKUP_MARK: 1,
            "sha256": digest,
            "at": at.isoformat(timespec="microseconds"),
            "key_id": record.key_id,
            "signature": base64.b64encode(record.signature).decode("ascii"),
            "name": record.name,
        },
    )
    return record


def _sha256(path: Path, hashlib) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup_recorded(path: Path, key: PublicKey, backup: Path) -> bool | None:
    """Whether a signed record in the checkpoint file names exactly this backup file: None
    when the file records no backup at all (nothing to compare with)."""
    import hashlib

    records = backup_records(path)
    if not records:
        return None
    digest = _sha256(backup, hashlib)
    return any(
        r.sha256 == digest and r.key_id == key.id and key.verifies(r.signature, r.message())
        for r in records
    )


def backup_records(path: Path) -> list[BackupRecord]:
    found: list[BackupRecord] = []
    try:
        data = path.read_bytes()
    except OSError:
        return found
    for raw in data.splitlines():
        try:
            entry = json.loads(raw.decode("utf-8"))
            if not isinstance(entry, dict) or BACKUP_MARK not in entry:
                continue
            found.append(
                BackupRecord(
                    sha256=str(entry["sha256"]),
                    at=datetime.fromisoformat(entry["at"]),
                    key_id=str(entry["key_id"]),
                    signature=base64.b64decode(entry["signature"], validate=True),
                    name=str(entry.get("name", "")),
                )
            )
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            continue
    return found


def _append(path: Path, entry: dict) -> None:
    line = json.dumps(entry, separators=(",", ":")) + "\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise StoreError(
            _(
                "The checkpoint file {file} could not be written ({error}). Check the "
                "file and its folder, then take a checkpoint again with 'relaytui audit "
                "checkpoint'."
            ).format(file=path, error=exc.strerror or type(exc).__name__)
        ) from None


def read_file(path: Path) -> tuple[list[Checkpoint], list[int]]:
    """The checkpoints in the file, and the numbers of its lines that are not one."""
    found: list[Checkpoint] = []
    bad: list[int] = []
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        raise StoreError(
            _("The checkpoint file {file} cannot be read ({error}).").format(
                file=path, error=exc.strerror or type(exc).__name__
            )
        ) from None
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw.decode("utf-8"))
            if isinstance(entry, dict) and BACKUP_MARK in entry:
                continue
            found.append(
                Checkpoint(
                    last_id=int(entry["last_id"]),
                    head_hash=str(entry["hash"]),
                    events=int(entry["events"]),
                    at=datetime.fromisoformat(entry["at"]),
                    key_id=str(entry["key_id"]),
                    signature=base64.b64decode(entry["signature"], validate=True),
                    source="file",
                    heads=_heads(entry.get("heads")),
                )
            )
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            bad.append(number)
    return found, bad


# --- checking the chain against them ---------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """Something ``audit verify`` found; ``failure`` ones make it exit with 1."""

    kind: str
    at_event: int | None
    detail: str = ""
    failure: bool = True


def check(
    checkpoints: list[Checkpoint],
    seen: dict[int, tuple[str, int, int]],
    key: PublicKey | None,
    newest_event: int | None,
) -> list[Finding]:
    """Compare signed checkpoints with what the walk of the chains saw: ``seen`` maps the
    checkpoints' event ids to (hash, how many events up to it, its chain)."""
    findings: list[Finding] = []
    if key is None:
        if checkpoints:
            findings.append(Finding("no_key", None, failure=False))
        return findings
    for checkpoint in checkpoints:
        if checkpoint.key_id != key.id or not key.verifies(
            checkpoint.signature, checkpoint.message()
        ):
            findings.append(Finding("bad_signature", checkpoint.last_id, checkpoint.source))
            continue
        findings += _check_heads(checkpoint, seen, newest_event)
    return findings


def _check_heads(
    checkpoint: Checkpoint, seen: dict[int, tuple[str, int, int]], newest_event: int | None
) -> list[Finding]:
    """One signed checkpoint: every chain's head still there, unchanged, in its chain, and
    as many events up to the newest as were signed."""
    if (checkpoint.last_id, checkpoint.head_hash) not in {
        (i, h) for _c, i, h in checkpoint.all_heads
    }:
        return [Finding("rewritten", checkpoint.last_id)]
    for chain, event_id, head_hash in checkpoint.all_heads:
        found = seen.get(event_id)
        if found is None:
            return [
                Finding(
                    "events_removed",
                    event_id,
                    str(newest_event) if newest_event is not None else "",
                )
            ]
        if (found[0], found[2]) != (head_hash, chain):
            return [Finding("rewritten", event_id)]
    count = seen[checkpoint.last_id][1]
    if count != checkpoint.events:
        return [Finding("count", checkpoint.last_id, f"{count}/{checkpoint.events}")]
    return []


def compare_sources(database: list[Checkpoint], file: list[Checkpoint]) -> list[Finding]:
    """A checkpoint in the file but not in the database was removed from it (a failure); one
    in the database but not in the file is a note (the file may have been moved)."""
    findings = []
    for checkpoint in file:
        if not any(checkpoint.same(other) for other in database):
            findings.append(Finding("removed_from_database", checkpoint.last_id))
    for checkpoint in database:
        if file and not any(checkpoint.same(other) for other in file):
            findings.append(Finding("not_in_file", checkpoint.last_id, failure=False))
    return findings
