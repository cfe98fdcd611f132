"""The README's pictures of the family view, at a desktop's and a phone's width:
``.venv/bin/python -m tests.family.screenshots docs/``. The same parts as the browser tests:
the real OIDC provider, a real ``relaytui serve``, the system's Chromium."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.family.family_town import build_family_town, serve_family
from tests.family.identity import CPR_CLAIM, free_port, log_in_at_provider, start_provider
from tests.server.browser import CHROMIUM_ARGS, chromium_path

SIZES = {
    "desktop": {"viewport": {"width": 1100, "height": 1000}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


def _a_child_of_daycare_age(db: str, log_id: int) -> None:
    """The test town's Bo was born in 1961 (any valid number does for the tests); the
    pictures show a child of daycare age."""
    from datetime import date

    from relaytui.db import open_store
    from relaytui.models import RelayLog, Subject
    from tests.factories import dk_number

    store = open_store(db)
    try:
        with store.session(write=True) as session:
            subject = session.get_one(Subject, session.get_one(RelayLog, log_id).subject_id)
            subject.birth_date = date(2022, 3, 14)
            subject.national_number = dk_number(subject.birth_date)
    finally:
        store.dispose()


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="relaytui-shots-"))
    port = free_port()
    accounts = {"anne": {"name": "Anne Jensen", CPR_CLAIM: "0101901234"}}
    with start_provider(
        folder,
        claim_name=CPR_CLAIM,
        accounts=accounts,
        redirect_uris=[f"http://127.0.0.1:{port}/login/done"],
    ) as provider:
        town = build_family_town(folder, provider, {"anne": "0101901234", "peter": "1502851237"})
        _a_child_of_daycare_age(town.db, town.bo_log)
        server = serve_family(town, port, provider.client_secret)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium_path(), args=CHROMIUM_ARGS
                )
                for size, shape in SIZES.items():
                    page = browser.new_context(**shape, locale="en-GB").new_page()
                    page.goto(server.url + "/")
                    if size == "phone":  # the front page says little more on a desktop
                        page.screenshot(path=str(out / "family-front-phone.png"))
                    page.click("a.button")
                    log_in_at_provider(page, "anne")
                    page.goto(f"{server.url}/logs/{town.bo_log}")
                    page.screenshot(path=str(out / f"family-log-{size}.png"))
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
