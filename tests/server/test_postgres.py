"""The server on PostgreSQL, as a municipality runs it: the server alone has the database's
address and password; its sessions get the address on their command line and the password
in their environment, never the other way round."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlmodel import select

from relaytui.db import open_store
from relaytui.models import Entry
from tests.postgres import PG_ADMIN_URL, REQUIRE_PG, pg_available
from tests.server.serving import PASSWORD, SSHScreen, build_town, start_server

pytestmark = [pytest.mark.server, pytest.mark.postgres]

#: A password the server passes on; PostgreSQL on the test machine trusts 127.0.0.1 and
#: ignores it, which is what lets the test see where it goes.
SECRET = "pg-secret-Æ-only-in-the-environment"


@pytest.fixture(scope="module")
def pg_town(tmp_path_factory):
    reason = pg_available()
    if reason is not None:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (RELAYTUI_REQUIRE_POSTGRES=1) but: {reason}")
        pytest.skip(f"no PostgreSQL server on 127.0.0.1:5432: {reason}")
    import psycopg

    name = f"relaytui_serve_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = (
        PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        + f"/{name}"
    )
    try:
        yield build_town(tmp_path_factory.mktemp("pg-town"), url)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_staff_work_over_ssh_on_postgresql_and_the_password_stays_with_the_server(pg_town):
    running = start_server(pg_town, env={"RELAYTUI_DATABASE_PASSWORD": SECRET})
    try:
        anna = await SSHScreen.open(running.ssh_port, "anna", password=PASSWORD)
        try:
            await anna.wait_for("Bo Jensen")
            await anna.press("enter")
            await anna.wait_for("Holder: Anna Holm")
            await anna.press("n")
            await anna.wait_for("New entry")
            await anna.type("Written over SSH into PostgreSQL.")
            await anna.press("ctrl+s")
            await anna.wait_for("Written over SSH into PostgreSQL.")
            found = re.findall(r"ssh session of anna from \S+ runs as process (\d+)", running.log())
            pid = int(found[-1])
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                command = fh.read()
            with open(f"/proc/{pid}/environ", "rb") as fh:
                environment = fh.read()
        finally:
            await anna.close()
    finally:
        running.stop()
    assert SECRET.encode() not in command  # what every user of the machine can read (ps)
    assert SECRET.encode() in environment  # what only the server's own account can read
    store = open_store(pg_town.db)
    try:
        with store.session() as session:
            texts = list(session.exec(select(Entry.text).where(Entry.log_id == pg_town.log_id)))
    finally:
        store.dispose()
    assert "Written over SSH into PostgreSQL." in texts
