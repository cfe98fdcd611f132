"""``python -m benchmarks.family [--db URL] [--repeat N]``: what a page of the family view
costs (issue 15), on the medium demo (10,000 logs) unless a database is given.

For 20 logs of the demo, a guardian with custody gets a national number; then, per log, the
services the pages call (my logs, one log, the copy) and the whole page through the Starlette
application in this process (templates, headers; the visit made directly, the OIDC login left
out, as it happens once per visit). Medians and 95th percentiles in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path


def _numbered_guardians(store, count: int) -> list[tuple[str, int]]:
    """(number, log id) for ``count`` open logs with the most entries: a guardian with custody
    of each gets a made-up valid number."""
    from sqlalchemy import func
    from sqlmodel import col, select
    from stdnum.dk import cpr

    from relaytui.models import Entry, Guardian, RelayLog

    found = []
    with store.session(write=True) as session:
        busiest = session.exec(
            select(RelayLog.id, RelayLog.subject_id)
            .join(Entry, col(Entry.log_id) == RelayLog.id)
            .where(RelayLog.status != "closed")
            .group_by(col(RelayLog.id), col(RelayLog.subject_id))
            .order_by(func.count(col(Entry.id)).desc())
            .limit(count * 3)
        ).all()
        for serial, (log_id, subject_id) in enumerate(busiest):
            guardian = session.exec(
                select(Guardian).where(
                    Guardian.subject_id == subject_id, col(Guardian.has_custody).is_(True)
                )
            ).first()
            if guardian is None:
                continue
            born = date(1980, 1, 1 + serial % 28)
            guardian.national_number = cpr.validate(f"{born:%d%m%y}{1000 + serial:04d}")
            found.append((guardian.national_number, log_id))
            if len(found) == count:
                break
    return found


def _timed(run: Callable[[], object], repeat: int) -> list[float]:
    run()
    times = []
    for _n in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _figure(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"| {name} | {statistics.median(times):.1f} | {p95:.1f} | {len(times)} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a database with demo data (default: a new medium demo)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from starlette.testclient import TestClient

    from relaytui.db import open_store
    from relaytui.documents import render
    from relaytui.server.family.site import VISIT_COOKIE, FamilySettings, FamilySite
    from relaytui.services import family

    db = args.db
    if db is None:
        db = str(Path(tempfile.mkdtemp()) / "medium.db")
        subprocess.run(
            [sys.executable, "-m", "relaytui", "--db", db, "demo", "--size", "medium"],
            check=True,
            capture_output=True,
        )
    store = open_store(db)
    people = _numbered_guardians(store, 20)
    site = FamilySite(
        store,
        FamilySettings(
            public_url="http://127.0.0.1:1",
            issuer="http://127.0.0.1:1",
            client_id="bench",
            client_secret="bench",
        ),
    )
    client = TestClient(site.app, base_url="http://127.0.0.1:1")
    rows: dict[str, list[float]] = {}
    for number, log_id in people:
        who = family.FamilyRef(number, "Guardian")
        client.cookies.set(VISIT_COOKIE, site.visits.begin(who))
        for name, run in (
            ("services: my logs", lambda w=who: family.my_logs(store, w)),
            ("services: one log", lambda w=who, i=log_id: family.read_log(store, w, i)),
            (
                "services: the copy, as PDF",
                lambda w=who, i=log_id: render(family.copy_of_log(store, w, i), "pdf"),
            ),
            ("page: /logs", lambda: client.get("/logs")),
            ("page: /logs/N", lambda i=log_id: client.get(f"/logs/{i}")),
        ):
            rows.setdefault(name, []).extend(_timed(run, args.repeat))
        page = client.get(f"/logs/{log_id}")
        assert page.status_code == 200, page.text[:500]
    print(f"family view on {store.url} ({len(people)} logs, {args.repeat} rounds each)\n")
    print("| what | median ms | p95 ms | n |\n|---|---|---|---|")
    for name, times in rows.items():
        print(_figure(name, times))
    store.dispose()


if __name__ == "__main__":
    main()
