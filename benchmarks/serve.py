"""``python -m benchmarks.serve --db FILE``: what one ``relaytui serve`` costs per session.

Starts a real server on free ports of 127.0.0.1 and measures, with real clients:

- connect to the first screen: over SSH (asyncssh's client: connection, password check,
  the session's own process, the log list of anna, who is logged in by the server), and in
  the browser (Chromium: the page, the websocket, the session's process, the login screen);
- memory per session process, idle: at the browser's login screen, and over SSH at anna's log
  list; and with the largest list open: lene (who leads the largest unit of the large demo
  and reads thousands of logs) at her list, then after paging to its end. PSS counts shared pages once, split among the processes
  that share them; USS is what the process alone holds (what ending it gives back); RSS counts
  shared pages in full;
- how many sessions fit in 4 GB, from the PSS of idle sessions and the server's own.

The database must hold ``relaytui demo`` (small: anna and the figures of an idle session) or
``relaytui demo --size large`` (lene's largest list). Every demo password is ``demo``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pyte

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import asyncssh

HOME = "Search by name or national number"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Server:
    process: subprocess.Popen
    ssh_port: int
    web_url: str

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(db: str, state: Path, sessions: int, preload: bool = True) -> Server:
    # The server's log, to read when a figure goes wrong (RELAYTUI_BENCH_SERVER_LOG; the
    # state dir does not outlive the run). The child keeps its own copy of the file.
    with open(os.environ.get("RELAYTUI_BENCH_SERVER_LOG", os.devnull), "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "relaytui",
                "--db",
                db,
                "serve",
                "--ssh-port",
                "0",
                "--web-port",
                "0",
                "--state-dir",
                str(state),
                "--max-sessions",
                str(sessions),
                *([] if preload else ["--no-preload"]),
            ],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env={**os.environ, "RELAYTUI_LANG": "en"},
        )
    ssh_port, web_url = 0, ""
    assert process.stdout is not None
    for line in process.stdout:
        if found := re.search(r"SSH: listening on [\d.]+:(\d+)", line):
            ssh_port = int(found.group(1))
        if found := re.search(r"staff open (http://\S+)", line):
            web_url = found.group(1)
        if line.startswith("Serving"):
            return Server(process, ssh_port, web_url)
    raise RuntimeError("relaytui serve did not start")


def memory_of(pid: int) -> dict[str, float]:
    """PSS, USS and RSS of one process in MB (from /proc/PID/smaps_rollup)."""
    values: dict[str, int] = {}
    with open(f"/proc/{pid}/smaps_rollup") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                values[parts[0].rstrip(":")] = int(parts[1])
    uss = values.get("Private_Clean", 0) + values.get("Private_Dirty", 0)
    return {
        "pss": values.get("Pss", 0) / 1024,
        "uss": uss / 1024,
        "rss": values.get("Rss", 0) / 1024,
    }


def session_pids() -> list[int]:
    """The session processes: started as ``relaytui.server.session``, or forked by the spawner
    (which keep its command line, and are named relaytui-session)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as fh:
                command = fh.read()
            with open(f"/proc/{name}/comm", "rb") as fh:
                comm = fh.read().strip()
        except OSError:
            continue
        if b"relaytui.server.session" in command or (
            b"relaytui.server.spawner" in command and comm.startswith(b"relaytui-sess")
        ):
            found.append(int(name))
    return sorted(found)


