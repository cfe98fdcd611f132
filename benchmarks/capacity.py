"""``python -m benchmarks.capacity --db postgresql+psycopg://.../relaytui_bench``: how many
caseworkers one PostgreSQL store carries at once (issue 18).

The database must hold the large demo (``relaytui demo --size large``). It is copied first
(``CREATE DATABASE ... TEMPLATE``), and everything runs on the copy, which is dropped at the
end: the replay writes entries and audit events, and replays the same audit event many times.

Four actions, as the app does them: opening a log (its header and its journal, two audited
reads), writing an entry, a page of the log list, and accepting a handover. For each action
the statements the services send are **captured** from the app (SQLAlchemy's cursor events,
the values rendered by psycopg), one script per instance (a different caseworker and log
each), and replayed by ``pgbench`` with 1, 8, 32 and 64 clients: a client that costs next to
nothing, so the figures are the store's. The same actions are then run through the services
in 1, 8, 32 and 64 processes, which adds the client's Python.

Figures: transactions (actions) per second and p50/p95/p99 latency per action.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ACTIONS = ("open a log", "write an entry", "list page", "accept a handover")
CLIENTS = (1, 8, 32, 64)
#: Different instances (caseworker and log) per action, one pgbench script each.
INSTANCES = 64


# --- the copy ------------------------------------------------------------------------------


def _pg_params(url: str) -> dict:
    from relaytui.db_url import pg_params

    return pg_params(url)


def _admin_connect(url: str):
    import psycopg

    params = dict(_pg_params(url))
    params["dbname"] = "postgres"
    return psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True)


@contextmanager
def copy_of(url: str, name: str = "relaytui_capacity"):
    """A throwaway copy of the demo database; yields its URL."""
    source = _pg_params(url)["dbname"]
    with _admin_connect(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # left by a run cut short
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    copy_url = url.rsplit("/", 1)[0] + "/" + name
    try:
        yield copy_url
    finally:
        with _admin_connect(url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the instances -------------------------------------------------------------------------


@dataclass
class Instance:
    """One caseworker and what they act on; ``partner`` holds another open log in the same
    unit and proposes it to this caseworker (``handover_id``), for "accept a handover"."""

    staff_id: int
    log_id: int
    handover_id: int | None = None
    partner_id: int | None = None
    partner_log_id: int | None = None


def instances(store, count: int) -> list[Instance]:
    """``count`` caseworkers, each holding an open log, and for each a handover proposed by
    another of them in the same unit (a handover within the unit needs no consent)."""
    from sqlalchemy import text

    with store.engine.connect() as conn:
        rows = conn.execute(
            text("""
            SELECT DISTINCT ON (l.holder_id) l.holder_id, l.id, s.unit_id
            FROM relay_log l JOIN staff s ON s.id = l.holder_id
            WHERE l.status <> 'closed' AND s.role = 'caseworker' AND s.active AND NOT s.locked
              AND NOT EXISTS (SELECT 1 FROM handover h WHERE h.log_id = l.id AND h.status = 'pending')
            ORDER BY l.holder_id, l.id
        """)
        ).all()
    rng = random.Random(18)
    rng.shuffle(rows)
    by_unit: dict[int, list] = {}
    for row in rows:
        by_unit.setdefault(row[2], []).append(row)
    chosen: list[Instance] = []
    # Pairs from the same unit: each proposes their log to the other.
    for members in by_unit.values():
        for first, second in zip(members[0::2], members[1::2], strict=False):
            chosen.append(
                Instance(first[0], first[1], partner_id=second[0], partner_log_id=second[1])
            )
            chosen.append(
                Instance(second[0], second[1], partner_id=first[0], partner_log_id=first[1])
            )
        if len(chosen) >= count:
            break
    chosen = chosen[:count]
    refs = refs_of(store, chosen)
    for instance in chosen:
        instance.handover_id = propose(store, refs, instance)
    return chosen


def propose(store, refs: dict, instance: Instance) -> int:
    """The partner proposes their log to the caseworker; the handover's id."""
    from relaytui.services import handover

    giver = (
        refs.get(instance.partner_id)
        or refs_of_ids(store, [instance.partner_id])[instance.partner_id]
    )
    return handover.propose(store, giver, instance.partner_log_id, to_staff_id=instance.staff_id).id


