"""An error nothing foresaw: one line on the terminal, no traceback with a password in it."""

import pytest

from relaytui.app import RelayApp


async def test_an_unexpected_error_shows_one_line_and_no_local_variables(world, monkeypatch, capfd):
    monkeypatch.delenv("RELAYTUI_DEBUG", raising=False)
    app = RelayApp(world.store)

    def fails() -> None:
        password = "hunter2-secret"  # a local variable Textual's traceback would print
        national_number = "0707614285"
        raise RuntimeError(f"{len(password) + len(national_number)}")

    with pytest.raises(RuntimeError):
        async with app.run_test() as pilot:
            app.call_later(fails)
            await pilot.pause(0.2)  # on purpose: the failure ends the run inside this pause
    shown = " ".join(capfd.readouterr())
    assert "relaytui stopped on an unexpected error (RuntimeError)" in shown
    assert "hunter2" not in shown and "0707614285" not in shown and "Traceback" not in shown


async def test_with_debug_on_the_traceback_still_leaves_out_the_variables(
    world, monkeypatch, capfd
):
    monkeypatch.setenv("RELAYTUI_DEBUG", "1")
    app = RelayApp(world.store)

    def fails() -> None:
        password = "hunter" + "2-secret"  # the joined value is in no source line
        raise RuntimeError(str(len(password)))

    with pytest.raises(RuntimeError):
        async with app.run_test() as pilot:
            app.call_later(fails)
            await pilot.pause(0.2)  # on purpose: the failure ends the run inside this pause
    shown = " ".join(capfd.readouterr())
    assert "RuntimeError" in shown and "fails" in shown
    assert "hunter2-secret" not in shown