def cpu_seconds(pids: list[int]) -> float:
    """User and system time the processes have used, in seconds (from /proc/PID/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


def spawner_pids() -> list[int]:
    out = subprocess.run(
        ["pgrep", "-f", "relaytui.server.spawner"], capture_output=True, text=True
    ).stdout
    sessions = set(session_pids())
    return [int(pid) for pid in out.split() if int(pid) not in sessions]


# --- SSH ------------------------------------------------------------------------------------


class Screen:
    def __init__(self, conn, process, width: int, height: int) -> None:
        self.conn, self.process = conn, process
        self.screen = pyte.Screen(width, height)
        self.stream = pyte.ByteStream(self.screen)
        self.changed = asyncio.Event()
        self.task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        while data := await self.process.stdout.read(65536):
            self.stream.feed(data)
            self.changed.set()

    def _changed_lines(self) -> str:
        """The lines written to since the last look: a typed key repaints one or two, and
        reading all forty for every chunk made the measuring client the busiest process."""
        dirty, self.screen.dirty = self.screen.dirty, set()
        return "\n".join(
            "".join(self.screen.buffer[y][x].data for x in range(self.screen.columns))
            for y in sorted(dirty)
        )

    async def shows(self, words: str, timeout: float = 30) -> float:
        """Wait until ``words`` are on the screen (checked on every byte that arrives); the
        moment they showed, by the monotonic clock."""
        deadline = time.monotonic() + timeout
        if words in self.text():
            return time.monotonic()
        while words not in self._changed_lines():
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{words!r} never showed:\n{self.text()}")
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                pass
        return time.monotonic()

    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def wait_for(self, pattern: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.text()):
                return self.text()
            await asyncio.sleep(0.01)
        raise TimeoutError(f"{pattern!r} never showed:\n{self.text()}")

    async def close(self) -> None:
        self.conn.close()
        await self.conn.wait_closed()


async def ssh_session(port: int, username: str, size=(120, 40)) -> tuple[Screen, float]:
    started = time.perf_counter()
    conn = await asyncssh.connect(
        "127.0.0.1",
        port,
        username=username,
        password="demo",
        known_hosts=None,
        client_keys=None,
        agent_path=None,
    )
    process = await conn.create_process(term_type="xterm-256color", term_size=size, encoding=None)
    screen = Screen(conn, process, *size)
    await screen.wait_for(r"\d+ shown")
    return screen, time.perf_counter() - started


# --- the browser ----------------------------------------------------------------------------


def browser_first_screens(url: str, count: int) -> list[float]:
    """Seconds from opening the page to the login screen, ``count`` times."""
    from urllib.parse import parse_qs, urlsplit

    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        for _n in range(count):
            context = browser.new_context(viewport={"width": 1100, "height": 720})
            page = context.new_page()
            holder: dict[str, pyte.ByteStream] = {}

            def socket(ws, holder=holder) -> None:
                query = parse_qs(urlsplit(ws.url).query)
                screen = pyte.Screen(int(query["width"][0]), int(query["height"][0]))
                holder["screen"] = screen
                stream = pyte.ByteStream(screen)
                ws.on(
                    "framereceived",
                    lambda data: stream.feed(data) if isinstance(data, bytes) else None,
                )

            page.on("websocket", socket)
            started = time.perf_counter()
            page.goto(url)
            while "screen" not in holder or "Username" not in "\n".join(holder["screen"].display):
                page.wait_for_timeout(5)
            times.append(time.perf_counter() - started)
            context.close()
            time.sleep(0.5)
        browser.close()
    return times


def browser_idle_sessions(url: str, count: int, settle: float) -> list[dict[str, float]]:
    """Memory of ``count`` browser sessions resting at the login screen."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        pages = []
        before = set(session_pids())
        for _n in range(count):
            page = browser.new_context(viewport={"width": 1100, "height": 720}).new_page()
            page.goto(url)
            pages.append(page)
        time.sleep(settle)
        found = [memory_of(pid) for pid in session_pids() if pid not in before]
        browser.close()
    return found


# --- the figures ----------------------------------------------------------------------------


