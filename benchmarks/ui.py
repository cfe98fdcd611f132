"""The figures that need the app itself, each run in a fresh process and printed as JSON.

``python -m benchmarks.ui cold URL STARTED``: from STARTED (the parent's clock before it
started this process) to the login screen, mounted and ready for the user name, through the
real command line (``relaytui --db URL``).
``python -m benchmarks.ui keys URL USER MEETING N [PAUSE]``: from a key pressed in the minutes
editor to the next screen update, N times, PAUSE seconds apart (0.03); and the CPU time a key
costs the process.
``python -m benchmarks.ui memory URL USER``: peak resident memory after the log list has paged
through every log the user may see.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time


async def _until(pilot, predicate, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.002)


def cold(url: str, started: float) -> None:
    import relaytui.app as app_module

    def run_headless(store, language=None) -> None:
        app = app_module.RelayApp(store, language=language)

        async def drive() -> None:
            async with app.run_test(size=(120, 40)) as pilot:
                from textual.widgets import Input

                from relaytui.screens.login import LoginScreen

                await _until(
                    pilot,
                    lambda: (
                        isinstance(app.screen, LoginScreen)
                        and app.screen.is_mounted
                        and isinstance(app.focused, Input)
                    ),
                )
                print(json.dumps({"seconds": time.time() - started}))
                app.exit()

        asyncio.run(drive())

    app_module.run_app = run_headless
    from relaytui.__main__ import main

    main(["--db", url])


def _logged_in(url: str, username: str):
    from relaytui.db import open_store
    from relaytui.services import sign_in

    store = open_store(url)
    return store, sign_in.authenticate(store, username, "demo")


def keys(url: str, username: str, meeting_id: int, count: int, pause: float = 0.03) -> None:
    from pathlib import Path

    import relaytui.app
    from relaytui.app import RelayApp
    from relaytui.screens.minutes import MinutesScreen

    store, staff = _logged_in(url, username)

    class MinutesApp(RelayApp):
        CSS_PATH = str(Path(relaytui.app.__file__).with_name("app.tcss"))

        def on_mount(self, event) -> None:
            event.prevent_default()
            self.staff = staff
            self.push_screen(MinutesScreen(meeting_id))

    app = MinutesApp(store)
    painted: list[float] = []
    display = app._display

    def recording_display(screen, renderable) -> None:
        if renderable is not None:
            painted.append(time.perf_counter())
        display(screen, renderable)

    app._display = recording_display  # type: ignore[method-assign]

    async def drive() -> tuple[list[float], float]:
        from textual.widgets import Input

        async with app.run_test(size=(120, 40)) as pilot:
            screen = None

            def ready() -> bool:
                nonlocal screen
                screen = next((s for s in app.screen_stack if isinstance(s, MinutesScreen)), None)
                return (
                    screen is not None
                    and screen.meeting is not None
                    and isinstance(app.focused, Input)
                )

            await _until(pilot, ready)
            await pilot.pause(0.2)
            delays = []
            cpu = time.process_time()
            for n in range(count):
                painted.clear()
                start = time.perf_counter()
                await pilot.press("abcdefghij"[n % 10])
                await _until(pilot, lambda: any(t > start for t in painted), 5.0)
                delays.append((min(t for t in painted if t > start) - start) * 1000)
                await pilot.pause(pause)
            cpu_per_key = (time.process_time() - cpu) * 1000 / max(1, count)
            await pilot.press("escape")
            await pilot.pause(0.5)
            return delays, cpu_per_key

    delays, cpu_per_key = asyncio.run(drive())
    # The process's CPU time per key, the pauses between keys included (a timer that fires
    # while the typist pauses is part of what a key costs): what a server pays per key.
    print(json.dumps({"ms": delays, "cpu_ms_per_key": cpu_per_key}))


def memory(url: str, username: str) -> None:
    import resource
    from pathlib import Path

    import relaytui.app
    from relaytui.app import RelayApp
    from relaytui.screens.log_list import LogListScreen

    store, staff = _logged_in(url, username)

    class ListApp(RelayApp):
        CSS_PATH = str(Path(relaytui.app.__file__).with_name("app.tcss"))

        def on_mount(self, event) -> None:
            event.prevent_default()
            self.staff = staff
            self.push_screen(LogListScreen())

    app = ListApp(store)

    async def drive() -> tuple[int, float]:
        async with app.run_test(size=(120, 40)) as pilot:
            await _until(
                pilot,
                lambda: (
                    isinstance(app.screen, LogListScreen)
                    and app.screen.loaded
                    and not app.screen.loading_rows
                ),
            )
            screen = app.screen
            start = time.perf_counter()
            while screen.next_cursor is not None:
                screen.load_more()
                await _until(pilot, lambda: not screen.loading_rows)
            await pilot.press("end")
            await pilot.pause(0.2)
            return len(screen.rows), time.perf_counter() - start

    rows, seconds = asyncio.run(drive())
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak_kb / 1024}))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "cold":
        cold(args[0], float(args[1]))
    elif command == "keys":
        keys(args[0], args[1], int(args[2]), int(args[3]), *(float(a) for a in args[4:5]))
    elif command == "memory":
        memory(args[0], args[1])
    else:
        raise SystemExit(f"unknown command {command}")
