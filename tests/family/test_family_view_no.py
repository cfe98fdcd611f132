"""The family view in Norway (issue 15): a guardian logs in with ID-porten (the ``pid``
claim), ends the log herself (R10), and the holder sees it closed at once."""

from __future__ import annotations

import pytest
from sqlmodel import select

from relaytui.db import open_store
from relaytui.models import Meeting, RelayLog
from relaytui.services import grants, sign_in
from tests.factories import no_number
from tests.family.family_town import build_norwegian_town, serve_family, trail
from tests.family.identity import PID_CLAIM, log_in_at_provider
from tests.server.serving import PASSWORD

pytestmark = pytest.mark.server

KARI = no_number(__import__("datetime").date(1989, 4, 12))


@pytest.fixture(scope="module")
def oidc_claim_name() -> str:
    return PID_CLAIM


@pytest.fixture(scope="module")
def oidc_accounts(oidc_claim_name) -> dict[str, dict]:
    return {"kari": {"name": "Kari Berg", oidc_claim_name: KARI}}


@pytest.fixture(scope="module")
def town(tmp_path_factory, oidc_provider):
    return build_norwegian_town(tmp_path_factory.mktemp("sunnfjord"), oidc_provider, KARI)


@pytest.fixture(scope="module")
def family_view(town, family_port, oidc_provider):
    server = serve_family(town, family_port, oidc_provider.client_secret)
    yield server
    server.stop()


def test_a_norwegian_guardian_ends_the_log_and_the_holder_sees_it_closed(
    new_page, family_view, town
):
    page = new_page("phone", locale="nn-NO")
    page.goto(family_view.url + "/?lang=en")
    assert "Log in with ID-porten" in page.inner_text("main")
    page.click("a.button")
    log_in_at_provider(page, "kari")
    page.wait_for_url(family_view.url + "/logs")
    page.click("text=The relay log about Siri Berg")
    page.click("text=End the relay log")
    page.click("form button:has-text('End the relay log')")
    # Not without the box ticked: nothing changed.
    assert "Tick the box" in page.inner_text("main")
    page.fill("textarea[name=reason]", "We manage well now.")
    page.check("input[name=sure]")
    page.click("form button:has-text('End the relay log')")
    assert "The relay log is ended. The holder sees it closed." in page.inner_text("main")
    assert "End the relay log" not in page.inner_text("main")
    store = open_store(town.db)
    try:
        anna = sign_in.authenticate(store, "anna", PASSWORD)
        assert [view.log_id for view in grants.my_closed_logs(store, anna)] == [town.bo_log]
        with store.session() as session:
            log = session.get(RelayLog, town.bo_log)
            assert log.close_basis == "guardians_ended"
            assert "Kari Berg" in log.close_reason and "We manage well now." in log.close_reason
            assert session.exec(select(Meeting.status)).all() == ["cancelled"]
    finally:
        store.dispose()
    actions = [
        (who.split(":")[1], action)
        for who, action, _d in trail(town, town.bo_log)
        if who.startswith("family:")
    ]
    assert ("guardian", "family_ended_log") in actions
