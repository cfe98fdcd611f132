"""A session process of the server keeps one PostgreSQL connection (issue 18): fifty people
at once ran the default of a hundred connections out ("sorry, too many clients already")."""

from __future__ import annotations

from relaytui import db
from relaytui.server.sessions import session_environment


def test_a_session_process_keeps_one_connection_and_the_app_five(monkeypatch):
    assert session_environment({})[db.POOL_ENV] == "1"
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/nowhere"
    monkeypatch.setenv(db.POOL_ENV, "1")
    assert db._engine_for(url).pool.size() == 1  # no connection is made here
    monkeypatch.delenv(db.POOL_ENV)
    assert db._engine_for(url).pool.size() == 5