async def ssh_figures(server: Server, repeat: int, idle: int, settle: float, largest: bool) -> dict:
    figures: dict = {}
    times = []
    for _n in range(repeat):
        screen, seconds = await ssh_session(server.ssh_port, "anna")
        times.append(seconds)
        await screen.close()
        await asyncio.sleep(0.5)
    figures["ssh_first_screen_s"] = times
    held = []
    before = set(session_pids())
    for _n in range(idle):
        screen, _seconds = await ssh_session(server.ssh_port, "anna")
        held.append(screen)
    await asyncio.sleep(settle)
    figures["ssh_idle"] = [memory_of(pid) for pid in session_pids() if pid not in before]
    for screen in held:
        await screen.close()
    if largest:
        before = set(session_pids())
        screen, seconds = await ssh_session(server.ssh_port, "lene")
        figures["largest_first_screen_s"] = seconds
        [pid] = [p for p in session_pids() if p not in before]
        await asyncio.sleep(settle)
        figures["largest_first_page"] = memory_of(pid)
        shown, still = 0, 0
        started = time.perf_counter()
        while still < 4:  # the count stood still for two seconds: the list is whole
            screen.process.stdin.write(b"\x1b[F")  # End: the list loads what follows
            await asyncio.sleep(0.5)
            found = re.search(r"([\d,.]+) shown", screen.text())
            now = int(re.sub(r"\D", "", found.group(1))) if found else 0
            still = still + 1 if now == shown else 0
            shown = now
        figures["largest_rows"] = shown
        figures["largest_paging_s"] = time.perf_counter() - started
        await asyncio.sleep(settle)
        figures["largest_whole_list"] = memory_of(pid)
        await screen.close()
    return figures


# --- many people typing minutes at once -------------------------------------------------------


def typists_of(db: str, count: int) -> list[tuple[str, str]]:
    """``count`` caseworkers of the large demo (username, subject's name), each holding an open
    log with exactly one meeting, a planned one, whose minutes they will write."""
    from sqlalchemy import text

    from relaytui.db import open_store

    store = open_store(db)
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(
                text("""
                SELECT st.username, s.name FROM relay_log l
                JOIN staff st ON st.id = l.holder_id JOIN subject s ON s.id = l.subject_id
                WHERE l.status <> 'closed' AND st.role = 'caseworker' AND st.username <> 'anna'
                  AND (SELECT count(*) FROM meeting m WHERE m.log_id = l.id) = 1
                  AND (SELECT count(*) FROM meeting m WHERE m.log_id = l.id AND m.status = 'planned'
                       AND m.minutes_finished_at IS NULL) = 1
                ORDER BY l.id
            """)
            ).all()
    finally:
        store.dispose()
    chosen, seen = [], set()
    for username, name in rows:
        if username not in seen:
            seen.add(username)
            chosen.append((username, name))
        if len(chosen) == count:
            break
    return chosen


async def to_minutes(port: int, username: str, subject: str) -> Screen:
    """Log in over SSH, find the log by its subject's name, open it, its meetings, the minutes."""
    screen, _seconds = await ssh_session(port, username)
    write = screen.process.stdin.write
    await asyncio.sleep(1.0)  # the list has its rows and its keys
    write(b"/")
    await asyncio.sleep(0.5)
    write(subject.encode("utf-8"))
    await screen.wait_for(r"(?<![\d,.])1 shown", timeout=30)
    write(b"\x1b")  # Escape: from the search to the list
    await asyncio.sleep(0.2)
    # A loaded server may take a key before the screen is ready for it: pressed again until
    # what it opens shows.
    await press_until(screen, b"\r", "Holder:")  # open the log
    await press_until(screen, b"4", "Mødelokale 2")  # the Meetings tab
    await press_until(screen, b"\r", "Type a line")  # the meeting's minutes
    await asyncio.sleep(0.5)
    return screen


async def press_until(screen: Screen, key: bytes, words: str, tries: int = 20) -> None:
    for _n in range(tries):
        screen.process.stdin.write(key)
        try:
            await screen.shows(words, timeout=8)
            return
        except TimeoutError:
            continue
    raise TimeoutError(f"{words!r} never showed:\n{screen.text()}")


async def type_minutes(screen: Screen, words: str, pause: float, latencies: list[float]) -> None:
    """Type ``words`` a key at a time, ``pause`` seconds apart (a quick typist), each key timed
    from its sending to the screen showing it."""
    for end in range(1, len(words) + 1):
        sent = time.monotonic()
        screen.process.stdin.write(words[end - 1].encode("utf-8"))
        if words[end - 1] == " ":  # a space shows before it is echoed: not timed
            await asyncio.sleep(pause)
            continue
        shown = await screen.shows(words[:end], timeout=30)
        latencies.append((shown - sent) * 1000)
        await asyncio.sleep(max(0.0, pause - (shown - sent)))


