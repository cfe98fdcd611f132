"""Running the command line in the tests: Typer's CliRunner, a wide terminal, and what a
refusal must look like (one line on stderr, no traceback, nothing changed)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from relaytui.cli import app

runner = CliRunner()


def run(*args: str, input: str | None = None):
    # Wide enough that Rich's tables fold no cell.
    return runner.invoke(app, list(args), input=input, env={"COLUMNS": "200"})


def on(path: Path, *args: str, input: str | None = None):
    return run("--db", str(path), *args, input=input)


def assert_one_line_error(result, *fragments: str) -> str:
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def snapshot(path: Path, *, with_trail: bool = True) -> dict[str, list[tuple]]:
    """Every row of every table, to prove that a refused command changed nothing. Without the
    trail: the audit events, the head of their chain and the time of the last login, which a
    command that logs in writes even when it is refused."""
    con = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        found = {t: con.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}
        if not with_trail and found:
            found.pop("audit_event", None)
            found["setting"] = [
                row for row in found.get("setting", []) if not row[0].startswith("audit_head")
            ]
            columns = [r[1] for r in con.execute("PRAGMA table_info(staff)")]
            if "last_login_at" in columns:
                at = columns.index("last_login_at")
                found["staff"] = [row[:at] + row[at + 1 :] for row in found.get("staff", [])]
        return found
    finally:
        con.close()
