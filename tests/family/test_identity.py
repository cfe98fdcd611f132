"""The test harness's own proof, without relaytui's web view: the OIDC provider of
tests/family/identity.py gives a person who logs in in a real browser an authorization code
(PKCE S256), the code buys tokens with the client's secret (authlib), and the ID token, checked
against the provider's keys (joserfc), carries the national number under the claim name
configured and the person's name."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.family.identity import CPR_CLAIM, PID_CLAIM, log_in_at_provider, start_provider

pytestmark = [
    pytest.mark.server,
    pytest.mark.filterwarnings("ignore:The httpx module is deprecated"),
]


class _Callback(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        if self.path.startswith("/cb"):  # not the browser's /favicon.ico
            self.server.arrived.append(self.path)  # type: ignore[attr-defined]
        body = b"<!DOCTYPE html><title>back</title><p id=back>Back at the relying party</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture(scope="module")
def callback() -> Iterator[ThreadingHTTPServer]:
    """A throwaway relying party's redirect URI: it notes each request's path."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Callback)
    server.arrived = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def oidc_redirect_uris(callback) -> list[str]:
    return [f"http://127.0.0.1:{callback.server_address[1]}/cb"]


def _log_in(page, provider, callback, account_id: str) -> dict:
    """The relying party's part, step by step: the authorization URL with PKCE and a nonce,
    the person in the browser, the code for tokens, the ID token checked. Its claims."""
    metadata = httpx.get(provider.metadata_url, timeout=10).json()
    assert metadata["issuer"] == provider.issuer
    redirect_uri = provider.redirect_uris[0]
    client = OAuth2Client(
        provider.client_id,
        provider.client_secret,
        scope="openid profile",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = client.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    page.goto(url)
    log_in_at_provider(page, account_id)
    assert page.locator("#back").is_visible()
    back = callback.arrived[-1]
    assert parse_qs(urlsplit(back).query)["state"] == [state]
    token = client.fetch_token(
        metadata["token_endpoint"],
        authorization_response=f"http://127.0.0.1:{callback.server_address[1]}{back}",
        code_verifier=verifier,
    )
    keys = KeySet.import_key_set(httpx.get(metadata["jwks_uri"], timeout=10).json())
    id_token = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.client_id},
        nonce={"essential": True, "value": nonce},
        sub={"essential": True, "value": account_id},
    ).validate(id_token.claims)
    return id_token.claims


def test_a_danish_parent_logs_in_and_the_id_token_carries_the_cpr_number_and_name(
    oidc_provider, callback, desktop_page
):
    assert oidc_provider.claim_name == CPR_CLAIM
    claims = _log_in(desktop_page, oidc_provider, callback, "anne")
    assert claims[CPR_CLAIM] == "0101901234"
    assert claims["name"] == "Anne Jensen"


def test_each_person_gets_their_own_number_and_a_code_is_spent_once(
    oidc_provider, callback, new_page
):
    claims = _log_in(new_page("phone"), oidc_provider, callback, "peter")
    assert (claims[CPR_CLAIM], claims["name"]) == ("1502851237", "Peter Hansen")
    # the code just spent, offered again, buys nothing
    spent = parse_qs(urlsplit(callback.arrived[-1]).query)["code"][0]
    refused = httpx.post(
        f"{oidc_provider.issuer}/token",
        data={"grant_type": "authorization_code", "code": spent, "redirect_uri": "x"},
        auth=(oidc_provider.client_id, oidc_provider.client_secret),
        timeout=10,
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


def test_a_norwegian_parent_on_a_phone_with_id_portens_pid_claim(
    tmp_path, callback, oidc_redirect_uris, phone_page
):
    accounts = {"kari": {"name": "Kari Nordmann", PID_CLAIM: "15076500565"}}
    with start_provider(
        tmp_path, claim_name=PID_CLAIM, accounts=accounts, redirect_uris=oidc_redirect_uris
    ) as provider:
        claims = _log_in(phone_page, provider, callback, "kari")
    assert claims[PID_CLAIM] == "15076500565"
    assert claims["name"] == "Kari Nordmann"
    assert CPR_CLAIM not in claims
    assert phone_page.viewport_size == {"width": 390, "height": 844}


def test_a_wrong_client_secret_buys_no_tokens(oidc_provider):
    refused = httpx.post(
        f"{oidc_provider.issuer}/token",
        data={"grant_type": "authorization_code", "code": "nothing", "redirect_uri": "x"},
        auth=(oidc_provider.client_id, "not the secret"),
        timeout=10,
    )
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