async def typing_figures(server: Server, db: str, count: int, keys: int, pause: float) -> dict:
    typists = typists_of(db, count)
    if len(typists) < count:
        raise RuntimeError(f"only {len(typists)} caseworkers with one planned meeting in this demo")
    screens: list[Screen] = []
    gate = asyncio.Semaphore(4)  # logins at a pace the password hashing allows

    async def one(username: str, subject: str) -> Screen:
        async with gate:
            return await to_minutes(server.ssh_port, username, subject)

    started = time.perf_counter()
    screens = list(await asyncio.gather(*(one(u, s) for u, s in typists)))
    ready = time.perf_counter() - started
    latencies: list[float] = []
    # Each typist's line begins with their number, so that every screen's text is its own.
    line = "Mother says the mornings go better now, and Bo sleeps until seven. " * 4
    words = [f"{n:02d} {line}"[:keys] for n in range(count)]
    sessions = session_pids()
    others = [server.process.pid, *spawner_pids()]
    cpu_before = (cpu_seconds(sessions), cpu_seconds(others), time.process_time())
    typing = time.perf_counter()
    await asyncio.gather(
        *(
            type_minutes(screen, text[:keys], pause, latencies)
            for screen, text in zip(screens, words, strict=True)
        )
    )
    typed = time.perf_counter() - typing
    cpu_after = (cpu_seconds(sessions), cpu_seconds(others), time.process_time())
    sessions_cpu, server_cpu, client_cpu = (
        after - before for after, before in zip(cpu_after, cpu_before, strict=True)
    )
    memory = [memory_of(pid) for pid in session_pids()]
    for screen in screens:
        await screen.close()
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]

    return {
        "typists": count,
        "keys": len(latencies),
        "seconds_to_all_minutes": ready,
        "typing_s": typed,
        "keys_per_s": len(latencies) / typed,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": ordered[-1],
        "session_pss_mb": summary(memory, "pss"),
        # Where the machine's time went while they typed, per timed key: the sessions (Textual,
        # the draft, the hints), the server relaying SSH, and this measuring client.
        "cpu_ms_per_key_sessions": sessions_cpu * 1000 / max(1, len(latencies)),
        "cpu_ms_per_key_server": server_cpu * 1000 / max(1, len(latencies)),
        "cpu_ms_per_key_client": client_cpu * 1000 / max(1, len(latencies)),
        "cores_busy": (sessions_cpu + server_cpu + client_cpu) / typed,
    }


