"""The family's side in a real browser: an OpenID Connect provider on 127.0.0.1 (oidc-provider
on Node.js, tests/family/identity.py) and the system's Chromium driven by Playwright, at a
desktop's and a phone's size.

``oidc_provider`` is built from four module-scoped fixtures a test module may override with its
own: ``oidc_claim_name`` (the national number's claim), ``oidc_accounts`` (login name -> claims),
``family_port`` (where the web view under test listens) and ``oidc_redirect_uris`` (by default
``http://127.0.0.1:<family_port>/login/done``).
"""

from __future__ import annotations

import pytest

from tests.family.identity import CPR_CLAIM, free_port, start_provider
from tests.server.browser import CHROMIUM_ARGS, chromium_path

CALLBACK_PATH = "/login/done"  # relaytui/server/family/login.py
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture(scope="module")
def family_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def oidc_claim_name() -> str:
    return CPR_CLAIM


@pytest.fixture(scope="module")
def oidc_accounts(oidc_claim_name) -> dict[str, dict]:
    return {
        "anne": {"name": "Anne Jensen", oidc_claim_name: "0101901234"},
        "peter": {"name": "Peter Hansen", oidc_claim_name: "1502851237"},
    }


@pytest.fixture(scope="module")
def oidc_redirect_uris(family_port) -> list[str]:
    return [f"http://127.0.0.1:{family_port}{CALLBACK_PATH}"]


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory, oidc_claim_name, oidc_accounts, oidc_redirect_uris):
    """A running provider (tests.family.identity.Provider): ``.issuer``, ``.metadata_url``,
    ``.client_id``, ``.client_secret``, ``.claim_name``."""
    with start_provider(
        tmp_path_factory.mktemp("oidc"),
        claim_name=oidc_claim_name,
        accounts=oidc_accounts,
        redirect_uris=oidc_redirect_uris,
    ) as provider:
        yield provider


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser):
    """``new_page("desktop" | "phone", locale="en-GB")``: a page in a context of its own (its
    own cookies: a person of their own), closed after the test."""
    contexts = []

    def open_page(size: str = "desktop", *, locale: str = "en-GB"):
        shape = {"desktop": DESKTOP, "phone": PHONE}[size]
        context = browser.new_context(**shape, locale=locale)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def desktop_page(new_page):
    return new_page("desktop")


@pytest.fixture
def phone_page(new_page):
    return new_page("phone")
