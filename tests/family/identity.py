"""A real OpenID Connect provider for the family view's tests, and a person logging in at it.

``start_provider`` runs ``tests/family/oidc/provider.mjs`` (the npm package oidc-provider, on
the machine's Node.js) on 127.0.0.1 with a free port: one confidential client, the
authorization code flow (PKCE S256 allowed), the scopes openid and profile, and the test
accounts given. Each account's claims land in the ID token: the national number under the
claim name given (Denmark's ``https://data.gov.dk/model/core/eid/cprNumber``, ID-porten's
``pid``) with the scope openid, ``name`` with the scope profile.

``log_in_at_provider`` is the person at the provider's login page: the login name is the
account id, any password does, consent is given at once, and the browser ends at the
redirect URI.

The packages come from ``npm ci`` (``.ci/run`` does it in tests/family/oidc); without them
the first start runs ``npm ci`` once into a cache folder. Without Node.js or npm the tests are
skipped here and fail in CI (RELAYTUI_REQUIRE_POSTGRES=1), as the browser tests do.
"""

from __future__ import annotations

import hashlib
import json
import os
import selectors
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
CPR_CLAIM = "https://data.gov.dk/model/core/eid/cprNumber"
PID_CLAIM = "pid"
CLIENT_ID = "relaytui-family"
CLIENT_SECRET = "family-client-secret-for-tests"
START_TIMEOUT = 30.0


def _missing(what: str) -> None:
    if os.environ.get("RELAYTUI_REQUIRE_POSTGRES") == "1":  # CI: .ci/run installs it
        pytest.fail(what)
    pytest.skip(what)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _cache_home() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "relaytui-tests" / "oidc-provider"


def _installed_dir() -> Path:
    """A folder with provider.mjs beside a node_modules that holds oidc-provider."""
    if (OIDC_DIR / "node_modules" / "oidc-provider" / "package.json").is_file():
        return OIDC_DIR
    lock = (OIDC_DIR / "package-lock.json").read_bytes()
    script = (OIDC_DIR / "provider.mjs").read_bytes()
    key = hashlib.sha256(lock + b"\0" + script).hexdigest()[:16]
    target = _cache_home() / key
    if (target / "node_modules" / "oidc-provider" / "package.json").is_file():
        return target
    npm = shutil.which("npm")
    if npm is None:
        _missing("npm is not installed, and tests/family/oidc has no node_modules (npm ci)")
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=target.parent))
    for name in ("package.json", "package-lock.json", "provider.mjs"):
        shutil.copy2(OIDC_DIR / name, building / name)
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=building,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        _missing(f"npm ci of the OIDC provider failed:\n{done.stdout}{done.stderr}")
    try:
        building.rename(target)  # another worker may have been quicker: its copy is as good
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
    return target


@dataclass
class Provider:
    """A running provider. ``issuer`` is ``http://127.0.0.1:<port>``."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    claim_name: str
    process: subprocess.Popen = field(repr=False)
    log_path: Path = field(repr=False)

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            if self.process.stdin is not None:
                self.process.stdin.close()  # the provider ends when its stdin closes
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> Provider:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _wait_ready(process: subprocess.Popen, log_path: Path) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=0.2):
                line = process.stdout.readline()
                if line.startswith("READY "):
                    return line.split(None, 1)[1].strip()
                if not line and process.poll() is not None:
                    break
            elif process.poll() is not None:
                break
    process.kill()
    process.wait()
    raise AssertionError(f"the OIDC provider did not start:\n{log_path.read_text()}")


def start_provider(
    tmp_path: Path,
    *,
    claim_name: str,
    accounts: dict[str, dict],
    redirect_uris: list[str],
    client_id: str = CLIENT_ID,
    client_secret: str = CLIENT_SECRET,
    post_logout_redirect_uris: list[str] | None = None,
    port: int = 0,
) -> Provider:
    """Start the provider and wait until it answers. Use it as a context manager or call
    ``stop()``. ``accounts`` maps the login name (the ``sub``) to its claims, e.g.
    ``{"anne": {"name": "Anne Jensen", CPR_CLAIM: "0101901234"}}``."""
    node = shutil.which("node")
    if node is None:
        _missing("Node.js is not installed (node), needed by the OIDC provider")
    folder = _installed_dir()
    config = {
        "client": {
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uris": list(redirect_uris),
            "post_logout_redirect_uris": list(post_logout_redirect_uris or []),
        },
        "claim_name": claim_name,
        "accounts": accounts,
    }
    tmp_path.mkdir(parents=True, exist_ok=True)
    config_path = tmp_path / f"oidc-{os.getpid()}-{time.monotonic_ns()}.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    log_path = config_path.with_suffix(".log")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [node, str(folder / "provider.mjs"), "--config", str(config_path), "--port", str(port)],
            cwd=folder,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    issuer = _wait_ready(process, log_path)
    return Provider(
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uris=list(redirect_uris),
        claim_name=claim_name,
        process=process,
        log_path=log_path,
    )


def log_in_at_provider(page, account_id: str, *, password: str = "any password") -> None:
    """On the provider's login page (the relying party sent the browser there): type the
    account id and a password, sign in, continue past a consent page if one is shown, and
    wait until the browser has left the provider (it is then at the redirect URI, or wherever
    the relying party sent it on from there)."""
    page.wait_for_selector("input[name=login]")
    provider = urlsplit(page.url).netloc

    def at_provider() -> bool:
        return urlsplit(page.url).netloc == provider

    page.fill("input[name=login]", account_id)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if at_provider() and page.locator("input[name=prompt][value=consent]").count():
        with page.expect_navigation():
            page.click("button[type=submit]")
    if at_provider():
        raise AssertionError(
            f"still at the provider after logging in as {account_id!r} ({page.url}):\n"
            + page.inner_text("body")[:1000]
        )