def summary(values: list[dict[str, float]], key: str) -> float:
    return statistics.median(v[key] for v in values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", required=True, help="an SQLite file or a PostgreSQL URL with the demo"
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--idle", type=int, default=10, help="idle sessions held at once per client"
    )
    parser.add_argument(
        "--settle", type=float, default=3.0, help="seconds to wait before reading memory"
    )
    parser.add_argument(
        "--largest", action="store_true", help="lene's largest list (the large demo)"
    )
    parser.add_argument(
        "--no-preload",
        action="store_true",
        help="every session a new Python (relaytui serve --no-preload), to compare",
    )
    parser.add_argument(
        "--typists",
        type=int,
        default=0,
        help="only this: so many SSH sessions typing minutes at once (the large demo)",
    )
    parser.add_argument("--keys", type=int, default=30, help="keys each typist types")
    parser.add_argument(
        "--pause", type=float, default=0.2, help="seconds between one typist's keys"
    )
    args = parser.parse_args()

    if args.typists:
        with tempfile.TemporaryDirectory() as state:
            server = start(
                args.db, Path(state), sessions=args.typists + 10, preload=not args.no_preload
            )
            try:
                found = asyncio.run(
                    typing_figures(server, args.db, args.typists, args.keys, args.pause)
                )
            finally:
                server.stop()
        print(json.dumps(found, indent=1))
        print("| figure | measured |")
        print("|---|---|")
        print(
            f"| {found['typists']} SSH sessions typing minutes at once, {found['keys']} keys "
            f"({found['keys_per_s']:.0f} keys/s together): key to repaint p50 / p95 / p99 | "
            f"{found['p50_ms']:.0f} / {found['p95_ms']:.0f} / {found['p99_ms']:.0f} ms |"
        )
        print(f"| a typing session's memory (PSS, median) | {found['session_pss_mb']:.0f} MB |")
        print(
            "| CPU per key: the sessions / the server / this client | "
            f"{found['cpu_ms_per_key_sessions']:.1f} / {found['cpu_ms_per_key_server']:.1f} / "
            f"{found['cpu_ms_per_key_client']:.1f} ms ({found['cores_busy']:.2f} cores busy) |"
        )
        return

    with tempfile.TemporaryDirectory() as state:
        server = start(
            args.db, Path(state), sessions=max(50, 2 * args.idle + 5), preload=not args.no_preload
        )
        try:
            time.sleep(1)
            server_own = memory_of(server.process.pid)
            spawner = [memory_of(pid) for pid in spawner_pids()]
            figures = asyncio.run(
                ssh_figures(server, args.repeat, args.idle, args.settle, args.largest)
            )
            figures["web_first_screen_s"] = browser_first_screens(server.web_url, args.repeat)
            figures["web_idle"] = browser_idle_sessions(server.web_url, args.idle, args.settle)
            figures["server"] = server_own
            figures["spawner"] = spawner[0] if spawner else {"pss": 0.0, "uss": 0.0, "rss": 0.0}
        finally:
            server.stop()

    idle = figures["ssh_idle"] + figures["web_idle"]
    per_session = summary(idle, "pss")
    fixed = figures["server"]["pss"] + figures["spawner"]["pss"]
    fits = int((4096 - fixed) // per_session) if per_session == per_session else 0
    print(json.dumps(figures, indent=1, default=float), file=sys.stderr)
    rows = [
        (
            "connect to the log list over SSH (anna, median)",
            f"{statistics.median(figures['ssh_first_screen_s']):.2f} s",
            "≤ 1 s",
        ),
        (
            "open the page to the login screen (browser, median)",
            f"{statistics.median(figures['web_first_screen_s']):.2f} s",
            "≤ 1 s",
        ),
        (
            "idle session at the login screen (browser): PSS / USS / RSS",
            f"{summary(figures['web_idle'], 'pss'):.0f} / {summary(figures['web_idle'], 'uss'):.0f} / "
            f"{summary(figures['web_idle'], 'rss'):.0f} MB",
            "≤ 80 MB",
        ),
        (
            "idle session at anna's list (SSH): PSS / USS / RSS",
            f"{summary(figures['ssh_idle'], 'pss'):.0f} / {summary(figures['ssh_idle'], 'uss'):.0f} / "
            f"{summary(figures['ssh_idle'], 'rss'):.0f} MB",
            "≤ 80 MB",
        ),
        (
            "the server itself / the spawner: PSS",
            f"{figures['server']['pss']:.0f} / {figures['spawner']['pss']:.0f} MB",
            "-",
        ),
        ("sessions in 4 GB (idle, by PSS)", str(fits), "-"),
    ]
    if args.largest:
        rows += [
            (
                "lene's list (the largest unit) over SSH: connect to the first screen",
                f"{figures['largest_first_screen_s']:.2f} s",
                "-",
            ),
            (
                "lene's list, first page: PSS / USS / RSS",
                "{pss:.0f} / {uss:.0f} / {rss:.0f} MB".format(**figures["largest_first_page"]),
                "-",
            ),
            (
                f"lene's list paged to its end ({figures['largest_rows']} rows in "
                f"{figures['largest_paging_s']:.1f} s): PSS / USS / RSS",
                "{pss:.0f} / {uss:.0f} / {rss:.0f} MB".format(**figures["largest_whole_list"]),
                "≤ 250 MB",
            ),
        ]
    print("| figure | measured | goal |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