def refs_of_ids(store, ids) -> dict[int, object]:
    from relaytui.models import Staff
    from relaytui.services import access

    with store.session() as session:
        return {i: access.to_ref(session.get(Staff, i)) for i in ids}


def refs_of(store, chosen: list[Instance]) -> dict[int, object]:
    ids = {i.staff_id for i in chosen} | {i.partner_id for i in chosen if i.partner_id is not None}
    return refs_of_ids(store, ids)


def action_call(name: str, store, ref, instance: Instance) -> Callable[[], object]:
    """The services an action calls, as the screen calls them."""
    from relaytui.services import handover, journal, log_list, logs
    from relaytui.services.log_list import LogQuery

    if name == "open a log":
        return lambda: logs.open_log(store, ref, instance.log_id)  # as the log view opens it
    if name == "write an entry":
        return lambda: journal.write_entry(
            store, ref, instance.log_id, text="Mother says the mornings go better."
        )
    if name == "list page":
        return lambda: log_list.list_page(store, ref, LogQuery(), limit=50)
    if name == "accept a handover":
        return lambda: handover.accept(store, ref, instance.handover_id)
    raise ValueError(name)


# --- capturing the statements ----------------------------------------------------------------


@dataclass
class Capture:
    statements: list[str] = field(default_factory=list)
    open: bool = False


@contextmanager
def capturing(store):
    """Every statement the engine sends, with its values, and the transactions around them."""
    import psycopg
    from sqlalchemy import event

    found = Capture()

    def rendered(cursor, statement, parameters) -> str:
        client = psycopg.ClientCursor(cursor.connection)
        return client.mogrify(statement, parameters) if parameters else statement

    def before(conn, cursor, statement, parameters, context, executemany):
        if not found.open:
            found.statements.append("BEGIN")
            found.open = True
        if executemany:
            for one in parameters:
                found.statements.append(rendered(cursor, statement, one))
        else:
            found.statements.append(rendered(cursor, statement, parameters))

    def ended(word):
        def hook(conn):
            if found.open:
                found.statements.append(word)
                found.open = False

        return hook

    commit, rollback = ended("COMMIT"), ended("ROLLBACK")
    event.listen(store.engine, "before_cursor_execute", before)
    event.listen(store.engine, "commit", commit)
    event.listen(store.engine, "rollback", rollback)
    try:
        yield found
    finally:
        event.remove(store.engine, "before_cursor_execute", before)
        event.remove(store.engine, "commit", commit)
        event.remove(store.engine, "rollback", rollback)


#: An audit event's id is taken from the sequence before it is written (its hash holds it):
#: replayed, the captured id would be a duplicate, so the replay takes a new one.
_AUDIT_ID = re.compile(r"^(INSERT INTO audit_event \(id,.*?VALUES \()\d+(?:::INTEGER)?,", re.S)


def replayable(sql: str) -> str:
    return _AUDIT_ID.sub(r"\1nextval('audit_event_id_seq'),", sql.strip())


def script(statements: list[str]) -> str:
    """A pgbench script: one statement per command, each ended by a semicolon."""
    return "".join(f"{replayable(sql).rstrip(';')};\n" for sql in statements)


#: What the audit adds to an action: the chain's lock, the ids, the events, the chain's head.
_AUDIT_STATEMENT = re.compile(
    r"pg_advisory_xact_lock|nextval\(pg_get_serial_sequence\('audit_event'|INSERT INTO audit_event|"
    r"(?:UPDATE|INSERT INTO) setting\b.*audit_head|FROM setting \nWHERE setting.key = 'audit_head",
    re.S,
)


def without_audit(statements: list[str]) -> list[str]:
    """A diagnostic, not a mode of the product: the same reads and writes with nothing written
    to the audit trail, to measure the ceiling the machine sets without it."""
    return [sql for sql in statements if not _AUDIT_STATEMENT.search(sql)]


