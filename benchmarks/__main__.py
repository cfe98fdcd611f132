"""``python -m benchmarks --db URL [--db URL ...] [--repeat N]``: every figure, per store.

The database must hold ``relaytui demo --size large`` (or medium, for a quick look): the
figures act as ``lene`` (leader of the largest unit, who reads thousands of logs) and
``anna`` (a caseworker who holds the logs with 1,000 entries).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.queries import Figure, Raw, paired_ms

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {
    "list": 50.0,
    "dashboard": 50.0,
    "open": 100.0,
    "key": 16.0,
    "cold": 800.0,
    "memory": 250.0,
}


def _child(*args: str) -> dict:
    """Run ``python -m benchmarks.ui ...`` and read its JSON line."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.ui", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks.ui {args[0]} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def import_time(repeat: int) -> float:
    code = (
        "import time; t = time.perf_counter(); import relaytui.cli; print(time.perf_counter() - t)"
    )
    times = []
    for _n in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
        )
        times.append(float(out.stdout) * 1000)
    return statistics.median(times)


def cold_start(url: str, repeat: int) -> float:
    times = []
    for _n in range(repeat):
        times.append(_child("cold", url, repr(time.time()))["seconds"] * 1000)
    return statistics.median(times)


def query_figures(url: str, repeat: int) -> tuple[list[Figure], dict]:
    from sqlmodel import select

    from relaytui.db import open_store
    from relaytui.models import Meeting, RelayLog, Staff, Subject
    from relaytui.services import dashboard, log_list, logs, sign_in
    from relaytui.services.log_list import LogQuery

    store = open_store(url)
    raw = Raw(store)
    lene = sign_in.authenticate(store, "lene", "demo")
    anna = sign_in.authenticate(store, "anna", "demo")
    with store.session() as session:
        long_log = session.exec(
            select(RelayLog.id)
            .where(RelayLog.holder_id == anna.id, RelayLog.status == "active")
            .order_by(RelayLog.id)
        ).first()
        meeting = session.exec(
            select(Meeting.id)
            .where(Meeting.convened_by == anna.id, Meeting.status == "planned")
            .order_by(Meeting.starts_at)
        ).first()
        staff_count = len(session.exec(select(Staff.id)).all())
        logs_count = len(session.exec(select(RelayLog.id)).all())
    first = log_list.list_page(store, lene, LogQuery(), limit=50)
    middle = first.rows[len(first.rows) // 2]
    with store.session() as session:
        number = session.exec(
            select(Subject.national_number).where(Subject.id == middle.subject_id)
        ).one()
    prefix = middle.subject_name.split()[0][:3]
    after_key = (middle.subject_name.lower(), middle.id)  # raw SQL's keyset for "next page"
    last = first.rows[-1]
    raw_after = (last.subject_name.lower(), last.id)

    figures: list[Figure] = []

    def both(name: str, ours, theirs, target: float) -> None:
        figures.append(Figure(name, *paired_ms(ours, theirs, repeat), target))

    both(
        "log list: first page",
        lambda: log_list.list_page(store, lene, LogQuery(), limit=50),
        lambda: raw.list_page(lene.id),
        TARGETS["list"],
    )
    both(
        "log list: next page",
        lambda: log_list.list_page(store, lene, LogQuery(), after=first.next_cursor, limit=50),
        lambda: raw.list_page(lene.id, after=raw_after),
        TARGETS["list"],
    )
    both(
        f"search: name prefix '{prefix}'",
        lambda: log_list.list_page(store, lene, LogQuery(search=prefix)),
        lambda: raw.list_page(
            lene.id, where="AND s.name_key LIKE :q", params={"q": f"%{prefix.lower()}%"}
        ),
        TARGETS["list"],
    )
    both(
        "search: national number (6 digits)",
        lambda: log_list.list_page(store, lene, LogQuery(search=number[:6])),
        lambda: raw.list_page(
            lene.id, where="AND s.national_number LIKE :q", params={"q": number[:6] + "%"}
        ),
        TARGETS["list"],
    )
    filters = [
        ("filter: role holder", LogQuery(role="holder"), "AND l.holder_id = :me"),
        ("filter: role actor", LogQuery(role="actor"), "AND l.holder_id <> :me"),
        ("filter: level 2", LogQuery(level=2), "AND l.level = 2"),
        (
            "filter: attention overdue",
            LogQuery(attention="overdue"),
            "AND " + Raw.ATTENTION["overdue"],
        ),
        ("filter: attention consent", LogQuery(attention="consent"), "AND NOT " + raw.consent_ok()),
        (
            "filter: attention handover",
            LogQuery(attention="handover"),
            "AND " + Raw.ATTENTION["handover"],
        ),
        (
            "filter: attention meeting soon",
            LogQuery(attention="meeting_soon"),
            "AND " + Raw.ATTENTION["meeting_soon"],
        ),
    ]
    for name, query, where in filters:
        both(
            name,
            lambda q=query: log_list.list_page(store, lene, q),
            lambda w=where: raw.list_page(lene.id, where=w),
            TARGETS["list"],
        )
    both(
        "dashboard: caseworker (anna)",
        lambda: dashboard.my_figures(store, anna),
        lambda: raw.figures("holder_id", anna.id),
        TARGETS["dashboard"],
    )
    both(
        "dashboard: leader of the largest unit (lene)",
        lambda: dashboard.unit_figures(store, lene),
        lambda: raw.figures("unit_id", lene.unit_id),
        TARGETS["dashboard"],
    )

    def open_log():
        return logs.open_log(store, anna, long_log).entries  # as the log view opens it

    both(
        "open a log with 1,000 entries",
        open_log,
        lambda: raw.open_log(anna.id, long_log, anna.username),
        TARGETS["open"],
    )
    context = {
        "meeting": meeting,
        "staff": staff_count,
        "logs": logs_count,
        "after_key": after_key,
        "entries_shown": len(open_log()),
    }
    store.dispose()
    return figures, context


def machine() -> str:
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor()
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def run(url: str, repeat: int, queries_only: bool = False) -> list[Figure]:
    from relaytui.db_url import safe_url

    print(f"\n== {safe_url(url)} ==", flush=True)
    figures, context = query_figures(url, repeat)
    if queries_only:
        return figures
    figures.append(Figure("import relaytui.cli", import_time(min(repeat, 7)), target_ms=None))
    figures.append(
        Figure(
            "cold start to the login screen",
            cold_start(url, min(repeat, 7)),
            target_ms=TARGETS["cold"],
        )
    )
    if context["meeting"] is not None:
        delays = _child("keys", url, "anna", str(context["meeting"]), str(max(repeat, 20)))["ms"]
        figures.append(
            Figure(
                "minutes editor: key press to repaint",
                statistics.median(delays),
                target_ms=TARGETS["key"],
                note=f"p90 {sorted(delays)[int(len(delays) * 0.9)]:.1f} ms",
            )
        )
    mem = _child("memory", url, "lene")
    figures.append(
        Figure(
            "peak memory after paging the whole list (MB)",
            mem["peak_mb"],
            target_ms=TARGETS["memory"],
            note=f"{mem['rows']} rows in {mem['seconds']:.1f} s",
        )
    )
    print(
        f"{context['logs']} logs, {context['staff']} staff; figures as medians of {repeat} runs",
        flush=True,
    )
    return figures


def table(results: dict[str, list[Figure]]) -> str:
    stores = list(results)
    head = "| figure | " + " | ".join(f"{s} | raw SQL | ratio" for s in stores) + " | target |"
    lines = [head, "|" + "---|" * (2 + 3 * len(stores))]
    for row, figure in enumerate(results[stores[0]]):
        cells = [figure.name]
        for store in stores:
            f = results[store][row]
            unit = "" if "MB" in f.name else " ms"
            cells.append(f"{f.ours_ms:.1f}{unit}" + (f" ({f.note})" if f.note else ""))
            cells.append(f"{f.raw_ms:.1f} ms" if f.raw_ms else "-")
            cells.append(f"{f.ratio:.2f}" if f.ratio else "-")
        target = figure.target_ms
        cells.append(
            "-"
            if target is None
            else (f"≤ {target:.0f} MB" if "MB" in figure.name else f"≤ {target:.0f} ms")
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--db", action="append", required=True, help="a database URL or SQLite path (repeatable)"
    )
    parser.add_argument(
        "--repeat", type=int, default=15, help="runs per figure (the median is shown)"
    )
    parser.add_argument(
        "--queries-only",
        action="store_true",
        help="only the query-backed figures (a quick look while working on a query)",
    )
    args = parser.parse_args()
    results: dict[str, list[Figure]] = {}
    for url in args.db:
        kind = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        results[kind if kind not in results else url] = run(url, args.repeat, args.queries_only)
        for f in results[list(results)[-1]]:
            ratio = f"  ratio {f.ratio:.2f}" if f.ratio else ""
            raw = f"  raw {f.raw_ms:7.1f}" if f.raw_ms else ""
            mark = (
                ""
                if f.target_ms is None
                else ("  ok" if f.ours_ms <= f.target_ms else "  OVER TARGET")
            )
            print(f"  {f.name:48s} {f.ours_ms:8.1f}{raw}{ratio}{mark} {f.note}", flush=True)
    print("\nMachine:", machine())
    print(table(results))


if __name__ == "__main__":
    main()
