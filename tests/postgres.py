"""The PostgreSQL server the tests use: where it is, whether CI requires it, and emptying a
database between tests (a plain module: test modules import it, never a conftest)."""

from __future__ import annotations

import os

PG_ADMIN_URL = os.environ.get("RELAYTUI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("RELAYTUI_REQUIRE_POSTGRES") == "1"


def pg_available() -> str | None:
    """None when the server answers, else the first line of why not."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        return str(exc).strip().splitlines()[0] if str(exc) else type(exc).__name__


def truncate_all(url: str) -> None:
    """Empty every table but Alembic's, so a migrated database serves the next test."""
    import psycopg
    from sqlalchemy.engine import make_url

    from relaytui.db_url import normalise_url

    raw = (
        make_url(normalise_url(url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )
    with psycopg.connect(raw, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
            )
        ]
        if tables:
            conn.execute(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
            )