def capture_scripts(
    store, name: str, chosen: list[Instance], refs: dict, folder: Path, audit: bool = True
) -> list[Path]:
    paths = []
    for number, instance in enumerate(chosen):
        if name == "accept a handover" and instance.handover_id is None:
            continue
        call = action_call(name, store, refs[instance.staff_id], instance)
        with capturing(store) as found:
            call()
        path = folder / f"{name.replace(' ', '_')}_{number:02d}.sql"
        path.write_text(
            script(found.statements if audit else without_audit(found.statements)), encoding="utf-8"
        )
        paths.append(path)
    return paths


# --- pgbench -----------------------------------------------------------------------------


@dataclass
class Result:
    action: str
    way: str  # "pgbench" or "app"
    clients: int
    rate: float
    p50: float
    p95: float
    p99: float
    errors: int = 0

    def row(self) -> dict:
        return self.__dict__


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def run_pgbench(
    url: str, name: str, scripts: list[Path], clients: int, seconds: int, rate: float | None = None
) -> Result:
    """``rate``: actions per second asked of all clients together (pgbench ``--rate``), as
    people who pause between actions; each latency then counts the wait for a free client
    (the schedule lag) too. Without it, clients run flat out."""
    params = _pg_params(url)
    work = Path(tempfile.mkdtemp(prefix="relaytui-pgbench-"))
    try:
        command = [
            "pgbench",
            "-n",
            "-c",
            str(clients),
            "-j",
            str(min(clients, 4)),
            "-T",
            str(seconds),
            "-l",
            f"--log-prefix={work}/tx",
            "-h",
            params.get("host") or "127.0.0.1",
            "-p",
            str(params.get("port") or 5432),
            "-U",
            params.get("user") or "postgres",
        ]
        if rate:
            command += ["--rate", str(rate)]
        for path in scripts:
            command += ["-f", f"{path}@1"]
        command.append(params["dbname"])
        env = dict(os.environ)
        if params.get("password"):
            env["PGPASSWORD"] = params["password"]
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        if done.returncode not in (0, 2):  # 2: some transactions failed; counted below
            raise RuntimeError(f"pgbench failed:\n{done.stderr[-2000:]}")
        latencies = []
        for log in work.glob("tx*"):
            for line in log.read_text().splitlines():
                parts = line.split()
                if len(parts) >= 6 and parts[2] not in ("skipped", "failed"):
                    lag = int(parts[6]) if rate and len(parts) >= 7 else 0
                    latencies.append((int(parts[2]) + lag) / 1000)
        tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", done.stdout)
        failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
        done_rate = float(tps.group(1)) if tps else len(latencies) / seconds
        way = "pgbench" + (f" at {rate:g}/s" if rate else "")
        return Result(
            name,
            way,
            clients,
            done_rate,
            percentile(latencies, 50),
            percentile(latencies, 95),
            percentile(latencies, 99),
            int(failed.group(1)) if failed else 0,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- the app's own code, in processes -----------------------------------------------------


def _app_worker(url: str, name: str, instance: Instance, seconds: float, ready, go, queue) -> None:
    """One caseworker's process: the action again and again on their own log, as one person
    works. "Accept a handover" alternates: the partner proposes (not timed), the caseworker
    accepts (timed), then the other way round."""
    from relaytui.db import open_store
    from relaytui.services import handover, log_list
    from relaytui.services.log_list import LogQuery

    store = open_store(url)
    refs = refs_of(store, [instance])
    try:  # connect, warm the caches
        log_list.list_page(store, refs[instance.staff_id], LogQuery(), limit=5)
    finally:
        ready.put(1)
    go.wait()  # every process is ready: they start together
    latencies, errors = [], 0
    end = time.time() + seconds
    me, other, pending = instance.staff_id, instance.partner_id, instance.handover_id
    other_log = instance.partner_log_id
    while time.time() < end:
        if name == "accept a handover":
            if pending is None:
                pending = handover.propose(store, refs[other], other_log, to_staff_id=me).id
            call = partial(handover.accept, store, refs[me], pending)
        else:
            call = action_call(name, store, refs[me], instance)
        began = time.perf_counter()
        try:
            call()
        except Exception:  # noqa: BLE001 - counted; the figures say how many
            errors += 1
        latencies.append((time.perf_counter() - began) * 1000)
        if name == "accept a handover":
            # The log just taken is offered back: the roles swap.
            me, other, pending = other, me, None
    store.dispose()
    queue.put((latencies, errors))


def run_app(url: str, name: str, chosen: list[Instance], processes: int, seconds: int) -> Result:
    context = multiprocessing.get_context("spawn")
    queue, ready, go = context.Queue(), context.Queue(), context.Event()
    workers = [
        context.Process(
            target=_app_worker, args=(url, name, chosen[n % len(chosen)], seconds, ready, go, queue)
        )
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    for _worker in workers:
        ready.get()
    go.set()
    latencies, errors = [], 0
    for _worker in workers:
        found, failed = queue.get(timeout=seconds + 300)
        latencies += found
        errors += failed
    for worker in workers:
        worker.join()
    return Result(
        name,
        "app",
        processes,
        len(latencies) / seconds,
        percentile(latencies, 50),
        percentile(latencies, 95),
        percentile(latencies, 99),
        errors,
    )


# --- the report ----------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    lines = [
        "| action | way | clients | actions/s | p50 ms | p95 ms | p99 ms | vs 1 client |",
        "|---|---|---|---|---|---|---|---|",
    ]
    single = {(r.action, r.way): r.rate for r in results if r.clients == 1}
    for r in results:
        base = single.get((r.action, r.way))
        scale = f"{r.rate / base:.1f}×" if base else "-"
        lines.append(
            f"| {r.action} | {r.way} | {r.clients} | {r.rate:.0f} | {r.p50:.1f} | {r.p95:.1f} | "
            f"{r.p99:.1f} | {scale} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="a PostgreSQL URL holding the large demo")
    parser.add_argument("--seconds", type=int, default=15, help="how long each run lasts")
    parser.add_argument("--clients", default=",".join(map(str, CLIENTS)))
    parser.add_argument("--actions", default=",".join(ACTIONS))
    parser.add_argument("--no-app", action="store_true", help="pgbench only")
    parser.add_argument("--no-pgbench", action="store_true", help="the app's processes only")
    parser.add_argument("--keep-scripts", help="a folder to keep the captured scripts in")
    parser.add_argument("--json", help="write the figures to this file too")
    parser.add_argument(
        "--without-audit",
        action="store_true",
        help="a diagnostic: replay the scripts with the audit statements left out",
    )
    parser.add_argument(
        "--rate",
        default="",
        help="also replay at these total rates (actions/s, e.g. "
        "200,500): people who pause between actions, not clients running flat out",
    )
    args = parser.parse_args()
    if shutil.which("pgbench") is None:
        raise SystemExit("pgbench is not on PATH (Debian: postgresql-client)")
    clients = [int(c) for c in args.clients.split(",")]
    actions = [a.strip() for a in args.actions.split(",")]
    results: list[Result] = []
    with copy_of(args.db) as url:
        from relaytui.db import open_store

        store = open_store(url)
        chosen = instances(store, INSTANCES)
        refs = refs_of(store, chosen)
        folder = Path(args.keep_scripts or tempfile.mkdtemp(prefix="relaytui-capacity-"))
        folder.mkdir(parents=True, exist_ok=True)
        scripts = {
            name: capture_scripts(store, name, chosen, refs, folder, audit=not args.without_audit)
            for name in actions
        }
        # The handovers were accepted by the capture: propose them again for the replays.
        chosen = instances(store, INSTANCES) if "accept a handover" in actions else chosen
        store.dispose()
        for name in [] if args.no_pgbench else actions:
            for count in clients:
                for rate in [None, *(float(r) for r in args.rate.split(",") if r.strip())]:
                    result = run_pgbench(url, name, scripts[name], count, args.seconds, rate)
                    results.append(result)
                    print(json.dumps(result.row()), flush=True)
        if not args.no_app:
            for name in actions:
                for count in clients:
                    if name == "accept a handover":
                        store = open_store(url)
                        chosen = instances(store, INSTANCES)
                        store.dispose()
                    result = run_app(url, name, chosen, count, args.seconds)
                    results.append(result)
                    print(json.dumps(result.row()), flush=True)
        if not args.keep_scripts:
            shutil.rmtree(folder, ignore_errors=True)
    print()
    print(table(results))
    if args.json:
        Path(args.json).write_text(
            json.dumps([r.row() for r in results], indent=1), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
