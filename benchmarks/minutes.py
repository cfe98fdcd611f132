"""``python -m benchmarks.minutes [--repeat N]``: how soon a line typed in the minutes editor is in
the database without Enter (R13: the minutes must survive a crash of the terminal).

Each round types one line into a new meeting's minutes in the real app, headless, on a fresh
SQLite file, then polls the database until the line is stored: the figure is the time from the
last key to the stored line. The promise the screen makes is two seconds; the screen tests
(tests/screens/test_minutes.py) check that the line arrives, this measures when.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

LINE = "Ida sover dårligt? 2 nætter i træk, siger Mette (æøå ÆØÅ)"
PROMISE_SECONDS = 2.0


def _town(path: Path):
    """One holder (anna) with one log, on a migrated SQLite file."""
    from relaytui.db import open_store
    from relaytui.services import access, accounts, installation, logs, sign_in, subjects, units

    store = open_store(str(path))
    store.upgrade()
    installation.write(store, profile="dk", timezone="Europe/Copenhagen")
    system = access.system_administrator()
    unit = units.add_unit(store, system, name="Solsikken", kind="daycare")
    accounts.add_user(
        store,
        system,
        username="anna",
        full_name="Anna Holm",
        password="demo",
        profession="pedagogue",
        unit=unit.id,
    )
    anna = sign_in.authenticate(store, "anna", "demo")
    subject = subjects.create_subject(store, anna, national_number="0707614285", name="Bo Jensen")
    log = logs.create_log(store, anna, subject_id=subject.id, concern="Comes to daycare hungry.")
    return store, anna, log


async def _one_line(store, anna, log_id: int) -> float:
    """Seconds from the last key of one line to the line in the database."""
    from datetime import timedelta

    from textual.widgets import Input

    import relaytui.app
    from relaytui.app import RelayApp
    from relaytui.screens.minutes import MinutesScreen
    from relaytui.services import clock, meetings

    meeting = meetings.schedule(
        store,
        anna,
        log_id,
        kind="dialogue",
        starts_at=clock.now() + timedelta(minutes=5),
        place="Room 2",
    )

    class MinutesApp(RelayApp):
        CSS_PATH = str(Path(relaytui.app.__file__).with_name("app.tcss"))

        def on_mount(self, event) -> None:
            event.prevent_default()
            self.staff = anna
            self.push_screen(MinutesScreen(meeting.id))

    def stored() -> bool:
        return any(
            note.text == LINE for note in meetings.get_meeting(store, anna, meeting.id).notes
        )

    app = MinutesApp(store)
    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + 60
        while not (
            isinstance(app.focused, Input)
            and any(isinstance(s, MinutesScreen) and s.meeting for s in app.screen_stack)
        ):
            if time.monotonic() > deadline:
                raise TimeoutError("the minutes did not open")
            await pilot.pause(0.01)
        await pilot.press(*[" " if ch == " " else ch for ch in LINE])
        last_key = time.perf_counter()
        while not stored():
            if time.perf_counter() - last_key > 30:
                raise TimeoutError("the line was not saved within 30 s")
            await pilot.pause(0.01)
        took = time.perf_counter() - last_key
        await pilot.press("escape")
        return took


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.minutes", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="lines typed, one meeting each (median)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        store, anna, log = _town(Path(folder) / "minutes.db")
        try:
            times = [asyncio.run(_one_line(store, anna, log.id)) for _n in range(args.repeat)]
        finally:
            store.dispose()
    print(
        f"last key to the stored line: median {statistics.median(times):.2f} s, "
        f"worst {max(times):.2f} s over {len(times)} lines (promised: {PROMISE_SECONDS:.0f} s)"
    )


if __name__ == "__main__":
    main()
