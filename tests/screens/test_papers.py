"""Key d in the log view: the holder saves papers for the family; a reader is told why not."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from sqlmodel import select

from relaytui.app import RelayApp
from relaytui.models import AuditEvent
from relaytui.services import consent, installation, logs
from tests.factories import build_world
from tests.screens.reading import screen_text, wait_for

SIZE = (120, 40)


@pytest.fixture
def town_with_a_documents_folder(sqlite_store, tmp_path, monkeypatch):
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_documents_dir", lambda: str(tmp_path / "Documents"))
    world = build_world(sqlite_store, "dk")
    installation.write(sqlite_store, municipality="Kirkeby Kommune")
    anna = world.ref("anna")
    log = logs.create_log(
        sqlite_store,
        anna,
        subject_id=world.subjects["Ida Jensen"],
        concern="Ida kommer sulten i børnehaven.",
        language="en",
    )
    consent.record_consent(
        sqlite_store,
        anna,
        log.id,
        consent.ConsentInput(
            giver="guardian", guardian_id=world.guardians["Mette Jensen"], method="signed_form"
        ),
    )
    return SimpleNamespace(world=world, store=sqlite_store, log=log, folder=tmp_path / "Documents")


async def open_log(pilot, town_with_a_documents_folder, username: str) -> None:
    from relaytui.screens.log_view import LogViewScreen

    app = pilot.app
    app.staff = town_with_a_documents_folder.world.ref(username)
    await app.push_screen(LogViewScreen(town_with_a_documents_folder.log.id))
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, LogViewScreen) and app.screen.detail is not None,
        "the log view",
    )
    await pilot.pause()


def exported(town_with_a_documents_folder) -> list[str]:
    with town_with_a_documents_folder.store.session() as session:
        return [
            e.action
            for e in session.exec(select(AuditEvent).where(AuditEvent.action.like("%_exported")))
        ]


async def test_the_holder_saves_the_guardians_copy_as_pdf_key_by_key(town_with_a_documents_folder):
    from relaytui.screens.papers import PapersDialog

    notes: list[str] = []
    app = RelayApp(town_with_a_documents_folder.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, town_with_a_documents_folder, "anna")
        app.notify = lambda message, **kw: notes.append(str(message))
        await pilot.press("d")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, PapersDialog) and app.screen.inst is not None,
            "the papers dialog",
        )
        text = screen_text(app)
        assert "Papers for the family" in text and "Copy of the log for the guardians" in text
        await pilot.press("down", "enter")  # the guardians' copy; PDF is chosen already
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any("Paper saved" in n for n in notes), "the saved paper")
        assert type(app.screen).__name__ == "LogViewScreen"
    [pdf] = town_with_a_documents_folder.folder.glob("*.pdf")
    assert pdf.name.startswith(f"relaytui-guardian-copy-{town_with_a_documents_folder.log.id}-")
    assert str(pdf) in notes[-1]
    assert pdf.stat().st_mode & 0o077 == 0
    words = " ".join(PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text().split())
    for expected in (
        "Kirkeby Kommune",
        "Solsikken daycare",
        "Ida Jensen",
        "Ida kommer sulten i børnehaven.",
    ):
        assert expected in words, expected
    assert exported(town_with_a_documents_folder) == ["guardian_copy_exported"]


async def test_the_holder_saves_the_consent_form_as_text(town_with_a_documents_folder):
    notes: list[str] = []
    app = RelayApp(town_with_a_documents_folder.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, town_with_a_documents_folder, "anna")
        app.notify = lambda message, **kw: notes.append(str(message))
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen.query("#papers-format"), "the papers dialog")
        await pilot.pause()
        await pilot.press("tab", "down", "enter", "ctrl+s")  # the consent form, as plain text
        await wait_for(pilot, lambda: any("Paper saved" in n for n in notes), "the saved paper")
    [paper] = town_with_a_documents_folder.folder.glob("*.txt")
    text = paper.read_text(encoding="utf-8")
    assert "CONSENT TO A RELAY LOG" in text and "Mette Jensen" in text and "Signature" in text
    assert exported(town_with_a_documents_folder) == ["consent_form_exported"]


@pytest.mark.rule("R7")
async def test_an_actor_is_told_why_and_nothing_is_written(town_with_a_documents_folder):
    app = RelayApp(town_with_a_documents_folder.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, town_with_a_documents_folder, "lene")  # the leader reads along (R3)
        await pilot.press("d")
        await wait_for(
            pilot,
            lambda: any(
                "made by the holder, Anna Holm" in str(n.message) for n in app._notifications
            ),
            "the reason",
        )
        assert type(app.screen).__name__ == "LogViewScreen"
    assert not town_with_a_documents_folder.folder.exists() or not any(
        town_with_a_documents_folder.folder.iterdir()
    )
    assert exported(town_with_a_documents_folder) == []
