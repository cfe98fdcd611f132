"""The family view in a real browser, against a real OpenID Connect provider and a real
``relaytui serve`` (issue 15): a guardian logs in, sees exactly her child's log and never
another's, downloads the copy, reads the meeting, answers a transition; forms from another
origin are refused; every page she opens is in the child's trail."""

from __future__ import annotations

import io

import pytest

from relaytui.db import open_store
from relaytui.models import Consent, TransitionRequest
from tests.family.family_town import (
    EFFORT_TEXT,
    ENTRY_TEXT,
    MINUTES_TEXT,
    NOTIFICATION_TEXT,
    build_family_town,
    serve_family,
    trail,
)
from tests.family.identity import log_in_at_provider

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def town(tmp_path_factory, oidc_provider, oidc_accounts, oidc_claim_name):
    numbers = {who: claims[oidc_claim_name] for who, claims in oidc_accounts.items()}
    return build_family_town(tmp_path_factory.mktemp("family"), oidc_provider, numbers)


@pytest.fixture(scope="module")
def family_view(town, family_port, oidc_provider):
    server = serve_family(town, family_port, oidc_provider.client_secret)
    yield server
    server.stop()


def _log_in(page, family_view, who: str) -> None:
    page.goto(family_view.url + "/")
    page.click("a.button")  # "Log in with MitID"
    log_in_at_provider(page, who)
    page.wait_for_url(family_view.url + "/logs")


def test_a_guardian_reads_exactly_her_childs_log(new_page, family_view, town):
    page = new_page("desktop")
    _log_in(page, family_view, "anne")
    logs_page = page.inner_text("main")
    assert "Bo Jensen" in logs_page and "Liv Hansen" not in logs_page
    page.click("text=The relay log about Bo Jensen")
    shown = page.inner_text("main")
    for expected in ("Comes to daycare hungry.", "Anna Holm", EFFORT_TEXT, ENTRY_TEXT):
        assert expected in shown, expected
    assert "Solsikken, the blue room" in shown  # the planned meeting, where and when
    assert MINUTES_TEXT in shown  # the held meeting, with its minutes
    assert NOTIFICATION_TEXT not in page.content()
    assert "Left out of this copy: 1 notification" in shown
    # Her own reads are in the trail, named, without her number.
    events = trail(town, town.bo_log)
    family_reads = [e for e in events if e[1] == "family_read"]
    assert [e[2] for e in family_reads][-2:] == ["list", "log"]
    assert all(e[0].startswith("family:guardian:") for e in family_reads)
    assert all("0101901234" not in " ".join(e) for e in events)


def test_the_copy_downloads_as_the_paper(new_page, family_view, town):
    from pypdf import PdfReader

    page = new_page("desktop")
    _log_in(page, family_view, "anne")
    page.goto(f"{family_view.url}/logs/{town.bo_log}")
    with page.expect_download() as download:
        page.click("text=Download a copy (PDF)")
    pdf = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert "Comes to daycare hungry." in " ".join(text.split())
    assert NOTIFICATION_TEXT not in text
    assert ("family:guardian", "family_read", "copy") in [
        (e[0].rsplit(":", 1)[0], e[1], e[2]) for e in trail(town, town.bo_log)
    ]


def test_another_familys_log_is_never_shown(new_page, family_view, town):
    page = new_page("phone")
    _log_in(page, family_view, "peter")
    shown = page.inner_text("main")
    assert "Liv Hansen" in shown and "Bo Jensen" not in shown
    response = page.goto(f"{family_view.url}/logs/{town.bo_log}")
    assert response.status == 403
    assert "There is no relay log with this number that you may read." in page.inner_text("main")
    assert "Comes to daycare hungry." not in page.content()
    with page.expect_response(lambda r: r.url.endswith(".pdf")) as answer:
        page.evaluate(f"window.location.href = '/logs/{town.bo_log}/copy.pdf'")
    assert answer.value.status == 403
    refused = [e for e in trail(town, town.bo_log) if e[1] == "family_read_refused"]
    assert len(refused) >= 2


def test_a_form_from_another_site_changes_nothing(new_page, family_view, town):
    page = new_page("desktop")
    _log_in(page, family_view, "anne")
    token = page.get_attribute("input[name=token]", "value")
    answer = page.request.post(
        f"{family_view.url}/transitions/{town.transition}",
        form={"token": token, "answer": "accept", "log": str(town.bo_log)},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status == 403
    wrong_token = page.request.post(
        f"{family_view.url}/transitions/{town.transition}",
        form={"token": "guessed", "answer": "accept", "log": str(town.bo_log)},
        headers={"Origin": family_view.url},
    )
    assert wrong_token.status == 403
    store = open_store(town.db)
    try:
        with store.session() as session:
            assert session.get(TransitionRequest, town.transition).status == "pending"
    finally:
        store.dispose()


def test_the_guardian_consents_to_the_transition_and_logs_out(new_page, family_view, town):
    page = new_page("phone")
    _log_in(page, family_view, "anne")
    page.goto(f"{family_view.url}/logs/{town.bo_log}")
    assert "May the relay log pass to Østre Skole?" in page.inner_text("main")
    page.click("button[value=accept]")
    assert "your consent to the transition is recorded" in page.inner_text("main")
    store = open_store(town.db)
    try:
        with store.session() as session:
            ask = session.get(TransitionRequest, town.transition)
            assert (ask.status, ask.answered_by_name) == ("accepted", "Anne Jensen")
            given = session.get(Consent, ask.consent_id)
            assert (given.method, given.giver_name) == ("digital", "Anne Jensen")
    finally:
        store.dispose()
    page.click("text=Log out")
    assert "You are logged out." in page.inner_text("main")
    page.goto(f"{family_view.url}/logs/{town.bo_log}")
    assert page.url == family_view.url + "/"
    assert "Log in with MitID" in page.inner_text("main")
    assert "Comes to daycare hungry." not in page.content()


def test_the_page_speaks_the_browsers_language_and_switches(new_page, family_view):
    page = new_page("desktop", locale="da-DK")
    page.goto(family_view.url + "/")
    html_lang = page.get_attribute("html", "lang")
    assert html_lang == "da"
    page.click("a[hreflang=nn]")
    assert page.get_attribute("html", "lang") == "nn"
    page.goto(family_view.url + "/")
    assert page.get_attribute("html", "lang") == "nn"  # remembered
