"""``relaytui serve`` sends the outbox in a task of its own: what is queued arrives while the
server runs; without a mail server nothing is sent and the log says so; mail options that
cannot work are refused before anything listens."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlmodel import col, select

from relaytui.errors import InvalidInput
from relaytui.models import Notice
from relaytui.server import mailing
from relaytui.server.serving import Plan
from tests.factories import new_log


def notices(world) -> list[Notice]:
    with world.store.session() as session:
        return list(session.exec(select(Notice).order_by(col(Notice.id))).all())


async def test_the_server_sends_what_is_queued(world, mail_server, monkeypatch):
    monkeypatch.setattr(mailing, "MAIL_LOOK_SECONDS", 0.05)
    await asyncio.to_thread(new_log, world)  # lene is told she reads along
    mail_server.up()
    plan = Plan(
        public_url="https://relaytui.kirkeby.invalid",
        smtp_host="127.0.0.1",
        smtp_port=mail_server.port,
        smtp_sender="relaytui@kirkeby.invalid",
        smtp_ca_file=mail_server.cert_file,
    )
    plan.check()
    stop = asyncio.Event()
    task = asyncio.ensure_future(mailing.run(world.store, plan, stop))
    for _ in range(200):
        if mail_server.box.raw:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)
    [message] = mail_server.box.messages()
    assert message["To"] == "lene@example.invalid"
    assert "https://relaytui.kirkeby.invalid" in message.get_content()
    assert all(n.sent_at is not None for n in notices(world))


async def test_without_a_mail_server_notices_stay_queued_and_the_log_says_so(world, caplog):
    await asyncio.to_thread(new_log, world)
    stop = asyncio.Event()
    stop.set()
    with caplog.at_level(logging.WARNING, logger="relaytui.server"):
        await mailing.run(world.store, Plan(), stop)
    assert "stay queued" in caplog.text
    assert [n.sent_at for n in notices(world)] == [None]


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({"smtp_sender": None}, "--smtp-sender"),
        ({"smtp_sender": "relaytui"}, "--smtp-sender"),
        ({"smtp_port": 70000}, "port"),
        ({"smtp_ca_file": Path("/nowhere/ca.pem")}, "--smtp-ca-file"),
    ],
)
def test_mail_options_that_cannot_work_are_refused(extra, said):
    options = {"smtp_host": "mail.kirkeby.invalid", "smtp_sender": "r@kirkeby.invalid", **extra}
    with pytest.raises(InvalidInput) as refused:
        Plan(**options).check()
    assert said in refused.value.message
