"""What an attacker with write access to the database writes, chain by chain: the SQL that
moves each chain's recorded head onto what is left, and a trail rewritten with new hashes.
Kept here, not in a test module, for the tests of the audit trail, the checkpoints and the
backups."""

from __future__ import annotations

from datetime import UTC

from relaytui.services import audit


def heads_onto(events) -> list[tuple[str, dict]]:
    """SQL that makes the recorded head of every chain the last of ``events`` in that chain
    (events: rows with id, hash, chain), and removes the heads of chains left empty."""
    last: dict[int, tuple[int, str]] = {}
    for event in sorted(events, key=lambda e: e.id):
        last[event.chain] = (event.id, event.hash)
    statements: list[tuple[str, dict]] = [
        (
            "DELETE FROM setting WHERE key = :k OR key LIKE :like",
            {"k": audit.HEAD_KEY, "like": f"{audit.HEAD_KEY}:%"},
        )
    ]
    for chain, (event_id, digest) in sorted(last.items()):
        statements.append(
            (
                "INSERT INTO setting (key, value) VALUES (:k, :v)",
                {"k": audit.head_key(chain), "v": f"{event_id}:{digest}"},
            )
        )
    return statements


def rechain(store, events) -> list[tuple[str, dict]]:
    """SQL that rewrites ``events`` (in this order, under new ids 1..n, each in the chain it
    was in) with recomputed hashes and matching heads: the rewrite no key-less chain sees."""
    statements: list[tuple[str, dict]] = [("DELETE FROM audit_event", {})]
    previous: dict[int, str] = {}
    written = []
    for number, event in enumerate(events, start=1):
        chain = event.chain
        digest = audit.event_hash(
            at=event.at,
            staff_id=event.staff_id,
            username=event.username,
            action=event.action,
            log_id=event.log_id,
            subject_id=event.subject_id,
            detail=event.detail,
            prev_hash=previous.get(chain, ""),
            chain=chain,
            event_id=number,
        )
        at = event.at.astimezone(UTC)
        statements.append(
            (
                "INSERT INTO audit_event (id, at, staff_id, username, action, log_id, subject_id, detail, "
                "prev_hash, hash, chain) VALUES (:id, :at, :staff, :user, :action, :log, :subject, :detail, :prev, "
                ":hash, :chain)",
                {
                    "id": number,
                    "at": at.replace(tzinfo=None) if store.is_sqlite else at,
                    "staff": event.staff_id,
                    "user": event.username,
                    "action": event.action,
                    "log": event.log_id,
                    "subject": event.subject_id,
                    "detail": event.detail,
                    "prev": previous.get(chain, ""),
                    "hash": digest,
                    "chain": chain,
                },
            )
        )
        previous[chain] = digest
        written.append(_Row(number, digest, chain))
    return statements + heads_onto(written)


class _Row:
    def __init__(self, event_id: int, digest: str, chain: int) -> None:
        self.id, self.hash, self.chain = event_id, digest, chain
