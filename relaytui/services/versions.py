"""Optimistic versions: a write names the version it read; a stale one is refused."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session

from relaytui.errors import StaleWrite
from relaytui.i18n import _


def guarded_update(session: Session, model: Any, row_id: int, version: int, **values: Any) -> None:
    """``UPDATE ... WHERE id = :id AND version = :version``; nothing else is overwritten."""
    result = session.exec(
        update(model)
        .where(model.id == row_id, model.version == version)
        .values(version=version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StaleWrite(
            _(
                "Someone else changed this while you were working on it. Nothing was saved: "
                "reload to see their change, then make yours again."
            )
        )
    row = session.get(model, row_id, populate_existing=True)
    if row is not None:
        session.refresh(row)
