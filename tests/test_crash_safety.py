"""A process killed in the middle of writing loses nothing it committed, and breaks nothing.

The child writes entries through the services in a loop and prints each entry's id once its
write has returned (committed). It is killed with SIGKILL while still writing; afterwards every
printed id must be in the database, the file must pass SQLite's integrity check, the audit chain
must verify and the store must take new writes. Several rounds catch unlucky timing.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from relaytui.db import open_store
from relaytui.services import access, audit, journal, logs
from tests.factories import build_world

REPO = Path(__file__).resolve().parent.parent

WRITER = """
import sys
from relaytui.db import open_store
from relaytui.models import Staff
from relaytui.services import access, journal, log_list, logs

path, staff_id, log_id, round_no = sys.argv[1:]
store = open_store(path)
with store.session() as session:
    holder = access.to_ref(session.get(Staff, int(staff_id)))
n = 0
while True:
    entry = journal.write_entry(store, holder, int(log_id), text=f"round {round_no} entry {n}")
    print(entry.id, flush=True)
    n += 1
"""

ROUNDS = 3
KILL_AFTER = 50


def _lines(stream, out: queue.Queue) -> None:
    for line in stream:
        out.put(line)
    out.put(None)


def _write_until_killed(path: Path, staff_id: int, log_id: int, round_no: int) -> list[int]:
    """Run the writer, kill it after KILL_AFTER committed writes; the ids it reported."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(staff_id), str(log_id), str(round_no)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=_lines, args=(child.stdout, lines), daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 30  # generous: a loaded CI machine starts Python slowly
        while len(seen) < KILL_AFTER:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line is None:
                pytest.fail(f"the writer stopped on its own: {child.stderr.read()}")
            seen.append(line)
        time.sleep(random.uniform(0, 0.02))  # a different moment of the write each round
        assert child.poll() is None, "the writer must still be writing when it is killed"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    reader.join(timeout=10)
    while True:
        line = lines.get_nowait() if not lines.empty() else None
        if line is None:
            break
        seen.append(line)
    child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    # Only whole lines count: a line is printed after its write has committed.
    return [int(line) for line in seen if line.endswith("\n") and line.strip().isdigit()]


def test_killed_writer_loses_no_committed_entry(sqlite_store):
    world = build_world(sqlite_store, "dk")
    anna = world.ref("anna")
    log = logs.create_log(sqlite_store, anna, subject_id=world.subjects["Ida Jensen"], concern="c")
    path = Path(sqlite_store.url.replace("sqlite:///", ""))
    sqlite_store.dispose()

    committed: list[int] = []
    for round_no in range(ROUNDS):
        reported = _write_until_killed(path, anna.id, log.id, round_no)
        assert len(reported) >= KILL_AFTER
        committed.extend(reported)

        raw = sqlite3.connect(path)
        try:
            assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            stored = {
                row[0] for row in raw.execute("SELECT id FROM entry WHERE log_id = ?", (log.id,))
            }
        finally:
            raw.close()
        missing = set(committed) - stored
        assert not missing, f"round {round_no}: committed entries lost: {sorted(missing)[:10]}"

        store = open_store(str(path))
        try:
            chain = audit.verify(store, access.system_administrator())
            assert chain.intact, f"round {round_no}: the audit chain breaks at {chain.broken_at}"
            after = journal.write_entry(store, anna, log.id, text=f"after round {round_no}")
            assert after.id > max(committed)
            committed.append(after.id)
        finally:
            store.dispose()
